"""Names for every registered IKE/ISAKMP number.

The decoder keeps numbers as plain ints (open enums) and the renderers ask here
for a name, so a value nobody registered still shows what it was on the wire
("UNKNOWN(253)") and a vendor's private-use value is told apart from a
malformed one ("PRIVATE(40960)").

Tables are written from the IANA registries "Internet Key Exchange Version 2
(IKEv2) Parameters", "Internet Security Association and Key Management
Protocol (ISAKMP) Identifiers" and "Internet Key Exchange (IKE) Attributes",
and from the RFCs and drafts cited above each one. Only assigned values are
listed; reserved and unassigned ones fall through to ``UNKNOWN(n)``.
Helpers taking a ``version`` use the IKEv1 tables for 1 and the IKEv2 tables
for anything else, so a bogus major version still gets the newer names.
"""

from __future__ import annotations

from collections.abc import Mapping

# ---------------------------------------------------------------------------
# Shared identifiers
# ---------------------------------------------------------------------------

#: Protocol ids as carried in Proposal, Notify and Delete payloads
#: (RFC 2407 4.4.1 "IPSEC Security Protocol Identifier", RFC 7296 3.3.1).
PROTO_ISAKMP = 1
PROTO_IPSEC_AH = 2
PROTO_IPSEC_ESP = 3
PROTO_IPCOMP = 4

#: IKEv2 transform types whose ids name a key exchange method: KE itself and
#: the seven additional key exchanges of RFC 9370.
_KE_TRANSFORM_TYPES = frozenset({4, *range(6, 13)})

# ---------------------------------------------------------------------------
# IKEv1 / ISAKMP (RFC 2407, RFC 2408, RFC 2409 and the IANA ISAKMP/IKE registries)
# ---------------------------------------------------------------------------

# IANA "ISAKMP Exchange Types" (RFC 2408 3.1; 32/33 from RFC 2409 Appendix A;
# 6 is the Transaction exchange of draft-ietf-ipsec-isakmp-mode-cfg).
# 7-31 ISAKMP future use, 34-239 DOI specific, 240-255 private use.
IKEV1_EXCHANGE_TYPES: Mapping[int, str] = {
    0: "NONE",
    1: "Base",
    2: "Identity Protection (Main Mode)",
    3: "Authentication Only",
    4: "Aggressive",
    5: "Informational",
    6: "Transaction (Mode Config)",
    32: "Quick Mode",
    33: "New Group Mode",
}
IKEV1_EXCHANGE_PRIVATE = range(240, 256)

# IANA "ISAKMP Next Payload Types" (RFC 2408 3.1; 14 from the mode-cfg draft;
# 15-19 RFC 3547 GDOI; 20/21 RFC 3947 NAT-T; 22 RFC 6407). 130/131 are the
# NAT-T draft numbers (draft-ietf-ipsec-nat-t-ike-02/03) and 132 the de facto
# IKEv1 fragmentation payload, all in the 128-255 private-use range.
IKEV1_PAYLOAD_TYPES: Mapping[int, str] = {
    0: "NONE",
    1: "SA",
    2: "P",
    3: "T",
    4: "KE",
    5: "ID",
    6: "CERT",
    7: "CR",
    8: "HASH",
    9: "SIG",
    10: "NONCE",
    11: "N",
    12: "D",
    13: "VID",
    14: "ATTR",
    15: "SAK",
    16: "SAT",
    17: "KD",
    18: "SEQ",
    19: "POP",
    20: "NAT-D",
    21: "NAT-OA",
    22: "GAP",
    130: "NAT-D (draft)",
    131: "NAT-OA (draft)",
    132: "FRAG",
}
IKEV1_PAYLOAD_PRIVATE = range(128, 256)

# IANA "Notify Message Types" for ISAKMP (RFC 2408 3.14.1): error types 1-30
# (31-8191 future use, 8192-16383 private use); status CONNECTED 16384;
# 24576-24578 are IPsec DOI status types (RFC 2407 4.6.3); 36136/36137 are
# dead peer detection (RFC 3706), inside the 32768-40959 private-use range.
IKEV1_NOTIFY_TYPES: Mapping[int, str] = {
    1: "INVALID-PAYLOAD-TYPE",
    2: "DOI-NOT-SUPPORTED",
    3: "SITUATION-NOT-SUPPORTED",
    4: "INVALID-COOKIE",
    5: "INVALID-MAJOR-VERSION",
    6: "INVALID-MINOR-VERSION",
    7: "INVALID-EXCHANGE-TYPE",
    8: "INVALID-FLAGS",
    9: "INVALID-MESSAGE-ID",
    10: "INVALID-PROTOCOL-ID",
    11: "INVALID-SPI",
    12: "INVALID-TRANSFORM-ID",
    13: "ATTRIBUTES-NOT-SUPPORTED",
    14: "NO-PROPOSAL-CHOSEN",
    15: "BAD-PROPOSAL-SYNTAX",
    16: "PAYLOAD-MALFORMED",
    17: "INVALID-KEY-INFORMATION",
    18: "INVALID-ID-INFORMATION",
    19: "INVALID-CERT-ENCODING",
    20: "INVALID-CERTIFICATE",
    21: "CERT-TYPE-UNSUPPORTED",
    22: "INVALID-CERT-AUTHORITY",
    23: "INVALID-HASH-INFORMATION",
    24: "AUTHENTICATION-FAILED",
    25: "INVALID-SIGNATURE",
    26: "ADDRESS-NOTIFICATION",
    27: "NOTIFY-SA-LIFETIME",
    28: "CERTIFICATE-UNAVAILABLE",
    29: "UNSUPPORTED-EXCHANGE-TYPE",
    30: "UNEQUAL-PAYLOAD-LENGTHS",
    16384: "CONNECTED",
    24576: "RESPONDER-LIFETIME",
    24577: "REPLAY-STATUS",
    24578: "INITIAL-CONTACT",
    36136: "R-U-THERE",
    36137: "R-U-THERE-ACK",
}
IKEV1_NOTIFY_ERROR_PRIVATE = range(8192, 16384)
IKEV1_NOTIFY_STATUS_PRIVATE = range(32768, 40960)
#: RFC 2408 3.14.1 lists 1-16383 (including the private block) as error types.
IKEV1_NOTIFY_ERROR_LIMIT = 16384

# IANA "IPSEC Security Protocol Identifiers" (RFC 2407 4.4.1; 5 RFC 4705).
# 249-255 private use.
IKEV1_PROTOCOL_IDS: Mapping[int, str] = {
    1: "PROTO_ISAKMP",
    2: "PROTO_IPSEC_AH",
    3: "PROTO_IPSEC_ESP",
    4: "PROTO_IPCOMP",
    5: "PROTO_GIGABEAM_RADIO",
}
IKEV1_PROTOCOL_PRIVATE = range(249, 256)

# IANA "IPSEC ISAKMP Transform Identifiers" (RFC 2407 4.4.2).
IKEV1_ISAKMP_TRANSFORM_IDS: Mapping[int, str] = {
    1: "KEY_IKE",
}

# IANA "IPSEC AH Transform Identifiers" (RFC 2407 4.4.3; 5-7 RFC 4868,
# 8 RFC 2857, 9 RFC 3566, 10 RFC 4359, 11-13 RFC 4543).
IKEV1_AH_TRANSFORM_IDS: Mapping[int, str] = {
    2: "AH_MD5",
    3: "AH_SHA",
    4: "AH_DES",
    5: "AH_SHA2-256",
    6: "AH_SHA2-384",
    7: "AH_SHA2-512",
    8: "AH_RIPEMD",
    9: "AH_AES-XCBC-MAC",
    10: "AH_RSA",
    11: "AH_AES-128-GMAC",
    12: "AH_AES-192-GMAC",
    13: "AH_AES-256-GMAC",
}

