"""Building the monthly and yearly reports from the results store.

The monthly report (Pasal 24 ayat (2)) goes to the Bupati through the Sekretaris Daerah; the yearly
one supports the Sekretaris Daerah's evaluation (Pasal 24 ayat (1)). Both read only the store:
compliance runs (``results/compliance``) and collected capacity records (``results/capacity``).
Sections of later capabilities (power, server-room visits, backups, ...) say plainly when they
have no data yet.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import shutil
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

import jinja2

from lpse.comply.results import Store
from lpse.errors import EnvironmentProblem, LpseError
from lpse.period import WIB, month_bounds, parse_month, parse_year
from lpse.report import charts
from lpse.report.collect import read_access, read_backup, read_maintenance, read_network, read_room, read_store
from lpse.report.network import month_network
from lpse.report.room import month_room

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MONTHS = {
    "id": [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    "en": list(calendar.month_name)[1:],
}

# ASHRAE's recommended envelope (the room role's defaults), unless the inventory says otherwise.
ENV_LIMITS = {"temperature": {"min": 18.0, "max": 27.0}, "humidity": {"min": 0.0, "max": 60.0}}


def env_limits(given: Any) -> dict[str, dict[str, float]]:
    """ENV_LIMITS overlaid with the inventory's compliance_env_thresholds (checked by the controls)."""
    out = {k: dict(v) for k, v in ENV_LIMITS.items()}
    for kind, edges in (given or {}).items() if isinstance(given, dict) else []:
        if kind in out and isinstance(edges, dict):
            out[kind].update({e: float(v) for e, v in edges.items() if e in ("min", "max")})
    return out


# Sections that later capabilities fill; until then the report says so.
PENDING_SECTIONS = [
    (
        "power",
        "Pasal 21 ayat (3)",
        {"id": "Daya listrik (UPS) dan lingkungan ruang server", "en": "Power (UPS) and server-room environment"},
    ),
    ("backups", "Pasal 23", {"id": "Cadangan data (backup)", "en": "Backups"}),
    (
        "network",
        "Pasal 22 huruf b, c",
        {
            "id": "Jaringan: bandwidth, lalu lintas, koneksi internet",
            "en": "Network: bandwidth, traffic, internet connection",
        },
    ),
]


