"""The lab captures: a live run of real daemons, and pcaps/ held to pcaps/labels.json.

The label check reads the capture bytes with dpkt and walks IKE headers and cleartext
payloads itself, so it does not trust the lab code that wrote the labels; notifies inside
encrypted payloads are checked with tshark and the shipped key tables, which also proves
those tables decrypt.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

import dpkt
import pytest

REPO = Path(__file__).resolve().parents[2]
PCAPS = REPO / "pcaps"
LABELS_DOC = json.loads((PCAPS / "labels.json").read_text())
LABELS = LABELS_DOC["captures"]
ROOT_CAUSES = LABELS_DOC["root_causes"]
NAT_T_PORT = 4500

sys.path.insert(0, str(REPO))


def ike_messages(path: Path) -> list[bytes]:
    """IKE messages from UDP 500/4500 (first IP fragment suffices for headers) and from
    RFC 8229 TCP streams on port 4500, in capture order."""
    out = []
    streams: dict[tuple[bytes, int], bytearray] = {}
    with open(path, "rb") as f:
        for _ts, buf in dpkt.pcap.Reader(f):
            eth = dpkt.ethernet.Ethernet(buf)
            raw = bytes(eth.data)
            if eth.type == dpkt.ethernet.ETH_TYPE_IP:
                ihl = (raw[0] & 0x0F) * 4
                frag_offset = struct.unpack("!H", raw[6:8])[0] & 0x1FFF
                if raw[9] == 6:
                    tcp = raw[ihl:struct.unpack("!H", raw[2:4])[0]]
                    out += tcp_records(streams, raw[12:16], tcp)
                    continue
                if raw[9] != 17 or frag_offset:
                    continue
                udp = raw[ihl:]
            elif eth.type == dpkt.ethernet.ETH_TYPE_IP6:
                if raw[6] != 17:
                    continue
                udp = raw[40:]
            else:
                continue
            sport, dport = struct.unpack("!HH", udp[:4])
            payload = udp[8:]
            if NAT_T_PORT in (sport, dport):
                if payload[:4] != b"\0\0\0\0":
                    continue  # ESP in UDP or a NAT-T keepalive
                payload = payload[4:]
            elif 500 not in (sport, dport):
                continue
            if len(payload) >= 28:
                out.append(payload)
    return out


def tcp_records(streams: dict[tuple[bytes, int], bytearray], src: bytes,
                tcp: bytes) -> list[bytes]:
    """Append a segment to its direction's stream and cut out complete IKE records."""
    sport, dport = struct.unpack("!HH", tcp[:4])
    if NAT_T_PORT not in (sport, dport):
        return []
    data = tcp[(tcp[12] >> 4) * 4:]
    stream = streams.setdefault((src, sport), bytearray())
    stream += data
    if stream.startswith(b"IKETCP"):
        del stream[:6]
    records = []
    while len(stream) >= 2:
        length = struct.unpack("!H", stream[:2])[0]
        if len(stream) < length:
            break
        record = bytes(stream[2:length])
        del stream[:length]
        if record[:4] == b"\0\0\0\0":
            records.append(record[4:])
    return records


def clear_notifies(msg: bytes) -> list[int]:
    """Notify types in the cleartext payload chain; stops at SK / encrypted IKEv1 bodies."""
    version = msg[17] >> 4
    if version == 1 and msg[19] & 0x01:
        return []
    types, np, pos = [], msg[16], 28
    while np and pos + 4 <= len(msg):
        if np in (46, 53):
            break
        length = struct.unpack("!H", msg[pos + 2:pos + 4])[0]
        if length < 4:
            break
        if np == 41 and version == 2:
            types.append(struct.unpack("!H", msg[pos + 6:pos + 8])[0])
        elif np == 11 and version == 1:
            types.append(struct.unpack("!H", msg[pos + 10:pos + 12])[0])
        np, pos = msg[pos], pos + length
    return types


EXCHANGES = {(2, 34): "IKE_SA_INIT", (2, 35): "IKE_AUTH", (2, 36): "CREATE_CHILD_SA",
             (2, 37): "INFORMATIONAL", (1, 2): "MAIN_MODE", (1, 4): "AGGRESSIVE",
             (1, 5): "INFORMATIONAL_V1", (1, 6): "TRANSACTION", (1, 32): "QUICK_MODE"}


def sas_on_wire(path: Path) -> OrderedDict[str, list[bytes]]:
    sas: OrderedDict[str, list[bytes]] = OrderedDict()
    for msg in ike_messages(path):
        sas.setdefault(msg[:8].hex(), []).append(msg)
    return sas


