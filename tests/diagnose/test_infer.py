"""The setting inferred for a failed SA, on the lab's captures: fed back as the refusing side's
configuration, a proposal line accepts what the capture shows offered (by the project's own
suite logic), while the configuration the lab really gave that side does not; selectors and
identities are the ones asked for; what the packets cannot tell is said."""

from __future__ import annotations

import json
from itertools import product

import pytest

from helpers import REPO, attr_tv, datagram, message, proposal, v2_transform
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose import expect, infer
from ikescope.diagnose.context import DiagnoseSettings
from ikescope.diagnose.engine import Diagnoser
from ikescope.diagnose.finding import Confidence
from ikescope.diagnose.suite import ATTRIBUTES, Suite, accepts, suites
from ikescope.track.tracker import Tracker
from ikescope.wire.decode import decode_message

PCAPS = REPO / "pcaps"
LABELS = {c["name"]: c for c in json.loads((PCAPS / "labels.json").read_text())["captures"]}
RANK = {"certain": 0, "likely": 1, "possible": 2}


def root_of(name: str, keys: bool = False, ike: str = "", esp: str = ""):
    tables = [PCAPS / t for t in LABELS[name]["key_tables"]] if keys else []
    settings = api.Settings(
        keys=load_key_files(tables) if tables else None,
        diagnose=DiagnoseSettings(expect_ike=expect.parse(ike, "ike") if ike else (),
                                  expect_esp=expect.parse(esp, "esp") if esp else ()))
    report = api.analyze([PCAPS / LABELS[name]["file"]], settings)
    roots = [(r.sa, r.root_cause) for r in report.results if r.root_cause is not None and r.sa.outcome != "deleted"]
    return roots[0]


def chosen_from(offer: Suite, config: Suite) -> Suite | None:
    """What a responder configured with ``config`` could pick from ``offer``: one value per
    attribute both name, or None when some attribute has no common value."""
    values = {}
    for attr in ATTRIBUTES:
        o, c = offer.get(attr), config.get(attr)
        if not o and not c:
            continue
        common = o & c if o and c else o or c
        if not common:
            return None
        values[attr] = frozenset({sorted(common)[0]})
    return Suite(0, values)


def acceptable(offered: list[Suite], config: tuple[Suite, ...]) -> bool:
    """Some proposal of ``config`` and some offered one leave a choice both accept."""
    for o, c in product(offered, config):
        choice = chosen_from(o, c)
        if choice is not None and accepts(o, choice, ignore=("protocol", "lifetime", "auth", "encapsulation")) \
                and accepts(c, choice, ignore=("protocol",)):
            return True
    return False


def setting(items: list[str], key: str) -> str:
    (value,) = [s.split("=", 1)[1].strip() for s in items if s.split("=", 1)[0].strip() == key]
    return value


# (capture, the proposals the lab gave the responder, --expect-ike given or not)
IKE_CASES = [
    ("ikev2-ike-proposal-mismatch", "aes128-sha1-modp2048"),
    ("ikev2-dh-group-mismatch", "aes256-sha256-ecp256"),
    ("ikev1-p1-proposal-mismatch", "aes128-sha1-modp2048"),
    ("ikev1-libreswan-strongswan-p1-mismatch", "aes128-sha1-modp2048"),
]


@pytest.mark.parametrize("name, responder", IKE_CASES)
@pytest.mark.parametrize("with_expect", [False, True])
def test_ike_proposal_line_accepts_the_offer(name: str, responder: str, with_expect: bool) -> None:
    sa, root = root_of(name, ike=responder if with_expect else "")
    cfg = root.inferred_config
    assert cfg["side"] == "responder" and cfg["missing"] == ""
    offered = suites(sa.version, sa.offered)
    fixed = expect.parse(setting(cfg["strongswan"], "proposals"), "ike")
    assert acceptable(offered, fixed)
    assert not acceptable(offered, expect.parse(responder, "ike"))  # what the lab gave it is refused
    if with_expect:  # the responder's own proposals are kept, first
        assert setting(cfg["strongswan"], "proposals").startswith(responder + ", ")
        assert cfg["confidence"] == "certain"
    else:
        assert cfg["confidence"] == root.confidence.value == "likely"  # no config for the peer fits as well
    assert setting(cfg["libreswan"], "ike").endswith("aes256-sha2_256;modp2048")