# IANA "IPSEC ESP Transform Identifiers" (RFC 2407 4.4.4; 12 RFC 3602,
# 13 RFC 3686, 14-16 RFC 4309, 18-20 RFC 4106, 21 RFC 4196, 22 RFC 4312,
# 23 RFC 4543).
IKEV1_ESP_TRANSFORM_IDS: Mapping[int, str] = {
    1: "ESP_DES_IV64",
    2: "ESP_DES",
    3: "ESP_3DES",
    4: "ESP_RC5",
    5: "ESP_IDEA",
    6: "ESP_CAST",
    7: "ESP_BLOWFISH",
    8: "ESP_3IDEA",
    9: "ESP_DES_IV32",
    10: "ESP_RC4",
    11: "ESP_NULL",
    12: "ESP_AES-CBC",
    13: "ESP_AES-CTR",
    14: "ESP_AES-CCM_8",
    15: "ESP_AES-CCM_12",
    16: "ESP_AES-CCM_16",
    18: "ESP_AES-GCM_8",
    19: "ESP_AES-GCM_12",
    20: "ESP_AES-GCM_16",
    21: "ESP_SEED_CBC",
    22: "ESP_CAMELLIA",
    23: "ESP_NULL_AUTH_AES-GMAC",
}

# IANA "IPSEC IPCOMP Transform Identifiers" (RFC 2407 4.4.5; 4 RFC 3051).
# The same numbers are used by the IKEv2 IPCOMP_SUPPORTED notify.
IPCOMP_TRANSFORM_IDS: Mapping[int, str] = {
    1: "IPCOMP_OUI",
    2: "IPCOMP_DEFLATE",
    3: "IPCOMP_LZS",
    4: "IPCOMP_LZJH",
}
#: RFC 2407 4.4.2-4.4.5: transform ids 249-255 are private use.
IKEV1_TRANSFORM_PRIVATE = range(249, 256)

# IANA "Internet Key Exchange (IKE) Attributes" - phase 1 attribute classes
# (RFC 2409 Appendix A). 16384-32767 private use.
IKEV1_PHASE1_ATTRIBUTES: Mapping[int, str] = {
    1: "Encryption Algorithm",
    2: "Hash Algorithm",
    3: "Authentication Method",
    4: "Group Description",
    5: "Group Type",
    6: "Group Prime/Irreducible Polynomial",
    7: "Group Generator One",
    8: "Group Generator Two",
    9: "Group Curve A",
    10: "Group Curve B",
    11: "Life Type",
    12: "Life Duration",
    13: "PRF",
    14: "Key Length",
    15: "Field Size",
    16: "Group Order",
}
IKEV1_PHASE1_ATTRIBUTE_PRIVATE = range(16384, 32768)

# IKE Attribute 1 "Encryption Algorithm" (RFC 2409 App. A; 7 RFC 3602,
# 8 RFC 4312). 65001-65535 private use.
IKEV1_ENCRYPTION_ALGORITHMS: Mapping[int, str] = {
    1: "DES-CBC",
    2: "IDEA-CBC",
    3: "Blowfish-CBC",
    4: "RC5-R16-B64-CBC",
    5: "3DES-CBC",
    6: "CAST-CBC",
    7: "AES-CBC",
    8: "CAMELLIA-CBC",
}

# IKE Attribute 2 "Hash Algorithm" (RFC 2409 App. A; 4-6 RFC 4868).
# 65001-65535 private use.
IKEV1_HASH_ALGORITHMS: Mapping[int, str] = {
    1: "MD5",
    2: "SHA",
    3: "Tiger",
    4: "SHA2-256",
    5: "SHA2-384",
    6: "SHA2-512",
}

# IKE Attribute 3 "Authentication Method" (RFC 2409 App. A; 9-11 RFC 4754).
# 64221-64224 are the hybrid modes of draft-ietf-ipsec-isakmp-hybrid-auth and
# 65001-65010 the XAUTH modes of draft-beaulieu-ike-xauth, as every
# implementation uses them; 65001-65535 is the private-use range.
IKEV1_AUTH_METHODS: Mapping[int, str] = {
    1: "Pre-Shared Key",
    2: "DSS Signatures",
    3: "RSA Signatures",
    4: "Encryption with RSA",
    5: "Revised Encryption with RSA",
    9: "ECDSA with SHA-256 on the P-256 curve",
    10: "ECDSA with SHA-384 on the P-384 curve",
    11: "ECDSA with SHA-512 on the P-521 curve",
    64221: "HybridInitRSA",
    64222: "HybridRespRSA",
    64223: "HybridInitDSS",
    64224: "HybridRespDSS",
    65001: "XAUTHInitPreShared",
    65002: "XAUTHRespPreShared",
    65003: "XAUTHInitDSS",
    65004: "XAUTHRespDSS",
    65005: "XAUTHInitRSA",
    65006: "XAUTHRespRSA",
    65007: "XAUTHInitRSAEncryption",
    65008: "XAUTHRespRSAEncryption",
    65009: "XAUTHInitRSARevisedEncryption",
    65010: "XAUTHRespRSARevisedEncryption",
}
IKEV1_ALGORITHM_PRIVATE = range(65001, 65536)

# IKE Attribute 4 "Group Description" (RFC 2409 6; 3/4 EC2N groups of
# RFC 2409 6.3/6.4; 6-13 EC2N groups of draft-ietf-ipsec-ike-ecc-groups,
# listed in pairs under one field size; 14-18 RFC 3526; 19-21 RFC 5903;
# 22-26 RFC 5114; 27-30 RFC 6932). 32768-65535 private use.
IKEV1_GROUP_DESCRIPTIONS: Mapping[int, str] = {
    1: "modp768",
    2: "modp1024",
    3: "ec2n155",
    4: "ec2n185",
    5: "modp1536",
    6: "ec2n163",
    7: "ec2n163",
    8: "ec2n283",
    9: "ec2n283",
    10: "ec2n409",
    11: "ec2n409",
    12: "ec2n571",
    13: "ec2n571",
    14: "modp2048",
    15: "modp3072",
    16: "modp4096",
    17: "modp6144",
    18: "modp8192",
    19: "ecp256",
    20: "ecp384",
    21: "ecp521",
    22: "modp1024s160",
    23: "modp2048s224",
    24: "modp2048s256",
    25: "ecp192",
    26: "ecp224",
    27: "brainpoolP224r1",
    28: "brainpoolP256r1",
    29: "brainpoolP384r1",
    30: "brainpoolP512r1",
}
GROUP_DESCRIPTION_PRIVATE = range(32768, 65536)

# IKE Attribute 5 "Group Type" (RFC 2409 App. A). 65001-65535 private use.
IKEV1_GROUP_TYPES: Mapping[int, str] = {
    1: "MODP",
    2: "ECP",
    3: "EC2N",
}

# IKE Attribute 11 "Life Type" (RFC 2409 App. A). 65001-65535 private use.
IKEV1_LIFE_TYPES: Mapping[int, str] = {
    1: "seconds",
    2: "kilobytes",
}

