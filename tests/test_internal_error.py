"""A crash is reported as ikescope's own defect: one line on stderr, status 70, never a finding (1) nor
bad input (2), and never the exception's message (it may quote the capture)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import REPO
from ikescope.cli import EXIT_INTERNAL, cli
from ikescope.diagnose.engine import Diagnoser

CAP = str(REPO / "pcaps" / "ikev2-psk-mismatch.pcap")
SECRET = "crash message quoting 192.0.2.1"


def crash(*_args: object, **_kw: object) -> None:
    raise ZeroDivisionError(SECRET)


def one_internal_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("ikescope: internal error: ") and "defect in ikescope" in line, line
    assert "report it" in line and "Traceback" not in stderr and SECRET not in stderr
    return line


@pytest.mark.parametrize("args", [["analyze"], ["analyze", "--format", "markdown"]], ids=["text", "markdown"])
def test_a_renderer_that_crashes_is_an_internal_error(monkeypatch, args: list[str]) -> None:
    from ikescope.report import markdown, text

    monkeypatch.setattr(text, "render", crash)
    monkeypatch.setattr(markdown, "render", crash)
    r = CliRunner().invoke(cli, [*args, CAP])
    assert r.exit_code == EXIT_INTERNAL not in (0, 1, 2)
    line = one_internal_error_line(r.stderr)
    assert "ZeroDivisionError at ikescope/report/stream.py:" in line


def test_a_crash_in_a_jobs_worker_is_reported_not_waited_for(monkeypatch) -> None:
    monkeypatch.setattr(Diagnoser, "sa_closed", crash)
    r = CliRunner().invoke(cli, ["analyze", "--jobs", "2", CAP])
    assert r.exit_code == EXIT_INTERNAL
    line = one_internal_error_line(r.stderr)
    assert "ZeroDivisionError at ikescope/" in line and "--jobs worker" in line


def test_a_jobs_worker_that_dies_is_reported_not_waited_for(monkeypatch) -> None:
    monkeypatch.setattr(Diagnoser, "sa_closed", lambda *_a: os._exit(9))
    r = CliRunner().invoke(cli, ["sas", CAP])  # the sas command has no workers: unaffected
    assert r.exit_code == 0
    r = CliRunner().invoke(cli, ["analyze", "--jobs", "2", CAP])
    assert r.exit_code == EXIT_INTERNAL
    assert "worker process ended with status 9" in one_internal_error_line(r.stderr)


def test_expected_failures_keep_their_status(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["decode", str(tmp_path / "absent.pcap")])
    assert r.exit_code == 2 and r.stderr.startswith("ikescope: cannot open") and "internal" not in r.stderr
    r = CliRunner().invoke(cli, ["analyze", CAP])
    assert r.exit_code == 1 and r.stderr == ""


def installed_ikescope() -> str:
    exe = shutil.which("ikescope", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    assert exe, "the ikescope console script is not installed"
    return exe


def test_the_installed_command_reports_a_crash_in_one_line(tmp_path: Path) -> None:
    # sitecustomize runs at interpreter start-up: it breaks the renderer inside the real console script.
    (tmp_path / "sitecustomize.py").write_text(
        "import ikescope.report.text as text\n"
        "def crash(*args, **kw):\n"
        f"    raise ZeroDivisionError({SECRET!r})\n"
        "text.render = crash\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("IKESCOPE_TRACEBACK", None)
    p = subprocess.run([installed_ikescope(), "analyze", CAP], capture_output=True, text=True, env=env)
    assert p.returncode == EXIT_INTERNAL
    assert "ZeroDivisionError at ikescope/report/stream.py:" in one_internal_error_line(p.stderr)
    p = subprocess.run([installed_ikescope(), "analyze", CAP], capture_output=True, text=True,
                       env={**env, "IKESCOPE_TRACEBACK": "1"})
    assert p.returncode == EXIT_INTERNAL
    assert p.stderr.startswith("Traceback") and SECRET in p.stderr  # asked for: the whole traceback
    assert p.stderr.strip().splitlines()[-1].startswith("ikescope: internal error: ZeroDivisionError")
