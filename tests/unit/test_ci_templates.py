"""The CI templates for site repositories (ci/) stay valid: YAML that parses, and only options
`lpse comply` really has."""

from __future__ import annotations

import re

import pytest
import yaml
from click.testing import CliRunner

from lpse.cli import main
from tests.conftest import ROOT

TEMPLATES = [ROOT / "ci/gitlab-ci.yml", ROOT / "ci/github/compliance.yml"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_uses_only_real_comply_options(path):
    text = path.read_text()
    yaml.safe_load(text)
    calls = re.findall(r"lpse comply((?:\s+(?:--[a-z-]+|\"[^\"]*\"|\S+))+)", text.replace("\n", " "))
    options = {u for call in calls for u in call.split() if u.startswith("--")}
    help_text = CliRunner().invoke(main, ["comply", "--help"]).output
    assert options and all(o in help_text for o in options), options - {o for o in options if o in help_text}
    assert "junit" in text and "results/compliance" in text
