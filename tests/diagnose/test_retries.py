"""ike.cookie_challenge and the round trips COOKIE and INVALID_KE_PAYLOAD cost, by hand and on the
lab's strongSwan and libreswan captures."""

from __future__ import annotations

import struct

import pytest

from helpers import REPO, datagram, header, message, payload, proposal, run_rules, v2_transform
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose.rules import SA_RULES, proposals, retries

SPI_I, SPI_R = b"\x11" * 8, b"\x22" * 8
RULES = retries.SA_RULES + proposals.SA_RULES


def init_request(group: int = 14, cookie: bytes = b"") -> bytes:
    sa = proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                         v2_transform(4, 19), v2_transform(4, 14, last=True)])
    items = [(41, struct.pack("!BBH", 0, 0, 16390) + cookie)] if cookie else []
    items += [(33, sa), (34, struct.pack("!HH", group, 0) + b"\x01" * 64), (40, b"\x02" * 32)]
    return message(items, ispi=SPI_I, exchange=34, flags=0x08)


def init_answer(items: list, rspi: bytes = SPI_R) -> bytes:
    return message(items, ispi=SPI_I, rspi=rspi, exchange=34, flags=0x20)


COOKIE = (41, struct.pack("!BBH", 0, 0, 16390) + b"\x09" * 16)
WANTS_14 = (41, struct.pack("!BBH", 0, 0, 17) + b"\x00\x0e")
ACCEPT = [(33, proposal(1, 1, [v2_transform(1, 12), v2_transform(2, 5), v2_transform(3, 12),
                               v2_transform(4, 14, last=True)])),
          (34, struct.pack("!HH", 14, 0) + b"\x03" * 64), (40, b"\x04" * 32)]


def auth(frame: int, ts: float) -> list:
    return [datagram(header(ispi=SPI_I, rspi=SPI_R, np=46, exchange=35, flags=0x08, msgid=1,
                            body=payload(35, bytes(48))), frame, ts),
            datagram(header(ispi=SPI_I, rspi=SPI_R, np=46, exchange=35, flags=0x20, msgid=1,
                            body=payload(36, bytes(48))), frame + 1, ts + 0.01, False)]


def test_registered() -> None:
    assert set(retries.SA_RULES) <= set(SA_RULES)


def test_cookie_then_invalid_ke_are_two_round_trips() -> None:
    seq = [datagram(init_request(19), 1, 0.0), datagram(init_answer([COOKIE], b"\0" * 8), 2, 0.002, False),
           datagram(init_request(19, b"\x09" * 16), 3, 0.003),
           datagram(init_answer([WANTS_14], b"\0" * 8), 4, 0.005, False),
           datagram(init_request(14, b"\x09" * 16), 5, 0.006), datagram(init_answer(ACCEPT), 6, 0.01, False),
           *auth(7, 0.02)]
    fs = run_rules(seq, RULES)
    (cookie,) = [f for f in fs if f.code == "ike.cookie_challenge"]
    (ke,) = [f for f in fs if f.code == "ike.invalid_ke_retry"]
    assert cookie.severity.value == "info" and cookie.confidence.value == "certain" and cookie.frames == (1, 2, 3)
    assert cookie.details == {"round_trips": 1, "seconds": 0.003}
    assert "one extra round trip (3 ms from the refused request to the repeat)" in cookie.summary
    assert ke.details["round_trips"] == 1 and ke.details["seconds"] == 0.003
    for f in (cookie, ke):
        assert "2 extra round trips in all before the IKE SA could start (COOKIE, INVALID_KE_PAYLOAD, 6 ms)" \
            in f.summary


