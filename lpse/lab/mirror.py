"""The lab's offline apt mirror: hosts have no internet, as in many government data centres.

The .debs are downloaded once on the control side with the machine's own apt, resolving
dependencies against the lab root filesystem's dpkg status (so the mirror holds exactly what the
hosts lack), indexed with dpkg-scanpackages, cached under /var/cache/lpse-lab/mirror/<hash>, and
served over HTTP on each lab network's control address.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import http.server
import os
import shutil
import threading
import time
from pathlib import Path

from lpse.errors import InputError, LpseError
from lpse.lab import rootfs, sh


def read_package_list(path: Path) -> list[str]:
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the mirror package list: {exc}") from None
    pkgs = []
    for number, line in enumerate(lines, 1):
        name = line.split("#", 1)[0].strip()
        if not name:
            continue
        if not all(c.isalnum() or c in "+-." for c in name):
            raise InputError(f"{path}:{number}: {name!r} is not a Debian package name")
        pkgs.append(name)
    return sorted(set(pkgs))


KEEP_OTHER_MIRRORS = 2


def mirror_path(packages: list[str], root: Path) -> Path:
    digest = hashlib.sha256(("\n".join(packages) + root.name).encode()).hexdigest()[:12]
    return rootfs.CACHE / "mirror" / digest


def ensure(packages: list[str], root: Path, progress=print) -> Path:
    target = mirror_path(packages, root)
    if (target / "Packages.gz").exists():
        os.utime(target)  # in use: the pruning below keeps recently used mirrors
        return target
    sh.require_tools("apt-get", "dpkg-scanpackages")
    build = target.with_name(target.name + ".building")
    shutil.rmtree(build, ignore_errors=True)
    (build / "lists" / "partial").mkdir(parents=True)
    (build / "cache" / "archives" / "partial").mkdir(parents=True)
    debian = rootfs.debian_mirror()
    security = debian.rsplit("/debian", 1)[0] + "/debian-security"
    keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
    (build / "sources.list").write_text(
        f"deb [signed-by={keyring}] {debian} {rootfs.SUITE} main\n"
        f"deb [signed-by={keyring}] {debian} {rootfs.SUITE}-updates main\n"
        f"deb [signed-by={keyring}] {security} {rootfs.SUITE}-security main\n"
    )
    apt = [
        "apt-get",
        "-q",
        "-o",
        f"Dir::Etc::SourceList={build / 'sources.list'}",
        "-o",
        "Dir::Etc::SourceParts=/nonexistent",
        "-o",
        "Dir::Etc::Preferences=/nonexistent",
        "-o",
        "Dir::Etc::PreferencesParts=/nonexistent",
        "-o",
        f"Dir::State::Lists={build / 'lists'}",
        "-o",
        f"Dir::State::status={root / 'var/lib/dpkg/status'}",
        "-o",
        f"Dir::Cache={build / 'cache'}",
        "-o",
        "Debug::NoLocking=1",
        "-o",
        "APT::Install-Recommends=false",
    ]
    progress(f"building the offline apt mirror ({len(packages)} packages and their dependencies)")
    started = time.monotonic()
    sh.run([*apt, "update"], timeout=900)
    sh.run([*apt, "install", "--download-only", "-y", *packages], timeout=1800)
    pool = build / "pool"
    pool.mkdir()
    for deb in (build / "cache" / "archives").glob("*.deb"):
        deb.rename(pool / deb.name)
    index = _scan(build)
    (build / "Packages").write_text(index)
    with gzip.open(build / "Packages.gz", "wt") as fh:
        fh.write(index)
    for tmp in ("lists", "cache", "sources.list"):
        path = build / tmp
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    build.rename(target)
    # Keep the two most recently used other mirrors: another lab (another checkout, a Molecule
    # scenario) may be serving one of them right now.
    others = sorted(
        (p for p in target.parent.iterdir() if p != target and not p.name.endswith(".building")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in others[KEEP_OTHER_MIRRORS:]:
        shutil.rmtree(old, ignore_errors=True)
    count = len(list((target / "pool").glob("*.deb")))
    progress(f"offline mirror ready in {time.monotonic() - started:.0f} s: {count} packages")
    return target


def _scan(build: Path) -> str:
    proc = sh.run(
        ["sh", "-c", 'cd "$1" && dpkg-scanpackages --multiversion pool /dev/null', "sh", str(build)], timeout=300
    )
    if not proc.stdout.strip():
        raise LpseError(f"dpkg-scanpackages indexed nothing in {build}/pool")
    return proc.stdout


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        print(f"{self.address_string()} {format % args}", flush=True)


def serve(directory: Path, binds: list[tuple[str, int]]) -> None:
    """Serve the mirror on every (address, port); blocks forever."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    servers = [http.server.ThreadingHTTPServer(bind, handler) for bind in binds]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    print(f"serving {directory} on {binds}", flush=True)
    for t in threads:
        t.join()


def main() -> None:
    parser = argparse.ArgumentParser(description="serve the lab's offline apt mirror")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--bind", action="append", required=True, help="ADDRESS:PORT")
    args = parser.parse_args()
    binds = [(b.rsplit(":", 1)[0], int(b.rsplit(":", 1)[1])) for b in args.bind]
    serve(args.directory, binds)


if __name__ == "__main__":
    main()
