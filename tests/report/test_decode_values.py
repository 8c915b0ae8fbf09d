"""`ikescope decode` shows what the values mean: vendor IDs by name, mode-config and XAuth
values, lifetimes with their unit, the gateway of a REDIRECT, and readable times; each
checked against the daemons' logs or tshark's decode of the same capture."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from click.testing import CliRunner

from helpers import REPO, need_corpus
from ikescope import api
from ikescope.cli import cli

PCAPS = REPO / "pcaps"


def decode(*args: str) -> str:
    result = CliRunner().invoke(cli, ["decode", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result.output


def payloads(*args: str) -> list[dict]:
    doc = json.loads(decode("--format", "json", *args))
    out = []
    for m in doc["files"][0]["messages"]:
        for p in m.get("payloads", ()):
            out += [p, *p.get("inner", ())]
        out += m.get("inner", ())
    return out


def test_vendor_ids_by_name_as_sas_names_them() -> None:
    cap = PCAPS / "ikev1-nat-success.pcap"
    (sa,) = api.track(api.decode_file(cap))
    named = {name for _, name in sa.vendor_ids}
    shown = re.findall(r"^    VID (.+)$", decode(cap), re.M)
    assert set(shown) == named and "RFC 3947 NAT-T" in shown and "XAuth" in shown
    assert all(p["vendor"] in named for p in payloads(cap) if p["name"] == "VID")


def test_redaction_keeps_named_vendor_ids_and_hides_unnamed_ones() -> None:
    cap = PCAPS / "ikev1-nat-success.pcap"
    assert re.findall(r"^    VID (.+)$", decode("--redact", cap), re.M) == re.findall(r"^    VID (.+)$", decode(cap), re.M)
    assert [p["data_hex"] for p in payloads("--redact", cap) if p["name"] == "VID"] == \
        [p["data_hex"] for p in payloads(cap) if p["name"] == "VID"]
    # an unnamed vendor ID is opaque bytes and gets a placeholder
    other = need_corpus() / "wireshark-wiki" / "test1.pcap"
    assert "VID 9df426e3fa4cd8085fa586643f46fdc8" in decode(other)
    red = decode("--redact", other)
    assert "9df426e3fa4cd8085fa586643f46fdc8" not in red and re.search(r"^    VID data-\d+$", red, re.M)


def test_mode_config_and_xauth_values_agree_with_the_gateway_log() -> None:
    cap = PCAPS / "ikev1-xauth-modecfg.pcap"
    keys = PCAPS / "ikev1-xauth-modecfg.ikev1_decryption_table"
    log = (PCAPS / "ikev1-xauth-modecfg.bob.log").read_text()
    assert "assigning virtual IP 203.0.113.65 to peer 'carol'" in log
    assert "XAuth authentication of 'carol' successful" in log
    text = decode("--keys", keys, cap)
    assert "ATTR ISAKMP_CFG_REPLY INTERNAL_IP4_ADDRESS=203.0.113.65" in text
    assert "ATTR ISAKMP_CFG_SET XAUTH-STATUS=OK" in text
    assert "ATTR ISAKMP_CFG_REPLY XAUTH-USER-NAME=carol, XAUTH-USER-PASSWORD (12 bytes)" in text
    (pw,) = [a for p in payloads("--keys", keys, cap) for a in p.get("attributes", ())
             if a["name"] == "XAUTH-USER-PASSWORD" and a["length"]]
    assert set(pw) == {"type", "name", "length"}  # the password itself is never shown
    redacted = decode("--redact", "--keys", keys, cap)
    assert "carol" not in redacted and "203.0.113.65" not in redacted and "XAUTH-STATUS=OK" in redacted

    failed = PCAPS / "ikev1-xauth-failed.pcap"
    assert "XAuth authentication of 'carol' failed" in (PCAPS / "ikev1-xauth-failed.bob.log").read_text()
    text = decode("--keys", PCAPS / "ikev1-xauth-failed.ikev1_decryption_table", failed)
    assert "XAUTH-STATUS=FAIL" in text and "XAUTH-STATUS=OK" not in text


def test_lifetimes_carry_their_unit() -> None:
    cap = PCAPS / "ikev1-lifetime-mismatch.pcap"
    assert "Life Type=seconds, Life Duration=31680 (8 h 48 min)" in decode(cap)
    sas = CliRunner().invoke(cli, ["sas", str(cap)]).output
    assert "Pre-Shared Key life 31680 s (8 h 48 min)" in sas and "Key seconds" not in sas


def test_redirect_names_the_gateway_as_tshark_does() -> None:
    cap = need_corpus() / "scapy" / "ikev2_notify_redirect.pcap"
    fields: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k.startswith("isakmp.notify.data.redirect") and isinstance(v, str):
                    fields.setdefault(k, v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(cap.with_name(cap.name + ".tshark.json").read_text()))
    (redirect,) = [p for p in payloads(cap) if p.get("notify_name") == "REDIRECT"]
    gw = redirect["gateway"]
    assert gw["type"] == int(fields["isakmp.notify.data.redirect.gw_ident.type"]) == 3
    assert gw["length"] == int(fields["isakmp.notify.data.redirect.gw_ident.len"])
    assert gw["identity"] == fields["isakmp.notify.data.redirect.new_resp_gw_ident.fqdn"]
    assert redirect["nonce_length"] == len(fields["isakmp.notify.data.redirect.nonce_data"].split(":"))
    (came_from,) = [p for p in payloads(cap) if p.get("notify_name") == "REDIRECTED_FROM"]
    assert came_from["gateway"] == {"type": 1, "type_name": "IPv4", "length": 4, "address": "10.5.2.52"}
    text = decode(cap)
    assert f"N REDIRECT gateway FQDN {gw['identity']} (28 bytes, nonce 40 bytes)" in text
    assert "N REDIRECTED_FROM gateway IPv4 10.5.2.52 (4 bytes)" in text
    red = decode("--redact", cap)
    assert gw["identity"] not in red and "10.5.2.52" not in red and "N REDIRECT gateway FQDN id-" in red


def test_times_read_as_dates() -> None:
    cap = PCAPS / "ikev2-psk-success.pcap"
    first = json.loads(decode("--format", "json", cap))["files"][0]["messages"][0]
    stamp = datetime.fromtimestamp(first["time"], timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    assert decode(cap).startswith(f"#{first['frame']} {stamp} ")
