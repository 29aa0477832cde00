"""Helpers for the unit tests of the on-host scripts (roles/<role>/files/usr/local/sbin/<name>):
their settings rendered from the role's own template and defaults, as Ansible would, and a run
of the script with the shared helper (roles/host_common) on PYTHONPATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jinja2
import yaml

from tests.conftest import ROOT

ROLES = ROOT / "roles"
HOST_LIB = ROLES / "host_common/files/usr/local/lib/lpse"

# script -> (role, settings file name in /etc/lpse without .json)
SCRIPTS = {
    "lpse-alert": ("alerting", "alert"),
    "lpse-traffic-record": ("bandwidth", "traffic-record"),
    "lpse-netprobe": ("connectivity", "netprobe"),
    "lpse-metrics": ("metrics", "metrics"),
    "lpse-capacity-record": ("monitoring", "capacity-record"),
    "lpse-room-record": ("room", "room-record"),
}


def script(name: str) -> Path:
    return ROLES / SCRIPTS[name][0] / "files/usr/local/sbin" / name


def settings_template(name: str) -> Path:
    role, conf = SCRIPTS[name]
    return ROLES / role / f"templates/etc/lpse/{conf}.json.j2"


def settings(name: str, **overrides) -> dict:
    """The script's settings as its role renders them, from the role's defaults and ``overrides``."""
    role, _ = SCRIPTS[name]
    variables = yaml.safe_load((ROLES / role / "defaults/main.yml").read_text()) | overrides
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["to_nice_json"] = lambda value, indent=4: json.dumps(value, indent=indent, sort_keys=True)
    env.filters["bool"] = lambda value: value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    return json.loads(env.from_string(settings_template(name).read_text()).render(variables))


def write_settings(tmp_path: Path, name: str, cfg: dict) -> Path:
    path = tmp_path / f"{SCRIPTS[name][1]}.json"
    path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    return path


def fake_command(directory: Path, name: str, body: str) -> Path:
    """An executable shell script ``name`` in ``directory`` (put first on PATH by ``run``)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


def run(name: str, config: Path, *args: str, stdin: str | None = None, path_first: Path | None = None,
        check: bool = True) -> subprocess.CompletedProcess:  # fmt: skip
    """Run the script with ``--config config``, as the host's python would with lpse_host installed."""
    env = {**os.environ, "PYTHONPATH": str(HOST_LIB)}
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env['PATH']}"
    proc = subprocess.run([sys.executable, str(script(name)), "--config", str(config), *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=30)  # fmt: skip
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc
