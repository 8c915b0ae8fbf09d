"""Turns a pcap or pcapng file into Frames, one record at a time.

This is the only module that opens files. It reads record by record so memory
stays flat however large the capture is, and it never raises for a damaged
record: a capture cut off mid-write (the usual state of a file copied while
tcpdump still runs) yields every complete frame and then sets ``truncated``.
Only a file that cannot be opened or does not start like a capture raises
``CaptureError``, and only a regular file or standard input is opened.

dpkt parses the pcapng block bodies (interface options, packet blocks); the
framing loop is ours because dpkt's readers keep only the first interface,
drop the wire length and stop silently on a short record.
"""

from __future__ import annotations

import gzip
import os
import stat
import struct
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import dpkt
import dpkt.pcapng as ng

from ikescope.capture.files import NotAFile, open_regular
from ikescope.errors import CaptureError
from ikescope.model import Frame

_GZIP_MAGIC = b"\x1f\x8b"
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
# pcap magic bytes as stored in the file -> (struct byte order, nanosecond timestamps)
_PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", False),
    b"\xa1\xb2\xc3\xd4": (">", False),
    b"\x4d\x3c\xb2\xa1": ("<", True),
    b"\xa1\xb2\x3c\x4d": (">", True),
}
_PCAP_FILE_HDR_LEN = 24
_PCAP_REC_HDR_LEN = 16
_READ_CHUNK = 1 << 20
# The file header's link type field also carries FCS flags in its upper bits.
_LINKTYPE_MASK = 0xFFFF

_PCAPNG_SHB = 0x0A0D0D0A
_PCAPNG_IDB = 1
_PCAPNG_PB = 2
_PCAPNG_SPB = 3
_PCAPNG_EPB = 6
_PCAPNG_BOM = 0x1A2B3C4D
# Lengths beyond these are corruption, not data (Wireshark refuses packets over
# 256 KiB for the same reason); refusing them keeps one bad length field from
# making us allocate gigabytes.
_MAX_RECORD_LEN = 1 << 20
_MAX_BLOCK_LEN = 16 << 20
# gzip shrinks a capture 2 to 30 times, a flood of identical zero-padded packets about
# 100 times; zeros shrink a thousand times, so a small file can stand for terabytes of
# empty records (a decompression bomb). Past a first stretch, which spares small
# files, reading stops once the data has inflated more than this; a capture that is
# really so repetitive reads whole once gunzip has inflated it.
MAX_INFLATE_RATIO = 200
INFLATE_RATIO_AFTER = 8 << 20
_TSRESOL_OPT = 9
_TSOFFSET_OPT = 14


@dataclass(slots=True)
class _Interface:
    """What a pcapng frame needs from its interface description block."""

    linktype: int
    snaplen: int
    divisor: float
    tsoffset: int


# Why a file was cut short, from the least to the most telling: it just ends (tcpdump still
# writing, or stopped hard), its bytes stop making sense, or a limit stopped the reading.
CUT_ENDED, CUT_DAMAGED, CUT_LIMIT = "ended", "damaged", "limit"


class _Truncated(Exception):
    """The file ends (or turns to garbage) inside a record; carries the reason and its kind."""

    def __init__(self, reason: str, kind: str = CUT_DAMAGED) -> None:
        super().__init__(reason)
        self.kind = kind


STDIN = "-"  # the path that names standard input, as tcpdump's ``-w -`` writes to standard output


