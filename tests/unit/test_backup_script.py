"""Unit tests of lpse-backup's pure parts: retention, set classification and verification.
(The lab tests run the whole thing against the real medium, PostgreSQL and sshd.)"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _load():
    path = ROOT / "roles/backup/files/lpse-backup"
    loader = importlib.machinery.SourceFileLoader("lpse_backup_script", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


lb = _load()


def make(tmp_path: Path, retention: dict | None = None):
    cfg = {
        "medium_label": "T",
        "mount_point": str(tmp_path / "mnt"),
        "state_dir": str(tmp_path / "state"),
        "retention": retention or {"daily": 7, "weekly": 4, "monthly": 12},
    }
    return lb.Backup(cfg)


def write_set(b, name: str, files: dict[str, bytes]) -> Path:
    d = Path(b.root) / name
    d.mkdir(parents=True)
    meta = {}
    for fname, data in files.items():
        (d / fname).write_bytes(data)
        meta[fname] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "source": fname}
    text = json.dumps({"set": name, "files": meta}, indent=1, sort_keys=True)
    (d / lb.MANIFEST).write_text(text)
    (d / lb.COMPLETE).write_text(hashlib.sha256(text.encode()).hexdigest() + "\n")
    return d


def test_retention_keeps_newest_per_day_week_and_month(tmp_path):
    b = make(tmp_path, {"daily": 3, "weekly": 2, "monthly": 2})
    names = [
        "20240101T013000Z",
        "20261001T013000Z",
        "20261101T013000Z",
        "20261115T013000Z",
        "20261120T013000Z",
        "20261123T013000Z",
        "20261124T013000Z",
        "20261124T120000Z",
        "20261125T013000Z",
    ]
    keep = b.keep(names, today=lb.dt.date(2026, 11, 25))
    # daily: the newest of 25, 24 and 23 Nov; weekly: newest of ISO weeks 48 and 47; monthly: Nov, Oct.
    assert keep == {"20261125T013000Z", "20261124T120000Z", "20261123T013000Z", "20261120T013000Z",
                    "20261001T013000Z"}  # fmt: skip
    assert "20261124T013000Z" not in keep  # an older set of a day already kept
    assert "20240101T013000Z" not in keep  # outside every window


def test_sets_complete_only_with_marker(tmp_path):
    b = make(tmp_path)
    write_set(b, "20261125T013000Z", {"a.gpg": b"x"})
    (Path(b.root) / ".partial-20261126T013000Z").mkdir()
    (Path(b.root) / "20261124T013000Z").mkdir()  # no COMPLETE: a set that never finished
    complete, incomplete = b.sets()
    assert complete == ["20261125T013000Z"]
    assert incomplete == [".partial-20261126T013000Z", "20261124T013000Z"]


def test_verify_names_the_changed_missing_and_extra_files(tmp_path):
    b = make(tmp_path)
    d = write_set(b, "20261125T013000Z", {"db.dump.gpg": b"dump" * 100, "files.tar.gpg": b"tar" * 100})
    assert b.verify_set("20261125T013000Z") == []
    data = bytearray((d / "db.dump.gpg").read_bytes())
    data[7] ^= 1
    (d / "db.dump.gpg").write_bytes(bytes(data))
    (d / "files.tar.gpg").unlink()
    (d / "stray").write_text("?")
    problems = b.verify_set("20261125T013000Z")
    assert any("db.dump.gpg: SHA-256" in p and "differs from the manifest" in p for p in problems)
    assert "20261125T013000Z/files.tar.gpg: missing" in problems
    assert "20261125T013000Z/stray: not in the manifest" in problems


def test_verify_catches_an_edited_manifest(tmp_path):
    b = make(tmp_path)
    d = write_set(b, "20261125T013000Z", {"a.gpg": b"x"})
    (d / lb.MANIFEST).write_text((d / lb.MANIFEST).read_text().replace('"set"', '"set" ', 1))
    assert any("changed after the set was completed" in p for p in b.verify_set("20261125T013000Z"))


def test_custody_needs_place_and_carrier_and_flags_the_server_room(tmp_path):
    b = make(tmp_path)
    b.cfg["server_rooms"] = ["Ruang Server"]
    with pytest.raises(lb.Failure, match="--location"):
        b.custody(" ", "budi", None)
    assert b.custody("ruang server", "budi", None)["server_room"] is True
    assert b.custody("Brankas Setda", "budi", "V-1")["server_room"] is False
    assert [r["location"] for r in b.records("custody")] == ["ruang server", "Brankas Setda"]


def _hold(path: Path, mode: str):
    """A separate process holding ``path`` (flock, 'sh' shared or 'ex' exclusive) until killed."""
    import subprocess
    import sys

    code = (
        "import fcntl, sys, time\n"
        "f = open(sys.argv[1], 'a')\n"
        "fcntl.flock(f, fcntl.LOCK_SH if sys.argv[2] == 'sh' else fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(path), mode], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_readers_share_the_lock_and_a_writer_waits_then_names_the_holder(tmp_path):
    lock = tmp_path / "lpse-backup.lock"
    holder = _hold(lock, "sh")
    try:
        with open(lock, "a") as fh:
            assert lb.acquire(fh, shared=True, wait=0), "two readers must not exclude each other"
        with open(lock, "a") as fh:
            assert not lb.acquire(fh, shared=False, wait=0.5), "a writer must wait for the readers"
        said = lb.describe_holders(str(lock))
        assert f"held shared by pid {holder.pid} (" in said
        assert "running since 20" in said
    finally:
        holder.kill()
        holder.wait()


def test_a_reader_waits_for_a_writer_a_bounded_time_and_names_it(tmp_path):
    import time

    lock = tmp_path / "lpse-backup.lock"
    holder = _hold(lock, "ex")
    try:
        started = time.monotonic()
        with open(lock, "a") as fh:
            assert not lb.acquire(fh, shared=True, wait=1.0)
        assert 0.9 <= time.monotonic() - started < 5
        assert lb.lock_holders(str(lock)) == [(holder.pid, "WRITE")]
        assert f"held exclusively by pid {holder.pid} (-c import fcntl" in lb.describe_holders(str(lock))
    finally:
        holder.kill()
        holder.wait()
    with open(lock, "a") as fh:
        assert lb.acquire(fh, shared=False, wait=0), "a killed holder leaves no lock behind"


def test_a_free_lock_has_no_holder(tmp_path):
    lock = tmp_path / "lpse-backup.lock"
    lock.write_text("")
    assert lb.lock_holders(str(lock)) == []
    assert "just ended" in lb.describe_holders(str(lock))