def test_a_cookie_never_returned_stops_the_negotiation() -> None:
    seq = [datagram(init_request(14), 1, 0.0), datagram(init_answer([COOKIE], b"\0" * 8), 2, 0.002, False),
           datagram(init_request(14), 3, 5.0)]  # a copy of the first request, without the cookie
    (f,) = [f for f in run_rules(seq, RULES) if f.code == "ike.cookie_challenge"]
    assert f.severity.value == "warning" and f.details["copies_without_cookie"] == 1
    assert "repeated IKE_SA_INIT 1 more time(s) without it: the demand does not reach it" in f.summary
    # Nothing after the demand, in a capture that goes on: the initiator stopped there.
    other = message([(40, b"\x02" * 32)], ispi=b"\x07" * 8, exchange=34, flags=0x08)  # another SA, later
    quiet = seq[:2] + [datagram(other, 4, 9.0)]
    (g,) = [f for f in run_rules(quiet, RULES) if f.code == "ike.cookie_challenge" and f.frames[0] == 1]
    assert "never repeated IKE_SA_INIT with it" in g.summary and g.details["copies_without_cookie"] == 0
    # Cut off by the end of the capture, it says nothing.
    cut = seq[:2]
    assert not [f for f in run_rules(cut, RULES) if f.code == "ike.cookie_challenge"]


PCAPS = REPO / "pcaps"


def analyze(name: str, keys: bool = False) -> list:
    tables = sorted(PCAPS.glob(f"{name}.ikev*_decryption_table")) if keys else []
    settings = api.Settings(keys=load_key_files(tables)) if tables else api.Settings()
    return [f for r in api.analyze([PCAPS / f"{name}.pcap"], settings).results for f in r.findings]


@pytest.mark.parametrize("name", ["ikev2-cookie-strongswan-libreswan", "ikev2-cookie-libreswan"])
def test_lab_cookie_challenges(name: str) -> None:
    fs = analyze(name)
    (f,) = [f for f in fs if f.code == "ike.cookie_challenge"]
    assert f.severity.value == "info" and f.details["round_trips"] == 1 and 0 < f.details["seconds"] < 0.1
    assert not [g for g in fs if g.severity.value == "error"]


def test_lab_cookie_does_not_hide_the_real_failure() -> None:
    for keys in (False, True):
        fs = analyze("ikev2-cookie-psk-mismatch", keys)
        assert fs[0].code == "ike.auth_failed" and fs[0].root_cause
        assert [f.severity.value for f in fs if f.code == "ike.cookie_challenge"] == ["info"]


def test_lab_cookie_demands_that_never_arrive() -> None:
    """The router drops libreswan's COOKIE answers: strongSwan repeats IKE_SA_INIT without a cookie
    until it gives up. Captured at the responder, the answers that were not taken up are the root cause."""
    fs = analyze("ikev2-cookie-answers-dropped")
    assert fs[0].code == "ike.response_ignored" and fs[0].root_cause and fs[0].details["exchange"] == "IKE_SA_INIT"
    (f,) = [f for f in fs if f.code == "ike.cookie_challenge"]
    assert f.severity.value == "warning" and f.details["copies_without_cookie"] == fs[0].details["copies_after_answer"]
    assert "each answered with a COOKIE again: the demand does not reach it" in f.summary


def test_lab_cookie_and_invalid_ke_cost_two_round_trips() -> None:
    fs = analyze("ikev2-cookie-invalid-ke")
    costs = {f.code: f for f in fs if f.code in ("ike.cookie_challenge", "ike.invalid_ke_retry")}
    assert set(costs) == {"ike.cookie_challenge", "ike.invalid_ke_retry"}
    assert all("2 extra round trips in all" in f.summary for f in costs.values())
    assert not [f for f in fs if f.severity.value != "info"]


@pytest.mark.parametrize("name", ["ikev2-invalid-ke-retry", "ikev2-libreswan-invalid-ke-retry"])
def test_lab_invalid_ke_retry_costs_one_round_trip(name: str) -> None:
    (f,) = [f for f in analyze(name) if f.code == "ike.invalid_ke_retry"]
    assert f.details["round_trips"] == 1 and "one extra round trip" in f.summary
    assert "in all" not in f.summary  # a single detour


def test_lab_a_loaded_strongswan_asks_for_cookies_when_many_tunnels_start() -> None:
    fs = analyze("ikev2-twenty-tunnels")
    cookies = [f for f in fs if f.code == "ike.cookie_challenge"]
    assert len(cookies) >= 5 and all(f.severity.value == "info" for f in cookies)
