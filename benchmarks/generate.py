"""Deterministic pcap files for ikescope's performance benchmarks.

Three kinds of capture, all with documentation addresses only:

ike-only  The IKE of the lab captures (pcaps/*.pcap) replayed over and over, each
          replay under fresh SPIs and a fresh initiator/responder address pair, about
          a hundred negotiations at a time, keeping each one's own timing: IKEv1 and
          IKEv2, NAT-T on UDP 4500, IP fragments, retransmissions, ICMP errors and
          every failure the lab shows.
gateway   What a VPN gateway's link carries: ESP, ESP-in-UDP, TCP, DNS, VLAN, IPv6,
          ICMP and ARP background with a small share of the ike-only stream in it.
flood     Unanswered IKEv2 IKE_SA_INIT requests, each with a new initiator SPI, from
          the 254 hosts of 203.0.113.0/24 to 198.51.100.1: the per-SPI state a tracker
          has to keep when nothing ever completes.
fleet     A directory per gateway, each holding its capture rotated into several files
          as a ring of ``tcpdump -C -W`` leaves it: replayed lab negotiations with the
          gateway as responder, mostly tunnels that come up, a few failures, and one
          peer that every gateway refuses with the same proposal mismatch.

The same seed gives the same bytes, and a smaller ``--messages`` (or ``--frames``)
gives exactly the first part of the larger capture, so a small file measures the
same traffic as a large one. Frames are packed from bytes prepared once; scapy is
only used to build the background templates.

    python benchmarks/generate.py ike-only OUT.pcap [--messages 200000] [--seed 1]
    python benchmarks/generate.py gateway OUT.pcap [--frames 1000000] [--ike-share 0.02]
    python benchmarks/generate.py flood OUT.pcap [--spis 300000]
    python benchmarks/generate.py fleet OUTDIR [--points 12] [--files 6] [--negotiations 40]
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import heapq
import json
import random
import struct
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
LAB = REPO / "pcaps"

EPOCH_US = 1_700_000_000 * 1_000_000
# New negotiations per second in the ike-only stream: about 650 IKE messages per second,
# so 200,000 messages span five minutes with ~90 negotiations open at any time.
REPLAYS_PER_SECOND = 90.0
# Negotiations longer than this (DPD, rekeying, retransmissions over ten seconds) are
# replayed faster, their frames keeping the same relative spacing.
MAX_SPAN_US = 4_000_000

INITIATORS = [bytes((192, 0, 2, i)) for i in range(1, 255)] + [bytes((203, 0, 113, i)) for i in range(1, 255)]
RESPONDERS = [bytes((198, 51, 100, i)) for i in range(1, 255)]
MACS = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}
IKE_PORTS = (500, 4500)

_PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)  # Ethernet, microseconds
_RECORD = struct.Struct("<IIII")
_MASK64 = (1 << 64) - 1


def checksum(data: bytes | bytearray) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    if len(data) % 2:
        data = bytes(data) + b"\0"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


@contextmanager
def pcap_writer(path: Path) -> Iterator[Callable[[int, bytes], None]]:
    """A classic pcap file (Ethernet, microseconds) written through a large buffer;
    yields the function that appends one frame at a timestamp in µs."""
    with open(path, "wb", buffering=1 << 20) as f:
        f.write(_PCAP_HEADER)
        pack, write = _RECORD.pack, f.write

        def record(ts_us: int, data: bytes) -> None:
            sec, usec = divmod(ts_us, 1_000_000)
            write(pack(sec, usec, len(data), len(data)))
            write(data)

        yield record


def read_pcap(path: Path) -> Iterator[tuple[int, bytes]]:
    """(timestamp in µs, frame bytes) of a classic pcap file: enough for the lab captures,
    and independent of the ikescope code under measurement."""
    raw = path.read_bytes()
    magic = raw[:4]
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}
    if magic not in order:
        raise ValueError(f"{path}: not a classic pcap file")
    divisor = 1000 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1
    record = struct.Struct(order[magic] + "IIII")
    pos = 24
    while pos + 16 <= len(raw):
        sec, frac, caplen, _ = record.unpack_from(raw, pos)
        pos += 16
        yield sec * 1_000_000 + frac // divisor, raw[pos : pos + caplen]
        pos += caplen


# -- replaying the lab's negotiations ---------------------------------------------------


@dataclass(frozen=True)
class FrameTemplate:
    """One lab frame and the places to rewrite when it is replayed.

    Addresses are replaced by role (0 = the first address the negotiation shows, its
    initiator); the IKE initiator SPIs, ESP SPIs and IP IDs are XORed with the replay's
    number, so that no two replays share an SA or a fragment set; then the IPv4 (and
    ICMP) checksums are recomputed in order, innermost first. UDP checksums are already
    zero in ``data``: IPv4 allows that, and it saves a checksum over every payload.
    """

    offset_us: int
    data: bytes
    addresses: tuple[tuple[int, int], ...]  # (offset, role)
    xors: tuple[tuple[int, int], ...]  # (offset, size) of SPIs and IP IDs
    checksums: tuple[tuple[int, int, int], ...]  # (checksum offset, start, end)
    ike: bool  # carries the start of an IKE message

    def render(self, addrs: Sequence[bytes], n: int) -> bytes:
        b = bytearray(self.data)
        for off, role in self.addresses:
            b[off : off + 4] = addrs[role]
        for off, size in self.xors:
            end = off + size
            b[off:end] = (int.from_bytes(b[off:end], "big") ^ (n & ((1 << 8 * size) - 1))).to_bytes(size, "big")
        for off, start, end in self.checksums:
            b[off : off + 2] = b"\0\0"
            b[off : off + 2] = checksum(b[start:end]).to_bytes(2, "big")
        return bytes(b)


def _spi_at(b: bytearray, pos: int, end: int, sport: int, dport: int) -> tuple[int, int] | None:
    """(offset, size) of the SPI to make unique in a UDP payload starting at ``pos``: the
    IKE initiator SPI (after the zero non-ESP marker on port 4500, RFC 3948) or the
    ESP SPI of ESP-in-UDP; None for a NAT-T keepalive or a payload too short."""
    if 4500 in (sport, dport):
        if end - pos >= 32 and b[pos : pos + 4] == b"\0\0\0\0":
            return pos + 4, 8
        return (pos, 4) if end - pos >= 8 else None
    return (pos, 8) if end - pos >= 28 else None


def frame_template(data: bytes, roles: dict[bytes, int]) -> FrameTemplate | None:
    """The template (at offset 0) of an Ethernet/IPv4 frame of a negotiation, or None
    for what the replay leaves out (ARP, IPv6, TCP, other UDP). ``roles`` numbers the
    addresses in the order the negotiation shows them and grows as new ones appear."""
    if len(data) < 34 or data[12:14] != b"\x08\x00" or data[14] >> 4 != 4:
        return None
    b = bytearray(data)
    ihl = (b[14] & 0x0F) * 4
    l4, end = 14 + ihl, 14 + (b[16] << 8 | b[17])
    proto = b[23]

    def role(addr: bytes) -> int:
        return roles.setdefault(addr, len(roles))

    addresses = [(26, role(data[26:30])), (30, role(data[30:34]))]
    xors = [(18, 2)]
    checksums: list[tuple[int, int, int]] = []
    ike = False
    if (b[20] << 8 | b[21]) & 0x1FFF:  # a later IP fragment: no UDP header to look at
        if proto != 17:
            return None
    elif proto == 17:
        sport, dport = struct.unpack_from(">HH", b, l4)
        if sport not in IKE_PORTS and dport not in IKE_PORTS:
            return None
        b[l4 + 6 : l4 + 8] = b"\0\0"
        spi = _spi_at(b, l4 + 8, end, sport, dport)
        if spi:
            xors.append(spi)
            ike = spi[1] == 8
    elif proto == 1 and b[l4] == 3 and b[l4 + 8] >> 4 == 4:  # ICMP unreachable quoting an IPv4 datagram
        q = l4 + 8
        qihl = (b[q] & 0x0F) * 4
        if b[q + 9] != 17:
            return None
        addresses += [(q + 12, role(data[q + 12 : q + 16])), (q + 16, role(data[q + 16 : q + 20]))]
        xors.append((q + 4, 2))
        sport, dport = struct.unpack_from(">HH", b, q + qihl)
        b[q + qihl + 6 : q + qihl + 8] = b"\0\0"
        spi = _spi_at(b, q + qihl + 8, end, sport, dport)
        if spi:
            xors.append(spi)
        checksums += [(q + 10, q, q + qihl), (l4 + 2, l4, end)]
    else:
        return None
    checksums.append((24, 14, l4))
    return FrameTemplate(0, bytes(b), tuple(addresses), tuple(xors), tuple(checksums), ike)


@dataclass(frozen=True)
class Negotiation:
    """The replayable frames of one lab capture, how many addresses they show and how
    many IKE SAs they make."""

    frames: tuple[FrameTemplate, ...]
    roles: int
    sas: int
    name: str = ""  # the lab capture's stem


@cache
def lab_negotiations() -> tuple[Negotiation, ...]:
    """Every lab capture with IKE over IPv4/UDP (the IPv6 and TCP ones have none), its
    timing squeezed to MAX_SPAN_US at most."""
    labels = json.loads((LAB / "labels.json").read_text())["captures"]
    sa_counts = {c["file"]: c.get("ike_sa_count", 1) for c in labels}
    out = []
    for path in sorted(LAB.glob("*.pcap")):
        frames = list(read_pcap(path))
        roles: dict[bytes, int] = {}
        kept = [(ts, t) for ts, data in frames if (t := frame_template(data, roles)) is not None]
        if not any(t.ike for _, t in kept):
            continue
        t0, span = kept[0][0], kept[-1][0] - kept[0][0]
        scale = min(1.0, MAX_SPAN_US / span) if span else 1.0
        templates = tuple(replace(t, offset_us=round((ts - t0) * scale)) for ts, t in kept)
        out.append(Negotiation(templates, len(roles), sa_counts.get(path.name, 1), path.stem))
    return tuple(out)


class Emitted(NamedTuple):
    """A frame of a generated stream; ``new_sas`` and ``opens`` (+1 on a negotiation's
    first frame, -1 on its last) let the writer count IKE SAs and concurrency."""

    ts_us: int
    seq: int
    data: bytes
    ike: bool
    new_sas: int
    opens: int


def ike_stream(seed: int) -> Iterator[Emitted]:
    """An endless, time-ordered stream of replayed lab negotiations.

    Negotiations start as a Poisson process of REPLAYS_PER_SECOND, each a lab capture
    drawn at random with its frames at their original (squeezed) offsets. The random
    draws do not depend on how much of the stream is read, so any length of it is a
    prefix of any longer one.
    """
    rng = random.Random(seed)
    negotiations = lab_negotiations()
    heap: list[Emitted] = []
    seq = 0
    replay = 0
    next_start = EPOCH_US
    while True:
        while not heap or next_start <= heap[0].ts_us:
            replay += 1
            neg = rng.choice(negotiations)
            addrs = [rng.choice(INITIATORS), rng.choice(RESPONDERS)]
            addrs += [rng.choice(INITIATORS) for _ in range(neg.roles - 2)]
            last = len(neg.frames) - 1
            for i, t in enumerate(neg.frames):
                opens = (i == 0) - (i == last)
                heapq.heappush(heap, Emitted(next_start + t.offset_us, seq, t.render(addrs, replay), t.ike,
                                             neg.sas if i == 0 else 0, opens))
                seq += 1
            next_start += max(1, round(rng.expovariate(REPLAYS_PER_SECOND) * 1e6))
        yield heapq.heappop(heap)


def ike_frames_per_second() -> float:
    """The mean frame rate of ike_stream, to size the background around it."""
    negotiations = lab_negotiations()
    return REPLAYS_PER_SECOND * sum(len(n.frames) for n in negotiations) / len(negotiations)


# -- background traffic ------------------------------------------------------------------


@dataclass(frozen=True)
class Advancing:
    """A background frame and the field that advances each round it is sent: the ESP or
    TCP sequence number, the TCP acknowledgement, the DNS ID, the ICMP echo sequence."""

    data: bytes
    at: int = -1  # offset of the advancing field, -1 for none
    size: int = 4
    step: int = 1
    csum_at: int = -1  # the transport checksum covering the field, updated per RFC 1624

    def at_round(self, k: int) -> bytes:
        if self.at < 0:
            return self.data
        d, at, size = self.data, self.at, self.size
        old = int.from_bytes(d[at : at + size], "big")
        new = (old + k * self.step) & ((1 << 8 * size) - 1)
        frame = d[:at] + new.to_bytes(size, "big") + d[at + size :]
        if self.csum_at < 0:
            return frame
        c = self.csum_at
        s = (~(d[c] << 8 | d[c + 1]) & 0xFFFF) + sum((~old >> k & 0xFFFF) + (new >> k & 0xFFFF)
                                                       for k in range(0, 8 * size, 16))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        return frame[:c] + (~s & 0xFFFF).to_bytes(2, "big") + frame[c + 2 :]


@dataclass
class Background:
    """A flow of background traffic: its frames sent in turn (a TCP segment, then the
    peer's acknowledgement of it), each round advancing their fields. One packet repeated
    verbatim would not read as live traffic: tshark flags every copy (ESP sequence
    errors, TCP retransmissions), and segments never acknowledged pile up in its TCP
    analysis, work that a real capture does not ask of it."""

    weight: float
    frames: tuple[Advancing, ...]
    sent: int = 0

    @property
    def data(self) -> bytes:
        """The first frame as built, for benchmarks that only need its bytes."""
        return self.frames[0].data

    def next(self) -> bytes:
        n = len(self.frames)
        frame = self.frames[self.sent % n].at_round(self.sent // n)
        self.sent += 1
        return frame


def non_ike_templates(a: str = "192.0.2.1", b: str = "198.51.100.2", a6: str = "2001:db8::1",
                      b6: str = "2001:db8::2", esp_spi: int = 0x0A0B0C0D) -> dict[str, Background]:
    """The traffic that surrounds IKE on a gateway, between ``a`` and ``b`` (``a6`` and
    ``b6`` for IPv6), by kind. Built with scapy, so it is for preparing templates, not
    for a loop. UDP checksums are left zero (IPv4 allows it, RFC 3948 asks it of
    ESP-in-UDP), so only TCP and ICMP ones need updating as fields advance."""
    from scapy.layers.dns import DNS, DNSQR
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import ARP, Dot1Q, Ether
    from scapy.packet import Packet

    def at(pkt: Packet, layer: type[Packet], field: int) -> int:
        return len(pkt) - len(pkt[layer]) + field

    def one(weight: float, pkt: Packet, field: int = -1, size: int = 4, step: int = 1, csum: int = -1) -> Background:
        raw = bytearray(bytes(pkt))
        if UDP in pkt:
            raw[at(pkt, UDP, 6) : at(pkt, UDP, 8)] = b"\0\0"
        return Background(weight, (Advancing(bytes(raw), field, size, step, csum),))

    def tcp(weight: float, there: Packet, back: Packet, sport: int, dport: int, length: int) -> Background:
        data = there / TCP(sport=sport, dport=dport, flags="PA", seq=1000, ack=1) / bytes(length)
        ack = back / TCP(sport=dport, dport=sport, flags="A", seq=1, ack=1000 + length)
        return Background(weight, (Advancing(bytes(data), at(data, TCP, 4), 4, length, at(data, TCP, 16)),
                                   Advancing(bytes(ack), at(ack, TCP, 8), 4, length, at(ack, TCP, 16))))

    eth, reth = Ether(src=MACS["src"], dst=MACS["dst"]), Ether(src=MACS["dst"], dst=MACS["src"])
    ab, ba = IP(src=a, dst=b), IP(src=b, dst=a)
    esp = eth / IP(src=a, dst=b, proto=50) / (struct.pack(">II", esp_spi, 0) + bytes(1296))
    esp_udp = eth / ab / UDP(sport=4500, dport=4500) / (struct.pack(">II", esp_spi + 1, 0) + bytes(1296))
    dns = eth / ab / UDP(sport=5353, dport=53) / DNS(id=1, rd=1, qd=DNSQR(qname="www.example.com"))
    icmp = eth / ab / ICMP(id=7, seq=0) / bytes(56)
    return {
        "esp": one(0.45, esp, at(esp, IP, 24)),
        "esp-in-udp-4500": one(0.15, esp_udp, at(esp_udp, UDP, 12)),
        "tcp-443": tcp(0.15, eth / ab, reth / ba, 40000, 443, 1200),
        "udp-53": one(0.08, dns, at(dns, UDP, 8), 2),
        "vlan-tcp": tcp(0.07, eth / Dot1Q(vlan=7) / ab, reth / Dot1Q(vlan=7) / ba, 40001, 22, 100),
        "ipv6-tcp": tcp(0.06, eth / IPv6(src=a6, dst=b6), reth / IPv6(src=b6, dst=a6), 40002, 443, 500),
        "icmp": one(0.02, icmp, at(icmp, ICMP, 6), 2, 1, at(icmp, ICMP, 2)),
        "arp": one(0.02, eth / ARP(hwsrc=MACS["src"], psrc=a, pdst=b)),
    }


def background_pool(pairs: int, seed: int) -> tuple[list[float], list[list[Background]]]:
    """Cumulative weights and, per kind of background frame, variants over ``pairs``
    address pairs (and ESP SPIs), so that background is spread like the tunnels are."""
    rng = random.Random(seed)
    variants: dict[str, list[Background]] = {}
    for i in range(pairs):
        a, b = rng.choice(INITIATORS), rng.choice(RESPONDERS)
        kinds = non_ike_templates(".".join(map(str, a)), ".".join(map(str, b)),
                                  f"2001:db8:{i + 1:x}::1", f"2001:db8:ffff::{i + 1:x}", rng.getrandbits(31) | 0x100)
        for name, template in kinds.items():
            variants.setdefault(name, []).append(template)
    cumulative, total = [], 0.0
    for group in variants.values():
        total += group[0].weight
        cumulative.append(total)
    return [c / total for c in cumulative], list(variants.values())


# -- writers -------------------------------------------------------------------------------


@dataclass
class Stats:
    """What a generated capture holds, for the benchmark's per-message figures."""

    kind: str
    frames: int = 0
    ike_messages: int = 0
    ike_sas: int = 0  # as the lab labels count them, for the negotiations the file starts
    negotiations: int = 0
    max_open: int = 0  # most negotiations in progress at one time
    mean_open: float = 0.0
    seconds: float = 0.0  # capture time span
    extra: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _Counter:
    """Tallies the emitted IKE frames of a stream into Stats."""

    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self.open = 0
        self.open_sum = 0
        self.ike_frames = 0

    def add(self, item: Emitted) -> None:
        s = self.stats
        s.ike_messages += item.ike
        if item.new_sas:
            s.ike_sas += item.new_sas
            s.negotiations += 1
        self.open += item.opens
        s.max_open = max(s.max_open, self.open)
        self.open_sum += self.open
        self.ike_frames += 1

    def finish(self, first_us: int, last_us: int) -> Stats:
        self.stats.mean_open = round(self.open_sum / self.ike_frames, 1) if self.ike_frames else 0.0
        self.stats.seconds = round((last_us - first_us) / 1e6, 3)
        return self.stats


def write_ike_only(path: Path, messages: int = 200_000, seed: int = 1) -> Stats:
    """Replayed lab negotiations up to exactly ``messages`` IKE messages."""
    counter = _Counter(Stats("ike-only"))
    first = last = EPOCH_US
    with pcap_writer(path) as write:
        for item in ike_stream(seed):
            if counter.stats.ike_messages >= messages:
                break
            write(item.ts_us, item.data)
            counter.add(item)
            last = item.ts_us
    counter.stats.frames = counter.ike_frames
    return counter.finish(first, last)


def write_gateway(path: Path, frames: int = 1_000_000, ike_share: float = 0.02, seed: int = 1) -> Stats:
    """``frames`` frames of background with about ``ike_share`` of them from the
    ike-only stream; two Poisson streams merged by time, so the share holds over any
    part of the file and a smaller ``frames`` gives a prefix of a larger one."""
    if not 0.0 < ike_share < 1.0:
        raise ValueError("ike_share must be between 0 and 1")
    rng = random.Random(seed)
    cumulative, variants = background_pool(32, seed)
    background_rate = ike_frames_per_second() * (1.0 - ike_share) / ike_share
    counter = _Counter(Stats("gateway"))
    ike = ike_stream(seed)
    pending = next(ike)
    bg_ts = EPOCH_US
    last = EPOCH_US
    choose, rand, expo = bisect.bisect_left, rng.random, rng.expovariate
    with pcap_writer(path) as write:
        for _ in range(frames):
            if pending.ts_us <= bg_ts:
                write(pending.ts_us, pending.data)
                counter.add(pending)
                last = pending.ts_us
                pending = next(ike)
            else:
                kind = variants[min(choose(cumulative, rand()), len(variants) - 1)]
                write(bg_ts, kind[int(rand() * len(kind))].next())
                last = bg_ts
                bg_ts += max(1, int(expo(background_rate) * 1e6))
    counter.stats.frames = frames
    counter.stats.extra["ike_frames"] = counter.ike_frames
    return counter.finish(EPOCH_US, last)


def ike_sa_init_request(ispi: bytes, src: bytes, dst: bytes, ke: bytes, nonce: bytes) -> bytes:
    """An IKEv2 IKE_SA_INIT request as strongSwan sends one (~300 bytes): SA with one
    proposal, KE for ecp256, Nonce, NAT detection hashes over the real addresses and
    port 500, fragmentation and signature-hash notifies."""

    def payload(next_type: int, body: bytes) -> bytes:
        return struct.pack(">BBH", next_type, 0, 4 + len(body)) + body

    def transform(last: bool, ttype: int, tid: int, attrs: bytes = b"") -> bytes:
        return struct.pack(">BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs

    keylen = struct.pack(">HH", 0x800E, 256)
    transforms = [(1, 12, keylen), (1, 12, struct.pack(">HH", 0x800E, 128)), (3, 12, b""), (3, 2, b""),
                  (2, 5, b""), (2, 2, b""), (4, 19, b""), (4, 14, b"")]
    body = b"".join(transform(i == len(transforms) - 1, *t) for i, t in enumerate(transforms))
    proposal = struct.pack(">BBHBBBB", 0, 0, 8 + len(body), 1, 1, 0, len(transforms)) + body
    port = struct.pack(">H", 500)
    nat_src = hashlib.sha1(ispi + bytes(8) + src + port).digest()
    nat_dst = hashlib.sha1(ispi + bytes(8) + dst + port).digest()
    payloads = [
        (33, proposal),
        (34, struct.pack(">HH", 19, 0) + ke),
        (40, nonce),
        (41, struct.pack(">BBH", 0, 0, 16388) + nat_src),
        (41, struct.pack(">BBH", 0, 0, 16389) + nat_dst),
        (41, struct.pack(">BBH", 0, 0, 16430)),
        (41, struct.pack(">BBH", 0, 0, 16431) + struct.pack(">HHH", 2, 3, 4)),
    ]
    chain = b"".join(payload(payloads[i + 1][0] if i + 1 < len(payloads) else 0, p[1])
                     for i, p in enumerate(payloads))
    return ispi + bytes(8) + struct.pack(">BBBBII", 33, 0x20, 34, 0x08, 0, 28 + len(chain)) + chain


def write_flood(path: Path, spis: int = 300_000, seed: int = 1, spacing_us: int = 100,
                retransmits: Sequence[int] = (1_000_000, 2_400_000)) -> Stats:
    """``spis`` IKE_SA_INIT requests ``spacing_us`` apart, each with a new initiator
    SPI, from random hosts of 203.0.113.0/24 to 198.51.100.1, never answered. One host
    in eight retransmits each request after ``retransmits`` µs, as a real initiator
    does before it gives up."""
    rng = random.Random(seed)
    responder = bytes((198, 51, 100, 1))
    sources = [bytes((203, 0, 113, i)) for i in range(1, 255)]
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    size = len(ike_sa_init_request(bytes(8), sources[0], responder, bytes(64), bytes(32)))
    heads = []
    for src in sources:
        ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + 8 + size, 0, 0x4000, 64, 17, 0, src, responder))
        ip[10:12] = checksum(ip).to_bytes(2, "big")
        heads.append(eth + bytes(ip) + struct.pack(">HHHH", 500, 500, 8 + size, 0))
    stats = Stats("flood", ike_sas=spis, negotiations=spis)
    later: list[tuple[int, int, bytes]] = []
    ts = EPOCH_US
    with pcap_writer(path) as write:
        for i in range(spis):
            ts += spacing_us
            while later and later[0][0] <= ts:
                when, _, again = heapq.heappop(later)
                write(when, again)
                stats.frames += 1
            k = rng.randrange(len(sources))
            ispi = ((i + 1) * 0x9E3779B97F4A7C15 & _MASK64).to_bytes(8, "big")  # a bijection: all distinct
            frame = heads[k] + ike_sa_init_request(ispi, sources[k], responder, rng.randbytes(64), rng.randbytes(32))
            write(ts, frame)
            stats.frames += 1
            if k % 8 == 0:
                for delay in retransmits:
                    heapq.heappush(later, (ts + delay, i, frame))
        while later:
            ts, _, frame = heapq.heappop(later)
            write(ts, frame)
            stats.frames += 1
    stats.ike_messages = stats.frames
    stats.seconds = round((ts - EPOCH_US) / 1e6, 3)
    return stats


