"""What the tracker knows about each IKE SA, as plain records.

``SaRecord`` is mutable while the SA is open (the tracker appends to it) and
is handed out only when the SA is closed; diagnosis rules and renderers read
it and never change it. Messages are kept as small ``MessageRef``s, not as
decoded payload trees, so a long-lived SA costs little memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Problem
from ..wire.message import Proposal, TrafficSelector
from ..wire.vendors import VendorId


@dataclass(slots=True)
class MessageRef:
    """One IKE message as the tracker keeps it.

    from_initiator: sent by the side that started this IKE SA.
    inner_next: for IKEv2 SK/SKF, the type of the first encrypted payload, which
    travels in clear and tells e.g. an error Notify from an IDr.
    retransmit_of: frame of the earlier identical message, when this is a copy.
    """

    frame: int
    frames: tuple[int, ...]
    ts: float
    src: str
    sport: int
    dst: str
    dport: int
    encap: str
    from_initiator: bool
    exchange: int
    message_id: int
    response: bool
    length: int
    payloads: tuple[int, ...]
    notifies: tuple[int, ...]
    encrypted: bool
    inner_next: int | None = None
    fragment: tuple[int, int] | None = None
    retransmit_of: int | None = None
    problems: tuple[Problem, ...] = ()
    notify_data: tuple[bytes, ...] = ()  # parallel to ``notifies``, each cut to 64 bytes
    proposals: tuple[Proposal, ...] | None = None  # the SA payload's proposals, when the message has one
    ke_group: int | None = None  # IKEv2 KE payload group
    ids: tuple[tuple[int, int, str], ...] = ()  # (payload type, id type, text) of readable ID payloads
    decrypted: bool = False  # keys opened this message: notifies, ids and proposals include its inner payloads
    inner_payloads: tuple[int, ...] = ()  # types of the decrypted payloads, in order
    # (payload type: 44 TSi / 45 TSr, selectors) of readable IKEv2 traffic selector payloads
    selectors: tuple[tuple[int, tuple[TrafficSelector, ...]], ...] = ()
    truncated: bool = False  # the capture's snap length cut this message short
    certs: tuple[bytes, ...] = ()  # X.509 certificates (DER, encoding 4) of readable CERT payloads
    charon: tuple[str, ...] = ()  # the message as strongSwan's charon logs it (``wire.charon.notation``)


@dataclass(slots=True)
class Exchange:
    """A request and its response (IKEv2), or an IKEv1 phase/quick mode/informational.

    messages: indices into ``SaRecord.messages``, in capture order, copies included.
    attempt_of: for an IKE_SA_INIT restarted after COOKIE or INVALID_KE_PAYLOAD,
    the index of the exchange it restarts; ``retry_reason`` names the notify.
    """

    index: int
    exchange: int
    message_id: int
    requester_is_initiator: bool
    messages: list[int] = field(default_factory=list)
    answered: bool = False
    retransmissions: int = 0
    response_retransmissions: int = 0
    first_ts: float = 0.0
    response_ts: float | None = None
    attempt_of: int | None = None
    retry_reason: int | None = None

    @property
    def rtt(self) -> float | None:
        return None if self.response_ts is None else self.response_ts - self.first_ts


@dataclass(slots=True)
class Endpoint:
    address: str
    port: int


@dataclass(slots=True)
class SaRecord:
    """Everything observed about one IKE SA (one SPI/cookie pair between two peers).

    id: the frame number of the SA's first message, so an SA keeps its name however the
    capture is split or merged (shards of ``--jobs``, files of a rotated capture) and
    the name opens in Wireshark. Only several IKE messages in one TCP segment could
    start two SAs in one frame; they would share the number.
    closed_at: (capture time, frame, id) at which the tracker concluded the SA: its
    idle deadline, the message that closed it, or the end of input (frame inf). Results
    ordered by it come out the same from one tracker or from several merged.
    """

    id: int
    version: int
    ispi: bytes
    rspi: bytes
    initiator: Endpoint
    responder: Endpoint
    initiator_known: bool
    messages: list[MessageRef] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    mode: str | None = None  # IKEv1 phase 1: "main" or "aggressive"
    offered: list[Proposal] = field(default_factory=list)  # initiator's IKE SA proposals (last attempt)
    chosen: Proposal | None = None  # responder's IKE SA proposal
    offered_frame: int | None = None
    chosen_frame: int | None = None
    ke_groups_initiator: list[int] = field(default_factory=list)
    ke_group_responder: int | None = None
    # (from_initiator, payload type, id type, text) of the peers' identities (IKEv1 phase 1, IKEv2 IDi/IDr);
    # an IDr from the initiator is the identity it asks the responder to have
    identities: list[tuple[bool, int, int, str]] = field(default_factory=list)
    # CHILD/phase-2 SA proposals seen (clear or decrypted): (frame, from_initiator, proposals), at most MAX_CHILD_FACTS
    child_proposals: list[tuple[int, bool, tuple[Proposal, ...]]] = field(default_factory=list)
    # traffic selectors seen: (frame, from_initiator, "TSi"/"TSr"/"IDci"/"IDcr", text), at most MAX_CHILD_FACTS
    traffic_selectors: list[tuple[int, bool, str, str]] = field(default_factory=list)
    vendor_ids: list[tuple[bool, str]] = field(default_factory=list)  # (from_initiator, name or hex)
    # the known ones among them, in order, for naming each peer's software: (from_initiator, frame, what it says)
    vendor_info: list[tuple[bool, int, VendorId]] = field(default_factory=list)
    notifies: list[tuple[int, bool, int]] = field(default_factory=list)  # (frame, from_initiator, type)
    # (frame, from_initiator, "src"|"dst", hash matches the captured address and port)
    nat_d: list[tuple[int, bool, str, bool]] = field(default_factory=list)
    nat_t: bool = False  # moved to (or started on) UDP 4500 with the non-ESP marker
    transport: str = "udp"
    xauth_status: int | None = None  # IKEv1 XAUTH-STATUS the responder set: 1 OK, 0 FAIL (readable with keys)
    eap_failure: int | None = None  # frame of an EAP-Failure (RFC 3748 code 4) the responder sent, when readable
    child_sas: int | None = 0  # None: not visible (the responses are encrypted and no keys opened them)
    restarted_as: int | None = None  # IKEv2: the SA that retried this IKE_SA_INIT with new SPIs
    restart_of: int | None = None
    restart_ke_group: int | None = None  # the KE group of that retry
    restart_frame: int | None = None
    rekeyed_from: int | None = None
    # how rekeyed_from is known: "spi" (the rekey's readable SA payload proposed this SA's SPI) or
    # "timing" (it starts right after a CREATE_CHILD_SA between the same peers: likely, not certain)
    rekey_basis: str | None = None
    rekeyed_to: list[int] = field(default_factory=list)  # IKE SAs this one was rekeyed into (readable SA payloads)
    outcome: str = "incomplete"  # established | failed | incomplete | deleted | restarted
    outcome_detail: str = ""
    failed_exchange: int | None = None  # index into exchanges
    deleted_by_initiator: bool | None = None
    established_ts: float | None = None
    first_ts: float = 0.0
    last_ts: float = 0.0
    dropped_messages: int = 0  # beyond the per-SA cap, counted but not kept
    # ICMP destination-unreachable errors quoting this SA's datagrams: (frame, time, sender of the quoted datagram
    # was the initiator, detail); at most MAX_ICMP kept
    unreachable: list[tuple[int, float, bool, str]] = field(default_factory=list)
    closed_at: tuple[float, float, int] | None = None
    # A fresh negotiation between the same two addresses that began while this SA was up:
    # (its SA id, its first time, its initiator's address, the frame of the first message its
    # responder sent or None). A peer that ignores this SA but answers a new one has lost this SA.
    successor: tuple[int, float, str, int | None] | None = None
    # ESP between the SA's two addresses while it was the latest SA between them, as sampled by the
    # demultiplexer: (sent by the initiator's address, SPI) -> [first frame, first time, last frame,
    # last time, reports]; at most MAX_ESP_FLOWS flows. ESP both ways proves a CHILD SA carries traffic.
    esp: dict[tuple[bool, int], list] = field(default_factory=dict)
    # RFC 5685: the gateway the responder sent the initiator to, the SA in which the initiator went
    # there, and, on that SA, the one it was redirected from
    redirect_to: str | None = None
    redirected_as: int | None = None
    redirect_of: int | None = None

    def esp_both_ways(self, since: float | None = None) -> bool:
        """ESP went both ways between the peers (after ``since``, when given)."""
        sides = {side for (side, _), flow in self.esp.items() if since is None or flow[3] >= since}
        return sides == {True, False}

    @property
    def duration(self) -> float:
        return self.last_ts - self.first_ts

    def request(self, ex: Exchange) -> MessageRef | None:
        """The first request message of ``ex`` (None when the capture lacks it)."""
        return next((self.messages[i] for i in ex.messages if not self.messages[i].response), None)

    def response(self, ex: Exchange) -> MessageRef | None:
        """The first response message of ``ex`` (None when it was never answered)."""
        return next((self.messages[i] for i in ex.messages if self.messages[i].response), None)


def role_name(from_initiator: bool) -> str:
    return "initiator" if from_initiator else "responder"
