"""Naming each peer's software: what its Vendor IDs say (the public corpus has products that
name themselves), and guesses from how it builds and resends its messages, held to the lab's
labels (which record the daemon that ran each side) and to the corpus's own Vendor IDs."""

from __future__ import annotations

import json

import pytest

from helpers import CORPUS, REPO, datagram, message, need_corpus
from ikescope import api
from ikescope.diagnose import peers
from ikescope.diagnose.finding import Confidence
from ikescope.track.records import SaRecord
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

PCAPS = REPO / "pcaps"
LABELS = json.loads((PCAPS / "labels.json").read_text())["captures"]
# The lab's hosts: alice starts from 192.0.2.1 (203.0.113.254 behind the NAT), bob is 192.0.2.2.
ALICE = {"192.0.2.1", "203.0.113.254", "2001:db8:1::1"}
FAMILY = {"strongSwan": "strongSwan", "libreswan": "libreswan/Openswan"}


def lab_sas(name: str) -> list[SaRecord]:
    return [r.sa for r in api.analyze([PCAPS / name]).results]


def software(label: dict, address: str) -> str | None:
    daemon = label["software"].get("alice" if address in ALICE else "bob")
    return FAMILY[daemon.split()[0]] if daemon else None


@pytest.mark.parametrize("label", LABELS, ids=[c["name"] for c in LABELS])
def test_guesses_name_the_daemon_the_lab_ran(label: dict) -> None:
    for sa in lab_sas(label["file"]):
        for side, end in ((True, sa.initiator), (False, sa.responder)):
            guess = peers.identify(sa, side)
            if guess is None:
                continue
            assert guess.implementation == software(label, end.address), (sa.id, side, guess)
            assert guess.guess and guess.confidence is not Confidence.CERTAIN  # the lab's daemons send no such VID


def test_most_lab_peers_are_named() -> None:
    named = dict.fromkeys(FAMILY.values(), 0)
    sides = 0
    for label in LABELS:
        for sa in lab_sas(label["file"]):
            for side in (True, False):
                sides += 1
                guess = peers.identify(sa, side)
                if guess is not None:
                    named[guess.implementation] += 1
    assert named["libreswan/Openswan"] >= 8 and named["strongSwan"] >= 60
    assert sum(named.values()) >= 0.8 * sides


def test_libreswan_initiator_by_its_vendor_ids_and_its_backoff() -> None:
    (sa,) = lab_sas("ikev1-libreswan-strongswan-p1-mismatch.pcap")
    guess = peers.identify(sa, True)
    assert guess is not None and guess.implementation == "libreswan/Openswan"
    assert guess.confidence is Confidence.LIKELY
    assert guess.basis == "vendor ID set, retransmission schedule"
    assert "draft-ietf-ipsec-nat-t-ike-03" in guess.evidence and "1.00, 1.00, 2.00 s apart" in guess.evidence
    assert {3, 5, 7, 9} <= set(guess.frames)


def test_strongswan_backoff_with_the_lab_settings() -> None:
    """The lab runs charon with retransmit_timeout 1 s and base 1.4, not the defaults."""
    (sa,) = lab_sas("ikev2-responder-down.pcap")
    guess = peers.identify(sa, True)
    assert guess is not None and guess.implementation == "strongSwan"
    assert guess.basis == "retransmission schedule, notify order"
    assert "retransmit_timeout 1 s and retransmit_base 1.4" in guess.evidence
    assert guess.confidence is Confidence.LIKELY  # two signs agree
    alone = peers._by_schedule(sa, True)
    assert alone is not None and alone.confidence is Confidence.POSSIBLE
    assert peers.identify(sa, False) is None  # the responder never spoke


def test_documented_defaults() -> None:
    (strongswan,) = peers.matching_schedules([4.0, 7.2, 12.96])
    assert strongswan.implementation == "strongSwan"
    (libreswan,) = peers.matching_schedules([0.5, 0.5, 1.0, 2.0])
    assert libreswan.implementation == "libreswan/Openswan"
    windows = peers.matching_schedules([1.0, 2.0, 4.0, 8.0])
    assert {s.implementation for s in windows} == {"Microsoft"}
    assert {s.product for s in peers.matching_schedules([15.0, 15.0])} == {"Cisco IOS / PIX", "Linksys router"}
    assert not peers.matching_schedules([15.0, 15.0, 15.0, 15.0])  # longer than either pattern
    assert not peers.matching_schedules([3.0, 3.0, 3.0, 3.0, 3.0, 3.0])


def test_backoff_shapes() -> None:
    assert peers.backoff_shape([2.0, 2.8, 3.92])[0] == "strongSwan"
    assert peers.backoff_shape([0.25, 0.25, 0.5, 1.0])[0] == "libreswan/Openswan"
    assert peers.backoff_shape([5.0, 5.0]) is None  # constant waits fit many products
    assert peers.backoff_shape([1.0, 3.0, 2.0]) is None


