"""The offline mirror must carry every package a role installs (hosts have no internet)."""

import yaml

from lpse.lab import mirror
from lpse.lab.manager import MIRROR_PACKAGES
from tests.conftest import ROOT


def apt_packages(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("ansible.builtin.apt", "ansible.builtin.package") and isinstance(value, dict):
                names = value.get("name") or value.get("pkg") or []
                yield from [names] if isinstance(names, str) else names
            else:
                yield from apt_packages(value)
    elif isinstance(node, list):
        for item in node:
            yield from apt_packages(item)


def test_every_role_package_is_in_the_mirror():
    listed = set(mirror.read_package_list(MIRROR_PACKAGES))
    wanted = {}
    for tasks in ROOT.glob("roles/*/tasks/*.yml"):
        defaults_file = tasks.parents[1] / "defaults" / "main.yml"
        defaults = yaml.safe_load(defaults_file.read_text()) if defaults_file.exists() else {}
        for pkg in apt_packages(yaml.safe_load(tasks.read_text())):
            # A package list from a role variable: its default value.
            names = defaults.get(pkg.strip("{} ")) if "{{" in pkg else [pkg]
            for name in [names] if isinstance(names, str) else names or []:
                wanted[name] = tasks.relative_to(ROOT)
    missing = {p: str(f) for p, f in wanted.items() if p not in listed}
    assert not missing, f"add to {MIRROR_PACKAGES.name}: {missing}"
    assert "chrony" in wanted
    assert "libpostgresql-jdbc-java" in wanted  # from spse_app_packages


def test_bad_package_names_are_refused(tmp_path):
    bad = tmp_path / "pkgs.txt"
    bad.write_text("chrony\nrm -rf /\n")
    try:
        mirror.read_package_list(bad)
    except Exception as exc:
        assert type(exc).__name__ == "InputError"
        assert "pkgs.txt:2" in str(exc)
    else:
        raise AssertionError("accepted a bad package name")
