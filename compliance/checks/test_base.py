"""Checks of the base configuration (catalogue: compliance/catalogue/base.yml)."""

import pytest

from lpse.comply import facts


@pytest.mark.control("LPSE-21.5-TIME-01")
def test_timezone(host, policy, evidence):
    expected = policy.get("compliance_timezone", "Asia/Jakarta")
    localtime = host.file("/etc/localtime")
    target = localtime.linked_to if localtime.is_symlink else "(not a link)"
    abbrev = host.check_output("date +%Z")
    evidence.add(f"/etc/localtime -> {target}; date +%Z = {abbrev}")
    assert target == f"/usr/share/zoneinfo/{expected}", (
        f"timezone is {target.rsplit('zoneinfo/', 1)[-1]}, not {expected}"
    )


@pytest.mark.control("LPSE-21.5-TIME-02")
def test_time_synchronised(host, evidence):
    cmd = host.run("chronyc -n tracking")
    if cmd.rc != 0:
        evidence.add(f"chronyc -n tracking: exit {cmd.rc}: {(cmd.stderr or cmd.stdout).strip()}")
        pytest.fail("chronyd does not answer: time is not being synchronised")
    tracking = facts.parse_chronyc_tracking(cmd.stdout)
    ref, leap = tracking.get("Reference ID", "?"), tracking.get("Leap status", "?")
    evidence.add(
        f"reference {ref}, stratum {tracking.get('Stratum', '?')}, leap status {leap}, "
        f"last offset {tracking.get('Last offset', '?')}"
    )
    assert leap == "Normal", f"chrony is not synchronised (leap status: {leap})"


@pytest.mark.control("LPSE-21.5-LOG-01")
def test_journal_persistent(host, evidence):
    config = host.check_output("systemd-analyze cat-config systemd/journald.conf")
    sources = facts.effective_sources(config, "Journal")
    journal = {k: v for k, (v, _f) in sources.items()}
    storage = journal.get("Storage", "auto")
    machine_id = host.file("/etc/machine-id").content_string.strip()
    on_disk = host.file(f"/var/log/journal/{machine_id}").is_directory
    evidence.add(
        f"Storage={storage}, SystemMaxUse={journal.get('SystemMaxUse', '(default)')}, "
        f"MaxRetentionSec={journal.get('MaxRetentionSec', '(none)')}, "
        f"/var/log/journal/{machine_id} {'exists' if on_disk else 'missing'}"
    )
    evidence.add("set in: " + (", ".join(f"{k} by {f}" for k, (_v, f) in sorted(sources.items())) or "nothing"))
    assert storage == "persistent" or (storage == "auto" and on_disk), (
        f"journal storage is {storage}: lost on reboot"
        + (f" (set by {sources['Storage'][1]})" if "Storage" in sources else "")
    )
    assert on_disk, "no journal directory on disk"
    assert journal.get("MaxRetentionSec", "0") not in ("", "0"), "no retention limit (MaxRetentionSec)"
    assert journal.get("SystemMaxUse"), "no size limit (SystemMaxUse)"


@pytest.mark.control("LPSE-21.1-BANNER-01")
def test_login_banner(host, policy, evidence):
    must = policy.get("compliance_banner_must_contain", "Peraturan Bupati Bandung Nomor 4 Tahun 2017")
    settings = dict(line.split(" ", 1) for line in host.check_output("sshd -T").splitlines() if " " in line)
    banner = settings.get("banner", "none")
    # sshd takes the first Banner it reads: sshd_config's Include comes first, drop-ins in name order.
    where = host.run("grep -nHiE '^[[:space:]]*Banner[[:space:]]' /etc/ssh/sshd_config.d/*.conf /etc/ssh/sshd_config")
    lines = [x.strip() for x in where.stdout.splitlines()]
    evidence.add(f"sshd banner: {banner}; set in: {'; '.join(lines) or 'no file'}")
    assert banner != "none", "sshd shows no banner before login" + (f" ({lines[0]})" if lines else "")
    text = host.file(banner).content_string if host.file(banner).exists else ""
    evidence.add(f"{banner}: {len(text)} characters" + (f", cites '{must}'" if must in text else ""))
    assert must in text, f"{banner} does not cite '{must}'"
