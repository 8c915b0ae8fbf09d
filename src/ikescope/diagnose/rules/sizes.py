"""What an encrypted message can hold, judged by its length alone.

Without keys the payloads inside an SK payload (IKEv2) or an encrypted IKEv1
message are hidden, but their sizes are not: a refusal is one Notify of a few
bytes, while an answer that sets up a CHILD SA needs SA, Nonce and traffic
selectors, and with PFS a KE payload as large as the group's public value.
These helpers turn a message length into bounds on its plaintext, so rules can
say "too short to hold X" or "long enough only if it carries a KE". Every bound
errs on the side of more room (smallest overheads, smallest payloads), so a
"too short" verdict is never caused by an estimate. Sizes: RFC 7296 3.3-3.14,
RFC 2408 3.4-3.12.
"""

from __future__ import annotations

from functools import lru_cache

from ...track.records import MessageRef, SaRecord
from ...wire.message import Proposal
from ...wire.numbers import P1_ATTR_GROUP_DESCRIPTION, PL_V2_SK, TT_KE
from ..suite import suites

# Smallest IKEv2 payloads: an ID with one byte of data, an SA with one proposal (4-byte
# ESP SPI) and one transform, a 16-byte nonce, a traffic selector payload with one IPv4
# range, N(REKEY_SA) with its ESP SPI, the KE header (group and reserved bytes).
MIN_ID = 4 + 4 + 1
MIN_SA = 4 + 8 + 4 + 8
MIN_NONCE = 4 + 16
MIN_TS = 4 + 4 + 16
MIN_CHILD = MIN_SA + 2 * MIN_TS
REKEY_SA_NOTIFY = 4 + 4 + 4
KE_HEADER = 4 + 4
# No implementation sends a longer nonce in a CREATE_CHILD_SA (RFC 7296 allows 256 bytes;
# strongSwan and libreswan send 32): the allowance for an upper bound on the plaintext.
NONCE_ALLOWANCE = 4 + 64
# The smallest public value of any group in use (curve25519).
SMALLEST_KE = 32

# Public value sizes by Transform Type 4 / IKEv1 group id (RFC 2409 6, RFC 3526, RFC 5114,
# RFC 5903, RFC 6954, RFC 8031): what a KE payload of that group carries.
KE_BYTES = {1: 96, 2: 128, 5: 192, 14: 256, 15: 384, 16: 512, 17: 768, 18: 1024, 19: 64, 20: 96, 21: 132,
            22: 128, 23: 256, 24: 256, 25: 48, 26: 56, 27: 56, 28: 64, 29: 96, 30: 128, 31: 32, 32: 56}

_IV = {"aes-cbc": 16, "camellia-cbc": 16, "3des-cbc": 8, "des-cbc": 8, "aes-ctr": 8, "aes-gcm": 8, "aes-ccm": 8,
       "chacha20-poly1305": 8}
_AEAD_ICV = {"aes-gcm-16": 16, "aes-gcm-12": 12, "aes-gcm-8": 8, "aes-ccm-16": 16, "aes-ccm-12": 12,
             "aes-ccm-8": 8, "chacha20-poly1305": 16}
_ICV = {"md5": 12, "sha1": 12, "aes-xcbc": 12, "sha2-256": 16, "sha2-384": 24, "sha2-512": 32}
_PRF = {"md5": 16, "sha1": 20, "aes-xcbc": 16, "sha2-256": 32, "sha2-384": 48, "sha2-512": 64}
_V1_HASH = {"md5": 16, "sha1": 20, "sha2-256": 32, "sha2-384": 48, "sha2-512": 64}


def overheads(sa: SaRecord) -> tuple[int, int, int]:
    """IV, ICV and PRF output sizes of the chosen IKE proposal; the smallest plausible when unknown,
    so that the room computed for the plaintext is never underestimated."""
    return _overheads(sa.chosen)


# Every message of every SA asks this of the one proposal its IKE SA chose, and a busy gateway's
# SAs choose a few proposals again and again: they are frozen values, so the answers are kept.
@lru_cache(maxsize=1024)
def _overheads(proposal: Proposal | None) -> tuple[int, int, int]:
    iv, icv, prf = 8, 8, 16
    chosen = suites(2, [proposal]) if proposal is not None else []
    if len(chosen) != 1:
        return iv, icv, prf
    s = chosen[0]
    encs, integs, prfs = s.get("encryption"), s.get("integrity"), s.get("prf")
    if len(encs) == 1:
        enc = next(iter(encs))
        base = next((k for k in sorted(_IV, key=len, reverse=True) if enc.startswith(k)), None)
        iv = _IV.get(base, iv) if base else iv
        aead = next((v for k, v in _AEAD_ICV.items() if enc.startswith(k)), None)
        if aead is not None:
            icv = aead
        elif len(integs) == 1:
            icv = _ICV.get(next(iter(integs)), icv)
    if len(prfs) == 1:
        prf = _PRF.get(next(iter(prfs)), prf)
    return iv, icv, prf


def sk_room(sa: SaRecord, m: MessageRef) -> int | None:
    """Most plaintext bytes an IKEv2 message's SK payload can hold, or None if it cannot be told."""
    if m.payloads != (PL_V2_SK,) or m.fragment is not None or m.length <= 28:
        return None
    iv, icv, _ = overheads(sa)
    return m.length - 28 - 4 - iv - icv - 1  # one byte at least is the pad length


def v1_room(m: MessageRef) -> int | None:
    """Most plaintext bytes an encrypted IKEv1 message can hold (RFC 2408 3.1: all after the header)."""
    if not m.encrypted or m.fragment is not None or m.length <= 28:
        return None
    return m.length - 28


def v1_hash_length(sa: SaRecord) -> int:
    """Size of the HASH payload's digest in quick mode: the phase 1 hash (PRF) output, 16 if unknown."""
    chosen = suites(1, [sa.chosen]) if sa.chosen is not None else []
    hashes = chosen[0].get("integrity") if len(chosen) == 1 else frozenset()
    return _V1_HASH.get(next(iter(hashes)), 16) if len(hashes) == 1 else 16


def ike_group(sa: SaRecord) -> int | None:
    """The DH group the IKE SA itself agreed on (clear in IKE_SA_INIT or main/aggressive mode)."""
    if sa.version == 2 and sa.ke_group_responder is not None:
        return sa.ke_group_responder
    return _group_of(sa.version, sa.chosen) if sa.chosen is not None else None


def _group_of(version: int, p: Proposal) -> int | None:
    for t in p.transforms:
        if version == 2 and t.type == TT_KE:
            return t.id
        if version == 1:
            g = t.attr(P1_ATTR_GROUP_DESCRIPTION)
            if isinstance(g, int):
                return g
    return None


def ke_payload(group: int | None, version: int) -> int | None:
    """Bytes a KE payload of ``group`` takes, header included."""
    if group is None or group not in KE_BYTES:
        return None
    return KE_BYTES[group] + (KE_HEADER if version == 2 else 4)