def _sa_init(spi: bytes) -> bytes:
    # SA payload with an empty proposal list is enough for the tracker to open an SA.
    return message([(33, b""), (40, b"\0" * 32)], ispi=spi)


def _track(items: list[tuple[bytes, float, bool]]) -> SaRecord:
    tracker = Tracker()
    for n, (raw, ts, from_a) in enumerate(items, 1):
        tracker.feed(datagram(raw, n, ts, from_a), decode_message(raw))
    (sa,) = tracker.close_all()
    return sa


def test_default_strongswan_schedule_is_likely() -> None:
    raw = _sa_init(b"\x21" * 8)
    sa = _track([(raw, t, True) for t in (0.0, 4.0, 11.2, 24.16)])
    guess = peers.identify(sa, True)
    assert guess is not None and guess.implementation == "strongSwan" and guess.confidence is Confidence.LIKELY
    assert "retransmit_timeout 4 s, retransmit_base 1.8" in guess.evidence


def test_copies_answering_the_peer_are_not_a_schedule() -> None:
    """An IKEv1 responder resends its answer when the request comes again: those copies follow
    the peer's timer, not its own."""
    request = message([(1, b"\0" * 8)], ispi=b"\x31" * 8, version=0x10, exchange=2, flags=0)
    answer = message([(1, b"\0" * 8)], ispi=b"\x31" * 8, rspi=b"\x32" * 8, version=0x10, exchange=2, flags=0)
    items = []
    for t in (0.0, 1.0, 2.4):
        items += [(request, t, True), (answer, t + 0.002, False)]
    sa = _track(items)
    assert [len(c) for c in peers.timer_copies(sa, True)] == [3]
    assert peers.timer_copies(sa, False) == []


def test_a_named_product_wins_over_guesses() -> None:
    windows = bytes.fromhex("1e2b516905991c7d7c96fcbfb587e46100000009")
    raw = message([(33, b""), (43, windows)], ispi=b"\x41" * 8)
    sa = _track([(raw, t, True) for t in (0.0, 4.0, 11.2, 24.16)])
    guess = peers.identify(sa, True)
    assert guess is not None and guess.implementation == "Microsoft" and not guess.guess
    assert guess.version is not None and guess.version.startswith("Windows 8")


CORPUS_NAMED = [
    ("zeek-spicy-ipsec/ipsec_client.pcap", True, "Microsoft"),
    ("ferozbaig96-pcaps/isakmp.pcap", True, "libreswan/Openswan"),
    ("zeek-spicy-ipsec/ikev1-certs.pcap", False, "Juniper"),
    ("zeek-spicy-ipsec/ikev1-certs.pcap", True, "libreswan/Openswan"),
]


@pytest.mark.parametrize("path, side, family", CORPUS_NAMED)
def test_corpus_products_that_name_themselves(path: str, side: bool, family: str) -> None:
    need_corpus()
    sas = [r.sa for r in api.analyze([CORPUS / path]).results]
    found = {g.implementation for sa in sas if (g := peers.identify(sa, side)) is not None}
    assert family in found
    for sa in sas:
        g = peers.identify(sa, side)
        if g is not None and g.implementation == family:
            assert g.confidence is Confidence.CERTAIN and g.basis == "vendor ID"


def test_guesses_never_contradict_a_vendor_id_in_the_corpus() -> None:
    """Where a peer names itself, the guessers are run as if it had not: any guess they make
    must be its product."""
    need_corpus()
    checked = 0
    for path in sorted(CORPUS.rglob("*.pcap*")):
        if path.suffix not in (".pcap", ".pcapng"):
            continue
        try:
            sas = [r.sa for r in api.analyze([path]).results]
        except Exception:  # noqa: BLE001 - a file the corpus keeps as a broken example
            continue
        for sa in sas:
            for side in (True, False):
                named = peers.identify(sa, side)
                if named is None or named.guess:
                    continue
                for guesser in (peers._by_vendor_set, peers._by_schedule, peers._by_notify_order):
                    g = guesser(sa, side)
                    checked += g is not None
                    assert g is None or named.implementation in g.implementation, (path, sa.id, g, named)
    assert checked >= 1  # at least one peer that names itself is also recognised by a guess


def test_common_vendor_ids_alone_are_only_possible() -> None:
    """XAuth and DPD, answered to a scanner that sent no NAT-T or fragmentation VID, fit strongSwan's
    order but many others too; its fragmentation VID with flags 0x80000000 is what tells."""
    (probe, *_) = lab_sas("ikev1-ike-scan-probes.pcap")
    guess = peers.identify(probe, False)
    assert guess is not None and guess.implementation == "strongSwan" and guess.confidence is Confidence.POSSIBLE
    (sa,) = lab_sas("ikev1-main-psk-success.pcap")
    assert peers.identify(sa, False).confidence is Confidence.LIKELY