# IANA "IPSEC Security Association Attributes" for phase 2 (RFC 2407 4.5;
# 10 RFC 3168, 11 RFC 4304, 13 RFC 4359, 14/15 RFC 6407).
# 32001-32767 private use.
IKEV1_PHASE2_ATTRIBUTES: Mapping[int, str] = {
    1: "SA Life Type",
    2: "SA Life Duration",
    3: "Group Description",
    4: "Encapsulation Mode",
    5: "Authentication Algorithm",
    6: "Key Length",
    7: "Key Rounds",
    8: "Compress Dictionary Size",
    9: "Compress Private Algorithm",
    10: "ECN Tunnel",
    11: "Extended (64-bit) Sequence Number",
    12: "Authentication Key Length",
    13: "Signature Encoding Algorithm",
    14: "Address Preservation",
    15: "SA Direction",
}
IKEV1_PHASE2_ATTRIBUTE_PRIVATE = range(32001, 32768)

# IPsec DOI attribute 1 "SA Life Type" (RFC 2407 4.5). 61440-65535 private use.
IKEV1_SA_LIFE_TYPES: Mapping[int, str] = {
    1: "seconds",
    2: "kilobytes",
}

# IPsec DOI attribute 4 "Encapsulation Mode" (RFC 2407 4.5; 3/4 RFC 3947;
# 61443/61444 are the private-range values of the NAT-T drafts that older
# peers still send).
IKEV1_ENCAPSULATION_MODES: Mapping[int, str] = {
    1: "Tunnel",
    2: "Transport",
    3: "UDP-Encapsulated-Tunnel",
    4: "UDP-Encapsulated-Transport",
    61443: "UDP-Encapsulated-Tunnel (draft)",
    61444: "UDP-Encapsulated-Transport (draft)",
}

# IPsec DOI attribute 5 "Authentication Algorithm" (RFC 2407 4.5; 5-7
# RFC 4868, 8 RFC 2857, 9 RFC 3566, 10 RFC 4359, 11-13 RFC 4543).
IKEV1_AUTH_ALGORITHMS: Mapping[int, str] = {
    1: "HMAC-MD5",
    2: "HMAC-SHA",
    3: "DES-MAC",
    4: "KPDK",
    5: "HMAC-SHA2-256",
    6: "HMAC-SHA2-384",
    7: "HMAC-SHA2-512",
    8: "HMAC-RIPEMD",
    9: "AES-XCBC-MAC",
    10: "SIG-RSA",
    11: "AES-128-GMAC",
    12: "AES-192-GMAC",
    13: "AES-256-GMAC",
}
#: RFC 2407 4.5: private use for phase 2 attribute values.
IKEV1_PHASE2_VALUE_PRIVATE = range(61440, 65536)

# IPsec DOI attribute 10 "ECN Tunnel" (RFC 3168 9.2.1).
IKEV1_ECN_TUNNEL: Mapping[int, str] = {
    1: "Allowed",
    2: "Forbidden",
}

# IPsec DOI attribute 11 "Extended (64-bit) Sequence Number" (RFC 4304).
IKEV1_ESN: Mapping[int, str] = {
    1: "64-bit Sequence Number",
}

# IPsec DOI attribute 13 "Signature Encoding Algorithm" (RFC 4359).
IKEV1_SIGNATURE_ENCODINGS: Mapping[int, str] = {
    1: "RSASSA-PKCS1-v1_5",
    2: "RSASSA-PSS",
}

# IPsec DOI attribute 14 "Address Preservation" (RFC 6407 5.3.1).
IKEV1_ADDRESS_PRESERVATION: Mapping[int, str] = {
    1: "None",
    2: "Source-Only",
    3: "Destination-Only",
    4: "Source-And-Destination",
}

# IPsec DOI attribute 15 "SA Direction" (RFC 6407 5.3.1).
IKEV1_SA_DIRECTIONS: Mapping[int, str] = {
    1: "Sender-Only",
    2: "Receiver-Only",
    3: "Symmetric",
}

# IANA "IPSEC Identification Type" (RFC 2407 4.6.2.1; 12 RFC 3554).
# 249-255 private use.
IKEV1_ID_TYPES: Mapping[int, str] = {
    1: "ID_IPV4_ADDR",
    2: "ID_FQDN",
    3: "ID_USER_FQDN",
    4: "ID_IPV4_ADDR_SUBNET",
    5: "ID_IPV6_ADDR",
    6: "ID_IPV6_ADDR_SUBNET",
    7: "ID_IPV4_ADDR_RANGE",
    8: "ID_IPV6_ADDR_RANGE",
    9: "ID_DER_ASN1_DN",
    10: "ID_DER_ASN1_GN",
    11: "ID_KEY_ID",
    12: "ID_LIST",
}
IKEV1_ID_PRIVATE = range(249, 256)

# Mode-cfg "Attribute Message Type" (draft-ietf-ipsec-isakmp-mode-cfg-05
# 3.2). 5-127 future use, 128-255 private use.
IKEV1_CFG_TYPES: Mapping[int, str] = {
    1: "ISAKMP_CFG_REQUEST",
    2: "ISAKMP_CFG_REPLY",
    3: "ISAKMP_CFG_SET",
    4: "ISAKMP_CFG_ACK",
}

# Mode-cfg attribute types (draft-ietf-ipsec-isakmp-mode-cfg-05 3.3), the XAUTH
# attributes 16520-16529 (draft-beaulieu-ike-xauth-02 / draft-ietf-ipsec-
# isakmp-xauth-06 4.2) and the widely deployed Cisco Unity attributes
# 28672-28682, all but the base set inside the 16384-32767 private range.
IKEV1_CFG_ATTRIBUTES: Mapping[int, str] = {
    1: "INTERNAL_IP4_ADDRESS",
    2: "INTERNAL_IP4_NETMASK",
    3: "INTERNAL_IP4_DNS",
    4: "INTERNAL_IP4_NBNS",
    5: "INTERNAL_ADDRESS_EXPIRY",
    6: "INTERNAL_IP4_DHCP",
    7: "APPLICATION_VERSION",
    8: "INTERNAL_IP6_ADDRESS",
    9: "INTERNAL_IP6_NETMASK",
    10: "INTERNAL_IP6_DNS",
    11: "INTERNAL_IP6_NBNS",
    12: "INTERNAL_IP6_DHCP",
    13: "INTERNAL_IP4_SUBNET",
    14: "SUPPORTED_ATTRIBUTES",
    15: "INTERNAL_IP6_SUBNET",
    16520: "XAUTH-TYPE",
    16521: "XAUTH-USER-NAME",
    16522: "XAUTH-USER-PASSWORD",
    16523: "XAUTH-PASSCODE",
    16524: "XAUTH-MESSAGE",
    16525: "XAUTH-CHALLENGE",
    16526: "XAUTH-DOMAIN",
    16527: "XAUTH-STATUS",
    16528: "XAUTH-NEXT-PIN",
    16529: "XAUTH-ANSWER",
    28672: "UNITY_BANNER",
    28673: "UNITY_SAVE_PASSWD",
    28674: "UNITY_DEF_DOMAIN",
    28675: "UNITY_SPLITDNS_NAME",
    28676: "UNITY_SPLIT_INCLUDE",
    28677: "UNITY_NATT_PORT",
    28678: "UNITY_LOCAL_LAN",
    28679: "UNITY_PFS",
    28680: "UNITY_FW_TYPE",
    28681: "UNITY_BACKUP_SERVERS",
    28682: "UNITY_DDNS_HOSTNAME",
}

# ---------------------------------------------------------------------------
# IKEv2 (RFC 7296 and the IANA "Internet Key Exchange Version 2 (IKEv2)
# Parameters" registry)
# ---------------------------------------------------------------------------

