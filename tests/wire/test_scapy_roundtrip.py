"""scapy builds IKE messages, ikescope decodes their bytes, and the fields must agree.

scapy is a second, independent encoder: a field the decoder reads at the wrong
offset or with the wrong width shows up here even when our own builders in
``helpers`` share the mistake. Only ``bytes(layer)`` crosses over; scapy's
dissection is never used.

Importing ``scapy.contrib.ikev2`` rebinds UDP 500 and the RFC 3948 non-ESP
layer to IKEv2 for the whole process (``split_bottom_up``/``bind_bottom_up`` at
import time); the fixture puts scapy's ISAKMP bindings back afterwards so other
tests that dissect with scapy see them unchanged.
"""

from __future__ import annotations

import ipaddress
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ikescope.api import decode_frames
from ikescope.model import Frame
from ikescope.wire.decode import decode_message
from ikescope.wire.message import (AuthPayload, CertReqPayload, ConfigPayload, DeletePayload, EncryptedPayload,
                                   IdPayload, IkeMessage, KePayload, NotifyPayload, OpaquePayload, SaPayload,
                                   TsPayload)

ISPI = bytes.fromhex("0102030405060708")
RSPI = bytes.fromhex("a1a2a3a4a5a6a7a8")


@pytest.fixture(scope="module")
def sc() -> SimpleNamespace:
    """scapy's IKEv1 and IKEv2 layers, with the UDP/NON_ESP bindings restored afterwards."""
    import scapy.layers.isakmp as v1  # binds UDP 500 to ISAKMP: the state other tests expect
    from scapy.layers.inet import UDP
    from scapy.layers.ipsec import NON_ESP

    saved = {layer: list(layer.payload_guess) for layer in (UDP, NON_ESP)}
    import scapy.contrib.ikev2 as v2
    from scapy.layers.inet import IP
    from scapy.layers.l2 import Ether

    yield SimpleNamespace(v1=v1, v2=v2, Ether=Ether, IP=IP, UDP=UDP, NON_ESP=NON_ESP)
    for layer, guesses in saved.items():
        layer.payload_guess[:] = guesses


def decode_clean(layer) -> IkeMessage:
    """Decode scapy's bytes; a well-formed message must give no problem at all."""
    raw = bytes(layer)
    d = decode_message(raw)
    assert d.problems == (), [p.code for p in d.problems]
    assert d.message is not None and d.message.header.length == len(raw)
    return d.message


# ---- IKEv1 --------------------------------------------------------------------------------------

def test_v1_main_mode_sa(sc: SimpleNamespace) -> None:
    v1 = sc.v1
    aes = v1.ISAKMP_payload_Transform(
        transform_count=1, transform_id=1,
        transforms=[("Encryption", "AES-CBC"), ("KeyLength", 256), ("Hash", "SHA"), ("GroupDesc", "2048MODPgr"),
                    ("Authentication", "PSK"), ("LifeType", "Seconds"), ("LifeDuration", 86400)])
    des = v1.ISAKMP_payload_Transform(
        transform_count=2, transform_id=1,
        transforms=[("Encryption", "3DES-CBC"), ("Hash", "MD5"), ("GroupDesc", "1024MODPgr"),
                    ("Authentication", "RSA Sig")])
    prop = v1.ISAKMP_payload_Proposal(proposal=1, proto=1, trans_nb=2, trans=aes / des)
    pkt = (v1.ISAKMP(init_cookie=ISPI, exch_type=2, id=0)
           / v1.ISAKMP_payload_SA(prop=prop)
           / v1.ISAKMP_payload_VendorID(VendorID=bytes.fromhex("4a131c81070358455c5728f20e95452f")))
    m = decode_clean(pkt)
    h = m.header
    assert (h.ispi, h.rspi, h.major, h.minor, h.exchange, h.flags, h.message_id) == (ISPI, b"\0" * 8, 1, 0, 2, 0, 0)
    assert [p.type for p in m.payloads] == [1, 13]
    sa, vid = m.payloads
    assert isinstance(sa, SaPayload) and (sa.doi, sa.situation) == (1, 1)
    (p,) = sa.proposals
    assert (p.number, p.protocol, p.spi) == (1, 1, b"")
    assert [(t.number, t.id) for t in p.transforms] == [(1, 1), (2, 1)]
    first, second = p.transforms
    # Phase 1 attribute numbers (RFC 2409 appendix A): 1 enc, 14 key length, 2 hash, 4 group, 3 auth,
    # 11 life type, 12 life duration (scapy writes 86400 as a 3-byte TLV).
    assert [(a.type, a.value) for a in first.attributes] == [
        (1, 7), (14, 256), (2, 2), (4, 14), (3, 1), (11, 1), (12, (86400).to_bytes(3, "big"))]
    assert [(a.type, a.value) for a in second.attributes] == [(1, 5), (2, 1), (4, 2), (3, 3)]
    assert isinstance(vid, OpaquePayload) and vid.data == bytes.fromhex("4a131c81070358455c5728f20e95452f")


