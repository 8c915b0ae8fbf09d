"""``ikescope live`` on a real interface: the loopback, with real UDP datagrams between
127.0.0.1 and 127.0.0.2 carrying the IKE messages of lab captures.

Each run checks what an engineer watching a link relies on: a failure is printed
while the capture still runs, the packets written with ``-w`` give the same
diagnosis in file mode, and errors in the command line are one line and status 2.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import REPO
from ikescope import api
from ikescope.capture.pcapfile import open_capture
from ikescope.model import NetEvent, Problem

A, B = "127.0.0.1", "127.0.0.2"
IKESCOPE = [sys.executable, "-m", "ikescope"]


def need_root() -> None:
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("live capture tests need root in CI")
        pytest.skip("live capture needs root (a packet socket on the loopback)")


def ike_payloads(name: str) -> list[tuple[bool, float, bytes]]:
    """(sent by the first sender, time offset, UDP payload) of a lab capture's IKE on UDP 500."""
    out, first, start = [], None, None
    for f in open_capture(REPO / "pcaps" / name):
        d = f.data
        if len(d) > 42 and d[12:14] == b"\x08\x00" and d[23] == 17 and d[36:38] == b"\x01\xf4":
            first = first or d[26:30]
            start = f.ts if start is None else start
            out.append((d[26:30] == first, f.ts - start, d[42:]))
    return out


def replay(name: str, after: float) -> None:
    """Send a capture's IKE messages over the loopback, A as the first sender, B as the other."""
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        a.bind((A, 500))
        b.bind((B, 500))
        time.sleep(after)
        for from_a, _, payload in ike_payloads(name):
            (a if from_a else b).sendto(payload, (B if from_a else A, 500))
            time.sleep(0.005)
    finally:
        a.close()
        b.close()


