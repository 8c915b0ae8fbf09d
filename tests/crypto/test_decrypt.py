"""The Decryptor on messages built here: every IKEv2 cipher and integrity pair, SKF reassembly,
IKEv1 IV chaining, and what a wrong key, bad padding or arbitrary bytes become."""

from __future__ import annotations

import hashlib
import hmac
import os
import struct

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import chain, header, payload
from ikescope.crypto.decrypt import MAX_FRAGMENT_SETS, Decryptor
from ikescope.crypto.keys import ENCRYPTIONS, INTEGRITIES, KeyStore, V1Key, V2Keys
from ikescope.model import Datagram
from ikescope.wire.decode import decode_message
from ikescope.wire.message import IdPayload, NotifyPayload

SPI_I, SPI_R = bytes.fromhex("1111111111111111"), bytes.fromhex("2222222222222222")
N, IDI, SK, SKF = 41, 35, 46, 53
IKE_AUTH = 35
# The clear content: IDi (FQDN "alice.test") then Notify AUTHENTICATION_FAILED.
FIRST, CONTENT = chain((IDI, bytes([2, 0, 0, 0]) + b"alice.test"), (N, bytes([0, 0]) + struct.pack("!H", 24)))


def dg(data: bytes, src: str = "192.0.2.1", sport: int = 500, dst: str = "192.0.2.2") -> Datagram:
    return Datagram((1,), 0.0, src, dst, sport, 500, "udp", "plain", data)


def v2keys(enc_name: str, integ_name: str) -> V2Keys:
    enc, integ = ENCRYPTIONS[enc_name.upper()], INTEGRITIES[integ_name]
    klen = enc.key_length + enc.salt
    return V2Keys(SPI_I, SPI_R, os.urandom(klen), os.urandom(klen), enc, os.urandom(32), os.urandom(32), integ)


def seal(keys: V2Keys, content: bytes, first: int, initiator: bool = True, fragment: tuple[int, int] | None = None,
         pad: int = 3, exchange: int = IKE_AUTH, message_id: int = 1, pad_length: int | None = None) -> bytes:
    """An IKEv2 message with an SK (or SKF) payload holding ``content``, built as RFC 7296 3.14 says."""
    enc, integ = keys.encryption, keys.integrity
    ek, ak = (keys.sk_ei, keys.sk_ai) if initiator else (keys.sk_er, keys.sk_ar)
    block = 8 if enc.cipher == "3des" else 16
    if enc.mode == "cbc":
        pad = (-(len(content) + 1)) % block
    plain = content + bytes(pad) + bytes([pad if pad_length is None else pad_length])
    iv = os.urandom({"cbc": block, "null": 0}.get(enc.mode, 8))
    icv_len = enc.icv if enc.aead else integ.icv
    frag = struct.pack("!HH", *fragment) if fragment else b""
    body_len = len(frag) + len(iv) + len(plain) + icv_len
    ptype = SKF if fragment else SK
    flags = 0x08 if initiator else 0x20
    head = header(SPI_I, SPI_R, np=ptype, exchange=exchange, flags=flags, msgid=message_id, length=28 + 4 + body_len)
    head += struct.pack("!BBH", first, 0, 4 + body_len) + frag
    if enc.aead:
        key, salt = ek[:len(ek) - enc.salt], ek[len(ek) - enc.salt:]
        if enc.mode == "gcm":
            e = Cipher(algorithms.AES(key), modes.GCM(salt + iv)).encryptor()
            e.authenticate_additional_data(head)
            sealed = e.update(plain) + e.finalize() + e.tag[:icv_len]
        else:
            sealed = AESCCM(key, tag_length=icv_len).encrypt(salt + iv, plain, head)
        return head + iv + sealed
    if enc.mode == "cbc":
        algo = algorithms.AES(ek) if enc.cipher == "aes" else TripleDES(ek)
        ct = Cipher(algo, modes.CBC(iv)).encryptor().update(plain)
    elif enc.mode == "ctr":
        counter = ek[len(ek) - 4:] + iv + (1).to_bytes(4, "big")
        ct = Cipher(algorithms.AES(ek[:len(ek) - 4]), modes.CTR(counter)).encryptor().update(plain)
    else:
        ct = plain
    signed = head + iv + ct
    icv = hmac.new(ak, signed, integ.hash).digest()[:icv_len] if icv_len else b""
    return signed + icv


def opened(keys: V2Keys, data: bytes, decryptor: Decryptor | None = None):
    d = decryptor or Decryptor(KeyStore.of([keys]))
    return d.process(dg(data), decode_message(data))


