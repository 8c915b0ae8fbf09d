"""The command line: exit codes, formats, and the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from helpers import need_corpus
from ikescope.cli import cli


def test_decode_text_and_json() -> None:
    cap = need_corpus() / "tcpdump" / "ikev2four.pcap"
    r = CliRunner().invoke(cli, ["decode", str(cap)])
    assert r.exit_code == 0, r.output
    assert "#1 " in r.output and "IKE_SA_INIT" in r.output and "N COOKIE" in r.output
    r = CliRunner().invoke(cli, ["decode", "--format", "json", str(cap)])
    doc = json.loads(r.output)
    msgs = doc["files"][0]["messages"]
    assert doc["schema_version"] == 1 and len(msgs) == doc["files"][0]["ike_messages"] == 21
    assert msgs[1]["payloads"][0]["notify_name"] == "COOKIE"


def test_sas_json_and_ladder() -> None:
    cap = need_corpus() / "zeek-spicy-ipsec" / "ipsec_client.pcap"
    r = CliRunner().invoke(cli, ["sas", "--format", "json", str(cap)])
    (sa,) = json.loads(r.output)["files"][0]["sas"]
    assert sa["outcome"] == "failed" and sa["exchanges"][1]["retransmissions"] == 2
    r = CliRunner().invoke(cli, ["sas", "--ladder", str(cap)])
    assert "(copy of #5)" in r.output and "UNANSWERED" in r.output


def run_main(*args: str, **kw: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ikescope", *args], capture_output=True, text=True, **kw)


def test_missing_file_is_one_line_and_status_2(tmp_path: Path) -> None:
    p = run_main("decode", str(tmp_path / "nope.pcap"))
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "nope.pcap" in p.stderr


def test_not_a_capture_is_status_2(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello, this is not a capture\n")
    p = run_main("sas", str(bad))
    assert p.returncode == 2 and "Traceback" not in p.stderr and p.stderr.strip()


def test_usage_error_is_status_2() -> None:
    p = run_main("decode", "--format", "xml", "x.pcap")
    assert p.returncode == 2 and p.stdout == ""
    assert "'xml' is not one of" in p.stderr and "Traceback" not in p.stderr


def test_installed_console_script() -> None:
    exe = shutil.which("ikescope", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    assert exe, "the ikescope console script is not installed"
    cap = need_corpus() / "wireshark-wiki" / "attachment_ikev1_main_mode.pcap"
    p = subprocess.run([exe, "sas", str(cap)], capture_output=True, text=True)
    assert p.returncode == 0 and "IKEv1 main" in p.stdout and "established" in p.stdout


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch, capsys) -> None:
    from ikescope import cli as climod

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert not climod._colour()
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert climod._colour()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not climod._colour()
    monkeypatch.delenv("NO_COLOR")
    text = "ERROR ike.x  SA 1\nplain line\n"
    monkeypatch.setattr(climod, "_colour", lambda: False)
    climod._write_text(text)
    assert capsys.readouterr().out == text
    monkeypatch.setattr(climod, "_colour", lambda: True)
    monkeypatch.setenv("FORCE_COLOR", "1")  # the captured stdout is no terminal: rich must be told to style
    climod._write_text(text)
    error, plain = capsys.readouterr().out.splitlines()
    assert error.startswith("\x1b[") and "ERROR ike.x  SA 1" in error and error.endswith("\x1b[0m")
    assert plain == "plain line"