# IANA "IKEv2 Exchange Types" (RFC 7296; 38 RFC 5723; 39-42 RFC 9838 G-IKEv2;
# 43 RFC 9242; 44 RFC 9370). 240-255 private use.
IKEV2_EXCHANGE_TYPES: Mapping[int, str] = {
    34: "IKE_SA_INIT",
    35: "IKE_AUTH",
    36: "CREATE_CHILD_SA",
    37: "INFORMATIONAL",
    38: "IKE_SESSION_RESUME",
    39: "GSA_AUTH",
    40: "GSA_REGISTRATION",
    41: "GSA_REKEY",
    42: "GSA_INBAND_REKEY",
    43: "IKE_INTERMEDIATE",
    44: "IKE_FOLLOWUP_KE",
}
IKEV2_EXCHANGE_PRIVATE = range(240, 256)

# IANA "IKEv2 Payload Types" (RFC 7296 3.2; 49 RFC 6467; 50-52 RFC 9838;
# 53 RFC 7383; 54 RFC 8019). 128-255 private use.
IKEV2_PAYLOAD_TYPES: Mapping[int, str] = {
    0: "NONE",
    33: "SA",
    34: "KE",
    35: "IDi",
    36: "IDr",
    37: "CERT",
    38: "CERTREQ",
    39: "AUTH",
    40: "Nonce",
    41: "N",
    42: "D",
    43: "V",
    44: "TSi",
    45: "TSr",
    46: "SK",
    47: "CP",
    48: "EAP",
    49: "GSPM",
    50: "IDg",
    51: "GSA",
    52: "KD",
    53: "SKF",
    54: "PS",
}
IKEV2_PAYLOAD_PRIVATE = range(128, 256)

# IANA "IKEv2 Notify Message Error Types" (RFC 7296 3.10.1; 40/41 RFC 4555;
# 42 RFC 5026; 45/46/49 RFC 9838; 47 RFC 9370; 48 RFC 9611) and
# "IKEv2 Notify Message Status Types" (RFC 7296; 16396-16402 RFC 4555;
# 16403 RFC 4478; 16404/16405 RFC 4739; 16406-16408 RFC 5685; 16409-16413
# RFC 5723; 16414 RFC 5739; 16415 RFC 5840; 16416 RFC 5857; 16417 RFC 5998;
# 16418 RFC 6023; 16419 RFC 6290; 16420-16423 RFC 6311; 16424 RFC 6467;
# 16425/16426 RFC 6631; 16427 RFC 6867; 16428 3GPP TS 24.303; 16429 RFC 9838;
# 16430 RFC 7383; 16431 RFC 7427; 16432/16433 RFC 7791; 16434 RFC 8019;
# 16435-16437 RFC 8784; 16438 RFC 9242; 16439/16440 RFC 8983; 16441
# RFC 9370; 16442 RFC 9347; 16443 RFC 9593; 16444 RFC 9611; 16445/16446
# RFC 9867).
# 8192-16383 private-use errors, 40960-65535 private-use status.
IKEV2_NOTIFY_TYPES: Mapping[int, str] = {
    1: "UNSUPPORTED_CRITICAL_PAYLOAD",
    4: "INVALID_IKE_SPI",
    5: "INVALID_MAJOR_VERSION",
    7: "INVALID_SYNTAX",
    9: "INVALID_MESSAGE_ID",
    11: "INVALID_SPI",
    14: "NO_PROPOSAL_CHOSEN",
    17: "INVALID_KE_PAYLOAD",
    24: "AUTHENTICATION_FAILED",
    34: "SINGLE_PAIR_REQUIRED",
    35: "NO_ADDITIONAL_SAS",
    36: "INTERNAL_ADDRESS_FAILURE",
    37: "FAILED_CP_REQUIRED",
    38: "TS_UNACCEPTABLE",
    39: "INVALID_SELECTORS",
    40: "UNACCEPTABLE_ADDRESSES",
    41: "UNEXPECTED_NAT_DETECTED",
    42: "USE_ASSIGNED_HoA",
    43: "TEMPORARY_FAILURE",
    44: "CHILD_SA_NOT_FOUND",
    45: "INVALID_GROUP_ID",
    46: "AUTHORIZATION_FAILED",
    47: "STATE_NOT_FOUND",
    48: "TS_MAX_QUEUE",
    49: "REGISTRATION_FAILED",
    16384: "INITIAL_CONTACT",
    16385: "SET_WINDOW_SIZE",
    16386: "ADDITIONAL_TS_POSSIBLE",
    16387: "IPCOMP_SUPPORTED",
    16388: "NAT_DETECTION_SOURCE_IP",
    16389: "NAT_DETECTION_DESTINATION_IP",
    16390: "COOKIE",
    16391: "USE_TRANSPORT_MODE",
    16392: "HTTP_CERT_LOOKUP_SUPPORTED",
    16393: "REKEY_SA",
    16394: "ESP_TFC_PADDING_NOT_SUPPORTED",
    16395: "NON_FIRST_FRAGMENTS_ALSO",
    16396: "MOBIKE_SUPPORTED",
    16397: "ADDITIONAL_IP4_ADDRESS",
    16398: "ADDITIONAL_IP6_ADDRESS",
    16399: "NO_ADDITIONAL_ADDRESSES",
    16400: "UPDATE_SA_ADDRESSES",
    16401: "COOKIE2",
    16402: "NO_NATS_ALLOWED",
    16403: "AUTH_LIFETIME",
    16404: "MULTIPLE_AUTH_SUPPORTED",
    16405: "ANOTHER_AUTH_FOLLOWS",
    16406: "REDIRECT_SUPPORTED",
    16407: "REDIRECT",
    16408: "REDIRECTED_FROM",
    16409: "TICKET_LT_OPAQUE",
    16410: "TICKET_REQUEST",
    16411: "TICKET_ACK",
    16412: "TICKET_NACK",
    16413: "TICKET_OPAQUE",
    16414: "LINK_ID",
    16415: "USE_WESP_MODE",
    16416: "ROHC_SUPPORTED",
    16417: "EAP_ONLY_AUTHENTICATION",
    16418: "CHILDLESS_IKEV2_SUPPORTED",
    16419: "QUICK_CRASH_DETECTION",
    16420: "IKEV2_MESSAGE_ID_SYNC_SUPPORTED",
    16421: "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED",
    16422: "IKEV2_MESSAGE_ID_SYNC",
    16423: "IPSEC_REPLAY_COUNTER_SYNC",
    16424: "SECURE_PASSWORD_METHODS",
    16425: "PSK_PERSIST",
    16426: "PSK_CONFIRM",
    16427: "ERX_SUPPORTED",
    16428: "IFOM_CAPABILITY",
    16429: "GROUP_SENDER",
    16430: "IKEV2_FRAGMENTATION_SUPPORTED",
    16431: "SIGNATURE_HASH_ALGORITHMS",
    16432: "CLONE_IKE_SA_SUPPORTED",
    16433: "CLONE_IKE_SA",
    16434: "PUZZLE",
    16435: "USE_PPK",
    16436: "PPK_IDENTITY",
    16437: "NO_PPK_AUTH",
    16438: "INTERMEDIATE_EXCHANGE_SUPPORTED",
    16439: "IP4_ALLOWED",
    16440: "IP6_ALLOWED",
    16441: "ADDITIONAL_KEY_EXCHANGE",
    16442: "USE_AGGFRAG",
    16443: "SUPPORTED_AUTH_METHODS",
    16444: "SA_RESOURCE_INFO",
    16445: "USE_PPK_INT",
    16446: "PPK_IDENTITY_KEY",
}
IKEV2_NOTIFY_ERROR_PRIVATE = range(8192, 16384)
IKEV2_NOTIFY_STATUS_PRIVATE = range(40960, 65536)
#: RFC 7296 3.10.1: types below 16384 report errors.
IKEV2_NOTIFY_ERROR_LIMIT = 16384

