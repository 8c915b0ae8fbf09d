"""Opening encrypted IKE messages with keys from a ``KeyStore``, sans I/O.

``Decryptor.process`` takes each decoded message in capture order and returns
it with ``IkeMessage.inner`` filled when keys opened it; what went wrong is a
``crypto.*`` problem on the message, never an exception.

Rules:
1. No plaintext is trusted before its integrity is verified. IKEv2 checks the
   ICV (HMAC over the message up to the ICV, RFC 7296 3.14; or the AEAD tag
   over the header and the SK header, RFC 5282 5.1, with SKF's fragment
   numbers, RFC 7383) before anything is read;
   a failed check is ``crypto.icv_mismatch`` and the content stays closed.
2. IKEv1 has no ICV, so its plaintext must at least form a payload chain that
   fills the message up to the padding; otherwise ``crypto.bad_plaintext``
   (a wrong key or IV) and the content stays closed.
3. IVs are never guessed. IKEv1 IVs follow RFC 2409 appendix B: the phase-1 IV
   is hash(g^xi | g^xr) from the clear KE payloads, each later message of an
   exchange uses the last ciphertext block of the previous one, and a phase-2
   or informational exchange starts from hash(last phase-1 block | M-ID). A
   message whose IV cannot be known is ``crypto.iv_unknown``, and still lends
   its last block to the messages after it. (The one choice: a phase-2 IV may
   start from the last phase-1 block the sender accepted; see ``_v1_ivs``.)
4. State is bounded: pending SKF fragment sets (in number and in bytes) and
   IKEv1 SAs are each capped, and the oldest is forgotten first; the SKF sets
   forgotten that way are counted (``limit``) and reported once.

Problem codes: crypto.no_key (info), crypto.icv_mismatch, crypto.bad_padding,
crypto.bad_length, crypto.truncated, crypto.iv_unknown, crypto.bad_plaintext,
crypto.unsupported_algorithm, crypto.internal_error.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from ..limits import Limit
from ..model import Datagram, NetEvent, Problem, Severity
from ..wire.decode import decode_chain
from ..wire.message import Decoded, EncryptedPayload, IkeMessage, KePayload, Payload, SaPayload
from ..wire.numbers import (
    P1_ATTR_ENCRYPTION,
    P1_ATTR_HASH,
    P1_ENCR_3DES_CBC,
    P1_ENCR_AES_CBC,
    P1_ENCR_DES_CBC,
    PL_V1_KE,
    PL_V2_SKF,
    PROTO_ISAKMP,
)
from .keys import KeyStore, V1Key, V2Keys

MAX_FRAGMENT_SETS = 64      # IKEv2 messages whose SKF fragments are still arriving
MAX_FRAGMENTS = 256         # per message; RFC 7383 sets no limit, real peers send a handful
MAX_FRAGMENT_BYTES = 16 << 20  # decrypted SKF fragments held across those messages
MAX_V1_SAS = 1024           # IKEv1 SAs whose IV chains are followed
MAX_V1_EXCHANGES = 64       # per IKEv1 SA: message IDs whose last block is kept
MAX_V1_SEEN = 128           # per IKEv1 SA: ciphertexts remembered, so a retransmission reuses its IV

# Phase-1 Hash Algorithm values (RFC 2409 appendix A; 4-6 RFC 4868) as hashlib names.
V1_HASHES = {1: "md5", 2: "sha1", 4: "sha256", 5: "sha384", 6: "sha512"}


def _problem(code: str, detail: str, offset: int | None = None, length: int | None = None,
             severity: Severity = Severity.WARNING) -> Problem:
    return Problem(code, detail, offset=offset, length=length, severity=severity)


class _Closed(Exception):
    """The content cannot be opened; carries the problem that says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


@dataclass(slots=True)
class _FragmentSet:
    total: int
    first_next: int = 0
    parts: dict[int, bytes] = field(default_factory=dict)
    size: int = 0  # bytes of the parts


@dataclass(slots=True)
class _V1Sa:
    """What one IKEv1 SA's IV chain needs (RFC 2409 appendix B)."""

    initiator: tuple[str, int]
    gxi: bytes | None = None
    gxr: bytes | None = None
    cipher: int | None = None
    hash: str | None = None
    phase1: bytes | None = None  # last ciphertext block of phase 1 so far
    # the same, per key, counting only the phase-1 messages that key opened
    phase1_opened: dict[V1Key, bytes] = field(default_factory=dict)
    last: OrderedDict[int, bytes] = field(default_factory=OrderedDict)  # phase-2 message ID -> last block
    seen: OrderedDict[bytes, bytes] = field(default_factory=OrderedDict)  # ciphertext digest -> IV used (b"": unknown)


