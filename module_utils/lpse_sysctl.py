# Shared code of library/sysctl_settings.py: plan and apply kernel parameters through /proc/sys.
# Kept free of Ansible imports so unit tests use it directly.

from __future__ import annotations

import errno
import os
import tempfile

# EINVAL too: a one-way parameter already stricter (Yama's ptrace_scope 3) refuses to go back.
READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM, errno.EINVAL)


# Parameters where a higher value is stricter still: a host already set stricter is left so, and
# the compliance check counts it as hardened.
AT_LEAST = frozenset(
    {
        "kernel.kptr_restrict",
        "kernel.yama.ptrace_scope",
        "kernel.perf_event_paranoid",
        "kernel.unprivileged_bpf_disabled",
        "vm.mmap_min_addr",
        "fs.protected_fifos",
        "fs.protected_regular",
        "net.core.bpf_jit_harden",
    }
)


def strict_enough(key, got, want):
    """Whether ``got`` is the wanted value, or stricter for a parameter in AT_LEAST."""
    got, want = normalise(got), normalise(want)
    if got == want:
        return True
    return key in AT_LEAST and got.isdigit() and want.isdigit() and int(got) >= int(want)


def key_path(key, proc_root="/proc/sys"):
    return os.path.join(proc_root, *key.split("."))


def normalise(value):
    return " ".join(str(value).split())


def read(key, proc_root="/proc/sys"):
    with open(key_path(key, proc_root)) as fh:
        return normalise(fh.read())


def render(settings, header, optional=()):
    """The sysctl.d file. Optional keys (present only on kernels built with their feature) get
    systemd-sysctl's '-' prefix: a kernel without them ignores them at boot instead of failing."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [f"{'-' if key in optional else ''}{key} = {normalise(settings[key])}" for key in sorted(settings)]
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
        if strict_enough(key, current, wanted):
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


# --- files read after ours at boot ----------------------------------------------------------------

# systemd-sysctl's directories, most important first: a name in /etc hides the same name below.
SYSCTL_DIRS = ("/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d")


def packaged(path):
    """Whether a sysctl.d file belongs to a package (under /usr or /lib): not ours to edit."""
    return "/usr/" in path or path.startswith("/lib/")


NOTE = "lpse-dc: this overrode {own} at boot; kept as a comment:"


def boot_order(dirs=SYSCTL_DIRS):
    """The *.conf files systemd-sysctl applies, in its order (by file name)."""
    chosen = {}
    for d in dirs:
        if os.path.isdir(d):
            for name in os.listdir(d):
                if name.endswith(".conf") and name not in chosen:
                    chosen[name] = os.path.join(d, name)
    return [chosen[n] for n in sorted(chosen)]


def parse_line(line):
    """(key, value) of one sysctl.d line, or None for comments and blanks. Slashes as separators
    (when the first separator is one) become dots; a leading '-' (ignore errors) is dropped."""
    text = line.strip()
    if not text or text[0] in "#;" or "=" not in text:
        return None
    key, value = (part.strip() for part in text.split("=", 1))
    key = key.lstrip("-")
    first = min((i for i in (key.find("."), key.find("/")) if i >= 0), default=-1)
    if first >= 0 and key[first] == "/":
        key = key.replace("/", ".")
    return key, normalise(value)


def overrides(settings, own_file, dirs=SYSCTL_DIRS):
    """Lines applied after ``own_file`` at boot that set one of ``settings`` to another value:
    [(path, line number, key, value)]."""
    own = os.path.basename(own_file)
    wanted = {str(k): normalise(v) for k, v in settings.items()}
    out = []
    for path in boot_order(dirs):
        if os.path.basename(path) <= own:
            continue
        try:
            with open(path) as fh:
                lines = fh.read().splitlines()
        except OSError:
            continue
        for number, line in enumerate(lines, 1):
            parsed = parse_line(line)
            if parsed and parsed[0] in wanted and not strict_enough(parsed[0], parsed[1], wanted[parsed[0]]):
                out.append((path, number, parsed[0], parsed[1]))
    return out


def comment_out(path, numbers, own):
    """Turn the given lines of ``path`` (the file a symlink points to, if it is one) into comments."""
    real = os.path.realpath(path)
    with open(real) as fh:
        lines = fh.read().splitlines(keepends=True)
    for n in numbers:
        lines[n - 1] = f"# {NOTE.format(own=own)} {lines[n - 1].rstrip()}\n"
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(real), prefix=".sysctl-")
    with os.fdopen(fd, "w") as fh:
        fh.writelines(lines)
    os.chmod(tmp, os.stat(real).st_mode & 0o7777)
    os.replace(tmp, real)
    return real


def mask_package_file(path, numbers, own, etc_dir):
    """A package's sysctl.d file that undoes ours: systemd's way is a file of the same name in
    /etc/sysctl.d, which hides it. Write one: the package's lines, those that undo ours commented."""
    target = os.path.join(etc_dir, os.path.basename(path))
    with open(path) as fh:
        text = fh.read()
    header = f"# lpse-dc: hides {path} (a package's file), whose other lines are kept below.\n"
    fd, tmp = tempfile.mkstemp(dir=etc_dir, prefix=".sysctl-")
    with os.fdopen(fd, "w") as fh:
        fh.write(header + text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    comment_out(target, [n + 1 for n in numbers], own)
    return target
