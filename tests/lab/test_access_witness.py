"""The access log's checkpoints kept on a second host (issue #19): `playbooks/access_checkpoints.yml`
signs the head and copies every checkpoint to the management server, which never overwrites one.
Whoever owns the control node's database and deletes every local checkpoint still cannot cut
records off the end unseen: the witness's copies, fetched back, name it."""

from __future__ import annotations

import dataclasses
import io
import shutil
import sqlite3
import subprocess
import tarfile

from lpse.access.config import load
from lpse.access.service import AccessLog
from lpse.runner import run_playbook

from .conftest import ssh

WITNESS = "/var/lib/lpse/access-witness"


def test_the_witness_keeps_every_checkpoint_and_tells_a_truncation(provisioned, tmp_path):
    lab = provisioned
    run = run_playbook("playbooks/access_checkpoints.yml", inventory=lab.inventory_path, quiet=True)
    assert run.ok, run.status
    log = AccessLog(load(lab.inventory_path))
    local = {p.name for d in log.config.checkpoint_dirs for p in d.glob("*.json")}
    kept = set(ssh(lab, "mgmt-01", f"ls {WITNESS}").stdout.split())
    assert local <= kept, local - kept
    assert ssh(lab, "mgmt-01", f"stat -c %a {WITNESS}").stdout.strip() == "700"
    # A checkpoint on the witness is never replaced by a different file of the same name.
    name = sorted(kept)[0]
    before = ssh(lab, "mgmt-01", f"sha256sum {WITNESS}/{name}").stdout
    again = run_playbook("playbooks/access_checkpoints.yml", inventory=lab.inventory_path, quiet=True)
    assert again.ok and ssh(lab, "mgmt-01", f"sha256sum {WITNESS}/{name}").stdout == before

    # The attack, on a copy of the lab's log (the lab's own stays whole): the last records cut
    # off, the head fixed, every local checkpoint deleted.
    shutil.copy(log.config.database, tmp_path / "access.db")
    shutil.copytree(log.config.keys_dir, tmp_path / "keys")
    log.store.close()
    head = AccessLog(load(lab.inventory_path)).store.head()[0]
    with sqlite3.connect(tmp_path / "access.db", isolation_level=None) as conn:
        conn.execute("DELETE FROM records WHERE seq > ?", (head - 3,))
        (last,) = conn.execute("SELECT hash FROM records WHERE seq = ?", (head - 3,)).fetchone()
        conn.execute("UPDATE chain_head SET seq = ?, hash = ?", (head - 3, last))
    fooled = AccessLog(
        dataclasses.replace(
            log.config,
            database=str(tmp_path / "access.db"),
            keys_dir=tmp_path / "keys",
            checkpoint_dirs=(tmp_path / "local-checkpoints",),  # all gone
        )
    )
    assert fooled.verify().ok  # nothing local tells the cut
    fetched = tmp_path / "witness"
    fetched.mkdir()
    tar = subprocess.run(lab.ssh_argv("mgmt-01", ["tar", "-C", WITNESS, "-c", "."]), capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(tar.stdout)) as archive:
        archive.extractall(fetched, filter="data")
    audited = AccessLog(dataclasses.replace(fooled.config, checkpoint_dirs=(fetched,)))
    problems = [p.what for p in audited.verify().problems]
    assert any(p.startswith(f"records after #{head - 3} are missing: the checkpoint of") for p in problems), problems
