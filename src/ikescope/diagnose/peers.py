"""Who runs each end of an IKE SA: the software, from what a peer says and how it behaves.

A failed tunnel is often fixed faster once it is known that the far end is a Cisco router
or a Windows server, whose defaults and log wording differ. Kinds of evidence, strongest
first:

1. An implementation Vendor ID (``wire.vendors``): the peer names its software, often
   with its version. Certain, as far as a Vendor ID can be taken at its word.
2. How it builds its first message: the set and order of the capability Vendor IDs of
   an IKEv1 daemon, the order of the notifies in an IKEv2 IKE_SA_INIT. A guess.
3. Its retransmission schedule: the waits between copies of a message left unanswered,
   against the documented defaults of each implementation and the shape of its backoff.
   A guess.

Rules:
1. A guess is labelled as one, with its confidence and the frames it rests on; the
   implementation VID, when there is one, wins.
2. Guesses that disagree lower the confidence of the one kept and say so.
3. The tables below hold facts with their source: published values and schedules,
   or what the lab measured of a daemon it runs (strongSwan 5.9.8, libreswan 4.10).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..track.records import MessageRef, SaRecord
from ..wire import registry as reg
from ..wire.numbers import (
    EX_V2_IKE_SA_INIT,
    N_V2_CHILDLESS_IKEV2_SUPPORTED,
    N_V2_IKEV2_FRAGMENTATION_SUPPORTED,
    N_V2_NAT_DETECTION_DESTINATION_IP,
    N_V2_NAT_DETECTION_SOURCE_IP,
    N_V2_REDIRECT_SUPPORTED,
)
from ..wire.vendors import IMPLEMENTATION
from .finding import Confidence

# A copy sent this soon after a message from the peer answers that message (an IKEv1
# daemon resends its last message when the peer's copy comes in): it says nothing about
# the sender's timer.
REACTIVE_SECONDS = 0.25
# Observed waits may differ from a schedule by this share, or FUZZ_SECONDS, whichever is
# larger (scheduling, the capture point); ike-scan matches with 100 ms by default.
FUZZ_SHARE = 0.05
FUZZ_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class PeerGuess:
    """What one peer runs, and why ikescope thinks so.

    implementation: the product family ("strongSwan", "Cisco", ...), as ``wire.vendors`` names it.
    product: the most specific name the evidence gives ("Cisco VPN 3000 Concentrator 4.0.7").
    basis: "vendor ID" (the peer says so), "vendor ID set", "notify order" or "retransmission
    schedule" (guesses).
    """

    implementation: str
    product: str
    version: str | None
    confidence: Confidence
    basis: str
    evidence: str
    frames: tuple[int, ...]

    @property
    def guess(self) -> bool:
        return self.confidence is not Confidence.CERTAIN

    def as_dict(self) -> dict[str, Any]:
        return {"implementation": self.implementation, "product": self.product, "version": self.version,
                "confidence": self.confidence.value, "guess": self.guess, "basis": self.basis,
                "evidence": self.evidence, "frames": list(self.frames)}


def peers(sa: SaRecord) -> dict[str, dict[str, Any] | None]:
    """Each side's software as report data (None where nothing tells)."""
    out: dict[str, dict[str, Any] | None] = {}
    for side, name in ((True, "initiator"), (False, "responder")):
        g = identify(sa, side)
        out[name] = None if g is None else g.as_dict()
    return out


_RANK = {Confidence.CERTAIN: 0, Confidence.LIKELY: 1, Confidence.POSSIBLE: 2}


def identify(sa: SaRecord, from_initiator: bool) -> PeerGuess | None:
    """The best account of one side's software: its implementation Vendor ID, else the guesses."""
    named = _by_vendor_id(sa, from_initiator)
    if named is not None:
        return named
    guesses = [g for g in (_by_vendor_set(sa, from_initiator), _by_schedule(sa, from_initiator),
                           _by_notify_order(sa, from_initiator)) if g is not None]
    if not guesses:
        return None
    best = min(guesses, key=lambda g: _RANK[g.confidence])  # stable: earlier bases first among equals
    against = [g for g in guesses if g.implementation != best.implementation]
    if against:
        others = "; ".join(f"{g.basis} suggests {g.product}" for g in against)
        return PeerGuess(best.implementation, best.product, best.version, Confidence.POSSIBLE, best.basis,
                         f"{best.evidence} (but {others})", best.frames)
    also = [g for g in guesses if g is not best]
    if not also:
        return best
    # independent signs that agree make a guess likely, never certain
    return PeerGuess(best.implementation, best.product, best.version, Confidence.LIKELY,
                     ", ".join(_unique([best.basis, *(g.basis for g in also)])),
                     "; ".join([best.evidence, *(g.evidence for g in also)]),
                     tuple(sorted({f for g in guesses for f in g.frames})))