def _when(run: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(run["run"]["started"]).astimezone(WIB)


def compliance_section(runs: list[dict[str, Any]], start: dt.datetime, end: dt.datetime, lang: str) -> dict:
    inside = sorted((r for r in runs if start <= _when(r) < end), key=_when)
    if not inside:
        return {"runs": 0}
    latest = inside[-1]
    scored = [(_when(r), r["summary"]["score"]) for r in inside if r["summary"]["score"] is not None]
    open_failures = [
        {
            "control": r["control"],
            "host": r["host"],
            "message": r["message"],
            "severity": latest["controls"][r["control"]]["severity"],
            "title": latest["controls"][r["control"]]["title"][lang],
        }
        for r in latest["results"]
        if r["status"] in ("fail", "error")
    ]
    return {
        "runs": len(inside),
        "latest_id": latest["run"]["id"],
        "latest_score": latest["summary"]["score"],
        "average": round(mean(s for _, s in scored), 1) if scored else None,
        "minimum": min((s for _, s in scored), default=None),
        "areas": [
            {"title": latest["areas"][a]["title"][lang], "article": latest["areas"][a]["article"], "score": s["score"]}
            for a, s in latest["summary"]["by_area"].items()
        ],
        "open_failures": open_failures,
        "waived": [r for r in latest["results"] if r["status"] == "waived"],
        "chart": charts.score_trend(scored, "Skor kepatuhan" if lang == "id" else "Compliance score", "%", start, end),
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
                    f"{host} — {'pemakaian disk dan RAM' if lang == 'id' else 'disk and RAM use'}",
                    "%",
                    "RAM",
                    start,
                    end,
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


def visits_section(access: dict[str, Any], start: dt.datetime, end: dt.datetime) -> dict:
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
        f for f in access.get("findings") or [] if (t := _parse_time(f.get("time"))) is not None and start <= t < end
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
        "period": f"{MONTHS[lang][mon - 1]} {year}",
        "month": month,
        "generated": dt.datetime.now(WIB).strftime("%d-%m-%Y %H:%M WIB"),
        "thresholds": {"warn": warn, "crit": crit},
        "compliance": compliance_section(runs, start, end, lang),
        "capacity": capacity_section(records, start, end, warn, crit, lang),
        "maintenance": maintenance_section(read_maintenance(results), start, end),
        "backup": backup_section(read_backup(results), start, end),
        "visits": visits_section(read_access(results), start, end),
        "network": month_network(**read_network(results), start=start, end=end),
        "room": month_room(**read_room(results), start=start, end=end, limits=env_limits or ENV_LIMITS, lang=lang),
        "pending": [
            {"id": s, "article": a, "title": t[lang]}
            for s, a, t in PENDING_SECTIONS
            if s not in ("backups", "network", "power")
        ],
    }


def yearly(results: Path, year_text: str, lang: str, lpse_name: str, warn: float = 80, crit: float = 90) -> dict:
    year = parse_year(year_text)
    runs = Store(results).load_all()
    records = read_store(results)
    access = read_access(results)
    months = []
    for mon in range(1, 13):
        start, end = month_bounds(year, mon)
        comp = compliance_section(runs, start, end, lang)
        visits = visits_section(access, start, end)
        cap = {h: [r for r in recs if start.timestamp() <= r["epoch"] < end.timestamp()] for h, recs in records.items()}
        peak = max(
            (fs["used_pct"] for recs in cap.values() for r in recs for fs in r.get("filesystems", [])), default=None
        )
        months.append(
            {
                "name": MONTHS[lang][mon - 1],
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
    labels = [m["name"][:3] for m in months]
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
            "Rata-rata skor kepatuhan per bulan" if lang == "id" else "Average compliance score per month",
            "%",
        ),
        "disk_chart": charts.monthly_bars(
            labels,
            [m["disk_peak"] for m in months],
            "Puncak pemakaian disk per bulan" if lang == "id" else "Peak disk use per month",
            "%",
            colour=charts.ORANGE,
        ),
        "capacity": capacity_section(records, start, end, warn, crit, lang),
        "pending": [{"id": s, "article": a, "title": t[lang]} for s, a, t in PENDING_SECTIONS],
    }


def render_html(context: dict[str, Any]) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(**context, L=LABELS[context["lang"]])


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


LABELS = {
    "id": {
        "monthly_title": "Laporan Bulanan LPSE",
        "yearly_title": "Laporan Tahunan LPSE",
        "to": "Kepada Yth. Bupati Bandung melalui Sekretaris Daerah",
        "monthly_basis": "Disampaikan sesuai Peraturan Bupati Bandung Nomor 4 Tahun 2017 Pasal 24 ayat (2).",
        "yearly_basis": "Bahan evaluasi tahunan oleh Sekretaris Daerah sesuai Pasal 24 ayat (1).",
        "period": "Periode",
        "generated": "Dibuat",
        "summary": "Ringkasan",
        "compliance": "Kepatuhan terhadap peraturan",
        "capacity": "Kapasitas disk dan RAM (Pasal 22 huruf a)",
        "runs": "Pemeriksaan kepatuhan",
        "latest_score": "Skor terakhir",
        "average": "Rata-rata",
        "minimum": "Terendah",
        "area": "Area",
        "article": "Pasal",
        "score": "Skor",
        "open_failures": "Kegagalan yang masih terbuka pada akhir periode",
        "none": "Tidak ada.",
        "control": "Kontrol",
        "host": "Server",
        "cause": "Penyebab",
        "severity": "Tingkat",
        "waived": "Dikecualikan (dengan persetujuan)",
        "no_runs": "Tidak ada pemeriksaan kepatuhan pada periode ini.",
        "no_capacity": "Tidak ada catatan kapasitas pada periode ini.",
        "maintenance": "Pemeliharaan dan pengumuman (Pasal 22 huruf d)",
        "no_maintenance": "Tidak ada pemeliharaan pada periode ini.",
        "mnt_reason": "Alasan",
        "mnt_start": "Mulai",
        "mnt_planned": "Rencana selesai",
        "mnt_end": "Selesai",
        "mnt_minutes": "Menit",
        "mnt_announced": "Diumumkan lebih dulu",
        "mnt_overran": "Melewati rencana",
        "backup": "Cadangan data ke media portabel (Pasal 23)",
        "no_backup": "Tidak ada catatan cadangan pada periode ini.",
        "visits": "Kunjungan ruang server (Pasal 21 ayat (4))",
        "no_visits": "Log akses ruang server belum dikumpulkan (lpse access init).",
        "network": "Jaringan: bandwidth, lalu lintas, koneksi internet (Pasal 22 huruf b, c)",
        "no_network": "Catatan lalu lintas dan pemantau koneksi belum dikumpulkan (peran bandwidth, connectivity).",
        "net_availability": "Ketersediaan koneksi internet",
        "net_avail_row": "{pct}% dari {rounds} pemeriksaan; terputus {down_minutes} menit",
        "net_bad_days": "Hari dengan gangguan",
        "net_traffic": "Lalu lintas",
        "net_iface": "Antarmuka",
        "net_sent": "Terkirim (GB)",
        "net_received": "Diterima (GB)",
        "net_peak": "Puncak kirim (Mbit/s)",
        "net_dropped": "Paket dibuang",
        "room": "Daya listrik (UPS) dan lingkungan ruang server (Pasal 21 ayat (3))",
        "no_room": "Catatan ruang server, peristiwa listrik dan peringatan belum dikumpulkan (peran room, ups).",
        "room_kind": "Besaran",
        "room_range": "Batas",
        "room_avg": "Rata-rata",
        "room_max": "Tertinggi",
        "room_out": "Menit di luar batas",
        "room_temperature": "Suhu (°C)",
        "room_humidity": "Kelembapan (%RH)",
        "room_coverage": "{n} bacaan; {gap} menit tanpa catatan.",
        "room_power": "Catu daya (UPS)",
        "room_ups": (
            "Listrik padam (UPS memakai baterai) {n} kali, {minutes} menit; waktu cadangan terendah {runtime} menit; "
            "muatan baterai terendah {charge} %."
        ),
        "room_when": "Waktu (WIB)",
        "room_event": "Peristiwa",
        "room_message": "Keterangan",
        "room_selftests": "Uji mandiri UPS",
        "room_no_selftest": "tidak ada pada periode ini",
        "room_alerts": "Peringatan",
        "room_alert": "Peringatan",
        "room_state": "Keadaan",
        "room_firing": "menyala",
        "room_resolved": "selesai",
        "net_class": "Kelas bandwidth",
        "net_days": "hari tercatat",
        "vis_summary": "Kunjungan: {n}, disetujui: {approved}, ditolak: {denied}; masuk ruang server: {entries} kali.",
        "vis_visitor": "Pengunjung",
        "vis_purpose": "Keperluan",
        "vis_planned": "Rencana",
        "vis_decided": "Keputusan oleh",
        "vis_entries": "Masuk – keluar",
        "vis_findings": "Pelanggaran",
        "y_visits": "Kunjungan ruang server",
        "y_entries": "Masuk ruang server",
        "vis_none_found": "Tidak ada pelanggaran.",
        "vis_chain_ok": "Rantai catatan utuh: {records} catatan; kepala #{seq} {hash}",
        "vis_chain_bad": "Rantai catatan RUSAK: {n} masalah",
        "bak_summary": "Cadangan dibuat: {made} ({mb} MB), gagal: {failed}; verifikasi berhasil: {verified}, "
        "gagal: {verify_failed}; uji pemulihan berhasil: {drills_passed}, gagal: {drills_failed}.",
        "bak_time": "Waktu",
        "bak_set": "Set",
        "bak_result": "Hasil",
        "bak_drills": "Uji pemulihan",
        "bak_custody": "Perpindahan media",
        "bak_location": "Lokasi",
        "bak_carrier": "Dibawa oleh",
        "bak_visit": "Kunjungan",
        "bak_checks": "Dibandingkan",
        "ok_word": "berhasil",
        "fail_word": "GAGAL",
        "server_room_warn": "di ruang server!",
        "yes": "ya",
        "no": "tidak",
        "filesystem": "Filesystem",
        "peak": "Puncak",
        "peak_at": "Waktu puncak",
        "last": "Terakhir",
        "days_warn": "Hari ≥ peringatan",
        "days_crit": "Hari ≥ kritis",
        "records": "catatan",
        "days_monitored": "hari terpantau",
        "ram_peak": "Puncak RAM",
        "thresholds": "Ambang: peringatan {warn:g}%, kritis {crit:g}%",
        "pending_note": "Belum ada data: bagian ini diisi setelah kemampuan terkait dipasang.",
        "month": "Bulan",
        "failures": "Kegagalan",
        "disk_peak": "Puncak disk",
        "servers": "Server tercatat",
        "signature": "Kepala LPSE Kabupaten Bandung",
        "status_ok": "aman",
        "status_warn": "peringatan",
        "status_crit": "kritis",
        "status": "Status",
    },
    "en": {
        "monthly_title": "LPSE Monthly Report",
        "yearly_title": "LPSE Yearly Report",
        "to": "To the Regent of Bandung through the Regional Secretary",
        "monthly_basis": "Submitted under Bandung Regent Regulation No. 4 of 2017, Article 24 (2).",
        "yearly_basis": "Input to the Regional Secretary's yearly evaluation under Article 24 (1).",
        "period": "Period",
        "generated": "Generated",
        "summary": "Summary",
        "compliance": "Compliance with the regulation",
        "capacity": "Disk and RAM capacity (Pasal 22 huruf a)",
        "runs": "Compliance runs",
        "latest_score": "Latest score",
        "average": "Average",
        "minimum": "Lowest",
        "area": "Area",
        "article": "Article",
        "score": "Score",
        "open_failures": "Failures still open at the end of the period",
        "none": "None.",
        "control": "Control",
        "host": "Server",
        "cause": "Cause",
        "severity": "Severity",
        "waived": "Waived (approved)",
        "no_runs": "No compliance run in this period.",
        "no_capacity": "No capacity record in this period.",
        "maintenance": "Maintenance and announcements (Pasal 22 huruf d)",
        "no_maintenance": "No maintenance in this period.",
        "mnt_reason": "Reason",
        "mnt_start": "Started",
        "mnt_planned": "Planned end",
        "mnt_end": "Ended",
        "mnt_minutes": "Minutes",
        "mnt_announced": "Announced ahead",
        "mnt_overran": "Overran",
        "backup": "Backups to portable media (Pasal 23)",
        "no_backup": "No backup records in this period.",
        "visits": "Server-room visits (Pasal 21 ayat (4))",
        "no_visits": "The server-room access log was not collected (lpse access init).",
        "network": "Network: bandwidth, traffic, internet connection (Pasal 22 huruf b, c)",
        "no_network": "No traffic or connection probe records were collected (roles bandwidth, connectivity).",
        "net_availability": "Internet connection availability",
        "net_avail_row": "{pct}% of {rounds} checks; down {down_minutes} minutes",
        "net_bad_days": "Days with outages",
        "net_traffic": "Traffic",
        "net_iface": "Interface",
        "net_sent": "Sent (GB)",
        "net_received": "Received (GB)",
        "net_peak": "Peak send (Mbit/s)",
        "net_dropped": "Dropped packets",
        "room": "Power (UPS) and server-room environment (Pasal 21 ayat (3))",
        "no_room": "No server-room record, power events or alerts were collected (roles room, ups).",
        "room_kind": "Quantity",
        "room_range": "Limits",
        "room_avg": "Average",
        "room_max": "Highest",
        "room_out": "Minutes out of range",
        "room_temperature": "Temperature (°C)",
        "room_humidity": "Humidity (%RH)",
        "room_coverage": "{n} readings; {gap} minutes unrecorded.",
        "room_power": "Power (UPS)",
        "room_ups": (
            "Mains failed (UPS on battery) {n} time(s), {minutes} minutes; lowest runtime {runtime} min; "
            "lowest battery charge {charge} %."
        ),
        "room_when": "Time (WIB)",
        "room_event": "Event",
        "room_message": "Detail",
        "room_selftests": "UPS self-tests",
        "room_no_selftest": "none in this period",
        "room_alerts": "Alerts",
        "room_alert": "Alert",
        "room_state": "State",
        "room_firing": "firing",
        "room_resolved": "resolved",
        "net_class": "Bandwidth class",
        "net_days": "days recorded",
        "vis_summary": "Visits: {n}, approved: {approved}, denied: {denied}; entries to the server room: {entries}.",
        "vis_visitor": "Visitor",
        "vis_purpose": "Purpose",
        "vis_planned": "Planned",
        "vis_decided": "Decided by",
        "vis_entries": "In – out",
        "vis_findings": "Breaches",
        "vis_none_found": "No breaches.",
        "vis_chain_ok": "Record chain intact: {records} records; head #{seq} {hash}",
        "vis_chain_bad": "Record chain BROKEN: {n} problems",
        "bak_summary": "Backups made: {made} ({mb} MB), failed: {failed}; verifications passed: {verified}, "
        "failed: {verify_failed}; restore drills passed: {drills_passed}, failed: {drills_failed}.",
        "bak_time": "Time",
        "bak_set": "Set",
        "bak_result": "Result",
        "bak_drills": "Restore drills",
        "bak_custody": "Media movements",
        "bak_location": "Location",
        "bak_carrier": "Carried by",
        "bak_visit": "Visit",
        "bak_checks": "Compared",
        "ok_word": "passed",
        "fail_word": "FAILED",
        "server_room_warn": "in the server room!",
        "yes": "yes",
        "no": "no",
        "filesystem": "Filesystem",
        "peak": "Peak",
        "peak_at": "Peak at",
        "last": "Last",
        "days_warn": "Days ≥ warning",
        "days_crit": "Days ≥ critical",
        "records": "records",
        "days_monitored": "days monitored",
        "ram_peak": "RAM peak",
        "thresholds": "Thresholds: warning {warn:g}%, critical {crit:g}%",
        "pending_note": "No data yet: this section is filled once the related capability is installed.",
        "month": "Month",
        "failures": "Failures",
        "disk_peak": "Disk peak",
        "y_visits": "Server-room visits",
        "y_entries": "Entries into the room",
        "servers": "Servers recorded",
        "signature": "Head of LPSE, Bandung Regency",
        "status_ok": "ok",
        "status_warn": "warning",
        "status_crit": "critical",
        "status": "Status",
    },
}
