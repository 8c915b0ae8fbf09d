"""Certificates: asked for and not sent, or outside their validity at capture time.

Certificates travel in clear only in IKEv1 aggressive mode; in main mode and
in IKEv2's IKE_AUTH they are encrypted and readable only with keys. So these
rules speak only about messages whose payloads are readable, in clear or
decrypted. The validity check
compares the certificate's dates with the capture's clock: the gateway judges
by its own clock, so a small difference is reported as likely, not certain.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from ...crypto.certs import cert_info
from ...model import Severity
from ...track.records import MessageRef, role_name, SaRecord
from ...wire.numbers import (
    CERT_X509_SIGNATURE,
    PL_V1_CERT,
    PL_V1_CR,
    PL_V1_ID,
    PL_V1_SIG,
    PL_V2_AUTH,
    PL_V2_CERT,
    PL_V2_CERTREQ,
    PL_V2_IDI,
    PL_V2_IDR,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Finding, VendorRef, evidence, make

# Within this much of a validity boundary the two clocks may simply disagree.
CLOCK_SLACK = 86400.0

CLAVISTER_NO_KEY = VendorRef("Clavister", "No public key found")

CERTREQ_WITHOUT_CERT = CatalogEntry(
    code="ike.certreq_without_cert",
    severity=Severity.WARNING,
    title="A certificate was requested but not sent",
    explanation="One side asked for the peer's certificate (CERTREQ, naming the CAs it trusts), and the peer "
                "authenticated without sending one. Unless the requester already holds that certificate, it has "
                "no public key to check the peer's signature with, and authentication fails. Usual causes: the "
                "peer has no certificate from a CA the requester trusts, its certificate is not loaded, or it "
                "is configured to never send certificates.",
    wire="A CERTREQ payload from one side; the peer's readable authentication message (IKEv1 aggressive mode "
         "message 2/3 or decrypted main mode 5/6, a decrypted IKE_AUTH) has an identity and a signature but no "
         "CERT payload.",
    remedy="Check on the peer that a certificate signed by a CA the requester trusts is installed and "
           "selected for this connection, and that sending certificates is enabled; or load the peer's "
           "certificate on the requester.",
    vendor_refs=(CLAVISTER_NO_KEY,),
)

CERT_EXPIRED = CatalogEntry(
    code="ike.cert_expired",
    severity=Severity.ERROR,
    title="A certificate was not valid at the time of the capture",
    explanation="A certificate sent in the negotiation had expired, or was not yet valid, when the packet was "
                "captured. The receiving gateway rejects it and authentication fails. A certificate that is "
                "'not yet valid' usually means a wrong clock, on the CA that issued it or on a gateway.",
    wire="A readable CERT payload (X.509) whose notBefore/notAfter dates do not include the capture time.",
    remedy="Renew the certificate (or re-issue it with correct dates), and check that both gateways and the CA "
           "keep correct time (NTP).",
    vendor_refs=(CLAVISTER_NO_KEY, VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 15: authentication fail")),
)

ENTRIES = (CERTREQ_WITHOUT_CERT, CERT_EXPIRED)


def _readable(m: MessageRef) -> tuple[int, ...]:
    return m.payloads + m.inner_payloads


def _auth_message(sa: SaRecord, side: bool, after: float) -> MessageRef | None:
    """The first readable message of ``side`` after ``after`` that carries its identity and proof."""
    ids, proof = ((PL_V2_IDI, PL_V2_IDR), PL_V2_AUTH) if sa.version == 2 else ((PL_V1_ID,), PL_V1_SIG)
    for m in sa.messages:
        if m.from_initiator == side and m.ts >= after and m.retransmit_of is None \
                and any(p in ids for p in _readable(m)) and proof in _readable(m):
            return m
    return None


def certreq_without_cert(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    certreq, cert = (PL_V2_CERTREQ, PL_V2_CERT) if sa.version == 2 else (PL_V1_CR, PL_V1_CERT)
    for side in (True, False):
        req = next((m for m in sa.messages if m.from_initiator == side and certreq in _readable(m)), None)
        if req is None:
            continue
        answer = _auth_message(sa, not side, req.ts)
        if answer is None or cert in _readable(answer):
            continue
        asker, peer = role_name(side), role_name(not side)
        # An IKEv1 SIG payload means signature authentication; an IKEv2 AUTH may as well be a PSK,
        # unless the asker authenticates with a certificate itself.
        own_cert = any(cert in _readable(m) for m in sa.messages if m.from_initiator == side)
        confidence = Confidence.LIKELY if sa.version == 1 or own_cert else Confidence.POSSIBLE
        yield make(CERTREQ_WITHOUT_CERT, confidence,
                   f"the {asker} asked for a certificate, and the {peer} authenticated without sending one",
                   [evidence(req, f"CERTREQ from the {asker}"), evidence(answer, f"the {peer}'s identity and "
                                                                                 "signature, no CERT")],
                   sa=sa.id, reason=("the peer signs (SIG payload) but sends no CERT" if sa.version == 1 else
                                     "the peer's IKE_AUTH is readable and has no CERT, while the asker sends its own"
                                     if own_cert else
                                     "the peer's IKE_AUTH is readable and has no CERT; it may use a PSK instead"),
                   severity=Severity.ERROR if sa.outcome == "failed" else None)


def _when(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC")


def cert_expired(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    seen: set[bytes] = set()
    for m in sa.messages:
        for der in m.certs:
            if der in seen:
                continue
            seen.add(der)
            info = cert_info(CERT_X509_SIGNATURE, der)
            if info is None:
                continue  # not a certificate we can read: nothing to say about its dates
            try:
                now = datetime.fromtimestamp(m.ts, tz=timezone.utc)
            except (OverflowError, OSError, ValueError):
                continue  # a capture clock past any calendar says nothing about a certificate's dates
            start = datetime.fromtimestamp(info.not_before, tz=timezone.utc)
            end = datetime.fromtimestamp(info.not_after, tz=timezone.utc)
            subject = info.subject or "(empty subject)"
            if start <= now <= end:
                continue
            early = now < start
            off = (start - now if early else now - end).total_seconds()
            what = (f"not valid before {_when(start)}" if early else f"expired on {_when(end)}")
            yield make(CERT_EXPIRED, Confidence.CERTAIN if off > CLOCK_SLACK else Confidence.LIKELY,
                       f"the {role_name(m.from_initiator)}'s certificate {subject} is {what}; the capture shows "
                       f"{_when(now)}", [evidence(m, f"CERT {subject}")], sa=sa.id,
                       details={"subject": subject, "not_before": start.isoformat(), "not_after": end.isoformat(),
                                "capture_time": now.isoformat(), "not_yet_valid": early},
                       reason=(f"the validity dates miss the capture time by {off / 86400:.0f} day(s)"
                               if off > CLOCK_SLACK else
                               "the dates miss the capture time by less than a day: the clocks may differ"))


SA_RULES = (certreq_without_cert, cert_expired)
