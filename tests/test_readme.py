"""The README's sample report is what ikescope prints today."""

from __future__ import annotations

import re
import shlex

from click.testing import CliRunner

from helpers import REPO
from ikescope.cli import cli


def test_readme_report_is_current(monkeypatch) -> None:
    text = (REPO / "README.md").read_text()
    block = re.search(r"```text\n\$ ikescope (.+?)\n(.*?)```", text, re.S)
    assert block, "the README shows no sample report"
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, shlex.split(block.group(1)))
    assert result.output == block.group(2), "README sample report is stale: paste the current output"