class Run:
    """``ikescope live`` in the background; every stdout line stamped with the time it arrived."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([*IKESCOPE, "live", "-i", "lo", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=REPO)
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.time(), line))

    def wait(self, timeout: float = 30) -> tuple[int, float, str]:
        try:
            self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        ended = time.time()
        self._reader.join(5)
        assert self.proc.stderr is not None
        return self.proc.returncode, ended, self.proc.stderr.read()

    def records(self) -> list[tuple[float, dict]]:
        return [(t, json.loads(line)) for t, line in self.lines]


def file_report(path: Path) -> dict:
    out = subprocess.run([*IKESCOPE, "analyze", "--format", "json", "--fail-on", "never", str(path)],
                         capture_output=True, text=True, cwd=REPO)
    return json.loads(out.stdout)


@pytest.mark.parametrize("name,code,wait", [("ikev2-ike-proposal-mismatch.pcap", "ike.proposal_mismatch", 2),
                                            ("ikev2-responder-down.pcap", "ike.no_response", 3)])
def test_a_failure_is_printed_while_the_capture_runs_and_matches_the_file(
        name: str, code: str, wait: float, tmp_path: Path) -> None:
    need_root()
    pcap = tmp_path / "live.pcap"
    run = Run("--format", "jsonl", "--duration", "9", "--silence", "3", "-w", str(pcap), "--status-every", "1")
    time.sleep(1.0)
    sent = time.time()
    replay(name, 0)
    status, ended, err = run.wait()
    assert status == 1, err
    (when, sa), = [(t, r) for t, r in run.records() if r["kind"] == "sa"]
    assert sa["root_cause"]["code"] == code
    assert sent < when < sent + wait + 2.5 < ended  # printed about when it settled, long before the end
    assert "IKE SAs open" in err and "dropped by the kernel" in err
    doc = file_report(pcap)
    assert doc["inputs"][0]["ike_messages"] == len(ike_payloads(name))
    assert [s["root_cause"]["code"] for s in doc["sas"]] == [code]
    live_findings = sorted(r["code"] for _, r in run.records() if r["kind"] == "finding")
    assert live_findings == sorted(f["code"] for f in doc["findings"])


def test_ctrl_c_prints_the_summary_and_the_exit_status_says_if_an_error_was_seen(tmp_path: Path) -> None:
    need_root()
    run = Run("--status-every", "0")
    time.sleep(1.0)
    replay("ikev2-ike-proposal-mismatch.pcap", 0)
    time.sleep(3.5)
    run.proc.send_signal(signal.SIGINT)
    status, _, err = run.wait()
    text = "".join(line for _, line in run.lines)
    assert status == 1 and "Traceback" not in err
    assert "ERROR ike.proposal_mismatch" in text and "Totals: 1 IKE SAs; 1 errors" in text
    quiet = Run("--status-every", "0", "--duration", "1.5")
    status, _, err = quiet.wait()
    assert status == 0 and "Totals: 0 IKE SAs" in "".join(line for _, line in quiet.lines)


def test_written_files_rotate_like_tcpdump(tmp_path: Path) -> None:
    need_root()
    run = Run("--format", "jsonl", "--duration", "4", "-w", str(tmp_path / "cap"), "-C", "1", "-W", "3",
              "--count", "100000")
    time.sleep(1.0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((A, 500))
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # no ICMP errors: their number is rate-limited
    sink.bind((B, 500))
    request = ike_payloads("ikev2-responder-down.pcap")[0][2]
    for n in range(3_500_000 // (42 + len(request)) + 1):  # about 3.5 MB: four files, the first overwritten
        s.sendto(bytes(8 - len(str(n))) + str(n).encode() + request[8:], (B, 500))
        if n % 500 == 0:
            time.sleep(0.01)
    s.close()
    sink.close()
    run.wait()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["cap0", "cap1", "cap2"]
    assert all(p.stat().st_size <= 1_100_000 for p in tmp_path.iterdir())
    assert sum(1 for _ in open_capture(tmp_path / "cap1")) > 1000


def test_command_line_errors_are_one_line_and_status_2() -> None:
    for args, says in ((["-i", "nope0"], "no such interface: nope0"),
                       (["-i", "lo", "-f", "udp and ("], "bad filter expression")):
        p = subprocess.run([*IKESCOPE, "live", *args], capture_output=True, text=True, cwd=REPO, timeout=30)
        assert p.returncode == 2 and p.stderr.count("\n") == 1 and says in p.stderr, p.stderr
    if os.geteuid() == 0:  # as an unprivileged user: no packet socket without CAP_NET_RAW
        p = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
                            *IKESCOPE, "live", "-i", "lo"], capture_output=True, text=True, cwd="/", timeout=30,
                           env={**os.environ, "PYTHONPATH": str(REPO / "src")})
        assert p.returncode == 2 and "CAP_NET_RAW" in p.stderr and p.stderr.count("\n") == 1, p.stderr


def test_kernel_drops_become_a_finding_that_says_silence_is_unsafe() -> None:
    pipe = api.Pipeline()
    problem = Problem("capture.kernel_drops", "the kernel dropped 12 packet(s) of the capture", length=12)
    (found,) = pipe.net_event(NetEvent(kind="problem", frame=40, ts=1.0, problem=problem))
    f = found.finding
    assert f.code == "capture.kernel_drops" and f.severity.value == "warning" and f.frames == (40,)
    assert f.details["dropped"] == 12


def test_the_receive_buffer_holds_seconds_of_traffic_past_rmem_max() -> None:
    need_root()
    from ikescope.capture.live import RECEIVE_BUFFER, LiveCapture

    cap = LiveCapture("lo")
    try:
        granted = cap._sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    finally:
        cap.close()
    rmem_max = int(Path("/proc/sys/net/core/rmem_max").read_text())
    # Without the forced size the kernel stops at twice rmem_max (4 MiB here, 208 KiB by default).
    assert granted >= RECEIVE_BUFFER, (granted, rmem_max)
