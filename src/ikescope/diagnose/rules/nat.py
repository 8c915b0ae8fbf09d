"""NAT between the peers: where it is, and whether the peers dealt with it.

Each side hashes the addresses and ports it believes it is using (NAT-D:
RFC 3947 3.2 for IKEv1, RFC 7296 2.23 for IKEv2). The tracker compares each
hash with the addresses in the captured packet: a side whose own address
hashes differently, or whose address the peer hashes differently, sits behind
a NAT. Once a NAT is found both peers must move to UDP 4500 and wrap ESP in
UDP (RFC 3948); if they stay on 500, ESP (IP protocol 50) will not pass a NAT.

NAT-T keepalives (RFC 3948 2.3) make no finding here: each arrives as its own
network event, a rule keeps no state between events, and one finding per
keepalive would bury the report. That NAT-T is in use shows in the SA's move
to UDP 4500 already.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import ip_address

from ...model import Severity
from ...track.nat import behind_nat, rewritten as _rewritten
from ...track.records import MessageRef, role_name, SaRecord
from ...wire.numbers import (
    EX_V1_AGGRESSIVE,
    EX_V1_MAIN,
    EX_V2_IKE_SA_INIT,
    ID_V1_IPV4_ADDR,
    ID_V1_IPV6_ADDR,
    N_V2_NAT_DETECTION_DESTINATION_IP,
    N_V2_NAT_DETECTION_SOURCE_IP,
    PL_V1_ID,
    PORT_NAT_T,
)
from ..context import RuleContext
from ..finding import CatalogEntry, Confidence, Finding, VendorRef, evidence, make

V2_NAT_D = (N_V2_NAT_DETECTION_SOURCE_IP, N_V2_NAT_DETECTION_DESTINATION_IP)
V1_PHASE1 = (EX_V1_MAIN, EX_V1_AGGRESSIVE)

HUAWEI_40 = VendorRef("Huawei", "IPSEC/4/IPSECNEGOFAIL reason code 40: nat detection fail")

NAT_DETECTED = CatalogEntry(
    code="ike.nat_detected",
    severity=Severity.INFO,
    title="A NAT sits between the peers",
    explanation="The address a peer reports for itself (hashed in the NAT-D data) differs from the address its "
                "packets carry, so a NAT rewrites it on the way. IPsec works through NAT only when both peers "
                "switch to UDP port 4500 and wrap ESP in UDP (NAT traversal), and the NAT keeps the mapping "
                "alive (keepalives every 20 s or so).",
    wire="IKEv2 NAT_DETECTION_SOURCE_IP / NAT_DETECTION_DESTINATION_IP notifies in IKE_SA_INIT, or IKEv1 NAT-D "
         "payloads in main mode messages 3-4 (aggressive mode 2-3), whose hash does not match the captured "
         "address and port.",
    remedy="Nothing to fix if the peers move to UDP 4500 and the tunnel works. Otherwise make sure NAT traversal "
           "is enabled on both gateways and that UDP 500 and 4500 are forwarded to the gateway behind the NAT.",
    vendor_refs=(HUAWEI_40,),
)

NAT_NO_FLOAT = CatalogEntry(
    code="ike.nat_no_float",
    severity=Severity.ERROR,
    title="NAT detected, but the peers never moved to UDP 4500",
    explanation="The NAT-D hashes show a NAT, yet the negotiation carried on over UDP 500. The IKE SA may come "
                "up, but the ESP packets that carry the traffic (IP protocol 50, no ports) are then sent "
                "unencapsulated and most NATs drop or mangle them: the tunnel looks up and passes nothing.",
    wire="NAT-D hashes that do not match, followed by IKE_AUTH (IKEv2) or main mode message 5 (IKEv1) still on "
         "UDP port 500.",
    remedy="Enable NAT traversal on both gateways (and do not force it off); check that UDP 4500 is allowed and "
           "forwarded through the NAT and firewalls.",
    vendor_refs=(HUAWEI_40,),
)

NAT_T_UNSUPPORTED = CatalogEntry(
    code="ike.nat_t_unsupported",
    severity=Severity.ERROR,
    title="A NAT is in the way and one peer does not offer NAT traversal",
    explanation="There is a NAT between the peers, but one of them did not announce NAT traversal, so they "
                "cannot agree to encapsulate ESP in UDP. ESP will not pass the NAT and the tunnel carries no "
                "traffic, or the negotiation fails outright.",
    wire="IKEv2: one side sends no NAT_DETECTION_* notifies in IKE_SA_INIT. IKEv1: one side sends no NAT-T "
         "Vendor ID (RFC 3947 or a draft), while NAT-D hashes or an identity that differs from the packet's "
         "source address show the NAT.",
    remedy="Enable NAT traversal (NAT-T) on the gateway that lacks it, or remove the NAT from the path (a public "
           "address on the gateway, or IPsec passthrough on the NAT device).",
    vendor_refs=(HUAWEI_40,),
)

ENTRIES = (NAT_DETECTED, NAT_NO_FLOAT, NAT_T_UNSUPPORTED)


def _by_frame(sa: SaRecord) -> dict[int, MessageRef]:
    return {m.frame: m for m in sa.messages}


def _on_4500(sa: SaRecord) -> MessageRef | None:
    return next((m for m in sa.messages if PORT_NAT_T in (m.sport, m.dport)), None)


def _nat_t_support(sa: SaRecord) -> dict[bool, bool | None]:
    """Whether each side announced NAT traversal; None when its first message is not in the capture."""
    out: dict[bool, bool | None] = {}
    for side in (True, False):
        # Support is announced in the first message each side sends: the one with the SA payload.
        first = [m for m in sa.messages if m.from_initiator == side and m.retransmit_of is None
                 and m.proposals is not None and m.exchange in ((EX_V2_IKE_SA_INIT,) if sa.version == 2 else V1_PHASE1)]
        if not first:
            out[side] = None
        elif sa.version == 2:
            out[side] = any(n in V2_NAT_D for m in first for n in m.notifies)
        else:
            out[side] = any("nat-t" in name.lower() for fi, name in sa.vendor_ids if fi == side)
    return out


def _id_nat(sa: SaRecord) -> dict[bool, MessageRef]:
    """IKEv1 sides whose clear IP-address identity differs from their packets' source: a NAT hint."""
    out: dict[bool, MessageRef] = {}
    for m in sa.messages:
        for ptype, id_type, text in m.ids:
            if ptype != PL_V1_ID or id_type not in (ID_V1_IPV4_ADDR, ID_V1_IPV6_ADDR) or m.from_initiator in out:
                continue
            try:
                if ip_address(text) != ip_address(m.src):
                    out[m.from_initiator] = m
            except ValueError:
                continue
    return out


