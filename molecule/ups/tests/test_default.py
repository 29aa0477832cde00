"""What the ups role leaves on the primary and the secondary, read from the hosts themselves."""


def test_both_read_the_ups_through_the_primary(host):
    status = host.check_output("upsc mol-ups@10.213.61.13 ups.status")
    assert status == "OL"
    assert host.check_output("upsc mol-ups@10.213.61.13 battery.runtime") == "1800"


def test_upsmon_is_logged_in(host):
    assert host.service("nut-monitor.service").is_running
    clients = host.check_output("upsc -c mol-ups@10.213.61.13").split()
    own = set(host.check_output("hostname -I").split()) | {"127.0.0.1"}
    assert own & set(clients), clients


def test_the_shutdown_command_is_the_ordered_one(host):
    conf = host.file("/etc/nut/upsmon.conf")
    assert conf.mode == 0o640 and conf.group == "nut"
    assert 'SHUTDOWNCMD "/usr/local/sbin/lpse-power-shutdown"' in conf.content_string
    assert host.file("/var/lib/lpse/power").is_directory
