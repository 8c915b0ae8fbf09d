"""Hostile captures at scale: floods and storms that a tracker must survive with bounded memory.

Each storm is a deterministic capture generator (the same size and seed give the
same bytes) and is measured at two sizes, N and 10N, so that the time per item
shows whether the cost is linear in the input and the peak RSS shows whether the
state stays within its limits:

spi-flood         IKE_SA_INIT requests under distinct initiator SPIs, never answered
                  (``generate.py flood``); the open-SA limit bounds the tracker.
ip-fragments      first IP fragments of UDP 500 datagrams that never complete; the
                  reassembly limit bounds the pending datagrams.
ikev1-fragments   IKEv1 fragment payloads (132), the first piece of sets whose other
                  pieces never come, spread over 1,000 IKE SAs.
ikev2-skf         IKEv2 SKF payloads (53), fragment 1 of 2 of IKE_AUTH requests whose
                  second half never comes, spread over 1,000 IKE SAs whose keys are
                  written beside the capture (``--keys``), so decryption holds them.
tcp-streams       RFC 8229 streams to TCP 4500, each announcing a 65,535-byte message
                  and never sending all of it, 4,096 of them open at any time.
retransmit-storm  one IKE SA: the same IKE_SA_INIT request sent again and again.
msgid-walk        one IKE SA: IKE_SA_INIT answered, then INFORMATIONAL requests with
                  message IDs counting up, never answered.
ikev1-main-storm  one IKEv1 SA: main mode message 1 again and again, each time with a
                  new vendor ID, so each is a new message, not a copy.
time-jumps        the ike-only replay (``generate.py ike-only``) with a broken clock:
                  one frame in 500 dated 50 years later, one in 500 an hour earlier.

    python benchmarks/storms.py write KIND OUT.pcap [--size N] [--seed 1]
    python benchmarks/storms.py measure [--only KIND] [--scale 1.0] [--write-readme]

``measure`` writes each capture (into --workdir), runs ``ikescope analyze --format
text`` on it at both sizes, reaped with os.wait4 for the child's own CPU time and
peak RSS, and prints a Markdown table; ``--write-readme`` puts it into
benchmarks/README.md between the storms markers.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import generate
from generate import EPOCH_US, Stats, checksum, ike_sa_init_request, pcap_writer

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- storms -->", "<!-- /storms -->"

RESPONDER = bytes((198, 51, 100, 1))
SOURCES = [bytes((203, 0, 113, i)) for i in range(1, 255)]
_ETH = bytes.fromhex("020000000002" "020000000001" "0800")
_MASK64 = (1 << 64) - 1

# IKE numbers used below (RFC 7296, RFC 2408, RFC 7383).
_IKE_SA_INIT, _INFORMATIONAL, _IKE_AUTH = 34, 37, 35
_V1_MAIN, _PL_FRAGMENT, _PL_SK, _PL_SKF, _PL_IDI = 2, 132, 46, 53, 35


def spi(n: int) -> bytes:
    """The n-th of a sequence of distinct 8-byte SPIs (a multiplicative bijection)."""
    return ((n + 1) * 0x9E3779B97F4A7C15 & _MASK64).to_bytes(8, "big")


def ipv4(src: bytes, dst: bytes, proto: int, body: bytes, ident: int = 0, offset: int = 0, more: bool = False,
         total: int | None = None) -> bytes:
    """An Ethernet/IPv4 frame around ``body``, header checksum computed; ``offset`` in bytes."""
    flags = (0x2000 if more else 0) | (offset // 8)
    head = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(body) if total is None else total, ident,
                                 flags, 64, proto, 0, src, dst))
    head[10:12] = checksum(head).to_bytes(2, "big")
    return _ETH + bytes(head) + body


def udp(src: bytes, dst: bytes, payload: bytes, sport: int = 500, dport: int = 500) -> bytes:
    """A UDP frame (checksum zero, as IPv4 allows)."""
    return ipv4(src, dst, 17, struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload)


def ike_header(ispi: bytes, rspi: bytes, first: int, exchange: int, flags: int, message_id: int, length: int,
               version: int = 0x20) -> bytes:
    return ispi + rspi + struct.pack(">BBBBII", first, version, exchange, flags, message_id, length)


# -- the storms ----------------------------------------------------------------------------


def write_spi_flood(path: Path, n: int, seed: int = 1) -> Stats:
    """``generate.write_flood``: n unanswered IKE_SA_INIT requests, each under a new SPI."""
    return generate.write_flood(path, n, seed)


def write_ip_fragments(path: Path, n: int, seed: int = 1, spacing_us: int = 20) -> Stats:
    """n first fragments (offset 0, more fragments) of 3,000-byte IKE datagrams to UDP 500,
    each under its own IP ID, from the hosts of 203.0.113.0/24; no later fragment ever
    comes. 20 µs apart, so 500,000 of them fit in the 30 s reassembly timeout: it is the
    limit on pending datagrams, not the timeout, that bounds the state."""
    stats = Stats("ip-fragments", negotiations=n)
    message = ike_sa_init_request(spi(0), SOURCES[0], RESPONDER, bytes(64), bytes(32))
    message += bytes(3000 - len(message))
    length = 8 + len(message)
    body = struct.pack(">HHHH", 500, 500, length, 0) + message[:1472]
    ts = EPOCH_US
    with pcap_writer(path) as write:
        for i in range(n):
            ts += spacing_us
            src = SOURCES[i % len(SOURCES)]
            write(ts, ipv4(src, RESPONDER, 17, body, ident=i // len(SOURCES) & 0xFFFF, more=True, total=20 + len(body)))
    stats.frames = n
    stats.seconds = round((ts - EPOCH_US) / 1e6, 3)
    return stats


def write_ikev1_fragments(path: Path, n: int, seed: int = 1, sas: int = 1000, spacing_us: int = 50) -> Stats:
    """n IKEv1 messages whose only payload is a fragment (type 132): piece 1, not the last,
    of a set with a new fragment ID each time, under ``sas`` IKE SAs (main mode, initiator
    cookie per SA) taken in turn; the rest of every set never comes."""
    rng = random.Random(seed)
    stats = Stats("ikev1-fragments", ike_sas=min(n, sas), negotiations=min(n, sas))
    ts = EPOCH_US
    with pcap_writer(path) as write:
        for i in range(n):
            ts += spacing_us
            k = i % sas
            data = rng.randbytes(500)
            body = struct.pack(">BBHHBB", 0, 0, 8 + len(data), (i // sas) & 0xFFFF, 1, 0) + data
            message = ike_header(spi(k), spi(1_000_000 + k), _PL_FRAGMENT, _V1_MAIN, 0, 0, 28 + len(body),
                                 version=0x10) + body
            write(ts, udp(SOURCES[k % len(SOURCES)], RESPONDER, message))
    stats.frames = stats.ike_messages = n
    stats.seconds = round((ts - EPOCH_US) / 1e6, 3)
    return stats


@dataclass(frozen=True)
class SaKeys:
    """An IKEv2 SA's keys for AES-CBC-128 with HMAC-SHA2-256-128, as a key table line gives them."""

    ispi: bytes
    rspi: bytes
    sk_ei: bytes
    sk_ai: bytes

    def line(self) -> str:
        other = bytes(16).hex()
        return (f'{self.ispi.hex()},{self.rspi.hex()},{self.sk_ei.hex()},{other},"AES-CBC-128 [RFC3602]",'
                f'{self.sk_ai.hex()},{bytes(32).hex()},"HMAC_SHA2_256_128 [RFC4868]"')