class Decryptor:
    """Decrypts the messages of one capture, in order, with the keys of a store."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys
        self._fragments: OrderedDict[tuple[bytes, bytes, int, bool], _FragmentSet] = OrderedDict()
        self._fragment_bytes = 0
        self.limit = Limit("skf_sets", MAX_FRAGMENT_SETS)
        self._v1: OrderedDict[bytes, _V1Sa] = OrderedDict()

    def process(self, dg: Datagram, decoded: Decoded) -> Decoded:
        """``decoded`` with its decrypted payloads in ``message.inner`` and any crypto problems added."""
        m = decoded.message
        if m is None or not len(self.keys) or m.header.major not in (1, 2):
            return decoded
        try:
            if m.header.major == 2:
                inner, problems = self._v2(dg, m)
            else:
                inner, problems = self._v1_message(dg, m)
        except Exception as exc:  # noqa: BLE001 - a bug must not stop an analysis; it is reported instead
            inner, problems = None, [_problem("crypto.internal_error",
                                              f"internal decryption error: {type(exc).__name__}",
                                              severity=Severity.ERROR)]
        if inner is None and not problems:
            return decoded
        message = replace(m, inner=inner) if inner is not None else m
        return Decoded(message, decoded.problems + tuple(problems))

    # IKEv2 -----------------------------------------------------------------

    def _v2(self, dg: Datagram, m: IkeMessage) -> tuple[tuple[Payload, ...] | None, list[Problem]]:
        sk = next((p for p in m.payloads if isinstance(p, EncryptedPayload)), None)
        if sk is None:
            return None, []
        h = m.header
        keys = self.keys.ikev2(h.ispi, h.rspi)
        if keys is None:
            return None, [_problem("crypto.no_key", f"no key for IKE SA {h.ispi.hex()}/{h.rspi.hex()}",
                                   severity=Severity.INFO)]
        wire = bytes(dg.payload[:h.length])
        end = sk.offset + sk.length
        if dg.truncated or len(dg.payload) < h.length or end > len(wire):
            return None, [_problem("crypto.truncated", "the message is cut short, so its integrity cannot be "
                                   "verified and it stays encrypted", offset=sk.offset, length=sk.length)]
        start = sk.offset + (8 if sk.type == PL_V2_SKF else 4)
        try:
            plain = open_sk(keys, h.initiator, wire, start, end)
        except _Closed as closed:
            return None, [closed.problem]
        if sk.type != PL_V2_SKF:
            return _v2_inner(plain, sk.inner_next, keys, h.initiator)
        return self._fragment(dg, h.ispi, h.rspi, h.message_id, h.initiator, sk, plain, keys)

    def _fragment(self, dg: Datagram, ispi: bytes, rspi: bytes, message_id: int, from_initiator: bool,
                  sk: EncryptedPayload, plain: bytes, keys: V2Keys) -> tuple[tuple[Payload, ...] | None, list[Problem]]:
        """Keep one verified SKF fragment; the one completing its message yields the whole content."""
        number, total = sk.fragment_number or 0, sk.total_fragments or 0
        if not 0 < number <= total or total > MAX_FRAGMENTS:
            return None, []
        key = (ispi, rspi, message_id, from_initiator)
        st = self._fragments.get(key)
        if st is None or st.total != total:  # RFC 7383 2.6: a new Total Fragments starts the set anew
            if st is not None:
                self._fragment_bytes -= self._fragments.pop(key).size
            st = self._fragments[key] = _FragmentSet(total)
        if number == 1:
            st.first_next = sk.inner_next
        if number not in st.parts:
            st.parts[number] = plain
            st.size += len(plain)
            self._fragment_bytes += len(plain)
        if len(st.parts) < total:
            while len(self._fragments) > MAX_FRAGMENT_SETS or (
                    self._fragment_bytes > MAX_FRAGMENT_BYTES and len(self._fragments) > 1):
                self._fragment_bytes -= self._fragments.popitem(last=False)[1].size
                self.limit.hit(dg.frame, dg.ts)
            return None, []
        self._fragment_bytes -= self._fragments.pop(key).size
        return _v2_inner(b"".join(st.parts[i] for i in range(1, total + 1)), st.first_next, keys, from_initiator)

    def limit_events(self) -> list[NetEvent]:
        """The problem event of ``limit``, if it was reached, for the end of the input."""
        ev = self.limit.event(f"decryption holds the SKF fragments of at most {MAX_FRAGMENT_SETS} IKEv2 messages "
                              f"and {MAX_FRAGMENT_BYTES >> 20} MiB", "messages were forgotten unfinished",
                              "those messages stay encrypted even if their other fragments arrived later")
        return [] if ev is None else [ev]

    # IKEv1 -----------------------------------------------------------------

    def _v1_message(self, dg: Datagram, m: IkeMessage) -> tuple[tuple[Payload, ...] | None, list[Problem]]:
        h = m.header
        keys = self.keys.ikev1(h.ispi)
        if not keys:
            if m.encrypted_v1 is None:
                return None, []
            return None, [_problem("crypto.no_key", f"no key for IKEv1 SA with initiator cookie {h.ispi.hex()}",
                                   severity=Severity.INFO)]
        sa = self._v1.get(h.ispi)
        if sa is None:
            # The first message seen (normally MM1/AM1, whose responder cookie is zero) names the initiator.
            sa = self._v1[h.ispi] = _V1Sa((dg.src, dg.sport) if h.rspi == b"\0" * 8 else (dg.dst, dg.dport))
            while len(self._v1) > MAX_V1_SAS:
                self._v1.popitem(last=False)
        from_initiator = (dg.src, dg.sport) == sa.initiator
        if m.encrypted_v1 is None:
            _learn_phase1(sa, dg.payload, m, from_initiator)
            return None, []
        block = 8 if _v1_cipher(sa, len(keys[0].key)) in (P1_ENCR_DES_CBC, P1_ENCR_3DES_CBC) else 16
        body = m.encrypted_v1[:len(m.encrypted_v1) // block * block]
        if not body:
            return None, [_problem("crypto.bad_length", "the encrypted body is shorter than one cipher block",
                                   offset=28, length=len(m.encrypted_v1))]
        digest = hashlib.blake2b(body, digest_size=16).digest()
        known = sa.seen.get(digest)
        if known is not None:
            candidates = {k: [known] if known else [] for k in keys}
            why = "it repeats a message whose IV could not be known"
        else:
            candidates = {}
            for k in keys:
                candidates[k], why = _v1_ivs(sa, h.message_id, block, sa.phase1_opened.get(k))
            if h.message_id == 0:
                sa.phase1 = body[-block:]
            else:
                _remember(sa.last, h.message_id, body[-block:], MAX_V1_EXCHANGES)
        if not any(candidates.values()):
            _remember(sa.seen, digest, b"", MAX_V1_SEEN)
            return None, [_problem("crypto.iv_unknown", f"the IV of this message cannot be known: {why}",
                                   offset=28, length=len(m.encrypted_v1))]
        unusable: Problem | None = None
        for key in keys:
            for iv in candidates[key]:
                try:
                    plain = _cbc(_v1_cipher(sa, len(key.key)), key.key, iv, body)
                except _Closed as closed:
                    unusable = closed.problem
                    break
                chain_end = _chain_end(plain, h.next_payload)
                if chain_end is not None:
                    _remember(sa.seen, digest, iv, MAX_V1_SEEN)
                    if h.message_id == 0:
                        sa.phase1_opened[key] = body[-block:]
                    return _inner(plain[:chain_end], 1, h.next_payload)
        if unusable is not None and len(keys) == 1:
            return None, [unusable]
        return None, [_problem("crypto.bad_plaintext", "the decrypted body is not a payload chain: the key "
                               "or the IV is wrong", offset=28, length=len(body))]


def open_sk(keys: V2Keys, from_initiator: bool, wire: bytes, start: int, end: int) -> bytes:
    """The content of an SK/SKF payload (``wire[start:end]`` is IV, ciphertext, ICV), padding removed.

    Raises _Closed when the ICV does not verify or the layout is impossible.
    """
    enc, integ = keys.encryption, keys.integrity
    ek, ak = (keys.sk_ei, keys.sk_ai) if from_initiator else (keys.sk_er, keys.sk_ar)
    iv_len = {"cbc": 16 if enc.cipher == "aes" else 8, "null": 0}.get(enc.mode, 8)
    icv_len = enc.icv if enc.aead else integ.icv
    body = wire[start:end]
    if len(body) < iv_len + icv_len + 1:
        raise _Closed(_problem("crypto.bad_length", f"{len(body)} bytes of encrypted data cannot hold the "
                               f"{iv_len}-byte IV, the {icv_len}-byte ICV and a Pad Length",
                               offset=start, length=len(body)))
    iv, ciphertext, icv = body[:iv_len], body[iv_len:len(body) - icv_len], body[len(body) - icv_len:]
    mismatch = _problem("crypto.icv_mismatch", f"the ICV does not verify with the {enc.name}/{integ.name} key "
                        f"from {keys.source or 'the key table'} line {keys.line}: wrong key, or the message "
                        "was altered", offset=end - icv_len, length=icv_len, severity=Severity.ERROR)
    if enc.aead:
        cipher_key, salt = ek[:len(ek) - enc.salt], ek[len(ek) - enc.salt:]
        aad = wire[:start]
        try:
            if enc.mode == "gcm":
                d = Cipher(algorithms.AES(cipher_key), modes.GCM(salt + iv, icv, min_tag_length=icv_len)).decryptor()
                d.authenticate_additional_data(aad)
                plain = d.update(ciphertext) + d.finalize()
            else:
                plain = AESCCM(cipher_key, tag_length=icv_len).decrypt(salt + iv, ciphertext + icv, aad)
        except InvalidTag:
            raise _Closed(mismatch) from None
    else:
        if integ.icv:
            mac = hmac.new(ak, wire[:end - icv_len], integ.hash).digest()[:icv_len]
            if not hmac.compare_digest(mac, icv):
                raise _Closed(mismatch)
        if enc.mode == "cbc":
            if len(ciphertext) % iv_len:
                raise _Closed(_problem("crypto.bad_length", f"{len(ciphertext)} bytes of ciphertext are not whole "
                                       f"{iv_len}-byte blocks", offset=start + iv_len, length=len(ciphertext)))
            algorithm = algorithms.AES(ek) if enc.cipher == "aes" else TripleDES(ek)
            plain = Cipher(algorithm, modes.CBC(iv)).decryptor().update(ciphertext)
        elif enc.mode == "ctr":
            # RFC 5930 / RFC 3686: nonce (the last 4 key bytes) | IV | block counter starting at 1.
            counter = ek[len(ek) - 4:] + iv + (1).to_bytes(4, "big")
            plain = Cipher(algorithms.AES(ek[:len(ek) - 4]), modes.CTR(counter)).decryptor().update(ciphertext)
        else:
            plain = ciphertext
    pad = plain[-1]
    if pad + 1 > len(plain):
        raise _Closed(_problem("crypto.bad_padding", f"Pad Length {pad} exceeds the {len(plain)} decrypted bytes",
                               offset=start + iv_len, length=len(ciphertext)))
    return plain[:len(plain) - 1 - pad]


def _v2_inner(plain: bytes, first: int, keys: V2Keys,
              from_initiator: bool) -> tuple[tuple[Payload, ...] | None, list[Problem]]:
    """Verified IKEv2 content. The ICV proves the bytes are the sender's; a plaintext that is no
    payload chain then means the table's encryption key or cipher for this direction is wrong
    (SK_ei and SK_er swapped, another key length), not that the peer sent garbage."""
    if _chain_end(plain, first, strict=False) != len(plain):
        own, other = ("SK_ei", "SK_er") if from_initiator else ("SK_er", "SK_ei")
        return None, [_problem(
            "crypto.bad_plaintext",
            f"the ICV verifies, but the {keys.encryption.name} plaintext with {own} from "
            f"{keys.source or 'the key table'} line {keys.line} is no payload chain: {own} or the cipher in the "
            f"table is wrong (swapped with {other}? another key length?)", length=len(plain))]
    return _inner(plain, 2, first)


def _inner(plain: bytes, version: int, first: int) -> tuple[tuple[Payload, ...], list[Problem]]:
    """Decode decrypted content with the project's decoder; its problems say they concern the plaintext."""
    payloads, problems = decode_chain(plain, version, first)
    return payloads, [replace(p, detail=f"in the decrypted content (offsets from its first byte): {p.detail}")
                      for p in problems]


