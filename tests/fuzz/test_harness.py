"""The fuzz harness itself: its invariants catch what they are meant to, its helpers keep their promises."""

from __future__ import annotations

import random

import pytest

from fuzz import mutate, pcapio, seeds, targets
from fuzz.run import ddmin, minimise, outcome
from helpers import REPO
from ikescope.diagnose.engine import Diagnoser
from ikescope.report.model import SaResult
from ikescope.wire import ikev2
from ikescope.wire.decode import decode_message

IKEV2 = REPO / "pcaps" / "ikev2-psk-success.pcap"


def _boom(*_args: object) -> None:
    raise ZeroDivisionError("planted")


def test_a_decoder_error_turned_into_a_problem_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    message = seeds.message_seeds([IKEV2])[0]  # IKE_SA_INIT, which opens with an SA payload
    assert outcome("decoder", message)[0] is None
    monkeypatch.setitem(ikev2.PARSERS, 33, (0, _boom))
    assert [p.code for p in decode_message(message).problems] == ["ike.decoder_error"]
    signature, report = outcome("decoder", message)
    assert signature is not None and "ike.decoder_error" in signature and "ZeroDivisionError" in report


def test_a_rule_error_in_any_format_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    capture = IKEV2.read_bytes()
    assert outcome("pipeline", capture)[0] is None
    monkeypatch.setattr(Diagnoser.__init__, "__defaults__", (None, (_boom,)))
    signature, _ = outcome("pipeline", capture)
    assert signature is not None and "ikescope.rule_error" in signature


def test_an_exception_escaping_is_a_failure_named_where_it_was_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ikescope.report.markdown.cell", _boom)
    signature, report = outcome("pipeline", IKEV2.read_bytes())
    raised_at = _boom.__code__.co_firstlineno + 1
    assert signature == f"ZeroDivisionError at test_harness.py:{raised_at}" and "markdown" in report


def test_json_off_its_schema_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = SaResult.sa_doc

    def fine(self: SaResult) -> dict:
        return {**plain(self), "outcome": "fine"}

    monkeypatch.setattr(SaResult, "sa_doc", fine)
    signature, report = outcome("pipeline", IKEV2.read_bytes())
    assert signature is not None and signature.startswith("ValidationError") and "'fine'" in report


def test_an_input_that_takes_too_long_is_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    def spin(*_args: object) -> None:
        while True:
            pass

    message = seeds.message_seeds([IKEV2])[0]
    monkeypatch.setitem(ikev2.PARSERS, 33, (0, spin))
    assert outcome("decoder", message, cpu_limit=0.2)[0] == "Hang"


def test_not_a_capture_is_the_usage_error_not_a_failure() -> None:
    assert outcome("pipeline", b"this is no capture")[0] is None


def test_clear_seeds_take_the_decryption_path() -> None:
    """The decoder's NULL key opens the seeds whose SK content the lab's key tables gave in the clear."""
    opened = 0
    for message in seeds.message_seeds([IKEV2]):
        m = decode_message(message).message
        if m is None or not any(p.type == 46 for p in m.payloads):
            continue
        from ikescope.crypto.decrypt import Decryptor
        from ikescope.crypto.keys import KeyStore, V2Keys
        from ikescope.model import Datagram
        h = m.header
        store = KeyStore.of([V2Keys(h.ispi, h.rspi, b"", b"", targets._NULL, b"", b"", targets._NO_ICV)])
        dg = Datagram((1,), 0.0, "192.0.2.1", "192.0.2.2", 500, 500, "udp", "plain", message)
        inner = Decryptor(store).process(dg, decode_message(message)).message.inner
        opened += bool(inner)
    assert opened == 2  # the IKE_AUTH request and response


def test_a_mutated_capture_stays_a_capture_and_changes() -> None:
    data = IKEV2.read_bytes()
    rng = random.Random(5)
    changed, kinds = 0, set()
    for _ in range(400):
        out = mutate.mutate_capture(data, 1 << 20, rng, mutate.ByteMutator(rng))
        changed += out != data
        kinds.add(out[:4])
    assert changed > 300
    assert kinds == {data[:4], b"\n\r\r\n"}  # pcap, and now and then pcapng


def test_a_datagram_keeps_consistent_lengths_when_its_message_grows() -> None:
    cap = pcapio.parse(IKEV2.read_bytes())
    assert cap is not None
    frame = cap.records[2].data  # IKE_SA_INIT, after two ARP frames
    split = mutate.udp_frame(cap.linktype, frame)
    assert split is not None
    same = split.rebuild(split.payload)
    assert same[:40] + same[42:] == frame[:40] + frame[42:]  # all but the UDP checksum, which is cleared
    grown = split.rebuild(split.payload + b"\xff" * 10)
    assert int.from_bytes(grown[16:18], "big") == len(grown) - 14  # IPv4 total length
    assert int.from_bytes(grown[38:40], "big") == len(grown) - 34  # UDP length


def test_ddmin_finds_the_two_bytes_that_matter() -> None:
    data = list(b"....A......B....")
    assert ddmin(data, lambda b: b.count(ord("A")) == 1 and b.count(ord("B")) == 1) == list(b"AB")


def test_minimise_keeps_the_failure_and_drops_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ikescope.report.markdown.cell", _boom)
    small = minimise("pipeline", IKEV2.read_bytes())
    cap = pcapio.parse(small)
    assert cap is not None and len(cap.records) == 1
    assert outcome("pipeline", small)[0] == outcome("pipeline", IKEV2.read_bytes())[0]
