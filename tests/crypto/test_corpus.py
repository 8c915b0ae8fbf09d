"""The Decryptor on every keyed capture of the public corpus, against tshark's decrypted decode.

Each capture's key table sits beside it; ``*.tshark.decrypted.json`` holds what
tshark 4.0 read with the same keys. ikescope must find the same inner payloads
(types, lengths, notifies, identities, selectors, proposals) in the same frames,
and must refuse what fails its integrity check where tshark shows it anyway.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.tshark_ref import Shape, disagreements, load_decrypted, payloads_shape
from helpers import CORPUS, need_corpus
from ikescope.api import decode_file
from ikescope.crypto.decrypt import Decryptor
from ikescope.crypto.keys import load_key_files

# (capture, frame) -> why ikescope keeps the content closed where tshark shows it.
CLOSED = {
    ("tcpdump/ikev2pI2.pcap", 2): "the published SK_ai does not verify the HMAC-SHA1-96 ICV (tshark shows "
                                  "'ICV incorrect' and decrypts anyway)",
    ("packetgen-plugin-ipsec/ikev2.pcapng", 4): "only the initiator's keys are published; SK_er is a zero "
                                                "placeholder and the GCM tag fails",
    ("packetgen-plugin-ipsec/ikev2_cbc_hmac.pcapng", 4): "only the initiator's keys are published; SK_ar is a "
                                                         "zero placeholder and the ICV fails",
}


def key_tables(capture: Path) -> list[Path]:
    """``CAPTURE.ikevN_decryption_table`` beside the capture, or the wiki archive's own ``ikev2_decryption_table``."""
    return sorted(p for p in capture.parent.iterdir()
                  if (p.name.startswith(capture.name + ".ikev") and p.name.endswith("_decryption_table"))
                  or (capture.parent.name.startswith("ipsec_ikev2") and p.name == "ikev2_decryption_table"))


def decrypted(capture: Path) -> tuple[dict[int, list[Shape]], dict[int, list[str]]]:
    """Per frame, the shapes of the inner payloads ikescope opened, and the crypto problems it reported."""
    dec = Decryptor(load_key_files(key_tables(capture)))
    shapes: dict[int, list[Shape]] = {}
    problems: dict[int, list[str]] = {}
    for dg, decoded in decode_file(capture):
        out = dec.process(dg, decoded)
        if out.message is not None and out.message.inner is not None:
            shapes.setdefault(dg.frame, []).append(payloads_shape(out.message.inner, out.message.version))
        codes = [p.code for p in out.problems if p.code.startswith("crypto.") and p.code != "crypto.no_key"]
        if codes:
            problems.setdefault(dg.frame, []).extend(codes)
    return shapes, problems


def _captures() -> list:
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus-missing")]
    return [pytest.param(rel, id=rel) for rel in
            (p.relative_to(CORPUS).as_posix().removesuffix(".tshark.decrypted.json")
             for p in sorted(CORPUS.rglob("*.tshark.decrypted.json")))]


@pytest.mark.parametrize("rel", _captures())
def test_decrypts_as_tshark_does(rel: str | None) -> None:
    capture = need_corpus() / rel
    assert key_tables(capture), "a decrypted reference without a key table"
    theirs = load_decrypted(capture)
    ours, problems = decrypted(capture)
    closed = {frame for (name, frame) in CLOSED if name == rel}
    for frame in closed:
        assert frame in theirs and frame not in ours, frame
        assert "crypto.icv_mismatch" in problems.get(frame, []), problems
    expected = {f: s for f, s in theirs.items() if f not in closed}
    assert disagreements(ours, expected) == {}
    assert set(problems) == closed, problems


def test_closed_frames_name_keyed_captures() -> None:
    root = need_corpus()
    for name, _ in CLOSED:
        assert (root / f"{name}.tshark.decrypted.json").is_file(), name