# (capture, the ESP proposals the lab gave the responder's CHILD SA)
CHILD_CASES = [
    ("ikev2-child-proposal-mismatch", "aes256-sha512"),
    ("ikev2-pfs-mismatch", "aes128-sha256"),
    ("ikev1-qm-proposal-mismatch", "aes256-sha512"),
    ("ikev1-pfs-mismatch", "aes128-sha256"),
    ("ikev1-libreswan-strongswan-pfs-mismatch", "aes128-sha256"),
]


@pytest.mark.parametrize("name, responder", CHILD_CASES)
def test_esp_line_accepts_the_offer(name: str, responder: str) -> None:
    sa, root = root_of(name, keys=True)
    assert root.code == "ike.child_proposal_mismatch"
    cfg = root.inferred_config
    offered = infer._rows(root.details["offered"])
    fixed = expect.parse(setting(cfg["strongswan"], "esp_proposals"), "esp")
    assert acceptable(offered, fixed)
    assert not acceptable(offered, expect.parse(responder, "esp"))
    pfs = any(o.get("dh") - {"no PFS"} for o in offered)
    assert ("pfs=yes" in cfg["libreswan"]) == pfs
    if sa.version == 1 and not pfs:
        assert "pfs=no" in cfg["libreswan"]


# (capture, the refusing side, the ESP proposals the lab gave it)
REKEY_CASES = [
    ("ikev2-rekey-pfs-initiator-only", "responder", "aes128-sha256"),
    ("ikev2-rekey-pfs-responder-only", "responder", "aes128-sha256-modp2048"),
    ("ikev2-libreswan-rekey-pfs-mismatch", "responder", "aes128-sha256"),
    ("ikev2-rekey-refused-by-libreswan", "responder", "aes128-sha256-modp2048"),
    ("ikev2-rekey-refused-child-expires", "responder", "aes128-sha256"),
    ("ikev1-rekey-pfs-mismatch", "initiator", "aes128-sha256"),
]


@pytest.mark.parametrize("name, refuser, config", REKEY_CASES)
def test_a_refused_rekey_gets_the_line_that_accepts_its_offer(name: str, refuser: str, config: str) -> None:
    sa, root = root_of(name, keys=True)
    assert root.code == "ike.rekey_refused"
    cfg = root.inferred_config
    request = next(m for m in sa.messages if m.frame == root.frames[0])
    offered = suites(sa.version, request.proposals)
    if sa.version == 2:
        offered = [o if o.get("dh") else Suite(o.number, {**o.values, "dh": frozenset({"no PFS"})}) for o in offered]
    fixed = expect.parse(setting(cfg["strongswan"], "esp_proposals"), "esp")
    assert cfg["side"] == refuser and cfg["confidence"] == "certain"
    assert acceptable(offered, fixed) and not acceptable(offered, expect.parse(config, "esp"))
    pfs = any(o.get("dh") - {"no PFS"} for o in offered)
    assert ("pfs=yes" if pfs else "pfs=no") in cfg["libreswan"]
    # Without keys the group is encrypted: PFS on one side is named, no line is written.
    _, blind = root_of(name)
    assert blind.code == "ike.rekey_refused" and blind.inferred_config["side"] is None
    assert "PFS is set on one side only" in blind.inferred_config["missing"]