# IANA "Transform Type Values" (RFC 7296 3.3.2; 4 renamed "Key Exchange
# Method" and 6-12 added by RFC 9370; 5 renamed "Sequence Numbers" by
# RFC 9827; 13/14 RFC 9838). 241-255 private use.
IKEV2_TRANSFORM_TYPES: Mapping[int, str] = {
    1: "ENCR",
    2: "PRF",
    3: "INTEG",
    4: "KE",
    5: "SN",
    6: "ADDKE1",
    7: "ADDKE2",
    8: "ADDKE3",
    9: "ADDKE4",
    10: "ADDKE5",
    11: "ADDKE6",
    12: "ADDKE7",
    13: "KWA",
    14: "GCAUTH",
}
IKEV2_TRANSFORM_TYPE_PRIVATE = range(241, 256)

# IANA "Transform Type 1 - Encryption Algorithm Transform IDs" (RFC 7296;
# 13 RFC 5930; 14-16 RFC 5282; 18-21 RFC 4106/5282/4543; 23-27 RFC 5529;
# 28 RFC 7634; 29-31 RFC 8750; 32-35 RFC 9227).
IKEV2_ENCRYPTION_IDS: Mapping[int, str] = {
    1: "ENCR_DES_IV64",
    2: "ENCR_DES",
    3: "ENCR_3DES",
    4: "ENCR_RC5",
    5: "ENCR_IDEA",
    6: "ENCR_CAST",
    7: "ENCR_BLOWFISH",
    8: "ENCR_3IDEA",
    9: "ENCR_DES_IV32",
    11: "ENCR_NULL",
    12: "ENCR_AES_CBC",
    13: "ENCR_AES_CTR",
    14: "ENCR_AES_CCM_8",
    15: "ENCR_AES_CCM_12",
    16: "ENCR_AES_CCM_16",
    18: "ENCR_AES_GCM_8",
    19: "ENCR_AES_GCM_12",
    20: "ENCR_AES_GCM_16",
    21: "ENCR_NULL_AUTH_AES_GMAC",
    23: "ENCR_CAMELLIA_CBC",
    24: "ENCR_CAMELLIA_CTR",
    25: "ENCR_CAMELLIA_CCM_8",
    26: "ENCR_CAMELLIA_CCM_12",
    27: "ENCR_CAMELLIA_CCM_16",
    28: "ENCR_CHACHA20_POLY1305",
    29: "ENCR_AES_CCM_8_IIV",
    30: "ENCR_AES_GCM_16_IIV",
    31: "ENCR_CHACHA20_POLY1305_IIV",
    32: "ENCR_KUZNYECHIK_MGM_KTREE",
    33: "ENCR_MAGMA_MGM_KTREE",
    34: "ENCR_KUZNYECHIK_MGM_MAC_KTREE",
    35: "ENCR_MAGMA_MGM_MAC_KTREE",
}

# IANA "Transform Type 2 - Pseudorandom Function Transform IDs" (RFC 7296;
# 4 RFC 4434; 5-7 RFC 4868; 8 RFC 4615; 9 RFC 9385).
IKEV2_PRF_IDS: Mapping[int, str] = {
    1: "PRF_HMAC_MD5",
    2: "PRF_HMAC_SHA1",
    3: "PRF_HMAC_TIGER",
    4: "PRF_AES128_XCBC",
    5: "PRF_HMAC_SHA2_256",
    6: "PRF_HMAC_SHA2_384",
    7: "PRF_HMAC_SHA2_512",
    8: "PRF_AES128_CMAC",
    9: "PRF_HMAC_STREEBOG_512",
}

# IANA "Transform Type 3 - Integrity Algorithm Transform IDs" (RFC 7296;
# 5 RFC 3566; 6/7 RFC 4595; 8 RFC 4494; 9-11 RFC 4543; 12-14 RFC 4868).
IKEV2_INTEGRITY_IDS: Mapping[int, str] = {
    0: "NONE",
    1: "AUTH_HMAC_MD5_96",
    2: "AUTH_HMAC_SHA1_96",
    3: "AUTH_DES_MAC",
    4: "AUTH_KPDK_MD5",
    5: "AUTH_AES_XCBC_96",
    6: "AUTH_HMAC_MD5_128",
    7: "AUTH_HMAC_SHA1_160",
    8: "AUTH_AES_CMAC_96",
    9: "AUTH_AES_128_GMAC",
    10: "AUTH_AES_192_GMAC",
    11: "AUTH_AES_256_GMAC",
    12: "AUTH_HMAC_SHA2_256_128",
    13: "AUTH_HMAC_SHA2_384_192",
    14: "AUTH_HMAC_SHA2_512_256",
}

# IANA "Transform Type 4 - Key Exchange Method Transform IDs" (RFC 7296;
# 14-18 RFC 3526; 19-21 RFC 5903; 22-26 RFC 5114; 27-30 RFC 6954;
# 31/32 RFC 8031; 33/34 RFC 9385; 35-37 ML-KEM, draft-ietf-ipsecme-ikev2-mlkem).
# Names are the short forms configuration files use. 3, 4 and 6-13 are
# reserved in IKEv2 (IKEv1 EC2N groups). 1024-65535 private use.
IKEV2_KE_IDS: Mapping[int, str] = {
    0: "NONE",
    1: "modp768",
    2: "modp1024",
    5: "modp1536",
    14: "modp2048",
    15: "modp3072",
    16: "modp4096",
    17: "modp6144",
    18: "modp8192",
    19: "ecp256",
    20: "ecp384",
    21: "ecp521",
    22: "modp1024s160",
    23: "modp2048s224",
    24: "modp2048s256",
    25: "ecp192",
    26: "ecp224",
    27: "brainpoolP224r1",
    28: "brainpoolP256r1",
    29: "brainpoolP384r1",
    30: "brainpoolP512r1",
    31: "curve25519",
    32: "curve448",
    33: "GOST3410_2012_256",
    34: "GOST3410_2012_512",
    35: "ml-kem-512",
    36: "ml-kem-768",
    37: "ml-kem-1024",
}

# IANA "Transform Type 5 - Sequence Numbers Transform IDs" (RFC 7296 as
# "ESN"; renamed and 2 added by RFC 9827).
IKEV2_SN_IDS: Mapping[int, str] = {
    0: "No ESN (32-bit Sequential Numbers)",
    1: "ESN (Partially Transmitted 64-bit Sequential Numbers)",
    2: "32-bit Unspecified Numbers",
}

# IANA "Transform Type 13 - Key Wrap Algorithm Transform IDs" (RFC 9838).
IKEV2_KWA_IDS: Mapping[int, str] = {
    1: "KW_5649_128",
    2: "KW_5649_192",
    3: "KW_5649_256",
    4: "KW_ARX",
}

# IANA "Transform Type 14 - Group Controller Authentication Method
# Transform IDs" (RFC 9838).
IKEV2_GCAUTH_IDS: Mapping[int, str] = {
    1: "Implicit",
    2: "Digital Signature",
}
#: RFC 7296 3.3.2: transform ids 1024-65535 are private use.
IKEV2_TRANSFORM_ID_PRIVATE = range(1024, 65536)

# IANA "IKEv2 Transform Attribute Types" (RFC 7296 3.3.5; only Key Length
# is defined). 16384-32767 private use.
IKEV2_TRANSFORM_ATTRIBUTES: Mapping[int, str] = {
    14: "Key Length",
}
IKEV2_TRANSFORM_ATTRIBUTE_PRIVATE = range(16384, 32768)

