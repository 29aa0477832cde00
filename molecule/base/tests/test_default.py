"""What the base role leaves on a host, read from the host itself."""


def test_timezone_is_jakarta(host):
    assert host.file("/etc/localtime").linked_to == "/usr/share/zoneinfo/Asia/Jakarta"
    assert host.file("/etc/timezone").content_string.strip() == "Asia/Jakarta"
    assert host.check_output("date +%Z") == "WIB"


def test_chrony_runs_and_follows_the_time_source(host):
    assert host.package("chrony").is_installed
    assert host.service("chrony").is_running
    assert host.service("chrony").is_enabled
    config = host.file("/etc/chrony/chrony.conf").content_string
    if host.backend.get_hostname() == "mol-base-01":
        assert "local stratum 10" in config
        assert "allow 10.213.50.0/24" in config
    else:
        assert "server mol-base-01 iburst" in config


def test_chrony_never_steps_the_shared_clock(host):
    assert "-x" in host.file("/etc/default/chrony").content_string
    daemons = host.process.filter(comm="chronyd")
    assert daemons, "chronyd is not running"
    assert all("-x" in p.args for p in daemons)


def test_journal_is_persistent_with_limits(host):
    conf = host.file("/etc/systemd/journald.conf.d/50-lpse.conf").content_string
    assert "Storage=persistent" in conf
    assert "SystemMaxUse=1G" in conf
    assert "MaxRetentionSec=180day" in conf
    machine_id = host.file("/etc/machine-id").content_string.strip()
    assert host.file(f"/var/log/journal/{machine_id}").is_directory


def test_ssh_shows_the_banner(host):
    assert "Peraturan Bupati Bandung Nomor 4 Tahun 2017" in host.file("/etc/issue.net").content_string
    assert host.check_output("sshd -T | grep -i '^banner'") == "banner /etc/issue.net"


def test_system_is_running(host):
    assert host.check_output("systemctl is-system-running") == "running"
