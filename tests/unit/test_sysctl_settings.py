"""library/sysctl_settings.py and module_utils/lpse_sysctl.py against a fake /proc/sys."""

from __future__ import annotations

import importlib.util
import json
import stat
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Compatibility shim: the module imports ansible.module_utils.lpse_sysctl, which Ansible provides
# from module_utils/ at run time; for unit tests register our file under that name.
sys.path.insert(0, str(ROOT / "module_utils"))
import lpse_sysctl

sys.modules["ansible.module_utils.lpse_sysctl"] = lpse_sysctl


def load_module():
    spec = importlib.util.spec_from_file_location("sysctl_settings", ROOT / "library/sysctl_settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def proc(tmp_path):
    root = tmp_path / "proc_sys"
    for key, value in {
        "net.ipv4.tcp_syncookies": "0",
        "net.ipv4.conf.all.rp_filter": "1",
        "kernel.kptr_restrict": "0",
    }.items():
        path = Path(lpse_sysctl.key_path(key, str(root)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")
    # kernel.* is read-only, as in a lab host.
    ro = Path(lpse_sysctl.key_path("kernel.kptr_restrict", str(root)))
    ro.chmod(stat.S_IRUSR)
    return root


def test_plan_states(proc):
    steps = lpse_sysctl.plan(
        {"net.ipv4.tcp_syncookies": 1, "net.ipv4.conf.all.rp_filter": "1", "net.nope": 1}, str(proc)
    )
    assert [s for _c, _w, s in steps.values()] == ["ok", "change", "missing"]


def test_render_is_sorted_and_normalised():
    text = lpse_sysctl.render({"b.x": "1  2", "a.y": 0}, "line one\nline two")
    assert text == "# line one\n# line two\na.y = 0\nb.x = 1 2\n"


def test_write_reports_read_only(tmp_path, monkeypatch):
    def refuse(*_a, **_k):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("builtins.open", refuse)
    assert lpse_sysctl.write("kernel.kptr_restrict", 2, str(tmp_path)) is False


class FakeModule:
    def __init__(self, params, check_mode=False, diff=False):
        defaults = {"file": None, "header": "managed", "apply": True, "overrides": "comment"}
        defaults |= {"dirs": [], "optional": []}
        self.params = {**defaults, **params}
        self.check_mode = check_mode
        self._diff = diff

    def fail_json(self, **kwargs):
        raise RuntimeError(json.dumps(kwargs))


@pytest.mark.parametrize("check_mode", [False, True])
def test_run_applies_persists_and_is_idempotent(proc, tmp_path, check_mode):
    mod = load_module()
    conf = tmp_path / "60-lpse.conf"
    params = {"settings": {"net.ipv4.tcp_syncookies": 1, "net.ipv4.conf.all.rp_filter": 1}, "file": str(conf)}
    first = mod.run(FakeModule(params, check_mode=check_mode, diff=True), str(proc))
    assert first["changed"] and first["file_changed"]
    assert first["applied"] == {"net.ipv4.tcp_syncookies": {"before": "0", "after": "1"}}
    assert "net.ipv4.tcp_syncookies = 1" in first["diff"]["after"]
    live = lpse_sysctl.read("net.ipv4.tcp_syncookies", str(proc))
    if check_mode:
        assert live == "0" and not conf.exists()
    else:
        assert live == "1" and conf.read_text().startswith("# managed\n")
        second = mod.run(FakeModule(params), str(proc))
        assert not second["changed"]


def test_run_fails_on_an_unknown_key(proc, tmp_path):
    mod = load_module()
    with pytest.raises(RuntimeError, match="unknown kernel parameter"):
        mod.run(FakeModule({"settings": {"net.nope": 1}, "file": str(tmp_path / "x.conf")}), str(proc))


@pytest.fixture
def boot(tmp_path):
    """An /etc/sysctl.d with Debian's 99-sysctl.conf link to sysctl.conf, and a package directory."""
    etc, lib = tmp_path / "etc/sysctl.d", tmp_path / "usr/lib/sysctl.d"
    etc.mkdir(parents=True)
    lib.mkdir(parents=True)
    (tmp_path / "etc/sysctl.conf").write_text("# local\nnet.ipv4.conf.all.rp_filter=1\nnet/ipv4/tcp_syncookies = 0\n")
    (etc / "99-sysctl.conf").symlink_to("../sysctl.conf")
    (etc / "10-early.conf").write_text("net.ipv4.tcp_syncookies = 0\n")  # before ours: ours wins
    (lib / "99-protect-links.conf").write_text("fs.protected_hardlinks = 1\n")
    return etc, lib


def syncookies(boot, **extra) -> dict:
    """The module's parameters for tcp_syncookies = 1 in 60-lpse.conf, against the boot fixture."""
    etc, lib = boot
    return {
        "settings": {"net.ipv4.tcp_syncookies": 1},
        "file": str(etc / "60-lpse.conf"),
        "dirs": [str(etc), str(lib)],
        **extra,
    }


def test_later_files_that_undo_a_setting_are_found_in_boot_order(boot):
    etc, lib = boot
    found = lpse_sysctl.overrides(
        {"net.ipv4.tcp_syncookies": 1, "net.ipv4.conf.all.rp_filter": 1, "fs.protected_hardlinks": 1},
        str(etc / "60-lpse.conf"),
        [str(etc), str(lib)],
    )
    assert found == [(str(etc / "99-sysctl.conf"), 3, "net.ipv4.tcp_syncookies", "0")]


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_override_in_etc_is_commented_out(proc, boot, check_mode):
    etc, _lib = boot
    mod = load_module()
    params = syncookies(boot)
    result = mod.run(FakeModule(params, check_mode=check_mode), str(proc))
    assert result["overridden"] == [f"{etc}/99-sysctl.conf:3: net.ipv4.tcp_syncookies = 0"]
    text = (etc.parent / "sysctl.conf").read_text()
    if check_mode:
        assert text.endswith("net/ipv4/tcp_syncookies = 0\n")
        return
    assert (etc / "99-sysctl.conf").is_symlink()  # the link stays; its target was edited
    assert text.splitlines()[2] == (
        "# lpse-dc: this overrode 60-lpse.conf at boot; kept as a comment: net/ipv4/tcp_syncookies = 0"
    )
    assert text.splitlines()[1] == "net.ipv4.conf.all.rp_filter=1"
    assert mod.run(FakeModule(params), str(proc))["overridden"] == []


def test_a_package_file_that_undoes_a_setting_is_hidden_by_an_etc_file_of_its_name(proc, boot):
    etc, lib = boot
    (lib / "99-protect-links.conf").write_text("fs.protected_hardlinks = 1\nnet.ipv4.tcp_syncookies = 0\n")
    mod = load_module()
    params = syncookies(boot)
    result = mod.run(FakeModule(params), str(proc))
    assert result["overridden"] == [
        f"{lib}/99-protect-links.conf:2: net.ipv4.tcp_syncookies = 0",
        f"{etc}/99-sysctl.conf:3: net.ipv4.tcp_syncookies = 0",
    ]
    assert (lib / "99-protect-links.conf").read_text().endswith("net.ipv4.tcp_syncookies = 0\n")  # untouched
    mask = (etc / "99-protect-links.conf").read_text().splitlines()
    assert mask[0].startswith(f"# lpse-dc: hides {lib}/99-protect-links.conf")
    assert mask[1:] == [
        "fs.protected_hardlinks = 1",
        "# lpse-dc: this overrode 60-lpse.conf at boot; kept as a comment: net.ipv4.tcp_syncookies = 0",
    ]
    assert mod.run(FakeModule(params), str(proc))["overridden"] == []  # /etc's copy now hides it


def test_overrides_fail_refuses_before_writing_anything(proc, boot):
    etc, _lib = boot
    mod = load_module()
    params = syncookies(boot, overrides="fail")
    with pytest.raises(RuntimeError, match=r"99-sysctl.conf:3: net.ipv4.tcp_syncookies = 0"):
        mod.run(FakeModule(params), str(proc))
    assert not (etc / "60-lpse.conf").exists()  # nothing half-applied


def test_an_optional_key_this_kernel_lacks_is_reported_not_fatal(proc, tmp_path):
    mod = load_module()
    conf = tmp_path / "60-lpse.conf"
    params = {
        "settings": {"kernel.yama.ptrace_scope": 1, "net.ipv4.tcp_syncookies": 1},
        "file": str(conf),
        "optional": ["kernel.yama.ptrace_scope"],
    }
    result = mod.run(FakeModule(params), str(proc))
    assert result["absent"] == ["kernel.yama.ptrace_scope"]
    assert "-kernel.yama.ptrace_scope = 1\n" in conf.read_text()  # systemd-sysctl ignores it where absent
    assert lpse_sysctl.parse_line("-kernel.yama.ptrace_scope = 1") == ("kernel.yama.ptrace_scope", "1")


def test_a_stricter_value_is_left_as_it_is_live_and_at_boot(tmp_path, boot):
    etc, lib = boot
    root = tmp_path / "proc_strict"
    path = Path(lpse_sysctl.key_path("kernel.yama.ptrace_scope", str(root)))
    path.parent.mkdir(parents=True)
    path.write_text("3\n")  # "no attach at all": stricter than the role's 1, and one-way
    (etc / "90-local.conf").write_text("kernel.yama.ptrace_scope = 3\n")
    settings = {"kernel.yama.ptrace_scope": 1}
    assert lpse_sysctl.plan(settings, str(root))["kernel.yama.ptrace_scope"][2] == "ok"
    assert lpse_sysctl.overrides(settings, str(etc / "60-lpse.conf"), [str(etc), str(lib)]) == []
    assert not lpse_sysctl.strict_enough("net.ipv4.tcp_syncookies", "2", "1")  # not a one-way parameter
