"""IKEv2 REDIRECT (RFC 5685): the scapy corpus capture, where 10.5.2.52 sends the initiator to a
gateway by name and the initiator starts over at 10.5.2.53 with REDIRECTED_FROM."""

from __future__ import annotations

from helpers import need_corpus
from ikescope import api
from ikescope.wire.identity import gateway_identity


def test_gateway_identity_of_each_kind() -> None:
    assert gateway_identity(bytes([1, 4, 198, 51, 100, 7]) + b"nonce") == "198.51.100.7"
    assert gateway_identity(bytes([2, 16]) + bytes.fromhex("20010db8" + "00" * 11 + "01")) == "2001:db8::1"
    assert gateway_identity(bytes([3, 7]) + b"gw.test") == "gw.test"
    assert gateway_identity(bytes([3, 9]) + b"short") is None and gateway_identity(bytes([9, 1, 0])) is None


def test_the_redirect_is_decoded_linked_and_said() -> None:
    report = api.analyze([need_corpus() / "scapy/ikev2_notify_redirect.pcap"])
    first, second = (r.sa for r in report.results)
    assert first.redirect_to == "moneybin.duckburg.disney.com"
    assert (first.redirected_as, second.redirect_of) == (second.id, first.id)
    assert first.outcome == "restarted" and "redirected to moneybin.duckburg.disney.com" in first.outcome_detail
    (f,) = [f for f in report.results[0].findings if f.code == "ike.redirected"]
    assert f.severity.value == "info" and f.details == {"to": "moneybin.duckburg.disney.com",
                                                         "followed_as": second.id}
    doc = report.to_dict()
    assert doc["sas"][0]["redirect"] == {"to": "moneybin.duckburg.disney.com", "followed_as": 3, "of": None}
    assert doc["sas"][1]["redirect"]["of"] == 1
    assert not [g for g in report.results[0].findings if g.severity.value == "error"]