def test_without_keys_the_missing_piece_is_named() -> None:
    _, root = root_of("ikev2-child-proposal-mismatch")
    cfg = root.inferred_config
    assert root.code == "ike.child_sa_rejected" and not cfg["strongswan"] and not cfg["libreswan"]
    assert "--keys" in cfg["missing"] and cfg["confidence"] is None


@pytest.mark.parametrize("name", ["ikev2-ts-mismatch", "ikev1-id-mismatch"])
def test_selectors_the_initiator_asked_for(name: str) -> None:
    """bob expected alice's network to be 203.0.113.0/25; alice asked for 198.51.100.0/25."""
    _, root = root_of(name, keys=True)
    cfg = root.inferred_config
    assert cfg["side"] == "responder" and cfg["confidence"] == "certain"
    assert cfg["strongswan"] == ["local_ts = 198.51.100.128/25", "remote_ts = 198.51.100.0/25"]
    assert cfg["libreswan"] == ["leftsubnet=198.51.100.128/25", "rightsubnet=198.51.100.0/25"]


def test_identities_are_only_a_possible_fix() -> None:
    """AUTHENTICATION_FAILED covers a wrong key and an unknown identity alike."""
    _, root = root_of("ikev2-id-mismatch", keys=True)
    cfg = root.inferred_config
    assert cfg["confidence"] == "possible"
    assert cfg["strongswan"] == ["local.id = carol@example.org", "remote.id = alice@example.org"]
    assert cfg["libreswan"] == ["leftid=carol@example.org", "rightid=alice@example.org"]
    assert "pre-shared key" in cfg["missing"]


def test_fqdn_identities_for_libreswan_carry_an_at() -> None:
    _, root = root_of("ikev2-cert-unknown-ca", keys=True)
    assert root.inferred_config["libreswan"] == ["leftid=@bob.example.org", "rightid=@alice.example.org"]


def test_aggressive_mode() -> None:
    _, root = root_of("ikev1-mode-mismatch")
    cfg = root.inferred_config
    assert cfg["strongswan"][0] == "aggressive = yes" and cfg["libreswan"] == ["aggressive=yes"]


# every labelled failure, read without keys and, where the lab has them, with its keys
READINGS = [(n, keys) for n, c in LABELS.items() if c["root_cause"] for keys in (False, True)
            if not keys or c["key_tables"]]


@pytest.mark.parametrize("name, keys", READINGS)
def test_every_failure_gets_a_setting_or_says_what_is_missing(name: str, keys: bool) -> None:
    tables = [PCAPS / t for t in LABELS[name]["key_tables"]] if keys else []
    report = api.analyze([PCAPS / LABELS[name]["file"]], api.Settings(keys=load_key_files(tables) if tables else None))
    for r in report.results:
        root = r.root_cause
        if root is None or root.severity.value != "error":
            assert root is None or root.inferred_config is None
            continue
        cfg = root.inferred_config
        assert cfg is not None and (cfg["strongswan"] or cfg["libreswan"] or cfg["missing"])
        if cfg["confidence"] is not None:
            assert RANK[cfg["confidence"]] >= RANK[root.confidence.value]
        assert all(f.inferred_config is None for f in r.findings[1:])


def test_ike_lines_for_both_products() -> None:
    def lines(version: int, **values: str) -> infer._Lines:
        return infer._ike_line(Suite(1, {k: frozenset(v.split()) for k, v in values.items()}), version)

    gcm = lines(2, encryption="aes-gcm-16-256", prf="sha2-256", dh="ecp256")
    assert (gcm.strongswan, gcm.libreswan) == ("aes256gcm16-prfsha256-ecp256", "aes_gcm256-sha2_256;dh19")
    several = lines(2, encryption="aes-cbc-256 aes-cbc-128", integrity="sha2-256", prf="sha2-256",
                    dh="modp2048 curve25519")
    assert several.strongswan == "aes128-aes256-sha256-curve25519-modp2048"
    assert several.libreswan == "aes128+aes256-sha2_256;dh31+modp2048"
    old = lines(1, encryption="3des-cbc", integrity="md5", dh="modp1024")
    assert old.strongswan == "3des-md5-modp1024" and old.libreswan is None and "modp1024" in old.libreswan_gap
    split_prf = lines(2, encryption="aes-cbc-128", integrity="sha1", prf="sha2-256", dh="modp2048")
    assert split_prf.strongswan == "aes128-sha1-prfsha256-modp2048" and split_prf.libreswan is None