def open_capture(path: str | Path) -> CaptureReader:
    """Open a pcap or pcapng file, gzip-compressed or not, and check its header.

    Raises CaptureError for a missing or unreadable file, one that is not a
    regular file, or one that is not a capture, so the caller learns of it
    before iterating. The input is only peeked at, never rewound, so ``-`` reads
    standard input, a pipe included (``tcpdump -U -w - | ikescope analyze -``).
    """
    p = Path(path)
    try:
        if str(path) == STDIN:
            if sys.stdin.isatty():
                raise CaptureError(f"{p}: standard input is a terminal; send a capture to it through a pipe "
                                   "(tcpdump -U -w - | ikescope analyze -)")
            raw = open(sys.stdin.fileno(), "rb", closefd=False)  # noqa: SIM115 - fd 0 stays open
        else:
            raw = open_regular(p)
    except NotAFile as exc:
        hint = "; to read a stream, give - and send it to standard input" if "pipe" in str(exc) else ""
        raise CaptureError(f"{p}: {exc}, not a capture file{hint}") from None
    except OSError as exc:
        raise CaptureError(f"cannot open {p}: {exc.strerror or exc}") from None
    try:
        head = raw.peek(4)[:4]  # type: ignore[attr-defined]
        stream: BinaryIO = raw
        if head[:2] == _GZIP_MAGIC:
            stream = _Inflating(raw)  # type: ignore[assignment]
            try:
                head = stream.peek(4)[:4]  # type: ignore[attr-defined]
            except (OSError, EOFError, zlib.error) as exc:
                raise CaptureError(f"{p}: damaged gzip data: {exc}") from None
        if not head:
            raise CaptureError(f"{p}: empty file, not a capture")
        if head == _PCAPNG_MAGIC:
            kind = "pcapng"
        elif head in _PCAP_MAGICS:
            kind = "pcap"
        else:
            raise CaptureError(f"{p}: not a pcap or pcapng file (starts with {head.hex()})")
        return CaptureReader(p, raw, stream, kind, head)
    except (OSError, EOFError, zlib.error) as exc:
        raw.close()
        raise CaptureError(f"cannot read {p}: {getattr(exc, 'strerror', None) or exc}") from None
    except CaptureError:
        raw.close()
        raise


class _Counting:
    """The compressed side of a gzip stream, counting the bytes gzip took from it."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.count = 0
        self.mode = "rb"  # GzipFile asks its file object for a mode

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self.count += len(data)
        return data


class _Inflating:
    """gzip-compressed input, refused beyond ``MAX_INFLATE_RATIO`` (see there).

    Raises ``_Truncated`` from a read, so the frames before the limit are analysed and
    the input is marked as cut, with the limit as the reason.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._in = _Counting(raw)
        self._gz = gzip.GzipFile(fileobj=self._in, mode="rb")  # type: ignore[call-overload]
        self._out = 0

    def peek(self, n: int) -> bytes:
        return self._gz.peek(n)

    def read(self, n: int) -> bytes:
        return self._counted(self._gz.read(n))

    def read1(self, n: int) -> bytes:
        return self._counted(self._gz.read1(n))

    def close(self) -> None:
        self._gz.close()

    def _counted(self, data: bytes) -> bytes:
        self._out += len(data)
        if self._out > INFLATE_RATIO_AFTER and self._out > MAX_INFLATE_RATIO * self._in.count:
            raise _Truncated(f"reading stopped after {self._out >> 20} MiB: {self._in.count} bytes of gzip data "
                             f"inflated to {self._out}, more than {MAX_INFLATE_RATIO} times over, which a "
                             "capture never does (a decompression bomb)", CUT_LIMIT)
        return data


