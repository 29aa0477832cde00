"""Building the monthly and yearly reports from the results store.

The monthly report (Pasal 24 ayat (2)) goes to the Bupati through the Sekretaris Daerah; the yearly
one supports the Sekretaris Daerah's evaluation (Pasal 24 ayat (1)). Both read only the store:
compliance runs (``results/compliance``) and collected capacity records (``results/capacity``).
A section whose records were not collected says so plainly. Every text comes from the catalogue
(``report.*`` in lpse/i18n.py), in the report's own language.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from functools import partial
from pathlib import Path
from statistics import mean
from typing import Any

import jinja2

from lpse import i18n
from lpse.comply.results import Store, is_official
from lpse.errors import EnvironmentProblem, LpseError
from lpse.period import WIB, month_bounds, parse_month, parse_year
from lpse.report import charts
from lpse.report.collect import (
    read_access,
    read_backup,
    read_collection,
    read_maintenance,
    read_network,
    read_room,
    read_store,
)
from lpse.report.network import availability_by_day, month_network
from lpse.report.room import month_room

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def month_name(mon: int, lang: str) -> str:
    return i18n.t(f"report.month.{mon}", lang=lang)


# ASHRAE's recommended envelope (the room role's defaults), unless the inventory says otherwise.
ENV_LIMITS = {"temperature": {"min": 18.0, "max": 27.0}, "humidity": {"min": 0.0, "max": 60.0}}


def env_limits(given: Any) -> dict[str, dict[str, float]]:
    """ENV_LIMITS overlaid with the inventory's compliance_env_thresholds (checked by the controls)."""
    out = {k: dict(v) for k, v in ENV_LIMITS.items()}
    for kind, edges in (given or {}).items() if isinstance(given, dict) else []:
        if kind in out and isinstance(edges, dict):
            out[kind].update({e: float(v) for e, v in edges.items() if e in ("min", "max")})
    return out


