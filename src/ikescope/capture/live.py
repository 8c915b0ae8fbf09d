"""Frames from a live interface, filtered in the kernel, plus clock ticks.

A Linux packet socket (AF_PACKET) with a classic BPF program attached: the
kernel drops everything ikescope does not read (ESP, ESP-in-UDP data, all other
traffic) before a byte reaches Python, which is what lets a 2-core gateway keep
up with a busy link. The BPF program is compiled by libpcap (through ctypes, the
same compiler tcpdump uses), or by ``tcpdump -ddd`` where libpcap cannot be
loaded. A packet socket needs no library to read from, costs one system call
per frame and reports the kernel's drop counter (PACKET_STATISTICS) directly.

The core never reads a clock: this module stamps each frame with the kernel's
receive time, and when the link is quiet it yields a ``Tick`` with the wall
time, so SAs still close and silent peers are still reported.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from ikescope.errors import CaptureError
from ikescope.model import Frame, Tick

# What ikescope reads, and nothing else (RFC 7296 2.23 / RFC 3948: IKE on UDP 500 and, behind
# the four-byte non-ESP marker, on UDP 4500; a lone 0xff byte, UDP length 9, is a NAT
# keepalive; RFC 8229: IKE over TCP). libpcap cannot look into UDP payloads over IPv6, so
# UDP 4500 over IPv6 passes whole and ESP is told apart in Python there. Later IP fragments
# carry no UDP header and pass by their fragment offset; ICMP errors may quote IKE packets.
DEFAULT_FILTER = (
    "udp port 500 or tcp port 500 or tcp port 4500"
    " or (ip and udp port 4500 and (udp[8:4] = 0 or udp[4:2] = 9))"
    " or (ip6 and udp port 4500)"
    " or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] = 44)"
    " or (icmp and icmp[0] = 3) or (icmp6 and icmp6[0] = 1)"
)

SNAPLEN = 65535
LINKTYPE_ETHERNET, LINKTYPE_RAW = 1, 101
# ARPHRD_* of /sys/class/net/IFACE/type -> the link type of the frames a packet socket reads
_LINKTYPES = {1: LINKTYPE_ETHERNET, 772: LINKTYPE_ETHERNET, 65534: LINKTYPE_RAW}
_ETH_P_ALL = 0x0003
_SO_ATTACH_FILTER = 26
_SO_TIMESTAMPNS = 35
_SO_RCVBUFFORCE = 33
_SOL_PACKET = 263
_PACKET_STATISTICS = 6
_TIMESPEC = struct.Struct("@qq")
_PACKET_OUTGOING = 4
_ARPHRD_LOOPBACK = 772


class _BpfInsn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _BpfProgram(ctypes.Structure):
    _fields_ = [("bf_len", ctypes.c_uint), ("bf_insns", ctypes.POINTER(_BpfInsn))]


def compile_filter(expression: str, linktype: int) -> list[tuple[int, int, int, int]]:
    """A BPF expression as classic BPF instructions (code, jt, jf, k); CaptureError if it is wrong."""
    name = ctypes.util.find_library("pcap")
    if name is not None:
        return _compile_libpcap(ctypes.CDLL(name), expression, linktype)
    tcpdump = shutil.which("tcpdump")
    if tcpdump is None:
        raise CaptureError("live capture needs libpcap (or tcpdump) to compile its filter: apt-get install libpcap0.8")
    dlt = {LINKTYPE_ETHERNET: "EN10MB", LINKTYPE_RAW: "RAW"}[linktype]
    p = subprocess.run([tcpdump, "-y", dlt, "-ddd", expression], capture_output=True, text=True)
    if p.returncode != 0:
        raise CaptureError(f"bad filter expression: {p.stderr.strip().splitlines()[-1] if p.stderr else expression}")
    lines = p.stdout.split("\n")[1:]
    return [tuple(int(v) for v in line.split()) for line in lines if line.strip()]  # type: ignore[misc]


def _compile_libpcap(lib: ctypes.CDLL, expression: str, linktype: int) -> list[tuple[int, int, int, int]]:
    lib.pcap_open_dead.restype = ctypes.c_void_p
    lib.pcap_geterr.restype = ctypes.c_char_p
    handle = lib.pcap_open_dead(linktype, SNAPLEN)
    if not handle:
        raise CaptureError("libpcap could not be initialised")
    prog = _BpfProgram()
    try:
        if lib.pcap_compile(ctypes.c_void_p(handle), ctypes.byref(prog), expression.encode(), 1,
                            ctypes.c_uint32(0xFFFFFFFF)) != 0:
            detail = lib.pcap_geterr(ctypes.c_void_p(handle)).decode(errors="replace")
            raise CaptureError(f"bad filter expression: {detail}")
        out = [(prog.bf_insns[i].code, prog.bf_insns[i].jt, prog.bf_insns[i].jf, prog.bf_insns[i].k)
               for i in range(prog.bf_len)]
        lib.pcap_freecode(ctypes.byref(prog))
        return out
    finally:
        lib.pcap_close(ctypes.c_void_p(handle))


def interface_linktype(iface: str) -> int:
    return _LINKTYPES[_arphrd(iface)]


def _arphrd(iface: str) -> int:
    try:
        arphrd = int(Path(f"/sys/class/net/{iface}/type").read_text())
    except (OSError, ValueError):
        raise CaptureError(f"no such interface: {iface}") from None
    if arphrd not in _LINKTYPES:
        raise CaptureError(f"{iface}: link type {arphrd} is not supported for live capture")
    return arphrd



# A pause of the analysis (a sweep closing many SAs at once, the garbage collector) must not cost
# packets: 32 MiB holds several seconds of a busy link's IKE traffic.
RECEIVE_BUFFER = 32 << 20


def _set_receive_buffer(sock: socket.socket, size: int) -> None:
    """Ask for ``size`` bytes past net.core.rmem_max when allowed (root, CAP_NET_ADMIN); otherwise
    the kernel grants what rmem_max allows."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, size)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)

