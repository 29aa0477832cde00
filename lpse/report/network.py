"""Traffic and connection availability from the hosts' records (roles bandwidth, connectivity),
per day in WIB, for the monthly report and the tests (Pasal 22 huruf b, c).

Traffic records hold cumulative counters; a day's traffic is the sum of the deltas between
consecutive records that end in that day (a counter that went down was reset by a reboot: the
new value is the delta). The peak is the highest average rate over one recording interval.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from lpse.period import WIB


def _day(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, WIB).strftime("%Y-%m-%d")


def availability_by_day(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{day: {rounds, up, pct, down_minutes}} from connection probe records (one round a minute)."""
    days: dict[str, dict[str, Any]] = {}
    for r in sorted(records, key=lambda r: r["epoch"]):
        d = days.setdefault(_day(int(r["epoch"])), {"rounds": 0, "up": 0})
        d["rounds"] += 1
        d["up"] += 1 if r.get("up") else 0
    for d in days.values():
        d["pct"] = round(100.0 * d["up"] / d["rounds"], 2)
        d["down_minutes"] = d["rounds"] - d["up"]
    return days


def _delta(now: int, before: int) -> int:
    return now - before if now >= before else now


def traffic_by_day(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{day: {"interfaces": {iface: {tx_bytes, rx_bytes, dropped, peak_tx_mbit, peak_rx_mbit, peak_at}},
    "classes": {iface: {name: {bytes, dropped}}}}}."""
    days: dict[str, dict[str, Any]] = {}
    ordered = sorted(records, key=lambda r: r["epoch"])
    for prev, cur in itertools.pairwise(ordered):
        seconds = int(cur["epoch"]) - int(prev["epoch"])
        if seconds <= 0:
            continue
        day = days.setdefault(_day(int(cur["epoch"])), {"interfaces": {}, "classes": {}})
        for iface, c in (cur.get("interfaces") or {}).items():
            p = (prev.get("interfaces") or {}).get(iface)
            if not p:
                continue
            row = day["interfaces"].setdefault(
                iface, {"tx_bytes": 0, "rx_bytes": 0, "dropped": 0, "peak_tx_mbit": 0.0, "peak_rx_mbit": 0.0}
            )
            tx, rx = (
                _delta(c.get("tx_bytes", 0), p.get("tx_bytes", 0)),
                _delta(c.get("rx_bytes", 0), p.get("rx_bytes", 0)),
            )
            row["tx_bytes"] += tx
            row["rx_bytes"] += rx
            row["dropped"] += _delta(c.get("tx_dropped", 0), p.get("tx_dropped", 0)) + _delta(
                c.get("rx_dropped", 0), p.get("rx_dropped", 0)
            )
            tx_mbit, rx_mbit = tx * 8 / seconds / 1e6, rx * 8 / seconds / 1e6
            if tx_mbit > row["peak_tx_mbit"]:
                row["peak_tx_mbit"], row["peak_at"] = round(tx_mbit, 2), cur.get("time", "")
            row["peak_rx_mbit"] = max(row["peak_rx_mbit"], round(rx_mbit, 2))
        for iface, classes in (cur.get("classes") or {}).items():
            before = (prev.get("classes") or {}).get(iface) or {}
            for classid, c in classes.items():
                p = before.get(classid)
                if not p:
                    continue
                row = day["classes"].setdefault(iface, {}).setdefault(c["name"], {"bytes": 0, "dropped": 0})
                row["bytes"] += _delta(c["bytes"], p["bytes"])
                row["dropped"] += _delta(c["dropped"], p["dropped"])
    return days


def month_network(
    traffic: dict[str, list[dict[str, Any]]],
    connectivity: dict[str, list[dict[str, Any]]],
    start: dt.datetime,
    end: dt.datetime,
) -> dict[str, Any]:
    """The monthly report's network section: per host, traffic totals, peaks and drops per
    interface and class; availability of the internet connection per day and over the month."""
    first, last = (
        start.astimezone(WIB).strftime("%Y-%m-%d"),
        (end - dt.timedelta(seconds=1)).astimezone(WIB).strftime("%Y-%m-%d"),
    )

    def in_month(day: str) -> bool:
        return first <= day <= last

    hosts_traffic = []
    for host, records in sorted(traffic.items()):
        days = {d: v for d, v in traffic_by_day(records).items() if in_month(d)}
        if not days:
            continue
        ifaces: dict[str, dict[str, Any]] = {}
        classes: dict[tuple[str, str], dict[str, int]] = {}
        for day in sorted(days):
            for iface, v in days[day]["interfaces"].items():
                row = ifaces.setdefault(iface, {"tx_gb": 0.0, "rx_gb": 0.0, "dropped": 0, "peak": 0.0, "peak_at": ""})
                row["tx_gb"] += v["tx_bytes"] / 1e9
                row["rx_gb"] += v["rx_bytes"] / 1e9
                row["dropped"] += v["dropped"]
                if v["peak_tx_mbit"] > row["peak"]:
                    row["peak"], row["peak_at"] = v["peak_tx_mbit"], v.get("peak_at", "")
            for iface, named in days[day]["classes"].items():
                for name, v in named.items():
                    c = classes.setdefault((iface, name), {"bytes": 0, "dropped": 0})
                    c["bytes"] += v["bytes"]
                    c["dropped"] += v["dropped"]
        hosts_traffic.append(
            {
                "host": host,
                "days": len(days),
                "interfaces": [
                    {"name": k, **v, "tx_gb": round(v["tx_gb"], 3), "rx_gb": round(v["rx_gb"], 3)}
                    for k, v in sorted(ifaces.items())
                ],
                "classes": [
                    {"interface": i, "name": n, "gb": round(v["bytes"] / 1e9, 3), "dropped": v["dropped"]}
                    for (i, n), v in sorted(classes.items())
                ],
            }
        )
    hosts_availability = []
    for host, records in sorted(connectivity.items()):
        days = {d: v for d, v in availability_by_day(records).items() if in_month(d)}
        if not days:
            continue
        rounds, up = sum(v["rounds"] for v in days.values()), sum(v["up"] for v in days.values())
        hosts_availability.append(
            {
                "host": host,
                "pct": round(100.0 * up / rounds, 2),
                "rounds": rounds,
                "down_minutes": rounds - up,
                "bad_days": [{"day": d, **v} for d, v in sorted(days.items()) if v["up"] < v["rounds"]],
            }
        )
    return {
        "traffic": hosts_traffic,
        "availability": hosts_availability,
        "any": bool(hosts_traffic or hosts_availability),
    }
