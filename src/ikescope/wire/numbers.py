"""Named IKE/ISAKMP protocol numbers, the one place the code spells them.

IKEv1 and IKEv2 reuse the same small numbers for different things (35 is the
IKE_AUTH exchange and the IDi payload; 17 is INVALID-KEY-INFORMATION in IKEv1
and INVALID_KE_PAYLOAD in IKEv2), so a bare ``V2_AUTH = 35`` in a rule module
is a trap. Every number the code compares against is named here instead, and
each name says which registry it comes from:

``<REGISTRY>_[V1_|V2_]<NAME>``

- ``REGISTRY`` is the prefix of the group: ``EX`` exchange types, ``PL``
  payload types, ``N`` notify message types, ``PROTO`` security protocol ids,
  ``TT``/``TA`` IKEv2 transform types/transform attributes, ``P1_ATTR`` /
  ``P2_ATTR`` IKEv1 phase-1 (IKE) / phase-2 (IPsec DOI) SA attribute types,
  ``P1_ENCR``/``P1_AUTH`` values of two phase-1 attributes, ``ID`` ID types,
  ``CERT`` certificate encodings, ``TS`` traffic selector types, ``CFG``
  configuration attributes, ``PORT`` UDP ports.
- ``V1_``/``V2_`` follows whenever the two versions number that registry
  differently, even for the values that happen to agree
  (``N_V1_NO_PROPOSAL_CHOSEN`` and ``N_V2_NO_PROPOSAL_CHOSEN`` are both 14), so
  a comparison always says which table it means. It is left out where one
  numbering serves both versions (protocol ids 1-3, certificate encodings,
  ``PL_NONE``, ports) and where only one version has the registry, which the
  prefix already tells (``TT``, ``TA``, ``TS`` are IKEv2; ``P1_``, ``P2_``
  are IKEv1).
- ``NAME`` is the registry's own name for the value, dashes and spaces turned
  into underscores (``N_V1_PAYLOAD_MALFORMED``), shortened where the registry
  has a phrase (``EX_V1_MAIN`` for Identity Protection, ``P1_ATTR_HASH`` for
  Hash Algorithm). Payload names are those of ``wire.ikev1``/``wire.ikev2``,
  the RFCs' short notation (``PL_V2_IDR``, ``PL_V2_N``, ``PL_V2_V``).

Values are plain ints, not enums: the decoder keeps open enums as ints (a
number nobody registered must survive), and the tracker compares them on every
message. Exchange types are complete and payload types are those the decoder
parses; of the large registries (notifies, attributes, algorithm ids) only the
values the code looks for are here. ``wire.registry`` has the full tables of
names for display.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------
# UDP ports (IANA "Service Name and Transport Protocol Port Number Registry":
# isakmp 500, ipsec-nat-t 4500; RFC 7296 2, RFC 3948; RFC 9329 runs IKE over
# TCP on 4500 too).
# ---------------------------------------------------------------------------

PORT_IKE = 500
PORT_NAT_T = 4500

# ---------------------------------------------------------------------------
# Exchange types
# ---------------------------------------------------------------------------

# IANA "ISAKMP Exchange Types" (RFC 2408 3.1 for 1-5; RFC 2409 5.5/5.6 and
# Appendix A for 32/33; 6 from draft-ietf-ipsec-isakmp-mode-cfg).
EX_V1_BASE = 1
EX_V1_MAIN = 2  # Identity Protection
EX_V1_AUTH_ONLY = 3  # Authentication Only
EX_V1_AGGRESSIVE = 4
EX_V1_INFORMATIONAL = 5
EX_V1_TRANSACTION = 6  # mode config and XAuth
EX_V1_QUICK = 32
EX_V1_NEW_GROUP = 33

# IANA "IKEv2 Exchange Types" (RFC 7296 3.1; 38 RFC 5723; 39-42 RFC 9838;
# 43 RFC 9242; 44 RFC 9370).
EX_V2_IKE_SA_INIT = 34
EX_V2_IKE_AUTH = 35
EX_V2_CREATE_CHILD_SA = 36
EX_V2_INFORMATIONAL = 37
EX_V2_IKE_SESSION_RESUME = 38
EX_V2_GSA_AUTH = 39
EX_V2_GSA_REGISTRATION = 40
EX_V2_GSA_REKEY = 41
EX_V2_GSA_INBAND_REKEY = 42
EX_V2_IKE_INTERMEDIATE = 43
EX_V2_IKE_FOLLOWUP_KE = 44

# ---------------------------------------------------------------------------
# Payload types
# ---------------------------------------------------------------------------

#: Next Payload 0, "no next payload", in both versions (RFC 2408 3.1,
#: RFC 7296 3.2). An SK payload whose inner chain starts with it is empty.
PL_NONE = 0

# IANA "ISAKMP Next Payload Types" (RFC 2408 3.1; 14 mode-cfg draft; 20/21
# RFC 3947 7). 130/131 are the NAT-T draft numbers
# (draft-ietf-ipsec-nat-t-ike-02/03), 132 the de facto IKEv1 fragmentation
# payload. 15 is GDOI's SAK (RFC 3547), but old Cisco gear sent NAT-D under
# it, and GDOI never appears in IKE exchanges, so IKE traffic reads it as NAT-D.
PL_V1_SA = 1
PL_V1_PROPOSAL = 2
PL_V1_TRANSFORM = 3
PL_V1_KE = 4
PL_V1_ID = 5
PL_V1_CERT = 6
PL_V1_CR = 7
PL_V1_HASH = 8
PL_V1_SIG = 9
PL_V1_NONCE = 10
PL_V1_N = 11
PL_V1_D = 12
PL_V1_VID = 13
PL_V1_ATTR = 14
PL_V1_NAT_D_BADDRAFT = 15
PL_V1_NAT_D = 20
PL_V1_NAT_OA = 21
PL_V1_NAT_D_DRAFT = 130
PL_V1_NAT_OA_DRAFT = 131
PL_V1_FRAGMENT = 132

# IANA "IKEv2 Payload Types" (RFC 7296 3.2; 53 RFC 7383 2.5).
PL_V2_SA = 33
PL_V2_KE = 34
PL_V2_IDI = 35
PL_V2_IDR = 36
PL_V2_CERT = 37
PL_V2_CERTREQ = 38
PL_V2_AUTH = 39
PL_V2_NONCE = 40
PL_V2_N = 41
PL_V2_D = 42
PL_V2_V = 43  # Vendor ID
PL_V2_TSI = 44
PL_V2_TSR = 45
PL_V2_SK = 46
PL_V2_CP = 47
PL_V2_EAP = 48
PL_V2_SKF = 53

# ---------------------------------------------------------------------------
# Notify message types
# ---------------------------------------------------------------------------

# IANA "Notify Message Types" for ISAKMP: errors RFC 2408 3.14.1; status
# 24576 RFC 2407 4.6.3.1; 36136/36137 dead peer detection, RFC 3706.
N_V1_INVALID_PAYLOAD_TYPE = 1
N_V1_DOI_NOT_SUPPORTED = 2
N_V1_SITUATION_NOT_SUPPORTED = 3
N_V1_INVALID_COOKIE = 4
N_V1_INVALID_MAJOR_VERSION = 5
N_V1_INVALID_MINOR_VERSION = 6
N_V1_INVALID_EXCHANGE_TYPE = 7
N_V1_INVALID_FLAGS = 8
N_V1_INVALID_MESSAGE_ID = 9
N_V1_INVALID_PROTOCOL_ID = 10
N_V1_INVALID_SPI = 11
N_V1_NO_PROPOSAL_CHOSEN = 14
N_V1_BAD_PROPOSAL_SYNTAX = 15
N_V1_PAYLOAD_MALFORMED = 16
N_V1_INVALID_ID_INFORMATION = 18
N_V1_INVALID_HASH_INFORMATION = 23
N_V1_AUTHENTICATION_FAILED = 24
N_V1_UNSUPPORTED_EXCHANGE_TYPE = 29
N_V1_UNEQUAL_PAYLOAD_LENGTHS = 30
N_V1_RESPONDER_LIFETIME = 24576
N_V1_R_U_THERE = 36136
N_V1_R_U_THERE_ACK = 36137

# IANA "IKEv2 Notify Message Error Types" and "... Status Types" (RFC 7296
# 3.10.1, 16393 REKEY_SA 1.3.3; 16418 RFC 6023; 16430 RFC 7383 2.3).
N_V2_UNSUPPORTED_CRITICAL_PAYLOAD = 1
N_V2_INVALID_IKE_SPI = 4
N_V2_INVALID_MAJOR_VERSION = 5
N_V2_INVALID_SYNTAX = 7
N_V2_INVALID_MESSAGE_ID = 9
N_V2_INVALID_SPI = 11
N_V2_NO_PROPOSAL_CHOSEN = 14
N_V2_INVALID_KE_PAYLOAD = 17
N_V2_AUTHENTICATION_FAILED = 24
N_V2_INTERNAL_ADDRESS_FAILURE = 36
N_V2_TS_UNACCEPTABLE = 38
N_V2_NAT_DETECTION_SOURCE_IP = 16388
N_V2_NAT_DETECTION_DESTINATION_IP = 16389
N_V2_COOKIE = 16390
# RFC 5685 (redirect mechanism for IKEv2) 10: notify types
N_V2_REDIRECT_SUPPORTED = 16406
N_V2_REDIRECT = 16407
N_V2_REDIRECTED_FROM = 16408
N_V2_USE_TRANSPORT_MODE = 16391
N_V2_REKEY_SA = 16393
N_V2_CHILDLESS_IKEV2_SUPPORTED = 16418
N_V2_IKEV2_FRAGMENTATION_SUPPORTED = 16430

# ---------------------------------------------------------------------------
# Security protocol ids (IANA "IPSEC Security Protocol Identifiers", RFC 2407
# 4.4.1; "IKEv2 Security Protocol Identifiers", RFC 7296 3.3.1, which keeps
# 1-3 and calls 1 "IKE"). The names are those of ``wire.registry``.
# ---------------------------------------------------------------------------

PROTO_ISAKMP = 1
PROTO_IPSEC_AH = 2
PROTO_IPSEC_ESP = 3

# ---------------------------------------------------------------------------
# IKEv2 transforms
# ---------------------------------------------------------------------------

# IANA "Transform Type Values" (RFC 7296 3.3.2; 4 renamed "Key Exchange
# Method" by RFC 9370, formerly D-H; 5 renamed "Sequence Numbers" by
# RFC 9827, formerly ESN).
TT_ENCR = 1
TT_PRF = 2
TT_INTEG = 3
TT_KE = 4
TT_SN = 5

# IANA "IKEv2 Transform Attribute Types" (RFC 7296 3.3.5).
TA_KEY_LENGTH = 14

# ---------------------------------------------------------------------------
# IKEv1 SA attributes
# ---------------------------------------------------------------------------

# IANA "Internet Key Exchange (IKE) Attributes", the phase-1 attribute classes
# (RFC 2409 Appendix A).
P1_ATTR_ENCRYPTION = 1
P1_ATTR_HASH = 2
P1_ATTR_AUTH_METHOD = 3
P1_ATTR_GROUP_DESCRIPTION = 4
P1_ATTR_LIFE_TYPE = 11
P1_ATTR_LIFE_DURATION = 12
P1_ATTR_KEY_LENGTH = 14

# Values of phase-1 attribute 1, Encryption Algorithm (RFC 2409 Appendix A;
# 7 RFC 3602).
P1_ENCR_DES_CBC = 1
P1_ENCR_3DES_CBC = 5
P1_ENCR_AES_CBC = 7

# Values of phase-1 attribute 3, Authentication Method (RFC 2409 Appendix A);
# the XAuth ones from draft-beaulieu-ike-xauth-02 sit in the private range.
P1_AUTH_PRE_SHARED_KEY = 1
P1_AUTH_XAUTH_INIT_PRE_SHARED = 65001
P1_AUTH_XAUTH_RESP_PRE_SHARED = 65002

# IANA "IPSEC Security Association Attributes", the phase-2 attributes of the
# IPsec DOI (RFC 2407 4.5).
P2_ATTR_SA_LIFE_TYPE = 1
P2_ATTR_SA_LIFE_DURATION = 2
P2_ATTR_GROUP_DESCRIPTION = 3
P2_ATTR_ENCAPSULATION_MODE = 4
P2_ATTR_AUTH_ALGORITHM = 5
P2_ATTR_KEY_LENGTH = 6

# ---------------------------------------------------------------------------
# Identification, certificates, selectors, configuration
# ---------------------------------------------------------------------------

# IANA "IPSEC Identification Type" (RFC 2407 4.6.2.1).
ID_V1_IPV4_ADDR = 1
ID_V1_IPV6_ADDR = 5

# Certificate encodings (RFC 2408 3.9; IANA "IKEv2 Certificate Encodings",
# RFC 7296 3.6, which keeps the IKEv1 numbers): a DER X.509 certificate.
CERT_X509_SIGNATURE = 4

# IANA "IKEv2 Traffic Selector Types" (RFC 7296 3.13.1).
TS_IPV4_ADDR_RANGE = 7
TS_IPV6_ADDR_RANGE = 8

# IKEv1 mode-cfg attribute types: XAUTH-STATUS, 1 OK and 0 FAIL
# (draft-beaulieu-ike-xauth-02 4.2, in the 16384-32767 private range).
CFG_V1_XAUTH_STATUS = 16527

# EAP packet code of the server's refusal of the client's credentials (RFC 3748 4.2).
EAP_FAILURE = 4
