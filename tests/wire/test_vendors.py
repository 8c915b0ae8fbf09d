"""Vendor ID naming: exact values, prefixes with decoded versions, unknown values, and
every VID that tshark names in the public captures."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from helpers import need_corpus
from ikescope.wire.vendors import (CAPABILITY, IMPLEMENTATION, VendorId, _FREESWAN_FAMILY, _RULES,
                                   _STRONGSWAN_VERSIONS, identify)


def vid(hexvalue: str) -> VendorId | None:
    return identify(bytes.fromhex(hexvalue))


# --- exact values --------------------------------------------------------------------------------

@pytest.mark.parametrize("hexvalue, name, capability", [
    ("4a131c81070358455c5728f20e95452f", "RFC 3947 NAT-T", "nat-t"),
    ("4485152d18b6bbcd0be8a8469579ddcc", "draft-ietf-ipsec-nat-t-ike-00", "nat-t"),
    ("16f6ca16e4a4066d83821a0f0aeaa862", "draft-ietf-ipsec-nat-t-ike-01", "nat-t"),
    ("cd60464335df21f87cfdb2fc68b6a448", "draft-ietf-ipsec-nat-t-ike-02", "nat-t"),
    ("90cb80913ebb696e086381b5ec427b1f", "draft-ietf-ipsec-nat-t-ike-02\\n", "nat-t"),
    ("7d9419a65310ca6f2c179d9215529d56", "draft-ietf-ipsec-nat-t-ike-03", "nat-t"),
    ("09002689dfd6b712", "XAuth", "xauth"),
    ("26244d38eddb61b3172a36e3d0cfb819", "Microsoft Vid-Initial-Contact", "initial-contact"),
    ("fb1de3cdf341b7ea16b7e5be0855f120", "MS-Negotiation Discovery Capable", "negotiation-discovery"),
    ("e3a5966a76379fe707228231e5ce8652", "IKE CGA version 1", "cga"),
    ("434953434f2d44454c4554452d524541534f4e", "Cisco Delete Reason Supported", "delete-reason"),
])
def test_exact_capabilities(hexvalue: str, name: str, capability: str) -> None:
    assert vid(hexvalue) == VendorId(name, CAPABILITY, None, capability)


@pytest.mark.parametrize("hexvalue, name, family", [
    ("882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan", "strongSwan"),
    ("7003cbc1097dbe9c2600ba6983bc8b35", "KAME/racoon", "racoon/ipsec-tools"),
    ("f14b94b7bff1fef02773b8c49feded26", "Shrew Soft VPN Client", "Shrew Soft"),
    ("404bf439522ca3f6", "SonicWall", "SonicWall"),
    ("625027749d5ab97f5616c1602765cf480a3b7d0b", "ZyXEL ZyWALL", "ZyXEL"),
    ("da8e937880010000", "WatchGuard Firebox or SonicWall/SafeNet client", "WatchGuard"),
    ("4f4548724b6e5e68557c604f", "Openswan 2.2.0", "libreswan/Openswan"),
    ("434953434f56504e2d5245562d3032", "Cisco VPN Revision 2", "Cisco"),
])
def test_exact_implementations(hexvalue: str, name: str, family: str) -> None:
    found = vid(hexvalue)
    assert found is not None
    assert (found.name, found.kind, found.implementation, found.capability) == (name, IMPLEMENTATION, family, None)


def test_bytearray_and_memoryview_are_accepted() -> None:
    raw = bytes.fromhex("4a131c81070358455c5728f20e95452f")
    assert identify(bytearray(raw)) == identify(memoryview(raw)) == identify(raw)


# --- prefixes and version decoding ---------------------------------------------------------------

@pytest.mark.parametrize("number, release", [
    (2, "Windows 2000"), (3, "Windows XP"), (5, "Windows Vista"), (7, "Windows 7"),
    (8, "Windows Server 2008 R2"), (9, "Windows 8 or later (8, 8.1, 10, Server 2012 R2, Server 2016)"),
    (16, "Windows Server 2012"),
])
def test_microsoft_version_names_the_release(number: int, release: str) -> None:
    found = vid("1e2b516905991c7d7c96fcbfb587e461" + f"{number:08x}")
    assert found == VendorId(f"Microsoft Windows (MS NT5 ISAKMPOAKLEY) v{number}", IMPLEMENTATION, "Microsoft",
                             None, release)


def test_microsoft_unknown_version_keeps_the_number() -> None:
    found = vid("1e2b516905991c7d7c96fcbfb587e4610000002a")
    assert found is not None and found.name.endswith(" v42") and found.version is None
    bare = vid("1e2b516905991c7d7c96fcbfb587e461")
    assert bare is not None and bare.name == "Microsoft Windows (MS NT5 ISAKMPOAKLEY)" and bare.version is None


def test_dpd_and_unity_carry_major_minor() -> None:
    assert vid("afcad71368a1f1c96b8696fc77570100") == VendorId("Dead Peer Detection v1.0", CAPABILITY, None, "dpd",
                                                               "1.0")
    unity = vid("12f5f28c457168a9702d9fe274cc0100")
    assert unity is not None and unity.capability == "unity" and unity.version == "1.0"


def test_fragmentation_with_and_without_cisco_flags() -> None:
    bare = vid("4048b7d56ebce88525e7de7f00d6c2d3")
    assert bare == VendorId("IKE Fragmentation", CAPABILITY, None, "fragmentation")
    flagged = vid("4048b7d56ebce88525e7de7f00d6c2d380000000")
    assert flagged is not None and flagged.capability == "fragmentation"
    assert flagged.name == "Cisco Fragmentation (flags 80000000: Main/Aggressive Mode)"
    cisco = vid("4048b7d56ebce88525e7de7f00d6c2d3c0000000")
    assert cisco is not None and cisco.name.endswith("(flags c0000000: Main/Aggressive Mode, base ISAKMP)")


def test_check_point_product_and_version() -> None:
    prefix = "f4ed19e0c114eb516faaac0ee37daf2807b4381f"
    ng_ai = vid(prefix + "00000001" + "0000138d" + "00000000" + "00000000" + "00000018")
    assert ng_ai == VendorId("Check Point Firewall-1 / VPN-1", IMPLEMENTATION, "Check Point", None,
                             "NG with Application Intelligence R55")
    ngx = vid(prefix + "00000001" + "0000138d" + "00000801" + "00000000" + "00000018")
    assert ngx is not None and ngx.version == "NGX or later"
    client = vid(prefix + "00000002" + "00000fa2" + "00000000" + "00000000" + "00000000")
    assert client is not None and client.name == "Check Point SecuRemote / SecureClient"
    assert client.version == "4.1 SP2 or later"


def test_cisco_concentrator_version_nibbles() -> None:
    found = vid("1f07f70eaa6514d3b0fa96542a500306")
    assert found is not None and found.implementation == "Cisco" and found.version == "3.0.6"


def test_libreswan_forms() -> None:
    modern = vid(b"OE-Libreswan-4.12".hex())
    assert modern is not None and modern.implementation == "libreswan/Openswan" and modern.version == "4.12"
    assert vid(b"OENabcdefghi".hex()).name == "Libreswan 3.0-3.5 or FreeS/WAN/Openswan"
    assert vid(b"OSWabcdefghi".hex()).name == "Openswan (Xelerance)"
    assert vid(b"OEplutounit0".hex()).implementation == "libreswan/Openswan"


def test_text_versions() -> None:
    safenet = vid("47bbe7c993f1fc13b4e6d0db565c68e5010201010201010310392e302e3120284275696c6420313229000000")
    assert safenet is not None and safenet.version == "9.0.1 (Build 12)"
    timestep = vid(b"TIMESTEP 1 SGW 1520 315 2.01E013".hex())
    assert timestep is not None and timestep.version == "1 SGW 1520 315 2.01E013"
    nortel = vid(b"BNES".hex() + "0000000a")
    assert nortel is not None and nortel.version == "10"


def test_versioned_implementations() -> None:
    openswan = vid("4f4568794c64414365636661")  # seen in the public openswan captures
    assert openswan is not None and openswan.name == "Openswan 2.6.32" and openswan.version == "2.6.32"
    xelerance = vid("4f53577b5547416f4c674b64")
    assert xelerance is not None and xelerance.version == "2.6.43"
    old = vid("85b6cbec480d5c8cd9882c825ac2c244")
    assert old is not None and old.implementation == "strongSwan" and old.version == "2.2.0"


def test_microsoft_indexed_markers() -> None:
    key_mods = vid("01528bbbc00696121849ab9a1c5b2a5100000002")
    assert key_mods is not None and key_mods.implementation == "Microsoft" and key_mods.version == "IKEv2"
    authip = vid("7bb93867d76c8d80df0f40fae8fc3b1900000003")
    assert authip is not None and authip.capability == "authip" and authip.version == "DH14"
    unknown_index = vid("7bb93867d76c8d80df0f40fae8fc3b1900000063")
    assert unknown_index is not None and unknown_index.version == "99"


def test_other_decoded_versions() -> None:
    elvis = vid("08db45e6cb01f80bb576e9a78c0f54e1300b8881" + "5200")
    assert elvis is not None and elvis.version == "5.2"
    iked = vid(b"OpenIKED-7.4".hex())
    assert iked is not None and iked.implementation == "OpenIKED" and iked.version == "7.4"


def test_prefix_vendors_with_undocumented_tails() -> None:
    netscreen = vid("699369228741c6d4ca094c93e242c9de19e7b7c60000000500000500")
    assert netscreen is not None and netscreen.implementation == "Juniper"
    fortigate = vid("8299031757a36082c6a621de00000000")
    assert fortigate is not None and fortigate.implementation == "Fortinet"
    heartbeat = vid(b"HeartBeat_Notify".hex() + "386b0100")
    assert heartbeat is not None and heartbeat.capability == "heartbeat"


# --- unknown values ------------------------------------------------------------------------------

@pytest.mark.parametrize("hexvalue", [
    "",
    "00",
    "0123456789abcdef0123456789abcdef",
    "afcad71368a1f1c96b8696fc",            # DPD prefix cut short
    "4a131c81070358455c5728f20e95452f00",  # RFC 3947 with a trailing byte
    "09002689dfd6b71200",                  # XAuth with a trailing byte
    "c61baca1f1a60cc20800000000000000",    # seen in captures, not in any public table
])
def test_unknown_is_none(hexvalue: str) -> None:
    assert vid(hexvalue) is None


# --- the table itself ----------------------------------------------------------------------------

def test_table_is_consistent() -> None:
    exact = [r.value for r in _RULES if not r.prefix]
    assert len(exact) == len(set(exact))
    for rule in _RULES:
        v = rule.vid
        assert rule.value and v.name
        if v.kind == IMPLEMENTATION:
            assert v.implementation and v.capability is None
        else:
            assert v.kind == CAPABILITY and v.capability and v.implementation is None


# The sources give these VIDs as the MD5 of a text; recomputing them catches a mistyped value.
MD5_SOURCES = {
    "RFC 3947 NAT-T": "RFC 3947",
    "draft-ietf-ipsec-nat-t-ike-02": "draft-ietf-ipsec-nat-t-ike-02",
    "draft-ietf-ipsec-nat-t-ike-02\\n": "draft-ietf-ipsec-nat-t-ike-02\n",
    "draft-ietf-ipsec-nat-t-ike-08": "draft-ietf-ipsec-nat-t-ike-08",
    "draft-ietf-ipsec-nat-t-ike": "draft-ietf-ipsec-nat-t-ike",
    "RFC XXXX (Solaris NAT-T)": "RFC XXXX",
    "draft-huttunen-ipsec-esp-in-udp-01 (ESPThruNAT)": "ESPThruNAT",
    "XAuth (draft-beaulieu-ike-xauth-02)": "draft-ietf-ipsra-isakmp-xauth-06.txt",
    "IKE Fragmentation": "FRAGMENTATION",
    "Microsoft Windows (MS NT5 ISAKMPOAKLEY)": "MS NT5 ISAKMPOAKLEY",
    "Microsoft Vid-Initial-Contact": "Vid-Initial-Contact",
    "MS-Negotiation Discovery Capable": "MS-Negotiation Discovery Capable",
    "IKE CGA version 1": "IKE CGA version 1",
    "Microsoft AuthIP supported (MS-MamieExists)": "MS-MamieExists",
    "Microsoft NLBS_PRESENT (NLB/MSCS fast failover)": "NLBS_PRESENT",
    "Fortinet Endpoint Control": "Fortinet Endpoint Control",
    "Fortinet FortiClient Connect license": "forticlient connect license",
    "GSSAPI": "GSSAPI",
    "KAME/racoon": "KAME/racoon",
    "SSH Sentinel": "SSH Sentinel",
}


def test_md5_derived_values() -> None:
    by_name = {r.vid.name: r.value for r in _RULES}
    for name, text in MD5_SOURCES.items():
        assert by_name[name] == hashlib.md5(text.encode()).digest(), name
    assert len(_STRONGSWAN_VERSIONS) > 100
    for rule in _STRONGSWAN_VERSIONS:
        assert rule.value == hashlib.md5(rule.vid.name.encode()).digest(), rule.vid.name


def _fswan(name: str, marker: bytes) -> bytes:
    """libreswan's FreeS/WAN-style VID: a marker then MD5 bytes forced into 0x40-0x7f."""
    digest = hashlib.md5(name.encode()).digest()[:12 - len(marker)]
    return marker + bytes((b & 0x7F) | 0x40 for b in digest)


