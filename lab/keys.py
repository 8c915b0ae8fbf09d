"""Wireshark decryption tables for a lab capture, recovered from charon's debug log.

Debian's strongSwan is built without the save-keys plugin, so the keys are taken from what
charon logs at `ike` level 4 while deriving them.  IKEv1 keys are tied to the initiator cookie
of the message the deriving thread had checked out.  IKEv2 keys are tied to an SPI pair by
proof: the pair whose encrypted messages carry an ICV that SK_ai / SK_ar reproduce.  That also
covers rekeyed IKE SAs, whose new SPIs the log never prints next to their keys.
When IKEv1 peers derive different keys (different PSKs), the log read last wins: the
runner reads bob's, the responder's, whose key decrypts the verdict he sends.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from lab.ikeview import IKE_FILTER

LINE = re.compile(r"^\S+ (\d+)\[(\w+)\] (?:<(?:[^|>]*\|)?(\d+)> )?(.*)$")
DUMP = re.compile(r"^\s*\d+: ((?:[0-9A-F]{2} ?)+)")
HEADER = re.compile(r"^(.+?) => (\d+) bytes @")
CHECKOUT = re.compile(r"checkout IKEv(\d) SA .*with SPIs ([0-9a-f]{16})_i ([0-9a-f]{16})_r")
PROPOSAL = re.compile(r"selected proposal: IKE:(\S+)")

ENCR = {"AES_CBC_128": "AES-CBC-128 [RFC3602]", "AES_CBC_192": "AES-CBC-192 [RFC3602]",
        "AES_CBC_256": "AES-CBC-256 [RFC3602]", "3DES_CBC": "3DES [RFC2451]"}
INTEG = {"HMAC_SHA1_96": ("HMAC_SHA1_96 [RFC2404]", hashlib.sha1, 12),
         "HMAC_SHA2_256_128": ("HMAC_SHA2_256_128 [RFC4868]", hashlib.sha256, 16),
         "HMAC_SHA2_384_192": ("HMAC_SHA2_384_192 [RFC4868]", hashlib.sha384, 24),
         "HMAC_SHA2_512_256": ("HMAC_SHA2_512_256 [RFC4868]", hashlib.sha512, 32)}


@dataclass
class V2Keys:
    """One IKEv2 key set; its SPIs are found later, by proof against the capture."""

    encr: str
    integ: str
    secrets: dict[str, bytes] = field(default_factory=dict)


@dataclass
class V1Key:
    """Wireshark needs only the initiator cookie and the encryption key for IKEv1."""

    icookie: str
    key: bytes


def parse_log(text: str) -> tuple[list[V2Keys], list[V1Key]]:
    """Collect the hex dumps charon prints after "Sk_ei secret =>" and "encryption key Ka =>"."""
    v2: list[V2Keys] = []
    v1: list[V1Key] = []
    pending: dict[str, tuple[str, int, bytearray]] = {}
    checkout: dict[str, tuple[str, str]] = {}
    proposal: dict[str, str] = {}
    current: dict[str, V2Keys] = {}
    sa_of: dict[str, str] = {}  # thread -> unique id of the IKE SA it works on

    def finish(thread: str) -> None:
        name, size, data = pending.pop(thread)
        if len(data) != size:
            return
        if name == "encryption key Ka" and thread in checkout:
            version, icookie = checkout[thread]
            if version == "1":
                v1.append(V1Key(icookie, bytes(data)))
        elif name.startswith("Sk_") and name.endswith(" secret"):
            if name == "Sk_d secret":
                algs = proposal.get(sa_of.get(thread, ""), "").split("/")
                current[thread] = V2Keys(algs[0] if algs else "", algs[1] if len(algs) > 1 else "")
                v2.append(current[thread])
            elif thread in current:
                current[thread].secrets[name.split()[0].lower()] = bytes(data)

    for raw in text.splitlines():
        m = LINE.match(raw)
        if not m:
            continue
        thread, _group, ike_sa, msg = m.groups()
        if ike_sa:
            sa_of[thread] = ike_sa
        dump = DUMP.match(msg)
        if dump and thread in pending:
            pending[thread][2].extend(bytes.fromhex(dump.group(1).replace(" ", "")))
            continue
        if thread in pending:
            finish(thread)
        head = HEADER.match(msg)
        if head:
            pending[thread] = (head.group(1), int(head.group(2)), bytearray())
            continue
        if c := CHECKOUT.search(msg):
            checkout[thread] = (c.group(1), c.group(2))
        elif (p := PROPOSAL.search(msg)) and ike_sa:
            # A responder may derive the keys later, on another thread, so the proposal is
            # remembered per IKE SA; a rekey's proposal replaces it just before its keys.
            proposal[ike_sa] = p.group(1)
    for thread in list(pending):
        finish(thread)
    return v2, v1


def ike_messages(pcap: Path) -> list[bytes]:
    """IKE messages (reassembled, non-ESP marker removed) in capture order, via tshark."""
    out = subprocess.run(["tshark", "-n", "-r", str(pcap), "-Y", IKE_FILTER, "-T", "fields",
                          "-e", "udp.payload", "-e", "udp.srcport", "-e", "udp.dstport"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    msgs = []
    for line in out.splitlines():
        payload, sport, dport = (line.split("\t") + ["", "", ""])[:3]
        data = bytes.fromhex(payload.split(",")[0]) if payload else b""
        if "4500" in (sport, dport) and data[:4] == b"\0\0\0\0":
            data = data[4:]
        if len(data) >= 28:
            msgs.append(data)
    return msgs


def _matches(keys: V2Keys, msg: bytes) -> bool:
    integ = INTEG.get(keys.integ)
    if integ is None or msg[16] not in (46, 53):  # SK or SKF payload first
        return False
    _, digest, icv_len = integ
    secret = keys.secrets.get("sk_ai" if msg[19] & 0x08 else "sk_ar")
    if not secret:
        return False
    mac = hmac.new(secret, msg[:-icv_len], digest).digest()[:icv_len]
    return hmac.compare_digest(mac, msg[-icv_len:])


def v2_rows(blocks: list[V2Keys], msgs: list[bytes]) -> list[str]:
    """One table row per SPI pair whose messages the keys authenticate."""
    rows: dict[tuple[bytes, bytes], str] = {}
    for keys in blocks:
        if keys.encr not in ENCR or keys.integ not in INTEG:
            continue
        for msg in msgs:
            spis = (msg[:8], msg[8:16])
            if msg[17] >> 4 != 2 or spis in rows or not _matches(keys, msg):
                continue
            s = keys.secrets
            rows[spis] = ",".join([spis[0].hex(), spis[1].hex(), s["sk_ei"].hex(), s["sk_er"].hex(),
                                   f'"{ENCR[keys.encr]}"', s["sk_ai"].hex(), s["sk_ar"].hex(),
                                   f'"{INTEG[keys.integ][0]}"'])
    return list(rows.values())


def write_tables(pcap: Path, logs: list[Path], stem: Path) -> list[Path]:
    """Write `<stem>.ikev1_decryption_table` / `.ikev2_decryption_table` where keys exist."""
    v2: list[V2Keys] = []
    v1: dict[str, bytes] = {}
    for log in logs:
        if log.exists():
            blocks, v1keys = parse_log(log.read_text(errors="replace"))
            v2 += blocks
            v1.update((k.icookie, k.key) for k in v1keys)
    written = []
    msgs = ike_messages(pcap) if v2 or v1 else []
    rows2 = v2_rows(v2, msgs) if v2 else []
    # IKEv1 keys only for SAs with an encrypted message in the capture (a scanner's aggressive mode
    # answer derives keys that nothing on the wire uses)
    encrypted = {m[:8].hex() for m in msgs if m[17] >> 4 == 1 and m[19] & 1}
    rows1 = [f"{c},{k.hex()}" for c, k in v1.items() if c in encrypted]
    for suffix, rows in (("ikev1_decryption_table", rows1),
                         ("ikev2_decryption_table", rows2)):
        path = Path(f"{stem}.{suffix}")
        path.unlink(missing_ok=True)
        if rows:
            path.write_text("\n".join(rows) + "\n")
            written.append(path)
    return written