def _remember(table: OrderedDict, key: object, value: bytes, cap: int) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > cap:
        table.popitem(last=False)


def _learn_phase1(sa: _V1Sa, wire: bytes, m: IkeMessage, from_initiator: bool) -> None:
    """The clear phase-1 facts the IV chain needs: the chosen cipher and hash, and both KE public values."""
    if m.header.message_id != 0:
        return
    for p in m.payloads:
        if isinstance(p, SaPayload) and p.proposals and p.proposals[0].protocol == PROTO_ISAKMP:
            transforms = p.proposals[0].transforms
            # The responder's SA holds the one chosen transform; the initiator's counts only until then.
            if transforms and (not from_initiator or sa.cipher is None):
                t = transforms[0]
                cipher, hash_alg = t.attr(P1_ATTR_ENCRYPTION), t.attr(P1_ATTR_HASH)
                sa.cipher = cipher if isinstance(cipher, int) else sa.cipher
                sa.hash = V1_HASHES.get(hash_alg, sa.hash) if isinstance(hash_alg, int) else sa.hash
        elif isinstance(p, KePayload) and p.type == PL_V1_KE:
            value = bytes(wire[p.offset + 4:p.offset + p.length])
            if from_initiator:
                sa.gxi = value
            else:
                sa.gxr = value