def _when(run: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(run["run"]["started"]).astimezone(WIB)


def compliance_section(runs: list[dict[str, Any]], start: dt.datetime, end: dt.datetime, lang: str) -> dict:
    """The period's compliance from its official runs (the whole catalogue on the whole inventory):
    a run narrowed by --limit, --control or --area never stands for the period; it is only counted."""
    every = [r for r in runs if start <= _when(r) < end]
    inside = sorted((r for r in every if is_official(r)), key=_when)
    narrowed = len(every) - len(inside)
    if not inside:
        return {"runs": 0, "narrowed": narrowed}
    latest = inside[-1]
    scored = [(_when(r), r["summary"]["score"]) for r in inside if r["summary"]["score"] is not None]
    open_failures = [
        {
            "control": r["control"],
            "host": r["host"],
            "message": r["message"],
            "severity": latest["controls"][r["control"]]["severity"],
            "severity_text": i18n.t(f"severity.{latest['controls'][r['control']]['severity']}", lang=lang),
            "status": r["status"],
            "title": latest["controls"][r["control"]]["title"][lang],
        }
        for r in latest["results"]
        if r["status"] in ("fail", "error")
    ]
    return {
        "runs": len(inside),
        "narrowed": narrowed,
        "latest_id": latest["run"]["id"],
        "latest_time": _when(latest).strftime("%d-%m-%Y %H:%M WIB"),
        "latest_score": latest["summary"]["score"],
        "average": round(mean(s for _, s in scored), 1) if scored else None,
        "minimum": min((s for _, s in scored), default=None),
        "areas": [
            {"title": latest["areas"][a]["title"][lang], "article": latest["areas"][a]["article"], "score": s["score"]}
            for a, s in latest["summary"]["by_area"].items()
        ],
        "open_failures": open_failures,
        "waived": [r for r in latest["results"] if r["status"] == "waived"],
        "chart": charts.score_trend(scored, i18n.t("report.chart_score", lang=lang), "%", start, end),
    }


def capacity_section(
    records: dict[str, list[dict]], start: dt.datetime, end: dt.datetime, warn: float, crit: float, lang: str
) -> list[dict[str, Any]]:
    hosts = []
    now = dt.datetime.now(WIB)
    days_in_period = max(1, (min(end, now) - start).days + (1 if min(end, now) < end else 0)) if start < now else 0
    for host, recs in sorted(records.items()):
        inside = [r for r in recs if start.timestamp() <= r["epoch"] < end.timestamp()]
        if not inside:
            continue
        series: dict[str, list] = defaultdict(list)
        peak: dict[str, tuple[float, dt.datetime]] = {}
        for r in inside:
            when = dt.datetime.fromtimestamp(r["epoch"], WIB)
            for fs in r.get("filesystems", []):
                series[fs["mount"]].append((when, fs["used_pct"]))
                if fs["mount"] not in peak or fs["used_pct"] > peak[fs["mount"]][0]:
                    peak[fs["mount"]] = (fs["used_pct"], when)
        ram = [(dt.datetime.fromtimestamp(r["epoch"], WIB), r["memory"]["used_pct"]) for r in inside if "memory" in r]
        days = sorted({dt.datetime.fromtimestamp(r["epoch"], WIB).date() for r in inside})
        filesystems = []
        for mount, pts in sorted(series.items()):
            values = [v for _, v in pts]
            over_warn = {w.date() for w, v in pts if v >= warn}
            over_crit = {w.date() for w, v in pts if v >= crit}
            filesystems.append(
                {
                    "mount": mount,
                    "peak": peak[mount][0],
                    "peak_at": peak[mount][1].strftime("%d/%m %H:%M"),
                    "average": round(mean(values), 1),
                    "last": values[-1],
                    "days_warn": len(over_warn),
                    "days_crit": len(over_crit),
                    "status": "crit" if values[-1] >= crit else "warn" if values[-1] >= warn else "ok",
                }
            )
        hosts.append(
            {
                "host": host,
                "records": len(inside),
                "days": len(days),
                "days_expected": days_in_period,
                "filesystems": filesystems,
                "ram_peak": max((v for _, v in ram), default=None),
                "chart": charts.capacity(
                    series,
                    ram,
                    warn,
                    crit,
                    i18n.t("report.chart_capacity", lang=lang, host=host),
                    "%",
                    "RAM",
                    start,
                    end,
                    months=_abbreviations(lang),
                ),
            }
        )
    return hosts


def maintenance_section(steps_by_host: dict[str, list[dict[str, Any]]], start: dt.datetime, end: dt.datetime) -> list:
    """Maintenance windows that started (or were announced) in the period, one row per window."""
    windows: dict[tuple[str, str], dict[str, Any]] = {}
    for host, steps in steps_by_host.items():
        for step in steps:
            if step.get("id") in (None, "no-window"):
                continue
            w = windows.setdefault((host, step["id"]), {"host": host, "id": step["id"], "reason": "", "by": ""})
            w[step["action"]] = step["at"]
            w["reason"] = step.get("reason") or w["reason"]
            w["planned_end"] = step.get("planned_end") or w.get("planned_end", "")
            if step["action"] == "start":
                w["by"] = step.get("by", "")
    rows = []
    for w in windows.values():
        first = w.get("start") or w.get("announce")
        when = _parse_time(first)
        if when is None or not (start <= when < end):
            continue
        began, finished, planned = (
            _parse_time(w.get("start")),
            _parse_time(w.get("end")),
            _parse_time(w.get("planned_end")),
        )
        rows.append(
            {
                **w,
                "announced": bool(w.get("announce")),
                "start_local": began.astimezone(WIB).strftime("%d-%m-%Y %H:%M") if began else "—",
                "end_local": finished.astimezone(WIB).strftime("%d-%m-%Y %H:%M") if finished else "—",
                "planned_local": planned.astimezone(WIB).strftime("%d-%m-%Y %H:%M") if planned else "—",
                "minutes": round((finished - began).total_seconds() / 60) if began and finished else None,
                "overran": bool(began and planned and (finished or dt.datetime.now(dt.UTC)) > planned),
            }
        )
    return sorted(rows, key=lambda r: r.get("start") or r.get("announce"))


def backup_section(records_by_host: dict[str, list[dict[str, Any]]], start: dt.datetime, end: dt.datetime) -> dict:
    """Backups made and verified, restore drills and media movements in the period (Pasal 23)."""
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ("backups", "verifications", "drills", "custody")}
    for host, records in records_by_host.items():
        for r in records:
            when = _parse_time(r.get("time"))
            if when is None or not (start <= when < end) or r.get("kind") not in rows:
                continue
            rows[r["kind"]].append({**r, "host": host, "local": when.astimezone(WIB).strftime("%d-%m-%Y %H:%M")})
    for items in rows.values():
        items.sort(key=lambda r: r["time"])
    backups = rows["backups"]
    return {
        **rows,
        "made": sum(1 for b in backups if b.get("ok")),
        "failed": sum(1 for b in backups if not b.get("ok")),
        "verified": sum(1 for v in rows["verifications"] if v.get("ok")) + sum(1 for b in backups if b.get("verified")),
        "verify_failed": sum(1 for v in rows["verifications"] if not v.get("ok")),
        "drills_passed": sum(1 for d in rows["drills"] if d.get("ok")),
        "drills_failed": sum(1 for d in rows["drills"] if not d.get("ok")),
        "mb": round(sum(b.get("bytes", 0) for b in backups if b.get("ok")) / 1e6, 1),
        "any": any(rows.values()),
    }


