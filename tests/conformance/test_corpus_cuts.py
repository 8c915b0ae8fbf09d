"""Real messages cut short and padded: the decoder degrades exactly as its contract says.

Every distinct message layout of the corpus (version, exchange, payload chain)
is decoded whole, at every prefix length, and with trailing bytes. A prefix
must name the cut (``ike.truncated`` at the cut, or ``ike.too_short`` before
the header is complete) and keep, unchanged, every payload that fits whole
before the cut; padding must be named (``ike.extra_bytes``) and change
nothing else. Hand-built samples get the same treatment in tests/wire; these
are the layouts real peers send.
"""

from __future__ import annotations

from functools import cache

import pytest

from helpers import need_corpus
from ikescope.capture.pcapfile import open_capture
from ikescope.model import Datagram
from ikescope.net.demux import datagrams
from ikescope.wire.decode import HEADER_LEN, decode_message

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap")


@cache
def layouts() -> tuple[bytes, ...]:
    """One well-formed message (header length = datagram length, no problem) per distinct layout."""
    seen: dict[tuple, bytes] = {}
    root = need_corpus()
    for path in sorted(p for p in root.rglob("*") if p.suffix in CAPTURE_SUFFIXES):
        for item in datagrams(open_capture(path)):
            if not isinstance(item, Datagram):
                continue
            d = decode_message(item.payload)
            if d.problems or d.message is None:
                continue
            h = d.message.header
            seen.setdefault((h.major, h.exchange, h.flags & 0x20, tuple(p.type for p in d.message.payloads)),
                            item.payload)
    return tuple(seen.values())


def test_the_corpus_has_layouts_to_cut() -> None:
    assert len(layouts()) >= 50


@pytest.mark.parametrize("index", range(8))
def test_every_prefix_names_the_cut_and_keeps_whole_payloads(index: int) -> None:
    """The layouts are split in eight groups so a failure points at a smaller set."""
    for raw in layouts()[index::8]:
        whole = decode_message(raw).message
        for cut in range(len(raw)):
            d = decode_message(raw[:cut])
            if cut < HEADER_LEN:
                assert d.message is None and [p.code for p in d.problems] == ["ike.too_short"]
                continue
            assert ("ike.truncated", cut) in [(p.code, p.offset) for p in d.problems], (raw.hex(), cut)
            assert "ike.decoder_error" not in [p.code for p in d.problems]
            assert d.message.header == whole.header
            fitting = [p for p in whole.payloads if p.offset + p.length <= cut]
            assert list(d.message.payloads[:len(fitting)]) == fitting, (raw.hex(), cut)


@pytest.mark.parametrize("junk", [b"\x00", b"\xff" * 7, bytes(range(40))])
def test_trailing_bytes_are_named_and_change_nothing(junk: bytes) -> None:
    for raw in layouts():
        d = decode_message(raw + junk)
        assert [(p.code, p.offset, p.length) for p in d.problems] == [("ike.extra_bytes", len(raw), len(junk))]
        assert d.message == decode_message(raw).message
