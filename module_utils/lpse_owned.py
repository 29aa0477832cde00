# Shared code of library/owned_directory.py and library/group_members.py: what a role owns on a
# host, and what a hand made there that the role did not write.
# Kept free of Ansible imports so unit tests use it directly.

from __future__ import annotations

import fnmatch
import os
import shutil
import time


def strangers(path, keep, patterns=("*",)):
    """Names in ``path`` that match one of ``patterns`` and are not in ``keep`` (sorted).
    Subdirectories are not files a drop-in reader loads; they are left alone."""
    if not os.path.isdir(path):
        return []
    out = []
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if name in keep or (os.path.isdir(full) and not os.path.islink(full)):
            continue
        if any(fnmatch.fnmatchcase(name, p) for p in patterns):
            out.append(name)
    return out


def quarantine_path(quarantine, path, name, stamp=None):
    """Where a stranger's file is kept: <quarantine>/<its directory, slashes as '_'>/<name>.<UTC time>."""
    stamp = stamp or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    folder = path.strip("/").replace("/", "_") or "_"
    return os.path.join(quarantine, folder, f"{name}.{stamp}")


def move_aside(path, name, quarantine, stamp=None):
    """Move one file out of a drop-in directory into the quarantine (nothing is deleted: the file
    is evidence of who changed what). Returns the new path."""
    target = quarantine_path(quarantine, path, name, stamp)
    os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
    shutil.move(os.path.join(path, name), target)
    return target


def outsiders(members, allowed):
    """Members of a group that are not allowed in it (sorted, without repeats)."""
    return sorted(set(members) - set(allowed))


# Where systemd reads a unit's drop-ins that a person (or `systemctl edit`/`set-property`) writes.
UNIT_DIRS = ("/etc/systemd/system", "/etc/systemd/system.control", "/run/systemd/system", "/run/systemd/system.control")


def unit_dropin_dirs(unit, roots=UNIT_DIRS):
    """The drop-in directories of ``unit`` (and of its template, for an instance like postgresql@15-main)."""
    names = [unit]
    if "@" in unit:
        prefix, rest = unit.split("@", 1)
        names.append(f"{prefix}@.{rest.rsplit('.', 1)[-1]}")
    return [f"{root}/{name}.d" for root in roots for name in names]
