"""Decryption keys that do not open an SA's messages.

With ``--keys`` every encrypted message is checked (ICV, padding, payload
chain) before its plaintext is trusted. A message the keys fail to open is not
a fault of the tunnel, but it must not pass silently: a wrong or stale key
table would otherwise leave the diagnosis at "likely" with no word why.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Severity
from ...track.records import SaRecord
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Finding, evidence, make

# Problems that mean "these keys do not fit this message" (crypto/decrypt.py); crypto.no_key is
# left out: a table holding only other SAs' keys is normal.
KEY_FAILURES = ("crypto.icv_mismatch", "crypto.bad_padding", "crypto.bad_plaintext", "crypto.bad_length",
                "crypto.iv_unknown", "crypto.unsupported_algorithm")

KEYS_FAILED = CatalogEntry(
    code="ike.keys_failed",
    severity=Severity.WARNING,
    title="The decryption keys do not open some messages",
    explanation="Keys were given for this IKE SA, but some of its encrypted messages fail the integrity check "
                "or decrypt to something that is not a payload chain. Either the key table belongs to another "
                "negotiation (a rekey, an older run), holds only one gateway's keys, or the two gateways really "
                "derived different keys (a pre-shared key mismatch does exactly that in IKEv1).",
    wire="Encrypted messages whose ICV does not verify, or whose plaintext has bad padding or no valid payload "
         "chain, with the keys given by --keys.",
    remedy="Check that the key table was written during this capture (strongSwan's save-keys writes one line per "
           "IKE SA) and, for IKEv1, give both gateways' tables. If one side's messages never open with its own "
           "key, compare the pre-shared keys.",
    supporting=True,
)

ENTRIES = (KEYS_FAILED,)


def keys_failed(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    failed = [(m, p) for m in sa.messages for p in m.problems if p.code in KEY_FAILURES]
    if not failed:
        return
    opened = sum(1 for m in sa.messages if m.decrypted)
    codes = sorted({p.code for _, p in failed})
    ev = [evidence(m, p.detail) for m, p in failed[:6]]
    yield make(KEYS_FAILED, Confidence.CERTAIN,
               f"{len(failed)} encrypted message(s) do not open with the keys given ({', '.join(codes)}); "
               f"{opened} did", ev, sa=sa.id, details={"failed": len(failed), "opened": opened, "codes": codes},
               reason="the integrity check or the plaintext structure says so")


SA_RULES = (keys_failed,)
