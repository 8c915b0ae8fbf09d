"""Frames in, IKE Datagrams and network events out (sans-I/O).

Rule 1: no I/O. ``Demux`` is fed Frames and returns records; it reads no file,
socket or clock, so live capture and file analysis share it, and tests drive
it with hand-built frames.

Rule 2: a frame never raises. Garbage, short frames and impossible lengths
become "not IKE" or a Problem inside a NetEvent.

Theory of operation: almost every frame in a gateway capture is ESP, TCP or
unrelated UDP, so the first questions are asked of the raw bytes at fixed
offsets (EtherType, IP version, protocol byte, ports) and a frame that fails
them costs a few comparisons and no objects. Only a frame that may be IKE gets
its addresses turned into strings and becomes a Datagram. IP fragments of UDP
and TCP are held until complete, because the first fragment alone decides
nothing when the ports sit in it and the rest carry the message.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields

from ikescope.limits import Limit
from ikescope.model import Datagram, Frame, NetEvent, Problem, Severity
from ikescope.net import ip, tcp, udp
from ikescope.net.clock import Clock
from ikescope.net.link import LINK_PARSERS
from ikescope.wire.numbers import PORT_IKE, PORT_NAT_T

_UDP = 17
_TCP = 6
_ICMP = 1
_ESP = 50
_MAX_ESP_FLOWS = 4096  # ESP flows whose last report time is kept
_ICMPV6 = 58
# Destination-unreachable codes worth naming (RFC 792 for IPv4, RFC 4443 3.1 for IPv6).
_ICMP_CODES = {4: {0: "network unreachable", 1: "host unreachable", 3: "port unreachable",
                   9: "network administratively prohibited", 10: "host administratively prohibited",
                   13: "communication administratively prohibited"},
               6: {0: "no route", 1: "administratively prohibited", 3: "address unreachable",
                   4: "port unreachable"}}
_IKE_PORTS = frozenset({PORT_IKE, PORT_NAT_T})
DEFAULT_TCP_PORTS = frozenset({PORT_NAT_T})
# An IKE version byte (1.0 or 2.0) where it would sit in a UDP payload, with
# and without the non-ESP marker; the cheap first test for IKE on other ports.
_VERSION_BYTES = (b"\x10", b"\x20")
_UDP_VERSION_AT = 8 + 17
_UDP_MARKED_VERSION_AT = 8 + 4 + 17
_MAX_NAMES = 4096


@dataclass(slots=True)
class DemuxStats(Mapping[str, int]):
    """Counts kept by a Demux, for the report's statistics.

    Attributes for the hot path, and a read-only mapping of the same counts
    (``dict(stats)``, ``stats["ike"]``) for reports that list them all.

    frames: every frame fed. non_ike: frames of a known link type that carried
    no IKE, ESP or keepalive (fragments are counted in ``fragments`` instead).
    ike: Datagrams emitted; truncated: those cut by the snap length. esp: plain ESP
    packets (IP protocol 50); esp_in_udp / esp_in_tcp: ESP encapsulated for NAT-T.
    reassembled: IP datagrams rebuilt from fragments. tcp_segments: segments of
    followed RFC 8229 streams. unknown_linktype: frames of a link type we
    cannot read. problems: NetEvents of kind "problem". icmp_unreachable: ICMP errors
    quoting an IKE datagram (NetEvents of that kind).
    """

    frames: int = 0
    ike: int = 0
    esp: int = 0
    esp_in_udp: int = 0
    esp_in_tcp: int = 0
    keepalives: int = 0
    icmp_unreachable: int = 0
    non_ike: int = 0
    fragments: int = 0
    reassembled: int = 0
    tcp_segments: int = 0
    truncated: int = 0
    unknown_linktype: int = 0
    problems: int = 0

    def __getitem__(self, name: str) -> int:
        if name not in _STAT_NAMES:
            raise KeyError(name)
        value: int = getattr(self, name)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(_STAT_NAMES)

    def __len__(self) -> int:
        return len(_STAT_NAMES)


_STAT_NAMES = tuple(f.name for f in fields(DemuxStats))


class Demux:
    """Turns Frames into IKE Datagrams and NetEvents; see the module docstring.

    ``feed`` handles one frame, ``flush`` ends the input. Memory is bounded by
    ``max_fragments`` pending IP datagrams (older ones are dropped and
    reported) and ``max_tcp_streams`` followed TCP directions. ``tcp_ports``
    are the ports whose TCP streams are read as RFC 8229 even without the
    "IKETCP" prefix (a capture often starts after the prefix went by).
    ``esp_events`` reports ESP as evidence that a CHILD SA carries traffic, sampled:
    the first packet of each (source, destination, SPI) and then one a second, so
    the stream of ESP that makes up most of a gateway capture costs a dictionary
    lookup a packet, not a record. ``esp_events=False`` only counts ESP packets.
    """

    def __init__(
        self,
        *,
        max_fragments: int = ip.DEFAULT_MAX_PENDING,
        fragment_timeout: float = ip.DEFAULT_TIMEOUT,
        max_tcp_streams: int = tcp.DEFAULT_MAX_STREAMS,
        tcp_ports: Iterable[int] = DEFAULT_TCP_PORTS,
        esp_events: bool = True,
    ) -> None:
        self.stats = DemuxStats()
        self._frags = ip.Reassembler(max_fragments, fragment_timeout)
        self._streams = tcp.StreamTracker(max_tcp_streams)
        self._fragments_limit = Limit("ip_fragments", max_fragments)
        self._streams_limit = Limit("tcp_streams", self._streams.max_streams)
        self._clock = Clock()
        self._tcp_ports = frozenset(tcp_ports)
        self._unknown_linktypes: set[int] = set()
        self._names: dict[bytes, str] = {}
        self._esp_events = esp_events
        self._esp_seen: dict[tuple[bytes, bytes, bytes], float] = {}  # (src, dst, SPI) -> last report

    def feed(self, frame: Frame) -> list[Datagram | NetEvent]:
        """Handle one frame; returns what it completes (often nothing)."""
        self.stats.frames += 1
        self._clock.see(frame.index, frame.ts)
        out: list[Datagram | NetEvent] = []
        if self._frags.pending:
            self._expire(frame, out)
        link = LINK_PARSERS.get(frame.linktype)
        if link is None:
            self._unknown_linktype(frame, out)
            return out
        data = frame.data
        off = link(data)
        if 0 <= off < len(data):
            version = data[off] >> 4
            if version == 4:
                self._ipv4(frame, data, off, out)
                return out
            if version == 6:
                self._ipv6(frame, data, off, out)
                return out
        self.stats.non_ike += 1
        return out

    def flush(self) -> list[NetEvent]:
        """End of input: report fragments and stream bytes that never completed, the caps that were
        reached and a clock that jumped."""
        out: list[Datagram | NetEvent] = []
        for key, entry in self._frags.drain():
            self._incomplete(key, entry, "net.fragments_incomplete", "never completed", out)
        for issue in self._streams.drain():
            self._problem(out, issue.problem, issue.frame, issue.ts)
        for ev in (self._fragments_limit.event(
                       f"IP reassembly keeps at most {self._fragments_limit.cap:,} datagrams waiting for their "
                       "fragments", "were dropped unfinished",
                       "whatever IKE messages they carried are missing from the analysis, and unlike the "
                       "datagrams still waiting at the end they are not reported one by one"),
                   self._streams_limit.event(
                       f"IKE-over-TCP reassembly follows at most {self._streams_limit.cap:,} TCP directions",
                       "were dropped with what they held",
                       "IKE messages they were carrying are missing from the analysis, and a direction seen "
                       "again is read from the middle of its stream"),
                   self._clock.event()):
            if ev is not None:
                out.append(ev)
        return [e for e in out if isinstance(e, NetEvent)]

    # -- IP -------------------------------------------------------------------

    def _ipv4(self, frame: Frame, data: bytes, off: int, out: list[Datagram | NetEvent]) -> None:
        ihl = (data[off] & 0x0F) << 2
        l4 = off + ihl
        if ihl < 20 or len(data) < l4:
            self.stats.non_ike += 1
            return
        proto = data[off + 9]
        if proto != _UDP and proto != _TCP:
            if proto == _ESP and not (data[off + 6] & 0x3F or data[off + 7]):
                self._esp(out, frame.index, frame.ts, data[off + 12 : off + 16], data[off + 16 : off + 20], 0, 0,
                          data[l4 : l4 + 4])
            elif proto != _ICMP or not self._icmp(frame, data, l4, 4, out):
                self.stats.non_ike += 1
            return
        total = data[off + 2] << 8 | data[off + 3]
        # A zero total length is what segmentation offload leaves in captures
        # taken on the sending host; the frame length is then the best guess.
        end = off + total if total else len(data)
        if end < l4:
            self.stats.non_ike += 1
            return
        if data[off + 6] & 0x3F or data[off + 7]:
            flags = data[off + 6]
            key = (4, data[off + 12 : off + 16], data[off + 16 : off + 20], proto, data[off + 4 : off + 6])
            offset = ((flags & 0x1F) << 8 | data[off + 7]) * 8
            self._fragment(frame, key, proto, offset, data[l4:end], end - l4, bool(flags & 0x20), out)
            return
        if self._screen(proto, data, l4, off + 12, 4):
            src, dst = data[off + 12 : off + 16], data[off + 16 : off + 20]
            self._transport(proto, data, l4, end, src, dst, (frame.index,), frame.ts, out)
        else:
            self.stats.non_ike += 1

    def _ipv6(self, frame: Frame, data: bytes, off: int, out: list[Datagram | NetEvent]) -> None:
        pos = off + 40
        if len(data) < pos:
            self.stats.non_ike += 1
            return
        nh = data[off + 6]
        plen = data[off + 4] << 8 | data[off + 5]
        end = pos + plen if plen else len(data)
        if nh != _UDP and nh != _TCP:
            if nh in ip.IPV6_SKIPPABLE:
                nh, pos = ip.skip_ipv6_options(data, pos, nh)
            if nh == ip.IPV6_FRAGMENT and pos + 8 <= min(end, len(data)):
                inner, word = data[pos], data[pos + 2] << 8 | data[pos + 3]
                key = (6, data[off + 8 : off + 24], data[off + 24 : off + 40], inner, data[pos + 4 : pos + 8])
                body = pos + 8
                self._fragment(frame, key, inner, word & 0xFFF8, data[body:end], end - body, bool(word & 1), out)
                return
            if nh != _UDP and nh != _TCP:
                if nh == _ESP:
                    self._esp(out, frame.index, frame.ts, data[off + 8 : off + 24], data[off + 24 : off + 40], 0, 0,
                              data[pos : pos + 4])
                elif nh != _ICMPV6 or not self._icmp(frame, data, pos, 6, out):
                    self.stats.non_ike += 1
                return
        if pos <= end and self._screen(nh, data, pos, off + 8, 16):
            src, dst = data[off + 8 : off + 24], data[off + 24 : off + 40]
            self._transport(nh, data, pos, end, src, dst, (frame.index,), frame.ts, out)
        else:
            self.stats.non_ike += 1

    def _icmp(self, frame: Frame, data: bytes, l4: int, version: int, out: list[Datagram | NetEvent]) -> bool:
        """An ICMP destination-unreachable that quotes an IKE datagram: the peer's host or a
        router says the IKE packet was refused (RFC 792, RFC 4443). True when reported."""
        if len(data) < l4 + 8:
            return False
        icmp_type, code = data[l4], data[l4 + 1]
        q = l4 + 8
        if version == 4:
            if icmp_type != 3 or len(data) < q + 20 or data[q] >> 4 != 4:
                return False
            qproto, qsrc, qdst = data[q + 9], data[q + 12 : q + 16], data[q + 16 : q + 20]
            ql4 = q + ((data[q] & 0x0F) << 2)
        else:
            if icmp_type != 1 or len(data) < q + 40 or data[q] >> 4 != 6:
                return False
            qproto, qsrc, qdst = data[q + 6], data[q + 8 : q + 24], data[q + 24 : q + 40]
            ql4 = q + 40
        if qproto != _UDP or len(data) < ql4 + 4:
            return False
        sport = data[ql4] << 8 | data[ql4 + 1]
        dport = data[ql4 + 2] << 8 | data[ql4 + 3]
        if sport not in _IKE_PORTS and dport not in _IKE_PORTS:
            return False
        self.stats.icmp_unreachable += 1
        what = _ICMP_CODES[version].get(code, f"code {code}")
        problem = Problem("net.icmp_unreachable",
                          f"frame {frame.index}: ICMP destination unreachable ({what}) for the IKE datagram "
                          f"{self._addr(qsrc)}:{sport} -> {self._addr(qdst)}:{dport}", severity=Severity.WARNING)
        out.append(NetEvent("icmp_unreachable", frame.index, frame.ts, self._addr(qsrc), self._addr(qdst),
                            sport, dport, problem))
        return True

    def _fragment(
        self,
        frame: Frame,
        key: tuple[int, bytes, bytes, int, bytes],
        proto: int,
        offset: int,
        body: bytes,
        length: int,
        more: bool,
        out: list[Datagram | NetEvent],
    ) -> None:
        self.stats.fragments += 1
        if proto != _UDP and proto != _TCP and not (key[0] == 6 and proto in ip.IPV6_SKIPPABLE):
            return
        result = self._frags.add(ip.Fragment(key, offset, body, length, more, frame.index, frame.ts))
        for old_key, entry in self._frags.evicted():
            self._fragments_limit.hit(frame.index, frame.ts)
            self._incomplete(old_key, entry, "net.fragments_evicted", "was dropped to bound memory", out)
        if result is None:
            return
        src, dst = self._addr(key[1]), self._addr(key[2])
        if isinstance(result, Problem):
            self._problem(out, result, frame.index, frame.ts, src, dst)
            return
        self.stats.reassembled += 1
        nh, pos = proto, 0
        if key[0] == 6 and proto in ip.IPV6_SKIPPABLE:
            nh, pos = ip.skip_ipv6_options(result.data, 0, proto)
        if (nh == _UDP or nh == _TCP) and self._screen(nh, result.data, pos, -1, 0, key):
            self._transport(nh, result.data, pos, result.length, key[1], key[2], result.frames, result.ts, out)
        else:
            self.stats.non_ike += 1

    def _expire(self, frame: Frame, out: list[Datagram | NetEvent]) -> None:
        for key, entry in self._frags.expire(frame.ts):
            why = f"timed out after {self._frags.timeout:g} s of capture time"
            self._incomplete(key, entry, "net.fragment_timeout", why, out)

    def _incomplete(
        self, key: tuple[object, ...], entry: ip.Pending, code: str, why: str, out: list[Datagram | NetEvent]
    ) -> None:
        """Report an unfinished datagram unless its first fragment shows it is not IKE."""
        version, src, dst, proto = key[0], key[1], key[2], key[3]
        assert isinstance(src, bytes) and isinstance(dst, bytes) and isinstance(proto, int)
        head = entry.head()
        ike_related = False
        if head is not None:
            nh, pos = proto, 0
            if version == 6 and proto in ip.IPV6_SKIPPABLE:
                nh, pos = ip.skip_ipv6_options(head, 0, proto)
            ike_related = (nh == _UDP or nh == _TCP) and self._screen(nh, head, pos, -1, 0, key)
            if not ike_related:
                return
        problem = ip.incomplete_problem(code, entry, why, ike_related)
        self._problem(out, problem, entry.last_frame, entry.last_ts, self._addr(src), self._addr(dst))

    # -- transport --------------------------------------------------------------

    def _screen(
        self, proto: int, data: bytes, l4: int, addr_at: int, addr_len: int, key: tuple[object, ...] = ()
    ) -> bool:
        """Cheap test on raw bytes: may this UDP or TCP segment carry IKE?

        Addresses (needed only to look up followed TCP streams) come from the
        IP header at ``addr_at`` or, for reassembled data, from the fragment key.
        """
        if len(data) < l4 + 4:
            return False
        sport = data[l4] << 8 | data[l4 + 1]
        dport = data[l4 + 2] << 8 | data[l4 + 3]
        if proto == _UDP:
            if sport in _IKE_PORTS or dport in _IKE_PORTS:
                return True
            return (
                data[l4 + _UDP_VERSION_AT : l4 + _UDP_VERSION_AT + 1] in _VERSION_BYTES
                or data[l4 + _UDP_MARKED_VERSION_AT : l4 + _UDP_MARKED_VERSION_AT + 1] in _VERSION_BYTES
            )
        if sport in self._tcp_ports or dport in self._tcp_ports:
            return True
        if len(data) < l4 + 20:
            return False
        hl = (data[l4 + 12] >> 4) << 2
        if data[l4 + hl : l4 + hl + len(tcp.PREFIX)] == tcp.PREFIX:
            return True
        if not self._streams:
            return False
        if key:
            src, dst = key[1], key[2]
        else:
            src, dst = data[addr_at : addr_at + addr_len], data[addr_at + addr_len : addr_at + 2 * addr_len]
        assert isinstance(src, bytes) and isinstance(dst, bytes)
        return self._streams.follows((src, dst, sport, dport))

    def _transport(
        self,
        proto: int,
        data: bytes,
        l4: int,
        end: int,
        src: bytes,
        dst: bytes,
        frames: tuple[int, ...],
        ts: float,
        out: list[Datagram | NetEvent],
    ) -> None:
        if proto == _UDP:
            self._udp(data, l4, end, src, dst, frames, ts, out)
        else:
            self._tcp(data, l4, end, src, dst, frames[-1], ts, out)

    def _udp(
        self,
        data: bytes,
        l4: int,
        end: int,
        src: bytes,
        dst: bytes,
        frames: tuple[int, ...],
        ts: float,
        out: list[Datagram | NetEvent],
    ) -> None:
        if len(data) < l4 + 8:
            self.stats.non_ike += 1
            return
        sport = data[l4] << 8 | data[l4 + 1]
        dport = data[l4 + 2] << 8 | data[l4 + 3]
        ulen = data[l4 + 4] << 8 | data[l4 + 5]
        # The UDP length wins over the IP length (Ethernet pads short frames),
        # unless it is impossible (0 means offload; below 8 is broken).
        wire_end = l4 + ulen if 8 <= ulen <= end - l4 else end
        wire_len = wire_end - l4 - 8
        start, stop = l4 + 8, min(wire_end, len(data))
        kind, encap, at = udp.classify(sport, dport, data, start, stop, wire_len)
        if kind is udp.Kind.IKE:
            message = data[at:stop]
            truncated = len(message) < wire_len - (at - start)
            self._datagram(out, frames, ts, src, dst, sport, dport, "udp", encap, message, truncated)
        elif kind is udp.Kind.ESP:
            self.stats.esp_in_udp += 1
            self._esp(out, frames[-1], ts, src, dst, sport, dport, data[start : start + 4], count=False)
        elif kind is udp.Kind.KEEPALIVE:
            self.stats.keepalives += 1
            out.append(NetEvent("keepalive", frames[-1], ts, self._addr(src), self._addr(dst), sport, dport))
        elif kind is udp.Kind.SHORT:
            problem = Problem(
                "net.snaplen_short",
                f"frame {frames[-1]}: only {stop - start} of {wire_len} bytes of a UDP 4500 payload "
                "were captured, too few to tell IKE from ESP",
                length=stop - start,
                severity=Severity.WARNING,
            )
            self._problem(out, problem, frames[-1], ts, self._addr(src), self._addr(dst), sport, dport)
        else:
            self.stats.non_ike += 1

    def _tcp(
        self,
        data: bytes,
        l4: int,
        end: int,
        src: bytes,
        dst: bytes,
        frame: int,
        ts: float,
        out: list[Datagram | NetEvent],
    ) -> None:
        if len(data) < l4 + 20:
            self.stats.non_ike += 1
            return
        sport = data[l4] << 8 | data[l4 + 1]
        dport = data[l4 + 2] << 8 | data[l4 + 3]
        seq = int.from_bytes(data[l4 + 4 : l4 + 8], "big")
        hl = (data[l4 + 12] >> 4) << 2
        flags = data[l4 + 13]
        body = l4 + hl
        if hl < 20 or body > end:
            self.stats.non_ike += 1
            return
        self.stats.tcp_segments += 1
        key = (src, dst, sport, dport)
        if not self._streams.follows(key):
            dropped = self._streams.dropped
            for issue in self._streams.start(key):
                self._problem(out, issue.problem, issue.frame, issue.ts)
            if self._streams.dropped > dropped:
                self._streams_limit.hit(frame, ts, self._streams.dropped - dropped)
        captured = data[body : min(end, len(data))]
        for item in self._streams.segment(key, seq, flags, captured, end - body, frame, ts):
            if isinstance(item, tcp.Issue):
                self._problem(out, item.problem, item.frame, item.ts, self._addr(src), self._addr(dst), sport, dport)
            elif item.esp:
                self.stats.esp_in_tcp += 1
                self._esp(out, item.frames[-1], item.ts, src, dst, sport, dport, item.payload[:4], count=False)
            else:
                self._datagram(
                    out, item.frames, item.ts, src, dst, sport, dport, "tcp", "tcp", item.payload, item.truncated
                )

    # -- output -----------------------------------------------------------------

    def _datagram(
        self,
        out: list[Datagram | NetEvent],
        frames: tuple[int, ...],
        ts: float,
        src: bytes,
        dst: bytes,
        sport: int,
        dport: int,
        transport: str,
        encap: str,
        payload: bytes,
        truncated: bool,
    ) -> None:
        self.stats.ike += 1
        if truncated:
            self.stats.truncated += 1
        out.append(
            Datagram(
                frames, ts, self._addr(src), self._addr(dst), sport, dport, transport, encap, bytes(payload), truncated
            )
        )

    def _problem(
        self,
        out: list[Datagram | NetEvent],
        problem: Problem,
        frame: int,
        ts: float,
        src: str = "",
        dst: str = "",
        sport: int = 0,
        dport: int = 0,
    ) -> None:
        self.stats.problems += 1
        out.append(NetEvent("problem", frame, ts, src, dst, sport, dport, problem))

    def _esp(self, out: list[Datagram | NetEvent], frame: int, ts: float, src: bytes, dst: bytes, sport: int,
             dport: int, spi: bytes, count: bool = True) -> None:
        if count:
            self.stats.esp += 1
        if not self._esp_events or len(spi) < 4:
            return
        key = (src, dst, spi)
        last = self._esp_seen.get(key)
        if last is not None and ts - last < 1.0:
            return
        if last is None and len(self._esp_seen) >= _MAX_ESP_FLOWS:
            del self._esp_seen[next(iter(self._esp_seen))]
        self._esp_seen[key] = ts
        out.append(NetEvent("esp", frame, ts, self._addr(src), self._addr(dst), sport, dport,
                            spi=int.from_bytes(spi, "big")))

    def _addr(self, raw: bytes) -> str:
        """Address bytes as text, remembered: a capture repeats few addresses,
        and formatting one costs more than all the rest of a frame's handling."""
        name = self._names.get(raw)
        if name is None:
            if len(self._names) >= _MAX_NAMES:
                self._names.clear()
            name = self._names[raw] = str(ipaddress.ip_address(raw))
        return name

    def _unknown_linktype(self, frame: Frame, out: list[Datagram | NetEvent]) -> None:
        self.stats.unknown_linktype += 1
        if frame.linktype in self._unknown_linktypes:
            return
        self._unknown_linktypes.add(frame.linktype)
        problem = Problem(
            "net.unknown_linktype",
            f"frame {frame.index}: link type {frame.linktype} is not supported; "
            "its frames are skipped",
            severity=Severity.WARNING,
        )
        self._problem(out, problem, frame.index, frame.ts)


def datagrams(frames: Iterable[Frame], demux: Demux | None = None) -> Iterator[Datagram | NetEvent]:
    """Feed every frame to a Demux (a new one unless given), then flush it."""
    d = demux if demux is not None else Demux()
    for frame in frames:
        yield from d.feed(frame)
    yield from d.flush()