def test_freeswan_family_values() -> None:
    assert len(_FREESWAN_FAMILY) > 200
    for rule in _FREESWAN_FAMILY:
        derived = {_fswan(rule.vid.name, marker) for marker in (b"OE", b"OEN", b"OSW")}
        assert rule.value in derived, rule.vid.name
        assert rule.vid.version and rule.vid.version in rule.vid.name


def test_truncated_md5_values() -> None:
    """XAuth is the first 8 bytes of its hash, Cisco Unity replaces the last two."""
    assert vid(hashlib.md5(b"draft-ietf-ipsra-isakmp-xauth-06.txt").hexdigest()[:16]).capability == "xauth"
    (unity,) = [r for r in _RULES if r.vid.name == "Cisco Unity"]
    assert unity.prefix and unity.value == hashlib.md5(b"CISCO-UNITY").digest()[:14]


# --- every VID tshark names in the public captures -----------------------------------------------

class _Pairs(list):
    """A JSON object kept as its key/value pairs: tshark repeats keys within an object."""


def _walk(node: object, out: set[tuple[str, str]]) -> None:
    if isinstance(node, _Pairs):
        fields = dict((k, v) for k, v in node if k in ("isakmp.vid_bytes", "isakmp.vid_string"))
        if "isakmp.vid_bytes" in fields:
            out.add((fields["isakmp.vid_bytes"], fields.get("isakmp.vid_string", "")))
        for _, value in node:
            _walk(value, out)
    elif isinstance(node, list):
        for item in node:
            _walk(item, out)


