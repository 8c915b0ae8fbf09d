"""One path seen from two capture points: which IKE message left one point and reached the other.

Two captures of the same negotiations, taken at two places of one path (the two gateways'
outside links, both sides of a NAT), hold the same IKE messages byte for byte: routers and
NATs rewrite IP and UDP headers, never the IKE message (the non-ESP marker of UDP 4500 is
left out already by ``net``). So a message is known again at the other point by its bytes,
whatever the clocks and addresses say, and a retransmission (the same bytes again) is one
more copy of the same message.

``PathMatcher`` is fed the datagrams of both points in (roughly) one time order and hands
back each copy as a ``Passage``, once it is known whether it was seen at both points or at
one only. The two clocks may differ by seconds: the offset is estimated from the matched
copies (the median of the recent ones, so a few odd delays do not move it) and exposed for
the reader that merges the two captures. A copy seen at one point waits for its twin only
``window`` seconds of the other point's clock; what leaves the window unmatched was lost
between the points. Before the first match the offset is unknown, so copies wait up to
``max_offset``: memory stays bounded by that much traffic.

Sans-I/O: datagrams and times in, passages out.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import Datagram

DEFAULT_WINDOW = 3.0  # seconds of the other point's clock a copy waits for its twin
DEFAULT_MAX_OFFSET = 120.0  # the largest clock difference looked for before the first match
DEFAULT_WITHIN = 0.5  # seconds between twins at most, clocks matched: less than a retransmission interval
RECENT_MATCHES = 15
MAX_MESSAGES = 512  # distinct messages of one SA listed in its path  # matched copies whose delays make the offset estimate


def message_key(payload: bytes) -> bytes:
    """What identifies one IKE message on both sides of a router or NAT: its bytes."""
    return hashlib.blake2b(payload, digest_size=16).digest()


@dataclass(frozen=True, slots=True)
class Sighting:
    """One copy of an IKE message as one point captured it."""

    point: int  # 0 or 1
    datagram: Datagram
    key: bytes

    @property
    def ts(self) -> float:
        return self.datagram.ts

    @property
    def packets(self) -> int:
        """IP packets it came in: more than one when IP-fragmented at this point."""
        return len(self.datagram.frames) if self.datagram.transport == "udp" else 1


def sighting(point: int, dg: Datagram) -> Sighting:
    return Sighting(point, dg, message_key(dg.payload))


@dataclass(slots=True, eq=False)
class Passage:
    """One copy of one message on the path.

    seen: its sighting at each point (None where it was not seen).
    outside: seen at one point while the other point was not capturing (before its first
    or after its last frame), so its absence there proves nothing.
    """

    first: Sighting
    seen: list[Sighting | None] = field(default_factory=lambda: [None, None])
    outside: bool = False

    @property
    def both(self) -> bool:
        return self.seen[0] is not None and self.seen[1] is not None

    @property
    def lost(self) -> bool:
        """Seen at one point only while the other was capturing: lost between the points."""
        return not self.both and not self.outside


class PathMatcher:
    """Pairs the copies two points saw of the same messages (see the module's docstring)."""

    def __init__(self, window: float = DEFAULT_WINDOW, max_offset: float = DEFAULT_MAX_OFFSET,
                 within: float = DEFAULT_WITHIN) -> None:
        self.window = window
        self.within = within
        self.max_offset = max_offset
        self.offset = 0.0  # point 1's clock minus point 0's, once a copy was matched
        self.matched = 0
        self.spread = 0.0  # the largest difference of a matched copy's delay from the offset
        self._deltas: deque[float] = deque(maxlen=RECENT_MATCHES)
        self._held: tuple[dict[bytes, deque[Passage]], dict[bytes, deque[Passage]]] = ({}, {})
        self._order: deque[Passage] = deque()  # copies in the order they were first seen
        self._clock: list[float | None] = [None, None]  # the latest time of each point, on its own clock
        self._first: list[float | None] = [None, None]  # each point's first frame, on its own clock
        self._ended = [False, False]  # a point's capture has no more frames

    @property
    def held(self) -> int:
        """Copies waiting for their twin or for an earlier copy to be settled."""
        return len(self._order)

    @property
    def oldest(self) -> float | None:
        """When the oldest unsettled copy was seen, on point 0's clock (None when none waits)."""
        # Copies are held in the order they were read, and one point may be read far ahead of the
        # other: the oldest is the first of either point.
        best: float | None = None
        points: set[int] = set()
        for p in self._order:
            if p.first.point in points:
                continue
            points.add(p.first.point)
            t = self.on_zero_clock(p.first.point, p.first.ts)
            best = t if best is None else min(best, t)
            if len(points) == 2:
                break
        return best

    @property
    def read_upto(self) -> float | None:
        """How far both points have been read, on point 0's clock: a copy seen at one point only may
        still turn up before this time (None: both captures ended)."""
        times = [self.on_zero_clock(point, ts) for point, ts in enumerate(self._clock)
                 if not self._ended[point] and ts is not None]
        if times and any(ts is None and not ended for ts, ended in zip(self._clock, self._ended)):
            # A point not read yet starts at most this much later on the other's clock: what came
            # before can no longer be preceded by its copies, and is not held without end.
            return min(times) - self.max_offset - self.window
        return min(times) if times else None

    def on_zero_clock(self, point: int, ts: float) -> float:
        """A time of ``point`` on point 0's clock, with the offset estimated so far."""
        return ts - self.offset if point == 1 else ts

    def tick(self, point: int, ts: float) -> list[Passage]:
        """``point`` captured something at ``ts`` (any frame): copies the other point held for
        longer than the window are settled as lost."""
        if self._first[point] is None:
            self._first[point] = ts
        now = self._clock[point]
        self._clock[point] = ts if now is None else max(now, ts)
        return self._release()

    def feed(self, s: Sighting) -> list[Passage]:
        """A copy seen at ``s.point``: the passages now settled, in the order first seen."""
        p = self._twin(s)
        if p is not None:
            self._unhold(p)
            p.seen[s.point] = s
            delta = s.ts - p.first.ts if s.point == 1 else p.first.ts - s.ts
            if self.matched:
                self.spread = max(self.spread, abs(delta - self.offset))
            self._deltas.append(delta)
            self.offset = statistics.median(self._deltas)
            self.matched += 1
        else:
            p = Passage(s)
            p.seen[s.point] = s
            self._held[s.point].setdefault(s.key, deque()).append(p)
            self._order.append(p)
        return self.tick(s.point, s.ts)

    def _twin(self, s: Sighting) -> Passage | None:
        """The copy the other point holds that ``s`` is. Copies of one message (retransmissions)
        are alike: once the clocks are matched it is the copy nearest in time, if within
        ``within``; before, the oldest (the first copy seen)."""
        twins = self._held[1 - s.point].get(s.key)
        if not twins:
            return None
        if not self.matched:
            return twins[0]
        t = self.on_zero_clock(s.point, s.ts)
        p = min(twins, key=lambda q: abs(self.on_zero_clock(q.first.point, q.first.ts) - t))
        return p if abs(self.on_zero_clock(p.first.point, p.first.ts) - t) <= self.within else None

    def end(self, point: int) -> list[Passage]:
        """``point``'s capture has no more frames: the other point's copies need not wait for it."""
        self._ended[point] = True
        return self._release()

    def finish(self) -> list[Passage]:
        """End of both captures: every copy still waiting is settled."""
        self._ended = [True, True]
        return self._release()

    def _window(self) -> float:
        return self.window if self.matched else self.max_offset + self.window

    def _outside(self, p: Passage) -> bool:
        """Seen while the other point was not capturing: before its first frame or after its
        last (a copy sent just before the other capture stopped could not reach it in time)."""
        other = 1 - p.first.point
        first, last = self._first[other], self._clock[other]
        if first is None or last is None:
            return True
        t = self.on_zero_clock(p.first.point, p.first.ts)
        margin = 2 * self.spread + 0.001
        return t < self.on_zero_clock(other, first) - margin or \
            (self._ended[other] and t + margin > self.on_zero_clock(other, last))

    def _settled(self, p: Passage) -> bool:
        """Whether a copy seen at one point only can wait no longer for its twin: the other
        point captured on past the window, or ended, or has not started long after it."""
        me, other = p.first.point, 1 - p.first.point
        t = self.on_zero_clock(me, p.first.ts)
        if self._ended[other]:
            return True
        now = self._clock[other]
        if now is None:
            mine = self._clock[me]
            return mine is not None and self.on_zero_clock(me, mine) > t + self.max_offset + self.window
        return self.on_zero_clock(other, now) > t + self._window()

    def _release(self) -> list[Passage]:
        out: list[Passage] = []
        while self._order:
            p = self._order[0]
            if not p.both:
                if not self._settled(p):
                    break
                self._unhold(p)
                p.outside = self._outside(p)
            out.append(self._order.popleft())
        return out

    def _unhold(self, p: Passage) -> None:
        held = self._held[p.first.point]
        copies = held.get(p.first.key)
        if copies and p in copies:
            copies.remove(p)
            if not copies:
                del held[p.first.key]


def shared_messages(a: Iterable[Datagram], b: Iterable[Datagram], limit: int = 256) -> int:
    """How many of the first ``limit`` IKE messages of ``a`` reappear byte for byte among the first
    ``limit`` of ``b``: more than none means two captures of the same negotiations."""
    keys = {message_key(dg.payload) for _, dg in zip(range(limit), a)}
    return sum(1 for _, dg in zip(range(limit), b) if message_key(dg.payload) in keys)


def _endpoint(addr: str, port: int) -> str:
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def flow(dg: Datagram) -> str:
    """A datagram's addresses and ports as one would write them: ``src:port -> dst:port``."""
    return f"{_endpoint(dg.src, dg.sport)} -> {_endpoint(dg.dst, dg.dport)}"


@dataclass(slots=True)
class MessagePath:
    """Every copy of one IKE message, as the two points saw them: one line of an SA's path."""

    key: bytes
    header: bytes  # the IKE header (28 bytes or what there is)
    frames: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))  # first frame of each copy
    times: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))  # each copy, own clock
    packets: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))  # IP packets of each copy
    flows: tuple[set[str], set[str]] = field(default_factory=lambda: (set(), set()))
    passed: int = 0
    lost: list[int] = field(default_factory=lambda: [0, 0])  # copies seen only at point 0 / only at point 1
    lost_frames: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))  # theirs, there
    outside: int = 0
    delays: list[float] = field(default_factory=list)

    def add(self, p: Passage, offset: float) -> None:
        for point, s in enumerate(p.seen):
            if s is not None:
                self.frames[point].append(s.datagram.frame)
                self.times[point].append(s.ts)
                self.packets[point].append(s.packets)
                self.flows[point].add(flow(s.datagram))
        if p.both:
            self.passed += 1
            a, b = p.seen[0], p.seen[1]
            assert a is not None and b is not None
            self.delays.append(abs(b.ts - offset - a.ts))
        elif p.outside:
            self.outside += 1
        else:
            self.lost[p.first.point] += 1
            self.lost_frames[p.first.point].append(p.first.datagram.frame)