# -- 1. implementation Vendor IDs -------------------------------------------------------------

def _by_vendor_id(sa: SaRecord, side: bool) -> PeerGuess | None:
    named = [(frame, vid) for s, frame, vid in sa.vendor_info if s == side and vid.kind == IMPLEMENTATION]
    if not named:
        return None
    # a VID with a version says more than a bare product marker sent beside it
    frame, vid = next(((f, v) for f, v in named if v.version), named[0])
    return PeerGuess(vid.implementation or vid.name, vid.name, vid.version, Confidence.CERTAIN, "vendor ID",
                     f"its Vendor ID says {vid.name}" + (f" ({vid.version})" if vid.version and vid.version
                                                         not in vid.name else ""), (frame,))


# -- 2a. the capability Vendor IDs of IKEv1 daemons ---------------------------------------------

_ANY_NATT = "*"  # any number of NAT-T Vendor IDs


@dataclass(frozen=True, slots=True)
class _VidSet:
    """The capability Vendor IDs a daemon sends in its first IKEv1 message, in order; a name
    ending in "?" may be missing, ``_ANY_NATT`` stands for the NAT-T ones it chose."""

    implementation: str
    sequence: tuple[str, ...]
    source: str
    telling: str  # the VID that sets it apart; without it the set is common enough to be only possible


# strongSwan's charon sends XAuth, DPD, Cisco Unity (when enabled) and the fragmentation VID
# with flags 0x80000000, then NAT-T VIDs (isakmp_vendor.c, build()); strongSwan 5.9.8 in the
# lab: RFC 3947 and draft-02\n as initiator, the one it picked as responder.
# libreswan sends the bare fragmentation VID and DPD, then RFC 3947 and drafts 03, 02\n and
# 02 ("both the RFC and the most common draft versions": ipsec.conf(5), nat-ikev1-method),
# as libreswan 4.10 did in the lab; Openswan peers in the public corpus add draft 00.
_VID_SETS = (
    _VidSet("strongSwan", ("XAuth", "Dead Peer Detection v1.0", "Cisco Unity v1.0?",
                           "Cisco Fragmentation (flags 80000000: Main/Aggressive Mode)?", _ANY_NATT),
            "the Vendor IDs and order of strongSwan's charon (isakmp_vendor.c)",
            "Cisco Fragmentation (flags 80000000: Main/Aggressive Mode)"),
    _VidSet("libreswan/Openswan", ("IKE Fragmentation?", "Dead Peer Detection v1.0", "RFC 3947 NAT-T",
                                   "draft-ietf-ipsec-nat-t-ike-03", "draft-ietf-ipsec-nat-t-ike-02\\n",
                                   "draft-ietf-ipsec-nat-t-ike-02", "draft-ietf-ipsec-nat-t-ike-00?"),
            "libreswan's Vendor IDs: DPD, then RFC 3947 with NAT-T drafts 03, 02\\n and 02 (ipsec.conf(5))",
            "draft-ietf-ipsec-nat-t-ike-03"),
)


def _fits_vid_set(vids: Sequence[tuple[str, str | None]], pattern: _VidSet) -> bool:
    """``vids``: (name, capability) of each VID, in order."""
    pos = 0
    for want in pattern.sequence:
        if want == _ANY_NATT:
            while pos < len(vids) and vids[pos][1] == "nat-t":
                pos += 1
            continue
        if pos < len(vids) and vids[pos][0] == want.rstrip("?"):
            pos += 1
        elif not want.endswith("?"):
            return False
    return pos == len(vids)


