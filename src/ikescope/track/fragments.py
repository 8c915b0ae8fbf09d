"""IKEv1 fragmentation: pieces of one ISAKMP message carried in fragment payloads.

Cisco's IKE fragmentation, also spoken by strongSwan, Windows and others,
splits a large IKEv1 message (typically main mode 5/6 with certificates) into
messages whose only payload is a fragment (type 132: fragment ID, number,
last flag), each wrapped in its own ISAKMP header. The receiver joins the
pieces in number order and processes the result as the original message.

Rules:
1. A complete set becomes one message (a Datagram listing every piece's frame),
   decoded by the same decoder, so the tracker, decryption and diagnosis see
   what the peers saw.
2. A set that never completes (the capture ends, or it waits longer than the
   timeout by capture time) hands its pieces on unchanged, so the loss is
   visible to the diagnosis instead of vanishing.
3. State is bounded: at most ``max_sets`` sets wait at once, holding at most
   ``max_bytes`` of pieces; the oldest is given up first, and ``limit``
   counts the sets given up that way.
IKEv2 fragments (RFC 7383, SKF) are encrypted one by one and are joined after
decryption, in ``crypto``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..limits import Limit
from ..model import Datagram, NetEvent
from ..wire.decode import decode_message
from ..wire.message import Decoded, FragmentV1Payload

Piece = tuple[Datagram, Decoded, FragmentV1Payload]


@dataclass(slots=True)
class _Set:
    first_ts: float
    pieces: dict[int, Piece] = field(default_factory=dict)
    last: int | None = None
    size: int = 0  # bytes of the pieces' messages


class V1Defragmenter:
    """Feed every decoded message; fragments are held until their set is whole."""

    def __init__(self, timeout: float = 30.0, max_sets: int = 256, max_bytes: int = 16 << 20) -> None:
        self.timeout = timeout
        self.max_sets = max_sets
        self.max_bytes = max_bytes
        self._sets: dict[tuple[str, str, bytes, int], _Set] = {}  # oldest first
        self._bytes = 0
        self.limit = Limit("ikev1_fragment_sets", max_sets)

    def feed(self, dg: Datagram, decoded: Decoded) -> tuple[bool, list[tuple[Datagram, Decoded]]]:
        """(whether this message is a fragment, messages completed or given up now)."""
        out = self._expire(dg.ts) if self._sets else []
        frag = fragment_of(decoded)
        if frag is None:
            return False, out
        assert decoded.message is not None
        key = (dg.src, dg.dst, decoded.message.header.ispi, frag.fragment_id)
        entry = self._sets.get(key)
        if entry is None:
            entry = self._sets[key] = _Set(first_ts=dg.ts)
        if frag.number not in entry.pieces:
            entry.pieces[frag.number] = (dg, decoded, frag)
            entry.size += len(dg.payload)
            self._bytes += len(dg.payload)
        if frag.last:
            entry.last = frag.number
        if entry.last is not None and all(n in entry.pieces for n in range(1, entry.last + 1)):
            self._drop(key)
            out.append(_join([entry.pieces[n] for n in range(1, entry.last + 1)]))
        while len(self._sets) > self.max_sets or (self._bytes > self.max_bytes and len(self._sets) > 1):
            self.limit.hit(dg.frame, dg.ts)
            out.extend(_pieces(self._drop(next(iter(self._sets)))))
        return True, out

    def limit_events(self) -> list[NetEvent]:
        """The problem event of ``limit``, if it was reached, for the end of the input."""
        ev = self.limit.event(f"IKEv1 fragment reassembly holds at most {self.max_sets:,} sets and "
                              f"{self.max_bytes >> 20} MiB of pieces", "sets were given up unfinished",
                              "their pieces are analysed as they came, unjoined, so a message whose other pieces "
                              "arrived later was never read whole")
        return [] if ev is None else [ev]

    def flush(self) -> list[tuple[Datagram, Decoded]]:
        """End of input: the pieces of every unfinished set, in capture order."""
        out = [p for entry in self._sets.values() for p in _pieces(entry)]
        self._sets.clear()
        self._bytes = 0
        return sorted(out, key=lambda p: p[0].frame)

    def _drop(self, key: tuple[str, str, bytes, int]) -> _Set:
        entry = self._sets.pop(key)
        self._bytes -= entry.size
        return entry

    def _expire(self, now: float) -> list[tuple[Datagram, Decoded]]:
        """Give up the sets older than the timeout. Sets are kept in the order they began, so this reads
        only the stale ones and the first that is not (a clock that goes backwards only delays it)."""
        out: list[tuple[Datagram, Decoded]] = []
        while self._sets:
            key, entry = next(iter(self._sets.items()))
            if now - entry.first_ts <= self.timeout:
                break
            out.extend(_pieces(self._drop(key)))
        return out


def fragment_of(decoded: Decoded) -> FragmentV1Payload | None:
    """The fragment payload of an IKEv1 fragment message (its only payload), or None."""
    m = decoded.message
    if m is None or m.header.major != 1 or len(m.payloads) != 1:
        return None
    p = m.payloads[0]
    return p if isinstance(p, FragmentV1Payload) and p.number >= 1 else None


def _pieces(entry: _Set) -> list[tuple[Datagram, Decoded]]:
    return [(dg, dec) for dg, dec, _ in sorted(entry.pieces.values(), key=lambda p: p[0].frame)]


def _join(pieces: list[Piece]) -> tuple[Datagram, Decoded]:
    data = b"".join(frag.data for _, _, frag in pieces)
    latest = max((dg for dg, _, _ in pieces), key=lambda d: (d.ts, d.frame))
    frames = tuple(sorted({f for dg, _, _ in pieces for f in dg.frames}))
    whole = Datagram(frames=frames, ts=latest.ts, src=latest.src, dst=latest.dst, sport=latest.sport,
                     dport=latest.dport, transport=latest.transport, encap=latest.encap, payload=data,
                     truncated=any(dg.truncated for dg, _, _ in pieces),
                     problems=tuple(p for dg, _, _ in pieces for p in dg.problems))
    return whole, decode_message(data)
