"""The lab hosts' root filesystem: one Debian bookworm tree, built once and cached.

Every lab host boots this tree read-only through its own overlayfs, so the tree is built once per
recipe (debootstrap, ~45 s) and kept under /var/cache/lpse-lab/rootfs/<recipe-hash>. Changing the
recipe below changes the hash, which builds a new tree; older trees are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from pathlib import Path

from lpse.errors import LpseError
from lpse.lab import sh

CACHE = Path(os.environ.get("LPSE_LAB_CACHE", "/var/cache/lpse-lab"))
SUITE = "bookworm"
# What every lab host has before any role runs: what a freshly installed Debian server has
# (init, sshd, python for Ansible) plus a few network diagnostics the tests use from the hosts.
PACKAGES = (
    "python3",
    "python3-apt",
    "openssh-server",
    "iproute2",
    "sudo",
    "systemd",
    "systemd-sysv",
    "dbus",
    "procps",
    "iputils-ping",
    "traceroute",
    "curl",
    "netcat-openbsd",
    "ca-certificates",
    "less",
)
# Bump when the post-build steps change.
RECIPE_VERSION = 2


def debian_mirror() -> str:
    """The Debian mirror this machine's apt already uses (the lab must not invent network paths)."""
    if os.environ.get("LPSE_DEBIAN_MIRROR"):
        return os.environ["LPSE_DEBIAN_MIRROR"]
    for src in [
        Path("/etc/apt/sources.list.d/debian.sources"),
        Path("/etc/apt/sources.list"),
        *sorted(Path("/etc/apt/sources.list.d").glob("*")),
    ]:
        try:
            text = src.read_text()
        except OSError:
            continue
        m = re.search(r"^URIs:\s*(\S+/debian)/?\s*$", text, re.M) or re.search(
            r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+/debian)/?\s+" + SUITE + r"\s", text, re.M
        )
        if m:
            return m.group(1)
    return "http://deb.debian.org/debian"


def recipe() -> dict[str, object]:
    return {"suite": SUITE, "variant": "minbase", "packages": sorted(PACKAGES), "version": RECIPE_VERSION}


def recipe_hash() -> str:
    return hashlib.sha256(json.dumps(recipe(), sort_keys=True).encode()).hexdigest()[:12]


def path() -> Path:
    return CACHE / "rootfs" / recipe_hash()


def ensure(progress=print, rebuild: bool = False) -> Path:
    """Return the cached root filesystem for the current recipe, building it if needed."""
    target = path()
    if (target / ".lpse-complete").exists() and not rebuild:
        return target
    sh.require_tools("debootstrap")
    build = target.with_name(target.name + ".building")
    shutil.rmtree(build, ignore_errors=True)
    build.parent.mkdir(parents=True, exist_ok=True)
    mirror = debian_mirror()
    progress(f"building the lab root filesystem (debootstrap {SUITE}, ~1 min) from {mirror}")
    started = time.monotonic()
    proc = sh.run(
        ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(build), mirror],
        check=False,
        timeout=1800,
    )
    if proc.returncode != 0:
        log = build / "debootstrap" / "debootstrap.log"
        tail = log.read_text()[-2000:] if log.exists() else proc.stderr[-2000:]
        shutil.rmtree(build, ignore_errors=True)
        raise LpseError(f"debootstrap failed (exit {proc.returncode}):\n{tail}")
    _post_build(build)
    (build / ".lpse-complete").write_text(
        json.dumps({**recipe(), "mirror": mirror, "seconds": round(time.monotonic() - started, 1)})
    )
    if rebuild and target.exists():
        shutil.rmtree(target)
    build.rename(target)
    for old in target.parent.iterdir():
        if old != target and not old.name.endswith(".building"):
            shutil.rmtree(old, ignore_errors=True)
    progress(f"root filesystem ready in {time.monotonic() - started:.0f} s: {target}")
    return target


def _post_build(root: Path) -> None:
    """Make the tree a template: no identity of its own, nothing fetched at boot."""
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc/machine-id").write_text("")
    (root / "var/lib/dbus/machine-id").unlink(missing_ok=True)
    (root / "etc/apt/sources.list").write_text("# lab hosts use only the lab's offline mirror\n")
    lists = root / "var/lib/apt/lists"
    for item in lists.iterdir():
        if item.is_file():
            item.unlink()
    for deb in (root / "var/cache/apt/archives").glob("*.deb"):
        deb.unlink()
    # No hardware clock, no console: units that would only fail in a lab host.
    for unit in ("systemd-timesyncd.service", "getty@tty1.service", "console-getty.service"):
        link = root / "etc/systemd/system" / unit
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")