# IANA "IKEv2 Security Protocol Identifiers" (RFC 7296 3.3.1; 4/5 RFC 4595;
# 6 RFC 9838). 201-255 private use.
IKEV2_PROTOCOL_IDS: Mapping[int, str] = {
    1: "IKE",
    2: "AH",
    3: "ESP",
    4: "FC_ESP_HEADER",
    5: "FC_CT_AUTHENTICATION",
    6: "GIKE_UPDATE",
}
IKEV2_PROTOCOL_PRIVATE = range(201, 256)

# IANA "IKEv2 Identification Payload ID Types" (RFC 7296 3.5; 12 RFC 4595;
# 13 RFC 7619). 201-255 private use.
IKEV2_ID_TYPES: Mapping[int, str] = {
    1: "ID_IPV4_ADDR",
    2: "ID_FQDN",
    3: "ID_RFC822_ADDR",
    5: "ID_IPV6_ADDR",
    9: "ID_DER_ASN1_DN",
    10: "ID_DER_ASN1_GN",
    11: "ID_KEY_ID",
    12: "ID_FC_NAME",
    13: "ID_NULL",
}
IKEV2_ID_PRIVATE = range(201, 256)

# Certificate encodings: RFC 2408 3.9 (IKEv1, 0-10) and IANA "IKEv2
# Certificate Encodings" (RFC 7296 3.6; 14 RFC 4806; 15 RFC 7670). The two
# agree on every shared number; 0 and 5 exist only in IKEv1 and 11-15 only
# in IKEv2. 201-255 private use (IKEv2).
CERT_ENCODINGS: Mapping[int, str] = {
    0: "NONE",
    1: "PKCS #7 wrapped X.509 certificate",
    2: "PGP Certificate",
    3: "DNS Signed Key",
    4: "X.509 Certificate - Signature",
    5: "X.509 Certificate - Key Exchange",
    6: "Kerberos Token",
    7: "Certificate Revocation List (CRL)",
    8: "Authority Revocation List (ARL)",
    9: "SPKI Certificate",
    10: "X.509 Certificate - Attribute",
    11: "Raw RSA Key",
    12: "Hash and URL of X.509 certificate",
    13: "Hash and URL of X.509 bundle",
    14: "OCSP Content",
    15: "Raw Public Key",
}
CERT_ENCODING_PRIVATE = range(201, 256)

# IANA "IKEv2 Authentication Method" (RFC 7296 3.8; 9-11 RFC 4754;
# 12 RFC 6467; 13 RFC 7619; 14 RFC 7427). 201-255 private use.
IKEV2_AUTH_METHODS: Mapping[int, str] = {
    1: "RSA Digital Signature",
    2: "Shared Key Message Integrity Code",
    3: "DSS Digital Signature",
    9: "ECDSA with SHA-256 on the P-256 curve",
    10: "ECDSA with SHA-384 on the P-384 curve",
    11: "ECDSA with SHA-512 on the P-521 curve",
    12: "Generic Secure Password Authentication Method",
    13: "NULL Authentication",
    14: "Digital Signature",
}
IKEV2_AUTH_PRIVATE = range(201, 256)

# IANA "IKEv2 Traffic Selector Types" (RFC 7296 3.13.1; 9 RFC 4595;
# 10 RFC 9478). 241-255 private use.
IKEV2_TS_TYPES: Mapping[int, str] = {
    7: "TS_IPV4_ADDR_RANGE",
    8: "TS_IPV6_ADDR_RANGE",
    9: "TS_FC_ADDR_RANGE",
    10: "TS_SECLABEL",
}
IKEV2_TS_PRIVATE = range(241, 256)

# IANA "IKEv2 Configuration Payload CFG Types" (RFC 7296 3.15).
# 128-255 private use (the same split as the IKEv1 mode-cfg draft).
IKEV2_CFG_TYPES: Mapping[int, str] = {
    1: "CFG_REQUEST",
    2: "CFG_REPLY",
    3: "CFG_SET",
    4: "CFG_ACK",
}
CFG_TYPE_PRIVATE = range(128, 256)

# IANA "IKEv2 Configuration Payload Attribute Types" (RFC 7296 3.15.1;
# 16 RFC 5026; 17/18 RFC 5739; 20/21 RFC 7651; 22-24 3GPP
# TS 24.302; 25/26 RFC 8598; 27-29 RFC 9464). 5, 9 and 11 were dropped by
# RFC 5996. 16384-32767 private use (also the IKEv1 mode-cfg split).
IKEV2_CFG_ATTRIBUTES: Mapping[int, str] = {
    1: "INTERNAL_IP4_ADDRESS",
    2: "INTERNAL_IP4_NETMASK",
    3: "INTERNAL_IP4_DNS",
    4: "INTERNAL_IP4_NBNS",
    6: "INTERNAL_IP4_DHCP",
    7: "APPLICATION_VERSION",
    8: "INTERNAL_IP6_ADDRESS",
    10: "INTERNAL_IP6_DNS",
    12: "INTERNAL_IP6_DHCP",
    13: "INTERNAL_IP4_SUBNET",
    14: "SUPPORTED_ATTRIBUTES",
    15: "INTERNAL_IP6_SUBNET",
    16: "MIP6_HOME_PREFIX",
    17: "INTERNAL_IP6_LINK",
    18: "INTERNAL_IP6_PREFIX",
    19: "HOME_AGENT_ADDRESS",
    20: "P_CSCF_IP4_ADDRESS",
    21: "P_CSCF_IP6_ADDRESS",
    22: "FTT_KAT",
    23: "EXTERNAL_SOURCE_IP4_NAT_INFO",
    24: "TIMEOUT_PERIOD_FOR_LIVENESS_CHECK",
    25: "INTERNAL_DNS_DOMAIN",
    26: "INTERNAL_DNSSEC_TA",
    27: "ENCDNS_IP4",
    28: "ENCDNS_IP6",
    29: "ENCDNS_DIGEST_INFO",
}
CFG_ATTRIBUTE_PRIVATE = range(16384, 32768)

# ---------------------------------------------------------------------------
# EAP (IANA "Extensible Authentication Protocol (EAP) Registry", Method Types;
# RFC 3748 5 and the RFCs/vendors listed there). 254 expanded, 255 experimental.
# ---------------------------------------------------------------------------

EAP_TYPES: Mapping[int, str] = {
    1: "Identity",
    2: "Notification",
    3: "Legacy Nak",
    4: "MD5-Challenge",
    5: "One-Time Password (OTP)",
    6: "Generic Token Card (GTC)",
    9: "RSA Public Key Authentication",
    10: "DSS Unilateral",
    11: "KEA",
    12: "KEA-VALIDATE",
    13: "EAP-TLS",
    14: "Defender Token (AXENT)",
    15: "RSA Security SecurID EAP",
    16: "Arcot Systems EAP",
    17: "EAP-Cisco Wireless (LEAP)",
    18: "EAP-SIM",
    19: "SRP-SHA1",
    21: "EAP-TTLS",
    22: "Remote Access Service",
    23: "EAP-AKA",
    24: "EAP-3Com Wireless",
    25: "PEAP",
    26: "MS-EAP-Authentication (MSCHAPv2)",
    27: "MAKE",
    28: "CRYPTOCard",
    29: "EAP-MSCHAP-V2",
    30: "DynamID",
    31: "Rob EAP",
    32: "Protected One-Time Password",
    33: "MS-Authentication-TLV",
    34: "SentriNET",
    35: "EAP-Actiontec Wireless",
    36: "Cogent Systems Biometrics Authentication EAP",
    37: "AirFortress EAP",
    38: "EAP-HTTP Digest",
    39: "SecureSuite EAP",
    40: "DeviceConnect EAP",
    41: "EAP-SPEKE",
    42: "EAP-MOBAC",
    43: "EAP-FAST",
    44: "ZoneLabs EAP (ZLXEAP)",
    45: "EAP-Link",
    46: "EAP-PAX",
    47: "EAP-PSK",
    48: "EAP-SAKE",
    49: "EAP-IKEv2",
    50: "EAP-AKA'",
    51: "EAP-GPSK",
    52: "EAP-pwd",
    53: "EAP-EKE Version 1",
    54: "EAP Method Type for PT-EAP",
    55: "TEAP",
    56: "EAP-NOOB",
    254: "Expanded Type",
    255: "Experimental",
}

