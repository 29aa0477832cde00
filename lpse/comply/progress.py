"""pytest plugin: one machine-readable line per decided check, for `lpse comply`'s progress bar."""

import json

import pytest


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    meta = dict(report.user_properties).get("lpse")
    if not meta or not (report.when == "call" or (report.when == "setup" and not report.passed)):
        return
    data = json.loads(meta)
    outcome = "error" if report.when == "setup" or (data.get("crashed") and report.failed) else report.outcome
    print(
        "LPSE-RESULT " + json.dumps({"control": data["control"], "host": data["host"], "outcome": outcome}), flush=True
    )
