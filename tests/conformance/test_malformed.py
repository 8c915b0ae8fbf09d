"""Named regressions for the corpus's malformed and crash-regression captures.

Each capture once crashed, hung or over-read some decoder (tcpdump's CVE
fixes, Zeek's spicy analyzer, Wireshark's "Malformed Packet"). Here each one
must go through capture -> net -> wire without an exception and give exactly
the problems listed, as (code, offset) pairs in the order the decoder meets them.

Several tcpdump captures are first IP fragments (MF set) whose other fragments
were never captured; the pipeline cannot rebuild those datagrams, so for them
the decoder also gets the first fragment's UDP payload directly: the bytes
the over-read CVEs were about.
"""

from __future__ import annotations

from ikescope.capture.pcapfile import open_capture
from ikescope.model import Datagram, NetEvent
from ikescope.net.demux import datagrams
from ikescope.wire.decode import decode_message
from ikescope.wire.message import Decoded, IdPayload, NotifyPayload, OpaquePayload, SaPayload, UnknownPayload

from helpers import need_corpus

_ETHERNET, _ETHERTYPE_IPV4, _UDP = 1, b"\x08\x00", 17


def pipeline(rel: str) -> tuple[list[tuple[Datagram, Decoded]], list[NetEvent]]:
    """Every IKE message of the capture, decoded, and every network event beside them."""
    messages, events = [], []
    for item in datagrams(open_capture(need_corpus() / rel)):
        if isinstance(item, Datagram):
            messages.append((item, decode_message(item.payload)))
        else:
            events.append(item)
    return messages, events


def found(d: Decoded) -> list[tuple[str, int | None]]:
    return [(p.code, p.offset) for p in d.problems]


def only_message(rel: str) -> Decoded:
    messages, _ = pipeline(rel)
    assert len(messages) == 1
    return messages[0][1]


def first_fragment_payload(rel: str, frame: int) -> bytes:
    """The UDP payload inside an Ethernet/IPv4 first fragment (the net layer rightly will not emit it)."""
    (fr,) = [f for f in open_capture(need_corpus() / rel) if f.index == frame]
    assert fr.linktype == _ETHERNET and fr.data[12:14] == _ETHERTYPE_IPV4 and fr.data[23] == _UDP
    ihl = (fr.data[14] & 0x0F) * 4
    return fr.data[14 + ihl + 8:]


def assert_fragment_never_completes(rel: str, frames: set[int]) -> None:
    messages, events = pipeline(rel)
    assert messages == []
    named = {e.frame for e in events if e.kind == "problem" and e.problem.code.startswith("net.fragments_")}
    assert frames <= named


# ---- Zeek spicy-ipsec -----------------------------------------------------------------------------

def test_zeek_ikev1_zero_length() -> None:
    """MM1 whose header length is 0: the header is named, the payloads are still read from the datagram."""
    d = only_message("zeek-spicy-ipsec/ipsec-ikev1-zero-length.pcap")
    assert found(d) == [("ike.header_length_short", 24)]
    assert d.message.header.length == 0
    assert [p.type for p in d.message.payloads] == [1, 13, 13, 13, 13]


def test_zeek_ikev1_payload_bad_length() -> None:
    """MM1 whose first VID (offset 88) says length 3: the chain stops there, the SA before it stays."""
    d = only_message("zeek-spicy-ipsec/ipsec-ikev1-payload-bad-length.pcap")
    assert found(d) == [("ike.payload_length_short", 90)]
    (sa,) = d.message.payloads
    assert isinstance(sa, SaPayload) and [t.id for t in sa.proposals[0].transforms] == [1]


# ---- tcpdump: whole datagrams -----------------------------------------------------------------------

def test_tcpdump_isakmp_pointer_loop() -> None:
    """Header length 0 and a 2-byte payload header (an infinite loop in old tcpdump)."""
    d = only_message("tcpdump/isakmp-pointer-loop.pcap")
    assert found(d) == [("ike.header_length_short", 24), ("ike.zero_initiator_spi", 0),
                        ("ike.payload_truncated", 28)]
    assert d.message.payloads == ()


def test_tcpdump_isakmp_delete_segfault() -> None:
    """Version byte 0xbe: the header is kept, nothing is guessed about the body."""
    d = only_message("tcpdump/isakmp-delete-segfault.pcap")
    assert found(d) == [("ike.truncated", 138), ("ike.unknown_version", 17)]
    assert (d.message.header.major, d.message.header.minor, d.message.payloads) == (11, 14, ())


def test_tcpdump_isakmp_identification_segfault() -> None:
    """An FQDN ID of 248 NUL bytes is odd but well formed: no problem, the bytes kept."""
    d = only_message("tcpdump/isakmp-identification-segfault.pcap")
    assert found(d) == []
    (ident,) = d.message.payloads
    assert isinstance(ident, IdPayload) and (ident.id_type, ident.data) == (2, b"\0" * 248)


def test_tcpdump_ikev2pI2_segfault() -> None:
    """Fuzzed SA_INIT: a transform chain marker of 46, then a proposal and a KE with length 43690."""
    d = only_message("tcpdump/ikev2pI2-segfault.pcapng")
    assert found(d) == [
        ("ike.substructure_bad", 56), ("ike.reserved_nonzero", 73), ("ike.substructure_bad", 72),
        ("ike.substructure_overrun", 72), ("ike.reserved_nonzero", 251), ("ike.substructure_bad", 250),
        ("ike.substructure_overrun", 250), ("ike.attribute_overrun", 270), ("ike.substructure_missing", 250),
        ("ike.transform_count_mismatch", 79), ("ike.substructure_missing", 72), ("ike.reserved_nonzero", 273),
        ("ike.payload_overrun", 272)]
    assert [p.type for p in d.message.payloads] == [33, 34]