def _by_vendor_set(sa: SaRecord, side: bool) -> PeerGuess | None:
    """Implementation VIDs are passed over: with one the peer is named already, and the guess
    must stand on the capability VIDs alone."""
    if sa.version != 1 or _unknown_vids(sa, side):
        return None  # these daemons send no VID that ikescope cannot name
    mine = [(frame, vid) for s, frame, vid in sa.vendor_info if s == side and vid.kind != IMPLEMENTATION]
    found = _vid_set_guess(tuple((v.name, v.capability) for _, v in mine))
    if found is None:
        return None
    implementation, sure, evidence = found
    return PeerGuess(implementation, implementation, None, sure, "vendor ID set", evidence,
                     tuple(sorted({f for f, _ in mine})))


# A gateway sees the same few VID sets and notify lists again and again: what they say is kept (bounded).
@lru_cache(maxsize=256)
def _vid_set_guess(vids: tuple[tuple[str, str | None], ...]) -> tuple[str, Confidence, str] | None:
    for pattern in _VID_SETS:
        if vids and _fits_vid_set(vids, pattern):
            sure = Confidence.LIKELY if any(name == pattern.telling for name, _ in vids) else Confidence.POSSIBLE
            return pattern.implementation, sure, f"it sends {', '.join(name for name, _ in vids)}: {pattern.source}"
    return None


def _unknown_vids(sa: SaRecord, side: bool) -> bool:
    named = {vid.name for s, _, vid in sa.vendor_info if s == side}
    return any(s == side and label not in named for s, label in sa.vendor_ids)


# -- 2b. the order of IKEv2 IKE_SA_INIT notifies ------------------------------------------------

# RFC 7296 3.10.1 and the IANA registry: MULTIPLE_AUTH_SUPPORTED (RFC 4739) and
# SIGNATURE_HASH_ALGORITHMS (RFC 7427).
_MULTIPLE_AUTH, _SIGNATURE_HASH = 16404, 16431
_NAT_PAIR = (N_V2_NAT_DETECTION_SOURCE_IP, N_V2_NAT_DETECTION_DESTINATION_IP)

# The status notifies of an IKE_SA_INIT in the order each daemon writes them, as the lab's
# captures show (strongSwan 5.9.8, libreswan 4.10; pcaps/). A message whose notifies keep
# one of these orders, NAT-D and fragmentation support among them, was likely built by it.
_NOTIFY_ORDERS = (
    ("strongSwan", (*_NAT_PAIR, N_V2_IKEV2_FRAGMENTATION_SUPPORTED, _SIGNATURE_HASH, N_V2_REDIRECT_SUPPORTED,
                    N_V2_CHILDLESS_IKEV2_SUPPORTED, _MULTIPLE_AUTH)),
    ("libreswan/Openswan", (N_V2_IKEV2_FRAGMENTATION_SUPPORTED, *_NAT_PAIR, N_V2_CHILDLESS_IKEV2_SUPPORTED)),
)
_TELLING = frozenset({*_NAT_PAIR, N_V2_IKEV2_FRAGMENTATION_SUPPORTED})


def _subsequence(items: Sequence[int], order: Sequence[int]) -> bool:
    it = iter(order)
    return all(any(n == o for o in it) for n in items)


def _by_notify_order(sa: SaRecord, side: bool) -> PeerGuess | None:
    if sa.version != 2:
        return None
    # A COOKIE or INVALID_KE_PAYLOAD answer carries that notify alone; the order shows in the full answer after it.
    first, found = next(((m, g) for m in sa.messages if m.exchange == EX_V2_IKE_SA_INIT and m.from_initiator == side
                         and m.retransmit_of is None and m.notifies
                         and (g := _notify_order_guess(m.notifies)) is not None), (None, None))
    if first is None or found is None:
        return None
    implementation, evidence = found
    return PeerGuess(implementation, implementation, None, Confidence.POSSIBLE, "notify order", evidence,
                     (first.frame,))


@lru_cache(maxsize=256)
def _notify_order_guess(notifies: tuple[int, ...]) -> tuple[str, str] | None:
    if not _TELLING <= set(notifies):
        return None  # without NAT-D and fragmentation support both, the order tells nothing
    for implementation, order in _NOTIFY_ORDERS:
        if _subsequence(notifies, order):
            names = ", ".join(reg.notify_name(2, n) for n in notifies)
            return implementation, f"its IKE_SA_INIT carries {names} in the order {implementation} writes them"
    return None


# -- 3. retransmission schedules ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Schedule:
    """Seconds between one transmission of a message and the next, as documented or measured."""

    implementation: str
    product: str
    gaps: tuple[float, ...]
    source: str
    fuzz: tuple[float, ...] = ()  # per gap, where the source gives one

    def tolerance(self, i: int) -> float:
        given = self.fuzz[i] if i < len(self.fuzz) else 0.0
        return max(given, FUZZ_SECONDS, FUZZ_SHARE * self.gaps[i])