class CaptureReader:
    """An iterable of Frames read lazily from one capture file.

    Iterate once (a second iteration raises RuntimeError, since the file is
    read as a stream); the file is closed at the end of iteration, by
    ``close()``, or on leaving a ``with`` block. After iteration, ``truncated``
    tells whether the file ended inside a record and ``truncated_detail`` says
    where. ``linktype`` is the link type of a pcap file, or of a pcapng file's
    first interface once iteration has reached it.
    """

    def __init__(self, path: Path, raw: BinaryIO, stream: BinaryIO, kind: str, head: bytes) -> None:
        self.path = path
        self.format = kind
        self.truncated = False
        self.truncated_detail = ""
        self.truncated_kind = ""  # CUT_ENDED, CUT_DAMAGED or CUT_LIMIT once truncated
        self._raw = raw
        self._f = stream
        self._head = head
        self.linktype: int | None = None
        self._started = False
        self._pcap_header: tuple[str, bool] | None = None
        if kind == "pcap":
            self._pcap_header = self._read_pcap_header()

    def progress(self) -> tuple[int, int | None]:
        """Bytes of the file read so far and its size (None when unknown, as for a pipe).

        For a gzip file both count compressed bytes, which is what a progress bar needs.
        """
        try:
            st = os.fstat(self._raw.fileno())
            pos = self._raw.tell()
        except (OSError, ValueError):
            return 0, None
        return pos, st.st_size if stat.S_ISREG(st.st_mode) else None

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._f is not self._raw:
            self._f.close()
        self._raw.close()

    def __iter__(self) -> Iterator[Frame]:
        if self._started:
            raise RuntimeError(f"{self.path} was already read; open it again to read it twice")
        self._started = True
        frames = self._pcap_frames() if self.format == "pcap" else self._pcapng_frames()
        try:
            yield from frames
        except _Truncated as exc:
            self.truncated = True
            self.truncated_detail = str(exc)
            self.truncated_kind = exc.kind
        finally:
            self.close()

    def _read(self, n: int, what: str) -> bytes:
        """Read exactly n bytes or report where the file stopped."""
        try:
            buf = self._f.read(n)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise _Truncated(f"compressed data ends or is damaged inside {what}: {exc}", CUT_ENDED) from None
        except OSError as exc:
            raise _Truncated(f"read error inside {what}: {exc}") from None
        if len(buf) != n:
            raise _Truncated(f"file ends inside {what} ({len(buf)} of {n} bytes)", CUT_ENDED)
        return buf

    # -- pcap -----------------------------------------------------------------

    def _read_pcap_header(self) -> tuple[str, bool]:
        order, nano = _PCAP_MAGICS[self._head]
        buf = self._f.read(_PCAP_FILE_HDR_LEN)
        if len(buf) < _PCAP_FILE_HDR_LEN:
            self.close()
            raise CaptureError(f"{self.path}: pcap file header is cut short")
        hdr = (dpkt.pcap.LEFileHdr if order == "<" else dpkt.pcap.FileHdr)(buf)
        self.linktype = hdr.linktype & _LINKTYPE_MASK
        return order, nano

    def _chunk(self, n: int, index: int) -> bytes:
        """Up to ``n`` bytes; ``read1`` so a damaged gzip stream still hands over what it inflated."""
        try:
            return self._f.read1(n)  # type: ignore[attr-defined]
        except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
            raise _Truncated(f"compressed data ends or is damaged after frame {index}: {exc}", CUT_ENDED) from None

    def _pcap_frames(self) -> Iterator[Frame]:
        """Records are cut out of large reads: one read call per megabyte, not two per frame."""
        assert self._pcap_header is not None and self.linktype is not None
        order, nano = self._pcap_header
        unpack = struct.Struct(order + "IIII").unpack_from
        divisor = 1e9 if nano else 1e6
        linktype = self.linktype
        index = 0
        buf = b""
        pos = 0
        while True:
            have = len(buf) - pos
            if have < _PCAP_REC_HDR_LEN:
                chunk = self._chunk(_READ_CHUNK, index)
                if not chunk:
                    if have:
                        raise _Truncated(f"file ends inside the header of frame {index + 1}", CUT_ENDED)
                    return
                buf, pos = buf[pos:] + chunk, 0
                continue
            sec, frac, caplen, wirelen = unpack(buf, pos)
            if caplen > _MAX_RECORD_LEN:
                raise _Truncated(f"frame {index + 1} claims {caplen} bytes; the file is damaged there")
            end = pos + _PCAP_REC_HDR_LEN + caplen
            if end > len(buf):
                chunk = self._chunk(max(_READ_CHUNK, caplen), index)
                if not chunk:
                    raise _Truncated(f"file ends inside frame {index + 1} ({have - _PCAP_REC_HDR_LEN} of "
                                     f"{caplen} bytes)", CUT_ENDED)
                buf, pos = buf[pos:] + chunk, 0
                continue
            data = buf[pos + _PCAP_REC_HDR_LEN:end]
            pos = end
            index += 1
            yield Frame(index, sec + frac / divisor, linktype, data, max(wirelen, caplen))

    # -- pcapng ---------------------------------------------------------------

    def _pcapng_frames(self) -> Iterator[Frame]:
        """Walk the blocks; each section restarts byte order and interface list."""
        index = 0
        order = "<"
        interfaces: list[_Interface] = []
        first = True
        while True:
            try:
                start = self._f.read(8)
            except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
                raise _Truncated(f"compressed data ends or is damaged after frame {index}: {exc}", CUT_ENDED) from None
            if not start:
                return
            if len(start) < 8:
                raise _Truncated(f"file ends inside a block header after frame {index}", CUT_ENDED)
            btype_raw = start[:4]
            if btype_raw == _PCAPNG_MAGIC:
                bom = self._read(4, "a section header")
                if bom == b"\x4d\x3c\x2b\x1a":
                    order = "<"
                elif bom == b"\x1a\x2b\x3c\x4d":
                    order = ">"
                else:
                    raise _Truncated(f"section header with unknown byte order after frame {index}")
                interfaces = []
                blen = struct.unpack(order + "I", start[4:8])[0]
                self._check_block_len(blen, 12, index)
                self._read(blen - 12, "a section header")
                first = False
                continue
            if first:
                raise _Truncated("pcapng file does not start with a section header")
            btype, blen = struct.unpack(order + "II", start)
            self._check_block_len(blen, 12, index)
            body = self._read(blen - 8, f"a block after frame {index}")
            block = start + body
            if btype == _PCAPNG_IDB:
                interfaces.append(_parse_idb(block, order, index))
                if self.linktype is None:
                    self.linktype = interfaces[-1].linktype
            elif btype in (_PCAPNG_EPB, _PCAPNG_PB, _PCAPNG_SPB):
                index += 1
                yield _packet_block(btype, block, order, interfaces, index)

    @staticmethod
    def _check_block_len(blen: int, minimum: int, index: int) -> None:
        if blen < minimum or blen % 4 or blen > _MAX_BLOCK_LEN:
            raise _Truncated(f"block with impossible length {blen} after frame {index}; the file is damaged there")