def _v1_cipher(sa: _V1Sa, key_length: int) -> int | None:
    """The negotiated cipher, or the one the key's length allows when the SA was not seen."""
    if sa.cipher is not None:
        return sa.cipher
    return {8: P1_ENCR_DES_CBC, 16: P1_ENCR_AES_CBC, 32: P1_ENCR_AES_CBC}.get(key_length)


def _v1_ivs(sa: _V1Sa, message_id: int, block: int, opened: bytes | None) -> tuple[list[bytes], str]:
    """The IVs the next new message of exchange ``message_id`` may use (RFC 2409 appendix B), or why none is known.

    A phase-2 or informational exchange starts from the last phase-1 block the
    sender accepted: a peer that could not decrypt the last phase-1 message (a
    wrong pre-shared key) does not move its IV past it, so the last block of
    the phase-1 messages that the same key opened (``opened``) is the second
    candidate.
    """
    if message_id in sa.last:
        return [sa.last[message_id]], ""
    if message_id == 0 and sa.phase1 is not None:
        return [sa.phase1], ""
    if sa.hash is None:
        return [], ("the phase-1 hash algorithm is not known (the SA exchange is not in the capture, or it "
                    "chose a hash other than MD5 or SHA-1/2)")
    initial = None
    if sa.gxi is not None and sa.gxr is not None:
        initial = hashlib.new(sa.hash, sa.gxi + sa.gxr).digest()[:block]
    if message_id == 0:
        return ([initial], "") if initial else ([], "both phase-1 KE payloads are needed and one is not in "
                                                     "the capture")
    bases = [b for b in (sa.phase1 or initial, opened or initial) if b is not None]
    if not bases:
        return [], "both phase-1 KE payloads are needed and one is not in the capture"
    mid = message_id.to_bytes(4, "big")
    return list(dict.fromkeys(hashlib.new(sa.hash, b + mid).digest()[:block] for b in bases)), ""