def _strongswan_default() -> tuple[float, ...]:
    """charon: retransmit_timeout * retransmit_base ^ (n-1) with 4 s, 1.8 and 5 tries."""
    return tuple(round(4.0 * 1.8 ** n, 3) for n in range(5))


def _libreswan_default() -> tuple[float, ...]:
    """pluto: retransmit-interval 500 ms, the first wait repeated, then doubled, within a
    retransmit-timeout of 60 s."""
    gaps, total, wait = [0.5], 0.5, 0.5
    while total + wait <= 60.0:
        gaps.append(wait)
        total += wait
        wait *= 2
    return tuple(gaps)


_IKE_SCAN = "ike-scan's ike-backoff-patterns (observed on the product)"

# Documented defaults, and the IKEv1 backoff patterns ike-scan's authors observed on
# products (royhills/ike-scan, ike-backoff-patterns: waits after the first packet, with
# their per-wait fuzz where the file gives one).
SCHEDULES: tuple[Schedule, ...] = (
    Schedule("strongSwan", "strongSwan (charon), default retransmission settings", _strongswan_default(),
             "strongSwan's documented defaults: retransmit_timeout 4 s, retransmit_base 1.8, 5 tries"),
    Schedule("libreswan/Openswan", "libreswan (pluto), default retransmission settings", _libreswan_default(),
             "libreswan's documented defaults (ipsec.conf(5)): retransmit-interval 500 ms, doubled each time, "
             "retransmit-timeout 60 s"),
    Schedule("Cisco", "Cisco IOS / PIX", (15, 15), _IKE_SCAN),
    Schedule("Cisco", "Cisco VPN 3000 Concentrator", (8, 8, 8), _IKE_SCAN),
    Schedule("Check Point", "Check Point Firewall-1 4.0", (3, 3, 3, 3, 6, 6, 6, 6, 6, 6, 6), _IKE_SCAN),
    Schedule("Check Point", "Check Point Firewall-1 4.1/NG/NGX", (2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4), _IKE_SCAN),
    Schedule("libreswan/Openswan", "Linux FreeS/WAN", (10, 20), _IKE_SCAN),
    Schedule("Nortel", "Nortel Contivity", (16, 16, 16), _IKE_SCAN, (0.6,)),
    Schedule("WatchGuard", "WatchGuard Firebox or GNAT Box", (10, 10, 10, 10, 10), _IKE_SCAN, (1, 1, 1, 1, 1)),
    Schedule("Microsoft", "Microsoft Windows 2000 or XP", (1, 2, 4, 8, 16, 32), _IKE_SCAN),
    Schedule("Microsoft", "Microsoft Windows Server 2003", (1, 2, 4, 8, 16, 32), _IKE_SCAN, (0.6,)),
    Schedule("OpenBSD isakmpd", "OpenBSD isakmpd", (7, 9, 11, 13, 15), _IKE_SCAN),
    Schedule("racoon/ipsec-tools", "KAME racoon", (20, 20, 20, 20, 20), _IKE_SCAN),
    Schedule("racoon/ipsec-tools", "KAME racoon (2005)", (21.5, 21.5, 21.5, 21.5, 21.5), _IKE_SCAN),
    Schedule("Juniper", "Juniper NetScreen", (4,) * 11, _IKE_SCAN),
    Schedule("WatchGuard", "WatchGuard SOHO", (1, 9.5, 1.5, 9.5, 1.5, 9.5, 1.5, 9.5, 1.5, 9.5, 1.5), _IKE_SCAN,
             (0.5, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2)),
    Schedule("SonicWall", "SonicWall Pro", (6.5, 9, 13, 22), _IKE_SCAN, (1.5, 1, 2, 3)),
    Schedule("SonicWall", "SonicWall", (5, 8, 18), _IKE_SCAN),
    Schedule("Secure Computing", "Secure Computing Sidewinder G2", (3, 6, 15, 48), _IKE_SCAN),
    Schedule("Linksys", "Linksys router", (15, 15, 15), _IKE_SCAN, (0.5,)),
    Schedule("Novell", "Novell BorderManager (suspected)", (4.5, 6.9, 9.8), _IKE_SCAN, (1,)),
    Schedule("DrayTek", "DrayTek router", (3, 6), _IKE_SCAN),
    Schedule("CyberGuard", "CyberGuard firewall", (3.5, 7, 10, 10), _IKE_SCAN),
)


