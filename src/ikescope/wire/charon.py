"""Messages in the notation strongSwan's charon logs them, so a capture lines up with the log beside it.

charon logs every message it builds or reads as ``generating <message>`` and
``parsed <message>``: the exchange, ``request`` or ``response``, the message ID
in decimal, then the payloads by their short names in order, a notify with its
short type name (``N(NATD_S_IP)``), an EAP payload with its code and method
(``EAP/REQ/ID``), a configuration payload with its type and attribute names
(``CPRQ(ADDR DNS)``), an SKF fragment as ``EF(1/2)``. The names below are
those of strongSwan 5.9 (libcharon's ``exchange_type_names``,
``payload_type_short_names``, ``notify_type_short_names``,
``configuration_attribute_type_short_names``, libstrongswan's EAP short
names), as its ``enum_to_name`` returns them; a number strongSwan has no name
for prints as ``(n)``, as its printf hook does.

charon logs a message after decryption, so its line shows the decrypted
payloads; an SKF fragment is logged as such, and the message its set completes
once more, whole. Without keys nothing in the log corresponds to an encrypted
message's content: ikescope then shows the encrypted payload itself, ``SK``
(IKEv2) or ``E`` (strongSwan's name for an encrypted IKEv1 body).

IKEv1 has no response flag: as in charon, a message is a response when its
sender answers an exchange the other side began (main and aggressive mode:
the responder; quick mode and transactions: whoever did not send the first
message), and an informational message is always a request.
"""

from __future__ import annotations

from .message import ConfigPayload, EapPayload, EncryptedPayload, IkeMessage, NotifyPayload, Payload, UnknownPayload

EXCHANGES: dict[int, str] = {
    2: "ID_PROT", 3: "AUTH_ONLY", 4: "AGGRESSIVE", 5: "INFORMATIONAL_V1", 6: "TRANSACTION", 32: "QUICK_MODE",
    33: "NEW_GROUP_MODE", 34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL",
    38: "IKE_SESSION_RESUME", 240: "ME_CONNECT",
}

PAYLOADS: dict[int, str] = {
    1: "SA", 2: "PROP", 3: "TRANS", 4: "KE", 5: "ID", 6: "CERT", 7: "CERTREQ", 8: "HASH", 9: "SIG", 10: "No",
    11: "N", 12: "D", 13: "V", 14: "CP", 20: "NAT-D", 21: "NAT-OA",
    33: "SA", 34: "KE", 35: "IDi", 36: "IDr", 37: "CERT", 38: "CERTREQ", 39: "AUTH", 40: "No", 41: "N", 42: "D",
    43: "V", 44: "TSi", 45: "TSr", 46: "E", 47: "CP", 48: "EAP", 49: "GSPM", 50: "IDg", 51: "GSA", 52: "KD",
    53: "EF", 128: "IDp", 130: "NAT-D", 131: "NAT-OA", 132: "FRAG",
}

NOTIFIES: dict[int, str] = {
    1: "CRIT", 4: "INVAL_IKE_SPI", 5: "INVAL_MAJOR", 7: "INVAL_SYN", 9: "INVAL_MID", 11: "INVAL_SPI",
    13: "ATTR_UNSUP", 14: "NO_PROP", 16: "PLD_MAL", 17: "INVAL_KE", 18: "INVAL_ID", 19: "INVAL_CERTEN",
    20: "INVAL_CERT", 21: "CERT_UNSUP", 22: "INVAL_CA", 23: "INVAL_HASH", 24: "AUTH_FAILED", 34: "SINGLE_PAIR",
    35: "NO_ADD_SAS", 36: "INT_ADDR_FAIL", 37: "FAIL_CP_REQ", 38: "TS_UNACCEPT", 39: "INVAL_SEL",
    40: "UNACCEPT_ADDR", 41: "UNEXPECT_NAT", 42: "ASSIGNED_HoA", 43: "TEMP_FAIL", 44: "NO_CHILD_SA",
    8192: "ME_CONN_FAIL", 12345: "MS_STATUS",
    16384: "INIT_CONTACT", 16385: "SET_WINSIZE", 16386: "ADD_TS_POSS", 16387: "IPCOMP_SUP", 16388: "NATD_S_IP",
    16389: "NATD_D_IP", 16390: "COOKIE", 16391: "USE_TRANSP", 16392: "HTTP_CERT_LOOK", 16393: "REKEY_SA",
    16394: "ESP_TFC_PAD_N", 16395: "NON_FIRST_FRAG", 16396: "MOBIKE_SUP", 16397: "ADD_4_ADDR",
    16398: "ADD_6_ADDR", 16399: "NO_ADD_ADDR", 16400: "UPD_SA_ADDR", 16401: "COOKIE2", 16402: "NO_NATS",
    16403: "AUTH_LFT", 16404: "MULT_AUTH", 16405: "AUTH_FOLLOWS", 16406: "REDIR_SUP", 16407: "REDIR",
    16408: "REDIR_FROM", 16409: "TKT_LT_OPAK", 16410: "TKT_REQ", 16411: "TKT_ACK", 16412: "TKT_NACK",
    16413: "TKT_OPAK", 16414: "LINK_ID", 16415: "WESP_MODE", 16416: "ROHC_SUP", 16417: "EAP_ONLY",
    16418: "CHDLESS_SUP", 16419: "CRASH_DET", 16420: "MSG_ID_SYN_SUP", 16421: "RPL_CTR_SYN_SUP",
    16422: "MSG_ID_SYN", 16423: "RPL_CTR_SYN", 16424: "SEC_PASSWD", 16425: "PSK_PST", 16426: "PSK_CFM",
    16427: "ERX_SUP", 16428: "IFOM_CAP", 16429: "SENDER_REQ_ID", 16430: "FRAG_SUP", 16431: "HASH_ALG",
    16435: "USE_PPK", 16436: "PPK_ID", 16437: "NO_PPK",
    24578: "INITIAL_CONTACT", 36136: "DPD", 36137: "DPD_ACK", 40501: "UNITY_LB", 40961: "BEET_MODE",
    40962: "ME_MED", 40963: "ME_EP", 40964: "ME_CB", 40965: "ME_CID", 40966: "ME_CKEY", 40967: "ME_CAUTH",
    40968: "ME_R", 40969: "RADIUS",
}