def _cbc(cipher: int | None, key: bytes, iv: bytes, body: bytes) -> bytes:
    if cipher == P1_ENCR_AES_CBC and len(key) in (16, 24, 32):
        algorithm = algorithms.AES(key)
    elif cipher == P1_ENCR_3DES_CBC and len(key) == 24:
        algorithm = TripleDES(key)
    elif cipher == P1_ENCR_DES_CBC and len(key) == 8:
        algorithm = TripleDES(key * 3)  # EDE with one key three times is single DES
    else:
        raise _Closed(_problem("crypto.unsupported_algorithm",
                               f"IKEv1 cipher {cipher if cipher is not None else 'unknown'} with a "
                               f"{len(key)}-byte key cannot be used (DES, 3DES and AES-CBC are supported)"))
    return Cipher(algorithm, modes.CBC(iv)).decryptor().update(body)


def _chain_end(plain: bytes, first: int, strict: bool = True) -> int | None:
    """Where a well-formed payload chain in ``plain`` ends (IKEv1's padding follows), or None.
    ``strict``: the whole second byte is reserved (IKEv1); IKEv2 keeps its critical bit there."""
    pos, nxt = 0, first
    while nxt:
        if pos + 4 > len(plain) or plain[pos + 1] & (0xFF if strict else 0x7F):
            return None
        length = int.from_bytes(plain[pos + 2:pos + 4], "big")
        if length < 4 or pos + length > len(plain):
            return None
        nxt = plain[pos]
        pos += length
    return pos