def test_v1_key_exchange_and_identity(sc: SimpleNamespace) -> None:
    v1 = sc.v1
    pkt = (v1.ISAKMP(init_cookie=ISPI, resp_cookie=RSPI, exch_type=4, flags=0)
           / v1.ISAKMP_payload_KE(ke=b"\x5a" * 128)
           / v1.ISAKMP_payload_Nonce(nonce=b"\x6b" * 24)
           / v1.ISAKMP_payload_ID(IDtype=1, ProtoID=17, Port=500, IdentData="192.0.2.1")
           / v1.ISAKMP_payload_Hash(hash=b"\x7c" * 20))
    m = decode_clean(pkt)
    assert (m.header.rspi, m.header.exchange) == (RSPI, 4)
    ke, nonce, ident, hsh = m.payloads
    assert [p.type for p in m.payloads] == [4, 10, 5, 8]
    assert isinstance(ke, KePayload) and ke.data_length == 128 and ke.group is None
    assert isinstance(nonce, OpaquePayload) and nonce.data == b"\x6b" * 24
    assert isinstance(ident, IdPayload) and (ident.id_type, ident.protocol, ident.port) == (1, 17, 500)
    assert ident.data == ipaddress.ip_address("192.0.2.1").packed
    assert isinstance(hsh, OpaquePayload) and hsh.data == b"\x7c" * 20


def test_v1_informational_notify_and_delete(sc: SimpleNamespace) -> None:
    v1 = sc.v1
    pkt = (v1.ISAKMP(init_cookie=ISPI, resp_cookie=RSPI, exch_type=5, id=0x11223344)
           / v1.ISAKMP_payload_Notify(doi=1, proto=1, SPIsize=16, notify_msg_type=14, SPI=ISPI + RSPI)
           / v1.ISAKMP_payload_Delete(doi=1, proto=3, SPIsize=4, SPIs=[b"\xde\xad\xbe\xef", b"\xca\xfe\xba\xbe"]))
    m = decode_clean(pkt)
    assert (m.header.exchange, m.header.message_id) == (5, 0x11223344)
    notify, delete = m.payloads
    assert isinstance(notify, NotifyPayload)
    assert (notify.doi, notify.protocol, notify.notify_type, notify.spi) == (1, 1, 14, ISPI + RSPI)
    assert isinstance(delete, DeletePayload)
    assert (delete.doi, delete.protocol, delete.spi_size) == (1, 3, 4)
    assert delete.spis == (b"\xde\xad\xbe\xef", b"\xca\xfe\xba\xbe")