def decrypted_notifies(pcap: Path, tables: list[Path]) -> set[int]:
    """Notify types tshark sees when given the capture's key tables."""
    with tempfile.TemporaryDirectory() as conf:
        for t in tables:
            kind = "ikev2" if "ikev2" in t.name else "ikev1"
            shutil.copy(t, Path(conf) / f"{kind}_decryption_table")
        out = subprocess.run(
            ["tshark", "-n", "-r", str(pcap), "-Y", "isakmp", "-T", "fields",
             "-e", "isakmp.notify.msgtype", "-E", "occurrence=a", "-E", "aggregator=,"],
            capture_output=True, text=True, check=True,
            env={**os.environ, "WIRESHARK_CONFIG_DIR": conf}).stdout
    return {int(v) for line in out.split() for v in line.split(",") if v}


def test_labels_cover_enough_captures() -> None:
    assert len(LABELS) >= 20, "the lab promises at least 20 labelled captures"
    names = [c["name"] for c in LABELS]
    assert "ikev2-psk-success" in names  # the README decodes this one
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("label", LABELS, ids=[c["name"] for c in LABELS])
def test_capture_matches_label(label: dict) -> None:
    pcap = PCAPS / label["file"]
    assert pcap.is_file()
    for log in label["logs"].values():
        text = (PCAPS / log).read_text()
        assert 0 < len(text) < 8000
    tables = [PCAPS / t for t in label["key_tables"]]
    for t in tables:
        assert t.is_file() and t.stat().st_size > 0
    sas = sas_on_wire(pcap)
    assert len(sas) == label["ike_sa_count"] == len(label["ike_sas"])
    for (spi, msgs), want in zip(sas.items(), label["ike_sas"]):
        assert spi == want["initiator_spi"]
        assert len(msgs) == want["messages"]
        exchanges = list(OrderedDict.fromkeys(
            EXCHANGES[(m[17] >> 4, m[18])] for m in msgs))
        assert exchanges == want["exchanges"]
        clear = {n for m in msgs for n in clear_notifies(m)}
        labelled_clear = {n["type"] for n in want["notifies"] if not n["encrypted"]}
        assert clear == labelled_clear
    encrypted = {n["type"] for sa in label["ike_sas"] for n in sa["notifies"] if n["encrypted"]}
    if encrypted:
        assert encrypted <= decrypted_notifies(pcap, tables)
    wanted = {d["type"] for d in label["decisive_notifies"]}
    on_wire = {n["type"] for sa in label["ike_sas"] for n in sa["notifies"]}
    assert wanted <= on_wire
    failed = [sa for sa in label["ike_sas"] if sa["outcome"] == "failed"]
    if label["root_cause"] is None:
        assert not failed and not wanted and label["failed_exchange"] is None
    else:
        assert label["root_cause"] in ROOT_CAUSES
        if failed:
            assert label["failed_exchange"] in failed[0]["exchanges"]
        if label["failed_exchange"]:
            assert any(label["failed_exchange"] in sa["exchanges"] for sa in label["ike_sas"])
        else:
            assert not label["cause_on_wire"]


def lab_ready() -> None:
    """Skip without root or strongSwan, but never in CI, where the lab must run."""
    reason = None
    if os.geteuid() != 0:
        reason = "the lab needs root (network namespaces)"
    elif not Path("/usr/lib/ipsec/charon").exists() or shutil.which("swanctl") is None:
        reason = "strongSwan (charon, swanctl) is not installed"
    elif shutil.which("tcpdump") is None or shutil.which("tshark") is None:
        reason = "tcpdump and tshark are needed"
    elif shutil.which("gcc") is None:
        reason = "gcc is needed to build the lab's XFRM shim"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.mark.lab
def test_lab_runs_success_and_failure(tmp_path: Path) -> None:
    lab_ready()
    from lab.runner import run_scenario
    from lab.scenarios import BY_NAME

    ok = run_scenario(BY_NAME["ikev2-psk-success"], tmp_path / "out", tmp_path / "work")
    bad = run_scenario(BY_NAME["ikev2-psk-mismatch"], tmp_path / "out", tmp_path / "work")

    sas = sas_on_wire(tmp_path / "out" / "ikev2-psk-success.pcap")
    assert len(sas) == 1
    (msgs,) = sas.values()
    assert [EXCHANGES[(2, m[18])] for m in msgs] == ["IKE_SA_INIT"] * 2 + ["IKE_AUTH"] * 2
    assert ok["key_tables"] == ["ikev2-psk-success.ikev2_decryption_table"]

    pcap = tmp_path / "out" / "ikev2-psk-mismatch.pcap"
    (msgs,) = sas_on_wire(pcap).values()
    assert {EXCHANGES[(2, m[18])] for m in msgs} == {"IKE_SA_INIT", "IKE_AUTH"}
    assert all(24 not in clear_notifies(m) for m in msgs)  # the verdict is encrypted...
    tables = [tmp_path / "out" / t for t in bad["key_tables"]]
    assert 24 in decrypted_notifies(pcap, tables)  # ...and the key table reveals it
    assert bad["root_cause"] == "ike.auth_failed"
