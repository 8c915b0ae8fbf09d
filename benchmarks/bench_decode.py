"""How many IKE messages per second ``decode_message`` turns into records.

The messages are the real ones of the public corpus (../shared/corpus/public),
read once through capture -> net, so the measurement covers only the wire
decoder on the mix the conformance tests see: IKEv1 main/aggressive/quick
mode, IKEv2 SA_INIT with long proposal lists, SK-protected exchanges, and the
fuzzed captures. Prints messages/s and MB/s overall and per IKE version.

    python benchmarks/bench_decode.py [--seconds 2] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ikescope.capture.pcapfile import open_capture
from ikescope.model import Datagram
from ikescope.net.demux import datagrams
from ikescope.wire.decode import decode_message

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "public"
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap")


def corpus_messages(root: Path) -> list[bytes]:
    """Every IKE message the net layer finds in the corpus captures, as bytes."""
    out: list[bytes] = []
    for path in sorted(p for p in root.rglob("*") if p.suffix in CAPTURE_SUFFIXES):
        out.extend(item.payload for item in datagrams(open_capture(path)) if isinstance(item, Datagram))
    return out


def rate(messages: list[bytes], seconds: float) -> tuple[float, float]:
    """(messages/s, bytes/s) decoding the list over and over for about ``seconds`` (best of three)."""
    total = sum(len(m) for m in messages)
    best = 0.0
    for _ in range(3):
        rounds = 0
        start = time.perf_counter()
        while True:
            for m in messages:
                decode_message(m)
            rounds += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / 3:
                break
        best = max(best, rounds / elapsed)
    return best * len(messages), best * total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent per measurement")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    messages = corpus_messages(args.corpus)
    if not messages:
        raise SystemExit(f"no IKE messages found under {args.corpus}")
    groups = {
        "all": messages,
        "IKEv1": [m for m in messages if len(m) > 17 and m[17] >> 4 == 1],
        "IKEv2": [m for m in messages if len(m) > 17 and m[17] >> 4 == 2],
    }
    for name, group in groups.items():
        per_s, bytes_s = rate(group, args.seconds)
        avg = sum(len(m) for m in group) / len(group)
        print(f"{name:6} {len(group):5} messages (avg {avg:6.0f} B): {per_s:10,.0f} messages/s  "
              f"{bytes_s / 1e6:7.1f} MB/s")


if __name__ == "__main__":
    main()