def _parse_idb(block: bytes, order: str, index: int) -> _Interface:
    try:
        idb = (ng.InterfaceDescriptionBlockLE if order == "<" else ng.InterfaceDescriptionBlock)(block)
    except (dpkt.UnpackError, struct.error) as exc:
        raise _Truncated(f"damaged interface description after frame {index}: {exc}") from None
    divisor = 1e6
    tsoffset = 0
    for opt in idb.opts:
        if opt.code == _TSRESOL_OPT and opt.data:
            v = opt.data[0]
            divisor = float(2 ** (v & 0x7F)) if v & 0x80 else float(10 ** (v & 0x7F))
        elif opt.code == _TSOFFSET_OPT and len(opt.data) == 8:
            tsoffset = struct.unpack(order + "q", opt.data)[0]
    return _Interface(idb.linktype & _LINKTYPE_MASK, idb.snaplen, divisor, tsoffset)


def _packet_block(btype: int, block: bytes, order: str, interfaces: list[_Interface], index: int) -> Frame:
    """Build the Frame for an enhanced, simple or obsolete packet block."""
    try:
        if btype == _PCAPNG_SPB:
            # Simple packet block: no timestamp, interface 0, caplen implied by snaplen.
            wirelen = struct.unpack_from(order + "I", block, 8)[0]
            iface = _interface(interfaces, 0, index)
            caplen = min(wirelen, len(block) - 16)
            if iface.snaplen:
                caplen = min(caplen, iface.snaplen)
            return Frame(index, 0.0, iface.linktype, bytes(block[12 : 12 + caplen]), wirelen)
        if btype == _PCAPNG_EPB:
            blk = (ng.EnhancedPacketBlockLE if order == "<" else ng.EnhancedPacketBlock)(block)
            iface_id = blk.iface_id
        else:
            blk = (ng.PacketBlockLE if order == "<" else ng.PacketBlock)(block)
            iface_id = blk.iface_id
    except (dpkt.UnpackError, struct.error) as exc:
        raise _Truncated(f"damaged packet block for frame {index}: {exc}") from None
    iface = _interface(interfaces, iface_id, index)
    ts = iface.tsoffset + ((blk.ts_high << 32) | blk.ts_low) / iface.divisor
    # A captured length beyond the block would reach into its trailing length field: the data
    # ends where the block's 28-byte header and 4-byte trailer leave off.
    data = bytes(blk.pkt_data[: len(block) - 32])
    return Frame(index, ts, iface.linktype, data, max(blk.pkt_len, len(data)))


def _interface(interfaces: list[_Interface], iface_id: int, index: int) -> _Interface:
    if iface_id >= len(interfaces):
        raise _Truncated(f"frame {index} names interface {iface_id}, which the file never described")
    return interfaces[iface_id]