def test_v1_quick_mode_esp_proposal(sc: SimpleNamespace) -> None:
    """Phase 2 attributes use the IPsec DOI numbers (RFC 2407 4.5), which scapy picks by protocol."""
    v1 = sc.v1
    tf = v1.ISAKMP_payload_Transform(transform_count=1, transform_id=12,
                                     transforms=[("KeyLength", 128), ("AuthenticationAlgorithm", "HMAC-SHA"),
                                                 ("EncapsulationMode", "Tunnel")])
    prop = v1.ISAKMP_payload_Proposal(proposal=1, proto=3, SPIsize=4, SPI=b"\x0a\x0b\x0c\x0d", trans_nb=1, trans=tf)
    pkt = v1.ISAKMP(init_cookie=ISPI, resp_cookie=RSPI, exch_type=32, id=7) / v1.ISAKMP_payload_SA(prop=prop)
    m = decode_clean(pkt)
    (sa,) = m.payloads
    (p,) = sa.proposals
    assert (p.protocol, p.spi, [t.id for t in p.transforms]) == (3, b"\x0a\x0b\x0c\x0d", [12])
    assert [(a.type, a.value) for a in p.transforms[0].attributes] == [(6, 128), (5, 2), (4, 1)]


def test_v1_encrypted_flag_keeps_body_opaque(sc: SimpleNamespace) -> None:
    v1 = sc.v1
    pkt = v1.ISAKMP(init_cookie=ISPI, resp_cookie=RSPI, next_payload=8, exch_type=32, flags="encryption",
                    id=9) / (b"\x33" * 48)
    m = decode_clean(pkt)
    assert m.header.encrypted_v1 and m.payloads == () and m.encrypted_v1 == b"\x33" * 48


# ---- IKEv2 --------------------------------------------------------------------------------------

def _v2_sa(sc: SimpleNamespace):
    v2 = sc.v2
    gcm = (v2.IKEv2_Transform(transform_type=1, transform_id=20, length=12, key_length=256)
           / v2.IKEv2_Transform(transform_type=2, transform_id=7)
           / v2.IKEv2_Transform(transform_type=4, transform_id=19))
    cbc = (v2.IKEv2_Transform(transform_type=1, transform_id=12, length=12, key_length=128)
           / v2.IKEv2_Transform(transform_type=2, transform_id=5)
           / v2.IKEv2_Transform(transform_type=3, transform_id=12)
           / v2.IKEv2_Transform(transform_type=4, transform_id=14))
    return v2.IKEv2_SA(prop=v2.IKEv2_Proposal(proposal=1, proto=1, trans_nb=3, trans=gcm)
                       / v2.IKEv2_Proposal(proposal=2, proto=1, trans_nb=4, trans=cbc))


def test_v2_sa_init_request(sc: SimpleNamespace) -> None:
    v2 = sc.v2
    pkt = (v2.IKEv2(init_SPI=ISPI, exch_type=34, flags="Initiator", id=0)
           / _v2_sa(sc)
           / v2.IKEv2_KE(group=19, ke=b"\x01" * 64)
           / v2.IKEv2_Nonce(nonce=b"\x02" * 32)
           / v2.IKEv2_Notify(type=16388, notify=b"\x03" * 20)
           / v2.IKEv2_Notify(type=16389, notify=b"\x04" * 20)
           / v2.IKEv2_VendorID(vendorID=b"strongSwan"))
    m = decode_clean(pkt)
    h = m.header
    assert (h.ispi, h.rspi, h.major, h.exchange, h.flags, h.message_id) == (ISPI, b"\0" * 8, 2, 34, 0x08, 0)
    assert h.initiator and not h.response
    assert [p.type for p in m.payloads] == [33, 34, 40, 41, 41, 43]
    sa, ke, nonce, nat_s, nat_d, vid = m.payloads
    assert [(p.number, p.protocol) for p in sa.proposals] == [(1, 1), (2, 1)]
    assert [[(t.type, t.id) for t in p.transforms] for p in sa.proposals] == [
        [(1, 20), (2, 7), (4, 19)], [(1, 12), (2, 5), (3, 12), (4, 14)]]
    assert [p.transforms[0].attr(14) for p in sa.proposals] == [256, 128]
    assert isinstance(ke, KePayload) and (ke.group, ke.data_length) == (19, 64)
    assert nonce.data == b"\x02" * 32
    assert [(n.notify_type, n.data) for n in (nat_s, nat_d)] == [(16388, b"\x03" * 20), (16389, b"\x04" * 20)]
    assert vid.data == b"strongSwan"


