"""What a lab capture shows: IKE messages grouped by IKE SA, read with tshark.

The runner uses it to check a fresh capture against the scenario's promise before it is
labelled, and the labels themselves are made from it, so `pcaps/labels.json` describes the
files as they are.  With the decryption tables, notifies inside encrypted payloads become
visible too; comparing both reads tells which evidence is encrypted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

EXCHANGES_V1 = {2: "MAIN_MODE", 4: "AGGRESSIVE", 5: "INFORMATIONAL_V1", 6: "TRANSACTION",
                32: "QUICK_MODE"}
EXCHANGES_V2 = {34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL"}

NOTIFY_NAMES = {
    # shared error range (IKEv1 RFC 2408 and IKEv2 RFC 7296)
    1: "UNSUPPORTED_CRITICAL_PAYLOAD", 4: "INVALID_IKE_SPI", 5: "INVALID_MAJOR_VERSION",
    7: "INVALID_SYNTAX", 9: "INVALID_MESSAGE_ID", 11: "INVALID_SPI", 14: "NO_PROPOSAL_CHOSEN",
    17: "INVALID_KE_PAYLOAD", 24: "AUTHENTICATION_FAILED", 34: "SINGLE_PAIR_REQUIRED",
    35: "NO_ADDITIONAL_SAS", 36: "INTERNAL_ADDRESS_FAILURE", 37: "FAILED_CP_REQUIRED",
    38: "TS_UNACCEPTABLE", 39: "INVALID_SELECTORS", 43: "TEMPORARY_FAILURE",
    44: "CHILD_SA_NOT_FOUND",
    # IKEv2 status
    16384: "INITIAL_CONTACT", 16385: "SET_WINDOW_SIZE", 16386: "ADDITIONAL_TS_POSSIBLE",
    16387: "IPCOMP_SUPPORTED", 16388: "NAT_DETECTION_SOURCE_IP",
    16389: "NAT_DETECTION_DESTINATION_IP", 16390: "COOKIE", 16391: "USE_TRANSPORT_MODE",
    16392: "HTTP_CERT_LOOKUP_SUPPORTED", 16393: "REKEY_SA", 16394: "ESP_TFC_PADDING_NOT_SUPPORTED",
    16395: "NON_FIRST_FRAGMENTS_ALSO", 16396: "MOBIKE_SUPPORTED", 16397: "ADDITIONAL_IP4_ADDRESS",
    16398: "ADDITIONAL_IP6_ADDRESS", 16399: "NO_ADDITIONAL_ADDRESSES", 16400: "UPDATE_SA_ADDRESSES",
    16401: "COOKIE2", 16402: "NO_NATS_ALLOWED", 16403: "AUTH_LIFETIME",
    16404: "MULTIPLE_AUTH_SUPPORTED", 16405: "ANOTHER_AUTH_FOLLOWS", 16406: "REDIRECT_SUPPORTED",
    16407: "REDIRECT", 16408: "REDIRECTED_FROM", 16417: "EAP_ONLY_AUTHENTICATION",
    16418: "CHILDLESS_IKEV2_SUPPORTED", 16419: "QUICK_CRASH_DETECTION",
    16420: "IKEV2_MESSAGE_ID_SYNC_SUPPORTED", 16422: "IKEV2_MESSAGE_ID_SYNC",
    16430: "IKEV2_FRAGMENTATION_SUPPORTED", 16431: "SIGNATURE_HASH_ALGORITHMS",
    16435: "USE_PPK", 16438: "INTERMEDIATE_EXCHANGE_SUPPORTED",
    # IKEv1 (RFC 2408, RFC 2407, RFC 3706)
    2: "DOI_NOT_SUPPORTED", 3: "SITUATION_NOT_SUPPORTED", 6: "INVALID_MINOR_VERSION",
    8: "INVALID_FLAGS", 10: "INVALID_PROTOCOL_ID", 12: "INVALID_TRANSFORM_ID",
    13: "ATTRIBUTES_NOT_SUPPORTED", 15: "BAD_PROPOSAL_SYNTAX", 16: "PAYLOAD_MALFORMED",
    18: "INVALID_ID_INFORMATION", 19: "INVALID_CERT_ENCODING", 20: "INVALID_CERTIFICATE",
    21: "CERT_TYPE_UNSUPPORTED", 22: "INVALID_CERT_AUTHORITY", 23: "INVALID_HASH_INFORMATION",
    25: "INVALID_SIGNATURE", 26: "ADDRESS_NOTIFICATION", 27: "NOTIFY_SA_LIFETIME",
    28: "CERTIFICATE_UNAVAILABLE", 29: "UNSUPPORTED_EXCHANGE_TYPE", 30: "UNEQUAL_PAYLOAD_LENGTHS",
    24576: "RESPONDER_LIFETIME", 24577: "REPLAY_STATUS", 24578: "INITIAL_CONTACT",
    36136: "R_U_THERE", 36137: "R_U_THERE_ACK",
}


def exchange_name(version: int, exchtype: int) -> str:
    """Name in the exchange table of the message's version; majors above 2 read as IKEv2."""
    table = EXCHANGES_V2 if version >= 2 else EXCHANGES_V1
    return table.get(exchtype, f"EXCHANGE_{exchtype}")