def visits_section(access: dict[str, Any], start: dt.datetime, end: dt.datetime, lang: str = "id") -> dict:
    """Server-room visits whose planned time overlaps the month, who decided, the entries, the
    breaches found in the month and the chain's state when it was collected (Pasal 21 ayat (4))."""
    doc = access.get("visits") or {}
    people = doc.get("people", {})
    rows = []
    for v in doc.get("visits", []):
        s, e = _parse_time(v["request"]["start"]), _parse_time(v["request"]["end"])
        if not (s and e and s < end and e >= start):
            continue
        who = people.get(v.get("decided_by") or "", {})
        rows.append(
            {
                "id": v["visit"],
                "visitor": v["request"]["visitor"]["name"],
                "institution": v["request"]["visitor"]["institution"],
                "purpose": v["request"]["purpose"],
                "planned": f"{s.astimezone(WIB):%d-%m %H:%M} – {e.astimezone(WIB):%d-%m %H:%M}",
                "status": v["status"],
                "decision": (v.get("decision") or {}).get("decision"),
                "decided_by": f"{who.get('name', v.get('decided_by'))} ({who.get('title', '')})"
                if v.get("decided_by")
                else "—",
                "entries": [
                    f"{_parse_time(x['in']).astimezone(WIB):%d-%m %H:%M} – "
                    + (f"{_parse_time(x['out']).astimezone(WIB):%H:%M}" if x.get("out") else "…")
                    for x in v.get("entries", [])
                ],
            }
        )
    findings = [
        {**f, "text": finding_text(f, lang)}
        for f in access.get("findings") or []
        if (t := _parse_time(f.get("time"))) is not None and start <= t < end
    ]
    return {
        "any": doc != {},
        "visits": rows,
        "entries": sum(len(r["entries"]) for r in rows),
        "approved": sum(1 for r in rows if r["decision"] == "approve"),
        "denied": sum(1 for r in rows if r["decision"] == "deny"),
        "findings": findings,
        "verify": access.get("verify"),
    }


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            value = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return None


def monthly(
    results: Path,
    month: str,
    lang: str,
    lpse_name: str,
    warn: float = 80,
    crit: float = 90,
    env_limits: dict[str, dict[str, float]] | None = None,
) -> dict:
    year, mon = parse_month(month)
    start, end = month_bounds(year, mon)
    runs = Store(results).load_all()
    records = read_store(results)
    return {
        "kind": "monthly",
        "lang": lang,
        "lpse_name": lpse_name,
        "period": f"{month_name(mon, lang)} {year}",
        "month": month,
        "generated": dt.datetime.now(WIB).strftime("%d-%m-%Y %H:%M WIB"),
        "thresholds": {"warn": warn, "crit": crit},
        "compliance": compliance_section(runs, start, end, lang),
        "capacity": capacity_section(records, start, end, warn, crit, lang),
        "maintenance": maintenance_section(read_maintenance(results), start, end),
        "backup": backup_section(read_backup(results), start, end),
        "visits": visits_section(read_access(results), start, end, lang),
        "network": month_network(**read_network(results), start=start, end=end),
        "room": month_room(**read_room(results), start=start, end=end, limits=env_limits or ENV_LIMITS, lang=lang),
        "unread": unread_section(results),
    }