# ---------------------------------------------------------------------------
# Algorithms an audit should flag. Chosen from RFC 8221 / RFC 8247 (MUST NOT
# and SHOULD NOT entries), RFC 9395 and the sub-112-bit strength groups.
# ---------------------------------------------------------------------------

# DH groups: MODP under 2048 bits, the RFC 5114 groups with small subgroups
# or unverifiable generation (22-24), the IKEv1 EC2N groups 3/4 and the
# 192-bit ECP group 25.
WEAK_DH_GROUPS = frozenset({1, 2, 3, 4, 5, 22, 23, 24, 25})

# IKEv2 ENCR ids: single/triple DES, 64-bit-block and obsolete ciphers, and
# the ones that give no confidentiality (NULL, NULL_AUTH_AES_GMAC).
_WEAK_IKEV2_ENCR = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 21})
# IKEv1 ESP transform ids, same reasoning (plus RC4).
_WEAK_IKEV1_ESP = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 23})
# IKEv1 phase 1 Encryption Algorithm attribute values: everything but AES
# and Camellia.
_WEAK_IKEV1_ENCR_ATTR = frozenset({1, 2, 3, 4, 5, 6})

# IKEv2 INTEG ids built on MD5, SHA-1 or DES.
_WEAK_IKEV2_INTEG = frozenset({1, 2, 3, 4, 6, 7})
# IKEv1 AH transform ids built on MD5, SHA-1 or DES.
_WEAK_IKEV1_AH = frozenset({2, 3, 4})
# IKEv1 phase 2 Authentication Algorithm attribute values, same reasoning.
_WEAK_IKEV1_AUTH_ALG = frozenset({1, 2, 3, 4})

# IKEv1 phase 1 Hash Algorithm attribute values and IKEv2 PRF ids built on
# MD5 or SHA-1.
_WEAK_IKEV1_HASH = frozenset({1, 2})
_WEAK_IKEV2_PRF = frozenset({1, 2})


# ---------------------------------------------------------------------------
# Lookups
# ---------------------------------------------------------------------------


def name(table: Mapping[int, str], value: int, private: range | None = None) -> str:
    """Name ``value`` from ``table``; otherwise say whether it is private use or
    simply unknown, keeping the number so nothing from the wire is lost."""
    known = table.get(value)
    if known is not None:
        return known
    if private is not None and value in private:
        return f"PRIVATE({value})"
    return f"UNKNOWN({value})"


def _name_in(table: Mapping[int, str], value: int, *private: range) -> str:
    """Like :func:`name` for registries with more than one private-use block."""
    return name(table, value, next((r for r in private if value in r), None))


def exchange_name(version: int, value: int) -> str:
    """Exchange type from the IKE header, in the numbering of ``version``."""
    if version == 1:
        return name(IKEV1_EXCHANGE_TYPES, value, IKEV1_EXCHANGE_PRIVATE)
    return name(IKEV2_EXCHANGE_TYPES, value, IKEV2_EXCHANGE_PRIVATE)


def payload_name(version: int, value: int) -> str:
    """Next Payload / payload type. IKEv2 moved its payloads to 33 and up, but
    the private blocks overlap and a capture can carry both versions, so the
    header version picks the table."""
    if version == 1:
        return name(IKEV1_PAYLOAD_TYPES, value, IKEV1_PAYLOAD_PRIVATE)
    return name(IKEV2_PAYLOAD_TYPES, value, IKEV2_PAYLOAD_PRIVATE)


def notify_name(version: int, value: int) -> str:
    """Notify message type; both versions have separate private blocks for
    errors and for status messages."""
    if version == 1:
        return _name_in(
            IKEV1_NOTIFY_TYPES, value, IKEV1_NOTIFY_ERROR_PRIVATE, IKEV1_NOTIFY_STATUS_PRIVATE
        )
    return _name_in(
        IKEV2_NOTIFY_TYPES, value, IKEV2_NOTIFY_ERROR_PRIVATE, IKEV2_NOTIFY_STATUS_PRIVATE
    )


def notify_is_error(version: int, value: int) -> bool:
    """Whether a notify type reports an error (and so ends or refuses an
    exchange) rather than a status; private-use errors count as errors."""
    limit = IKEV1_NOTIFY_ERROR_LIMIT if version == 1 else IKEV2_NOTIFY_ERROR_LIMIT
    return 0 < value < limit


def transform_type_name(value: int) -> str:
    """IKEv2 transform type (IKEv1 transforms have no type field)."""
    return name(IKEV2_TRANSFORM_TYPES, value, IKEV2_TRANSFORM_TYPE_PRIVATE)


#: IKEv2 transform ids are scoped by transform type; KE and ADDKE1-7 share
#: the key exchange method table (RFC 9370 2.2.1).
_IKEV2_TRANSFORM_TABLES: Mapping[int, Mapping[int, str]] = {
    1: IKEV2_ENCRYPTION_IDS,
    2: IKEV2_PRF_IDS,
    3: IKEV2_INTEGRITY_IDS,
    5: IKEV2_SN_IDS,
    13: IKEV2_KWA_IDS,
    14: IKEV2_GCAUTH_IDS,
    **{ttype: IKEV2_KE_IDS for ttype in _KE_TRANSFORM_TYPES},
}


#: IKEv1 transform ids are scoped by the proposal's protocol (RFC 2407 4.4).
_IKEV1_TRANSFORM_TABLES: Mapping[int, Mapping[int, str]] = {
    PROTO_ISAKMP: IKEV1_ISAKMP_TRANSFORM_IDS,
    PROTO_IPSEC_AH: IKEV1_AH_TRANSFORM_IDS,
    PROTO_IPSEC_ESP: IKEV1_ESP_TRANSFORM_IDS,
    PROTO_IPCOMP: IPCOMP_TRANSFORM_IDS,
}


def transform_id_name(version: int, protocol: int, ttype: int, tid: int) -> str:
    """Transform id. IKEv2 ids are scoped by transform type (the protocol does
    not matter); IKEv1 ids are scoped by the proposal's protocol and the
    algorithm of an ISAKMP proposal lives in its attributes instead."""
    if version == 1:
        return name(_IKEV1_TRANSFORM_TABLES.get(protocol, {}), tid, IKEV1_TRANSFORM_PRIVATE)
    return name(_IKEV2_TRANSFORM_TABLES.get(ttype, {}), tid, IKEV2_TRANSFORM_ID_PRIVATE)


def attribute_name(version: int, protocol: int, atype: int) -> str:
    """SA attribute type. The Attribute Format bit is ignored so the raw
    16-bit field can be passed. IKEv1 ISAKMP proposals use the IKE (phase 1)
    classes, every other IKEv1 protocol the IPsec DOI (phase 2) ones."""
    atype &= 0x7FFF
    if version == 1:
        if protocol == PROTO_ISAKMP:
            return name(IKEV1_PHASE1_ATTRIBUTES, atype, IKEV1_PHASE1_ATTRIBUTE_PRIVATE)
        return name(IKEV1_PHASE2_ATTRIBUTES, atype, IKEV1_PHASE2_ATTRIBUTE_PRIVATE)
    return name(IKEV2_TRANSFORM_ATTRIBUTES, atype, IKEV2_TRANSFORM_ATTRIBUTE_PRIVATE)