def test_v2_sa_init_response_with_error_notify(sc: SimpleNamespace) -> None:
    v2 = sc.v2
    pkt = (v2.IKEv2(init_SPI=ISPI, resp_SPI=RSPI, exch_type=34, flags="Response")
           / v2.IKEv2_Notify(type=17, notify=(14).to_bytes(2, "big")))
    m = decode_clean(pkt)
    assert m.header.response and not m.header.initiator and m.header.rspi == RSPI
    (n,) = m.payloads
    assert isinstance(n, NotifyPayload) and (n.notify_type, n.data, n.spi) == (17, b"\x00\x0e", b"")


def test_v2_auth_cleartext_payloads(sc: SimpleNamespace) -> None:
    """IKE_AUTH's inner payloads as they look after decryption: ID, CERTREQ, AUTH, CP, SA, TS."""
    v2 = sc.v2
    esp = v2.IKEv2_Proposal(proposal=1, proto=3, SPIsize=4, SPI=b"\xc0\xff\xee\x01", trans_nb=2,
                            trans=v2.IKEv2_Transform(transform_type=1, transform_id=20, length=12, key_length=128)
                            / v2.IKEv2_Transform(transform_type=5, transform_id=0))
    tsi = v2.IKEv2_TSi(number_of_TSs=2, traffic_selector=[
        v2.IPv4TrafficSelector(IP_protocol_ID=17, start_port=500, end_port=500,
                               starting_address_v4="10.0.0.0", ending_address_v4="10.0.0.255"),
        v2.IPv6TrafficSelector(length=40, starting_address_v6="2001:db8::", ending_address_v6="2001:db8::ffff")])
    tsr = v2.IKEv2_TSr(number_of_TSs=1, traffic_selector=[
        v2.IPv4TrafficSelector(starting_address_v4="0.0.0.0", ending_address_v4="255.255.255.255")])
    pkt = (v2.IKEv2(init_SPI=ISPI, resp_SPI=RSPI, exch_type=35, flags="Initiator", id=1)
           / v2.IKEv2_IDi(IDtype=2, ID=b"client.example.org")
           / v2.IKEv2_CERTREQ(cert_encoding=4, cert_authority=b"\x55" * 20)
           / v2.IKEv2_AUTH(auth_type=2, load=b"\x99" * 20)
           / v2.IKEv2_CP(CFGType=1, attributes=[v2.ConfigurationAttribute(type=1),
                                                v2.ConfigurationAttribute(type=3)])
           / v2.IKEv2_SA(prop=esp) / tsi / tsr)
    m = decode_clean(pkt)
    assert (m.header.exchange, m.header.message_id) == (35, 1)
    assert [p.type for p in m.payloads] == [35, 38, 39, 47, 33, 44, 45]
    idi, creq, auth, cp, sa, ts_i, ts_r = m.payloads
    assert isinstance(idi, IdPayload) and (idi.id_type, idi.data) == (2, b"client.example.org")
    assert isinstance(creq, CertReqPayload) and (creq.encoding, creq.data) == (4, b"\x55" * 20)
    assert isinstance(auth, AuthPayload) and (auth.method, auth.data_length) == (2, 20)
    assert isinstance(cp, ConfigPayload) and cp.cfg_type == 1
    assert [(a.type, a.value) for a in cp.attributes] == [(1, b""), (3, b"")]
    (p,) = sa.proposals
    assert (p.protocol, p.spi, [(t.type, t.id) for t in p.transforms]) == (3, b"\xc0\xff\xee\x01",
                                                                          [(1, 20), (5, 0)])
    assert isinstance(ts_i, TsPayload) and isinstance(ts_r, TsPayload)
    v4, v6 = ts_i.selectors
    assert (v4.ts_type, v4.protocol, v4.start_port, v4.end_port) == (7, 17, 500, 500)
    assert (v4.start, v4.end) == (bytes([10, 0, 0, 0]), bytes([10, 0, 0, 255]))
    assert (v6.ts_type, v6.start_port, v6.end_port) == (8, 0, 65535)
    assert (v6.start, v6.end) == (ipaddress.ip_address("2001:db8::").packed,
                                  ipaddress.ip_address("2001:db8::ffff").packed)
    assert [(s.start, s.end) for s in ts_r.selectors] == [(b"\0" * 4, b"\xff" * 4)]