def test_no_inference_is_surer_than_its_root_cause() -> None:
    _, root = root_of("ikev2-ike-proposal-mismatch")
    assert root.confidence is Confidence.LIKELY and root.inferred_config["confidence"] == "likely"


def test_a_group_never_offered_goes_to_the_initiator() -> None:
    """INVALID_KE_PAYLOAD asks for ecp256, which the initiator does not offer and never retries with."""
    # ENCR AES-CBC-256, PRF HMAC-SHA2-256, INTEG HMAC-SHA2-256-128, KE modp2048 (RFC 7296 3.3.2, IANA)
    transforms = [v2_transform(1, 12, attr_tv(14, 256)), v2_transform(2, 5), v2_transform(3, 12),
                  v2_transform(4, 14, last=True)]
    offer = message([(33, proposal(1, 1, transforms)), (34, b"\x00\x0e\x00\x00" + b"\x01" * 256),
                     (40, b"\x02" * 32)], exchange=34, flags=0x08)
    refusal = message([(41, b"\x00\x00\x00\x11\x00\x13")], exchange=34, flags=0x20)
    tracker, diagnoser = Tracker(), Diagnoser()
    for n, (raw, from_a) in enumerate(((offer, True), (refusal, False)), 1):
        tracker.feed(datagram(raw, n, n / 100, from_a), decode_message(raw))
    (sa,) = tracker.close_all()
    root = diagnoser.sa_closed(sa)[0]
    assert root.code == "ike.dh_group_mismatch"
    cfg = root.inferred_config
    assert cfg["side"] == "initiator"
    assert cfg["strongswan"] == ["proposals = aes256-sha256-ecp256"]
    assert cfg["libreswan"] == ["ike=aes256-sha2_256;dh19"]
    assert "ecp256" in cfg["basis"] and cfg["missing"] == ""


def test_an_algorithm_neither_product_names_is_said() -> None:
    lines = infer._ike_line(Suite(1, {"encryption": frozenset({"aes-cbc-256"}), "integrity": frozenset({"sha2-256"}),
                                      "prf": frozenset({"unknown(12)"}), "dh": frozenset({"modp2048"})}), 2)
    assert lines.strongswan is None and lines.libreswan is None
    assert lines.gaps().startswith("strongSwan has no keyword") and "libreswan" in lines.gaps()


@pytest.mark.parametrize("name", ["ikev2-inferred-fix", "ikev2-inferred-fix-libreswan"])
def test_the_lab_applied_the_fix_and_the_responder_chose_from_it(name: str) -> None:
    """In these captures the responder was given the inferred line after the refusal (strongSwan's
    proposals, libreswan's ike=); the next negotiation came up, choosing a proposal of that line."""
    report = api.analyze([PCAPS / f"{name}.pcap"], api.Settings(
        diagnose=DiagnoseSettings(expect_ike=expect.parse("aes128-sha1-modp2048", "ike"))))
    refused, fixed = (r.sa for r in report.results)
    assert refused.outcome == "failed" and fixed.outcome == "established"
    cfg = report.results[0].root_cause.inferred_config
    line = setting(cfg["strongswan"], "proposals")
    assert setting(cfg["libreswan"], "ike") == "aes128-sha1;modp2048,aes256-sha2_256;modp2048"
    (chosen,) = suites(2, [fixed.chosen])
    assert any(accepts(c, chosen, ignore=("protocol",)) for c in expect.parse(line, "ike"))
