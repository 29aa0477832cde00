"""The monthly report's power and environment section (Pasal 21 ayat (3)), from the records the
room recorder (readings, UPS self-tests), the servers' upsmon (power events) and lpse-alert
(alerts) keep, once collected into the results store (``lpse report`` collects them).

Time out of range counts each out-of-range reading for the time until the next reading, at most
``GAP_S`` (a longer gap is a gap in the record, counted apart as unrecorded time).

The hosts write alerts, power events and self-test results in English; each row keeps that
``message`` (or ``result``) and gets a ``text`` in the report's language from the catalogue
(``report.alert.*``, ``report.power.*``, ``report.selftest.*``), made from the record's key, state
and value. An English report shows the host's own message, which says more.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from lpse import i18n
from lpse.period import WIB
from lpse.report import charts

GAP_S = 300
KINDS = ("temperature", "humidity")
POWER_EVENTS = ("ONBATT", "ONLINE", "LOWBATT", "FSD", "SHUTDOWN", "ONBATT-TIMER", "COMMBAD", "COMMOK", "POWEROFF")


def _in(start: dt.datetime, end: dt.datetime, epoch: Any) -> bool:
    return start.timestamp() <= int(epoch) < end.timestamp()


def _when(epoch: int) -> str:
    return dt.datetime.fromtimestamp(int(epoch), WIB).strftime("%d-%m %H:%M")


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else "—"


def alert_text(alert: dict[str, Any], lang: str) -> str:
    """What an alert says, in ``lang``: the host's message in English, else from its key and value."""
    message, state = str(alert.get("message") or ""), alert.get("state")
    if lang == "en" and message:
        return message
    name, _, detail = str(alert.get("key", "")).partition(":")
    if state not in ("firing", "resolved"):
        return message or name
    key = f"report.alert.{name}.{state}"
    if key not in i18n.MESSAGES:
        return i18n.t(
            f"report.alert.other.{state}", lang=lang, name=f"{alert.get('source', '')}/{alert.get('key', '')}"
        )
    return i18n.t(key, lang=lang, value=_number(alert.get("value")), mount=detail)


def alert_name(alert: dict[str, Any], lang: str) -> str:
    """What an alert is about, in ``lang``; an alert the catalogue does not name shows as source/key."""
    name, _, detail = str(alert.get("key", "")).partition(":")
    key = f"report.alert_name.{name}"
    if key in i18n.MESSAGES:
        return i18n.t(key, lang=lang, mount=detail)
    return f"{alert.get('source', '')}/{alert.get('key', '')}"


def event_text(event: str, message: str, lang: str) -> str:
    """A power event in ``lang`` (the event script's message in English)."""
    key = f"report.power.{event.lower()}"
    if (lang == "en" and message) or key not in i18n.MESSAGES:
        return message
    return i18n.t(key, lang=lang)


def selftest_text(result: str, lang: str) -> str:
    key = f"report.selftest.{result.strip().lower()}"
    return i18n.t(key, lang=lang) if lang != "en" and key in i18n.MESSAGES else result


def month_room(
    readings: dict[str, list[dict[str, Any]]],
    power: dict[str, list[dict[str, Any]]],
    alerts: dict[str, list[dict[str, Any]]],
    selftests: dict[str, list[dict[str, Any]]],
    start: dt.datetime,
    end: dt.datetime,
    limits: dict[str, dict[str, float]],
    lang: str = "id",
    chart: bool = True,
) -> dict[str, Any]:
    """The month's environment, power and alerts; ``chart=False`` leaves out the chart (the yearly
    report counts months)."""
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
    for e in events:
        e["text"] = event_text(e["event"], e["message"], lang)
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
                "text": alert_text(a, lang),
                "name": alert_name(a, lang),
            }
            for host, items in alerts.items()
            for a in items
            if _in(start, end, a.get("epoch", 0))
        ),
        key=lambda a: (a["epoch"], a["host"], a["key"]),
    )
    tests = sorted(
        (
            {
                "when": _when(t["epoch"]),
                "result": t.get("result", ""),
                "text": selftest_text(t.get("result", ""), lang),
                "ups": t.get("ups", ""),
            }
            for items in selftests.values()
            for t in items
            if _in(start, end, t.get("epoch", 0))
        ),
        key=lambda t: t["when"],
    )
    picture = None
    if env and chart:
        series = {
            kind: [
                (dt.datetime.fromtimestamp(r["epoch"], WIB), float(r[kind]))
                for r in rows
                if isinstance(r.get(kind), int | float)
            ]
            for kind in env
        }
        labels = {kind: i18n.t(f"report.room_{kind}", lang=lang) for kind in KINDS}
        picture = charts.environment(series, limits, labels, start, end)
    return {
        "any": bool(rows or events or month_alerts),
        "environment": [{"kind": k, **v} for k, v in env.items()],
        "chart": picture,
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