def _tshark_vids(corpus: Path) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted(corpus.rglob("*.tshark*.json")):
        _walk(json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_Pairs), found)
    return found


# What tshark's name implies about ours, where its name says it.
TSHARK_HINTS = (
    ("NAT-T", "capability", "nat-t"),
    ("nat-t", "capability", "nat-t"),
    ("nat-traversal", "capability", "nat-t"),
    ("DPD", "capability", "dpd"),
    ("XAUTH", "capability", "xauth"),
    ("Fragmentation", "capability", "fragmentation"),
    ("CISCO-UNITY", "capability", "unity"),
    ("strongSwan", "implementation", "strongSwan"),
    ("Netscreen", "implementation", "Juniper"),
    ("Fortinet", "implementation", "Fortinet"),
    ("MS NT5", "implementation", "Microsoft"),
)


def test_every_vid_tshark_names_is_identified() -> None:
    pairs = _tshark_vids(need_corpus())
    named = {(b, s) for b, s in pairs if s and s != "Unknown Vendor ID"}
    assert len(named) >= 20
    found = {(b, s): identify(bytes.fromhex(b.replace(":", ""))) for b, s in sorted(named)}
    assert [key for key, v in found.items() if v is None] == []
    for (_, tshark_name), ours in found.items():
        assert ours is not None
        for hint, field, value in TSHARK_HINTS:
            if hint in tshark_name:
                assert getattr(ours, field) == value, (tshark_name, ours)
