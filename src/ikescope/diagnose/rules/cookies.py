"""Messages for an SA the receiver does not know: invalid cookies and SPIs, SAs lost on one side.

A gateway that restarted, expired an SA early or deleted it without the peer
noticing receives traffic for SPIs it no longer has. It says so with a notify
(INVALID-COOKIE / INVALID_IKE_SPI / INVALID_SPI) or, more often, says nothing.
The capture shows the second case as an SA whose start is missing (no
IKE_SA_INIT or main mode) and whose requests go unanswered, or as requests on
an IKE SA after its deletion was acknowledged. Notify numbers: RFC 2408
3.14.1, RFC 7296 3.10.1 and 2.21.4; Delete answers RFC 7296 1.4.1.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Severity
from ...track.records import Exchange, MessageRef, role_name, SaRecord
from ...wire import registry as reg
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_MAIN,
    EX_V2_IKE_SA_INIT,
    EX_V2_INFORMATIONAL,
    N_V1_INVALID_COOKIE,
    N_V1_INVALID_SPI,
    N_V2_INVALID_IKE_SPI,
    N_V2_INVALID_SPI,
    PL_NONE,
    PL_V2_D,
    PL_V2_N,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Evidence, Finding, VendorRef, evidence, make

MAX_EVIDENCE = 5

INVALID_SPI_ENTRY = CatalogEntry(
    code="ike.invalid_spi",
    severity=Severity.ERROR,
    title="Traffic for an SA the receiver does not have (invalid cookie or SPI)",
    explanation="A gateway received IKE or IPsec traffic for an SA it does not know: it restarted, let the SA "
                "expire, or deleted it while the other side still considers it up. Until the other side notices "
                "(dead peer detection, its own expiry) the tunnel is up on one side only and its traffic is "
                "dropped.",
    wire="INVALID-COOKIE (4) or INVALID-SPI (11) in IKEv1; INVALID_IKE_SPI (4) or INVALID_SPI (11) in IKEv2; or "
         "requests on an IKE SA after both sides acknowledged its deletion.",
    remedy="Clear the stale SA on the side that still uses it (reset the tunnel there). Then find out why only "
           "one side dropped it: enable dead peer detection on both sides with similar timers, align the "
           "lifetimes, and check for a reboot or a failover on the side that sent the error.",
    vendor_refs=(VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 21: invalid cookie"),
                 VendorRef("Huawei", "reason code 31: cookie mismatch"),
                 VendorRef("Huawei", "reason code 16: rekey no find old sa"),
                 VendorRef("Huawei", "reason code 17: rekey fail"),
                 VendorRef("Clavister", "Ike_invalid_payload, Ike_invalid_cookie")),
)

UNKNOWN_SA = CatalogEntry(
    code="ike.unknown_sa",
    severity=Severity.WARNING,
    title="Requests on an SA whose start is not in the capture go unanswered",
    explanation="The capture shows traffic on an IKE SA that was negotiated before the capture began, and the "
                "peer either does not answer it or answers with an error. The likely story is that one side "
                "lost the SA (restart, expiry, a deletion the other side missed) and the other keeps using it. "
                "It can also be a peer that is simply down; the earlier part of the conversation would tell.",
    wire="Encrypted requests (INFORMATIONAL, CREATE_CHILD_SA, quick mode) with both SPIs set and no IKE_SA_INIT "
         "or main mode before them, retransmitted without answer or answered by an error.",
    remedy="Check on both gateways whether this SA (the SPIs are in the finding) is still listed. If only one "
           "side has it, reset the tunnel there and enable dead peer detection on both sides, so a lost SA is "
           "noticed and renegotiated.",
    vendor_refs=(VendorRef("Clavister", "Ike_invalid_cookie (the tunnel is up on one side only; DPD or "
                                        "keep-alive used on one side only)"),
                 VendorRef("Huawei", "reason code 16: rekey no find old sa")),
)

ENTRIES = (INVALID_SPI_ENTRY, UNKNOWN_SA)


def _spi_text(m: MessageRef, n: int) -> str:
    if len(m.notify_data) != len(m.notifies):
        return ""
    data = m.notify_data[m.notifies.index(n)]
    return data.hex() if data else ""


def invalid_spi(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    yield from _readable_notify(sa)
    if sa.version == 2:
        yield from _after_delete(sa)


def _readable_notify(sa: SaRecord) -> Iterable[Finding]:
    ike_sa, ipsec_sa = ((N_V1_INVALID_COOKIE, N_V1_INVALID_SPI) if sa.version == 1
                        else (N_V2_INVALID_IKE_SPI, N_V2_INVALID_SPI))
    for m in sa.messages:
        if m.retransmit_of is not None:
            continue
        n = next((c for c in (ike_sa, ipsec_sa) if c in m.notifies), None)
        if n is None:
            continue
        name = reg.notify_name(sa.version, n)
        by, other = role_name(m.from_initiator), role_name(not m.from_initiator)
        before = [o for o in sa.messages if o.from_initiator != m.from_initiator and o.ts <= m.ts]
        ev = ([evidence(before[-1], f"the {other}'s message for the SA")] if before else []) + \
             [evidence(m, f"{name} from the {by}")]
        spi = _spi_text(m, n)
        if n == ipsec_sa:
            what = f"an IPsec SA{' (SPI ' + spi + ')' if spi else ''} it does not have"
        else:
            what = "an IKE SA it does not have (these cookies/SPIs are unknown to it)"
        went_on = any(e.answered and e.first_ts > m.ts for e in sa.exchanges)
        yield make(INVALID_SPI_ENTRY, Confidence.CERTAIN,
                   f"the {by} received traffic for {what}: {name}", ev, sa=sa.id,
                   severity=Severity.WARNING if went_on else None,
                   details={"notify": n, "name": name, "spi": spi, "sa_went_on": went_on},
                   reason=f"{name} is readable" + (" (decrypted)" if m.encrypted else ""))
        return


def _after_delete(sa: SaRecord) -> Iterable[Finding]:
    """Requests on an IKEv2 SA after a Delete of the IKE SA itself was acknowledged."""
    deleted: tuple[MessageRef, MessageRef] | None = None
    for ex in sa.exchanges:
        req, resp = sa.request(ex), sa.response(ex)
        # The answer to a CHILD SA delete carries the peer's own Delete; to an IKE SA delete it is empty.
        if (ex.exchange == EX_V2_INFORMATIONAL and req is not None and resp is not None and req.inner_next == PL_V2_D
                and resp.inner_next in (PL_NONE, None)):
            deleted = (req, resp)
            break
    if deleted is None:
        return
    # Requests the peer still answers normally show the SA alive on both sides after all.
    after = [req for e in sa.exchanges if (req := sa.request(e)) is not None and req.ts > deleted[1].ts
             and (not e.answered or _refused(sa, e))]
    if not after:
        return
    senders = {role_name(m.from_initiator) for m in after}
    ev: list[Evidence] = [evidence(deleted[0], "the IKE SA is deleted"), evidence(deleted[1], "deletion acknowledged")]
    ev += [evidence(m, f"request from the {role_name(m.from_initiator)} on the deleted SA") for m in after[:MAX_EVIDENCE]]
    yield make(INVALID_SPI_ENTRY, Confidence.LIKELY,
               f"{len(after)} request(s) from the {' and '.join(sorted(senders))} on the IKE SA after its deletion "
               f"was acknowledged (frame {deleted[1].frame}) go unanswered or are refused: a side still uses an "
               "SA that no longer exists",
               ev, sa=sa.id, details={"deleted_frame": deleted[0].frame, "requests_after": len(after)},
               reason="an empty answer to a Delete is how an IKE SA deletion is acknowledged (RFC 7296 1.4.1), and "
                      "the later requests find no SA; without keys the Delete could also have been for a CHILD SA "
                      "answered improperly")


def _refused(sa: SaRecord, ex: Exchange) -> bool:
    resp = sa.response(ex)
    return resp is not None and (any(reg.notify_is_error(2, n) for n in resp.notifies) or _encrypted_refusal(resp))


def _started_here(sa: SaRecord) -> bool:
    first = sa.messages[0]
    if sa.version == 1:
        return first.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE)
    return first.exchange == EX_V2_IKE_SA_INIT


def unknown_sa(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    """An SA negotiated before the capture whose requests get no answer, or only errors."""
    if not sa.messages or _started_here(sa) or sa.rekeyed_from is not None:
        return
    requests = [(e, req) for e in sa.exchanges if (req := sa.request(e)) is not None]
    if not requests:
        return
    asker = requests[0][1].from_initiator
    other = [m for m in sa.messages if m.from_initiator != asker]
    errors = [m for m in other if any(reg.notify_is_error(sa.version, n) for n in m.notifies)
              or (sa.version == 2 and _encrypted_refusal(m))]
    if len(errors) < len(other):
        return  # the other side speaks on this SA without complaint: it still has it
    unanswered = [req for e, req in requests if req.from_initiator == asker and not e.answered]
    copies = sum(e.retransmissions for e, _ in requests)
    if not errors and copies == 0 and len(unanswered) < 2:
        return
    ev = [evidence(sa.messages[0], "first message of this SA in the capture: it was negotiated earlier")]
    ev += [evidence(m, "error answer") for m in errors[:MAX_EVIDENCE]]
    ev += [evidence(req, "request never answered") for req in unanswered[:MAX_EVIDENCE] if req is not sa.messages[0]]
    how = "answered only with errors" if errors else \
        f"never answered ({len(unanswered)} request(s), {copies} retransmission(s))"
    yield make(UNKNOWN_SA, Confidence.POSSIBLE,
               f"IKEv{sa.version} SA {sa.ispi.hex()}/{sa.rspi.hex()} was set up before the capture and the "
               f"{role_name(asker)}'s requests on it are {how}: the {role_name(not asker)} may have lost the SA",
               sorted(ev, key=lambda e: e.frame), sa=sa.id,
               details={"ispi": sa.ispi.hex(), "rspi": sa.rspi.hex(), "unanswered": len(unanswered),
                        "retransmissions": copies, "errors": len(errors)},
               reason="without the SA's start the capture cannot show whether the peer lost the SA or is down")


def _encrypted_refusal(m: MessageRef) -> bool:
    """An IKEv2 INFORMATIONAL answer that opens with an encrypted Notify: an error such as INVALID_SPI."""
    return (m.response and m.exchange == EX_V2_INFORMATIONAL and m.encrypted and not m.decrypted
            and m.inner_next == PL_V2_N)


SA_RULES = (invalid_spi, unknown_sa)
