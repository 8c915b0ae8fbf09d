"""Sustained load on ``ikescope live``: can it keep up with a busy link, for how long, at what cost?

Runs ``ikescope live -i lo`` and, beside it, a sender that replays the IKE messages
of lab captures over the loopback at a fixed rate (each negotiation under fresh
SPIs, from 127.0.0.1 and 127.0.0.2 on UDP 500) together with ESP-in-UDP data
traffic on UDP 4500, which the kernel filter must drop before Python sees it.
Samples the ikescope process's CPU time and resident memory as it goes and
prints one JSON object: messages sent and analysed, kernel drops, the sustained
rate, CPU share, and RSS over time.

    sudo python benchmarks/live_load.py --seconds 60 --rate 5000 --esp-rate 20000
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
A, B = "127.0.0.1", "127.0.0.2"
# Negotiations replayed: refusals settle at once, successes stay open as tunnels do.
CAPTURES = ("ikev2-ike-proposal-mismatch.pcap", "ikev2-psk-success.pcap", "ikev2-dh-group-mismatch.pcap",
            "ikev1-main-psk-success.pcap", "ikev2-auth-failed-psk.pcap", "ikev1-psk-mismatch.pcap")


def negotiations() -> list[list[tuple[bool, bytes]]]:
    """Per capture, its IKE messages on UDP 500 as (sent by the initiator side, payload)."""
    sys.path.insert(0, str(REPO / "src"))
    from ikescope.capture.pcapfile import open_capture

    out = []
    for name in CAPTURES:
        path = REPO / "pcaps" / name
        if not path.exists():
            continue
        first, msgs = None, []
        for f in open_capture(path):
            d = f.data
            if len(d) > 42 and d[12:14] == b"\x08\x00" and d[23] == 17 and d[36:38] == b"\x01\xf4":
                first = first or d[26:30]
                msgs.append((d[26:30] == first, d[42:]))
        if msgs:
            out.append(msgs)
    return out


def send(seconds: float, rate: int, esp_rate: int, counts: dict[str, int]) -> None:
    """Paced in 10 ms slices: ``rate`` IKE messages and ``esp_rate`` ESP-in-UDP packets a second."""
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    esp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    a.bind((A, 500))
    b.bind((B, 500))
    esp.bind((A, 4500))
    # The ESP's receiver, never read: without it each packet would draw an ICMP port unreachable.
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind((B, 4500))
    for s in (a, b, esp):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    negs = negotiations()
    esp_packet = bytes.fromhex("0a0b0c0d") + bytes(1200)  # SPI, sequence and data: not IKE
    queue: list[tuple[bool, bytes]] = []
    n = 0
    start = time.time()
    slice_ = 0.01
    ike_per, esp_per = rate * slice_, esp_rate * slice_
    ike_due = esp_due = 0.0
    while (now := time.time()) - start < seconds:
        ike_due += ike_per
        esp_due += esp_per
        while ike_due >= 1:
            if not queue:
                n += 1
                spi = n.to_bytes(8, "big")
                queue = [(fa, spi + p[8:]) for fa, p in negs[n % len(negs)]]
            from_a, payload = queue.pop(0)
            (a if from_a else b).sendto(payload, (B if from_a else A, 500))
            counts["ike"] += 1
            ike_due -= 1
        while esp_due >= 1:
            esp.sendto(esp_packet, (B, 4500))
            counts["esp"] += 1
            esp_due -= 1
        pause = start + (int((now - start) / slice_) + 1) * slice_ - time.time()
        if pause > 0:
            time.sleep(pause)
    for s in (a, b, esp, sink):
        s.close()


def sample(pid: int) -> tuple[float, int]:
    """(CPU seconds, resident KiB) of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    return cpu, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rate", type=int, default=5000, help="IKE messages per second")
    ap.add_argument("--esp-rate", type=int, default=20000, help="ESP-in-UDP packets per second")
    ap.add_argument("--every", type=float, default=5, help="seconds between two samples")
    ap.add_argument("--idle-timeout", type=float, default=600,
                    help="ikescope's idle timeout: with hundreds of new tunnels a second, it sets the memory")
    args = ap.parse_args()
    proc = subprocess.Popen([sys.executable, "-m", "ikescope", "live", "-i", "lo", "--format", "jsonl",
                             "--duration", str(args.seconds + 8), "--status-every", "0", "--fail-on", "never",
                             "--idle-timeout", str(args.idle_timeout)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    # Only what the summary needs is kept of the output: a long run prints millions of lines.
    seen = {"sa": 0, "drops": 0, "input": {}}

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith(b'{"schema_version": 1, "kind": "sa"'):
                seen["sa"] += 1
            elif b'"capture.kernel_drops"' in line:
                seen["drops"] += 1
            elif line.startswith(b'{"schema_version": 1, "kind": "input"'):
                seen["input"] = json.loads(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(2.0)
    counts = {"ike": 0, "esp": 0}
    sender = threading.Thread(target=send, args=(args.seconds, args.rate, args.esp_rate, counts))
    t0 = time.time()
    cpu0, _ = sample(proc.pid)
    sender.start()
    samples = []
    while sender.is_alive():
        sender.join(args.every)
        cpu, rss = sample(proc.pid)
        samples.append({"t": round(time.time() - t0, 1), "cpu_share": round((cpu - cpu0) / (time.time() - t0), 3),
                        "rss_mib": round(rss / 1024, 1)})
    elapsed = time.time() - t0
    proc.wait(timeout=args.seconds + 60)
    reader.join(10)
    err = proc.stderr.read().decode() if proc.stderr else ""
    inp = seen["input"]
    rss = [s["rss_mib"] for s in samples]
    third = max(1, len(rss) // 3)
    print(json.dumps({
        "seconds": round(elapsed, 1), "rate_asked": args.rate, "esp_rate_asked": args.esp_rate,
        "ike_sent": counts["ike"], "esp_sent": counts["esp"],
        "ike_analysed": inp.get("ike_messages"), "frames_captured": inp.get("frames"),
        "kernel_drop_findings": seen["drops"], "sustained_ike_per_s": round(counts["ike"] / elapsed),
        "sas": seen["sa"],
        "cpu_share": samples[-1]["cpu_share"] if samples else None,
        "rss_mib_first_third_max": max(rss[:third]) if rss else None, "rss_mib_max": max(rss) if rss else None,
        "samples": samples, "exit": proc.returncode, "stderr": err[-500:],
    }))


if __name__ == "__main__":
    main()