def test_v2_scapy_ipv6_selector_default_length_is_caught(sc: SimpleNamespace) -> None:
    """scapy's IPv6TrafficSelector defaults its length field to 20; RFC 7296 3.13.1 makes it 40.

    The payload length is right, so only the selector is too short for its two
    addresses: the decoder must point at that length field instead of reading the
    bytes after it as the end address.
    """
    v2 = sc.v2
    tsi = v2.IKEv2_TSi(number_of_TSs=1, traffic_selector=[v2.IPv6TrafficSelector()])
    raw = bytes(v2.IKEv2(init_SPI=ISPI, resp_SPI=RSPI, exch_type=35, flags="Initiator", id=1) / tsi)
    d = decode_message(raw)
    assert [(p.code, p.offset) for p in d.problems] == [("ike.substructure_length_short", 38),
                                                       ("ike.selector_count_mismatch", 32)]
    (ts,) = d.message.payloads
    assert isinstance(ts, TsPayload) and ts.selectors == ()


def test_v2_informational_delete_and_child_notify(sc: SimpleNamespace) -> None:
    v2 = sc.v2
    pkt = (v2.IKEv2(init_SPI=ISPI, resp_SPI=RSPI, exch_type=37, flags="Initiator", id=5)
           / v2.IKEv2_Notify(proto=3, SPI=b"\xaa\xbb\xcc\xdd", type=24)
           / v2.IKEv2_Delete(proto=3, SPIsize=4, SPInum=2, SPI=[b"\x01\x02\x03\x04", b"\x05\x06\x07\x08"]))
    m = decode_clean(pkt)
    notify, delete = m.payloads
    assert (notify.protocol, notify.spi, notify.notify_type) == (3, b"\xaa\xbb\xcc\xdd", 24)
    assert isinstance(delete, DeletePayload)
    assert (delete.protocol, delete.spi_size, delete.spis) == (3, 4, (b"\x01\x02\x03\x04", b"\x05\x06\x07\x08"))


def test_v2_encrypted_and_fragment(sc: SimpleNamespace) -> None:
    """SK and SKF keep their first inner payload type and stay opaque (RFC 7296 3.14, RFC 7383 2.5)."""
    v2 = sc.v2
    sk = v2.IKEv2(init_SPI=ISPI, resp_SPI=RSPI, exch_type=35, flags="Initiator", id=1) / v2.IKEv2_Encrypted(
        next_payload=35, load=b"\xee" * 80)
    (enc,) = decode_clean(sk).payloads
    assert isinstance(enc, EncryptedPayload) and (enc.type, enc.inner_next, enc.data) == (46, 35, b"\xee" * 80)
    skf = v2.IKEv2(init_SPI=ISPI, resp_SPI=RSPI, exch_type=35, flags="Initiator", id=1) / \
        v2.IKEv2_Encrypted_Fragment(next_payload=0, frag_number=2, frag_total=3, load=b"\xdd" * 40)
    (frag,) = decode_clean(skf).payloads
    assert (frag.type, frag.fragment_number, frag.total_fragments, frag.data) == (53, 2, 3, b"\xdd" * 40)


