import gzip
import os
import random
import struct
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import wrpcap

from capture.capfiles import corpus_file, epb, idb, pcap, shb, spb
from ikescope.capture import open_capture
from ikescope.errors import CaptureError

# Explicit MAC addresses keep scapy from resolving them through the host's ARP table.
MACS = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}
ETH = bytes(Ether(**MACS) / IP() / UDP(sport=500, dport=500))


def write(tmp_path: Path, content: bytes, name: str = "c.pcap") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def read(path: Path) -> list:
    with open_capture(path) as reader:
        return list(reader)


def test_pcap_written_by_scapy(tmp_path):
    path = tmp_path / "s.pcap"
    pkts = [
        Ether(**MACS) / IP(dst="192.0.2.1") / UDP(dport=500),
        Ether(**MACS) / IP(dst="192.0.2.2") / UDP(dport=4500),
    ]
    pkts[0].time, pkts[1].time = 1000.25, 1001.5
    wrpcap(str(path), pkts)
    frames = read(path)
    assert [f.index for f in frames] == [1, 2]
    assert [f.ts for f in frames] == [1000.25, 1001.5]
    assert all(f.linktype == 1 for f in frames)
    assert frames[1].data == bytes(pkts[1])
    assert frames[1].wirelen == len(bytes(pkts[1]))


@pytest.mark.parametrize("order", ["<", ">"])
def test_pcap_microseconds_both_byte_orders(tmp_path, order):
    path = write(tmp_path, pcap([(10, 500_000, ETH, len(ETH))], order=order))
    (frame,) = read(path)
    assert frame.ts == 10.5
    assert frame.data == ETH


def test_pcap_nanoseconds(tmp_path):
    path = write(tmp_path, pcap([(7, 123_456_789, ETH, len(ETH))], nano=True))
    (frame,) = read(path)
    assert frame.ts == pytest.approx(7.123456789, abs=1e-9)


def test_snaplen_keeps_wire_length(tmp_path):
    path = write(tmp_path, pcap([(1, 0, ETH[:40], 1400)]))
    (frame,) = read(path)
    assert len(frame.data) == 40
    assert frame.wirelen == 1400


def test_pcap_linktype_from_header(tmp_path):
    path = write(tmp_path, pcap([(1, 0, b"\x45" + bytes(27), 28)], linktype=101))
    assert read(path)[0].linktype == 101


def test_gzip_detected_by_content_not_name(tmp_path):
    path = write(tmp_path, gzip.compress(pcap([(1, 0, ETH, len(ETH))] * 3)), name="plain-name.pcap")
    frames = read(path)
    assert [f.index for f in frames] == [1, 2, 3]
    assert frames[0].data == ETH


def test_pcapng_interfaces_with_their_own_link_types_and_resolutions(tmp_path):
    raw = b"\x45" + bytes(19)
    content = (
        shb()
        + idb(1)
        + idb(101, tsresol=9)
        + epb(0, 2_500_000, ETH)
        + epb(1, 3_000_000_001, raw, wirelen=1500)
        + spb(ETH)
    )
    frames = read(write(tmp_path, content, "c.pcapng"))
    assert [(f.index, f.linktype) for f in frames] == [(1, 1), (2, 101), (3, 1)]
    assert frames[0].ts == 2.5
    assert frames[1].ts == pytest.approx(3.000000001, abs=1e-9)
    assert frames[1].data == raw and frames[1].wirelen == 1500
    assert frames[2].data == ETH


def test_gzip_pcapng(tmp_path):
    content = gzip.compress(shb() + idb(276) + epb(0, 0, ETH))
    (frame,) = read(write(tmp_path, content, "c.pcapng.gz"))
    assert (frame.linktype, frame.data) == (276, ETH)


def test_pcapng_new_section_resets_interfaces_and_byte_order(tmp_path):
    content = shb() + idb(1) + epb(0, 1_000_000, ETH) + shb(">") + idb(113, order=">") + epb(0, 0, ETH, order=">")
    frames = read(write(tmp_path, content, "c.pcapng"))
    assert [(f.index, f.linktype) for f in frames] == [(1, 1), (2, 113)]


def test_pcapng_frame_naming_an_undescribed_interface_stops_reading(tmp_path):
    content = shb() + idb(1) + epb(0, 0, ETH) + epb(3, 0, ETH)
    with open_capture(write(tmp_path, content, "c.pcapng")) as reader:
        frames = list(reader)
    assert len(frames) == 1
    assert reader.truncated and "interface 3" in reader.truncated_detail


