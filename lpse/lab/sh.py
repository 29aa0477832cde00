"""Running the system tools the lab is made of (ip, ssh-keygen, debootstrap, ...)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence

from lpse.errors import EnvironmentProblem, LpseError

# Tool -> Debian package that provides it: the message for a missing tool says what to install.
TOOLS = {
    "ip": "iproute2",
    "unshare": "util-linux",
    "debootstrap": "debootstrap",
    "dpkg-scanpackages": "dpkg-dev",
    "ssh-keygen": "openssh-client",
    "ssh": "openssh-client",
    "nsenter": "util-linux",
    "mkfs.ext4": "e2fsprogs",
    "losetup": "util-linux",
}


def require_root() -> None:
    if os.geteuid() != 0:
        raise EnvironmentProblem(
            "the lab needs root: it creates network namespaces, bridges, mounts and cgroups. "
            "Run it as root (e.g. `sudo lpse lab up`) on a throwaway machine or VM."
        )


def require_tools(*names: str) -> None:
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        pkgs = sorted({TOOLS.get(n, n) for n in missing})
        raise EnvironmentProblem(
            f"required tool(s) not found: {', '.join(missing)}. "
            f"Install them with `apt-get install {' '.join(pkgs)}` (or run `make deps`)."
        )


def run(
    args: Sequence[str], *, check: bool = True, input: str | None = None, timeout: float | None = 120
) -> subprocess.CompletedProcess[str]:
    """Run a command, capture its output; on failure raise LpseError with its stderr."""
    try:
        proc = subprocess.run(list(args), capture_output=True, text=True, input=input, timeout=timeout)
    except FileNotFoundError:
        require_tools(args[0])
        raise
    except subprocess.TimeoutExpired:
        raise LpseError(f"`{' '.join(args)}` did not finish within {timeout} s") from None
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()
        raise LpseError(f"`{' '.join(args)}` failed (exit {proc.returncode}): {detail}")
    return proc
