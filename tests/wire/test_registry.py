"""Registry names checked against the numbers in the RFCs and IANA registries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import pytest

from ikescope.wire import registry as r

# Tables whose registry really gives two numbers the same name: the EC2N
# groups 6-13 come in pairs, two curves per field size.
LEGITIMATE_REPEATS: dict[str, set[str]] = {
    "IKEV1_GROUP_DESCRIPTIONS": {"ec2n163", "ec2n283", "ec2n409", "ec2n571"},
}


def _tables() -> list[tuple[str, Mapping[int, str]]]:
    return [
        (attr, value)
        for attr, value in vars(r).items()
        if attr.isupper()
        and isinstance(value, dict)
        and all(isinstance(k, int) and isinstance(v, str) for k, v in value.items())
    ]


def test_tables_are_found():
    names = {n for n, _ in _tables()}
    assert {"IKEV2_NOTIFY_TYPES", "IKEV1_ESP_TRANSFORM_IDS", "EAP_TYPES"} <= names
    assert len(names) >= 40


@pytest.mark.parametrize("table_name,table", _tables(), ids=[n for n, _ in _tables()])
def test_no_accidental_duplicate_names(table_name, table):
    repeats = {v for v, n in Counter(table.values()).items() if n > 1}
    assert repeats == LEGITIMATE_REPEATS.get(table_name, set())


@pytest.mark.parametrize("table_name,table", _tables(), ids=[n for n, _ in _tables()])
def test_keys_fit_their_fields(table_name, table):
    assert all(0 <= k <= 0xFFFF for k in table), table_name
    assert all(v and v == v.strip() for v in table.values()), table_name


# --- name() -----------------------------------------------------------------


def test_name_known_private_unknown():
    assert r.name({1: "A"}, 1) == "A"
    assert r.name({1: "A"}, 253) == "UNKNOWN(253)"
    assert r.name({1: "A"}, 40960, private=range(40960, 65536)) == "PRIVATE(40960)"
    assert r.name({1: "A"}, 40959, private=range(40960, 65536)) == "UNKNOWN(40959)"
    # a registered value inside a private block keeps its name
    assert r.name({65001: "X"}, 65001, private=range(65001, 65536)) == "X"


# --- exchanges and payloads -------------------------------------------------


@pytest.mark.parametrize(
    "version,value,expected",
    [
        (1, 2, "Identity Protection (Main Mode)"),
        (1, 4, "Aggressive"),
        (1, 5, "Informational"),
        (1, 6, "Transaction (Mode Config)"),
        (1, 32, "Quick Mode"),
        (1, 33, "New Group Mode"),
        (1, 240, "PRIVATE(240)"),
        (1, 100, "UNKNOWN(100)"),
        (2, 34, "IKE_SA_INIT"),
        (2, 35, "IKE_AUTH"),
        (2, 36, "CREATE_CHILD_SA"),
        (2, 37, "INFORMATIONAL"),
        (2, 38, "IKE_SESSION_RESUME"),
        (2, 39, "GSA_AUTH"),
        (2, 40, "GSA_REGISTRATION"),
        (2, 41, "GSA_REKEY"),
        (2, 43, "IKE_INTERMEDIATE"),
        (2, 44, "IKE_FOLLOWUP_KE"),
        (2, 45, "UNKNOWN(45)"),
        (2, 255, "PRIVATE(255)"),
        (2, 2, "UNKNOWN(2)"),
    ],
)
def test_exchange_name(version, value, expected):
    assert r.exchange_name(version, value) == expected


@pytest.mark.parametrize(
    "version,value,expected",
    [
        (1, 0, "NONE"),
        (1, 1, "SA"),
        (1, 8, "HASH"),
        (1, 11, "N"),
        (1, 13, "VID"),
        (1, 14, "ATTR"),
        (1, 15, "SAK"),
        (1, 20, "NAT-D"),
        (1, 21, "NAT-OA"),
        (1, 130, "NAT-D (draft)"),
        (1, 131, "NAT-OA (draft)"),
        (1, 132, "FRAG"),
        (1, 200, "PRIVATE(200)"),
        (1, 50, "UNKNOWN(50)"),
        (2, 0, "NONE"),
        (2, 33, "SA"),
        (2, 34, "KE"),
        (2, 35, "IDi"),
        (2, 36, "IDr"),
        (2, 40, "Nonce"),
        (2, 41, "N"),
        (2, 46, "SK"),
        (2, 47, "CP"),
        (2, 48, "EAP"),
        (2, 49, "GSPM"),
        (2, 53, "SKF"),
        (2, 54, "PS"),
        (2, 55, "UNKNOWN(55)"),
        (2, 128, "PRIVATE(128)"),
        (2, 1, "UNKNOWN(1)"),
    ],
)
def test_payload_name(version, value, expected):
    assert r.payload_name(version, value) == expected


# --- notify -----------------------------------------------------------------


@pytest.mark.parametrize(
    "version,value,expected",
    [
        (1, 1, "INVALID-PAYLOAD-TYPE"),
        (1, 14, "NO-PROPOSAL-CHOSEN"),
        (1, 18, "INVALID-ID-INFORMATION"),
        (1, 24, "AUTHENTICATION-FAILED"),
        (1, 30, "UNEQUAL-PAYLOAD-LENGTHS"),
        (1, 31, "UNKNOWN(31)"),
        (1, 8192, "PRIVATE(8192)"),
        (1, 16383, "PRIVATE(16383)"),
        (1, 16384, "CONNECTED"),
        (1, 24576, "RESPONDER-LIFETIME"),
        (1, 24577, "REPLAY-STATUS"),
        (1, 24578, "INITIAL-CONTACT"),
        (1, 36136, "R-U-THERE"),
        (1, 36137, "R-U-THERE-ACK"),
        (1, 32768, "PRIVATE(32768)"),
        (1, 40960, "UNKNOWN(40960)"),
        (2, 1, "UNSUPPORTED_CRITICAL_PAYLOAD"),
        (2, 4, "INVALID_IKE_SPI"),
        (2, 7, "INVALID_SYNTAX"),
        (2, 9, "INVALID_MESSAGE_ID"),
        (2, 11, "INVALID_SPI"),
        (2, 14, "NO_PROPOSAL_CHOSEN"),
        (2, 17, "INVALID_KE_PAYLOAD"),
        (2, 24, "AUTHENTICATION_FAILED"),
        (2, 34, "SINGLE_PAIR_REQUIRED"),
        (2, 35, "NO_ADDITIONAL_SAS"),
        (2, 36, "INTERNAL_ADDRESS_FAILURE"),
        (2, 37, "FAILED_CP_REQUIRED"),
        (2, 38, "TS_UNACCEPTABLE"),
        (2, 39, "INVALID_SELECTORS"),
        (2, 43, "TEMPORARY_FAILURE"),
        (2, 44, "CHILD_SA_NOT_FOUND"),
        (2, 47, "STATE_NOT_FOUND"),
        (2, 2, "UNKNOWN(2)"),
        (2, 8192, "PRIVATE(8192)"),
        (2, 16384, "INITIAL_CONTACT"),
        (2, 16388, "NAT_DETECTION_SOURCE_IP"),
        (2, 16389, "NAT_DETECTION_DESTINATION_IP"),
        (2, 16390, "COOKIE"),
        (2, 16391, "USE_TRANSPORT_MODE"),
        (2, 16393, "REKEY_SA"),
        (2, 16396, "MOBIKE_SUPPORTED"),
        (2, 16404, "MULTIPLE_AUTH_SUPPORTED"),
        (2, 16406, "REDIRECT_SUPPORTED"),
        (2, 16407, "REDIRECT"),
        (2, 16408, "REDIRECTED_FROM"),
        (2, 16418, "CHILDLESS_IKEV2_SUPPORTED"),
        (2, 16430, "IKEV2_FRAGMENTATION_SUPPORTED"),
        (2, 16431, "SIGNATURE_HASH_ALGORITHMS"),
        (2, 16435, "USE_PPK"),
        (2, 16438, "INTERMEDIATE_EXCHANGE_SUPPORTED"),
        (2, 16441, "ADDITIONAL_KEY_EXCHANGE"),
        (2, 16442, "USE_AGGFRAG"),
        (2, 16443, "SUPPORTED_AUTH_METHODS"),
        (2, 20000, "UNKNOWN(20000)"),
        (2, 40960, "PRIVATE(40960)"),
        (2, 65535, "PRIVATE(65535)"),
    ],
)
def test_notify_name(version, value, expected):
    assert r.notify_name(version, value) == expected


def test_ikev2_status_types_are_contiguous_from_16384():
    status = sorted(k for k in r.IKEV2_NOTIFY_TYPES if k >= 16384)
    assert status == list(range(16384, status[-1] + 1))


def test_ikev2_error_types_are_below_16384_and_named_as_registered():
    errors = {k for k in r.IKEV2_NOTIFY_TYPES if k < 16384}
    assert errors == {1, 4, 5, 7, 9, 11, 14, 17, 24, *range(34, 50)}


@pytest.mark.parametrize(
    "version,value,expected",
    [
        (2, 1, True),
        (2, 24, True),
        (2, 16383, True),
        (2, 16384, False),
        (2, 40960, False),
        (2, 0, False),
        (1, 14, True),
        (1, 8191, True),
        (1, 8192, True),  # private-use error block (RFC 2408 3.14.1)
        (1, 16383, True),
        (1, 16384, False),
        (1, 24578, False),
        (1, 36136, False),
        (1, 0, False),
    ],
)
def test_notify_is_error(version, value, expected):
    assert r.notify_is_error(version, value) is expected


# --- transforms ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (1, "ENCR"),
        (2, "PRF"),
        (3, "INTEG"),
        (4, "KE"),
        (5, "SN"),
        (6, "ADDKE1"),
        (12, "ADDKE7"),
        (13, "KWA"),
        (14, "GCAUTH"),
        (15, "UNKNOWN(15)"),
        (241, "PRIVATE(241)"),
    ],
)
def test_transform_type_name(value, expected):
    assert r.transform_type_name(value) == expected


@pytest.mark.parametrize(
    "version,protocol,ttype,tid,expected",
    [
        (2, 1, 1, 3, "ENCR_3DES"),
        (2, 1, 1, 12, "ENCR_AES_CBC"),
        (2, 3, 1, 13, "ENCR_AES_CTR"),
        (2, 3, 1, 14, "ENCR_AES_CCM_8"),
        (2, 3, 1, 16, "ENCR_AES_CCM_16"),
        (2, 3, 1, 18, "ENCR_AES_GCM_8"),
        (2, 3, 1, 20, "ENCR_AES_GCM_16"),
        (2, 3, 1, 11, "ENCR_NULL"),
        (2, 3, 1, 28, "ENCR_CHACHA20_POLY1305"),
        (2, 3, 1, 17, "UNKNOWN(17)"),
        (2, 1, 2, 2, "PRF_HMAC_SHA1"),
        (2, 1, 2, 5, "PRF_HMAC_SHA2_256"),
        (2, 1, 2, 8, "PRF_AES128_CMAC"),
        (2, 1, 3, 0, "NONE"),
        (2, 1, 3, 2, "AUTH_HMAC_SHA1_96"),
        (2, 1, 3, 12, "AUTH_HMAC_SHA2_256_128"),
        (2, 1, 3, 14, "AUTH_HMAC_SHA2_512_256"),
        (2, 1, 4, 14, "modp2048"),
        (2, 1, 4, 19, "ecp256"),
        (2, 1, 4, 31, "curve25519"),
        (2, 1, 4, 3, "UNKNOWN(3)"),
        (2, 1, 6, 36, "ml-kem-768"),
        (2, 1, 12, 31, "curve25519"),
        (2, 3, 5, 0, "No ESN (32-bit Sequential Numbers)"),
        (2, 3, 5, 1, "ESN (Partially Transmitted 64-bit Sequential Numbers)"),
        (2, 1, 1, 1024, "PRIVATE(1024)"),
        (2, 1, 99, 1, "UNKNOWN(1)"),
        (1, r.PROTO_ISAKMP, 0, 1, "KEY_IKE"),
        (1, r.PROTO_ISAKMP, 0, 2, "UNKNOWN(2)"),
        (1, r.PROTO_IPSEC_AH, 0, 2, "AH_MD5"),
        (1, r.PROTO_IPSEC_AH, 0, 3, "AH_SHA"),
        (1, r.PROTO_IPSEC_AH, 0, 5, "AH_SHA2-256"),
        (1, r.PROTO_IPSEC_ESP, 7, 2, "ESP_DES"),  # ttype ignored in IKEv1
        (1, r.PROTO_IPSEC_ESP, 0, 3, "ESP_3DES"),
        (1, r.PROTO_IPSEC_ESP, 0, 11, "ESP_NULL"),
        (1, r.PROTO_IPSEC_ESP, 0, 12, "ESP_AES-CBC"),
        (1, r.PROTO_IPSEC_ESP, 0, 20, "ESP_AES-GCM_16"),
        (1, r.PROTO_IPSEC_ESP, 0, 23, "ESP_NULL_AUTH_AES-GMAC"),
        (1, r.PROTO_IPSEC_ESP, 0, 249, "PRIVATE(249)"),
        (1, r.PROTO_IPCOMP, 0, 2, "IPCOMP_DEFLATE"),
        (1, r.PROTO_IPCOMP, 0, 3, "IPCOMP_LZS"),
        (1, 9, 0, 1, "UNKNOWN(1)"),
    ],
)
def test_transform_id_name(version, protocol, ttype, tid, expected):
    assert r.transform_id_name(version, protocol, ttype, tid) == expected


def test_addke_types_share_the_ke_table():
    for ttype in range(6, 13):
        assert r.transform_id_name(2, 1, ttype, 35) == r.dh_group_name(35) == "ml-kem-512"


# --- attributes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "version,protocol,atype,expected",
    [
        (1, r.PROTO_ISAKMP, 1, "Encryption Algorithm"),
        (1, r.PROTO_ISAKMP, 0x8001, "Encryption Algorithm"),  # AF bit set
        (1, r.PROTO_ISAKMP, 3, "Authentication Method"),
        (1, r.PROTO_ISAKMP, 4, "Group Description"),
        (1, r.PROTO_ISAKMP, 11, "Life Type"),
        (1, r.PROTO_ISAKMP, 12, "Life Duration"),
        (1, r.PROTO_ISAKMP, 14, "Key Length"),
        (1, r.PROTO_ISAKMP, 16, "Group Order"),
        (1, r.PROTO_ISAKMP, 17, "UNKNOWN(17)"),
        (1, r.PROTO_ISAKMP, 16384, "PRIVATE(16384)"),
        (1, r.PROTO_IPSEC_ESP, 1, "SA Life Type"),
        (1, r.PROTO_IPSEC_ESP, 3, "Group Description"),
        (1, r.PROTO_IPSEC_ESP, 4, "Encapsulation Mode"),
        (1, r.PROTO_IPSEC_AH, 5, "Authentication Algorithm"),
        (1, r.PROTO_IPSEC_ESP, 6, "Key Length"),
        (1, r.PROTO_IPSEC_ESP, 11, "Extended (64-bit) Sequence Number"),
        (1, r.PROTO_IPSEC_ESP, 32001, "PRIVATE(32001)"),
        (2, 1, 14, "Key Length"),
        (2, 3, 0x800E, "Key Length"),
        (2, 1, 1, "UNKNOWN(1)"),
        (2, 1, 16384, "PRIVATE(16384)"),
    ],
)
def test_attribute_name(version, protocol, atype, expected):
    assert r.attribute_name(version, protocol, atype) == expected


@pytest.mark.parametrize(
    "version,protocol,atype,value,expected",
    [
        (1, r.PROTO_ISAKMP, 1, 1, "DES-CBC"),
        (1, r.PROTO_ISAKMP, 1, 5, "3DES-CBC"),
        (1, r.PROTO_ISAKMP, 1, 7, "AES-CBC"),
        (1, r.PROTO_ISAKMP, 1, 65100, "PRIVATE(65100)"),
        (1, r.PROTO_ISAKMP, 2, 1, "MD5"),
        (1, r.PROTO_ISAKMP, 2, 2, "SHA"),
        (1, r.PROTO_ISAKMP, 2, 4, "SHA2-256"),
        (1, r.PROTO_ISAKMP, 3, 1, "Pre-Shared Key"),
        (1, r.PROTO_ISAKMP, 3, 3, "RSA Signatures"),
        (1, r.PROTO_ISAKMP, 3, 64221, "HybridInitRSA"),
        (1, r.PROTO_ISAKMP, 3, 64224, "HybridRespDSS"),
        (1, r.PROTO_ISAKMP, 3, 65001, "XAUTHInitPreShared"),
        (1, r.PROTO_ISAKMP, 3, 65010, "XAUTHRespRSARevisedEncryption"),
        (1, r.PROTO_ISAKMP, 3, 65011, "PRIVATE(65011)"),
        (1, r.PROTO_ISAKMP, 0x8004, 2, "modp1024"),
        (1, r.PROTO_ISAKMP, 4, 14, "modp2048"),
        (1, r.PROTO_ISAKMP, 4, 3, "ec2n155"),
        (1, r.PROTO_ISAKMP, 4, 32768, "PRIVATE(32768)"),
        (1, r.PROTO_ISAKMP, 5, 1, "MODP"),
        (1, r.PROTO_ISAKMP, 11, 1, "seconds"),
        (1, r.PROTO_ISAKMP, 11, 2, "kilobytes"),
        (1, r.PROTO_ISAKMP, 12, 28800, None),
        (1, r.PROTO_ISAKMP, 14, 256, None),
        (1, r.PROTO_IPSEC_ESP, 1, 1, "seconds"),
        (1, r.PROTO_IPSEC_ESP, 2, 3600, None),
        (1, r.PROTO_IPSEC_ESP, 3, 5, "modp1536"),
        (1, r.PROTO_IPSEC_ESP, 4, 1, "Tunnel"),
        (1, r.PROTO_IPSEC_ESP, 4, 2, "Transport"),
        (1, r.PROTO_IPSEC_ESP, 4, 3, "UDP-Encapsulated-Tunnel"),
        (1, r.PROTO_IPSEC_ESP, 4, 4, "UDP-Encapsulated-Transport"),
        (1, r.PROTO_IPSEC_ESP, 4, 61443, "UDP-Encapsulated-Tunnel (draft)"),
        (1, r.PROTO_IPSEC_ESP, 4, 61444, "UDP-Encapsulated-Transport (draft)"),
        (1, r.PROTO_IPSEC_ESP, 4, 61445, "PRIVATE(61445)"),
        (1, r.PROTO_IPSEC_ESP, 5, 1, "HMAC-MD5"),
        (1, r.PROTO_IPSEC_ESP, 5, 2, "HMAC-SHA"),
        (1, r.PROTO_IPSEC_ESP, 5, 5, "HMAC-SHA2-256"),
        (1, r.PROTO_IPSEC_ESP, 5, 99, "UNKNOWN(99)"),
        (1, r.PROTO_IPSEC_ESP, 6, 128, None),
        (2, 1, 14, 256, None),
    ],
)
def test_attribute_value_name(version, protocol, atype, value, expected):
    assert r.attribute_value_name(version, protocol, atype, value) == expected


# --- other single-table helpers ---------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (0, "NONE"),
        (1, "modp768"),
        (2, "modp1024"),
        (5, "modp1536"),
        (14, "modp2048"),
        (15, "modp3072"),
        (16, "modp4096"),
        (18, "modp8192"),
        (19, "ecp256"),
        (20, "ecp384"),
        (21, "ecp521"),
        (22, "modp1024s160"),
        (24, "modp2048s256"),
        (28, "brainpoolP256r1"),
        (31, "curve25519"),
        (32, "curve448"),
        (35, "ml-kem-512"),
        (37, "ml-kem-1024"),
        (3, "UNKNOWN(3)"),
        (1024, "PRIVATE(1024)"),
    ],
)
def test_dh_group_name(value, expected):
    assert r.dh_group_name(value) == expected


def test_ikev1_and_ikev2_groups_agree_where_both_assign():
    shared = r.IKEV1_GROUP_DESCRIPTIONS.keys() & r.IKEV2_KE_IDS.keys()
    assert shared == {1, 2, 5, *range(14, 31)}
    assert all(r.IKEV1_GROUP_DESCRIPTIONS[g] == r.IKEV2_KE_IDS[g] for g in shared)


@pytest.mark.parametrize(
    "version,value,expected",
    [
        (1, 1, "PROTO_ISAKMP"),
        (1, 2, "PROTO_IPSEC_AH"),
        (1, 3, "PROTO_IPSEC_ESP"),
        (1, 4, "PROTO_IPCOMP"),
        (1, 250, "PRIVATE(250)"),
        (2, 1, "IKE"),
        (2, 2, "AH"),
        (2, 3, "ESP"),
        (2, 4, "FC_ESP_HEADER"),
        (2, 0, "UNKNOWN(0)"),
        (2, 201, "PRIVATE(201)"),
    ],
)
def test_protocol_name(version, value, expected):
    assert r.protocol_name(version, value) == expected


@pytest.mark.parametrize(
    "version,value,expected",
    [
        (1, 1, "ID_IPV4_ADDR"),
        (1, 2, "ID_FQDN"),
        (1, 3, "ID_USER_FQDN"),
        (1, 4, "ID_IPV4_ADDR_SUBNET"),
        (1, 9, "ID_DER_ASN1_DN"),
        (1, 11, "ID_KEY_ID"),
        (1, 12, "ID_LIST"),
        (1, 249, "PRIVATE(249)"),
        (2, 1, "ID_IPV4_ADDR"),
        (2, 3, "ID_RFC822_ADDR"),
        (2, 4, "UNKNOWN(4)"),
        (2, 5, "ID_IPV6_ADDR"),
        (2, 9, "ID_DER_ASN1_DN"),
        (2, 11, "ID_KEY_ID"),
        (2, 13, "ID_NULL"),
        (2, 201, "PRIVATE(201)"),
    ],
)
def test_id_type_name(version, value, expected):
    assert r.id_type_name(version, value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (1, "PKCS #7 wrapped X.509 certificate"),
        (4, "X.509 Certificate - Signature"),
        (5, "X.509 Certificate - Key Exchange"),
        (7, "Certificate Revocation List (CRL)"),
        (12, "Hash and URL of X.509 certificate"),
        (15, "Raw Public Key"),
        (16, "UNKNOWN(16)"),
        (201, "PRIVATE(201)"),
    ],
)
def test_cert_encoding_name(value, expected):
    assert r.cert_encoding_name(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (1, "RSA Digital Signature"),
        (2, "Shared Key Message Integrity Code"),
        (3, "DSS Digital Signature"),
        (9, "ECDSA with SHA-256 on the P-256 curve"),
        (11, "ECDSA with SHA-512 on the P-521 curve"),
        (13, "NULL Authentication"),
        (14, "Digital Signature"),
        (4, "UNKNOWN(4)"),
        (255, "PRIVATE(255)"),
    ],
)
def test_auth_method_name(value, expected):
    assert r.auth_method_name(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (7, "TS_IPV4_ADDR_RANGE"),
        (8, "TS_IPV6_ADDR_RANGE"),
        (9, "TS_FC_ADDR_RANGE"),
        (10, "TS_SECLABEL"),
        (1, "UNKNOWN(1)"),
        (241, "PRIVATE(241)"),
    ],
)
def test_ts_type_name(value, expected):
    assert r.ts_type_name(value) == expected


@pytest.mark.parametrize(
    "version,value,expected",
    [
        (1, 1, "ISAKMP_CFG_REQUEST"),
        (1, 2, "ISAKMP_CFG_REPLY"),
        (1, 3, "ISAKMP_CFG_SET"),
        (1, 4, "ISAKMP_CFG_ACK"),
        (2, 1, "CFG_REQUEST"),
        (2, 2, "CFG_REPLY"),
        (2, 3, "CFG_SET"),
        (2, 4, "CFG_ACK"),
        (2, 5, "UNKNOWN(5)"),
        (2, 128, "PRIVATE(128)"),
    ],
)
def test_cfg_type_name(version, value, expected):
    assert r.cfg_type_name(version, value) == expected


@pytest.mark.parametrize(
    "version,value,expected",
    [
        (1, 1, "INTERNAL_IP4_ADDRESS"),
        (1, 5, "INTERNAL_ADDRESS_EXPIRY"),
        (1, 0x8001, "INTERNAL_IP4_ADDRESS"),
        (1, 16520, "XAUTH-TYPE"),
        (1, 16521, "XAUTH-USER-NAME"),
        (1, 16522, "XAUTH-USER-PASSWORD"),
        (1, 16527, "XAUTH-STATUS"),
        (1, 16529, "XAUTH-ANSWER"),
        (1, 28672, "UNITY_BANNER"),
        (1, 16530, "PRIVATE(16530)"),
        (2, 1, "INTERNAL_IP4_ADDRESS"),
        (2, 3, "INTERNAL_IP4_DNS"),
        (2, 5, "UNKNOWN(5)"),
        (2, 8, "INTERNAL_IP6_ADDRESS"),
        (2, 10, "INTERNAL_IP6_DNS"),
        (2, 13, "INTERNAL_IP4_SUBNET"),
        (2, 25, "INTERNAL_DNS_DOMAIN"),
        (2, 16384, "PRIVATE(16384)"),
    ],
)
def test_cfg_attribute_name(version, value, expected):
    assert r.cfg_attribute_name(version, value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        (1, "Identity"),
        (2, "Notification"),
        (3, "Legacy Nak"),
        (4, "MD5-Challenge"),
        (13, "EAP-TLS"),
        (18, "EAP-SIM"),
        (21, "EAP-TTLS"),
        (23, "EAP-AKA"),
        (25, "PEAP"),
        (26, "MS-EAP-Authentication (MSCHAPv2)"),
        (50, "EAP-AKA'"),
        (7, "UNKNOWN(7)"),
    ],
)
def test_eap_type_name(value, expected):
    assert r.eap_type_name(value) == expected


# --- weak algorithms ------------------------------------------------------------


@pytest.mark.parametrize("group", [1, 2, 5, 22, 23, 24])
def test_weak_dh_groups(group):
    assert r.weak_dh(group)


@pytest.mark.parametrize("group", [14, 15, 19, 20, 21, 31, 32, 36])
def test_strong_dh_groups(group):
    assert not r.weak_dh(group)


@pytest.mark.parametrize(
    "version,protocol,tid,expected",
    [
        (2, 1, 2, True),  # ENCR_DES
        (2, 1, 3, True),  # ENCR_3DES
        (2, 3, 11, True),  # ENCR_NULL
        (2, 3, 21, True),  # NULL_AUTH_AES_GMAC
        (2, 1, 12, False),
        (2, 3, 20, False),
        (2, 3, 28, False),
        (1, r.PROTO_ISAKMP, 1, True),  # DES-CBC attribute value
        (1, r.PROTO_ISAKMP, 5, True),  # 3DES-CBC
        (1, r.PROTO_ISAKMP, 7, False),  # AES-CBC
        (1, r.PROTO_IPSEC_ESP, 2, True),  # ESP_DES
        (1, r.PROTO_IPSEC_ESP, 3, True),  # ESP_3DES
        (1, r.PROTO_IPSEC_ESP, 11, True),  # ESP_NULL
        (1, r.PROTO_IPSEC_ESP, 12, False),
        (1, r.PROTO_IPSEC_ESP, 20, False),
        (1, r.PROTO_IPSEC_AH, 2, False),
    ],
)
def test_weak_encryption(version, protocol, tid, expected):
    assert r.weak_encryption(version, protocol, tid) is expected


@pytest.mark.parametrize(
    "version,protocol,tid,expected",
    [
        (2, 1, 1, True),  # AUTH_HMAC_MD5_96
        (2, 3, 2, True),  # AUTH_HMAC_SHA1_96
        (2, 3, 0, False),  # NONE alongside an AEAD cipher
        (2, 3, 12, False),
        (1, r.PROTO_IPSEC_AH, 2, True),  # AH_MD5
        (1, r.PROTO_IPSEC_AH, 3, True),  # AH_SHA
        (1, r.PROTO_IPSEC_AH, 5, False),
        (1, r.PROTO_IPSEC_ESP, 1, True),  # HMAC-MD5 attribute value
        (1, r.PROTO_IPSEC_ESP, 5, False),
        (1, r.PROTO_ISAKMP, 1, False),
    ],
)
def test_weak_integrity(version, protocol, tid, expected):
    assert r.weak_integrity(version, protocol, tid) is expected


@pytest.mark.parametrize(
    "version,protocol,value,expected",
    [
        (1, r.PROTO_ISAKMP, 1, True),  # MD5
        (1, r.PROTO_ISAKMP, 2, True),  # SHA
        (1, r.PROTO_ISAKMP, 4, False),
        (1, r.PROTO_IPSEC_ESP, 1, False),
        (2, 1, 1, True),  # PRF_HMAC_MD5
        (2, 1, 2, True),  # PRF_HMAC_SHA1
        (2, 1, 5, False),
    ],
)
def test_weak_hash(version, protocol, value, expected):
    assert r.weak_hash(version, protocol, value) is expected


def test_weak_sets_only_name_registered_values():
    assert r.WEAK_DH_GROUPS <= r.IKEV1_GROUP_DESCRIPTIONS.keys()
    for tid in range(0, 64):
        if r.weak_encryption(2, 3, tid):
            assert tid in r.IKEV2_ENCRYPTION_IDS
        if r.weak_integrity(2, 3, tid):
            assert tid in r.IKEV2_INTEGRITY_IDS
        if r.weak_encryption(1, r.PROTO_IPSEC_ESP, tid):
            assert tid in r.IKEV1_ESP_TRANSFORM_IDS