FLEET_SHARE_FAILED = 0.15  # of a gateway's negotiations, drawn among the lab's failures
FLEET_BAD_PEER = bytes((203, 0, 113, 66))  # refused by every gateway: its IKE proposal matches none
FLEET_RATE = 0.5  # new negotiations per second at one gateway: a few open at any time


def write_fleet(out: Path, points: int = 12, files: int = 6, negotiations: int = 40, seed: int = 1) -> Stats:
    """``points`` directories ``gwNN``, each with one gateway's capture cut into ``files`` pieces
    of equal frame counts, named ``ike.pcap0`` ... as a wrapped ring names them (at gateway k the
    oldest piece is ``ike.pcap{k % files}``), so only the frames' times give the order.

    Gateway k is 198.51.100.k and answers ``negotiations`` lab negotiations started as a Poisson
    process of FLEET_RATE from random initiators, each gateway's time shifted by 37 s from the
    previous one's; FLEET_SHARE_FAILED of them replay a failure. FLEET_BAD_PEER starts one
    negotiation of ``ikev2-ike-proposal-mismatch`` at each gateway. Negotiations overlap, so
    some cross from one piece into the next.
    """
    rng = random.Random(seed)
    lab = lab_negotiations()
    labels = {c["file"].removesuffix(".pcap"): c["root_cause"] for c in
              json.loads((LAB / "labels.json").read_text())["captures"]}
    good = [n for n in lab if labels.get(n.name) is None]
    bad = [n for n in lab if labels.get(n.name) is not None]
    refused = next(n for n in lab if n.name == "ikev2-ike-proposal-mismatch")
    stats = Stats("fleet", extra={"points": points, "files": points * files})
    replay = 0
    for k in range(1, points + 1):
        gateway = RESPONDERS[k - 1]
        start = EPOCH_US + (k - 1) * 37_000_000
        chosen = [rng.choice(bad) if rng.random() < FLEET_SHARE_FAILED else rng.choice(good)
                  for _ in range(negotiations)]
        bad_at = rng.randrange(negotiations)
        frames: list[tuple[int, int, bytes]] = []
        ts = start
        for i, neg in enumerate(chosen + [refused]):
            replay += 1
            peer = FLEET_BAD_PEER if neg is refused and i == negotiations else rng.choice(INITIATORS)
            at = start + bad_at * 2_000_000 if i == negotiations else ts
            addrs = [peer, gateway] + [rng.choice(INITIATORS) for _ in range(neg.roles - 2)]
            frames += [(at + t.offset_us, len(frames) + j, t.render(addrs, replay)) for j, t in enumerate(neg.frames)]
            stats.ike_sas += neg.sas
            stats.ike_messages += sum(t.ike for t in neg.frames)
            if i < negotiations:
                ts += max(1, round(rng.expovariate(FLEET_RATE) * 1e6))
        frames.sort()
        stats.negotiations += negotiations + 1
        stats.frames += len(frames)
        folder = out / f"gw{k:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        per = -(-len(frames) // files)
        for piece in range(files):
            with pcap_writer(folder / f"ike.pcap{(piece + k) % files}") as write:
                for when, _, data in frames[piece * per : (piece + 1) * per]:
                    write(when, data)
        stats.seconds = max(stats.seconds, round((frames[-1][0] - EPOCH_US) / 1e6, 3))
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    kinds = parser.add_subparsers(dest="kind", required=True)
    p = kinds.add_parser("ike-only", help="replayed lab negotiations only")
    p.add_argument("out", type=Path)
    p.add_argument("--messages", type=int, default=200_000, help="IKE messages to write (a prefix of a larger file)")
    p = kinds.add_parser("gateway", help="gateway background with a share of IKE")
    p.add_argument("out", type=Path)
    p.add_argument("--frames", type=int, default=1_000_000)
    p.add_argument("--ike-share", type=float, default=0.02)
    p = kinds.add_parser("flood", help="unanswered IKE_SA_INIT requests under distinct SPIs")
    p.add_argument("out", type=Path)
    p.add_argument("--spis", type=int, default=300_000)
    p = kinds.add_parser("fleet", help="rotated captures of many gateways, a directory each")
    p.add_argument("out", type=Path)
    p.add_argument("--points", type=int, default=12)
    p.add_argument("--files", type=int, default=6)
    p.add_argument("--negotiations", type=int, default=40, help="negotiations per gateway")
    args = parser.parse_args()

    start = time.perf_counter()
    if args.kind == "ike-only":
        stats = write_ike_only(args.out, args.messages, args.seed)
    elif args.kind == "gateway":
        stats = write_gateway(args.out, args.frames, args.ike_share, args.seed)
    elif args.kind == "fleet":
        stats = write_fleet(args.out, args.points, args.files, args.negotiations, args.seed)
    else:
        stats = write_flood(args.out, args.spis, args.seed)
    stats.extra["write_seconds"] = round(time.perf_counter() - start, 2)
    print(json.dumps(stats.as_dict()))


if __name__ == "__main__":
    main()
