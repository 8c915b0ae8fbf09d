"""Builders for IKE messages in tests: each returns the wire bytes, lengths filled in.

Writing vectors through these keeps every test readable as the structure it
means (a header, an SA with a proposal, a notify) rather than a hex blob.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest

from ikescope.diagnose.context import RuleContext
from ikescope.model import Datagram
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "public"


PEER_A, PEER_B = "192.0.2.1", "198.51.100.2"


def datagram(raw: bytes, frame: int, ts: float = 0.0, from_a: bool = True, *, a: str = PEER_A, b: str = PEER_B,
             port: int = 500, frames: tuple[int, ...] = ()) -> Datagram:
    """One UDP IKE datagram between two test peers; port 4500 carries the non-ESP marker."""
    src, dst = (a, b) if from_a else (b, a)
    return Datagram(frames=frames or (frame,), ts=ts, src=src, dst=dst, sport=port, dport=port, transport="udp",
                    encap="non-esp" if port == 4500 else "plain", payload=raw)


def run_rules(seq: list[Datagram], rules: tuple, ctx: RuleContext | None = None) -> list:
    """Track ``seq``, then run ``rules`` on every SA as the engine does (earlier SAs remembered)."""
    tracker, context, out = Tracker(), ctx or RuleContext(), []
    for d in seq:
        tracker.feed(d, decode_message(d.payload))
    for sa in tracker.close_all():
        for rule in rules:
            out.extend(rule(sa, context))
        context.remember(sa)
    return out


def need_shared(path: Path) -> Path:
    """``path`` in the shared material beside the repo, or a skip (a failure in CI, where it must be present)."""
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(f"{path} is not present (clone the shared material beside the repo)")
    return path


def need_corpus() -> Path:
    """The public corpus, or a skip (a failure in CI, where it must be present)."""
    return need_shared(CORPUS)


def header(ispi: bytes = b"\x11" * 8, rspi: bytes = b"\0" * 8, np: int = 0, version: int = 0x20,
           exchange: int = 34, flags: int = 0x08, msgid: int = 0, length: int | None = None,
           body: bytes = b"") -> bytes:
    total = 28 + len(body) if length is None else length
    return ispi + rspi + struct.pack("!BBBBII", np, version, exchange, flags, msgid, total) + body


def payload(np: int, body: bytes, critical: bool = False, length: int | None = None) -> bytes:
    plen = 4 + len(body) if length is None else length
    return struct.pack("!BBH", np, 0x80 if critical else 0, plen) + body


def chain(*items: tuple[int, bytes]) -> tuple[int, bytes]:
    """Link (type, body) pairs into a payload chain; returns (first type, bytes)."""
    out = b""
    for i, (_, body) in enumerate(items):
        nxt = items[i + 1][0] if i + 1 < len(items) else 0
        out += payload(nxt, body)
    return (items[0][0] if items else 0), out


def attr_tv(atype: int, value: int) -> bytes:
    return struct.pack("!HH", 0x8000 | atype, value)


def attr_tlv(atype: int, value: bytes) -> bytes:
    return struct.pack("!HH", atype, len(value)) + value


def v2_transform(ttype: int, tid: int, attrs: bytes = b"", last: bool = False) -> bytes:
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def v1_transform(number: int, tid: int, attrs: bytes = b"", last: bool = False) -> bytes:
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), number, tid, 0) + attrs


def proposal(number: int, protocol: int, transforms: list[bytes], spi: bytes = b"", last: bool = True,
             count: int | None = None) -> bytes:
    body = b"".join(transforms)
    n = len(transforms) if count is None else count
    return struct.pack("!BBHBBBB", 0 if last else 2, 0, 8 + len(spi) + len(body), number, protocol, len(spi),
                       n) + spi + body


def message(items: list[tuple[int, bytes]], **kw: object) -> bytes:
    first, body = chain(*items)
    return header(np=first, body=body, **kw)  # type: ignore[arg-type]


def lab_ready() -> None:
    """Skip without root or strongSwan, but never in CI, where the lab must run."""
    reason = None
    if os.geteuid() != 0:
        reason = "the lab needs root (network namespaces)"
    elif not Path("/usr/lib/ipsec/charon").exists() or shutil.which("swanctl") is None:
        reason = "strongSwan (charon, swanctl) is not installed"
    elif shutil.which("tcpdump") is None or shutil.which("tshark") is None:
        reason = "tcpdump and tshark are needed"
    elif shutil.which("gcc") is None:
        reason = "gcc is needed to build the lab's XFRM shim"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