@pytest.mark.parametrize("cut", [5, 16 + 10])
def test_truncated_pcap_yields_complete_frames_then_stops(tmp_path, cut):
    whole = pcap([(1, 0, ETH, len(ETH))] * 3)
    path = write(tmp_path, whole[: len(whole) - len(ETH) - 16 + cut])
    with open_capture(path) as reader:
        frames = list(reader)
    assert len(frames) == 2
    assert reader.truncated
    assert "frame 3" in reader.truncated_detail


def test_complete_pcap_is_not_truncated(tmp_path):
    with open_capture(write(tmp_path, pcap([(1, 0, ETH, len(ETH))]))) as reader:
        assert len(list(reader)) == 1
    assert not reader.truncated


def test_truncated_pcapng(tmp_path):
    whole = shb() + idb(1) + epb(0, 0, ETH) + epb(0, 0, ETH)
    with open_capture(write(tmp_path, whole[:-10], "c.pcapng")) as reader:
        frames = list(reader)
    assert len(frames) == 1
    assert reader.truncated


def test_truncated_gzip(tmp_path):
    noise = random.Random(1)
    packed = gzip.compress(pcap([(1, 0, noise.randbytes(500), 500) for _ in range(50)]))
    with open_capture(write(tmp_path, packed[: len(packed) // 2])) as reader:
        frames = list(reader)
    assert 0 < len(frames) < 50
    assert reader.truncated


def test_missing_file():
    with pytest.raises(CaptureError, match="cannot open"):
        open_capture("/nonexistent/capture.pcap")


def test_only_a_regular_file_is_opened(tmp_path):
    with pytest.raises(CaptureError, match="a directory, not a capture file") as info:
        open_capture(tmp_path)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(CaptureError, match="/dev/null: a character device, not a capture file"):
        open_capture("/dev/null")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"hello, this is text\n", "not a pcap"),
        (gzip.compress(b"text inside gzip"), "not a pcap"),
        (b"\xd4\xc3\xb2\xa1\x02\x00", "cut short"),
    ],
)
def test_not_a_capture(tmp_path, content, message):
    with pytest.raises(CaptureError, match=message) as info:
        open_capture(write(tmp_path, content))
    assert "\n" not in str(info.value)


def test_reading_is_lazy(tmp_path):
    whole = pcap([(1, 0, ETH, len(ETH))] * 3)
    reader = open_capture(write(tmp_path, whole[:-5]))
    frames = iter(reader)
    assert next(frames).index == 1
    assert not reader.truncated  # the cut at the end has not been reached yet
    assert [f.index for f in frames] == [2]
    assert reader.truncated


def test_second_iteration_is_refused(tmp_path):
    reader = open_capture(write(tmp_path, pcap([(1, 0, ETH, len(ETH))])))
    assert len(list(reader)) == 1
    with pytest.raises(RuntimeError, match="already read"):
        list(reader)


def test_impossible_record_length_ends_reading(tmp_path):
    content = pcap([(1, 0, ETH, len(ETH))]) + struct.pack("<IIII", 1, 0, 0x7FFFFFFF, 60) + ETH
    with open_capture(write(tmp_path, content)) as reader:
        assert len(list(reader)) == 1
    assert reader.truncated and "damaged" in reader.truncated_detail


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    head=st.sampled_from([pcap([]), pcap([], nano=True, order=">"), shb() + idb(1), shb(">")]),
    body=st.binary(max_size=400),
    packed=st.booleans(),
)
def test_any_bytes_after_a_valid_header_never_raise(tmp_path, head, body, packed):
    content = head + body
    path = write(tmp_path, gzip.compress(content) if packed else content)
    with open_capture(path) as reader:
        frames = list(reader)
    assert [f.index for f in frames] == list(range(1, len(frames) + 1))


def test_public_capture_cut_mid_record():
    with open_capture(corpus_file("ferozbaig96-pcaps/isakmp.pcap")) as reader:
        frames = list(reader)
    assert len(frames) == 22
    assert reader.truncated


def test_public_pcapng():
    frames = read(corpus_file("wireshark-wiki/ipsec_ikev2+esp_aes-gcm_aes-ctr_aes-cbc/capture.pcapng"))
    assert len(frames) == 54
    assert frames[0].linktype == 1


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result: list = []

    def attempt():
        try:
            open_capture(fifo)
        except CaptureError as exc:
            result.append(str(exc))

    opener = threading.Thread(target=attempt, daemon=True)  # daemon: a regression hangs the thread, not the run
    opener.start()
    opener.join(timeout=30)
    assert result and "a named pipe, not a capture file; to read a stream, give -" in result[0]
