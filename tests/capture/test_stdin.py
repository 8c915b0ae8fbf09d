"""``-`` reads a capture from standard input: a real tcpdump writing to a pipe gives the
report of the file it read."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import REPO

CAPTURES = ["ikev2-ike-proposal-mismatch.pcap", "ikev1-nat-success.pcap", "ikev2-ipfrag-dropped.pcap"]


def ikescope(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "ikescope", *args], input=stdin, capture_output=True, cwd=REPO)


def tcpdump() -> str:
    path = shutil.which("tcpdump") or ("/usr/bin/tcpdump" if os.path.exists("/usr/bin/tcpdump") else None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tcpdump is missing in CI (.ci/run installs it)")
        pytest.skip("tcpdump is not installed")
    return path


@pytest.mark.parametrize("name", CAPTURES)
def test_tcpdump_writing_to_a_pipe_gives_the_report_of_the_file(name: str) -> None:
    path = str(REPO / "pcaps" / name)
    dump = subprocess.run([tcpdump(), "-r", path, "-U", "-w", "-"], capture_output=True, check=True)
    piped = ikescope("analyze", "--format", "json", "--fail-on", "never", "-", stdin=dump.stdout)
    direct = ikescope("analyze", "--format", "json", "--fail-on", "never", path)
    assert piped.returncode == direct.returncode == 0, piped.stderr
    a, b = json.loads(piped.stdout), json.loads(direct.stdout)
    assert a["inputs"][0]["path"] == "-"
    for doc in (a, b):
        doc["inputs"][0]["path"] = ""
    assert a == b


def test_sas_and_decode_read_standard_input_too_even_compressed() -> None:
    data = (REPO / "pcaps" / CAPTURES[0]).read_bytes()
    for command in ("sas", "decode"):
        piped = ikescope(command, "--format", "json", "-", stdin=gzip.compress(data))
        direct = ikescope(command, "--format", "json", str(REPO / "pcaps" / CAPTURES[0]))
        a, b = json.loads(piped.stdout), json.loads(direct.stdout)
        a["files"][0]["path"] = b["files"][0]["path"] = ""
        assert a == b, command


def test_an_empty_pipe_is_one_line_and_status_2() -> None:
    p = ikescope("analyze", "-", stdin=b"")
    assert p.returncode == 2 and p.stdout == b"" and p.stderr.decode().strip() == "ikescope: -: empty file, not a capture"