PAIRS = ([(f"AES-CBC-{b}", i) for b in (128, 192, 256) for i in INTEGRITIES if i != "NONE"]
         + [(f"AES-CTR-{b}", "HMAC_SHA2_256_128") for b in (128, 192, 256)]
         + [("3DES", "HMAC_SHA1_96"), ("3DES", "HMAC_MD5_96"), ("NULL", "HMAC_SHA2_512_256"), ("AES-CBC-128", "NONE")]
         + [(f"AES-{m}-{b} with {icv} octet ICV", "NONE") for m in ("GCM", "CCM") for b in (128, 192, 256)
            for icv in (8, 12, 16)])


@pytest.mark.parametrize("enc, integ", PAIRS)
def test_every_supported_pair_opens_and_checks_its_icv(enc: str, integ: str) -> None:
    keys = v2keys(enc, integ)
    for initiator in (True, False):
        data = seal(keys, CONTENT, FIRST, initiator=initiator)
        out = opened(keys, data)
        assert [p.code for p in out.problems] == []
        inner = out.message.inner
        assert [type(p) for p in inner] == [IdPayload, NotifyPayload]
        assert inner[0].data == b"alice.test" and inner[1].notify_type == 24
        if integ != "NONE" or ENCRYPTIONS[enc.upper()].aead:
            tampered = bytearray(data)
            tampered[-1] ^= 1
            out = opened(keys, bytes(tampered))
            assert out.message.inner is None
            assert [p.code for p in out.problems] == ["crypto.icv_mismatch"]


def test_aead_tag_covers_the_header() -> None:
    keys = v2keys("AES-GCM-256 with 16 octet ICV", "NONE")
    data = bytearray(seal(keys, CONTENT, FIRST))
    data[20] ^= 1  # the message ID is associated data (RFC 5282 5.1)
    out = opened(keys, bytes(data))
    assert out.message.inner is None and [p.code for p in out.problems] == ["crypto.icv_mismatch"]


def test_impossible_padding_is_reported() -> None:
    keys = v2keys("AES-CTR-128", "HMAC_SHA1_96")
    out = opened(keys, seal(keys, b"", 0, pad=0, pad_length=5))  # authentic, but Pad Length overruns
    assert [p.code for p in out.problems] == ["crypto.bad_padding"] and out.message.inner is None


def test_a_cut_message_stays_closed() -> None:
    keys = v2keys("AES-GCM-128 with 16 octet ICV", "NONE")
    out = opened(keys, seal(keys, CONTENT, FIRST)[:-5])
    assert "crypto.truncated" in [p.code for p in out.problems] and out.message.inner is None


def test_no_key_for_the_sa_is_information() -> None:
    keys = v2keys("AES-CBC-128", "HMAC_SHA1_96")
    other = V2Keys(SPI_R, SPI_I, keys.sk_ei, keys.sk_er, keys.encryption, keys.sk_ai, keys.sk_ar, keys.integrity)
    out = Decryptor(KeyStore.of([other])).process(dg(data := seal(keys, CONTENT, FIRST)), decode_message(data))
    assert [(p.code, p.severity.value) for p in out.problems] == [("crypto.no_key", "info")]


def test_skf_fragments_are_reassembled_in_order_whatever_their_arrival() -> None:
    keys = v2keys("AES-CBC-256", "HMAC_SHA2_256_128")
    parts = [CONTENT[:5], CONTENT[5:17], CONTENT[17:]]
    msgs = [seal(keys, part, FIRST if i == 0 else 0, fragment=(i + 1, 3)) for i, part in enumerate(parts)]
    d = Decryptor(KeyStore.of([keys]))
    results = [opened(keys, msgs[i], d) for i in (2, 0, 0, 1)]  # fragment 1 arrives twice
    assert [r.message.inner is not None for r in results] == [False, False, False, True]
    assert [p.type for p in results[-1].message.inner] == [IDI, N]
    assert all(not r.problems for r in results)


def test_pending_fragment_sets_are_bounded() -> None:
    keys = v2keys("AES-CBC-128", "HMAC_SHA1_96")
    d = Decryptor(KeyStore.of([keys]))
    for mid in range(MAX_FRAGMENT_SETS + 10):
        opened(keys, seal(keys, CONTENT[:5], FIRST, fragment=(1, 2), message_id=mid), d)
    assert len(d._fragments) == MAX_FRAGMENT_SETS
    assert d.limit.count == 10
    (event,) = d.limit_events()
    assert event.limit == ("skf_sets", MAX_FRAGMENT_SETS) and "10 messages were forgotten" in event.problem.detail