def notify_name(number: int) -> str:
    return NOTIFY_NAMES.get(number, f"NOTIFY_{number}")


@dataclass
class Message:
    """One IKE message (or one fragment of it) as tshark dissected it."""

    frame: int
    src: str
    sport: int
    ispi: str
    rspi: str
    version: int
    exchange: str
    message_id: int
    response: bool
    notifies: list[int]


@dataclass
class IkeSa:
    """Messages sharing an initiator SPI/cookie, in capture order."""

    ispi: str
    version: int
    initiator: str
    messages: list[Message] = field(default_factory=list)

    @property
    def exchanges(self) -> list[str]:
        """Distinct exchange names in order of first appearance."""
        seen: list[str] = []
        for m in self.messages:
            if m.exchange not in seen:
                seen.append(m.exchange)
        return seen

    def notifies(self) -> list[tuple[str, int]]:
        """Distinct (exchange, notify type) pairs in order of first appearance."""
        seen: list[tuple[str, int]] = []
        for m in self.messages:
            for n in m.notifies:
                if (m.exchange, n) not in seen:
                    seen.append((m.exchange, n))
        return seen


# ICMP errors quote the IKE datagram they answer; those quotes are not IKE messages.
IKE_FILTER = "isakmp and not icmp and not icmpv6"

FIELDS = ("frame.number", "ip.src", "ipv6.src", "udp.srcport", "udp.dstport", "udp.payload",
          "isakmp.notify.msgtype")


def message_from_bytes(msg: bytes, frame: int, src: str, sport: int,
                       notifies: list[int]) -> Message:
    """Header fields straight from the bytes, so odd versions (3.0) are read like any other."""
    version = msg[17] >> 4
    return Message(frame=frame, src=src, sport=sport, ispi=msg[:8].hex(), rspi=msg[8:16].hex(),
                   version=version, exchange=exchange_name(version, msg[18]),
                   message_id=int.from_bytes(msg[20:24], "big"),
                   response=bool(msg[19] & 0x20) if version >= 2 else False,
                   notifies=notifies)


