"""Public captures: the Datagrams found must be the frames tshark decodes as ISAKMP."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from capture.capfiles import corpus_file
from ikescope.capture import open_capture
from ikescope.model import Datagram, NetEvent
from ikescope.net import Demux, datagrams


def run(relative: str) -> tuple[list, Demux]:
    demux = Demux()
    with open_capture(corpus_file(relative)) as reader:
        events = list(datagrams(reader, demux))
    return events, demux


def tshark_isakmp_frames(relative: str) -> list[int]:
    decoded = json.loads(corpus_file(relative + ".tshark.json").read_text())
    return [int(p["_source"]["layers"]["frame"]["frame.number"]) for p in decoded if "isakmp" in p["_source"]["layers"]]


@pytest.mark.parametrize(
    "relative",
    [
        "tcpdump/isakmp4500.pcap",
        "zeek-spicy-ipsec/ipsec_client.pcap",
        "wireshark-wiki/test1.pcap",
        "tcpdump/ikev2four.pcap",
        "wireshark-wiki/ipsec_ikev2+esp_aes-gcm_aes-ctr_aes-cbc/capture.pcapng",
        "suricata-verify/detect-bypass-udp/input.pcap",
    ],
)
def test_same_ike_frames_as_tshark(relative):
    events, _ = run(relative)
    assert [e.frame for e in events if isinstance(e, Datagram)] == tshark_isakmp_frames(relative)


def test_natt_capture_with_keepalives_and_esp():
    events, demux = run("tcpdump/isakmp4500.pcap")
    kinds = Counter(e.encap if isinstance(e, Datagram) else e.kind for e in events)
    # eight ESP packets of one flow within a second: reported once (sampled), all counted
    assert kinds == {"non-esp": 11, "plain": 4, "esp": 1, "keepalive": 4}
    assert demux.stats.esp_in_udp == 8 and demux.stats.frames == 35
    (esp,) = [e for e in events if isinstance(e, NetEvent) and e.kind == "esp"]
    assert esp.frame == 12 and esp.spi == 0xF4DC0AE5 and esp.src == "192.1.2.254"


def test_fragmented_ike_on_4500():
    events, demux = run("zeek-spicy-ipsec/ipsec_client.pcap")
    big = [e for e in events if isinstance(e, Datagram) and len(e.frames) > 1]
    assert [e.frames for e in big] == [(3, 4, 5), (6, 7, 8), (9, 10, 11)]
    assert all(e.encap == "non-esp" and len(e.payload) == int.from_bytes(e.payload[24:28], "big") for e in big)
    assert demux.stats.reassembled == 3


def test_esp_only_capture():
    events, demux = run("tcpdump/espudp1.pcap")
    flows = {(e.src, e.dst, e.spi) for e in events}
    assert {e.kind for e in events} == {"esp"} and len(events) == len(flows)  # one report a flow a second here
    assert demux.stats.esp_in_udp == 8 and demux.stats.ike == 0


def test_fuzzed_capture_gives_a_problem_not_an_exception():
    events, _ = run("tcpdump/isakmp-3948-oobr-2.pcap")
    assert [e.problem.code for e in events if isinstance(e, NetEvent)] == ["net.snaplen_short"]


def test_null_linktype_capture():
    events, _ = run("tcpdump/ikev2pI2.pcap")
    assert [e.frame for e in events] == [1, 2]
    assert all(isinstance(e, Datagram) and e.payload[17] == 0x20 for e in events)
