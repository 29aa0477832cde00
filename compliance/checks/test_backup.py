"""Checks of backups to portable media (catalogue: compliance/catalogue/backup.yml).

Everything is read through ``lpse-backup status --json`` on the backup host: it mounts the
medium read-only for a moment and returns the sets on it and the records kept on the host.
"""

import datetime as dt
import json

import pytest

from lpse.comply.hostrun import CheckError, must, require_timer

_STATUS: dict[str, dict] = {}


def status(host, policy) -> dict:
    """lpse-backup's status, read once per host and run (the four controls share one mount of
    the medium). It cannot be read (medium missing, records unreadable, an operation holding the
    medium past the wait): the controls are undecided, with lpse-backup's own words."""
    name = host.backend.get_hostname()
    if name in _STATUS:
        return _STATUS[name]
    if not host.file("/usr/local/sbin/lpse-backup").exists:
        pytest.fail("lpse-backup is not installed on this host (backup role)")
    wait = float(policy.get("compliance_backup_status_wait_s", 60))
    cmd = must(host, f"/usr/local/sbin/lpse-backup status --json --wait {wait:g}", what="lpse-backup status")
    try:
        _STATUS[name] = json.loads(cmd.stdout)
    except ValueError as exc:
        raise CheckError(f"lpse-backup status answered something that is not JSON: {exc}") from exc
    return _STATUS[name]


def ts(text: str) -> dt.datetime:
    fmt = "%Y%m%dT%H%M%SZ" if "-" not in text else "%Y-%m-%dT%H:%M:%SZ"
    return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.mark.control("LPSE-23-BAK-01")
def test_recent_verified_backup(host, policy, evidence):
    st = status(host, policy)
    require_timer(host, evidence, "lpse-backup.timer", "the daily backup makes")
    max_h = float(policy.get("compliance_backup_max_age_h", 26))
    complete = [s["set"] for s in st["listing"]["sets"] if s["complete"]]
    incomplete = [s["set"] for s in st["listing"]["sets"] if not s["complete"]]
    evidence.add(
        f"medium {st['listing']['medium']}: {len(complete)} complete set(s), newest "
        f"{complete[-1] if complete else 'none'}; incomplete (never counted): {', '.join(incomplete) or 'none'}"
    )
    assert complete, "there is no complete backup on the medium"
    newest = complete[-1]
    age_h = (now() - ts(newest)).total_seconds() / 3600
    verified = [
        r
        for r in st["backups"] + st["verifications"]
        if r.get("set") == newest and r.get("ok") and r.get("verified", True)
    ]
    failed = [r for r in st["verifications"] if r.get("set") == newest and not r.get("ok")]
    evidence.add(f"newest set {newest}: {age_h:.1f} h old; verified {len(verified)} time(s), failed {len(failed)}")
    assert age_h <= max_h, f"the newest complete backup {newest} is {age_h:.1f} h old (limit {max_h:g} h)"
    assert verified, f"the newest backup {newest} was never verified against its manifest"
    last = max(verified + failed, key=lambda r: r["time"])
    assert last.get("ok"), f"the last verification of {newest} failed: {'; '.join(last.get('problems', []))}"


@pytest.mark.control("LPSE-23-BAK-02")
def test_recent_drill_passed(host, policy, evidence):
    st = status(host, policy)
    max_days = float(policy.get("compliance_backup_drill_max_age_days", 90))
    drills = st["drills"]
    evidence.add(f"restore drills recorded on {host.backend.get_hostname()}: {len(drills)}")
    for d in drills[-3:]:
        evidence.add(
            f"drill {d['time']} of set {d.get('set')}: {'passed' if d['ok'] else 'FAILED'} "
            f"{'; '.join(d.get('problems', []))[:200]}"
        )
    recent = [d for d in drills if (now() - ts(d["time"])).days <= max_days]
    assert recent, f"no restore drill in the last {max_days:g} days"
    assert any(d["ok"] for d in recent), f"no restore drill in the last {max_days:g} days passed"


@pytest.mark.control("LPSE-23-BAK-03")
def test_medium_outside_server_room(host, policy, evidence):
    st = status(host, policy)
    medium = st["listing"]["medium"]
    moves = [c for c in st["custody"] if c.get("medium") == medium]
    for c in moves[-3:]:
        evidence.add(
            f"{c['time']}: {medium} at {c['location']!r}, carried by {c['carrier']}"
            f"{', visit ' + c['visit'] if c.get('visit') else ''}"
        )
    assert moves, f"no custody record for medium {medium}: where is it kept?"
    assert not moves[-1]["server_room"], f"medium {medium} is recorded in the server room ({moves[-1]['location']})"


@pytest.mark.control("LPSE-23-BAK-04")
def test_retention(host, policy, evidence):
    st = status(host, policy)
    complete = sorted(s["set"] for s in st["listing"]["sets"] if s["complete"])
    ret = st["retention"]
    extra = st["listing"]["outside_retention"]
    evidence.add(f"retention {ret}; {len(complete)} set(s): {', '.join(complete) or 'none'}")
    assert complete, "there is no complete backup on the medium"
    assert not extra, f"sets outside the retention are still kept: {', '.join(extra)}"
    first = ts(complete[0]).date()
    days = {ts(n).date() for n in complete}
    last_due = (now() - dt.timedelta(hours=float(policy.get("compliance_backup_max_age_h", 26)))).date()
    window = [last_due - dt.timedelta(days=i) for i in range(int(ret.get("daily", 1)))]
    missing = sorted(str(d) for d in window if first <= d <= last_due and d not in days)
    assert not missing, f"days without a backup inside the daily retention: {', '.join(missing)}"
