"""Wrong things given as a capture or a key file: each is one line on stderr and status 2, at once.

Every run goes through a subprocess with a timeout, so a regression that hangs (a named pipe
nobody writes to) or never ends (/dev/zero) fails the test instead of stalling the suite.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO
from ikescope.crypto import keys

CAP = REPO / "pcaps" / "ikev2-psk-mismatch.pcap"
TABLE = REPO / "pcaps" / "ikev2-psk-mismatch.ikev2_decryption_table"


def ikescope(*args: str | Path, stdin: bytes | None = b"") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ikescope", *map(str, args)], capture_output=True, text=True,
                          input=None if stdin is None else stdin.decode(), timeout=60)


def refused(p: subprocess.CompletedProcess[str], *words: str) -> str:
    """The one line of a refusal, checked: status 2, nothing on stdout, the words in the line."""
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stdout == "" and p.stderr.count("\n") == 1 and p.stderr.startswith("ikescope: "), p.stderr
    for w in words:
        assert w in p.stderr, p.stderr
    return p.stderr


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", ["analyze", "sas", "decode"])
def test_a_capture_that_is_not_a_file(command: str, tmp_path: Path, fifo: Path) -> None:
    refused(ikescope(command, tmp_path), f"{tmp_path}: a directory, not a capture file")
    refused(ikescope(command, fifo), "a named pipe, not a capture file", "give -")
    refused(ikescope(command, "/dev/zero"), "/dev/zero: a character device, not a capture file")


@pytest.mark.parametrize("command", ["analyze", "sas", "decode"])
def test_a_key_file_that_is_not_a_file(command: str, tmp_path: Path, fifo: Path) -> None:
    refused(ikescope(command, "--keys", "/dev/zero", CAP), "key file /dev/zero: a character device")
    refused(ikescope(command, "--keys", fifo, CAP), "a named pipe, not a key table")
    refused(ikescope(command, "--keys", tmp_path, CAP), "a directory, not a key table")


def test_a_key_file_that_is_not_a_key_table(tmp_path: Path) -> None:
    refused(ikescope("analyze", "--keys", CAP, CAP), "binary data, not a key table")
    log = tmp_path / "charon.log"
    log.write_text("Dec  4 08:14:08 00[DMN] Starting IKE charon daemon\nDec  4 08:14:09 00[CFG] loaded 1 conn\n")
    refused(ikescope("analyze", "--keys", log, CAP), "not a key table, no line of it is one (line 1:")
    many = tmp_path / "many"
    many.write_text("#\n" * (keys.MAX_LINES + 1))
    refused(ikescope("analyze", "--keys", many, CAP), f"more than {keys.MAX_LINES} lines")
    huge = tmp_path / "huge"
    with huge.open("wb") as f:  # sparse: the size alone refuses it, unread
        f.truncate(keys.MAX_FILE_BYTES + 1)
    refused(ikescope("analyze", "--keys", huge, CAP), "larger than 64 MiB")


def test_a_key_file_of_one_enormous_line_is_refused_without_parsing_it(tmp_path: Path) -> None:
    line = tmp_path / "line"
    with line.open("w") as f:
        for _ in range(50):
            f.write("a" * 1_000_000)
    refused(ikescope("analyze", "--keys", line, CAP), "line 1: over 4096 characters long")


def test_a_table_with_one_bad_line_among_good_ones_still_decrypts(tmp_path: Path) -> None:
    table = tmp_path / "t.ikev2_decryption_table"
    table.write_text("x" * 5000 + "\n" + TABLE.read_text())
    p = ikescope("sas", "--keys", table, CAP)
    assert p.returncode == 0 and "line 1: over 4096 characters long" in p.stderr
    assert "AUTHENTICATION_FAILED" in p.stdout


def test_a_terminal_is_no_capture() -> None:
    leader, follower = pty.openpty()
    try:
        p = subprocess.run([sys.executable, "-m", "ikescope", "sas", "-"], stdin=follower, capture_output=True,
                           text=True, timeout=60)
    finally:
        os.close(leader)
        os.close(follower)
    refused(p, "standard input is a terminal")