class LiveCapture:
    """Frames captured on ``iface`` through ``bpf`` (DEFAULT_FILTER when None).

    Iterating yields Frames, numbered from 1 as a file written alongside would
    number them, and a Tick every ``tick`` seconds of quiet. ``dropped`` and
    ``received`` are the kernel's counters so far.
    """

    def __init__(self, iface: str, bpf: str | None = None, tick: float = 1.0) -> None:
        self.iface = iface
        self.linktype = interface_linktype(iface)
        # On loopback every packet passes twice, going out and coming in: keep one, as tcpdump does.
        self._loopback = _arphrd(iface) == _ARPHRD_LOOPBACK
        program = compile_filter(bpf or DEFAULT_FILTER, self.linktype)
        self.received = 0
        self.dropped = 0
        self._tick = tick
        self._index = 0
        try:
            # Protocol 0 receives nothing until bound: the filter is in place before the first packet.
            self._sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        except PermissionError:
            raise CaptureError(f"capturing on {iface} needs root or the CAP_NET_RAW capability "
                               "(setcap cap_net_raw+ep on the Python interpreter)") from None
        try:
            insns = (_BpfInsn * len(program))(*[_BpfInsn(*i) for i in program])
            self._insns = insns  # the kernel copies the program; keep it alive until then anyway
            fprog = struct.pack("HL", len(program), ctypes.addressof(insns))
            self._sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, fprog)
            self._sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
            _set_receive_buffer(self._sock, RECEIVE_BUFFER)
            self._sock.bind((iface, _ETH_P_ALL))
        except OSError as exc:
            self._sock.close()
            if exc.errno in (errno.ENODEV, errno.ENXIO):
                raise CaptureError(f"no such interface: {iface}") from None
            raise CaptureError(f"cannot capture on {iface}: {exc.strerror or exc}") from None
        self._sock.settimeout(tick)

    def stats(self) -> tuple[int, int]:
        """(received, dropped) by the kernel since the start; reading resets the kernel's own counters,
        and after ``close`` the last counts stay."""
        if self._sock.fileno() < 0:
            return self.received, self.dropped
        raw = self._sock.getsockopt(_SOL_PACKET, _PACKET_STATISTICS, 8)
        packets, drops = struct.unpack("II", raw)
        self.received += packets
        self.dropped += drops
        return self.received, self.dropped

    def __iter__(self) -> Iterator[Frame | Tick]:
        sock = self._sock
        last_tick = time.time()
        while True:
            try:
                data, anc, _flags, addr = sock.recvmsg(SNAPLEN, 64)
            except TimeoutError:
                last_tick = time.time()
                yield Tick(last_tick)
                continue
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                raise CaptureError(f"capture on {self.iface} failed: {exc.strerror or exc}") from None
            if self._loopback and addr[2] == _PACKET_OUTGOING:
                continue
            ts = None
            for level, kind, value in anc:
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                    sec, nsec = _TIMESPEC.unpack(value[:_TIMESPEC.size])
                    ts = sec + nsec / 1e9
            if ts is None:
                ts = time.time()
            self._index += 1
            yield Frame(self._index, ts, self.linktype, data, len(data))
            if ts - last_tick >= self._tick:  # a busy link still moves the clock for the others
                last_tick = ts
                yield Tick(ts)

    def close(self) -> None:
        self.stats()
        self._sock.close()


class PcapWriter:
    """``-w``: the captured frames as pcap, rotated like tcpdump's ``-C SIZE -W COUNT``.

    Without ``size`` one file. With it, files ``NAME0``, ``NAME1``, ... of about ``size``
    bytes each; with ``count`` too, only that many, the oldest overwritten.
    """

    def __init__(self, path: str, linktype: int, size: int | None = None, count: int | None = None) -> None:
        self._path = path
        self._linktype = linktype
        self._size = size
        self._count = count
        self._n = 0
        self._written = 0
        self._f = self._open()

    def _name(self) -> str:
        if self._size is None:
            return self._path
        width = len(str(self._count - 1)) if self._count else 1
        return f"{self._path}{self._n % self._count if self._count else self._n:0{width}d}"

    def _open(self):  # noqa: ANN202 - a binary file object
        try:
            f = open(self._name(), "wb")  # noqa: SIM115 - closed on rotation and at the end
        except OSError as exc:
            raise CaptureError(f"cannot write {self._name()}: {exc.strerror or exc}") from None
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, SNAPLEN, self._linktype))  # nanosecond pcap
        self._written = 24
        return f

    def write(self, frame: Frame) -> None:
        if self._size is not None and self._written >= self._size:
            self._f.close()
            self._n += 1
            self._f = self._open()
        sec = int(frame.ts)
        nsec = int(round((frame.ts - sec) * 1e9))
        if nsec >= 1_000_000_000:
            sec, nsec = sec + 1, nsec - 1_000_000_000
        self._f.write(struct.pack("<IIII", sec, nsec, len(frame.data), frame.wirelen) + frame.data)
        self._written += 16 + len(frame.data)

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self._f.close()


