"""The inputs in ../shared/repro once made a report crash; every format reads them now."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpers import SHARED, need_shared
from ikescope.cli import cli

REPRO = SHARED / "repro"
FILES = sorted(p.name for p in REPRO.glob("*.pcap*")) if REPRO.is_dir() else ["(../shared/repro missing)"]


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("args", [["--format", "text"], ["--format", "markdown"], ["--format", "json"],
                                  ["--format", "jsonl"], ["--format", "text", "--redact", "--ladder"]],
                         ids=["text", "markdown", "json", "jsonl", "text-redact-ladder"])
def test_every_format_reads_it(name: str, args: list[str]) -> None:
    path = need_shared(REPRO / name)
    r = CliRunner().invoke(cli, ["analyze", *args, str(path)])
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert r.exit_code in (0, 1) and "Traceback" not in r.output, r.output[-2000:]
    assert r.output.strip()


def test_the_lifetime_mismatch_reads_as_values() -> None:
    path = need_shared(REPRO / "ikev1-lifetime-answer-differs.pcap")
    r = CliRunner().invoke(cli, ["analyze", str(path)])
    assert "offered 15840s; chosen 3600s" in r.output
