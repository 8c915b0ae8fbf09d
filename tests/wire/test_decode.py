"""The decoder on hand-built messages: every payload type of both versions, and
every fault it must name with the right code and offset."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import (attr_tlv, attr_tv, header, message, payload, proposal, v1_transform, v2_transform)
from ikescope.wire.decode import decode_message
from ikescope.wire.message import (AuthPayload, CertReqPayload, ConfigPayload, DeletePayload, EapPayload,
                                   EncryptedPayload, FragmentV1Payload, IdPayload, KePayload, NatOaPayload,
                                   NotifyPayload, OpaquePayload, SaPayload, TsPayload, UnknownPayload)


def codes(d) -> list[str]:
    return [p.code for p in d.problems]


def v2_sa_init() -> bytes:
    sa = proposal(1, 1, [v2_transform(1, 12, attr_tv(14, 256)), v2_transform(2, 5), v2_transform(3, 12),
                         v2_transform(4, 19, last=True)])
    ke = struct.pack("!HH", 19, 0) + b"\xaa" * 64
    notify = struct.pack("!BBH", 0, 0, 16388) + b"\x01" * 20
    return message([(33, sa), (34, ke), (40, b"\x02" * 32), (41, notify), (43, b"strongSwan-ish")])


def test_ikev2_sa_init_all_fields() -> None:
    d = decode_message(v2_sa_init())
    assert d.problems == ()
    m = d.message
    assert m.header.major == 2 and m.header.exchange == 34 and m.header.initiator and not m.header.response
    sa, ke, nonce, notify, vid = m.payloads
    assert isinstance(sa, SaPayload) and sa.offset == 28
    (prop,) = sa.proposals
    assert prop.protocol == 1 and [(t.type, t.id) for t in prop.transforms] == [(1, 12), (2, 5), (3, 12), (4, 19)]
    assert prop.transforms[0].attr(14) == 256
    assert isinstance(ke, KePayload) and ke.group == 19 and ke.data_length == 64
    assert isinstance(nonce, OpaquePayload) and len(nonce.data) == 32
    assert isinstance(notify, NotifyPayload) and notify.notify_type == 16388 and len(notify.data) == 20
    assert isinstance(vid, OpaquePayload) and vid.data == b"strongSwan-ish"


def test_ikev2_auth_payloads() -> None:
    ts4 = struct.pack("!BBHHH", 7, 0, 16, 0, 65535) + bytes([192, 0, 2, 0]) + bytes([192, 0, 2, 255])
    ts6 = struct.pack("!BBHHH", 8, 17, 40, 500, 500) + b"\x20\x01\x0d\xb8" + b"\0" * 12 + b"\x20\x01\x0d\xb8" + b"\xff" * 12
    items = [
        (35, struct.pack("!B3x", 2) + b"vpn.example.org"),
        (38, b"\x04" + b"\x55" * 20),
        (39, struct.pack("!B3x", 2) + b"\x99" * 20),
        (44, struct.pack("!B3x", 2) + ts4 + ts6),
        (47, struct.pack("!B3x", 1) + attr_tlv(1, b"") + attr_tlv(3, b"")),
        (42, struct.pack("!BBH", 3, 4, 2) + b"\x01\x02\x03\x04\x05\x06\x07\x08"),
        (48, struct.pack("!BBHB", 1, 7, 5, 1)),
    ]
    d = decode_message(message(items, exchange=35))
    assert d.problems == ()
    idp, creq, auth, ts, cp, dele, eap = d.message.payloads
    assert isinstance(idp, IdPayload) and idp.id_type == 2 and idp.data == b"vpn.example.org"
    assert isinstance(creq, CertReqPayload) and creq.encoding == 4
    assert isinstance(auth, AuthPayload) and auth.method == 2 and auth.data_length == 20
    assert isinstance(ts, TsPayload) and [s.ts_type for s in ts.selectors] == [7, 8]
    assert ts.selectors[0].start == bytes([192, 0, 2, 0]) and ts.selectors[1].start_port == 500
    assert isinstance(cp, ConfigPayload) and cp.cfg_type == 1 and [a.type for a in cp.attributes] == [1, 3]
    assert isinstance(dele, DeletePayload) and dele.spis == (b"\x01\x02\x03\x04", b"\x05\x06\x07\x08")
    assert isinstance(eap, EapPayload) and eap.code == 1 and eap.eap_type == 1


def test_ikev2_sk_keeps_inner_next_and_stops_chain() -> None:
    d = decode_message(message([(46, b"\x00" * 16 + b"\xee" * 48)], exchange=35, msgid=1))
    (sk,) = d.message.payloads
    assert isinstance(sk, EncryptedPayload) and sk.inner_next == 0 and len(sk.data) == 64
    # SK whose generic header announces IDi as the first inner payload
    raw = header(np=46, exchange=35, body=payload(35, b"\x00" * 32))
    (sk,) = decode_message(raw).message.payloads
    assert sk.inner_next == 35
    assert decode_message(raw).problems == ()


def test_ikev2_skf_fragment_numbers() -> None:
    d = decode_message(message([(53, struct.pack("!HH", 2, 3) + b"\x00" * 32)], exchange=35))
    (skf,) = d.message.payloads
    assert (skf.fragment_number, skf.total_fragments) == (2, 3)
    bad = decode_message(message([(53, struct.pack("!HH", 4, 3) + b"\x00" * 32)], exchange=35))
    assert codes(bad) == ["ike.fragment_number_invalid"]


def test_ikev1_main_mode_payloads() -> None:
    attrs = attr_tv(1, 7) + attr_tv(14, 128) + attr_tv(2, 2) + attr_tv(3, 1) + attr_tv(4, 2) + \
        attr_tv(11, 1) + attr_tlv(12, struct.pack("!I", 86400))
    sa = struct.pack("!II", 1, 1) + proposal(1, 1, [v1_transform(1, 1, attrs, last=True)])
    d = decode_message(message([(1, sa), (13, b"\xaf\xca\xd7\x13h\xa1\xf1\xc9k\x86\x96\xfcwW\x01\x00")],
                               version=0x10, exchange=2, flags=0))
    assert d.problems == ()
    sa_p, vid = d.message.payloads
    assert isinstance(sa_p, SaPayload) and sa_p.doi == 1 and sa_p.situation == 1
    t = sa_p.proposals[0].transforms[0]
    assert t.number == 1 and t.id == 1 and t.attr(1) == 7 and t.attr(12) == struct.pack("!I", 86400)


def test_ikev1_other_payloads() -> None:
    items = [
        (4, b"\x33" * 128),
        (5, struct.pack("!BBH", 1, 17, 500) + bytes([192, 0, 2, 1])),
        (11, struct.pack("!IBBH", 1, 1, 16, 24576) + b"\x01" * 16 + b"\x00\x00\x0e\x10"),
        (12, struct.pack("!IBBH", 1, 3, 4, 1) + b"\xde\xad\xbe\xef"),
        (14, struct.pack("!BBH", 1, 0, 7) + attr_tlv(1, b"")),
        (20, b"\x44" * 20),
        (21, struct.pack("!B3x", 1) + bytes([198, 51, 100, 7])),
        (132, struct.pack("!HBB", 9, 2, 1) + b"\x55" * 10),
    ]
    d = decode_message(message(items, version=0x10, exchange=2, flags=0))
    assert d.problems == ()
    ke, idp, n, dele, attr, natd, natoa, frag = d.message.payloads
    assert isinstance(ke, KePayload) and ke.group is None and ke.data_length == 128
    assert isinstance(idp, IdPayload) and (idp.id_type, idp.protocol, idp.port) == (1, 17, 500)
    assert isinstance(n, NotifyPayload) and n.notify_type == 24576 and len(n.spi) == 16 and n.doi == 1
    assert isinstance(dele, DeletePayload) and dele.protocol == 3 and dele.spis == (b"\xde\xad\xbe\xef",)
    assert isinstance(attr, ConfigPayload) and attr.identifier == 7
    assert isinstance(natd, OpaquePayload) and natd.type == 20
    assert isinstance(natoa, NatOaPayload) and natoa.address == bytes([198, 51, 100, 7])
    assert isinstance(frag, FragmentV1Payload) and (frag.fragment_id, frag.number, frag.last) == (9, 2, True)


def test_ikev1_pre_draft_nat_d_type_15() -> None:
    """Old Cisco peers sent NAT-D as payload 15 (tcpdump's ISAKMP_sa_setup.pcap, frames 3-4)."""
    d = decode_message(message([(13, b"\x09\x00\x26\x89\xdf\xd6\xb7\x12"), (15, b"\xd5" * 20), (15, b"\x6d" * 20)],
                               version=0x10, exchange=2, flags=0))
    assert d.problems == ()
    assert [(type(p), p.type, p.data) for p in d.message.payloads[1:]] == [(OpaquePayload, 15, b"\xd5" * 20),
                                                                         (OpaquePayload, 15, b"\x6d" * 20)]


def test_ikev1_encrypted_kept_as_blob() -> None:
    d = decode_message(header(np=8, version=0x10, exchange=2, flags=1, body=b"\x77" * 48))
    assert d.problems == () and d.message.payloads == () and d.message.encrypted_v1 == b"\x77" * 48


# --- faults: code and offset -------------------------------------------------------------------

def test_too_short_for_header() -> None:
    d = decode_message(b"\x01" * 20)
    assert d.message is None and codes(d) == ["ike.too_short"]


def test_truncated_message_keeps_what_fits() -> None:
    raw = v2_sa_init()
    d = decode_message(raw[:-5])
    assert codes(d)[0] == "ike.truncated" and d.problems[0].offset == len(raw) - 5
    assert isinstance(d.message.payloads[0], SaPayload)


def test_trailing_bytes() -> None:
    d = decode_message(v2_sa_init() + b"junk")
    assert codes(d) == ["ike.extra_bytes"] and d.problems[0].offset == len(v2_sa_init())
    assert len(d.message.payloads) == 5


def test_zero_length_payload_stops_walk() -> None:
    raw = header(np=40, body=payload(40, b"", length=0) + b"\x00" * 8)
    d = decode_message(raw)
    assert "ike.payload_length_short" in codes(d)
    assert next(p for p in d.problems if p.code == "ike.payload_length_short").offset == 30


def test_payload_overrun() -> None:
    raw = header(np=40, body=payload(0, b"\x01" * 8, length=50))
    d = decode_message(raw)
    assert "ike.payload_overrun" in codes(d)


def test_unknown_critical_payload_v2() -> None:
    raw = header(np=200, body=payload(0, b"\x01\x02", critical=True))
    d = decode_message(raw)
    assert codes(d) == ["ike.unknown_critical_payload"]
    assert isinstance(d.message.payloads[0], UnknownPayload) and d.message.payloads[0].data == b"\x01\x02"


def test_unknown_noncritical_payload_v2_is_info() -> None:
    d = decode_message(header(np=200, body=payload(0, b"\x01")))
    assert codes(d) == ["ike.unknown_payload"] and d.problems[0].severity.value == "info"


def test_unknown_version() -> None:
    d = decode_message(header(version=0x30, body=b"\x00" * 4))
    assert codes(d) == ["ike.unknown_version"] and d.message.header.major == 3


def test_header_length_short() -> None:
    d = decode_message(header(length=0))
    assert "ike.header_length_short" in codes(d)


def test_transform_count_mismatch() -> None:
    sa = proposal(1, 1, [v2_transform(1, 12, last=True)], count=3)
    d = decode_message(message([(33, sa)]))
    assert codes(d) == ["ike.transform_count_mismatch"]
    assert d.problems[0].offset == 32 + 7  # the count byte of the proposal at 32


def test_bad_substructure_marker() -> None:
    sa = proposal(1, 1, [v2_transform(1, 12, last=True)])
    sa = bytes([7]) + sa[1:]
    d = decode_message(message([(33, sa)]))
    assert "ike.substructure_bad" in codes(d)


def test_body_too_short_spoils_only_that_payload() -> None:
    notify = struct.pack("!BBH", 0, 8, 16388) + b"\x01\x02"  # SPI size 8, only 2 bytes
    d = decode_message(message([(41, notify), (40, b"\x02" * 16)]))
    assert codes(d) == ["ike.payload_body_short"]
    assert isinstance(d.message.payloads[0], UnknownPayload)
    assert isinstance(d.message.payloads[1], OpaquePayload)


def test_fixed_part_too_short() -> None:
    d = decode_message(message([(34, b"\x00")]))
    assert codes(d) == ["ike.payload_length_short"]


def test_chain_unterminated() -> None:
    d = decode_message(header(np=40, body=payload(41, b"\x01" * 8)))
    assert codes(d) == ["ike.chain_unterminated"]


def test_payload_header_cut() -> None:
    """tcpdump isakmp-pointer-loop.pcap: two bytes where a 4-byte generic header should be."""
    d = decode_message(header(np=40, body=b"\x0a\x00"))
    assert [(p.code, p.offset, p.length) for p in d.problems] == [("ike.payload_truncated", 28, 2)]


def test_substructure_missing() -> None:
    empty_sa = decode_message(message([(33, b"")]))
    assert [(p.code, p.offset) for p in empty_sa.problems] == [("ike.substructure_missing", 32)]
    # the last transform says another follows (3), and the proposal ends there
    cut = proposal(1, 1, [v2_transform(1, 12), v2_transform(4, 19)], count=2)
    d = decode_message(message([(33, cut)]))
    assert [(p.code, p.offset) for p in d.problems] == [("ike.substructure_missing", 48)]
    assert [(t.type, t.id) for t in d.message.payloads[0].proposals[0].transforms] == [(1, 12), (4, 19)]


def test_reserved_bits_and_zero_spi() -> None:
    d = decode_message(header(ispi=b"\0" * 8, flags=0x09))
    assert set(codes(d)) == {"ike.zero_initiator_spi", "ike.reserved_nonzero"}


def test_payload_after_encrypted() -> None:
    raw = header(np=46, body=payload(0, b"\x00" * 16) + b"\x01\x02\x03\x04")
    assert "ike.payload_after_encrypted" in codes(decode_message(raw))


def test_ts_count_mismatch() -> None:
    ts4 = struct.pack("!BBHHH", 7, 0, 16, 0, 65535) + b"\x01" * 8
    d = decode_message(message([(44, struct.pack("!B3x", 2) + ts4)]))
    assert "ike.selector_count_mismatch" in codes(d)


def ts_v6(length: int = 40) -> bytes:
    return struct.pack("!BBHHH", 8, 0, length, 0, 65535) + b"\x20" * 16 + b"\x21" * 16


@pytest.mark.parametrize("length", [4, 20, 39])
def test_ts_selector_shorter_than_its_addresses(length: int) -> None:
    """RFC 7296 3.13.1: an IPv6 selector is 40 bytes; the walk stops at a shorter one."""
    d = decode_message(message([(44, struct.pack("!B3x", 2) + ts_v6(length) + ts_v6())]))
    assert [(p.code, p.offset) for p in d.problems] == [("ike.substructure_length_short", 38),
                                                       ("ike.selector_count_mismatch", 32)]
    assert d.message.payloads[0].selectors == ()


def test_ts_selector_overrun() -> None:
    d = decode_message(message([(44, struct.pack("!B3x", 2) + ts_v6() + ts_v6(48))]))
    assert [(p.code, p.offset) for p in d.problems] == [("ike.substructure_overrun", 76),
                                                       ("ike.selector_count_mismatch", 32)]
    assert [s.start for s in d.message.payloads[0].selectors] == [b"\x20" * 16]


@pytest.mark.parametrize(("version", "id_type", "data"), [
    (0x20, 1, b"\xde"),                       # tcpdump ikev2-id-normal.pcap: an IPv4 ID of one byte
    (0x20, 5, b"\x20\x01" * 4),
    (0x10, 6, b"\x10" * 24),                  # tcpdump ikev1_id_ipv6_addr_subnet-oobr.pcap: 24 of 32
    (0x10, 1, b"\xc0\x00\x02\x01\x00"),
])
def test_address_id_of_the_wrong_size(version: int, id_type: int, data: bytes) -> None:
    if version == 0x20:
        raw = message([(35, struct.pack("!B3x", id_type) + data)], exchange=35)
    else:
        raw = message([(5, struct.pack("!BBH", id_type, 17, 500) + data)], version=0x10, exchange=2, flags=0)
    d = decode_message(raw)
    assert [(p.code, p.offset, p.length) for p in d.problems] == [("ike.id_data_length", 36, len(data))]
    assert d.message.payloads[0].data == data


def test_address_id_of_the_right_size_and_names_are_free() -> None:
    for id_type, data in [(1, b"\xc0\x00\x02\x01"), (5, b"\x20" * 16), (2, b"x"), (3, b"")]:
        assert decode_message(message([(35, struct.pack("!B3x", id_type) + data)], exchange=35)).problems == ()


@pytest.mark.parametrize(("ntype", "data"), [(17, b""), (17, b"\x00\x0e\x00"), (16388, b"\x01" * 16)])
def test_notify_data_the_type_fixes(ntype: int, data: bytes) -> None:
    """openswan parentR1notify.pcap frame 2: INVALID_KE_PAYLOAD without the accepted group."""
    d = decode_message(message([(41, struct.pack("!BBH", 1, 0, ntype) + data)], flags=0x20))
    assert [(p.code, p.offset, p.severity.value) for p in d.problems] == [("ike.notify_data_length", 36, "warning")]
    assert d.message.payloads[0].notify_type == ntype


@pytest.mark.parametrize(("version", "body"), [
    (0x20, struct.pack("!BBH", 3, 4, 1) + b"\x01\x02\x03\x04" + b"\x00\x00"),
    (0x10, struct.pack("!IBBH", 1, 3, 4, 1) + b"\x01\x02\x03\x04" + b"\x00\x00"),
])
def test_delete_bytes_after_the_spis(version: int, body: bytes) -> None:
    kw = {"exchange": 37} if version == 0x20 else {"version": 0x10, "exchange": 5, "flags": 0}
    d = decode_message(message([(42 if version == 0x20 else 12, body)], **kw))
    assert [(p.code, p.offset, p.length) for p in d.problems] == [("ike.payload_extra_bytes", 32 + len(body) - 2, 2)]
    assert d.message.payloads[0].spis == (b"\x01\x02\x03\x04",)


def test_v2_configuration_attributes_are_always_tlv() -> None:
    """RFC 7296 3.15.1: the top bit is reserved; a set bit is named and the value still read as TLV."""
    body = struct.pack("!B3x", 2) + struct.pack("!HH", 0x8001, 4) + bytes([10, 0, 0, 7]) + struct.pack("!HH", 3, 0)
    d = decode_message(message([(47, body)], exchange=35, flags=0x20))
    assert [(p.code, p.offset) for p in d.problems] == [("ike.reserved_nonzero", 36)]
    assert [(a.type, a.value) for a in d.message.payloads[0].attributes] == [(1, bytes([10, 0, 0, 7])), (3, b"")]


def test_attribute_overrun() -> None:
    sa = proposal(1, 1, [v2_transform(1, 12, struct.pack("!HH", 14, 9) + b"\x01", last=True)])
    assert "ike.attribute_overrun" in codes(decode_message(message([(33, sa)])))


@pytest.mark.parametrize("raw", [v2_sa_init()], ids=["sa_init"])
def test_every_prefix_decodes_without_exception(raw: bytes) -> None:
    for n in range(len(raw)):
        d = decode_message(raw[:n])
        assert d.problems, n
        assert d.problems[0].code in ("ike.too_short", "ike.truncated")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_decode(data: bytes) -> None:
    d = decode_message(data)
    assert d.message is not None or d.problems
    assert "ike.decoder_error" not in codes(d)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([0x10, 0x20]), st.integers(0, 255))
def test_any_body_after_valid_header(body: bytes, version: int, np: int) -> None:
    d = decode_message(header(np=np, version=version, flags=0, body=body))
    assert d.message is not None and "ike.decoder_error" not in codes(d)
    assert all(p.offset is None or 0 <= p.offset <= len(body) + 28 for p in d.problems)