def test_pending_fragment_bytes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from ikescope.crypto import decrypt

    monkeypatch.setattr(decrypt, "MAX_FRAGMENT_BYTES", 60)  # two 26-byte fragments
    keys = v2keys("AES-CBC-128", "HMAC_SHA1_96")
    d = Decryptor(KeyStore.of([keys]))
    for mid in range(5):
        opened(keys, seal(keys, CONTENT, FIRST, fragment=(1, 2), message_id=mid), d)
        assert d._fragment_bytes <= 60
    assert len(d._fragments) == 2 and d.limit.count == 3


# IKEv1 ---------------------------------------------------------------------------------------

V1_SA, V1_KE, V1_ID, V1_HASH, V1_N = 1, 4, 5, 8, 11
COOKIE_I, COOKIE_R = bytes.fromhex("0102030405060708"), bytes.fromhex("a1a2a3a4a5a6a7a8")


def v1_sa(cipher: int, key_bits: int | None) -> bytes:
    attrs = struct.pack("!HH", 0x8001, cipher) + struct.pack("!HH", 0x8002, 2)  # hash SHA1
    if key_bits:
        attrs += struct.pack("!HH", 0x800E, key_bits)
    transform = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(transform), 1, 1, 0, 1) + transform
    return struct.pack("!II", 1, 1) + prop


def v1(np: int, body: bytes, exchange: int, msgid: int = 0, flags: int = 0, rspi: bytes = COOKIE_R) -> bytes:
    return header(COOKIE_I, rspi, np=np, version=0x10, exchange=exchange, flags=flags, msgid=msgid, body=body)


def v1_encrypted(algo_of, key: bytes, iv: bytes, np: int, content: bytes, exchange: int, msgid: int,
                 block: int) -> tuple[bytes, bytes]:
    plain = content + bytes((-len(content)) % block)
    ct = Cipher(algo_of(key), modes.CBC(iv)).encryptor().update(plain)
    return v1(np, ct, exchange, msgid, flags=0x01), ct[-block:]


@pytest.mark.parametrize("cipher, key_len, algo_of", [
    (7, 16, algorithms.AES), (7, 32, algorithms.AES), (5, 24, TripleDES), (1, 8, lambda k: TripleDES(k * 3))])
def test_ikev1_main_mode_and_quick_mode_chain_their_ivs(cipher: int, key_len: int, algo_of) -> None:
    key = os.urandom(key_len)
    block = 16 if cipher == 7 else 8
    gxi, gxr = os.urandom(128), os.urandom(128)
    id_body = bytes([1, 17, 1, 244]) + bytes([192, 0, 2, 1])
    content_first, content = chain((V1_ID, id_body), (V1_HASH, os.urandom(20)))
    qm_first, qm = chain((V1_HASH, os.urandom(20)), (V1_N, struct.pack("!IBBH", 1, 3, 0, 14)))
    iv = hashlib.sha1(gxi + gxr).digest()[:block]
    mm5, last = v1_encrypted(algo_of, key, iv, content_first, content, 2, 0, block)
    mm6, last = v1_encrypted(algo_of, key, last, content_first, content, 2, 0, block)
    qm_iv = hashlib.sha1(last + (77).to_bytes(4, "big")).digest()[:block]
    qm1, qm_last = v1_encrypted(algo_of, key, qm_iv, qm_first, qm, 32, 77, block)
    qm2, _ = v1_encrypted(algo_of, key, qm_last, qm_first, qm, 32, 77, block)
    init, resp = dict(src="192.0.2.1", dst="192.0.2.2"), dict(src="192.0.2.2", dst="192.0.2.1")
    sequence = [
        (v1(V1_SA, payload(0, v1_sa(cipher, key_len * 8 if cipher == 7 else None)), 2, rspi=bytes(8)), init),
        (v1(V1_SA, payload(0, v1_sa(cipher, key_len * 8 if cipher == 7 else None)), 2), resp),
        (v1(V1_KE, payload(0, gxi), 2), init), (v1(V1_KE, payload(0, gxr), 2), resp),
        (mm5, init), (mm6, resp), (mm5, init), (qm1, init), (qm2, resp)]
    d = Decryptor(KeyStore.of([V1Key(COOKIE_I, key)]))
    out = [d.process(dg(data, **who), decode_message(data)) for data, who in sequence]
    for r in out[4:]:
        assert [p.code for p in r.problems] == [] and r.message.inner is not None
    assert isinstance(out[4].message.inner[0], IdPayload) and out[4].message.inner[0].data == bytes([192, 0, 2, 1])
    assert out[6].message.inner == out[4].message.inner  # the retransmission reuses its first IV
    assert [p.type for p in out[8].message.inner] == [V1_HASH, V1_N]
    assert out[8].message.inner[1].notify_type == 14