def matching_schedules(gaps: Sequence[float]) -> list[Schedule]:
    """The documented schedules whose first waits are the observed ones (a capture may end,
    or an answer come, before a schedule runs out; it never has more waits than one allows)."""
    return [s for s in SCHEDULES if len(gaps) <= len(s.gaps)
            and all(abs(g - s.gaps[i]) <= s.tolerance(i) for i, g in enumerate(gaps))]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(FUZZ_SECONDS / 2, FUZZ_SHARE * max(a, b))


def backoff_shape(gaps: Sequence[float]) -> tuple[str, str] | None:
    """(implementation, description) when the waits follow one daemon's formula with settings
    other than its defaults: strongSwan multiplies every wait by one base; libreswan repeats its
    first wait, then doubles (measured in the lab: 1.0, 1.0, 2.0 s with retransmit-interval=1000)."""
    if len(gaps) >= 3 and _close(gaps[1], gaps[0]) and all(_close(b, 2 * a) for a, b in zip(gaps[1:], gaps[2:])):
        return "libreswan/Openswan", f"libreswan's backoff (the first wait repeated, then doubled) with " \
                                     f"retransmit-interval {gaps[0]:.2g} s (its default is 0.5 s)"
    if len(gaps) < 2:
        return None
    base = gaps[1] / gaps[0] if gaps[0] > 0 else 0.0
    if 1.05 < base < 4 and all(_close(b, base * a) for a, b in zip(gaps, gaps[1:])):
        return "strongSwan", f"strongSwan's backoff (timeout * base ^ n) with retransmit_timeout " \
                             f"{gaps[0]:.2g} s and retransmit_base {base:.2g} (its defaults are 4 s and 1.8)"
    return None


def timer_copies(sa: SaRecord, side: bool) -> list[list[MessageRef]]:
    """Each message the side sent more than once, with the copies its own timer sent.

    IKEv2 responders never retransmit on a timer, so their copies are left out; so are IKEv1
    copies sent right after a message from the peer, which answer it."""
    copies = [m for m in sa.messages if m.retransmit_of is not None and m.from_initiator == side
              and not (sa.version != 1 and m.response)]
    if len(copies) < 2:
        return []  # most SAs: nothing resent, or too little to read a schedule from
    originals = {m.frame: m for m in sa.messages if m.retransmit_of is None and m.from_initiator == side}
    by_original: dict[int, list[MessageRef]] = {}
    for m in copies:
        if m.retransmit_of in originals and not _reactive(sa, m):
            by_original.setdefault(m.retransmit_of, [originals[m.retransmit_of]]).append(m)
    return [chain for chain in by_original.values() if len(chain) >= 3]


def _reactive(sa: SaRecord, copy: MessageRef) -> bool:
    return any(m.from_initiator != copy.from_initiator and 0 <= copy.ts - m.ts < REACTIVE_SECONDS
               for m in sa.messages)


def _by_schedule(sa: SaRecord, side: bool) -> PeerGuess | None:
    chains = timer_copies(sa, side)
    if not chains:
        return None
    chain = max(chains, key=len)
    gaps = [round(b.ts - a.ts, 3) for a, b in zip(chain, chain[1:])]
    waits = ", ".join(f"{g:.2f}" for g in gaps)
    frames = tuple(m.frame for m in chain)
    seen = f"frame {frames[0]} sent {len(chain)} times, {waits} s apart"
    known = matching_schedules(gaps)
    if known:
        families = _unique(s.implementation for s in known)
        products = " or ".join(_unique(s.product for s in known))
        sure = Confidence.LIKELY if len(gaps) >= 3 and len(families) == 1 else Confidence.POSSIBLE
        sources = "; ".join(_unique(s.source for s in known))
        return PeerGuess(" or ".join(families), products, None, sure, "retransmission schedule",
                         f"{seen}: as {products} ({sources})", frames)
    shape = backoff_shape(gaps)
    if shape is None:
        return None
    implementation, how = shape
    return PeerGuess(implementation, implementation, None, Confidence.POSSIBLE, "retransmission schedule",
                     f"{seen}: {how}", frames)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
