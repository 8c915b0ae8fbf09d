"""IP fragment reassembly, bounded in count and in capture time.

IKE_AUTH messages with certificates routinely exceed the path MTU, and the
classic failure is a middlebox dropping the non-first fragments. So a missing
fragment is a finding, not noise: everything that never completes comes back
as a Problem. Time is the frames' capture time, never the wall clock, so a
capture analysed twice gives the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ikescope.model import Problem, Severity

DEFAULT_MAX_PENDING = 1024
DEFAULT_TIMEOUT = 30.0  # seconds of capture time; Linux's ipfrag_time is 30 s too
_MAX_DATAGRAM = 65535 + 40  # the largest IPv6 payload plus slack for its header

# IPv6 extension headers we walk past. AH and ESP end the walk: anything under
# them is not readable or not IKE.
IPV6_HOP_BY_HOP = 0
IPV6_ROUTING = 43
IPV6_FRAGMENT = 44
IPV6_DEST_OPTS = 60
IPV6_SKIPPABLE = frozenset({IPV6_HOP_BY_HOP, IPV6_ROUTING, IPV6_DEST_OPTS})
_MAX_EXT_HEADERS = 8


def skip_ipv6_options(data: bytes, pos: int, nh: int) -> tuple[int, int]:
    """Walk hop-by-hop, routing and destination options headers.

    Returns (next header, offset after the walked headers). The walk stops at
    the first other header, after a bounded number of hops, or at the end of
    the data (returning next header -1).
    """
    for _ in range(_MAX_EXT_HEADERS):
        if nh not in IPV6_SKIPPABLE:
            return nh, pos
        if pos + 2 > len(data):
            return -1, pos
        nh, pos = data[pos], pos + (data[pos + 1] + 1) * 8
    return -1, pos


@dataclass(slots=True)
class Fragment:
    """One fragment as read from a frame."""

    key: tuple[object, ...]
    offset: int  # bytes from the start of the fragmentable part
    data: bytes  # what was captured of this fragment's data
    length: int  # what the IP header says this fragment's data is
    more: bool
    frame: int
    ts: float


@dataclass(slots=True)
class Reassembled:
    """A datagram rebuilt from fragments; ``data`` starts at the transport header."""

    data: bytes
    length: int  # the full length on the wire
    frames: tuple[int, ...]
    ts: float
    truncated: bool


@dataclass(slots=True)
class Pending:
    """Fragments of one datagram waiting for the rest."""

    first_ts: float
    pieces: dict[int, tuple[bytes, int, int]] = field(default_factory=dict)  # offset -> (data, length, frame)
    total: int | None = None
    last_frame: int = 0
    last_ts: float = 0.0

    def head(self) -> bytes | None:
        """The captured start of the datagram (transport header), if seen."""
        piece = self.pieces.get(0)
        return piece[0] if piece else None

    def frames(self) -> tuple[int, ...]:
        return tuple(sorted(frame for _, _, frame in self.pieces.values()))

    def have(self) -> int:
        return sum(length for _, length, _ in self.pieces.values())


@dataclass(slots=True)
class _Done:
    """What remains of a completed datagram: enough to know its fragments again."""

    ts: float
    pieces: dict[int, tuple[int, int]]  # offset -> (length, hash of the captured bytes)


class Reassembler:
    """Collects fragments by (addresses, id) and hands back whole datagrams.

    Completed datagrams are remembered for the timeout, because a capture on
    several interfaces at once (``tcpdump -i any``) sees each fragment twice,
    and the second copy of the last fragment would otherwise start a datagram
    that never completes. A fragment that is not an exact copy is a new
    datagram reusing the IP ID, and is treated as one.

    ``add`` returns a Reassembled when a datagram completes, a Problem when the
    fragments contradict each other (the datagram is then dropped), or None.
    Datagrams that never complete come back from ``expire``, ``evicted`` and
    ``drain`` so the caller can decide which ones matter.
    """

    def __init__(self, max_pending: int = DEFAULT_MAX_PENDING, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.max_pending = max_pending
        self.timeout = timeout
        self.pending: dict[tuple[object, ...], Pending] = {}
        self._done: dict[tuple[object, ...], _Done] = {}

    def add(self, frag: Fragment) -> Reassembled | Problem | None:
        done = self._done.get(frag.key)
        if done is not None:
            if frag.ts - done.ts <= self.timeout and done.pieces.get(frag.offset) == (frag.length, hash(frag.data)):
                return None
            del self._done[frag.key]
        entry = self.pending.get(frag.key)
        if entry is None:
            entry = self.pending[frag.key] = Pending(frag.ts)
        entry.last_frame, entry.last_ts = frag.frame, frag.ts
        problem = self._place(entry, frag)
        if problem is not None:
            del self.pending[frag.key]
            return problem
        if entry.total is None or entry.have() != entry.total:
            return None
        del self.pending[frag.key]
        self._remember(frag.key, entry)
        return _join(entry)

    def _remember(self, key: tuple[object, ...], entry: Pending) -> None:
        pieces = {offset: (length, hash(data)) for offset, (data, length, _) in entry.pieces.items()}
        self._done[key] = _Done(entry.last_ts, pieces)
        while len(self._done) > self.max_pending:
            del self._done[next(iter(self._done))]

    def _place(self, entry: Pending, frag: Fragment) -> Problem | None:
        start, end = frag.offset, frag.offset + frag.length
        if end > _MAX_DATAGRAM:
            return _inconsistent(frag, f"fragment ends at byte {end}, past the largest IP datagram")
        if frag.more and frag.length % 8:
            return _inconsistent(frag, f"non-final fragment of {frag.length} bytes, not a multiple of 8")
        if not frag.more:
            if entry.total is not None and entry.total != end:
                return _inconsistent(frag, f"two last fragments say the datagram ends at {entry.total} and {end}")
            entry.total = end
        if entry.total is not None and end > entry.total:
            return _inconsistent(frag, f"fragment ends at {end}, after the last fragment's end {entry.total}")
        for other_start, (other_data, other_len, _) in entry.pieces.items():
            other_end = other_start + other_len
            if start >= other_end or end <= other_start:
                continue
            if start == other_start and end == other_end and _same_prefix(frag.data, other_data):
                return None  # a retransmitted or duplicated copy
            how = "repeat" if (start, end) == (other_start, other_end) else "overlap"
            return Problem(
                "net.fragments_overlap",
                f"frame {frag.frame}: fragment bytes {start}-{end} {how} bytes {other_start}-{other_end} "
                "of an earlier fragment with other content; the datagram is dropped",
                length=frag.length,
            )
        entry.pieces[start] = (frag.data, frag.length, frag.frame)
        return None

    def expire(self, now: float) -> list[tuple[tuple[object, ...], Pending]]:
        """Remove and return datagrams whose first fragment is older than the timeout."""
        while self._done:
            key, done = next(iter(self._done.items()))
            if now - done.ts <= self.timeout:
                break
            del self._done[key]
        gone = []
        for key, entry in self.pending.items():
            if now - entry.first_ts <= self.timeout:
                break
            gone.append((key, entry))
        for key, _ in gone:
            del self.pending[key]
        return gone

    def evicted(self) -> list[tuple[tuple[object, ...], Pending]]:
        """Remove and return the oldest datagrams beyond the pending limit."""
        gone = []
        while len(self.pending) > self.max_pending:
            key = next(iter(self.pending))
            gone.append((key, self.pending.pop(key)))
        return gone

    def drain(self) -> list[tuple[tuple[object, ...], Pending]]:
        gone = list(self.pending.items())
        self.pending.clear()
        return gone


def _same_prefix(a: bytes, b: bytes) -> bool:
    """Compare two copies of a fragment on the bytes both captures kept."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _inconsistent(frag: Fragment, detail: str) -> Problem:
    return Problem(
        "net.fragments_inconsistent",
        f"frame {frag.frame}: {detail}; the datagram is dropped",
        length=frag.length,
    )


def _join(entry: Pending) -> Reassembled:
    """Concatenate the pieces; a piece cut by the snap length ends the data."""
    assert entry.total is not None
    parts = []
    truncated = False
    for offset in sorted(entry.pieces):
        data, length, _ = entry.pieces[offset]
        parts.append(data[:length])
        if len(data) < length:
            truncated = True
            break
    return Reassembled(b"".join(parts), entry.total, entry.frames(), entry.last_ts, truncated)


def incomplete_problem(code: str, entry: Pending, why: str, ike_related: bool) -> Problem:
    """Describe a datagram that never completed.

    When the first fragment is missing nobody can say whether it was IKE, so
    the problem is a warning; when it shows IKE ports it is an error.
    """
    have = entry.have()
    total = f"of {entry.total}" if entry.total is not None else "(last fragment not seen)"
    frames = ", ".join(str(f) for f in entry.frames())
    return Problem(
        code,
        f"IP datagram {why}: {have} bytes {total} arrived in frame(s) {frames}",
        length=have,
        severity=Severity.ERROR if ike_related else Severity.WARNING,
    )
