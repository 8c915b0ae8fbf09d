"""Rebuilds IKE SAs and their exchanges from the stream of decoded messages.

Rules:
1. Everything that decides which SA and which exchange a message belongs to
   lives in this file; ``outcome`` only reads the finished record.
2. The tracker is an observer, not an endpoint: no sequence of messages, however
   wrong, makes it raise. Surprises are recorded for diagnosis to judge.
3. Time is the capture's: idle SAs are closed by frame timestamps, never the
   wall clock, so a file gives the same result on every run.

An SA is identified by IKE version, initiator SPI (cookie) and the pair of IP
addresses: ports change when NAT-T floats to 4500, and two unrelated peers may
pick the same SPI. IKEv2 tells roles by header flags (RFC 7296 3.1); IKEv1 has
none, so its initiator is the sender of a message whose responder cookie is
zero, or failing that the first sender seen.
"""

from __future__ import annotations

import hashlib
import math
import socket
import sys
from collections import OrderedDict
from dataclasses import dataclass, field

from ..limits import Limit
from ..model import Datagram, NetEvent
from ..wire import vendors
from ..wire.charon import notation as charon_notation
from ..wire.identity import gateway_identity, identity_text, selector_text
from ..wire.message import (
    ConfigPayload,
    CertPayload,
    Decoded,
    DeletePayload,
    EapPayload,
    EncryptedPayload,
    FragmentV1Payload,
    Header,
    IdPayload,
    IkeMessage,
    KePayload,
    NotifyPayload,
    OpaquePayload,
    SaPayload,
    TsPayload,
)
from ..wire.numbers import (
    CERT_X509_SIGNATURE,
    CFG_V1_XAUTH_STATUS,
    EAP_FAILURE,
    EX_V1_AGGRESSIVE,
    EX_V1_INFORMATIONAL,
    EX_V1_MAIN,
    EX_V1_QUICK,
    EX_V1_TRANSACTION,
    EX_V2_CREATE_CHILD_SA,
    EX_V2_IKE_AUTH,
    EX_V2_IKE_SA_INIT,
    N_V2_COOKIE,
    N_V2_INVALID_KE_PAYLOAD,
    N_V2_NAT_DETECTION_DESTINATION_IP,
    N_V2_NAT_DETECTION_SOURCE_IP,
    N_V2_REDIRECT,
    N_V2_REDIRECTED_FROM,
    PL_V1_NAT_D,
    PL_V1_NAT_D_DRAFT,
    PL_V1_VID,
    PL_V2_TSI,
    PL_V2_V,
    PROTO_ISAKMP,
)
from .outcome import conclude
from .records import Endpoint, Exchange, MessageRef, SaRecord

ZERO_SPI = b"\0" * 8
# An initiator refused with INVALID_KE_PAYLOAD may start over with new SPIs; a new
# IKE_SA_INIT between the same addresses this soon after is taken as that restart.
RESTART_WINDOW = 10.0
MAX_ICMP = 50  # ICMP errors kept per SA
MAX_CHILD_FACTS = 16  # CHILD SA proposals and traffic selectors kept per SA
MAX_REKEYS = 4096  # IKE SA rekeys waiting for their new SA
MAX_LINKS = 4096  # recent rekeys, refusals and redirects remembered to link the SA that follows each
LINK_SECONDS = 30.0  # how long they are remembered, in capture time
MAX_ESP_FLOWS = 8  # ESP flows (direction, SPI) kept per SA
# Past this many kept messages an open SA is judged early (to pick the queue it waits in) only when
# its messages have doubled: judging reads all of them, and its final verdict is made when it closes
# anyway, so a storm of messages in one SA costs time in proportion to the messages, not their square.
EARLY_VERDICTS = 64


@dataclass(frozen=True, slots=True)
class TrackerSettings:
    """idle_timeout: seconds of capture time after which a quiet SA is closed.
    max_open: open SAs kept at most; beyond it the longest-idle one is closed (``--jobs``
    shares it out among its workers).
    max_messages: messages kept per SA; later ones are counted, not stored.
    max_kept_messages: messages kept across all open SAs; beyond it the least recently active SA
    is closed, as at ``max_open``.
    final_linger: seconds an SA whose outcome is already settled (refused with an error
    notify, deleted) stays open for late copies before it is concluded: a negotiation
    that failed does not go on, so it need not wait out the idle timeout.
    silence: seconds of quiet after which a negotiation that has not come up is concluded
    (None: the idle timeout). Live capture sets it short, so a peer that stopped answering
    is reported while it happens; a file keeps the idle timeout.
    charon: keep each message in strongSwan's notation (``MessageRef.charon``), which only
    ``--notation charon`` reads: off, no message pays for it."""

    idle_timeout: float = 600.0
    max_open: int = 20000
    max_messages: int = 5000
    max_kept_messages: int = 500_000
    final_linger: float = 30.0
    silence: float | None = None
    charon: bool = False