class PathLog:
    """The passages of each IKE SA (by initiator SPI), gathered into ``MessagePath``s until the
    SA is reported; and the address translation the matched copies reveal, so a copy seen
    only at point 1 can be told in point 0's addresses.

    Bounded like the tracker whose SAs it follows: at most ``max_sas`` SAs are kept (the oldest
    is let go: an SA the tracker still holds has its entry taken when it closes, so only entries
    of messages no SA took are let go while the tracker stays within its own cap), each with at
    most ``max_messages`` distinct messages, at most ``max_kept`` in all (those past either are
    only counted, see ``take``), and an SA's entry goes when it is taken.
    """

    def __init__(self, max_sas: int = 40_000, max_messages: int = MAX_MESSAGES, max_kept: int = 500_000) -> None:
        self._sas: dict[bytes, dict[bytes, MessagePath]] = {}
        self._omitted: dict[bytes, int] = {}
        self._max_messages = max_messages
        self._max_kept = max_kept
        self._kept = 0
        self._nat: dict[tuple[str, int], tuple[str, int]] = {}  # endpoint at point 1 -> at point 0
        self._max = max_sas

    def add(self, p: Passage, offset: float) -> None:
        payload = p.first.datagram.payload
        msgs = self._sas.get(payload[:8])
        if msgs is None:
            if len(self._sas) >= self._max:
                oldest = next(iter(self._sas))
                self._kept -= len(self._sas.pop(oldest))
                self._omitted.pop(oldest, None)
            msgs = self._sas[payload[:8]] = {}
        mp = msgs.get(p.first.key)
        if mp is None:
            if len(msgs) >= self._max_messages or self._kept >= self._max_kept:
                self._omitted[payload[:8]] = self._omitted.get(payload[:8], 0) + 1
                return
            mp = msgs[p.first.key] = MessagePath(p.first.key, payload[:28])
            self._kept += 1
        mp.add(p, offset)
        a, b = p.seen
        if a is not None and b is not None and len(self._nat) < self._max:
            da, db = a.datagram, b.datagram
            self._nat[(db.src, db.sport)] = (da.src, da.sport)
            self._nat[(db.dst, db.dport)] = (da.dst, da.dport)

    def as_point_zero(self, dg: Datagram, offset: float) -> Datagram:
        """A datagram seen at point 1 as point 0 would have seen it: its time on point 0's clock,
        each of its endpoints as matched copies showed it at point 0 (unchanged if none did)."""
        src, sport = self._nat.get((dg.src, dg.sport), (dg.src, dg.sport))
        dst, dport = self._nat.get((dg.dst, dg.dport), (dg.dst, dg.dport))
        return Datagram(dg.frames, dg.ts - offset, src, dst, sport, dport, dg.transport, dg.encap,
                        dg.payload, dg.truncated, dg.problems)

    def take(self, ispi: bytes) -> tuple[list[MessagePath], int]:
        """The messages of the SA with initiator SPI ``ispi``, in the order first seen, and how many
        copies of further messages were only counted; forgotten."""
        msgs = self._sas.pop(ispi, {})
        self._kept -= len(msgs)
        return list(msgs.values()), self._omitted.pop(ispi, 0)
