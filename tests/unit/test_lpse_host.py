"""lpse_host (role host_common), what the on-host scripts share: the retention of JSON-lines
records, appends that survive a torn line, atomic files, settings and node_exporter's format;
and the scripts themselves: plain Python, each reading only settings its role writes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.unit import onhost

sys.path.insert(0, str(onhost.HOST_LIB))
import lpse_host

DAY = 86400
NOW = 1_800_000_000


def records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write_lines(path, epochs) -> None:
    path.write_text("".join(json.dumps({"epoch": e, "n": i}) + "\n" for i, e in enumerate(epochs)))


def test_prune_keeps_the_records_inside_the_retention_and_drops_the_older_ones(tmp_path):
    path = tmp_path / "records.jsonl"
    write_lines(path, [NOW - 10 * DAY, NOW - 3 * DAY, NOW - 2 * DAY, NOW - DAY, NOW])
    lpse_host.prune(str(path), NOW, 2 * DAY)
    assert [r["epoch"] for r in records(path)] == [NOW - 2 * DAY, NOW - DAY, NOW]  # the edge is kept


def test_prune_leaves_a_file_whose_first_record_is_recent_untouched(tmp_path):
    path = tmp_path / "records.jsonl"
    write_lines(path, [NOW - DAY, NOW])
    before = os.stat(path)
    lpse_host.prune(str(path), NOW, 2 * DAY)
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_prune_survives_a_torn_last_line_and_drops_it_with_the_old_records(tmp_path):
    path = tmp_path / "records.jsonl"
    write_lines(path, [NOW - 10 * DAY, NOW])
    with open(path, "a") as fh:
        fh.write('{"epoch": 18000')  # a crash in the middle of a write
    lpse_host.prune(str(path), NOW, 2 * DAY)
    assert path.read_text() == json.dumps({"epoch": NOW, "n": 1}) + "\n"


def test_prune_of_a_missing_or_empty_file_does_nothing(tmp_path):
    lpse_host.prune(str(tmp_path / "absent.jsonl"), NOW, DAY)
    (tmp_path / "empty.jsonl").write_text("")
    lpse_host.prune(str(tmp_path / "empty.jsonl"), NOW, DAY)
    assert sorted(os.listdir(tmp_path)) == ["empty.jsonl"]


def test_an_append_after_a_torn_line_starts_a_line_of_its_own(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text('{"epoch": 1}\n{"epo')
    lpse_host.append_json_lines(str(path), [{"epoch": 2, "b": 1, "a": 0}], compact=True)
    assert path.read_text().splitlines() == ['{"epoch": 1}', '{"epo', '{"a":0,"b":1,"epoch":2}']


def test_appended_lines_keep_each_scripts_layout(tmp_path):
    path = tmp_path / "x.jsonl"
    lpse_host.append_json_lines(str(path), [{"z": 1, "a": 2}])
    lpse_host.append_json_lines(str(path), [{"z": 1, "a": 2}], sort_keys=False, compact=True)
    assert path.read_text() == '{"a": 2, "z": 1}\n{"z":1,"a":2}\n'


def test_an_atomic_write_leaves_no_temporary_file_and_the_mode_a_plain_write_gives(tmp_path):
    path = tmp_path / "lpse.prom"
    path.write_text("old\n")
    old_umask = os.umask(0o022)
    try:
        lpse_host.write_atomic(str(path), "new\n")
    finally:
        os.umask(old_umask)
    assert path.read_text() == "new\n"
    assert os.listdir(tmp_path) == ["lpse.prom"]
    assert path.stat().st_mode & 0o777 == 0o644  # node_exporter reads it as its own user


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{}")
    with pytest.raises(TypeError):
        lpse_host.write_atomic(str(path), None)
    assert path.read_text() == "{}"
    assert os.listdir(tmp_path) == ["state.json"]


def test_the_last_json_line_is_the_newest_record_and_none_when_there_is_none(tmp_path):
    path = tmp_path / "records.jsonl"
    assert lpse_host.last_json_line(str(path)) is None
    write_lines(path, [1, 2, 3])
    assert lpse_host.last_json_line(str(path)) == {"epoch": 3, "n": 2}


def test_state_that_cannot_be_read_is_the_default(tmp_path):
    (tmp_path / "state.json").write_text("{torn")
    assert lpse_host.read_json(str(tmp_path / "state.json"), {}) == {}
    assert lpse_host.read_json(str(tmp_path / "absent.json"), {"x": 1}) == {"x": 1}


def test_config_comes_from_the_default_path_or_from_config_first_on_the_command_line():
    assert lpse_host.config_arg(["metrics"], "/etc/lpse/alert.json") == ("/etc/lpse/alert.json", ["metrics"])
    assert lpse_host.config_arg(["--config", "/tmp/a.json", "room"], "/d") == ("/tmp/a.json", ["room"])
    assert lpse_host.config_arg(["--config=/tmp/a.json"], "/d") == ("/tmp/a.json", [])


def test_settings_that_cannot_be_read_end_the_script_with_status_2_naming_the_file(tmp_path):
    (tmp_path / "netprobe.json").write_text("[]")
    for config in (tmp_path / "absent.json", tmp_path / "netprobe.json"):
        proc = onhost.run("lpse-netprobe", config, check=False)
        assert proc.returncode == 2
        assert proc.stderr.startswith(f"lpse-netprobe: cannot read {config}: ")


def test_prometheus_text_gives_each_name_help_and_type_once_and_skips_missing_values():
    prom = lpse_host.PromText()
    prom.add("lpse_room_limit", 18, "Server-room limits", {"kind": "temperature", "edge": "min"})
    prom.add("lpse_room_limit", 27, "Server-room limits", {"kind": "temperature", "edge": "max"})
    prom.add("lpse_room_humidity_percent", None, "Server-room relative humidity")
    assert prom.text() == (
        "# HELP lpse_room_limit Server-room limits\n# TYPE lpse_room_limit gauge\n"
        'lpse_room_limit{kind="temperature",edge="min"} 18\nlpse_room_limit{kind="temperature",edge="max"} 27\n'
    )


@pytest.mark.parametrize("name", sorted(onhost.SCRIPTS))
def test_each_script_is_plain_python_and_reads_only_settings_its_role_writes(name):
    text = onhost.script(name).read_text()
    assert text.startswith("#!/usr/bin/python3\n")
    assert "{{" not in text and "{%" not in text and "ansible_managed" not in text
    compile(text, name, "exec")
    read = set(re.findall(r"cfg\[[\"'](\w+)[\"']\]|cfg\.get\([\"'](\w+)[\"']", text))
    keys = {k for pair in read for k in pair if k}
    assert keys, f"{name} reads no setting"
    assert keys <= set(onhost.settings(name)), f"{name} reads settings its template does not write"


@pytest.mark.skipif(not os.path.exists("/usr/bin/python3"), reason="no system python3 here")
def test_the_helper_imports_and_the_scripts_compile_with_the_system_python_alone(tmp_path):
    # The hosts run the scripts with Debian's /usr/bin/python3 and no third-party package; the roles
    # validate each script with py_compile before installing it.
    probe = f"import sys; sys.path.append({str(onhost.HOST_LIB)!r}); import lpse_host; print(lpse_host.LIB_DIR)"
    out = subprocess.run(["/usr/bin/python3", "-I", "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout == "/usr/local/lib/lpse\n"
    for name in onhost.SCRIPTS:
        copy = tmp_path / name  # py_compile writes __pycache__ beside the file it compiles
        copy.write_text(onhost.script(name).read_text())
        subprocess.run(["/usr/bin/python3", "-m", "py_compile", str(copy)], check=True)