def test_v2_through_the_whole_pipeline_on_500_and_4500(sc: SimpleNamespace) -> None:
    """Whole frames from scapy (Ethernet/IPv4/UDP, and on 4500 its RFC 3948 non-ESP marker):
    the net layer must hand the decoder exactly the message scapy wrote."""
    v2 = sc.v2
    msg = bytes(v2.IKEv2(init_SPI=ISPI, exch_type=34, flags="Initiator") / _v2_sa(sc)
                / v2.IKEv2_KE(group=19, ke=b"\x01" * 64) / v2.IKEv2_Nonce(nonce=b"\x02" * 32))
    ip = sc.Ether() / sc.IP(src="192.0.2.1", dst="198.51.100.2")
    frames = [bytes(ip / sc.UDP(sport=500, dport=500) / msg),
              bytes(ip / sc.UDP(sport=4500, dport=4500) / sc.NON_ESP() / msg)]
    out = list(decode_frames(Frame(i, 1_700_000_000.0 + i, 1, f, len(f)) for i, f in enumerate(frames, 1)))
    assert [(dg.frame, dg.dport, dg.encap, dg.payload) for dg, _ in out] == [(1, 500, "plain", msg),
                                                                            (2, 4500, "non-esp", msg)]
    for _, d in out:
        assert d.problems == () and [p.type for p in d.message.payloads] == [33, 34, 40]


# ---- random IKEv2 chains: whatever scapy writes, the decoder reads back ----------------------------

_PLAIN_NOTIFY_TYPES = st.one_of(st.sampled_from([7, 9, 11, 14, 24, 34, 16384, 16390, 16392, 16393, 16394, 16430]),
                                st.integers(40960, 65535))  # private use: no format to respect
_spi = st.sampled_from([0, 4, 8]).flatmap(lambda n: st.binary(min_size=n, max_size=n))
_transform = st.tuples(st.integers(1, 5), st.integers(0, 65535), st.one_of(st.none(), st.integers(0, 65535)))
_proposal = st.tuples(st.integers(1, 255), st.sampled_from([1, 2, 3]), _spi, st.lists(_transform, min_size=1,
                                                                                       max_size=6))
_selector = st.tuples(st.integers(0, 255), st.integers(0, 65535), st.integers(0, 65535),
                      st.ip_addresses(v=4), st.ip_addresses(v=4))
_payload = st.one_of(
    st.tuples(st.just("sa"), st.lists(_proposal, min_size=1, max_size=3)),
    st.tuples(st.just("ke"), st.integers(0, 65535), st.binary(max_size=96)),
    st.tuples(st.just("nonce"), st.binary(min_size=16, max_size=64)),
    st.tuples(st.just("notify"), st.sampled_from([0, 1, 2, 3]), _spi, _PLAIN_NOTIFY_TYPES, st.binary(max_size=40)),
    st.tuples(st.just("delete"), st.sampled_from([1, 2, 3]), st.sampled_from([4, 8]).flatmap(
        lambda n: st.lists(st.binary(min_size=n, max_size=n), max_size=4))),
    st.tuples(st.just("vid"), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("id"), st.sampled_from([2, 3, 9, 11]), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("ts"), st.lists(_selector, min_size=1, max_size=4)),
)


def _scapy_payload(v2, spec: tuple):
    kind, *args = spec
    if kind == "sa":
        props = None
        for i, (number, proto, spi, transforms) in enumerate(args[0]):
            tfs = None
            for ttype, tid, key_length in transforms:
                tf = (v2.IKEv2_Transform(transform_type=ttype, transform_id=tid) if key_length is None else
                      v2.IKEv2_Transform(transform_type=ttype, transform_id=tid, length=12, key_length=key_length))
                tfs = tf if tfs is None else tfs / tf
            prop = v2.IKEv2_Proposal(proposal=number, proto=proto, SPIsize=len(spi), SPI=spi,
                                     trans_nb=len(transforms), trans=tfs)
            props = prop if props is None else props / prop
        return v2.IKEv2_SA(prop=props)
    if kind == "ke":
        return v2.IKEv2_KE(group=args[0], ke=args[1])
    if kind == "nonce":
        return v2.IKEv2_Nonce(nonce=args[0])
    if kind == "notify":
        proto, spi, ntype, data = args
        return v2.IKEv2_Notify(proto=proto, SPIsize=len(spi), SPI=spi, type=ntype, notify=data)
    if kind == "delete":
        proto, spis = args
        return v2.IKEv2_Delete(proto=proto, SPIsize=len(spis[0]) if spis else 4, SPInum=len(spis), SPI=spis)
    if kind == "vid":
        return v2.IKEv2_VendorID(vendorID=args[0])
    if kind == "id":
        return v2.IKEv2_IDi(IDtype=args[0], ID=args[1])
    selectors = [v2.IPv4TrafficSelector(IP_protocol_ID=proto, start_port=sp, end_port=ep,
                                        starting_address_v4=str(a), ending_address_v4=str(b))
                 for proto, sp, ep, a, b in args[0]]
    return v2.IKEv2_TSi(number_of_TSs=len(selectors), traffic_selector=selectors)