@dataclass(slots=True)
class _State:
    """Per-SA bookkeeping the record does not need to carry."""

    sa: SaRecord
    exchanges: dict[tuple, int] = field(default_factory=dict)
    digests: dict[tuple[bool, bytes], int] = field(default_factory=dict)
    queue: str = "pending"  # "pending" (negotiating), "up" (established) or "final" (outcome settled)
    supersedes: SaRecord | None = None  # the SA that was up between these peers when this one began afresh


class Tracker:
    """Feed it (Datagram, Decoded) pairs in capture order; it hands back SAs as they close.

    Open SAs are kept least recently active first, so closing idle ones and
    evicting the oldest at the cap cost nothing per message however many are
    open. When an SA closes does not depend on which frame happened to trigger
    it: an idle SA is concluded as of its deadline (last activity plus the idle
    timeout), every other close as of the message that caused it. That makes a
    shard that sees only some peer pairs close each SA exactly as one tracker
    that sees them all (see ``SaRecord.closed_at``).
    """

    def __init__(self, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        # Open SAs by how long they may stay quiet, each queue least recently active first.
        self._queues: dict[str, OrderedDict[tuple, _State]] = {q: OrderedDict() for q in ("final", "pending", "up")}
        s = self.settings
        self._waits = {"final": s.final_linger, "pending": s.idle_timeout if s.silence is None else s.silence,
                       "up": s.idle_timeout}
        self._last_ts = 0.0
        self._recent_rekeys: dict[frozenset, tuple[float, int]] = {}
        # (initiator address, responder address) -> (time, SA) of an IKE_SA_INIT refused with INVALID_KE
        self._refused_inits: dict[tuple[str, str], tuple[float, _State]] = {}
        # (initiator address, gateway named by REDIRECT) -> (time, the redirected SA)
        self._redirects: dict[tuple[str, str], tuple[float, SaRecord]] = {}
        self.undecodable = 0
        self._by_pair: dict[frozenset[str], _State] = {}  # the SA most recently active between two addresses
        self._rekey_spis: dict[bytes, tuple[float, tuple]] = {}  # new SPIi -> (time, key of the rekeyed SA)
        self._kept = 0  # messages kept by the open SAs
        self._open_limit = Limit("open_sas", s.max_open)
        self._kept_limit = Limit("kept_messages", s.max_kept_messages)

    # -- public ------------------------------------------------------------------------------

    def feed(self, dg: Datagram, decoded: Decoded) -> list[SaRecord]:
        """Account one message; returns the SAs closed before it (idle) or because of it."""
        closed = self.tick(dg.ts)
        msg = decoded.message
        if msg is None:
            self.undecodable += 1
            return closed
        key, st = self._state_for(msg, dg, closed)
        self._by_pair[frozenset((dg.src, dg.dst))] = st
        kept = len(st.sa.messages)
        settles = self._account(st, msg, dg, decoded)
        h = msg.header
        if len(st.sa.messages) > kept:
            self._kept += 1
            if self._kept > self.settings.max_kept_messages:
                closed += self._make_room(key, dg)
        if (st.queue != "final" and (settles or (st.queue == "pending" and _may_establish(h)))
                and _judge_early(len(st.sa.messages), kept)):
            # An error notify, a Delete, or an answer that may finish the negotiation: see what it
            # settles (a few messages per SA, so concluding here costs little; the SA is concluded
            # again when it closes).
            conclude(st.sa, dg.ts)
            if st.sa.outcome in ("failed", "deleted"):
                self._move(key, st, "final")
            elif st.sa.outcome == "established" and st.queue == "pending":
                self._move(key, st, "up")
        return closed

    def _make_room(self, key: tuple, dg: Datagram) -> list[SaRecord]:
        """Close the least recently active SAs other than ``key``'s until the kept messages fit again."""
        closed = []
        for table in self._queues.values():
            while self._kept > self.settings.max_kept_messages and table:
                old_key = next(iter(table))
                if old_key == key:
                    break
                closed.append(self._close(table.pop(old_key), dg.ts, dg.frame, early=True))
                self._kept_limit.hit(dg.frame, dg.ts)
        return closed

    def _move(self, key: tuple, st: _State, queue: str) -> None:
        del self._queues[st.queue][key]
        st.queue = queue
        self._queues[queue][key] = st

    def tick(self, now: float) -> list[SaRecord]:
        """The capture clock reached ``now``: close the SAs idle since before their deadline, and those
        whose last message a broken clock dated too far ahead of ``now`` to wait for."""
        self._last_ts = max(self._last_ts, now)
        closed: list[SaRecord] = []
        for name, table in self._queues.items():
            wait = self._waits[name]
            while table:
                st = next(iter(table.values()))
                deadline = st.sa.last_ts + wait
                early = False
                if deadline >= now:
                    if st.sa.last_ts - now <= wait:
                        break
                    # Its last message is dated further ahead than it may wait: the clock leapt and came
                    # back, and waiting for that date would hold up every SA queued behind it.
                    deadline, early = now, True
                table.popitem(last=False)
                closed.append(self._close(st, deadline, st.sa.messages[-1].frame if st.sa.messages else 0, early))
        if len(closed) > 1:
            closed.sort(key=lambda sa: sa.closed_at)  # type: ignore[arg-type,return-value]
        for links in (self._recent_rekeys, self._refused_inits, self._rekey_spis, self._redirects):
            # out of reach either way: long past, or dated ahead by a clock that has since come back
            while links and abs(next(iter(links.values()))[0] - now) > LINK_SECONDS:
                del links[next(iter(links))]
        return closed

    def net_event(self, ev: NetEvent) -> list[SaRecord]:
        """Attach an ICMP unreachable quoting an IKE datagram to the SA last seen between those peers;
        returns the SAs that went idle before it."""
        closed = self.tick(ev.ts)
        if ev.kind == "esp" and ev.spi is not None:
            self._esp(ev)
            return closed
        if ev.kind != "icmp_unreachable":
            return closed
        st = self._by_pair.get(frozenset((ev.src, ev.dst)))
        if st is None or len(st.sa.unreachable) >= MAX_ICMP:
            return closed
        sa = st.sa
        detail = ev.problem.detail if ev.problem is not None else "ICMP destination unreachable"
        sa.unreachable.append((ev.frame, ev.ts, ev.src == sa.initiator.address, detail))
        return closed

    def _esp(self, ev: NetEvent) -> None:
        st = self._by_pair.get(frozenset((ev.src, ev.dst)))
        if st is None:
            return
        sa = st.sa
        key = (ev.src == sa.initiator.address, ev.spi)
        flow = sa.esp.get(key)
        if flow is None:
            if len(sa.esp) < MAX_ESP_FLOWS:
                sa.esp[key] = [ev.frame, ev.ts, ev.frame, ev.ts, 1]
        else:
            flow[2], flow[3], flow[4] = ev.frame, ev.ts, flow[4] + 1

    @property
    def open_count(self) -> int:
        return sum(map(len, self._queues.values()))

    @property
    def last_ts(self) -> float:
        """The newest capture time the tracker has seen (messages, events and ticks)."""
        return self._last_ts

    def close_all(self, end_ts: float | None = None) -> list[SaRecord]:
        """End of input (at ``end_ts``, by default the last time seen): close every open SA, in the
        order they started."""
        end = self._last_ts if end_ts is None else max(end_ts, self._last_ts)
        states = sorted((st for table in self._queues.values() for st in table.values()), key=lambda s: s.sa.id)
        for table in self._queues.values():
            table.clear()
        return [self._close(s, end, None) for s in states]

    def limit_events(self) -> list[NetEvent]:
        """A problem event for each cap that closed SAs before their time, for the end of the input."""
        consequence = ("the least recently active went first; a negotiation that went on after that shows "
                       "as a second SA, and an answer that came later as an SA joined midway")
        events = (self._open_limit.event(f"the tracker keeps at most {self._open_limit.cap:,} IKE SAs open",
                                         "were concluded before their idle timeout", consequence),
                  self._kept_limit.event(f"the tracker keeps at most {self._kept_limit.cap:,} messages across "
                                         "its open IKE SAs", "IKE SAs were concluded before their idle timeout",
                                         consequence))
        return [ev for ev in events if ev is not None]

    # -- SA lookup ---------------------------------------------------------------------------

    def _state_for(self, msg: IkeMessage, dg: Datagram, closed: list[SaRecord]) -> tuple[tuple, _State]:
        h = msg.header
        # IKEv2 and any later major version share a family: a responder answers an unknown
        # major version with an IKEv2 INVALID_MAJOR_VERSION (RFC 7296 2.5) for the same SA.
        key = (1 if h.major <= 1 else 2, h.ispi, frozenset((dg.src, dg.dst)))
        st = self._get(key)
        if (st is not None and h.rspi != ZERO_SPI and st.sa.rspi != ZERO_SPI and h.rspi != st.sa.rspi
                and h.exchange not in (EX_V2_IKE_SA_INIT, EX_V1_MAIN, EX_V1_AGGRESSIVE)
                and not (h.major <= 1 and h.exchange == EX_V1_INFORMATIONAL and st.queue != "up")):
            # Same initiator SPI, another responder SPI, past the first exchange: a new SA
            # reusing the cookie. A responder may answer each copy of a refused first request
            # with a fresh SPI, in IKEv1 also as an Informational under a fresh cookie while
            # phase 1 is still open; those stay with the attempt they answer.
            closed.append(self._close(self._queues[st.queue].pop(key), dg.ts, dg.frame))
            st = None
        if st is None:
            if self.open_count >= self.settings.max_open:
                # settled SAs go first, then negotiations, then tunnels that are up
                oldest = next(table for table in self._queues.values() if table)
                closed.append(self._close(oldest.popitem(last=False)[1], dg.ts, dg.frame, early=True))
                self._open_limit.hit(dg.frame, dg.ts)
            st = _State(self._new_sa(msg, dg))
            if h.exchange not in (EX_V2_IKE_SA_INIT, EX_V1_MAIN, EX_V1_AGGRESSIVE):
                st.queue = "up"  # joined after its negotiation: it came up before the capture started
            else:
                before = self._by_pair.get(frozenset((dg.src, dg.dst)))
                if (before is not None and before.queue == "up" and before.sa.successor is None
                        and (before.sa.version >= 2) == (h.major >= 2)):
                    before.sa.successor = (st.sa.id, dg.ts, st.sa.initiator.address, None)
                    st.supersedes = before.sa
            self._queues[st.queue][key] = st
        else:
            self._queues[st.queue].move_to_end(key)
        return key, st

    def _get(self, key: tuple) -> _State | None:
        for table in self._queues.values():
            st = table.get(key)
            if st is not None:
                return st
        return None

    def _new_sa(self, msg: IkeMessage, dg: Datagram) -> SaRecord:
        h = msg.header
        src, dst = Endpoint(dg.src, dg.sport), Endpoint(dg.dst, dg.dport)
        if h.major >= 2:
            init_is_src = h.initiator
            known = True
        else:
            init_is_src = True
            known = h.rspi == ZERO_SPI
        sa = SaRecord(
            id=dg.frame, version=h.major, ispi=h.ispi, rspi=h.rspi,
            initiator=src if init_is_src else dst, responder=dst if init_is_src else src,
            initiator_known=known, first_ts=dg.ts, last_ts=dg.ts, transport=dg.transport,
        )
        parent = self._rekey_spis.pop(h.ispi, None)
        old_state = None if parent is None else self._get(parent[1])
        if old_state is not None:
            # The SPI an IKE SA rekey proposed (readable CREATE_CHILD_SA): RFC 7296 2.18.
            sa.rekeyed_from, sa.rekey_basis = old_state.sa.id, "spi"
            old_state.sa.rekeyed_to.append(sa.id)
        elif h.rspi != ZERO_SPI and h.exchange not in (EX_V2_IKE_SA_INIT, EX_V1_MAIN, EX_V1_AGGRESSIVE):
            pair = frozenset((dg.src, dg.dst))
            recent = self._recent_rekeys.get(pair)
            if recent is not None and dg.ts - recent[0] < 30.0:
                sa.rekeyed_from, sa.rekey_basis = recent[1], "timing"
        return sa

    # -- per message -------------------------------------------------------------------------

    def _from_initiator(self, sa: SaRecord, msg: IkeMessage, dg: Datagram) -> bool:
        if msg.header.major >= 2:
            return msg.header.initiator
        if sa.initiator.address != sa.responder.address:
            return dg.src == sa.initiator.address
        return dg.sport == sa.initiator.port

    def _account(self, st: _State, msg: IkeMessage, dg: Datagram, decoded: Decoded) -> bool:
        """Record one message; True when it may settle the SA's outcome (an error notify or a Delete)."""
        sa, h = st.sa, msg.header
        sa.last_ts = max(sa.last_ts, dg.ts)
        if h.rspi != ZERO_SPI and (sa.rspi == ZERO_SPI or (
                h.exchange in (EX_V2_IKE_SA_INIT, EX_V1_MAIN, EX_V1_AGGRESSIVE) and h.rspi != sa.rspi
                and (h.response if h.major >= 2 else dg.src == sa.responder.address))):
            # The responder's SPI is the one of its latest answer to the first exchange: after
            # INVALID_KE or COOKIE it may answer the retry under another SPI than the refusal.
            sa.rspi = h.rspi
        if dg.encap == "non-esp":
            sa.nat_t = True
        if dg.transport == "tcp":
            sa.transport = "tcp"
        from_init = self._from_initiator(sa, msg, dg)
        response = self._is_response(st, msg, from_init)
        old = st.supersedes
        if old is not None and not from_init and old.successor is not None and old.successor[0] == sa.id:
            old.successor = (*old.successor[:3], dg.frame)
            st.supersedes = None
        digest = hashlib.blake2b(dg.payload, digest_size=16).digest()
        copy_of = st.digests.get((from_init, digest))
        # One pass over the payloads for everything the record keeps of them.
        notifies: list[int] = []
        notify_data: list[bytes] = []
        ids: list[tuple[int, int, str]] = []
        selectors: list = []
        certs: list[bytes] = []
        proposals = ke_group = None
        settles = False
        error_below = 16384 if h.major >= 2 else 8192  # error notify types (RFC 7296 3.10.1, RFC 2408 3.14.1)
        for p in msg.all_payloads:
            kind = type(p)
            if kind is NotifyPayload:
                notifies.append(p.notify_type)
                notify_data.append(p.data[:64])
                settles = settles or (p.notify_type < error_below and p.notify_type != N_V2_INVALID_KE_PAYLOAD)
            elif kind is DeletePayload:
                settles = True
            elif kind is SaPayload:
                if proposals is None:
                    proposals = p.proposals
            elif kind is KePayload:
                if ke_group is None:
                    ke_group = p.group
            elif kind is IdPayload:
                ids.append((p.type, p.id_type, identity_text(p.id_type, p.data, h.major)))
            elif kind is TsPayload:
                selectors.append((p.type, p.selectors))
            elif kind is CertPayload and p.encoding == CERT_X509_SIGNATURE:
                certs.append(p.data)
        enc = next((p for p in msg.payloads if type(p) is EncryptedPayload), None)
        ref = MessageRef(
            frame=dg.frame, frames=dg.frames, ts=dg.ts, src=dg.src, sport=dg.sport, dst=dg.dst, dport=dg.dport,
            encap=dg.encap, from_initiator=from_init, exchange=h.exchange, message_id=h.message_id,
            response=response, length=h.length, payloads=tuple(p.type for p in msg.payloads),
            notifies=tuple(notifies), encrypted=enc is not None or msg.encrypted_v1 is not None,
            inner_next=enc.inner_next if enc is not None else None,
            fragment=(enc.fragment_number, enc.total_fragments) if enc is not None and enc.fragment_number else
            _v1_fragment(msg),
            retransmit_of=copy_of, problems=(*dg.problems, *decoded.problems),
            notify_data=tuple(notify_data), proposals=proposals, ke_group=ke_group, ids=tuple(ids),
            decrypted=msg.inner is not None,
            inner_payloads=tuple(p.type for p in msg.inner or ()),
            selectors=tuple(selectors), truncated=dg.truncated, certs=tuple(certs),
            charon=tuple(sys.intern(line) for line in charon_notation(msg, response)) if self.settings.charon else (),
        )
        if copy_of is None and len(st.digests) < self.settings.max_messages:
            st.digests[(from_init, digest)] = dg.frame
        if len(sa.messages) >= self.settings.max_messages:
            sa.dropped_messages += 1
            return settles
        if (h.major >= 2 and h.exchange == EX_V2_IKE_SA_INIT and h.rspi == ZERO_SPI and h.initiator
                and not any(e.exchange == EX_V2_IKE_SA_INIT for e in sa.exchanges)):
            self._link_restart(sa, ref)
            self._link_redirect(sa, ref)
        sa.messages.append(ref)
        self._exchange(st, msg, ref, len(sa.messages) - 1)
        if copy_of is None:
            self._learn(sa, msg, ref)
        if h.major >= 2 and h.exchange == EX_V2_IKE_SA_INIT and response and N_V2_INVALID_KE_PAYLOAD in notifies:
            _link(self._refused_inits, (sa.initiator.address, sa.responder.address), (dg.ts, st))
        if h.major >= 2 and h.exchange == EX_V2_IKE_SA_INIT and response and N_V2_REDIRECT in notifies:
            target = gateway_identity(notify_data[notifies.index(N_V2_REDIRECT)])
            if target is not None and sa.redirect_to is None:
                sa.redirect_to = target
                _link(self._redirects, (sa.initiator.address, target), (dg.ts, sa))
                # the new attempt names the gateway it was redirected from (REDIRECTED_FROM, RFC 5685 5)
                _link(self._redirects, (sa.initiator.address, "from " + sa.responder.address), (dg.ts, sa))
        if h.major >= 2 and h.exchange == EX_V2_CREATE_CHILD_SA and not response:
            _link(self._recent_rekeys, frozenset((dg.src, dg.dst)), (dg.ts, sa.id))
        return settles

    def _link_restart(self, sa: SaRecord, ref: MessageRef) -> None:
        refused = self._refused_inits.pop((ref.src, ref.dst), None)
        if refused is not None and abs(ref.ts - refused[0]) < RESTART_WINDOW and refused[1].sa is not sa:
            old = refused[1].sa
            old.restarted_as, sa.restart_of = sa.id, old.id
            old.restart_frame = ref.frame
            old.restart_ke_group = ref.ke_group

    def _link_redirect(self, sa: SaRecord, ref: MessageRef) -> None:
        """A first IKE_SA_INIT to the gateway a recent REDIRECT named, from the redirected initiator."""
        found = self._redirects.pop((ref.src, ref.dst), None)
        if found is None and N_V2_REDIRECTED_FROM in ref.notifies and len(ref.notify_data) == len(ref.notifies):
            origin = gateway_identity(ref.notify_data[ref.notifies.index(N_V2_REDIRECTED_FROM)])
            found = self._redirects.pop((ref.src, f"from {origin}"), None)
        if found is not None and abs(ref.ts - found[0]) < RESTART_WINDOW and found[1] is not sa:
            found[1].redirected_as, sa.redirect_of = sa.id, found[1].id

    def _note_rekey(self, sa: SaRecord, p: SaPayload, ref: MessageRef) -> None:
        """Remember the new initiator SPI of an IKE SA rekey, to link the SA that will use it."""
        for prop in p.proposals:
            if prop.protocol == PROTO_ISAKMP and len(prop.spi) == 8:
                key = (sa.version if sa.version == 1 else 2, sa.ispi,
                       frozenset((sa.initiator.address, sa.responder.address)))
                _link(self._rekey_spis, prop.spi, (ref.ts, key), MAX_REKEYS)

    def _is_response(self, st: _State, msg: IkeMessage, from_init: bool) -> bool:
        h = msg.header
        if h.major >= 2:
            return h.response
        if h.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE):
            return not from_init
        if h.exchange in (EX_V1_QUICK, EX_V1_TRANSACTION):
            idx = st.exchanges.get(("v1", h.exchange, h.message_id))
            if idx is None:
                return False
            return st.sa.exchanges[idx].requester_is_initiator != from_init
        return False

    def _exchange(self, st: _State, msg: IkeMessage, ref: MessageRef, mindex: int) -> None:
        sa, h = st.sa, msg.header
        if h.major >= 2:
            requester_is_init = ref.from_initiator != ref.response
            key: tuple = ("v2", h.message_id, requester_is_init)
        elif h.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE) and h.message_id == 0:
            key = ("v1", "phase1")
            requester_is_init = True
            sa.mode = sa.mode or ("main" if h.exchange == EX_V1_MAIN else "aggressive")
        elif h.exchange in (EX_V1_QUICK, EX_V1_TRANSACTION):
            key = ("v1", h.exchange, h.message_id)
            requester_is_init = ref.from_initiator != ref.response
        else:  # IKEv1 informational and others: one-way messages, each its own exchange
            key = ("v1", "info", h.message_id, ref.frame if ref.retransmit_of is None else ref.retransmit_of)
            requester_is_init = ref.from_initiator
        idx = st.exchanges.get(key)
        if (idx is not None and h.major >= 2 and h.exchange == EX_V2_IKE_SA_INIT and not ref.response
                and ref.retransmit_of is None):
            prev = sa.exchanges[idx]
            if prev.answered:
                # A new IKE_SA_INIT request after an answer: the initiator starts over.
                reason = _retry_reason(sa, prev)
                idx = None
                restart_of, restart_reason = prev.index, reason
            else:
                restart_of, restart_reason = None, None
        else:
            restart_of, restart_reason = None, None
        if idx is None:
            ex = Exchange(index=len(sa.exchanges), exchange=h.exchange, message_id=h.message_id,
                          requester_is_initiator=requester_is_init, first_ts=ref.ts,
                          attempt_of=restart_of, retry_reason=restart_reason)
            sa.exchanges.append(ex)
            idx = ex.index
            st.exchanges[key] = idx
        ex = sa.exchanges[idx]
        ex.messages.append(mindex)
        if ref.response:
            if ref.retransmit_of is not None:
                ex.response_retransmissions += 1
            if not ex.answered:
                ex.answered = True
                ex.response_ts = ref.ts
        elif ref.retransmit_of is not None:
            ex.retransmissions += 1

    def _learn(self, sa: SaRecord, msg: IkeMessage, ref: MessageRef) -> None:
        """Collect the SA-level facts a first (non-copy) message reveals in clear."""
        h = msg.header
        phase1 = h.exchange in (EX_V2_IKE_SA_INIT, EX_V1_MAIN, EX_V1_AGGRESSIVE)
        for p in msg.all_payloads:
            if isinstance(p, SaPayload) and phase1:
                if ref.from_initiator and not ref.response:
                    sa.offered = list(p.proposals)
                    sa.offered_frame = ref.frame
                elif p.proposals:
                    sa.chosen = p.proposals[0]
                    sa.chosen_frame = ref.frame
            elif isinstance(p, KePayload) and p.group is not None and h.exchange == EX_V2_IKE_SA_INIT:
                if ref.from_initiator:
                    sa.ke_groups_initiator.append(p.group)
                else:
                    sa.ke_group_responder = p.group
            elif isinstance(p, IdPayload):
                text = identity_text(p.id_type, p.data, h.major)
                if h.exchange == EX_V1_QUICK:
                    kind = "IDci" if len([t for t in sa.traffic_selectors if t[0] == ref.frame]) == 0 else "IDcr"
                    if len(sa.traffic_selectors) < MAX_CHILD_FACTS:
                        sa.traffic_selectors.append((ref.frame, ref.from_initiator, kind, text))
                elif (ref.from_initiator, p.type, p.id_type, text) not in sa.identities:
                    sa.identities.append((ref.from_initiator, p.type, p.id_type, text))
            elif isinstance(p, ConfigPayload) and h.major == 1:
                for a in p.attributes:
                    if a.type & 0x7FFF == CFG_V1_XAUTH_STATUS and isinstance(a.value, int):
                        sa.xauth_status = a.value
            elif isinstance(p, EapPayload) and p.code == EAP_FAILURE and not ref.from_initiator:
                sa.eap_failure = ref.frame
            elif isinstance(p, SaPayload) and len(sa.child_proposals) < MAX_CHILD_FACTS:
                sa.child_proposals.append((ref.frame, ref.from_initiator, p.proposals))
                if h.major >= 2 and h.exchange == EX_V2_CREATE_CHILD_SA and not ref.response:
                    self._note_rekey(sa, p, ref)
            elif isinstance(p, TsPayload) and len(sa.traffic_selectors) < MAX_CHILD_FACTS:
                for ts in p.selectors:
                    sa.traffic_selectors.append((ref.frame, ref.from_initiator, "TSi" if p.type == PL_V2_TSI else "TSr",
                                                 selector_text(ts)))
            elif isinstance(p, OpaquePayload) and p.type == (PL_V2_V if h.major >= 2 else PL_V1_VID):
                vid = vendors.identify(p.data)
                label = vid.name if vid is not None else p.data.hex()
                if (ref.from_initiator, label) not in sa.vendor_ids:
                    sa.vendor_ids.append((ref.from_initiator, label))
                    if vid is not None:
                        sa.vendor_info.append((ref.from_initiator, ref.frame, vid))
            elif isinstance(p, OpaquePayload) and h.major == 1 and p.type in (PL_V1_NAT_D, PL_V1_NAT_D_DRAFT):
                # RFC 3947 3.2: the first NAT-D is the receiver's address, the others the sender's.
                first = not any(f == ref.frame for f, *_ in sa.nat_d)
                addr, port = (ref.dst, ref.dport) if first else (ref.src, ref.sport)
                sa.nat_d.append((ref.frame, ref.from_initiator, "dst" if first else "src",
                                 _nat_d_matches(h.ispi, h.rspi, addr, port, p.data)))
            elif isinstance(p, NotifyPayload):
                sa.notifies.append((ref.frame, ref.from_initiator, p.notify_type))
                if h.major >= 2 and p.notify_type in (N_V2_NAT_DETECTION_SOURCE_IP, N_V2_NAT_DETECTION_DESTINATION_IP):
                    src = p.notify_type == N_V2_NAT_DETECTION_SOURCE_IP
                    addr, port = (ref.src, ref.sport) if src else (ref.dst, ref.dport)
                    sa.nat_d.append((ref.frame, ref.from_initiator, "src" if src else "dst",
                                     _nat_d_matches(h.ispi, h.rspi, addr, port, p.data)))

    # -- closing -----------------------------------------------------------------------------

    def _close(self, st: _State, at: float, frame: int | None, early: bool = False) -> SaRecord:
        """Conclude an SA as of capture time ``at``; ``frame`` is the frame that closed it (None at the
        end of input), which orders SAs closed at the same moment. An SA closed ``early`` to make room is
        judged as one the capture will show no more of: it is no more "cut off by the end of the
        capture" than one closed idle, since the capture goes on."""
        self._kept -= len(st.sa.messages)
        pair = frozenset((st.sa.initiator.address, st.sa.responder.address))
        if self._by_pair.get(pair) is st:
            del self._by_pair[pair]
        conclude(st.sa, math.inf if early else at)
        st.sa.closed_at = (at, frame if frame is not None else float("inf"), st.sa.id)
        return st.sa


