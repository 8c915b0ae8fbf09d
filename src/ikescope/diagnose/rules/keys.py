"""Decryption keys that do not open an SA's messages.

With ``--keys`` every encrypted message is checked (ICV, padding, payload
chain) before its plaintext is trusted. A message the keys fail to open is not
a fault of the tunnel, but it must not pass silently: a wrong or stale key
table would otherwise leave the diagnosis at "likely" with no word why.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Severity
from ...track.records import SaRecord, role_name
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
    by_side = {side: sorted({p.code for m, p in failed if m.from_initiator == side}) for side in (True, False)}
    opened_by = {side: any(m.decrypted and m.from_initiator == side for m in sa.messages) for side in (True, False)}
    directions = [f"the {role_name(side)}'s ({', '.join(c)})" for side, c in by_side.items() if c]
    slip = _likely_slip(sa.version, by_side, opened_by)
    yield make(KEYS_FAILED, Confidence.CERTAIN,
               f"{len(failed)} encrypted message(s) do not open with the keys given: {' and '.join(directions)}"
               f"; {opened} did" + (f". Likely slip: {slip}" if slip else ""), ev, sa=sa.id,
               details={"failed": len(failed), "opened": opened, "codes": codes,
                        "failed_initiator": by_side[True], "failed_responder": by_side[False],
                        "likely_slip": slip},
               reason="the integrity check or the plaintext structure says so")


def _likely_slip(version: int, by_side: dict[bool, list[str]], opened_by: dict[bool, bool]) -> str:
    """What a key table mix-up most often looks like, from which direction fails how."""
    if version == 1:
        if by_side[True] != by_side[False] and any(opened_by.values()):
            return ("one gateway's messages open and the other's do not: the two derived different keys (a "
                    "pre-shared key mismatch), or the table holds one side's keys only")
        return ""
    both = all(by_side.values())
    if both and all(c == ["crypto.bad_plaintext"] for c in by_side.values()):
        return ("the ICVs verify but neither direction decrypts: the encryption keys are swapped (SK_ei with "
                "SK_er) or the cipher or key length in the table is wrong")
    if both and all("crypto.icv_mismatch" in c for c in by_side.values()) and not any(opened_by.values()):
        return ("no message passes its integrity check: the line belongs to another IKE SA (a rekey, an older "
                "run), the integrity keys are swapped (SK_ai with SK_ar), or the integrity algorithm is wrong")
    for side in (True, False):
        if by_side[side] and not by_side[not side] and opened_by[not side]:
            key = ("SK_ei / SK_ai" if side else "SK_er / SK_ar")
            return f"only the {role_name(side)}'s direction fails: its keys ({key}) in the table are wrong"
    return ""


SA_RULES = (keys_failed,)
