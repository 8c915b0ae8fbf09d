"""Encrypted payloads, decrypted with the published keys, compared with tshark's decrypted decode.

IKE_AUTH, CREATE_CHILD_SA and INFORMATIONAL carry what a diagnosis needs most
(identities, AUTH, traffic selectors, CP, the child SA's proposals, Delete,
error notifies) inside IKEv2's SK, and IKEv1 encrypts everything from Main
Mode's fifth message on. The corpus publishes keys for 17 captures and
tshark's decode made with them. Here the test decrypts each message with the
same keys, hands the plaintext payload chain to the decoder as the body of a
clear message, and compares the result with tshark's tree
(``isakmp.enc.contained`` for IKEv2, ``isakmp.enc.data`` for IKEv1), field by
field as in test_tshark.py.

The decryption lives in the test on purpose: it only has to recover the
plaintext tshark saw (no ICV check; GCM read as the CTR stream it is).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conformance.tshark_ref import Shape, assert_only_known, disagreements, load_decrypted, payloads_shape
from helpers import CORPUS, need_corpus
from ikescope.api import decode_file
from ikescope.wire.decode import HEADER_LEN, decode_message
from ikescope.wire.message import EncryptedPayload, IkeMessage, KePayload, SaPayload

SK = 46
# ICV length by integrity algorithm, as the UAT files name them (RFC 7296 3.3.2 registry names).
ICV_LENGTH = {"NONE": 0, "HMAC_MD5_96": 12, "HMAC_SHA1_96": 12, "AES-XCBC-96": 12, "HMAC_SHA2_256_128": 16,
              "HMAC_SHA2_384_192": 24, "HMAC_SHA2_512_256": 32}

_PLACEHOLDER_KEYS = ("only the initiator's keys are published; SK_er is an all-zero placeholder, so both tools "
                     "decrypt the responder's AUTH to noise. The noise agrees byte for byte, but its first "
                     "payload claims {declared} bytes: tshark shows that number, ikescope the {present} bytes "
                     "that are there, with ike.payload_overrun")

KNOWN_DIFFERENCES: dict[tuple[str, int], tuple[frozenset[str], str]] = {
    ("packetgen-plugin-ipsec/ikev2.pcapng", 4): (
        frozenset({"chain"}), _PLACEHOLDER_KEYS.format(declared=1123, present=519)),
    ("packetgen-plugin-ipsec/ikev2_cbc_hmac.pcapng", 4): (
        frozenset({"chain"}), _PLACEHOLDER_KEYS.format(declared=32074, present=47)),
}


@dataclass(frozen=True)
class SaKeys:
    """One line of Wireshark's ikev2_decryption_table: the keys of one IKE SA."""

    sk_ei: bytes
    sk_er: bytes
    encryption: str
    integrity: str


def key_table(capture: Path, version: int) -> Path | None:
    for candidate in (capture.with_name(f"{capture.name}.ikev{version}_decryption_table"),
                      capture.with_name(f"ikev{version}_decryption_table")):
        if candidate.is_file():
            return candidate
    return None


def _uat_rows(table: Path | None) -> list[list[str]]:
    """UAT lines are CSV with quoted algorithm names; '#' starts a comment."""
    if table is None:
        return []
    lines = [line for line in table.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.reader(lines))


def load_keys(table: Path | None) -> dict[tuple[str, str], SaKeys]:
    """(SPIi, SPIr) in hex -> keys, from an ikev2_decryption_table."""
    return {(ispi.lower(), rspi.lower()): SaKeys(bytes.fromhex(sk_ei), bytes.fromhex(sk_er), encr.split()[0],
                                                 integ.split()[0])
            for ispi, rspi, sk_ei, sk_er, encr, _sk_ai, _sk_ar, integ in _uat_rows(table)}


def load_v1_keys(table: Path | None) -> dict[str, bytes]:
    """Initiator cookie in hex -> encryption key, from an ikev1_decryption_table."""
    return {cookie.lower(): bytes.fromhex(key) for cookie, key in _uat_rows(table)}


def sk_plaintext(keys: SaKeys, data: bytes, from_initiator: bool) -> bytes | None:
    """The payload chain inside SK (RFC 7296 3.14), padding removed; None when the padding is impossible."""
    key = keys.sk_ei if from_initiator else keys.sk_er
    if keys.encryption.startswith("AES-CBC"):
        icv = ICV_LENGTH[keys.integrity]
        iv, body = data[:16], data[16:len(data) - icv]
        if len(body) % 16:
            return None
        clear = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor().update(body)
    elif keys.encryption.startswith(("AES-GCM", "AES-CTR")):
        # RFC 5282 / RFC 5930: the last 4 key bytes are the salt/nonce, the IV is 8 bytes. GCM
        # encrypts with the counter starting at 2 and appends a 16-byte tag.
        gcm = keys.encryption.startswith("AES-GCM")
        icv = 16 if gcm else ICV_LENGTH[keys.integrity]
        counter = key[-4:] + data[:8] + (2 if gcm else 1).to_bytes(4, "big")
        clear = Cipher(algorithms.AES(key[:-4]), modes.CTR(counter)).decryptor().update(data[8:len(data) - icv])
    else:
        raise AssertionError(f"no decryption for {keys.encryption} in this test")
    if not clear or clear[-1] + 1 > len(clear):
        return None
    return clear[:len(clear) - 1 - clear[-1]]