def unread_section(results: Path) -> dict[str, list[dict[str, str]]]:
    """{kind: [{host, cause}]} of what the last collection could not read: each section says so
    instead of stating a fact (such as "no backups") from data it does not have."""
    unread = read_collection(results).get("unread", {})
    return {kind: [{"host": h, "cause": c} for h, c in sorted(hosts.items())] for kind, hosts in unread.items()}


def yearly(
    results: Path,
    year_text: str,
    lang: str,
    lpse_name: str,
    warn: float = 80,
    crit: float = 90,
    env_limits: dict[str, dict[str, float]] | None = None,
) -> dict:
    year = parse_year(year_text)
    runs = Store(results).load_all()
    records = read_store(results)
    access = read_access(results)
    months = []
    for mon in range(1, 13):
        start, end = month_bounds(year, mon)
        comp = compliance_section(runs, start, end, lang)
        visits = visits_section(access, start, end, lang)
        cap = {h: [r for r in recs if start.timestamp() <= r["epoch"] < end.timestamp()] for h, recs in records.items()}
        peak = max(
            (fs["used_pct"] for recs in cap.values() for r in recs for fs in r.get("filesystems", [])), default=None
        )
        months.append(
            {
                "name": month_name(mon, lang),
                "runs": comp["runs"],
                "average": comp.get("average"),
                "latest": comp.get("latest_score"),
                "failures": len(comp.get("open_failures", [])),
                "disk_peak": peak,
                "hosts_recorded": sum(1 for v in cap.values() if v),
                # Pasal 21 ayat (4): visits planned in the month, entries into the room, breaches
                "visits": len(visits["visits"]) if visits["any"] else None,
                "entries": visits["entries"] if visits["any"] else None,
                "breaches": len(visits["findings"]) if visits["any"] else None,
            }
        )
    labels = _abbreviations(lang)
    start, end = dt.datetime(year, 1, 1, tzinfo=WIB), dt.datetime(year + 1, 1, 1, tzinfo=WIB)
    return {
        "kind": "yearly",
        "lang": lang,
        "lpse_name": lpse_name,
        "period": str(year),
        "year": year,
        "generated": dt.datetime.now(WIB).strftime("%d-%m-%Y %H:%M WIB"),
        "thresholds": {"warn": warn, "crit": crit},
        "months": months,
        "score_chart": charts.monthly_bars(
            labels,
            [m["average"] for m in months],
            i18n.t("report.chart_year_score", lang=lang),
            "%",
        ),
        "disk_chart": charts.monthly_bars(
            labels,
            [m["disk_peak"] for m in months],
            i18n.t("report.chart_year_disk", lang=lang),
            "%",
            colour=charts.ORANGE,
        ),
        "capacity": capacity_section(records, start, end, warn, crit, lang),
        "operations": operations_by_month(results, year, env_limits or ENV_LIMITS, lang),
        "unread": unread_section(results),
    }


