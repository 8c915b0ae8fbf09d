"""IKE over TCP (RFC 8229): stream reassembly and message framing.

Some networks block UDP entirely, so IKE and ESP fall back to one TCP stream.
The initiator opens it with the 6-byte "IKETCP" prefix; after that each
message is a 2-byte length (counting itself), then either the 4-byte zero
non-ESP marker and an IKE message, or an ESP packet.

Each direction is reassembled by sequence number: retransmitted bytes are
trimmed, early segments wait (a bounded number of them), and bytes missing
because of the snap length are remembered as holes, so a message that
crosses a hole is still delivered, marked truncated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ikescope.model import Problem

PREFIX = b"IKETCP"
NON_ESP_MARKER = b"\x00\x00\x00\x00"
DEFAULT_MAX_STREAMS = 1024
# Segments that arrive ahead of a gap wait here; past this many the gap is
# taken to be a loss in the capture and the direction stops being followed.
DEFAULT_MAX_EARLY_SEGMENTS = 64
DEFAULT_MAX_EARLY_BYTES = 256 * 1024
# Segments (and snap-length holes) remembered for the message being read; past this many the newest
# extends the last one, so a message trickling in byte by byte lists its first frames and its last.
MAX_SEGMENTS = 256
_SEQ_MOD = 1 << 32
_HALF_SEQ = 1 << 31
_LENGTH_FIELD = 2
_MIN_FRAME = _LENGTH_FIELD + 4  # a length field plus a marker or an ESP SPI

TCP_FIN = 0x01
TCP_SYN = 0x02
TCP_RST = 0x04

# Key of one direction: (source address, destination address, source port, destination port).
Key = tuple[bytes, bytes, int, int]


@dataclass(slots=True)
class Message:
    """One RFC 8229 frame taken out of a stream."""

    esp: bool
    payload: bytes  # the IKE message (without length and marker); for ESP its SPI
    frames: tuple[int, ...]
    ts: float
    truncated: bool


@dataclass(slots=True)
class Issue:
    """A stream problem and the frame that revealed it."""

    problem: Problem
    frame: int
    ts: float


@dataclass(slots=True)
class _Direction:
    base: int | None = None  # sequence number of stream offset 0
    next: int = 0  # stream offset of the next byte we expect
    start: int = 0  # stream offset of buf[0]
    buf: bytearray = field(default_factory=bytearray)
    segments: list[tuple[int, int, int, float]] = field(default_factory=list)  # (begin, end, frame, ts)
    holes: list[tuple[int, int]] = field(default_factory=list)  # bytes the capture did not keep
    early: dict[int, tuple[bytes, int, int, float]] = field(default_factory=dict)
    prefix_checked: bool = False
    dead: bool = False
    last_frame: int = 0
    last_ts: float = 0.0


class StreamTracker:
    """Follows RFC 8229 streams; one instance sees every followed TCP segment.

    ``segment`` returns the Messages and Issues the segment completes.
    """

    def __init__(
        self,
        max_streams: int = DEFAULT_MAX_STREAMS,
        max_early_segments: int = DEFAULT_MAX_EARLY_SEGMENTS,
        max_early_bytes: int = DEFAULT_MAX_EARLY_BYTES,
    ) -> None:
        # Both directions of the connection being started must fit.
        self.max_streams = max(2, max_streams)
        self.max_early_segments = max_early_segments
        self.max_early_bytes = max_early_bytes
        self._dirs: dict[Key, _Direction] = {}
        self.dropped = 0  # directions given up because ``max_streams`` were followed

    def follows(self, key: Key) -> bool:
        return key in self._dirs

    def __bool__(self) -> bool:
        return bool(self._dirs)

    def start(self, key: Key) -> list[Issue]:
        """Follow both directions of a connection (the reply carries no prefix)."""
        src, dst, sport, dport = key
        problems: list[Issue] = []
        for k in (key, (dst, src, dport, sport)):
            if k not in self._dirs:
                self._dirs[k] = _Direction()
        while len(self._dirs) > self.max_streams:
            old_key = next(iter(self._dirs))
            self.dropped += 1
            problems += _leftover(self._dirs.pop(old_key), "was dropped to bound memory")
        return problems

    def segment(
        self, key: Key, seq: int, flags: int, data: bytes, length: int, frame: int, ts: float
    ) -> list[Message | Issue]:
        """Add one segment of a followed direction (see ``start``).

        ``data`` is what was captured, ``length`` the segment's size on the wire.
        """
        d = self._dirs[key]
        if flags & TCP_SYN:
            d = self._dirs[key] = _Direction(base=(seq + 1) % _SEQ_MOD)
        elif d.base is None:
            d.base = seq
        d.last_frame, d.last_ts = frame, ts
        out: list[Message | Issue] = []
        if length and not d.dead:
            rel = (seq - d.base) % _SEQ_MOD
            if rel < _HALF_SEQ:
                out += self._add(d, rel, data, length, frame, ts)
        if flags & (TCP_FIN | TCP_RST):
            out += _leftover(self._dirs.pop(key), "ended (FIN or RST)")
        return out

    def drain(self) -> list[Issue]:
        """End of input: whatever is still buffered never became a message."""
        problems: list[Issue] = []
        for d in self._dirs.values():
            problems += _leftover(d, "was still open at the end of the capture")
        self._dirs.clear()
        return problems

    def _add(self, d: _Direction, rel: int, data: bytes, length: int, frame: int, ts: float) -> list[Message | Issue]:
        if rel + length <= d.next:
            return []  # a retransmission of bytes we already have
        if rel > d.next:
            waiting = sum(len(e[0]) for e in d.early.values()) + len(data)
            if len(d.early) >= self.max_early_segments or waiting > self.max_early_bytes:
                _give_up(d)
                gap = Problem(
                    "net.tcp_gap",
                    f"frame {frame}: bytes at stream offset {d.next} never arrived "
                    f"and {len(d.early)} later segments are waiting; this direction is no longer followed",
                )
                return [Issue(gap, frame, ts)]
            d.early[rel] = (data, length, frame, ts)
            return []
        _append(d, rel, data, length, frame, ts)
        while d.early:
            ready = [r for r in d.early if r <= d.next]
            if not ready:
                break
            for r in sorted(ready):
                e_data, e_len, e_frame, e_ts = d.early.pop(r)
                if r + e_len > d.next:
                    _append(d, r, e_data, e_len, e_frame, e_ts)
        return _extract(d)


def _append(d: _Direction, rel: int, data: bytes, length: int, frame: int, ts: float) -> None:
    """Add the new part of a segment that starts at or before ``d.next``."""
    skip = d.next - rel
    end = rel + length
    kept = data[skip:]
    d.buf += kept
    have_end = d.next + len(kept)
    if have_end < end:
        if len(d.holes) < MAX_SEGMENTS:
            d.holes.append((have_end, end))
        else:  # the bytes captured between the last two holes count as missing too
            d.holes[-1] = (d.holes[-1][0], end)
        d.buf += bytes(end - have_end)
    if len(d.segments) < MAX_SEGMENTS:
        d.segments.append((d.next, end, frame, ts))
    else:
        d.segments[-1] = (d.segments[-1][0], end, frame, ts)
    d.next = end


def _in_hole(d: _Direction, begin: int, end: int) -> int | None:
    """The first missing stream offset within [begin, end), if any."""
    firsts = [max(h_begin, begin) for h_begin, h_end in d.holes if h_begin < end and h_end > begin]
    return min(firsts) if firsts else None


def _extract(d: _Direction) -> list[Message | Issue]:
    out: list[Message | Issue] = []
    if not d.prefix_checked:
        if len(d.buf) < len(PREFIX) and PREFIX.startswith(bytes(d.buf)):
            return out  # could still become the prefix
        if d.buf[: len(PREFIX)] == PREFIX and _in_hole(d, d.start, d.start + len(PREFIX)) is None:
            _consume(d, len(PREFIX))
        d.prefix_checked = True
    while len(d.buf) >= _LENGTH_FIELD:
        if _in_hole(d, d.start, d.start + _MIN_FRAME) is not None:
            out.append(_desync(d, "a length field or marker was not captured (snap length)"))
            break
        size = d.buf[0] << 8 | d.buf[1]
        if size < _MIN_FRAME:
            out.append(_desync(d, f"length field says {size}, below the minimum of {_MIN_FRAME}"))
            break
        if len(d.buf) < size:
            break
        end = d.start + size
        frames = tuple(sorted({f for b, e, f, _ in d.segments if b < end and e > d.start}))
        ts = max(t for b, e, _, t in d.segments if b < end and e > d.start)
        if d.buf[2:6] == NON_ESP_MARKER:
            hole = _in_hole(d, d.start + _MIN_FRAME, end)
            stop = size if hole is None else hole - d.start
            out.append(Message(False, bytes(d.buf[_MIN_FRAME:stop]), frames, ts, hole is not None))
        else:
            out.append(Message(True, bytes(d.buf[2:6]), frames, ts, False))  # the ESP SPI
        _consume(d, size)
    return out


def _consume(d: _Direction, n: int) -> None:
    del d.buf[:n]
    d.start += n
    d.segments = [s for s in d.segments if s[1] > d.start]
    d.holes = [h for h in d.holes if h[1] > d.start]


def _give_up(d: _Direction) -> None:
    """Stop following a direction whose framing is lost, and free its buffers."""
    d.dead = True
    d.buf.clear()
    d.early.clear()
    d.segments.clear()
    d.holes.clear()


def _desync(d: _Direction, why: str) -> Issue:
    """Give up on ``d`` and say why; call with ``d.start`` still at the bad frame."""
    problem = Problem(
        "net.tcp_framing",
        f"frame {d.last_frame}: RFC 8229 framing lost at stream offset {d.start}: {why}; "
        "this direction is no longer followed",
    )
    _give_up(d)
    return Issue(problem, d.last_frame, d.last_ts)


def _leftover(d: _Direction, why: str) -> list[Issue]:
    pending = len(d.buf) + sum(length for _, length, _, _ in d.early.values())
    if d.dead or not pending:
        return []
    problem = Problem(
        "net.tcp_stream_incomplete",
        f"TCP stream {why} with {pending} bytes that never formed a complete message "
        f"(last frame {d.last_frame})",
        length=pending,
    )
    return [Issue(problem, d.last_frame, d.last_ts)]