CONFIG_TYPES: dict[int, str] = {1: "CPRQ", 2: "CPRP", 3: "CPS", 4: "CPA"}

CONFIG_ATTRIBUTES: dict[int, str] = {
    1: "ADDR", 2: "MASK", 3: "DNS", 4: "NBNS", 5: "EXP", 6: "DHCP", 7: "VER", 8: "ADDR6", 9: "MASK6",
    10: "DNS6", 11: "NBNS6", 12: "DHCP6", 13: "SUBNET", 14: "SUP", 15: "SUBNET6", 16: "MIP6HPFX", 17: "LINK6",
    18: "PFX6", 19: "HOA", 20: "PCSCF4", 21: "PCSCF6", 22: "FTTKAT", 23: "EXTSRC4", 24: "DPD", 25: "DOMAIN",
    26: "TA", 16520: "X_TYPE", 16521: "X_USER", 16522: "X_PWD", 16523: "X_CODE", 16524: "X_MSG",
    16525: "X_CHALL", 16526: "X_DOMAIN", 16527: "X_STATUS", 16528: "X_PIN", 16529: "X_ANSWER", 23456: "SRV",
    23457: "SRV6", 28672: "U_BANNER", 28673: "U_SAVEPWD", 28674: "U_DEFDOM", 28675: "U_SPLITDNS",
    28676: "U_SPLITINC", 28677: "U_NATTPORT", 28678: "U_LOCALLAN", 28679: "U_PFS", 28680: "U_FWTYPE",
    28681: "U_BKPSRV", 28682: "U_DDNSHOST",
}

EAP_CODES: dict[int, str] = {1: "REQ", 2: "RES", 3: "SUCC", 4: "FAIL"}
EAP_TYPES: dict[int, str] = {
    1: "ID", 2: "NTF", 3: "NAK", 4: "MD5", 5: "OTP", 6: "GTC", 13: "TLS", 18: "SIM", 21: "TTLS", 23: "AKA",
    25: "PEAP", 26: "MSCHAPV2", 33: "MSTLV", 38: "TNC", 54: "PT", 254: "EXP", 255: "XP",
}

_MS_NOTIFY_STATUS = 12345
_V1_ENCRYPTED = "E"  # strongSwan's short name for the wrapped, encrypted IKEv1 body
_V2_ENCRYPTED = "SK"


def _name(table: dict[int, str], value: int) -> str:
    return table.get(value, f"({value})")


def _payload(p: Payload) -> str:
    if isinstance(p, UnknownPayload) and p.type not in PAYLOADS:
        return f"UNKN({p.type})"
    if isinstance(p, ConfigPayload):
        attrs = " ".join(_name(CONFIG_ATTRIBUTES, a.type) for a in p.attributes)
        return _name(CONFIG_TYPES, p.cfg_type) + (f"({attrs})" if attrs else "")
    text = PAYLOADS.get(p.type, f"UNKN({p.type})")
    if isinstance(p, NotifyPayload):
        if p.notify_type == _MS_NOTIFY_STATUS and len(p.data) == 4:
            return f"{text}({NOTIFIES[p.notify_type]}({int.from_bytes(p.data, 'big')}))"
        return f"{text}({_name(NOTIFIES, p.notify_type)})"
    if isinstance(p, EapPayload):
        method = f"/{_name(EAP_TYPES, p.eap_type)}" if p.eap_type else ""
        return f"{text}/{_name(EAP_CODES, p.code)}{method}"
    return text


def _line(head: str, units: list[str]) -> str:
    return f"{head} [ {' '.join(units)} ]" if units else f"{head} [ ]"


def notation(msg: IkeMessage, response: bool) -> tuple[str, ...]:
    """The lines charon would log for ``msg`` on its receipt: one, or for the SKF fragment that
    completes a decrypted message, the fragment's line and then the whole message's.

    ``response``: whether the message answers an exchange its peer began (see the module)."""
    h = msg.header
    head = f"{_name(EXCHANGES, h.exchange)} {'response' if response else 'request'} {h.message_id}"
    units: list[str] = []
    whole: list[str] | None = None
    for p in msg.payloads:
        if isinstance(p, EncryptedPayload):
            if p.fragment_number is not None:
                units.append(f"EF({p.fragment_number}/{p.total_fragments})")
                if msg.inner is not None:
                    whole = [_payload(q) for q in msg.inner]
            elif msg.inner is not None:
                units += [_payload(q) for q in msg.inner]
            else:
                units.append(_V2_ENCRYPTED)
        else:
            units.append(_payload(p))
    if msg.encrypted_v1 is not None:
        units += [_payload(q) for q in msg.inner] if msg.inner is not None else [_V1_ENCRYPTED]
    if whole is None:
        return (_line(head, units),)
    return _line(head, units), _line(head, whole)
