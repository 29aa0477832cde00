"""library/owned_directory.py and library/group_members.py (module_utils/lpse_owned.py) against
a directory in tmp and fake group/passwd databases."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "module_utils"))
import lpse_owned

sys.modules["ansible.module_utils.lpse_owned"] = lpse_owned


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / f"library/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeModule:
    def __init__(self, params, check_mode=False, diff=False):
        self.params = {"unit": None, "path": None, **params}
        self.check_mode = check_mode
        self._diff = diff
        self.commands = []

    def fail_json(self, **kwargs):
        raise RuntimeError(json.dumps(kwargs))

    def run_command(self, argv, check_rc=False):
        self.commands.append(argv)
        return 0, "", ""


@pytest.fixture
def dropins(tmp_path):
    d = tmp_path / "sudoers.d"
    d.mkdir()
    for name in ("README", "lpse-admin", "zz-helpdesk", "notes.txt"):
        (d / name).write_text(f"{name}\n")
    (d / "subdir").mkdir()
    return d


@pytest.mark.parametrize("check_mode", [False, True])
def test_strangers_are_moved_aside_not_deleted(dropins, tmp_path, check_mode):
    mod = load("owned_directory")
    q = tmp_path / "quarantine"
    params = {"path": str(dropins), "keep": ["README", "lpse-admin"], "patterns": ["*"], "quarantine": str(q)}
    result = mod.run(FakeModule(params, check_mode=check_mode, diff=True))
    assert result["changed"]
    assert result["removed"] == [str(dropins / "notes.txt"), str(dropins / "zz-helpdesk")]
    assert "zz-helpdesk" in result["diff"]["before"] and "zz-helpdesk" not in result["diff"]["after"]
    if check_mode:
        assert (dropins / "zz-helpdesk").exists() and not q.exists()
        return
    assert sorted(p.name for p in dropins.iterdir()) == ["README", "lpse-admin", "subdir"]
    kept = result["moved_to"][str(dropins / "zz-helpdesk")]
    assert Path(kept).read_text() == "zz-helpdesk\n"
    assert kept.startswith(str(q / str(dropins).strip("/").replace("/", "_")))
    again = mod.run(FakeModule(params))
    assert not again["changed"] and again["removed"] == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_units_drop_ins_and_its_templates_are_owned(tmp_path, check_mode):
    mod = load("owned_directory")
    etc, run = tmp_path / "etc/systemd/system", tmp_path / "run/systemd/system"
    (etc / "postgresql@.service.d").mkdir(parents=True)
    (etc / "postgresql@.service.d/override.conf").write_text("[Service]\nUMask=0000\n")
    (run / "postgresql@15-main.service.d").mkdir(parents=True)
    (run / "postgresql@15-main.service.d/50-Nice.conf").write_text("[Service]\nNice=-5\n")
    (run / "postgresql@15-main.service.d/notes.txt").write_text("systemd reads only *.conf\n")
    fake = FakeModule(
        {"unit": "postgresql@15-main.service", "keep": [], "patterns": None, "quarantine": str(tmp_path / "q")},
        check_mode,
    )
    result = mod.run(fake, [str(etc), str(run)])
    assert sorted(result["removed"]) == [
        str(etc / "postgresql@.service.d/override.conf"),
        str(run / "postgresql@15-main.service.d/50-Nice.conf"),
    ]
    assert (run / "postgresql@15-main.service.d/notes.txt").exists()
    assert fake.commands == ([] if check_mode else [["systemctl", "daemon-reload"]])
    assert (etc / "postgresql@.service.d/override.conf").exists() == check_mode


def test_patterns_limit_what_is_considered(dropins, tmp_path):
    mod = load("owned_directory")
    params = {"path": str(dropins), "keep": [], "patterns": ["*.txt"], "quarantine": str(tmp_path / "q")}
    assert mod.run(FakeModule(params, check_mode=True))["removed"] == [str(dropins / "notes.txt")]


def test_a_missing_directory_is_nothing_to_do(tmp_path):
    mod = load("owned_directory")
    params = {"path": str(tmp_path / "absent"), "keep": [], "patterns": ["*"], "quarantine": str(tmp_path / "q")}
    assert mod.run(FakeModule(params)) == {"changed": False, "removed": [], "moved_to": {}}


def fake_db(groups, users):
    def getgrnam(name):
        if name not in groups:
            raise KeyError(name)
        gid, members = groups[name]
        return SimpleNamespace(gr_name=name, gr_gid=gid, gr_mem=list(members))

    def getpwall():
        return [SimpleNamespace(pw_name=n, pw_gid=g) for n, g in users.items()]

    return getgrnam, getpwall


@pytest.mark.parametrize("check_mode", [False, True])
def test_outsiders_leave_privileged_groups(check_mode):
    mod = load("group_members")
    getgrnam, getpwall = fake_db(
        {"sudo": (27, ["budi", "helpdesk"]), "lpse-admin": (1001, ["budi"])}, {"budi": 1000, "helpdesk": 1002}
    )
    fake = FakeModule({"groups": ["sudo", "lpse-admin", "wheel"], "allowed": ["budi"]}, check_mode, diff=True)
    result = mod.run(fake, getgrnam, getpwall)
    assert result["changed"] and result["removed"] == {"sudo": ["helpdesk"]}
    assert result["diff"] == {"before": "sudo: budi, helpdesk\n", "after": "sudo: budi\n"}
    assert fake.commands == ([] if check_mode else [["gpasswd", "-d", "helpdesk", "sudo"]])


def test_nothing_to_remove_is_no_change():
    mod = load("group_members")
    getgrnam, getpwall = fake_db({"sudo": (27, ["budi"])}, {"budi": 1000})
    fake = FakeModule({"groups": ["sudo"], "allowed": ["budi"]})
    assert mod.run(fake, getgrnam, getpwall) == {"changed": False, "removed": {}}
    assert fake.commands == []


def test_a_privileged_primary_group_is_refused_and_nothing_changes():
    mod = load("group_members")
    getgrnam, getpwall = fake_db({"sudo": (27, ["helpdesk"])}, {"tamu": 27, "helpdesk": 1002})
    fake = FakeModule({"groups": ["sudo"], "allowed": []})
    with pytest.raises(RuntimeError, match=r"usermod -g.*tamu \(group sudo\)"):
        mod.run(fake, getgrnam, getpwall)
    assert fake.commands == []