def test_ikev1_psk_mismatch_each_side_opens_with_its_own_key() -> None:
    """Each gateway derived its own key; the responder, unable to read message 5, answers from the
    phase-1 IV it last accepted (the initial one)."""
    key_a, key_b, gxi, gxr = os.urandom(16), os.urandom(16), os.urandom(64), os.urandom(64)
    first, content = chain((V1_ID, bytes([1, 17, 1, 244, 192, 0, 2, 1])), (V1_HASH, os.urandom(20)))
    n_first, notify = chain((V1_HASH, os.urandom(20)), (V1_N, struct.pack("!IBBH", 1, 1, 0, 16)))
    initial = hashlib.sha1(gxi + gxr).digest()[:16]
    mm5, _ = v1_encrypted(algorithms.AES, key_a, initial, first, content, 2, 0, 16)
    info_iv = hashlib.sha1(initial + (99).to_bytes(4, "big")).digest()[:16]
    info, _ = v1_encrypted(algorithms.AES, key_b, info_iv, n_first, notify, 5, 99, 16)
    init, resp = dict(src="192.0.2.1", dst="192.0.2.2"), dict(src="192.0.2.2", dst="192.0.2.1")
    sequence = [(v1(V1_SA, payload(0, v1_sa(7, 128)), 2, rspi=bytes(8)), init),
                (v1(V1_SA, payload(0, v1_sa(7, 128)), 2), resp),
                (v1(V1_KE, payload(0, gxi), 2), init), (v1(V1_KE, payload(0, gxr), 2), resp),
                (mm5, init), (info, resp)]
    for keys, expect in (([key_a, key_b], [[], []]), ([key_b], [["crypto.bad_plaintext"], []])):
        d = Decryptor(KeyStore.of([V1Key(COOKIE_I, k) for k in keys]))
        out = [d.process(dg(data, **who), decode_message(data)) for data, who in sequence][4:]
        assert [[p.code for p in r.problems] for r in out] == expect
        assert out[1].message.inner[1].notify_type == 16


def test_ikev1_without_the_ke_payloads_says_the_iv_is_unknown_and_chains_on() -> None:
    """A capture that starts at main mode message 5: its IV is unknown, message 6's is its last block."""
    key = os.urandom(16)
    first, content = chain((V1_ID, bytes([1, 17, 1, 244, 192, 0, 2, 1])), (V1_HASH, os.urandom(20)))
    mm5, last = v1_encrypted(algorithms.AES, key, os.urandom(16), first, content, 2, 0, 16)
    mm6, _ = v1_encrypted(algorithms.AES, key, last, first, content, 2, 0, 16)
    d = Decryptor(KeyStore.of([V1Key(COOKIE_I, key)]))
    out = d.process(dg(mm5), decode_message(mm5))
    assert [p.code for p in out.problems] == ["crypto.iv_unknown"] and out.message.inner is None
    out = d.process(dg(mm6, src="192.0.2.2", dst="192.0.2.1"), decode_message(mm6))
    assert out.problems == () and [p.type for p in out.message.inner] == [V1_ID, V1_HASH]


# Never raises --------------------------------------------------------------------------------------

_KEYS = [v2keys(enc, integ) for enc, integ in PAIRS[::4]]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.integers(0, len(_KEYS) - 1), st.sampled_from([SK, SKF, 0]),
       st.booleans(), st.integers(0, 0xFF))
def test_process_never_raises(junk: bytes, which: int, ptype: int, v1_message: bool, flags: int) -> None:
    keys = _KEYS[which]
    body = (struct.pack("!HH", 1, 2) if ptype == SKF else b"") + junk
    if v1_message:
        data = header(COOKIE_I, COOKIE_R, np=5, version=0x10, exchange=2, flags=flags | 1, body=junk)
        store = KeyStore.of([V1Key(COOKIE_I, keys.sk_ei[:16])])
    else:
        data = header(SPI_I, SPI_R, np=ptype, flags=flags, body=payload(flags & 0x3F, body))
        store = KeyStore.of([keys])
    d = Decryptor(store)
    for _ in range(2):
        out = d.process(dg(data), decode_message(data))
        assert not [p for p in out.problems if p.code == "crypto.internal_error"]
