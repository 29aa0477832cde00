"""What the spse_app role leaves on a host, read from the host itself."""

import json

import pytest

testinfra_hosts = ["mol-app-01"]


def test_layout_and_file_store(host):
    store = host.file("/home/file/file_prod")
    assert store.is_directory and store.user == "appserv" and store.mode == 0o750
    conf = host.file("/home/appserv/spse/conf/application.properties")
    assert conf.user == "root" and conf.group == "appserv" and conf.mode == 0o640


def test_the_deployed_release_is_the_checked_artifact(host):
    release = json.loads(host.file("/home/appserv/spse/release.json").content_string)
    current = host.check_output("readlink -f /home/appserv/spse/current.jar")
    assert current == release["release"]
    assert host.check_output("sha256sum %s", current).split()[0] == release["sha256"]


@pytest.mark.parametrize(
    ("prop", "value"),
    [("User", "appserv"), ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes")],
)
def test_service_is_sandboxed(host, prop, value):
    assert host.check_output("systemctl show spse -p %s --value", prop) == value


def test_healthy_and_reading_the_database(host):
    health = json.loads(host.check_output("curl -s http://127.0.0.1:8080/health"))
    assert health == {**health, "status": "ok", "database": "ok", "filestore": "ok"}
    assert "epns_prod" in host.check_output("curl -s http://127.0.0.1:8080/")
    assert not host.socket("tcp://0.0.0.0:8080").is_listening
