"""The lab captures: a live run of real daemons, and pcaps/ held to pcaps/labels.json.

The label check reads the captures with ikescope's own decoder (the lab wrote the labels
with tshark, so the two must agree); notifies inside encrypted payloads are checked with
tshark and the shipped key tables, which also proves those tables decrypt.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import OrderedDict
from pathlib import Path

import dpkt
import pytest

from helpers import lab_ready

from ikescope.api import decode_file
from ikescope.wire.message import IkeMessage, NotifyPayload

REPO = Path(__file__).resolve().parents[2]
PCAPS = REPO / "pcaps"
LABELS_DOC = json.loads((PCAPS / "labels.json").read_text())
LABELS = LABELS_DOC["captures"]
ROOT_CAUSES = LABELS_DOC["root_causes"]

sys.path.insert(0, str(REPO))


def ike_messages(path: Path) -> list[IkeMessage]:
    """Every IKE message the capture carries, decoded by ikescope itself."""
    messages = []
    for _datagram, decoded in decode_file(path):
        assert decoded.message is not None, decoded.problems
        messages.append(decoded.message)
    return messages


def clear_notifies(msg: IkeMessage) -> list[int]:
    """Notify types readable without keys (the decoder does not decrypt)."""
    return [p.notify_type for p in msg.payloads if isinstance(p, NotifyPayload)]


def exchange(msg: IkeMessage) -> str:
    """Exchange name; a bumped major version (3.0) still uses the IKEv2 numbers."""
    return EXCHANGES[(min(msg.header.major, 2), msg.header.exchange)]


EXCHANGES = {(2, 34): "IKE_SA_INIT", (2, 35): "IKE_AUTH", (2, 36): "CREATE_CHILD_SA",
             (2, 37): "INFORMATIONAL", (1, 2): "MAIN_MODE", (1, 4): "AGGRESSIVE",
             (1, 5): "INFORMATIONAL_V1", (1, 6): "TRANSACTION", (1, 32): "QUICK_MODE"}


def sas_on_wire(path: Path) -> OrderedDict[str, list[IkeMessage]]:
    """Messages grouped by initiator SPI (IKEv1 cookie), in order of first appearance."""
    sas: OrderedDict[str, list[IkeMessage]] = OrderedDict()
    for msg in ike_messages(path):
        sas.setdefault(msg.header.ispi.hex(), []).append(msg)
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
        exchanges = list(OrderedDict.fromkeys(exchange(m) for m in msgs))
        assert exchanges == want["exchanges"]
        clear = {n for m in msgs for n in clear_notifies(m)}
        labelled_clear = {n["type"] for n in want["notifies"] if not n["encrypted"]}
        assert clear == labelled_clear
    # Keys come from charon's log: wherever strongSwan took part, every SA that got as far
    # as an encrypted exchange must have its row.
    keyed = {line.split(",")[0] for t in tables for line in t.read_text().splitlines()}
    with_charon = any(label["software"][p].startswith("strongSwan") for p in label["daemons"])
    for sa in label["ike_sas"]:
        protected = set(sa["exchanges"]) - {"IKE_SA_INIT", "MAIN_MODE", "AGGRESSIVE",
                                            "INFORMATIONAL_V1"}
        if protected and with_charon:
            assert sa["initiator_spi"] in keyed, "an encrypted exchange without keys"
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


def test_every_ikev2_key_row_authenticates_its_messages() -> None:
    """Each shipped IKEv2 row must reproduce the ICV of a message with its SPIs: a key
    table that merely parses would let decryption tests fail for the wrong reason."""
    from lab.keys import ENCR, INTEG, V2Keys, _matches, ike_messages as raw_messages

    encr_names = {v: k for k, v in ENCR.items()}
    integ_names = {v[0]: k for k, v in INTEG.items()}
    rows = 0
    for label in LABELS:
        tables = [PCAPS / t for t in label["key_tables"] if "ikev2" in t]
        if not tables:
            continue
        msgs = raw_messages(PCAPS / label["file"])
        for line in tables[0].read_text().splitlines():
            ispi, rspi, sk_ei, sk_er, encr, sk_ai, sk_ar, integ = line.split(",")
            keys = V2Keys(encr_names[encr.strip('"')], integ_names[integ.strip('"')],
                          {"sk_ai": bytes.fromhex(sk_ai), "sk_ar": bytes.fromhex(sk_ar)})
            mine = [m for m in msgs if m[:16].hex() == ispi + rspi]
            assert any(_matches(keys, m) for m in mine), (label["name"], ispi)
            rows += 1
    assert rows >= 20


DOCUMENTATION_NETS = [ipaddress.ip_network(n) for n in
                      ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


@pytest.mark.parametrize("label", LABELS, ids=[c["name"] for c in LABELS])
def test_capture_uses_documentation_addresses_only(label: dict) -> None:
    """The lab's network rule, checked on what was really sent: every IP and ARP address."""
    seen = set()
    with open(PCAPS / label["file"], "rb") as f:
        for _ts, buf in dpkt.pcap.Reader(f):
            eth = dpkt.ethernet.Ethernet(buf)
            if isinstance(eth.data, (dpkt.ip.IP, dpkt.ip6.IP6)):
                seen.update((eth.data.src, eth.data.dst))
            elif isinstance(eth.data, dpkt.arp.ARP):
                seen.update((eth.data.spa, eth.data.tpa))
            else:
                pytest.fail(f"unexpected ethertype {eth.type:#x}")
    assert seen
    for raw in seen:
        addr = ipaddress.ip_address(raw)
        assert any(addr in net for net in DOCUMENTATION_NETS), addr


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
    assert [exchange(m) for m in msgs] == ["IKE_SA_INIT"] * 2 + ["IKE_AUTH"] * 2
    assert ok["key_tables"] == ["ikev2-psk-success.ikev2_decryption_table"]

    pcap = tmp_path / "out" / "ikev2-psk-mismatch.pcap"
    (msgs,) = sas_on_wire(pcap).values()
    assert {exchange(m) for m in msgs} == {"IKE_SA_INIT", "IKE_AUTH"}
    assert all(24 not in clear_notifies(m) for m in msgs)  # the verdict is encrypted...
    tables = [tmp_path / "out" / t for t in bad["key_tables"]]
    assert 24 in decrypted_notifies(pcap, tables)  # ...and the key table reveals it
    assert bad["root_cause"] == "ike.auth_failed"
    assert lab_namespaces() == []


