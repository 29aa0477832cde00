"""The monthly report's power and environment section (Pasal 21 ayat (3)), from the records the
room recorder (readings, UPS self-tests), the servers' upsmon (power events) and lpse-alert
(alerts) keep, once collected into the results store (``lpse report`` collects them).

Time out of range counts each out-of-range reading for the time until the next reading, at most
``GAP_S`` (a longer gap is a gap in the record, counted apart as unrecorded time).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from lpse.period import WIB
from lpse.report import charts

GAP_S = 300
KINDS = ("temperature", "humidity")
POWER_EVENTS = ("ONBATT", "ONLINE", "LOWBATT", "FSD", "SHUTDOWN", "ONBATT-TIMER", "COMMBAD", "COMMOK", "POWEROFF")


def _in(start: dt.datetime, end: dt.datetime, epoch: Any) -> bool:
    return start.timestamp() <= int(epoch) < end.timestamp()


def _when(epoch: int) -> str:
    return dt.datetime.fromtimestamp(int(epoch), WIB).strftime("%d-%m %H:%M")


def month_room(
    readings: dict[str, list[dict[str, Any]]],
    power: dict[str, list[dict[str, Any]]],
    alerts: dict[str, list[dict[str, Any]]],
    selftests: dict[str, list[dict[str, Any]]],
    start: dt.datetime,
    end: dt.datetime,
    limits: dict[str, dict[str, float]],
    lang: str = "id",
) -> dict[str, Any]:
    rows = sorted(
        (r for records in readings.values() for r in records if _in(start, end, r.get("epoch", 0))),
        key=lambda r: r["epoch"],
    )
    env: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        values = [(r["epoch"], float(r[kind])) for r in rows if isinstance(r.get(kind), int | float)]
        if not values:
            continue
        out_s = 0
        for i, (epoch, value) in enumerate(values):
            nxt = values[i + 1][0] if i + 1 < len(values) else epoch + 60
            if not (limits[kind]["min"] <= value <= limits[kind]["max"]):
                out_s += min(nxt - epoch, GAP_S)
        env[kind] = {
            "min": min(v for _, v in values),
            "max": max(v for _, v in values),
            "avg": round(sum(v for _, v in values) / len(values), 1),
            "readings": len(values),
            "out_minutes": round(out_s / 60),
            "limit_min": limits[kind]["min"],
            "limit_max": limits[kind]["max"],
        }
    gaps = sum(b["epoch"] - a["epoch"] - 60 for a, b in itertools.pairwise(rows) if b["epoch"] - a["epoch"] > GAP_S)
    ups_rows = [r["ups"] for r in rows if isinstance(r.get("ups"), dict)]
    runtimes = [u["runtime_s"] for u in ups_rows if isinstance(u.get("runtime_s"), int | float)]
    charges = [u["charge"] for u in ups_rows if isinstance(u.get("charge"), int | float)]
    on_battery_min = 0
    for a, b in zip(rows, [*rows[1:], None], strict=False):  # the last reading pairs with None
        if "OB" in str((a.get("ups") or {}).get("status", "")).split():
            on_battery_min += min((b["epoch"] if b else a["epoch"] + 60) - a["epoch"], GAP_S) / 60
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for host, items in sorted(power.items()):
        for e in sorted(items, key=lambda e: e.get("epoch", 0)):
            if not (_in(start, end, e.get("epoch", 0)) and e.get("event") in POWER_EVENTS):
                continue
            row = grouped.setdefault(
                (_when(e["epoch"]), e["event"]),
                {"when": _when(e["epoch"]), "epoch": e["epoch"], "event": e["event"], "hosts": [], "message": ""},
            )
            row["hosts"].append(host)
            row["message"] = row["message"] or e.get("message", "")
    events = sorted(grouped.values(), key=lambda e: e["epoch"])
    month_alerts = sorted(
        (
            {
                "host": host,
                "when": _when(a["epoch"]),
                "epoch": a["epoch"],
                "source": a.get("source", ""),
                "key": a.get("key", ""),
                "state": a.get("state", ""),
                "message": a.get("message", ""),
            }
            for host, items in alerts.items()
            for a in items
            if _in(start, end, a.get("epoch", 0))
        ),
        key=lambda a: (a["epoch"], a["host"], a["key"]),
    )
    tests = sorted(
        (
            {"when": _when(t["epoch"]), "result": t.get("result", ""), "ups": t.get("ups", "")}
            for items in selftests.values()
            for t in items
            if _in(start, end, t.get("epoch", 0))
        ),
        key=lambda t: t["when"],
    )
    chart = None
    if env:
        series = {
            kind: [
                (dt.datetime.fromtimestamp(r["epoch"], WIB), float(r[kind]))
                for r in rows
                if isinstance(r.get(kind), int | float)
            ]
            for kind in env
        }
        labels = {"id": ("Suhu (°C)", "Kelembapan (%RH)"), "en": ("Temperature (°C)", "Humidity (%RH)")}[lang]
        chart = charts.environment(series, limits, dict(zip(KINDS, labels, strict=True)), start, end)
    return {
        "any": bool(rows or events or month_alerts),
        "environment": [{"kind": k, **v} for k, v in env.items()],
        "chart": chart,
        "unrecorded_minutes": round(gaps / 60),
        "readings": len(rows),
        "ups": {
            "min_runtime_min": round(min(runtimes) / 60, 1) if runtimes else None,
            "min_charge": min(charges) if charges else None,
            "on_battery_minutes": round(on_battery_min),
            "onbatt_events": sum(1 for e in events if e["event"] == "ONBATT"),
        },
        "events": events,
        "alerts": month_alerts,
        "selftests": tests,
    }
