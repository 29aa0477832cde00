"""What the on-host scripts of lpse-dc share: their settings, JSON-lines records, atomic files,
node_exporter's text format and lpse-alert.

Installed by the host_common role as /usr/local/lib/lpse/lpse_host.py. Each script in
/usr/local/sbin appends that directory to ``sys.path`` before importing this module: Debian's
/usr/bin/python3 searches neither /usr/local/lib/python3/dist-packages nor a directory that
outlives a Python upgrade (/usr/local/lib/python3.11/dist-packages is tied to 3.11). Tests put
this file's directory on PYTHONPATH instead. Standard library only.
"""

import contextlib
import json
import math
import os
import subprocess
import sys
import time

LIB_DIR = "/usr/local/lib/lpse"


# -- settings ---------------------------------------------------------------------------------
def config_arg(argv: list[str], default: str) -> tuple[str, list[str]]:
    """The configuration file (``--config PATH`` or ``--config=PATH`` first on the command line,
    else ``default``) and the arguments after it."""
    if len(argv) >= 2 and argv[0] == "--config":
        return argv[1], argv[2:]
    if argv and argv[0].startswith("--config="):
        return argv[0].split("=", 1)[1], argv[1:]
    return default, list(argv)


def read_config(prog: str, path: str) -> dict:
    """The JSON object in ``path`` (rendered by the script's role). One that cannot be read ends the
    script with status 2 and one line naming the file, as lpse-backup does."""
    try:
        with open(path) as fh:
            cfg = json.load(fh)
        if not isinstance(cfg, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        print(f"{prog}: cannot read {path}: {exc}", file=sys.stderr)
        sys.exit(2)
    return cfg


def load_config(prog: str, default: str, argv: list[str] | None = None) -> dict:
    """The settings of a script that takes no other arguments."""
    path, _ = config_arg(sys.argv[1:] if argv is None else argv, default)
    return read_config(prog, path)


# -- records ----------------------------------------------------------------------------------
def local_time(epoch: float) -> str:
    """The records' ``time``: local time with its UTC offset, e.g. 2026-11-30T01:00:03+0700."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(epoch))


def append_json_lines(path: str, records: list[dict], *, sort_keys: bool = True, compact: bool = False) -> None:
    """Append each record as one JSON line. A file whose last line was torn (a crash in the middle
    of a write, no newline at its end) gets a newline first, so only the torn line is lost."""
    separators = (",", ":") if compact else None
    text = "".join(json.dumps(r, sort_keys=sort_keys, separators=separators) + "\n" for r in records)
    if not text:
        return
    with open(path, "ab+") as fh:
        if fh.seek(0, os.SEEK_END) > 0:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                text = "\n" + text
        fh.write(text.encode())


def _epoch(line: str) -> float:
    """A record's epoch; minus infinity for a line that is not a record with one (a torn line)."""
    try:
        epoch = json.loads(line)["epoch"]
    except (ValueError, TypeError, KeyError, IndexError):
        return -math.inf
    return epoch if isinstance(epoch, int | float) and not isinstance(epoch, bool) else -math.inf


def prune(path: str, now: float, retention_s: float) -> None:
    """Drop the records of a JSON-lines file older than ``retention_s`` (epoch < now - retention_s).

    Records are appended in time order, so while the first one is recent enough the file is left
    as it is, read no further than its first line (the probes run every minute). Otherwise the file
    is replaced atomically by the recent records; lines that are not records with an epoch (a line
    torn by a crash) go with the old ones, as the readers skip them anyway. A file that cannot be
    read is left alone."""
    cutoff = now - retention_s
    try:
        with open(path) as fh:
            first = fh.readline()
            if not first or _epoch(first) >= cutoff:
                return
            fh.seek(0)
            lines = fh.readlines()
    except (OSError, UnicodeDecodeError):
        return
    keep = [line if line.endswith("\n") else line + "\n" for line in lines if _epoch(line) >= cutoff]
    write_atomic(path, "".join(keep))


def last_json_line(path: str) -> dict | None:
    """The newest record of a JSON-lines file (read from its last 64 KiB), or None."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 65536))
            tail = fh.read().splitlines()
        return json.loads(tail[-1]) if tail else None
    except (OSError, ValueError, IndexError):
        return None


def read_json(path: str, default):
    """The JSON document in ``path`` (a script's state), or ``default`` if it is absent or unreadable."""
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return default


# -- files ------------------------------------------------------------------------------------
def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` by ``text`` at once: a reader sees the old file or the new one, never part.

    The temporary file is in the same directory (a rename does not cross filesystems), gets the mode
    a plain open() gives (0666 less the umask: node_exporter reads the .prom files as its own user)
    and is removed when the write fails."""
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: str, data, *, sort_keys: bool = False) -> None:
    """A script's state file, replaced atomically."""
    write_atomic(path, json.dumps(data, sort_keys=sort_keys))


# -- node_exporter's textfile collector --------------------------------------------------------
class PromText:
    """Gauges in Prometheus' text format: each name's HELP and TYPE once, before its first sample;
    a sample whose value is None is left out."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, name: str, value, help_text: str, labels: dict | None = None) -> None:
        if value is None:
            return
        if not any(line.startswith(f"# HELP {name} ") for line in self.lines):
            self.lines.append(f"# HELP {name} {help_text}")
            self.lines.append(f"# TYPE {name} gauge")
        label = ",".join(f'{k}="{v}"' for k, v in (labels or {}).items())
        self.lines.append(name + ("{" + label + "}" if label else "") + f" {value}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


# -- lpse-alert -------------------------------------------------------------------------------
def send_alerts(lpse_alert: str, source: str, states: list[dict]) -> subprocess.CompletedProcess:
    """Pass the state of every alert key of ``source`` to lpse-alert (the alerting role), which
    raises or clears an alert for each change."""
    return subprocess.run(
        [lpse_alert, source], input=json.dumps(states), text=True, capture_output=True, timeout=60, check=False
    )