def operations_by_month(results: Path, year: int, limits: dict[str, dict[str, float]], lang: str) -> dict[str, Any]:
    """The yearly view of the monthly sections on backups (Pasal 23), the internet connection
    (Pasal 22 huruf b, c) and power and environment (Pasal 21 ayat (3)), one row per month."""
    backups = read_backup(results)
    room = read_room(results)
    by_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # day -> [rounds, up], over every host
    for records in read_network(results)["connectivity"].values():
        for day, v in availability_by_day(records).items():
            by_day[day][0] += v["rounds"]
            by_day[day][1] += v["up"]
    rows = []
    for mon in range(1, 13):
        start, end = month_bounds(year, mon)
        bak = backup_section(backups, start, end)
        rounds, up = (sum(v[i] for d, v in by_day.items() if d.startswith(f"{year}-{mon:02d}")) for i in (0, 1))
        power = month_room(**room, start=start, end=end, limits=limits, lang=lang, chart=False)
        rows.append(
            {
                "name": month_name(mon, lang),
                "backups": bak["made"] if bak["any"] else None,
                "backups_failed": bak["failed"] if bak["any"] else None,
                "drills": f"{bak['drills_passed']} / {bak['drills_failed']}" if bak["drills"] else None,
                "availability": round(100.0 * up / rounds, 2) if rounds else None,
                "outages": power["ups"]["onbatt_events"] if power["any"] else None,
                "env_out": sum(e["out_minutes"] for e in power["environment"]) if power["environment"] else None,
                "alerts": sum(1 for a in power["alerts"] if a["state"] == "firing") if power["any"] else None,
            }
        )
    return {"months": rows}


def _abbreviations(lang: str) -> list[str]:
    return [month_name(mon, lang)[:3] for mon in range(1, 13)]


# Breaches as lpse/access/rules.py words them, to say them in the report's language.
FINDINGS = [
    ("no_approval", r"visit (?P<visit>\S+) entered at (?P<when>.+) without an approval before entry"),
    ("denied", r"visit (?P<visit>\S+) entered at (?P<when>.+) although it was denied by (?P<by>.+)"),
    ("not_approver", r"visit (?P<visit>\S+) was approved by (?P<by>.+), who is not an authorised approver"),
    ("self_approved", r"visit (?P<visit>\S+) was approved by the visitor \((?P<by>.+)\)"),
    ("outside", r"visit (?P<visit>\S+) entered at (?P<when>.+) outside its approval \((?P<start>.+?) - (?P<end>.+)\)"),
    (
        "still_open",
        r"visit (?P<visit>\S+) entry at (?P<when>.+) still open (?P<hours>[\d.]+) h \(limit (?P<limit>[\d.]+) h\)",
    ),
    ("lasted", r"visit (?P<visit>\S+) entry at (?P<when>.+) lasted (?P<hours>[\d.]+) h \(limit (?P<limit>[\d.]+) h\)"),
    ("equipment", r"visit (?P<visit>\S+): (?:tidak dibawa keluar|tambahan) .*"),
    (
        "door",
        r"door (?P<door>.+) opened at (?P<when>.+) with badge (?P<badge>\S+) \((?P<event>\w+)\) "
        r"matches no approved, checked-in visit",
    ),
]


def finding_text(finding: dict[str, Any], lang: str) -> str:
    """A breach in ``lang``; one the patterns do not know keeps the log's (English) message in an
    English report and is named by its rule in an Indonesian one."""
    message = str(finding.get("message") or "")
    for key, pattern in FINDINGS:
        m = re.fullmatch(pattern, message, re.DOTALL)
        if m:
            params = m.groupdict()
            if "event" in params and f"report.door_event.{params['event']}" in i18n.MESSAGES:
                params["event"] = i18n.t(f"report.door_event.{params['event']}", lang=lang)
            return i18n.t(f"report.finding.{key}", lang=lang, **params)
    if lang == "en" and message:
        return message
    return i18n.t("report.finding.other", lang=lang, rule=finding.get("rule", "?"))


def render_html(context: dict[str, Any]) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    lang = context["lang"]
    return env.get_template("report.html.j2").render(
        **context, L=i18n.labels("report", lang), t=partial(i18n.t, lang=lang)
    )


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise EnvironmentProblem("PDF needs a headless browser: `apt-get install chromium` (or run `make deps`)")


def html_to_pdf(html_path: Path, pdf_path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="lpse-chromium-") as profile:
        proc = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf_path}",
                html_path.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HOME": profile},
        )
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise LpseError(f"chromium could not print {html_path} to PDF: {proc.stderr.strip()[-500:]}")