def _expected(spec: tuple) -> tuple:
    """What the decoder must report for one drawn payload, in the drawn values' own terms."""
    kind, *args = spec
    if kind == "sa":
        return ("sa", [(n, p, spi, [(t, i, k) for t, i, k in tfs]) for n, p, spi, tfs in args[0]])
    if kind == "ke":
        return ("ke", args[0], len(args[1]))
    if kind == "delete":
        return ("delete", args[0], tuple(args[1]))
    if kind == "ts":
        return ("ts", [(proto, sp, ep, a.packed, b.packed) for proto, sp, ep, a, b in args[0]])
    return spec


def _decoded(p) -> tuple:
    if isinstance(p, SaPayload):
        return ("sa", [(q.number, q.protocol, q.spi, [(t.type, t.id, t.attr(14)) for t in q.transforms])
                       for q in p.proposals])
    if isinstance(p, KePayload):
        return ("ke", p.group, p.data_length)
    if isinstance(p, NotifyPayload):
        return ("notify", p.protocol, p.spi, p.notify_type, p.data)
    if isinstance(p, DeletePayload):
        return ("delete", p.protocol, p.spis)
    if isinstance(p, IdPayload):
        return ("id", p.id_type, p.data)
    if isinstance(p, TsPayload):
        return ("ts", [(s.protocol, s.start_port, s.end_port, s.start, s.end) for s in p.selectors])
    return ({40: "nonce", 43: "vid"}[p.type], p.data)


@settings(max_examples=150, deadline=None)
@given(ispi=st.binary(min_size=8, max_size=8).filter(any), rspi=st.binary(min_size=8, max_size=8),
       exchange=st.sampled_from([34, 35, 36, 37, 43]), flags=st.sampled_from([0x00, 0x08, 0x20, 0x28]),
       msgid=st.integers(0, 2**32 - 1), specs=st.lists(_payload, min_size=1, max_size=6))
def test_v2_random_chains(sc: SimpleNamespace, ispi: bytes, rspi: bytes, exchange: int, flags: int, msgid: int,
                          specs: list[tuple]) -> None:
    v2 = sc.v2
    pkt = v2.IKEv2(init_SPI=ispi, resp_SPI=rspi, exch_type=exchange, flags=flags, id=msgid)
    for spec in specs:
        pkt = pkt / _scapy_payload(v2, spec)
    raw = bytes(pkt)
    d = decode_message(raw)
    h = d.message.header
    assert (h.ispi, h.rspi, h.exchange, h.flags, h.message_id, h.length) == (ispi, rspi, exchange, flags, msgid,
                                                                           len(raw))
    assert [_decoded(p) for p in d.message.payloads] == [_expected(s) for s in specs]
    assert d.problems == ()


_v1_attribute = st.tuples(st.integers(1, 0x7FFF), st.integers(0, 2**40))
_v1_transform = st.tuples(st.integers(0, 255), st.integers(0, 255), st.lists(_v1_attribute, max_size=5))
_v1_payload = st.one_of(
    st.tuples(st.just("sa"), st.integers(1, 255), st.lists(_v1_transform, min_size=1, max_size=4)),
    st.tuples(st.just("ke"), st.binary(max_size=128)),
    st.tuples(st.just("nonce"), st.binary(min_size=8, max_size=64)),
    st.tuples(st.just("hash"), st.binary(min_size=16, max_size=32)),
    st.tuples(st.just("vid"), st.binary(min_size=1, max_size=32)),
    st.tuples(st.just("notify"), st.sampled_from([1, 3]), _spi, st.integers(1, 65535)),
    st.tuples(st.just("delete"), st.sampled_from([3, 4]), st.lists(st.binary(min_size=4, max_size=4), max_size=4)),
)


