"""IKEv2 redirects (RFC 5685): a responder that sends the initiator to another gateway.

A load balancer or a gateway under maintenance answers IKE_SA_INIT with REDIRECT naming
the gateway to use (an address or a name); the initiator starts over there and says
where it came from with REDIRECTED_FROM. The first SA is not a failure: it ends by design.
"""

from __future__ import annotations

from collections.abc import Iterable

from ...model import Severity
from ...track.records import SaRecord
from ...wire.numbers import N_V2_REDIRECT
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Finding, evidence, make

REDIRECTED = CatalogEntry(
    code="ike.redirected",
    severity=Severity.INFO,
    title="The responder redirected the initiator to another gateway",
    explanation="The gateway answered the first request with REDIRECT (RFC 5685) naming another gateway, as a "
                "load balancer or a gateway being drained does. The initiator is expected to start over there; "
                "the negotiation that matters is the one with the new gateway.",
    wire="An IKE_SA_INIT response carrying the REDIRECT notify (16407) with the new gateway's address or name; "
         "the initiator's next IKE_SA_INIT, to that gateway, carries REDIRECTED_FROM (16408).",
    remedy="Nothing, if redirection is intended. If the tunnel then fails, look at the negotiation with the "
           "gateway named here; if the initiator never goes there, check that it supports RFC 5685 (it "
           "announces REDIRECT_SUPPORTED) and can resolve the name.",
    versions=(2,),
)

ENTRIES = (REDIRECTED,)


def redirected(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    if sa.redirect_to is None:
        return
    answer = next((m for m in sa.messages if m.response and N_V2_REDIRECT in m.notifies), None)
    if answer is None:
        return
    ev = [evidence(answer, f"REDIRECT to {sa.redirect_to}")]
    if sa.redirected_as is not None:
        went = f"; the initiator started over there as SA {sa.redirected_as}"
    else:
        went = "; the capture shows no attempt by the initiator to go there"
    yield make(REDIRECTED, Confidence.CERTAIN,
               f"the responder ({sa.responder.address}) redirected the initiator to {sa.redirect_to}{went}", ev,
               sa=sa.id, details={"to": sa.redirect_to, "followed_as": sa.redirected_as},
               reason="the REDIRECT notify is in clear")


SA_RULES = (redirected,)
