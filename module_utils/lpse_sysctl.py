# Shared code of library/sysctl_settings.py: plan and apply kernel parameters through /proc/sys.
# Kept free of Ansible imports so unit tests use it directly.

from __future__ import annotations

import errno
import os

READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)


def key_path(key, proc_root="/proc/sys"):
    return os.path.join(proc_root, *key.split("."))


def normalise(value):
    return " ".join(str(value).split())


def read(key, proc_root="/proc/sys"):
    with open(key_path(key, proc_root)) as fh:
        return normalise(fh.read())


def render(settings, header):
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [f"{key} = {normalise(settings[key])}" for key in sorted(settings)]
    return "\n".join(lines) + "\n"


def plan(settings, proc_root="/proc/sys"):
    """For each key: (current, wanted, state) with state in ok, change, read_only, missing."""
    out = {}
    for key in sorted(settings):
        wanted = normalise(settings[key])
        path = key_path(key, proc_root)
        if not os.path.exists(path):
            out[key] = (None, wanted, "missing")
            continue
        current = read(key, proc_root)
        if current == wanted:
            out[key] = (current, wanted, "ok")
        elif not os.access(path, os.W_OK):
            out[key] = (current, wanted, "read_only")
        else:
            out[key] = (current, wanted, "change")
    return out


def write(key, value, proc_root="/proc/sys"):
    """Set a live value; return False (not raise) when the kernel says it is read-only here."""
    try:
        with open(key_path(key, proc_root), "w") as fh:
            fh.write(normalise(value) + "\n")
    except OSError as exc:
        if exc.errno in READ_ONLY_ERRNOS:
            return False
        raise
    return True