def read_messages(pcap: Path, key_tables: list[Path] | None = None) -> list[Message]:
    """Dissect with tshark; key tables are handed over through a private config directory.

    tshark supplies reassembled UDP payloads and the notify types, decrypted ones included
    when keys are given; the header is read from the payload bytes.
    """
    argv = ["tshark", "-n", "-r", str(pcap), "-Y", IKE_FILTER, "-T", "fields",
            "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        argv += ["-e", f]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="iks-tshark-") as confdir:
        for table in key_tables or []:
            if table.exists():
                kind = "ikev2" if "ikev2" in table.name else "ikev1"
                name = f"{kind}_decryption_table"
                shutil.copy(table, Path(confdir) / name)
        env["WIRESHARK_CONFIG_DIR"] = confdir
        out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120,
                             check=True).stdout
    messages = []
    for line in out.splitlines():
        cols = (line.split("\t") + [""] * len(FIELDS))[:len(FIELDS)]
        frame, ip4, ip6, sport, dport, payload, notes = cols
        data = bytes.fromhex(payload.split(",")[0]) if payload else b""
        if "4500" in (sport, dport) and data[:4] == b"\0\0\0\0":
            data = data[4:]
        if len(data) < 28:
            continue
        messages.append(message_from_bytes(
            data, int(frame), ip4 or ip6, int(sport or 0),
            [_int(n) for n in notes.split(",") if n]))
    return sorted(messages + tcp_messages(pcap), key=lambda m: m.frame)
def _int(text: str) -> int:
    return int(text, 16) if text.startswith("0x") else int(text)


def clear_notifies(msg: bytes) -> list[int]:
    """Notify types in the cleartext payload chain of one IKE message."""
    version = msg[17] >> 4
    if version == 1 and msg[19] & 0x01:
        return []
    types, np, pos = [], msg[16], 28
    while np and np not in (46, 53) and pos + 4 <= len(msg):
        length = int.from_bytes(msg[pos + 2:pos + 4], "big")
        if length < 4:
            break
        if np == 41 and version == 2:
            types.append(int.from_bytes(msg[pos + 6:pos + 8], "big"))
        elif np == 11 and version == 1:
            types.append(int.from_bytes(msg[pos + 10:pos + 12], "big"))
        np, pos = msg[pos], pos + length
    return types


def tcp_messages(pcap: Path) -> list[Message]:
    """IKE messages carried in RFC 8229 TCP streams, which tshark 4.0 does not frame right.

    Each direction of a stream is put back together, the "IKETCP" prefix dropped, and the
    length-prefixed records split; records with the zero non-ESP marker are IKE messages,
    attributed to the frame that carried their first byte.
    """
    out = subprocess.run(["tshark", "-n", "-r", str(pcap), "-Y", "tcp.port == 4500 and tcp.len > 0",
                          "-T", "fields", "-e", "frame.number", "-e", "tcp.stream", "-e", "ip.src",
                          "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "tcp.payload"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    streams: dict[tuple[str, str, str], tuple[bytearray, list[tuple[int, int]]]] = {}
    for line in out.splitlines():
        frame, stream, ip4, ip6, sport, payload = (line.split("\t") + [""] * 6)[:6]
        data, starts = streams.setdefault((stream, ip4 or ip6, sport), (bytearray(), []))
        starts.append((len(data), int(frame)))
        data.extend(bytes.fromhex(payload.replace(":", "")))
    messages = []
    for (_, src, sport), (data, starts) in streams.items():
        pos = 6 if data.startswith(b"IKETCP") else 0
        while pos + 2 <= len(data):
            length = int.from_bytes(data[pos:pos + 2], "big")
            record = bytes(data[pos + 2:pos + length])
            frame = max(f for start, f in starts if start <= pos)
            if length < 2 or len(record) < length - 2:
                break
            pos += length
            if record[:4] != b"\0\0\0\0" or len(record) < 32:
                continue  # ESP in TCP
            msg = record[4:]
            messages.append(message_from_bytes(msg, frame, src, int(sport), clear_notifies(msg)))
    return messages


def group_sas(messages: list[Message]) -> list[IkeSa]:
    """Group by initiator SPI; the sender of the first message is the SA's initiator."""
    sas: dict[str, IkeSa] = {}
    for m in messages:
        sa = sas.get(m.ispi)
        if sa is None:
            sa = sas[m.ispi] = IkeSa(m.ispi, m.version, m.src)
        sa.messages.append(m)
    return list(sas.values())