#: Phase 1 attribute class -> (value table, private-use range).
_PHASE1_VALUES: Mapping[int, tuple[Mapping[int, str], range]] = {
    1: (IKEV1_ENCRYPTION_ALGORITHMS, IKEV1_ALGORITHM_PRIVATE),
    2: (IKEV1_HASH_ALGORITHMS, IKEV1_ALGORITHM_PRIVATE),
    3: (IKEV1_AUTH_METHODS, IKEV1_ALGORITHM_PRIVATE),
    4: (IKEV1_GROUP_DESCRIPTIONS, GROUP_DESCRIPTION_PRIVATE),
    5: (IKEV1_GROUP_TYPES, IKEV1_ALGORITHM_PRIVATE),
    11: (IKEV1_LIFE_TYPES, IKEV1_ALGORITHM_PRIVATE),
}

#: Phase 2 (IPsec DOI) attribute type -> (value table, private-use range).
_PHASE2_VALUES: Mapping[int, tuple[Mapping[int, str], range]] = {
    1: (IKEV1_SA_LIFE_TYPES, IKEV1_PHASE2_VALUE_PRIVATE),
    3: (IKEV1_GROUP_DESCRIPTIONS, GROUP_DESCRIPTION_PRIVATE),
    4: (IKEV1_ENCAPSULATION_MODES, IKEV1_PHASE2_VALUE_PRIVATE),
    5: (IKEV1_AUTH_ALGORITHMS, IKEV1_PHASE2_VALUE_PRIVATE),
    10: (IKEV1_ECN_TUNNEL, IKEV1_PHASE2_VALUE_PRIVATE),
    11: (IKEV1_ESN, IKEV1_PHASE2_VALUE_PRIVATE),
    13: (IKEV1_SIGNATURE_ENCODINGS, IKEV1_PHASE2_VALUE_PRIVATE),
    14: (IKEV1_ADDRESS_PRESERVATION, IKEV1_PHASE2_VALUE_PRIVATE),
    15: (IKEV1_SA_DIRECTIONS, IKEV1_PHASE2_VALUE_PRIVATE),
}


def attribute_value_name(version: int, protocol: int, atype: int, value: int) -> str | None:
    """Name of an attribute's value, or None when the attribute carries a
    quantity (lifetime, key length, group prime...) rather than a code, so
    the renderer knows to print the number itself."""
    if version != 1:
        return None
    atype &= 0x7FFF
    values = _PHASE1_VALUES if protocol == PROTO_ISAKMP else _PHASE2_VALUES
    entry = values.get(atype)
    if entry is None:
        return None
    table, private = entry
    return name(table, value, private)


def dh_group_name(value: int) -> str:
    """Key exchange method / DH group in the IKEv2 numbering (IKEv1 group
    descriptions share the numbers; see :data:`IKEV1_GROUP_DESCRIPTIONS` for
    the EC2N groups that only IKEv1 has)."""
    return name(IKEV2_KE_IDS, value, IKEV2_TRANSFORM_ID_PRIVATE)


def protocol_name(version: int, value: int) -> str:
    """Security protocol id of a proposal, notify or delete payload."""
    if version == 1:
        return name(IKEV1_PROTOCOL_IDS, value, IKEV1_PROTOCOL_PRIVATE)
    return name(IKEV2_PROTOCOL_IDS, value, IKEV2_PROTOCOL_PRIVATE)


def id_type_name(version: int, value: int) -> str:
    """Identification payload ID type; IKEv2 dropped the subnet/range types
    and the numbers they held are unassigned there."""
    if version == 1:
        return name(IKEV1_ID_TYPES, value, IKEV1_ID_PRIVATE)
    return name(IKEV2_ID_TYPES, value, IKEV2_ID_PRIVATE)


def cert_encoding_name(value: int) -> str:
    """CERT/CERTREQ encoding; one table serves both versions because they
    never give one number two meanings."""
    return name(CERT_ENCODINGS, value, CERT_ENCODING_PRIVATE)


def auth_method_name(value: int) -> str:
    """IKEv2 AUTH payload method (IKEv1 negotiates it as an SA attribute)."""
    return name(IKEV2_AUTH_METHODS, value, IKEV2_AUTH_PRIVATE)


def ts_type_name(value: int) -> str:
    """IKEv2 traffic selector type."""
    return name(IKEV2_TS_TYPES, value, IKEV2_TS_PRIVATE)


def cfg_type_name(version: int, value: int) -> str:
    """CP payload (IKEv2) or mode-cfg Attribute payload (IKEv1) message type."""
    table = IKEV1_CFG_TYPES if version == 1 else IKEV2_CFG_TYPES
    return name(table, value, CFG_TYPE_PRIVATE)


def cfg_attribute_name(version: int, value: int) -> str:
    """Configuration attribute type; the Attribute Format bit (IKEv1) or the
    reserved bit (IKEv2) is ignored so the raw field can be passed."""
    value &= 0x7FFF
    table = IKEV1_CFG_ATTRIBUTES if version == 1 else IKEV2_CFG_ATTRIBUTES
    return name(table, value, CFG_ATTRIBUTE_PRIVATE)


def eap_type_name(value: int) -> str:
    """EAP method type carried in an IKEv2 EAP payload."""
    return name(EAP_TYPES, value)


# ---------------------------------------------------------------------------
# Weak algorithm checks for the audit
# ---------------------------------------------------------------------------


def weak_dh(group: int) -> bool:
    """Whether a DH group / KE method is too weak to protect keys today."""
    return group in WEAK_DH_GROUPS


def weak_encryption(version: int, protocol: int, tid: int) -> bool:
    """Whether an encryption choice is weak or gives no confidentiality.

    IKEv2: ``tid`` is an ENCR transform id (any protocol). IKEv1: for ESP it
    is the ESP transform id; for ISAKMP it is the value of the phase 1
    Encryption Algorithm attribute, since the transform id is only KEY_IKE.
    AH and IPComp never encrypt, so they are never flagged here.
    """
    if version == 1:
        if protocol == PROTO_ISAKMP:
            return tid in _WEAK_IKEV1_ENCR_ATTR
        if protocol == PROTO_IPSEC_ESP:
            return tid in _WEAK_IKEV1_ESP
        return False
    return tid in _WEAK_IKEV2_ENCR


def weak_integrity(version: int, protocol: int, tid: int) -> bool:
    """Whether an integrity algorithm relies on MD5, SHA-1 or DES.

    IKEv2: ``tid`` is an INTEG transform id. IKEv1: for AH it is the AH
    transform id; for ESP it is the value of the phase 2 Authentication
    Algorithm attribute, which is where ESP carries its integrity choice.
    """
    if version == 1:
        if protocol == PROTO_IPSEC_AH:
            return tid in _WEAK_IKEV1_AH
        if protocol == PROTO_IPSEC_ESP:
            return tid in _WEAK_IKEV1_AUTH_ALG
        return False
    return tid in _WEAK_IKEV2_INTEG


def weak_hash(version: int, protocol: int, value: int) -> bool:
    """Whether the IKE SA's hash/PRF relies on MD5 or SHA-1.

    IKEv1: ``value`` is the phase 1 Hash Algorithm attribute (only ISAKMP
    proposals have one). IKEv2: ``value`` is a PRF transform id.
    """
    if version == 1:
        return protocol == PROTO_ISAKMP and value in _WEAK_IKEV1_HASH
    return value in _WEAK_IKEV2_PRF
