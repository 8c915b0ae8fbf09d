"""Captures built to exhaust the reader: a gzip bomb, lengths of gigabytes. Each stops at a limit,
reads what came before it, and says where it stopped, in little memory."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import threading
import tracemalloc
import zlib
from pathlib import Path

from click.testing import CliRunner

from capture.capfiles import epb, idb, pcap, shb
from helpers import REPO
from ikescope.capture import open_capture, pcapfile
from ikescope.cli import cli

ETH = bytes(range(60))
MEMBER_ZEROS = 16 << 20


def gzip_member(data: bytes) -> bytes:
    """One gzip member at level 9; members in a row read as one stream (RFC 1952 2.2)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    return z.compress(data) + z.flush()


ZEROS = gzip_member(bytes(MEMBER_ZEROS))  # 16 MiB of zeros in about 16 KiB


def write_bomb(path: Path, inflated: int) -> None:
    """A pcap header and then zeros, ``inflated`` bytes once inflated, written member by member so it
    never exists in full, neither in memory nor on disk."""
    with path.open("wb") as f:
        f.write(gzip_member(pcap([])))
        for _ in range(inflated // MEMBER_ZEROS):
            f.write(ZEROS)


def test_a_gzip_bomb_stops_at_the_inflation_limit(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.pcap.gz"
    write_bomb(bomb, 12_900_000_000)
    assert bomb.stat().st_size < 24_000_000
    r = CliRunner().invoke(cli, ["analyze", "--format", "json", str(bomb)])
    assert r.exit_code == 0, r.output
    (record,) = json.loads(r.stdout)["inputs"]
    assert record["truncated"] and "decompression bomb" in record["truncated_detail"]
    assert f"more than {pcapfile.MAX_INFLATE_RATIO} times" in record["truncated_detail"]
    assert record["frames"] * 16 <= pcapfile.INFLATE_RATIO_AFTER + (1 << 20)  # zero-length records
    assert r.stderr.count("\n") == 1 and "decompression bomb" in r.stderr and "analysed up to the cut" in r.stderr
    (cut,) = [f for f in json.loads(r.stdout)["findings"] if f["code"] == "capture.cut_short"]
    assert cut["severity"] == "warning" and cut["details"]["kind"] == "limit"
    assert cut["frames"] == [record["frames"]] and "decompression bomb" in cut["summary"]


def test_a_gzip_stream_that_inflates_without_end_stops_too() -> None:
    p = subprocess.Popen([sys.executable, "-m", "ikescope", "sas", "--format", "json", "-"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdin is not None and p.stdout is not None and p.stderr is not None

    def feed() -> None:
        try:
            p.stdin.write(gzip_member(pcap([])))
            while True:
                p.stdin.write(ZEROS)
        except (BrokenPipeError, OSError):
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    out, err = p.stdout.read(), p.stderr.read()
    assert p.wait(timeout=120) == 0, err
    (record,) = json.loads(out)["files"]
    assert record["truncated"] and "decompression bomb" in record["truncated_detail"] and err == b""


def test_a_flood_of_zero_padded_packets_is_not_a_bomb(tmp_path: Path) -> None:
    """1400-byte packets of zeros but for their IP ID and timestamps: gzip shrinks them about 100 times."""
    frames = [(n // 1000, n * 397 % 1_000_000, bytes(12) + b"\x08\x00" + struct.pack(">HHH", 0x4500, 1386, n)
               + bytes(1380), 1400) for n in range(10_000)]
    content = pcap(frames)
    path = tmp_path / "flood.pcap.gz"
    path.write_bytes(gzip_member(content))
    assert len(content) > pcapfile.INFLATE_RATIO_AFTER and len(content) > 50 * path.stat().st_size
    with open_capture(path) as reader:
        assert sum(1 for _ in reader) == 10_000
    assert not reader.truncated


def read_bounded(path: Path) -> tuple[list, object, int]:
    """The frames of ``path``, its reader and the peak of memory allocated while reading."""
    tracemalloc.start()
    try:
        with open_capture(path) as reader:
            frames = list(reader)
        return frames, reader, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_pcapng_block_of_four_gigabytes(tmp_path: Path) -> None:
    path = tmp_path / "c.pcapng"
    path.write_bytes(shb() + idb(1) + epb(0, 1, ETH) + struct.pack("<II", 6, 0xFFFFFFFC) + bytes(64))
    frames, reader, peak = read_bounded(path)
    assert len(frames) == 1 and reader.truncated and "impossible length 4294967292" in reader.truncated_detail
    assert peak < 4 << 20


def test_a_packet_block_claiming_four_gigabytes_inside_a_small_block(tmp_path: Path) -> None:
    body = struct.pack("<IIIII", 0, 0, 1, 0xFFFFFFF0, 0xFFFFFFF0) + ETH
    block = struct.pack("<II", 6, len(body) + 12) + body + struct.pack("<I", len(body) + 12)
    path = tmp_path / "c.pcapng"
    path.write_bytes(shb() + idb(1, snaplen=1 << 31) + block + epb(0, 2, ETH))
    frames, reader, peak = read_bounded(path)
    assert peak < 4 << 20
    assert [len(f.data) for f in frames] == [len(ETH)] * 2 and frames[0].wirelen == 0xFFFFFFF0


def test_a_pcap_snaplen_and_record_of_two_gigabytes(tmp_path: Path) -> None:
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 1 << 31, 1)
    record = struct.pack("<IIII", 1, 0, len(ETH), len(ETH)) + ETH
    path = tmp_path / "c.pcap"
    path.write_bytes(header + record + struct.pack("<IIII", 2, 0, 1 << 31, 1 << 31) + ETH)
    frames, reader, peak = read_bounded(path)
    assert [f.data for f in frames] == [ETH]
    assert reader.truncated and f"claims {1 << 31} bytes" in reader.truncated_detail
    assert peak < 4 << 20


def test_every_limit_is_documented() -> None:
    from ikescope.crypto import keys

    guide = (Path(__file__).parents[2] / "docs" / "guide.md").read_text()
    limits = guide[guide.index("## Limits"):]
    limits = limits[:limits.find("\n## ", 1)]
    for words in (f"{pcapfile.MAX_INFLATE_RATIO} times", f"{pcapfile.INFLATE_RATIO_AFTER >> 20} MiB",
                  f"{pcapfile._MAX_RECORD_LEN >> 20} MiB", f"{pcapfile._MAX_BLOCK_LEN >> 20} MiB",
                  f"{keys.MAX_FILE_BYTES >> 20} MiB", f"{keys.MAX_LINES:,} lines",
                  f"{keys.MAX_LINE_CHARS:,} characters"):
        assert words in limits, words


def cut_findings(path: Path, *args: str) -> list[dict]:
    r = CliRunner().invoke(cli, ["analyze", "--format", "json", "--fail-on", "never", *args, str(path)])
    assert r.exit_code == 0, r.output
    return [f for f in json.loads(r.stdout)["findings"] if f["code"] == "capture.cut_short"]


def test_a_file_cut_short_is_a_finding_of_its_own_and_a_damaged_one_a_warning(tmp_path: Path) -> None:
    whole = (REPO / "pcaps" / "ikev2-psk-mismatch.pcap").read_bytes()
    ended = tmp_path / "ended.pcap"
    ended.write_bytes(whole[:-20])  # tcpdump stopped inside the last packet
    for jobs in ("1", "2"):
        (f,) = cut_findings(ended, "--jobs", jobs)
        assert f["severity"] == "info" and f["details"]["kind"] == "ended"
        assert f["frames"] == [f["details"]["last_frame"]] and "file ends inside frame" in f["summary"]
    damaged = tmp_path / "damaged.pcapng"
    damaged.write_bytes(shb() + idb(1) + epb(0, 1, ETH) + struct.pack("<II", 6, 0xFFFFFFFC) + bytes(64))
    (f,) = cut_findings(damaged)
    assert f["severity"] == "warning" and f["details"]["kind"] == "damaged" and f["frames"] == [1]
    assert cut_findings(REPO / "pcaps" / "ikev2-psk-mismatch.pcap") == []