def nat_detected(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    behind = behind_nat(sa)
    if not behind:
        return
    msgs = _by_frame(sa)
    parts, ev = [], []
    for side, frames in behind.items():
        shown = [msgs[f] for f in frames if f in msgs]
        if shown:
            m = shown[0]
            addr = (m.src, m.sport) if m.from_initiator == side else (m.dst, m.dport)
            parts.append(f"the {role_name(side)} (seen as {addr[0]}:{addr[1]})")
        else:
            parts.append(f"the {role_name(side)}")
        ev.extend(evidence(m, f"NAT-D hash does not match the {role_name(side)}'s captured address") for m in shown)
    floated = _on_4500(sa)
    tail = "; the peers moved to UDP 4500" if floated else ""
    if floated is not None:
        ev.append(evidence(floated, "first message on UDP 4500"))
    if _rewritten(sa):
        confidence, reason = Confidence.POSSIBLE, ("no NAT-D hash matches, not even the peers' views of each "
                                                   "other: the capture's addresses were probably rewritten")
        tail += " (or the capture's addresses were rewritten: no hash matches at all)"
    else:
        confidence = Confidence.CERTAIN if sa.version == 2 else Confidence.LIKELY
        reason = "the NAT-D hashes do not match the captured addresses" + (
            "" if sa.version == 2 else " (IKEv1 hashes with the negotiated hash; the usual ones are tried)")
    yield make(NAT_DETECTED, confidence, "a NAT is in front of " + " and ".join(parts) + tail, ev, sa=sa.id,
               details={"behind": [role_name(s) for s in behind], "floated": floated is not None}, reason=reason)


def nat_no_float(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    behind = behind_nat(sa)
    if not behind or _on_4500(sa) is not None or sa.nat_t:
        return
    if any(v is False for v in _nat_t_support(sa).values()):
        return  # explained by ike.nat_t_unsupported
    if _rewritten(sa):
        return
    # The move happens with the first message after the NAT-D exchange: IKE_AUTH (RFC 7296 2.23),
    # main mode message 5 or aggressive mode message 3 (RFC 3947 4), the first encrypted ones.
    last_nat_d = max(f for f, *_ in sa.nat_d)
    later = [m for m in sa.messages if m.frame > last_nat_d and m.retransmit_of is None
             and (m.encrypted or m.exchange not in (EX_V2_IKE_SA_INIT, *V1_PHASE1))]
    if not later:
        return  # the capture ends before the peers had to move
    msgs = _by_frame(sa)
    ev = [evidence(msgs[f], "NAT-D shows a NAT") for f in sorted({f for fs in behind.values() for f in fs})
          if f in msgs][:3]
    ev.append(evidence(later[0], f"the negotiation continues on UDP {later[0].sport}->{later[0].dport}"))
    who = " and ".join(f"the {role_name(s)}" for s in behind)
    yield make(NAT_NO_FLOAT, Confidence.LIKELY,
               f"a NAT is in front of {who}, but the peers stayed on UDP 500: ESP will not pass the NAT", ev,
               sa=sa.id, reason="NAT-D hashes differ and no later message uses UDP 4500")


def nat_t_unsupported(sa: SaRecord, ctx: RuleContext) -> Iterable[Finding]:
    support = _nat_t_support(sa)
    lacking = [s for s, v in support.items() if v is False]
    if not lacking:
        return
    behind = behind_nat(sa)
    id_hint = _id_nat(sa) if sa.version == 1 else {}
    if not behind and not id_hint:
        return
    msgs = _by_frame(sa)
    ev = [evidence(msgs[f], "NAT-D shows a NAT") for fs in behind.values() for f in fs if f in msgs][:3]
    ev += [evidence(m, f"the {role_name(s)} identifies as an address other than its source {m.src}")
           for s, m in id_hint.items()]
    for s in lacking:
        first = next(m for m in sa.messages if m.from_initiator == s and m.proposals is not None)
        ev.append(evidence(first, f"the {role_name(s)} announces no NAT traversal"))
    what = "NAT_DETECTION notifies" if sa.version == 2 else "NAT-T Vendor ID"
    who = " and ".join(f"the {role_name(s)}" for s in lacking)
    how = "NAT-D hashes" if behind else "an IP-address identity that differs from the packet's source"
    yield make(NAT_T_UNSUPPORTED, Confidence.LIKELY if behind else Confidence.POSSIBLE,
               f"{how} show a NAT, but {who} sent no {what}: ESP cannot be encapsulated in UDP", ev, sa=sa.id,
               details={"lacking": [role_name(s) for s in lacking]},
               reason=f"the NAT is shown by {how}; the {what} is missing from the clear phase 1 messages")


SA_RULES = (nat_detected, nat_no_float, nat_t_unsupported)
