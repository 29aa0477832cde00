"""`lpse comply`: run the catalogue's checks against an inventory, audit only.

pytest (with ``lpse.comply.plugin``, and pytest-xdist across hosts) decides each control on each
host; this module validates the request, shows progress, applies waivers, stores the run and
writes JSON, JUnit XML and HTML.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lpse.comply import catalogue as cat
from lpse.comply import connect
from lpse.comply import results as res
from lpse.comply import waivers as wv
from lpse.errors import InputError, LpseError

HERE = Path(__file__).resolve().parent
FORMATS = ("json", "junit", "html")


def project_root() -> Path:
    for base in [Path.cwd(), *Path.cwd().parents, HERE.parent.parent]:
        if (base / "compliance" / "catalogue").is_dir():
            return base
    raise InputError("cannot find the compliance catalogue (compliance/catalogue/)")


@dataclass
class ComplyRequest:
    inventory: Path
    limit: str | None = None
    controls: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    formats: tuple[str, ...] = FORMATS
    results_dir: Path | None = None
    waivers: Path | None = None
    fail_on: str = "low"
    workers: int | None = None
    today: dt.date | None = None


@dataclass
class ComplyOutcome:
    run_dir: Path
    doc: dict[str, Any]
    exit_code: int


def plan(request: ComplyRequest, root: Path):
    """Validate everything and work out which control runs on which host, before touching a host."""
    catalogue = cat.load(root / "compliance/catalogue", root / "compliance/checks")
    selected = catalogue.select(list(request.controls), list(request.areas))
    # A site's waivers sit beside its inventory; compliance/waivers.yml is the fallback.
    beside = request.inventory.parent / "waivers.yml"
    waiver_path = request.waivers or (beside if beside.exists() else root / "compliance/waivers.yml")
    if request.waivers and not request.waivers.exists():
        raise InputError(f"waiver file not found: {request.waivers}")
    waivers = wv.load(waiver_path, set(catalogue.controls))
    if request.fail_on not in cat.SEVERITIES:
        raise InputError(f"--fail-on {request.fail_on!r}: one of {', '.join(cat.SEVERITIES)}")
    bad = [f for f in request.formats if f not in FORMATS]
    if bad:
        raise InputError(f"--format {bad[0]!r}: one of {', '.join(FORMATS)}")
    if not request.inventory.exists():
        raise InputError(f"inventory not found: {request.inventory}")
    inventory, _ = connect.load_inventory(str(request.inventory))
    everyone = [h.name for h in inventory.get_hosts("all")]
    # The control node (localhost) keeps the server-room access log when the inventory has one;
    # the controls that apply to localhost then run there.
    if "access_log_approvers" in connect.hostvars(str(request.inventory), "localhost"):
        everyone.append("localhost")
    if not everyone:
        raise InputError(f"inventory {request.inventory} names no hosts")
    limited = {h.name for h in inventory.get_hosts(request.limit)} if request.limit else set(everyone)
    if request.limit and not limited:
        raise InputError(f"--limit {request.limit!r} matches no host of {request.inventory}")
    targets = {}
    for c in selected:
        targets[c.id] = sorted(set(connect.hosts_matching(inventory, c.applies_to)) & limited)
    if not any(targets.values()):
        raise InputError("no selected control applies to any selected host")
    return catalogue, selected, targets, waivers, waiver_path


def run(request: ComplyRequest, console: Console | None = None) -> ComplyOutcome:
    console = console or Console(stderr=True)
    root = project_root()
    catalogue, selected, targets, waivers, waiver_path = plan(request, root)
    store = res.Store(request.results_dir or Path(os.environ.get("LPSE_RESULTS", root / "results")))
    started = dt.datetime.now(dt.UTC)
    run_dir = store.new_run_dir(started)
    raw_path = run_dir / "raw.json"
    hosts = sorted({h for hs in targets.values() for h in hs})
    total = sum(len(h) for h in targets.values())
    # The checks are CPU-bound on the control node (ssh crypto, Python), not waiting on hosts: one
    # worker per core (bench/results/comply.json measured 1, 2, 4 and 8 workers).
    workers = request.workers if request.workers is not None else min(len(hosts), os.cpu_count() or 1)

    args = [
        sys.executable,
        "-m",
        "pytest",
        str(root / "compliance/checks"),
        "-p",
        "lpse.comply.plugin",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:pytest11.testinfra",
        "-q",
        "--no-header",
        "-rN",
        "--color=no",
        "-o",
        "addopts=",
        f"--rootdir={root / 'compliance/checks'}",
        "-c",
        os.devnull,
        f"--lpse-inventory={request.inventory}",
        f"--lpse-catalogue={root / 'compliance/catalogue'}",
        f"--lpse-controls={','.join(c.id for c in selected)}",
        f"--lpse-raw-out={raw_path}",
        "-p",
        "lpse.comply.progress",
    ]
    if request.limit:
        args.append(f"--lpse-limit={request.limit}")
    if workers > 1:
        # By load: one host's checks may run side by side. (pytest-xdist 3.8's loadgroup is inert
        # under pytest 9, which ignores the node ids it rewrites; it grouped nothing.)
        args += ["-n", str(workers), "--dist", "load"]
    else:
        args += ["-p", "no:xdist"]
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t0 = time.monotonic()
    output: list[str] = []
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"compliance: {len(selected)} controls, {len(hosts)} hosts", total=total, last="")
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=root)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("LPSE-RESULT "):
                r = json.loads(line[len("LPSE-RESULT ") :])
                progress.update(task, advance=1, last=f"{r['control']} {r['host']}: {r['outcome']}")
            else:
                output.append(line)
        proc.wait()
    seconds = round(time.monotonic() - t0, 2)
    if not raw_path.exists():
        (run_dir / "pytest.log").write_text("".join(output))
        raise LpseError(
            f"the checks did not run (pytest exit {proc.returncode}); see {run_dir / 'pytest.log'}:\n"
            + "".join(output[-15:])
        )
    raw = json.loads(raw_path.read_text())
    raw_path.unlink()
    (run_dir / "pytest.log").write_text("".join(output))
    # pytest: 0 all passed, 1 some failed; anything else (an internal error, a usage error, no
    # test collected) means the audit did not run as planned: an error, never a score.
    if proc.returncode not in (0, 1) or len(raw) != total:
        raise LpseError(
            f"the audit did not run as planned: {len(raw)} of {total} checks reported (pytest exit "
            f"{proc.returncode}); see {run_dir / 'pytest.log'}:\n" + "".join(output[-15:])
        )
    today = request.today or dt.datetime.now().date()
    results = res.apply_waivers(raw, waivers, today)
    previous = store.previous(run_dir)
    doc = {
        "run": {
            "id": run_dir.name,
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seconds": seconds,
            "inventory": str(request.inventory),
            "limit": request.limit,
            # The month's official audit is a run of the whole catalogue on the whole inventory;
            # a run narrowed by --limit, --control or --area never stands for the month.
            "official": not (request.limit or request.controls or request.areas),
            "requested": {"controls": list(request.controls), "areas": list(request.areas)},
            "hosts": hosts,
            "controls": [c.id for c in selected],
            "workers": workers,
            "waivers": str(waiver_path),
            "expired_waivers": [w.as_dict() | {"control": w.control} for w in waivers if not w.active(today)],
        },
        "controls": {c.id: res.control_info(c) for c in selected},
        "areas": {a.id: {"title": a.title, "article": a.article} for a in catalogue.areas.values()},
        "results": results,
    }
    doc["summary"] = res.summarise(results, catalogue)
    doc["diff"] = {
        "previous": previous["run"]["id"] if previous else None,
        **res.diff(results, previous["results"] if previous else None),
    }
    (run_dir / "results.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False))
    if "junit" in request.formats:
        res.write_junit(doc, run_dir / "junit.xml")
    if "html" in request.formats:
        from lpse.comply.html import render

        (run_dir / "report.html").write_text(render(doc), encoding="utf-8")
    threshold = cat.SEVERITIES.index(request.fail_on)
    failing = [
        r
        for r in results
        if r["status"] in ("fail", "error")
        and cat.SEVERITIES.index(doc["controls"][r["control"]]["severity"]) >= threshold
    ]
    return ComplyOutcome(run_dir, doc, 1 if failing else 0)
