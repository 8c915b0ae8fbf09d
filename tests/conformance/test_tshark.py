"""ikescope's decode of every public capture, compared with the stored tshark decode.

For each capture, every IKE message ikescope finds and every ISAKMP layer
tshark shows are put in the same shape (``tshark_ref``) and compared frame by
frame: which frames hold a message, SPIs, version, exchange type, flags,
message ID, length, the payload chain and critical bits, notify types, KE
groups, proposals, transforms and their attributes, the SK/SKF headers and
the IKEv1 fragment headers.

Where the two disagree on purpose, ``KNOWN_DIFFERENCES`` says which fields of
which frame differ and why. The comparison demands exactly those fields: a
new disagreement fails, and so does a documented one that went away, so the
list cannot go stale.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.tshark_ref import Shape, assert_only_known, disagreements, load_reference, shape_of
from helpers import CORPUS, need_corpus
from ikescope.api import decode_file

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap")

# "present": one side shows a message in this frame and the other does not.
_HEADER_ONLY = ("the IP header has MF set and the other fragments are not in the capture; tshark dissects "
                "the first fragment's UDP payload anyway, ikescope's net layer holds the fragment and reports "
                "the datagram it can never complete (net.fragments_*) instead of decoding half a message")
_LENGTH_ZERO = ("the ISAKMP length field is 0, so tshark's heuristics do not take the packet as ISAKMP; "
                "ikescope decodes the header and reports ike.header_length_short at offset 24")

KNOWN_DIFFERENCES: dict[tuple[str, int], tuple[frozenset[str], str]] = {
    ("tcpdump/ISAKMP_sa_setup.pcap", 3): (
        frozenset({"chain"}),
        "tshark reads payload 15 as GDOI's SAK (RFC 3547), throws on its content and drops the second 15; "
        "it is the NAT-D hash old Cisco peers sent under 15, and ikescope keeps both (tcpdump also "
        "lists two pay15)"),
    ("tcpdump/ISAKMP_sa_setup.pcap", 4): (
        frozenset({"chain"}), "the responder's copy of frame 3: same payload 15 difference"),
    ("tcpdump/ikev2pI2-segfault.pcapng", 1): (
        frozenset({"chain", "proposals", "ke_groups"}),
        "the second proposal's length (43690) overruns the SA payload; tshark throws there and shows nothing "
        "after it, ikescope reports ike.substructure_overrun at offset 72, decodes the bytes that are there "
        "and goes on to the KE payload (itself cut: ike.payload_overrun at 272)"),
    ("tcpdump/ikev1_id_ipv6_addr_subnet-oobr.pcap", 1): (frozenset({"present"}), _HEADER_ONLY),
    ("tcpdump/isakmp-ikev1_n_print-oobr.pcap", 1): (frozenset({"present"}), _HEADER_ONLY),
    ("tcpdump/isakmp-ikev1_n_print-oobr.pcap", 3): (frozenset({"present"}), _HEADER_ONLY),
    ("tcpdump/isakmp-various-oobr.pcap", 1): (frozenset({"present"}), _HEADER_ONLY),
    ("tcpdump/isakmpv1-attr-oobr.pcap", 1): (frozenset({"present"}), _HEADER_ONLY),
    ("tcpdump/isakmp-pointer-loop.pcap", 1): (frozenset({"present"}), _LENGTH_ZERO),
    ("zeek-spicy-ipsec/ipsec-ikev1-zero-length.pcap", 1): (frozenset({"present"}), _LENGTH_ZERO),
    ("zeek-spicy-ipsec/ipsec-ikev1-payload-bad-length.pcap", 1): (
        frozenset({"chain", "vids"}),
        "the VID payload at offset 88 says length 3; tshark flags it as bogus, steps 4 bytes on and decodes "
        "the middle of that VID as another VID before throwing, ikescope stops the chain there with "
        "ike.payload_length_short at offset 90 (the length field) and has no VID"),
    ("tcpdump/ikev2-id-short.pcap", 1): (
        frozenset({"ids"}),
        "the IDi payload's length is 5, less than its 8-byte fixed part; tshark reads the ID type and an IPv4 "
        "address from the bytes after the payload, ikescope keeps the payload as unknown with "
        "ike.payload_length_short at offset 30"),
}


def _captures() -> list:
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus-missing")]
    found = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in CAPTURE_SUFFIXES)
    return [pytest.param(p.relative_to(CORPUS).as_posix(), id=p.relative_to(CORPUS).as_posix()) for p in found]


def ikescope_messages(capture: Path) -> dict[int, list[Shape | None]]:
    """ikescope's messages per frame (the frame that completes each), as the API yields them."""
    out: dict[int, list[Shape | None]] = {}
    for datagram, decoded in decode_file(capture, join=False):
        out.setdefault(datagram.frame, []).append(shape_of(decoded.message) if decoded.message else None)
    return out


@pytest.mark.parametrize("rel", _captures())
def test_capture_agrees_with_tshark(rel: str | None) -> None:
    root = need_corpus()
    capture = root / rel
    theirs = load_reference(capture)
    assert theirs is not None, f"no tshark export next to {rel}"
    ours = ikescope_messages(capture)
    assert_only_known(rel, disagreements(ours, theirs), KNOWN_DIFFERENCES)


def test_known_differences_name_real_captures() -> None:
    root = need_corpus()
    for name, frame in KNOWN_DIFFERENCES:
        assert (root / name).is_file(), name
