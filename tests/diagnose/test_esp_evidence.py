"""ESP seen both ways between the peers proves a CHILD SA carries traffic: guesses that NAT traversal
or the CHILD SA failed give way to it, and the SA's summary says so."""

from __future__ import annotations

from helpers import REPO, need_corpus
from ikescope import api
from ikescope.diagnose.engine import Diagnoser
from ikescope.model import NetEvent
from ikescope.report import text
from ikescope.track.tracker import Tracker

FEROZ = "ferozbaig96-pcaps/isakmp.pcap"


def test_pings_through_the_tunnel_outweigh_a_nat_guess() -> None:
    path = need_corpus() / FEROZ
    keys = path.with_name(path.name + ".ikev1_decryption_table")
    from ikescope.crypto.keys import load_key_files
    for settings in (api.Settings(), api.Settings(keys=load_key_files([keys]))):
        report = api.analyze([path], settings)
        (sa,) = [r.sa for r in report.results]
        assert sa.esp_both_ways(sa.established_ts)
        assert {s for s, _ in sa.esp} == {True, False}
        codes = {f.code for f in report.findings()}
        assert "ike.nat_t_unsupported" not in codes and not [f for f in report.findings()
                                                               if f.severity.value == "error"]
        doc = report.to_dict()
        assert doc["sas"][0]["esp"]["both_ways"] is True
        assert {f["spi"] for f in doc["sas"][0]["esp"]["flows"]} == {"dee4d1d8", "7e996750"}
        assert "ESP flows both ways (SPIs 7e996750, dee4d1d8)" in text.render(doc)


def test_esp_one_way_or_before_the_sa_came_up_proves_nothing() -> None:
    pairs = list(api.decode_file(REPO / "pcaps" / "ikev2-ts-mismatch.pcap"))

    def verdict(events: list[tuple[str, str, float]]) -> set[str]:
        tr = Tracker()
        for dg, dec in pairs:
            tr.feed(dg, dec)
        last = pairs[-1][0].ts
        for n, (src, dst, dt) in enumerate(events):
            tr.net_event(NetEvent("esp", 100 + n, last + dt, src, dst, spi=0x1000 + n))
        (sa,) = tr.close_all()
        return {f.code for f in Diagnoser().sa_closed(sa)}

    a, b = "192.0.2.1", "192.0.2.2"
    assert "ike.child_sa_rejected" in verdict([])
    assert "ike.child_sa_rejected" in verdict([(a, b, 1.0), (a, b, 2.0)])  # one way: maybe dropped beyond
    assert "ike.child_sa_rejected" in verdict([(a, b, -30.0), (b, a, -30.0)])  # before the SA came up
    assert "ike.child_sa_rejected" not in verdict([(a, b, 1.0), (b, a, 1.0)])