def _v1_attr_value(value: int) -> int | bytes:
    """scapy writes a value that fits 16 bits as TV, anything larger as a minimal TLV."""
    return value if value <= 0xFFFF else value.to_bytes((value.bit_length() + 7) // 8, "big")


def _v1_scapy_payload(v1, spec: tuple):
    kind, *args = spec
    if kind == "sa":
        number, transforms = args
        tfs = None
        for tnum, tid, attrs in transforms:
            tf = v1.ISAKMP_payload_Transform(transform_count=tnum, transform_id=tid, transforms=attrs)
            tfs = tf if tfs is None else tfs / tf
        return v1.ISAKMP_payload_SA(prop=v1.ISAKMP_payload_Proposal(proposal=number, proto=1,
                                                                    trans_nb=len(transforms), trans=tfs))
    if kind == "ke":
        return v1.ISAKMP_payload_KE(ke=args[0])
    if kind == "nonce":
        return v1.ISAKMP_payload_Nonce(nonce=args[0])
    if kind == "hash":
        return v1.ISAKMP_payload_Hash(hash=args[0])
    if kind == "vid":
        return v1.ISAKMP_payload_VendorID(VendorID=args[0])
    if kind == "notify":
        proto, spi, ntype = args
        return v1.ISAKMP_payload_Notify(doi=1, proto=proto, SPIsize=len(spi), SPI=spi, notify_msg_type=ntype)
    proto, spis = args
    return v1.ISAKMP_payload_Delete(doi=1, proto=proto, SPIsize=4, SPIs=spis)


def _v1_expected(spec: tuple) -> tuple:
    kind, *args = spec
    if kind == "sa":
        return ("sa", args[0], [(n, i, [(t, _v1_attr_value(v)) for t, v in attrs]) for n, i, attrs in args[1]])
    if kind == "ke":
        return ("ke", len(args[0]))
    if kind == "delete":
        return ("delete", args[0], tuple(args[1]))
    return spec


def _v1_decoded(p) -> tuple:
    if isinstance(p, SaPayload):
        (prop,) = p.proposals
        return ("sa", prop.number, [(t.number, t.id, [(a.type, a.value) for a in t.attributes])
                                    for t in prop.transforms])
    if isinstance(p, KePayload):
        return ("ke", p.data_length)
    if isinstance(p, NotifyPayload):
        return ("notify", p.protocol, p.spi, p.notify_type)
    if isinstance(p, DeletePayload):
        return ("delete", p.protocol, p.spis)
    return ({10: "nonce", 8: "hash", 13: "vid"}[p.type], p.data)


@settings(max_examples=150, deadline=None)
@given(ispi=st.binary(min_size=8, max_size=8).filter(any), rspi=st.binary(min_size=8, max_size=8),
       exchange=st.sampled_from([2, 4, 5, 32]), flags=st.sampled_from([0x00, 0x02, 0x04]),
       msgid=st.integers(0, 2**32 - 1), specs=st.lists(_v1_payload, min_size=1, max_size=6))
def test_v1_random_chains(sc: SimpleNamespace, ispi: bytes, rspi: bytes, exchange: int, flags: int, msgid: int,
                          specs: list[tuple]) -> None:
    v1 = sc.v1
    pkt = v1.ISAKMP(init_cookie=ispi, resp_cookie=rspi, exch_type=exchange, flags=flags, id=msgid)
    for spec in specs:
        pkt = pkt / _v1_scapy_payload(v1, spec)
    raw = bytes(pkt)
    d = decode_message(raw)
    h = d.message.header
    assert (h.ispi, h.rspi, h.exchange, h.flags, h.message_id, h.length) == (ispi, rspi, exchange, flags, msgid,
                                                                           len(raw))
    assert [_v1_decoded(p) for p in d.message.payloads] == [_v1_expected(s) for s in specs]
    assert d.problems == ()
