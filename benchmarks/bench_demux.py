"""How fast Demux.feed turns away the frames that are not IKE.

A gateway capture is mostly ESP and unrelated traffic with a little IKE, so
the cost per rejected frame sets the speed of a whole analysis. This builds
frames in memory (no file reading in the measurement) with a given share of
IKE and prints frames per second for the mix and for each kind alone.

    python benchmarks/bench_demux.py [--frames 1000000] [--ike-share 0.02]
"""

from __future__ import annotations

import argparse
import random
import struct
import time

from generate import MACS, non_ike_templates
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from ikescope.model import Frame
from ikescope.net import Demux

A, B = "192.0.2.1", "198.51.100.2"


def ike_message(length: int = 300) -> bytes:
    head = b"\x11" * 8 + bytes(8) + struct.pack(">BBBBII", 33, 0x20, 35, 0x08, 1, length)
    return head + bytes(length - len(head))


def ike_templates() -> list[bytes]:
    return [
        bytes(Ether(src=MACS["src"], dst=MACS["dst"]) / IP(src=A, dst=B) / UDP(sport=500, dport=500) / ike_message()),
        bytes(Ether(src=MACS["src"], dst=MACS["dst"]) / IP(src=A, dst=B) / UDP(sport=4500, dport=4500) / (bytes(4) + ike_message())),
    ]


def build(count: int, ike_share: float, seed: int = 1) -> list[Frame]:
    rng = random.Random(seed)
    others = non_ike_templates()
    names = list(others)
    weights = [others[n].weight for n in names]
    ikes = ike_templates()
    frames = []
    for i in range(count):
        if rng.random() < ike_share:
            data = ikes[i % len(ikes)]
        else:
            data = others[rng.choices(names, weights)[0]].data
        frames.append(Frame(i + 1, 1_700_000_000 + i / 1000, 1, data, len(data)))
    return frames


def measure(frames: list[Frame]) -> float:
    """Seconds to feed every frame to a fresh Demux (best of three runs)."""
    best = float("inf")
    for _ in range(3):
        demux = Demux()
        feed = demux.feed
        start = time.perf_counter()
        for f in frames:
            feed(f)
        demux.flush()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1_000_000)
    parser.add_argument("--ike-share", type=float, default=0.02)
    args = parser.parse_args()

    frames = build(args.frames, args.ike_share)
    seconds = measure(frames)
    print(f"mix of {args.frames} frames, {args.ike_share:.0%} IKE: {seconds:.2f} s, "
          f"{args.frames / seconds:,.0f} frames/s, {seconds / args.frames * 1e6:.2f} us/frame")

    per_kind = 100_000
    for name, template in non_ike_templates().items():
        data = template.data
        only = [Frame(i + 1, float(i), 1, data, len(data)) for i in range(per_kind)]
        s = measure(only)
        print(f"  {name:16} {s / per_kind * 1e6:5.2f} us/frame")
    for n, data in enumerate(ike_templates()):
        only = [Frame(i + 1, float(i), 1, data, len(data)) for i in range(per_kind)]
        s = measure(only)
        print(f"  {'ike-' + ('500' if n == 0 else '4500'):16} {s / per_kind * 1e6:5.2f} us/frame")


if __name__ == "__main__":
    main()