def test_tcpdump_ikev2_id_short() -> None:
    """IDi of length 5, shorter than its 8-byte fixed part; tcpdump says "payload too short"."""
    d = only_message("tcpdump/ikev2-id-short.pcap")
    assert found(d) == [("ike.zero_initiator_spi", 0), ("ike.payload_length_short", 30),
                        ("ike.payload_extra_bytes", 33)]
    assert isinstance(d.message.payloads[0], UnknownPayload)


def test_tcpdump_ikev2_id_normal() -> None:
    """Despite its name, the IPv4 ID here carries one byte; tshark reads the next three past the payload."""
    d = only_message("tcpdump/ikev2-id-normal.pcap")
    assert found(d) == [("ike.zero_initiator_spi", 0), ("ike.id_data_length", 36), ("ike.payload_extra_bytes", 37)]


def test_tcpdump_isakmp_no_none_np() -> None:
    """Two notifies and no terminating NONE: the chain announces a payload the message does not hold."""
    d = only_message("tcpdump/isakmp-no-none-np.pcapng")
    assert found(d) == [("ike.extra_bytes", 84), ("ike.zero_initiator_spi", 0), ("ike.chain_unterminated", 84)]
    assert [p.notify_type for p in d.message.payloads if isinstance(p, NotifyPayload)] == [5, 5]


def test_openswan_invalid_ke_without_group() -> None:
    """Wireshark calls frame 2 Malformed: INVALID_KE_PAYLOAD must carry the accepted group (2 bytes)."""
    messages, _ = pipeline("openswan/lp08-parentR1/parentR1notify.pcap")
    d = messages[1][1]
    assert messages[1][0].frame == 2
    assert found(d) == [("ike.notify_data_length", 36)]
    assert [p.notify_type for p in d.message.payloads] == [17]


def test_tcpdump_sa_setup_pre_draft_nat_d() -> None:
    """Wireshark calls frames 3-4 Malformed (it reads payload 15 as GDOI SAK); they decode cleanly."""
    messages, _ = pipeline("tcpdump/ISAKMP_sa_setup.pcap")
    assert [datagram.frame for datagram, _ in messages[2:4]] == [3, 4]
    for _, d in messages[2:4]:
        assert found(d) == []
        assert [(type(p), p.type) for p in d.message.payloads[-2:]] == [(OpaquePayload, 15)] * 2


# ---- tcpdump: first fragments that never complete, and damaged UDP/4500 --------------------------------

def test_tcpdump_ikev1_id_ipv6_addr_subnet_oobr() -> None:
    rel = "tcpdump/ikev1_id_ipv6_addr_subnet-oobr.pcap"
    assert_fragment_never_completes(rel, {1})
    d = decode_message(first_fragment_payload(rel, 1))
    # the CVE's over-read: an IPv6 subnet ID needs 32 bytes and has 24
    assert found(d) == [("ike.truncated", 65), ("ike.reserved_nonzero", 19), ("ike.id_data_length", 36),
                        ("ike.reserved_nonzero", 61), ("ike.payload_overrun", 60), ("ike.unknown_payload", 60)]


def test_tcpdump_isakmp_ikev1_n_print_oobr() -> None:
    rel = "tcpdump/isakmp-ikev1_n_print-oobr.pcap"
    assert_fragment_never_completes(rel, {1, 3})
    for frame in (1, 3):
        d = decode_message(first_fragment_payload(rel, frame))
        assert found(d) == [("ike.truncated", 42), ("ike.reserved_nonzero", 29),
                            ("ike.unknown_critical_payload", 28), ("ike.payload_overrun", 33),
                            ("ike.unknown_payload", 33)]


def test_tcpdump_isakmp_various_oobr() -> None:
    rel = "tcpdump/isakmp-various-oobr.pcap"
    assert_fragment_never_completes(rel, {1})
    d = decode_message(first_fragment_payload(rel, 1))
    assert found(d) == [("ike.truncated", 33), ("ike.reserved_nonzero", 19), ("ike.unknown_payload", 28),
                        ("ike.chain_unterminated", 33)]


def test_tcpdump_isakmpv1_attr_oobr() -> None:
    rel = "tcpdump/isakmpv1-attr-oobr.pcap"
    assert_fragment_never_completes(rel, {1})
    d = decode_message(first_fragment_payload(rel, 1))
    assert found(d) == [("ike.truncated", 45), ("ike.unknown_payload", 28), ("ike.payload_extra_bytes", 44)]


def test_tcpdump_rfc3948_oobr_captures_hold_no_ike() -> None:
    """UDP/4500 datagrams whose payload was not captured: nothing to decode, and no exception."""
    for rel in ("tcpdump/isakmp-3948-oobr-2.pcap", "tcpdump/isakmp-rfc3948-oobr.pcap"):
        messages, events = pipeline(rel)
        assert messages == [] and any(e.kind == "problem" for e in events)


def test_tcpdump_espudp1_is_esp_only() -> None:
    messages, events = pipeline("tcpdump/espudp1.pcap")
    assert messages == [] and {e.kind for e in events} == {"esp"}  # sampled: one report a flow a second