def _judge_early(messages: int, before: int) -> bool:
    """Whether to judge an SA early now that it keeps ``messages`` (``before`` this message): always while
    it is small, then only when its count reaches a power of two, and never for a message not kept."""
    if messages == before:
        return False
    return messages <= EARLY_VERDICTS or messages & (messages - 1) == 0


def _link(table: dict, key: object, value: tuple, cap: int = MAX_LINKS) -> None:
    """Remember ``value`` (its time first) under ``key`` as the newest entry, forgetting the oldest beyond
    ``cap``: the tables stay in insertion order, so expiring them reads only their oldest entries."""
    table.pop(key, None)
    table[key] = value
    while len(table) > cap:
        del table[next(iter(table))]


def _may_establish(h: Header) -> bool:
    """A message after which the negotiation may have come up: an IKE_AUTH response, or an
    IKEv1 phase 1 message (main mode 6 or aggressive mode 3 decides)."""
    if h.major >= 2:
        return h.exchange == EX_V2_IKE_AUTH and h.response
    return h.exchange in (EX_V1_MAIN, EX_V1_AGGRESSIVE)


def _retry_reason(sa: SaRecord, ex: Exchange) -> int | None:
    for i in ex.messages:
        m = sa.messages[i]
        if m.response:
            for n in (N_V2_COOKIE, N_V2_INVALID_KE_PAYLOAD):
                if n in m.notifies:
                    return n
    return None


# The hash a NAT-D payload was made with, told by its length: SHA-1 in IKEv2 (RFC 7296 2.23),
# the negotiated hash in IKEv1 (RFC 3947 3.2), so one digest is computed, not one per algorithm.
_NAT_D_HASH = {20: "sha1", 16: "md5", 32: "sha256", 48: "sha384", 64: "sha512"}


def _nat_d_matches(ispi: bytes, rspi: bytes, addr: str, port: int, digest: bytes) -> bool:
    """Whether a NAT-D hash matches the address and port seen in the capture.

    A mismatch means a NAT changed that address between the sender and the
    capture point, or beyond it for the receiver.
    """
    algo = _NAT_D_HASH.get(len(digest))
    if algo is None:
        return False
    try:
        ip = socket.inet_pton(socket.AF_INET6 if ":" in addr else socket.AF_INET, addr)
    except OSError:
        return False
    return hashlib.new(algo, ispi + rspi + ip + port.to_bytes(2, "big")).digest() == digest


def _v1_fragment(msg: IkeMessage) -> tuple[int, int] | None:
    for p in msg.payloads:
        if isinstance(p, FragmentV1Payload):
            return (p.number, p.number if p.last else 0)
    return None