def skf_fragment(keys: SaKeys, message_id: int, content: bytes, first: int, iv: bytes, number: int = 1,
                 total: int = 2) -> bytes:
    """An IKE_AUTH request from the initiator carrying one SKF payload (RFC 7383 2.5),
    encrypted and integrity-protected with ``keys``."""
    pad = -(len(content) + 1) % 16
    plain = content + bytes(pad) + bytes([pad])
    encrypted = Cipher(algorithms.AES(keys.sk_ei), modes.CBC(iv)).encryptor().update(plain)
    body_len = 4 + 4 + len(iv) + len(encrypted) + 16
    head = ike_header(keys.ispi, keys.rspi, _PL_SKF, _IKE_AUTH, 0x08, message_id, 28 + body_len)
    head += struct.pack(">BBHHH", first, 0, body_len, number, total)
    signed = head + iv + encrypted
    return signed + hmac.new(keys.sk_ai, signed, "sha256").digest()[:16]


def storm_keys(sas: int, seed: int) -> list[SaKeys]:
    rng = random.Random(seed)
    return [SaKeys(spi(k), spi(2_000_000 + k), rng.randbytes(16), rng.randbytes(32)) for k in range(sas)]


def write_ikev2_skf(path: Path, n: int, seed: int = 1, sas: int = 1000, spacing_us: int = 50) -> Stats:
    """n IKE_AUTH requests, each fragment 1 of 2 (SKF) of a new message ID of one of ``sas``
    IKE SAs taken in turn; the second fragment never comes. The SAs' keys go to
    ``path`` with the suffix ``.keys`` (Wireshark's ikev2_decryption_table)."""
    rng = random.Random(seed)
    keys = storm_keys(sas, seed)
    Path(f"{path}.keys").write_text("".join(k.line() + "\n" for k in keys))
    content = struct.pack(">BBHBBH", 0, 0, 4 + 4 + 11, 2, 0, 0) + b"alice.test."  # IDi, FQDN
    stats = Stats("ikev2-skf", ike_sas=min(n, sas), negotiations=min(n, sas))
    ts = EPOCH_US
    with pcap_writer(path) as write:
        for i in range(n):
            ts += spacing_us
            k = i % sas
            message = skf_fragment(keys[k], 1 + i // sas, content, _PL_IDI, rng.randbytes(16))
            write(ts, udp(SOURCES[k % len(SOURCES)], RESPONDER, message))
    stats.frames = stats.ike_messages = n
    stats.seconds = round((ts - EPOCH_US) / 1e6, 3)
    return stats


def write_tcp_streams(path: Path, n: int, seed: int = 1, segments: int = 4, open_at_once: int = 4096,
                      spacing_us: int = 50) -> Stats:
    """n TCP connections to port 4500, each opened with "IKETCP" and a length field of
    65,535 (RFC 8229), then ``segments`` segments of 1,000 bytes: never the whole message,
    never a FIN. Connections run in batches of ``open_at_once``, their segments interleaved,
    so that many more directions are open than the stream limit allows."""
    rng = random.Random(seed)
    chunk = rng.randbytes(1000)
    stats = Stats("tcp-streams", negotiations=n)
    ts = EPOCH_US
    with pcap_writer(path) as write:
        for start in range(0, n, open_at_once):
            batch = range(start, min(n, start + open_at_once))
            for s in range(segments):
                for c in batch:
                    ts += spacing_us
                    src, sport = SOURCES[c % len(SOURCES)], 1024 + c // len(SOURCES) % 60000
                    data = (b"IKETCP" + struct.pack(">H", 65535) + b"\0\0\0\0" + chunk) if s == 0 else chunk
                    seq = 1 + (0 if s == 0 else 10 + 1000 * s)
                    tcp = struct.pack(">HHIIBBHHH", sport, 4500, seq, 1, 5 << 4, 0x18, 65535, 0, 0)
                    write(ts, ipv4(src, RESPONDER, 6, tcp + data))
                    stats.frames += 1
    stats.seconds = round((ts - EPOCH_US) / 1e6, 3)
    return stats


def write_retransmit_storm(path: Path, n: int, seed: int = 1, spacing_us: int = 1000) -> Stats:
    """One IKE SA: the same IKE_SA_INIT request, byte for byte, n times, never answered."""
    rng = random.Random(seed)
    src = SOURCES[0]
    frame = udp(src, RESPONDER, ike_sa_init_request(spi(0), src, RESPONDER, rng.randbytes(64), rng.randbytes(32)))
    ts = EPOCH_US
    with pcap_writer(path) as write:
        for _ in range(n):
            ts += spacing_us
            write(ts, frame)
    stats = Stats("retransmit-storm", frames=n, ike_messages=n, ike_sas=1, negotiations=1)
    stats.seconds = round((ts - EPOCH_US) / 1e6, 3)
    return stats


def ike_sa_init_response(ispi: bytes, rspi: bytes, ke: bytes, nonce: bytes) -> bytes:
    """The answer to ``ike_sa_init_request``: its first proposal's algorithms (AES-CBC-256,
    SHA2-256 PRF and integrity, ecp256), KE and Nonce."""
    transforms = [(1, 12, struct.pack(">HH", 0x800E, 256)), (2, 5, b""), (3, 12, b""), (4, 19, b"")]
    body = b"".join(struct.pack(">BBHBBH", 0 if i == len(transforms) - 1 else 3, 0, 8 + len(attrs), ttype, 0, tid)
                    + attrs for i, (ttype, tid, attrs) in enumerate(transforms))
    proposal = struct.pack(">BBHBBBB", 0, 0, 8 + len(body), 1, 1, 0, len(transforms)) + body
    payloads = [(33, proposal), (34, struct.pack(">HH", 19, 0) + ke), (40, nonce)]
    chain = b"".join(struct.pack(">BBH", payloads[i + 1][0] if i + 1 < len(payloads) else 0, 0, 4 + len(p)) + p
                     for i, (_, p) in enumerate(payloads))
    return ike_header(ispi, rspi, 33, _IKE_SA_INIT, 0x20, 0, 28 + len(chain)) + chain


def write_msgid_walk(path: Path, n: int, seed: int = 1, spacing_us: int = 1000) -> Stats:
    """One IKE SA: IKE_SA_INIT request and answer, then n INFORMATIONAL requests from the
    initiator (an SK payload of 80 opaque bytes) with message IDs 2, 3, 4, ..., unanswered."""
    rng = random.Random(seed)
    src = SOURCES[0]
    ispi, rspi = spi(0), spi(1)
    request = ike_sa_init_request(ispi, src, RESPONDER, rng.randbytes(64), rng.randbytes(32))
    answer = ike_sa_init_response(ispi, rspi, rng.randbytes(64), rng.randbytes(32))
    ts = EPOCH_US
    with pcap_writer(path) as write:
        write(ts, udp(src, RESPONDER, request))
        write(ts + 20_000, udp(RESPONDER, src, answer))
        ts += 20_000
        sk = rng.randbytes(80)
        for i in range(n):
            ts += spacing_us
            message = ike_header(ispi, rspi, _PL_SK, _INFORMATIONAL, 0x08, 2 + i, 28 + 4 + len(sk))
            write(ts, udp(src, RESPONDER, message + struct.pack(">BBH", 0, 0, 4 + len(sk)) + sk))
    stats = Stats("msgid-walk", frames=n + 2, ike_messages=n + 2, ike_sas=1, negotiations=1)
    stats.seconds = round((ts - EPOCH_US) / 1e6, 3)
    return stats


def write_ikev1_main_storm(path: Path, n: int, seed: int = 1, spacing_us: int = 1000) -> Stats:
    """One IKEv1 SA: main mode message 1 (one proposal: AES-CBC-128, SHA1, PSK, MODP2048) sent n
    times under the same cookie, each time with another vendor ID, so that every one is a new
    message rather than a copy; never answered."""
    attributes = struct.pack(">HHHHHHHHHH", 0x8001, 7, 0x800E, 128, 0x8002, 2, 0x8003, 1, 0x8004, 14)
    transform = struct.pack(">BBHBBH", 0, 0, 8 + len(attributes), 1, 1, 0) + attributes
    proposal = struct.pack(">BBHBBBB", 0, 0, 8 + len(transform), 1, 1, 0, 1) + transform
    sa = struct.pack(">BBHII", 13, 0, 12 + len(proposal), 1, 1) + proposal  # DOI IPsec, identity only
    rng = random.Random(seed)
    src = SOURCES[0]
    ts = EPOCH_US
    with pcap_writer(path) as write:
        for i in range(n):
            ts += spacing_us
            vid = struct.pack(">BBH", 0, 0, 20) + rng.randbytes(16)
            message = ike_header(spi(0), bytes(8), 1, _V1_MAIN, 0, 0, 28 + len(sa) + len(vid), version=0x10)
            write(ts, udp(src, RESPONDER, message + sa + vid))
    stats = Stats("ikev1-main-storm", frames=n, ike_messages=n, ike_sas=1, negotiations=1)
    stats.seconds = round((ts - EPOCH_US) / 1e6, 3)
    return stats


def broken_clock(i: int) -> int:
    """µs to add to the i-th frame's time: one frame in 500 dated 50 years later, another
    one in 500 an hour earlier, the rest on time."""
    if i % 500 == 250:
        return 50 * 365 * 86_400 * 1_000_000
    if i % 500 == 499:
        return -3_600 * 1_000_000
    return 0


def write_time_jumps(path: Path, n: int, seed: int = 1) -> Stats:
    """The first n IKE messages of the ike-only replay, their clock broken (``broken_clock``)."""
    counter = generate._Counter(Stats("time-jumps"))
    first = last = EPOCH_US
    with pcap_writer(path) as write:
        for i, item in enumerate(generate.ike_stream(seed)):
            if counter.stats.ike_messages >= n:
                break
            write(item.ts_us + broken_clock(i), item.data)
            counter.add(item)
            last = item.ts_us
    counter.stats.frames = counter.ike_frames
    return counter.finish(first, last)


def _retransmissions(n: int, seed: int) -> list[tuple[int, bytes]]:
    """(µs, frame) of n copies of one unanswered IKE_SA_INIT request, 1 ms apart: the readable part
    before the file turns hostile."""
    rng = random.Random(seed)
    src = SOURCES[0]
    frame = udp(src, RESPONDER, ike_sa_init_request(spi(0), src, RESPONDER, rng.randbytes(64), rng.randbytes(32)))
    return [(EPOCH_US + (i + 1) * 1000, frame) for i in range(n)]


def _gzip_member(data: bytes) -> bytes:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip member (RFC 1952)
    return z.compress(data) + z.flush()


_ZERO_MIB = 16
_ZEROS = _gzip_member(bytes(_ZERO_MIB << 20))  # 16 MiB of zeros in about 16 KiB


def write_gzip_bomb(path: Path, n: int, seed: int = 1) -> Stats:
    """A gzip capture that inflates to n MiB: 1,000 IKE messages, then zeros (records of length 0),
    member after member, so the bomb never exists inflated, neither here nor on disk."""
    frames = _retransmissions(1000, seed)
    head = generate._PCAP_HEADER + b"".join(generate._RECORD.pack(*divmod(ts, 1_000_000), len(f), len(f)) + f
                                            for ts, f in frames)
    with open(path, "wb") as out:
        out.write(_gzip_member(head))
        for _ in range(max(0, n - len(head) // (1 << 20)) // _ZERO_MIB):
            out.write(_ZEROS)
    return Stats("gzip-bomb", frames=len(frames), ike_messages=len(frames), ike_sas=1, negotiations=1)


def _pcapng_block(kind: int, body: bytes) -> bytes:
    body += bytes(-len(body) % 4)
    return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def write_pcapng_huge_block(path: Path, n: int, seed: int = 1) -> Stats:
    """A pcapng file: n IKE messages in enhanced packet blocks, then a block whose length field says
    4 GiB (0xFFFFFFFC) and 64 bytes of it."""
    shb = _pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = _pcapng_block(1, struct.pack("<HHI", 1, 0, 65535))
    with open(path, "wb", buffering=1 << 20) as out:
        out.write(shb + idb)
        for ts, frame in _retransmissions(n, seed):
            out.write(_pcapng_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
                                    + frame))
        out.write(struct.pack("<II", 6, 0xFFFFFFFC) + bytes(64))
    return Stats("pcapng-huge-block", frames=n, ike_messages=n, ike_sas=1, negotiations=1)


def write_pcap_huge_snaplen(path: Path, n: int, seed: int = 1) -> Stats:
    """A classic pcap file whose header gives a snaplen of 2^31: n IKE messages, then a record that
    claims 2^31 bytes and holds 60."""
    with open(path, "wb", buffering=1 << 20) as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 1 << 31, 1))
        for ts, frame in _retransmissions(n, seed):
            out.write(generate._RECORD.pack(*divmod(ts, 1_000_000), len(frame), len(frame)) + frame)
        out.write(struct.pack("<IIII", EPOCH_US // 1_000_000 + n, 0, 1 << 31, 1 << 31) + bytes(60))
    return Stats("pcap-huge-snaplen", frames=n, ike_messages=n, ike_sas=1, negotiations=1)


@dataclass(frozen=True)
class Storm:
    """A kind of storm: its writer, what it counts, and the two sizes measured."""

    writer: Callable[..., Stats]
    unit: str
    sizes: tuple[int, int]
    keys: bool = False  # analysed with the key table written beside the capture


STORMS: dict[str, Storm] = {
    "spi-flood": Storm(write_spi_flood, "SPIs", (30_000, 300_000)),
    "ip-fragments": Storm(write_ip_fragments, "first fragments", (50_000, 500_000)),
    "ikev1-fragments": Storm(write_ikev1_fragments, "fragment sets", (50_000, 500_000)),
    "ikev2-skf": Storm(write_ikev2_skf, "SKF fragments", (20_000, 200_000), keys=True),
    "tcp-streams": Storm(write_tcp_streams, "TCP streams", (5_000, 50_000)),
    "retransmit-storm": Storm(write_retransmit_storm, "messages", (100_000, 1_000_000)),
    "msgid-walk": Storm(write_msgid_walk, "messages", (100_000, 1_000_000)),
    "ikev1-main-storm": Storm(write_ikev1_main_storm, "messages", (100_000, 1_000_000)),
    "time-jumps": Storm(write_time_jumps, "IKE messages", (20_000, 200_000)),
    "gzip-bomb": Storm(write_gzip_bomb, "MiB inflated", (1_290, 12_900)),
    "pcapng-huge-block": Storm(write_pcapng_huge_block, "messages, then a 4 GiB block", (20_000, 200_000)),
    "pcap-huge-snaplen": Storm(write_pcap_huge_snaplen, "messages, then a 2 GiB record", (20_000, 200_000)),
}


# -- measuring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One analysis of one storm capture: its figures and what its text report says."""

    kind: str
    size: int
    frames: int
    wall: float
    cpu: float
    rss_mib: float
    lines: int  # of the text report
    says: tuple[str, ...]  # its groups, and the findings on limits and the clock
    start_cpu: float  # CPU s of the same command on a capture of one item: start-up, imports

    @property
    def per_item_us(self) -> float:
        """CPU time per item, start-up deducted: on a shared machine CPU time is steadier than wall time."""
        return max(0.0, self.cpu - self.start_cpu) / self.size * 1e6


def analyze(ikescope: str, path: Path, keys: bool, report: Path) -> tuple[float, float, float]:
    """Wall s, CPU s and peak RSS MiB of ``ikescope analyze`` on ``path`` in one process, its text report
    written to ``report``; reaped with os.wait4, so the figures are that child's own."""
    argv = [ikescope, "analyze", str(path), "--format", "text", "--jobs", "1"] + (["--keys", f"{path}.keys"] if keys
                                                                                    else [])
    with open(report, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed:\n{err.read().decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def what_it_says(report: str, most: int = 3) -> tuple[str, ...]:
    """The report in a few phrases: its largest groups (code and count, ``most`` of them), and the first
    clause of each finding about a limit or the clock, which say what was let go."""
    groups = []
    for line in report.partition("\nGroups\n")[2].splitlines():
        if line.startswith(("(", "Totals:")):
            break
        if line[:6] in ("ERROR ", "WARN  ", "INFO  "):
            code, _, rest = line[6:].partition(": ")
            groups.append(f"group {code}: {rest.split(',')[0]}")
    says = groups[:most] + ([f"{len(groups) - most} more groups"] if len(groups) > most else [])
    lines = report.splitlines()
    if not groups:  # a few SAs, each listed: the verdict and root cause of the first
        verdict = next((line.strip() for line, before in zip(lines[1:], lines) if before.startswith("  SA ")), "")
        cause = next((line.split()[2] for line in lines if line.strip().startswith("root cause: ")), "")
        says += [f"SA {verdict}" + (f", root cause {cause}" if cause else "")] if verdict else []
    for i, line in enumerate(lines):
        words = line.split()
        if len(words) > 1 and words[1] in ("ikescope.limit_reached", "capture.time_jumps", "capture.cut_short"):
            text = []
            for more in lines[i + 1:]:
                if more.strip().startswith("- #"):
                    break
                text.append(more.strip())
            summary = " ".join(text)
            says.append(f"{words[1]}: {summary.split(' once it was full')[0].split(': the last')[0]}")
    return tuple(says)


class Workdir:
    """The storm captures, regenerated when the generators change."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root, self.seed = root, seed
        root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(Path(__file__).read_bytes() + Path(generate.__file__).read_bytes())
        self.digest = f"{digest.hexdigest()[:16]}-{seed}"
        self.manifest = root / "manifest.json"
        self.known = json.loads(self.manifest.read_text()) if self.manifest.exists() else {}

    def ensure(self, kind: str, size: int) -> tuple[Path, int]:
        """The capture and its number of frames."""
        path = self.root / f"{kind}-{size}.pcap"
        entry = self.known.get(path.name)
        if entry and path.exists() and entry["digest"] == self.digest:
            return path, entry["frames"]
        print(f"generating {path} ...", file=sys.stderr, flush=True)
        stats = STORMS[kind].writer(path, size, self.seed)
        self.known[path.name] = {"digest": self.digest, "frames": stats.frames}
        self.manifest.write_text(json.dumps(self.known, indent=1) + "\n")
        return path, stats.frames


def measure(kinds: Sequence[str], workdir: Workdir, ikescope: str, repeats: int, scale: float) -> list[Run]:
    """Each storm at its two sizes (times ``scale``), one after the other (medians of ``repeats`` runs)."""
    runs = []
    for kind in kinds:
        storm = STORMS[kind]
        one, _ = workdir.ensure(kind, 1)
        start_cpu = statistics.median(analyze(ikescope, one, storm.keys, workdir.root / "one.txt")[1]
                                      for _ in range(repeats))
        for size in (max(1, round(n * scale)) for n in storm.sizes):
            path, frames = workdir.ensure(kind, size)
            report = workdir.root / f"{kind}-{size}.txt"
            samples = [analyze(ikescope, path, storm.keys, report) for _ in range(repeats)]
            wall, cpu, rss = (statistics.median(s[i] for s in samples) for i in range(3))
            text = report.read_text()
            run = Run(kind, size, frames, wall, cpu, rss, len(text.splitlines()), what_it_says(text), start_cpu)
            print(f"{kind:18} {size:>10,} {wall:8.2f} s {cpu:8.2f} s CPU {run.per_item_us:8.1f} µs/item "
                  f"{rss:6.0f} MiB", file=sys.stderr, flush=True)
            runs.append(run)
    return runs


def table(runs: Sequence[Run]) -> str:
    rows = ["| storm | items | frames | wall s | CPU s | CPU µs per item | per item, 10N ÷ N | peak RSS MiB "
            "| report lines |", "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    first: dict[str, Run] = {}
    for r in runs:
        base = first.setdefault(r.kind, r)
        ratio = f"{r.per_item_us / base.per_item_us:.2f}" if r is not base and base.per_item_us else ""
        rows.append(f"| {r.kind} | {r.size:,} {STORMS[r.kind].unit} | {r.frames:,} | {r.wall:.2f} | {r.cpu:.2f} | "
                    f"{r.per_item_us:,.1f} | {ratio} | {r.rss_mib:,.0f} | {r.lines:,} |")
    return "\n".join(rows)


def sayings(runs: Sequence[Run]) -> str:
    """What the text report of the larger size of each storm says."""
    largest = {r.kind: r for r in runs}
    return "\n".join(f"- **{kind}** ({r.size:,} {STORMS[kind].unit}): " + "; ".join(r.says)
                     for kind, r in largest.items())


def main(argv: Sequence[str] | None = None) -> None:
    import compare

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--seed", type=int, default=1)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("write", help="write one storm capture")
    p.add_argument("kind", choices=STORMS)
    p.add_argument("out", type=Path)
    p.add_argument("--size", type=int, help="items (default: the larger size measured)")
    p = commands.add_parser("measure", help="time each storm at two sizes")
    p.add_argument("--only", action="append", choices=STORMS, help="a storm to measure (repeatable)")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ikescope-storms")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--scale", type=float, default=1.0, help="multiplies both sizes (0.01 for a quick look)")
    p.add_argument("--ikescope", default=shutil.which("ikescope", path=str(Path(sys.executable).parent))
                   or shutil.which("ikescope"), help="the ikescope executable")
    p.add_argument("--write-readme", action="store_true", help=f"put the results into {compare.README}")
    args = parser.parse_args(argv)
    if args.command == "write":
        stats = STORMS[args.kind].writer(args.out, args.size or STORMS[args.kind].sizes[1], args.seed)
        print(json.dumps(stats.as_dict()))
        return
    kinds = [k for k in STORMS if k in (args.only or STORMS)]
    source = compare.source_state()
    runs = measure(kinds, Workdir(args.workdir, args.seed), args.ikescope, args.repeats, args.scale)
    command = " ".join(["python benchmarks/storms.py", *(sys.argv[1:] if argv is None else argv)])
    text = "\n\n".join([
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}`, medians of {args.repeats} run(s) of "
        "`ikescope analyze --format text --jobs 1`, each a process of its own. CPU µs per item is the run's CPU "
        "time less that of the same command on a one-item capture (start-up), divided by the items; the "
        "ratio of the two sizes' per-item costs is 1 when the time is linear in the input.",
        f"- machine: {compare.machine()}\n- ikescope: git {source}, Python {sys.version.split()[0]}",
        table(runs),
        "What the text report of the larger size says:\n\n" + sayings(runs),
    ])
    print(text)
    if args.write_readme:
        readme = compare.README.read_text()
        start, end = readme.find(BEGIN), readme.find(END)
        if start < 0 or end < start:
            raise SystemExit(f"{compare.README} has no {BEGIN} ... {END} section")
        compare.README.write_text(readme[: start + len(BEGIN)] + "\n" + text + "\n" + readme[end:])


if __name__ == "__main__":
    main()