def lab_namespaces() -> list[str]:
    tag = f"iks-{os.getpid() % 100000}-"
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(tag)]


def processes_mentioning(text: str) -> list[int]:
    """PIDs whose command line or environment names `text` (daemons get their paths there)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            blob = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
        except OSError:
            continue
        if text.encode() in blob and int(proc.name) != os.getpid():
            found.append(int(proc.name))
    return found


@pytest.mark.lab
def test_failed_scenario_still_cleans_up(tmp_path: Path) -> None:
    """A scenario whose promise breaks mid-run must leave no namespace or daemon behind."""
    lab_ready()
    from lab.netns import LabError
    from lab.runner import run_scenario
    from lab.scenario import Expect, SaExpect, Scenario, pair
    from lab.scenarios import initiate_ok

    broken = Scenario(
        name="ikev2-broken-promise", summary="", how="",
        configs=pair(bob={"proposals": "aes128-sha1-modp2048"}), play=initiate_ok,
        expect=Expect(sas=(SaExpect("alice", "established", ("IKE_SA_INIT", "IKE_AUTH")),)))
    with pytest.raises(LabError, match="expected success"):
        run_scenario(broken, tmp_path / "out", tmp_path / "work")
    assert lab_namespaces() == []
    assert processes_mentioning(str(tmp_path)) == []
    assert not (tmp_path / "out").exists()


@pytest.mark.lab
def test_the_inferred_fix_brings_the_tunnel_up(tmp_path: Path) -> None:
    """The strongSwan line ikescope infers from a refusal, given to the real responder, lets the
    same initiator in: the scenario insists on the second negotiation succeeding."""
    lab_ready()
    from lab.runner import run_scenario
    from lab.scenarios import BY_NAME

    label = run_scenario(BY_NAME["ikev2-inferred-fix"], tmp_path / "out", tmp_path / "work")
    assert [sa["outcome"] for sa in label["ike_sas"]] == ["failed", "established"]
    log = (tmp_path / "out" / "ikev2-inferred-fix.bob.log").read_text()
    assert "received proposals unacceptable" in log and "replaced vici connection: lab" in log
    assert "selected proposal: IKE:AES_CBC_256/HMAC_SHA2_256_128" in log
    assert lab_namespaces() == []