def inner_message(header: bytes, first: int, chain: bytes, flags: int | None = None) -> bytes:
    """The plaintext chain as the body of a message: same header, Next Payload, Flags and Length adjusted."""
    return (header[:16] + bytes([first]) + header[17:19] + bytes([header[19] if flags is None else flags])
            + header[20:24] + (HEADER_LEN + len(chain)).to_bytes(4, "big") + chain)


# IKEv1 attribute values (RFC 2409 appendix A): hash algorithm 1..6, encryption 7 = AES-CBC.
V1_HASHES = {1: "md5", 2: "sha1", 4: "sha256", 5: "sha384", 6: "sha512"}
V1_AES_CBC = 7


@dataclass
class V1Session:
    """What decrypting one IKEv1 SA needs (RFC 2409 appendix B): the Main/Aggressive Mode
    public values for the first IV, the chosen hash, and the last ciphertext block so far
    of each exchange (phase 1 is Message ID 0). A retransmission reuses its first IV."""

    public_values: list[bytes] = field(default_factory=list)
    hash_name: str = "sha1"
    encryption: int = V1_AES_CBC
    last_block: dict[int, bytes] = field(default_factory=dict)
    iv_of: dict[bytes, bytes] = field(default_factory=dict)

    def iv(self, message_id: int, ciphertext: bytes) -> bytes:
        if ciphertext not in self.iv_of:
            self.iv_of[ciphertext] = self._next_iv(message_id)
        return self.iv_of[ciphertext]

    def _next_iv(self, message_id: int) -> bytes:
        if message_id in self.last_block:
            return self.last_block[message_id]
        if message_id == 0:
            return hashlib.new(self.hash_name, b"".join(self.public_values[:2])).digest()[:16]
        seed = self.last_block[0] + message_id.to_bytes(4, "big")
        return hashlib.new(self.hash_name, seed).digest()[:16]


def v1_plaintext(session: V1Session, key: bytes, m: IkeMessage) -> bytes:
    assert session.encryption == V1_AES_CBC, f"no decryption for IKEv1 cipher {session.encryption} in this test"
    body = m.encrypted_v1[:len(m.encrypted_v1) // 16 * 16]
    iv = session.iv(m.header.message_id, body)
    clear = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor().update(body)
    session.last_block[m.header.message_id] = body[-16:]
    return clear


def ikescope_v1_inner(capture: Path, keys: dict[str, bytes]) -> dict[int, list[Shape]]:
    sessions: dict[bytes, V1Session] = {}
    out: dict[int, list[Shape]] = {}
    for datagram, decoded in decode_file(capture, join=False):
        m = decoded.message
        if m is None or m.header.major != 1 or m.header.ispi.hex() not in keys:
            continue
        session = sessions.setdefault(m.header.ispi, V1Session())
        for p in m.find(KePayload):
            session.public_values.append(datagram.payload[p.offset + 4:p.offset + p.length])
        for sa in m.find(SaPayload):
            chosen = sa.proposals[0].transforms[0]
            session.hash_name = V1_HASHES[chosen.attr(2)]
            session.encryption = chosen.attr(1)
        if m.encrypted_v1:
            clear = v1_plaintext(session, keys[m.header.ispi.hex()], m)
            raw = inner_message(datagram.payload[:HEADER_LEN], m.header.next_payload, clear,
                                flags=m.header.flags & ~0x01)
            out.setdefault(datagram.frame, []).append(payloads_shape(decode_message(raw).message.payloads, 1))
    return out


def ikescope_v2_inner(capture: Path, keys: dict[tuple[str, str], SaKeys]) -> dict[int, list[Shape]]:
    out: dict[int, list[Shape]] = {}
    for datagram, decoded in decode_file(capture, join=False):
        m = decoded.message
        if m is None or m.header.major != 2:
            continue
        sa_keys = keys.get((m.header.ispi.hex(), m.header.rspi.hex()))
        for sk in m.find(EncryptedPayload, SK):
            chain = sa_keys and sk_plaintext(sa_keys, sk.data, m.header.initiator)
            if chain is None:
                continue
            inner = decode_message(inner_message(datagram.payload[:HEADER_LEN], sk.inner_next, chain))
            out.setdefault(datagram.frame, []).append(payloads_shape(inner.message.payloads, 2))
    return out


def _captures() -> list:
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus-missing")]
    rels = [p.relative_to(CORPUS).as_posix().removesuffix(".tshark.decrypted.json")
            for p in sorted(CORPUS.rglob("*.tshark.decrypted.json"))]
    return [pytest.param(rel, id=rel) for rel in rels]


@pytest.mark.parametrize("rel", _captures())
def test_decrypted_payloads_agree_with_tshark(rel: str | None) -> None:
    capture = need_corpus() / rel
    theirs = load_decrypted(capture)
    ours = ikescope_v2_inner(capture, load_keys(key_table(capture, 2)))
    for frame, shapes in ikescope_v1_inner(capture, load_v1_keys(key_table(capture, 1))).items():
        ours.setdefault(frame, []).extend(shapes)
    assert theirs, "tshark decrypted nothing here: the capture does not belong in this test"
    assert_only_known(rel, disagreements(ours, theirs), KNOWN_DIFFERENCES)


def test_known_differences_name_decrypted_captures() -> None:
    root = need_corpus()
    for name, frame in KNOWN_DIFFERENCES:
        assert (root / f"{name}.tshark.decrypted.json").is_file(), name
