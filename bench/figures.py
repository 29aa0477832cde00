"""The README's figures, generated from bench/results/*.json: never a number nobody re-measures.

    python bench/figures.py          rewrite the generated blocks of README.md
    python bench/figures.py --check  exit 1 when README.md differs from what the results say

Each block sits between ``<!-- figures:NAME -->`` and ``<!-- /figures:NAME -->``; every row names
the result file it comes from and when that was measured. tests/unit/test_readme_figures.py fails
when a block is stale, so a new measurement reaches the README in the same commit.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
BLOCK = re.compile(r"(<!-- figures:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /figures:(?P=name) -->)", re.S)


def load(name: str) -> dict[str, Any]:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def n(value: float | int | None, digits: int = 1) -> str:
    """A number as the README writes it: thousands separated, fixed decimals, '—' when absent."""
    if value is None:
        return "—"
    if isinstance(value, int) or (float(value).is_integer() and digits == 0):
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def when(doc: dict[str, Any]) -> str:
    return str(doc.get("date", "?"))[:10]


def suite() -> str:
    """The first screen: how long `make test` and `make demo` took on a fresh clone."""
    s, d = load("suite"), load("demo")
    lines = []
    if s:
        tiers = ", ".join(f"{t['name']} {n(t['tests'], 0)} tests in {n(t['seconds'] / 60, 1)} min" for t in s["tiers"])
        lines.append(
            f"On a fresh clone `make test` took {n(s['seconds'] / 60, 1)} min ({tiers}; "
            f"bench/results/suite.json, {when(s)} at {s.get('commit', '?')})."
        )
        if s.get("check"):
            lines.append(
                f"`make check` (lint, unit and access-log tests, no lab): {n(s['check']['seconds'] / 60, 1)} min."
            )
    if d:
        walls = " / ".join(f"{n(r['seconds'], 0)} s" for r in d["runs"])
        scores = sorted({r["score"] for r in d["runs"]})
        lines.append(
            f"`make demo`, {len(d['runs'])} times in a row from wiped lab disks (`lpse lab down --purge` "
            f"between): {walls}; score {' / '.join(f'{x:g} %' for x in scores)} each time, the monthly report "
            f"written (bench/results/demo.json, {when(d)} at {d.get('commit', '?')})."
        )
    return "\n".join(lines) + "\n" if lines else "No fresh-clone run is recorded in bench/results/ yet.\n"


def measured() -> str:
    lab, comply, backup, access = load("lab"), load("comply"), load("backup"), load("access")
    network, monitoring = load("network"), load("monitoring")
    rows: list[tuple[str, str, str, str]] = []
    if lab:
        t = lab.get("targets", {})
        src = f"lab.json, {when(lab)}"
        rows += [
            ("root fs cold build", f"{n(lab['rootfs_cold_build_s'], 0)} s", "—", src),
            ("`lab up`, whole topology, warm", f"{n(lab['lab_up_warm_s'])} s", f"< {t.get('lab_up_warm_s')} s", src),
            (
                "lab memory, peak during provisioning (PostgreSQL, the JVM, nginx included)",
                f"{n(lab['lab_memory_peak']['pss_mb'], 0)} MB PSS ({n(lab['lab_memory_peak']['rss_mb'], 0)} MB RSS)",
                f"< {n(t.get('lab_memory_mb', 0) / 1024, 1)} GB",
                src,
            ),
            (
                "`site.yml` whole SPSE stack: bare lab → working stack / second run",
                f"{n(lab['site_cold_s'], 0)} s / {n(lab['site_second_run_s'], 0)} s, "
                f"changed={lab['site_second_run_changed']}",
                f"< {n(t.get('site_cold_full_stack_s', 0) / 60, 0)} min / < {t.get('site_second_run_full_stack_s')} s",
                src,
            ),
            (
                "the same second run with Ansible's own linear strategy",
                f"{n(lab['site_second_run_ansible_linear_s'], 0)} s "
                f"(Mitogen is {n(lab['site_second_run_linear_vs_mitogen'])}x faster)",
                "—",
                src,
            ),
        ]
    for size in comply.get("sizes", []):
        run = size["runs_by_workers"].get("2") or next(iter(size["runs_by_workers"].values()))
        rows.append(
            (
                f"`lpse comply`, {size['controls']} controls, {size['servers']} servers ({run['results']} results)",
                f"{n(run['wall_s'])} s",
                f"10 servers < {comply.get('target_10_servers_s')} s",
                f"comply.json, {when(comply)}",
            )
        )
    if backup.get("sizes"):
        big = backup["sizes"][-1]
        src = f"backup.json, {when(backup)}"
        rows += [
            (
                f"backup of the SPSE stack, {n(big['total_mb'], 0)} MB",
                f"{n(big['backup_s'])} s, {n(big['backup_mb_s'], 0)} MB/s; plain `pg_dump` + `tar`: "
                f"{n(big['baseline_s'])} s (ratio {n(big['backup_vs_baseline'], 2)})",
                f"≥ {backup.get('target_backup_vs_baseline')} of plain",
                src,
            ),
            ("restore drill of that backup (decrypt, restore, compare)", f"{n(big['drill_s'])} s", "—", src),
        ]
    if access:
        src = f"access.json, {when(access)}"
        rows += [
            (
                "access log append, one record per transaction / a check-in with its rules "
                "(plain sqlite3 commits on the same disk, same run)",
                f"{n(access['append_single_records_per_s'], 0)} / {n(access['checkin_checkout_per_s'], 0)} records/s "
                f"({n(access['baseline_raw_sqlite_commits_per_s'], 0)}/s: "
                f"ratio {n(access['append_vs_raw_sqlite'], 2)})",
                f"≥ {n(access['append_target_per_s'], 0)}/s",
                src,
            ),
        ]
        for _size, v in sorted(access.get("verify_realistic", {}).items(), key=lambda kv: int(kv[0])):
            rows += [
                (
                    f"access log `verify`, {n(v['records'], 0)} records (visits: a request, a signed decision, "
                    "a check-in and a check-out signed by the guard desk): "
                    f"the routine run (signatures after the last verify, {n(v['routine_new_records'], 0)} new records)",
                    f"{n(v['routine_seconds_best'], 2)} s",
                    f"< {v['target_s']:g} s",
                    src,
                ),
                (
                    f"the same log's first verify, every signature ({n(v['signed_decisions'], 0)} decisions, "
                    f"{n(2 * v['signed_decisions'], 0)} guard records) checked (`--full`)",
                    f"{n(v['full_seconds'], 2)} s",
                    "—",
                    src,
                ),
            ]
    if network:
        src = f"network.json, {when(network)}"
        apply, verify = network["tc_shaping_apply_s"], network["tc_shaping_verify_s"]
        netdev = network["network_device_no_change_connected_s"]
        rows += [
            (
                "`tc_shaping`: apply a policy from nothing / verify it, app server",
                f"{n(apply['spse-app-01']['median'], 2)} s / {n(verify['spse-app-01']['median'], 2)} s",
                "—",
                src,
            ),
            (
                "`network_device`, nothing to change: switch / Linux router",
                f"{n(netdev['sw-core-01']['median'], 2)} s / {n(netdev['edge-01']['median'], 2)} s",
                f"< {network['network_device_no_change_target_s']:g} s",
                src,
            ),
        ]
    if monitoring:
        src = f"monitoring.json, {when(monitoring)}"
        memory = [m["total_mb"] for m in monitoring["memory_per_server"].values()]
        rows += [
            (
                "one poll of the UPS (NUT) / of the probe (SNMP)",
                f"{n(monitoring['ups_poll_s']['median'] * 1000, 0)} ms / "
                f"{n(monitoring['environment_poll_s']['median'], 2)} s",
                f"< {monitoring['poll_target_s']:g} s",
                src,
            ),
            (
                "LKPP's scrape of the app server's node_exporter",
                f"{n(monitoring['scrape_by_lkpp_s']['median'] * 1000, 0)} ms",
                f"< {monitoring['scrape_target_s']:g} s",
                src,
            ),
            ("memory the monitoring adds per server", f"{n(min(memory), 0)}-{n(max(memory), 0)} MB RSS", "—", src),
        ]
    head = "| what | measured | target | from |\n| --- | --- | --- | --- |\n"
    return head + "".join(f"| {a} | {b} | {c} | {d} |\n" for a, b, c, d in rows)


def scale() -> str:
    doc = load("scale")
    if not doc:
        return "No scale run is recorded in bench/results/ yet.\n"
    out = [
        "| app servers (lab hosts) | `lab up`, wiped disks | cold `site.yml` tuned / defaults | second `site.yml` "
        "tuned / defaults | `--check` tuned / defaults | `lpse comply` | lab memory (PSS) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in doc["sizes"]:
        tuned, default = s["tuned"], s.get("default", {})
        ratio = s.get("ratio_default_over_tuned", {})

        def pair(key: str, tuned=tuned, default=default, ratio=ratio) -> str:
            other = default.get(key, {}).get("s")
            extra = f" ({n(ratio[key])}x)" if key in ratio else ""
            return f"{n(tuned[key]['s'], 0)} s / " + (f"{n(other, 0)} s{extra}" if other else "—")

        out.append(
            f"| {s['apps']} ({s['hosts']}) | {n(s['lab_up_fresh_s'])} s | {pair('site_cold')} | {pair('site_second')}"
            f" | {pair('check')} | {n(s['comply']['s'], 0)} s, {n(s['comply']['results'], 0)} results"
            f" | {n(s['lab_memory_provisioned']['pss_mb'], 0)} MB |"
        )
    out.append("")
    out.append(f"(bench/results/scale.json, {when(doc)} at {doc.get('commit', '?')}.) Each added app server costs:")
    out.append("")
    for step in doc.get("per_added_app_server", []):
        a, b = step["between_apps"]
        out.append(
            f"- {a} → {b}: {n(step['site_cold_tuned_s'], 0)} s of cold `site.yml`, {n(step['site_second_tuned_s'], 0)}"
            f" s of a second run ({n(step['site_second_default_s'], 0)} s with Ansible's defaults), "
            f"{n(step['comply_s'])} s of `lpse comply`, {n(step['lab_memory_provisioned_mb'], 0)} MB of lab memory."
        )
    runs = doc.get("second_run_settings", {}).get("runs", {})
    if runs:
        out += ["", "Each setting of `ansible.cfg` alone, on a second `site.yml` of the main lab:", ""]
        out += ["| setting | second run |", "| --- | --- |"]
        out += [f"| {name} | {n(r['s'], 0)} s |" for name, r in runs.items()]
    return "\n".join(out) + "\n"


BLOCKS = {"suite": suite, "measured": measured, "scale": scale}


def render(text: str) -> str:
    def fill(m: re.Match) -> str:
        make = BLOCKS.get(m.group("name"))
        return m.group(0) if make is None else m.group(1) + make() + m.group(4)

    return BLOCK.sub(fill, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when README.md is stale")
    args = parser.parse_args()
    text = README.read_text()
    new = render(text)
    if args.check:
        if new != text:
            print("README.md's figures differ from bench/results/: run python bench/figures.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
