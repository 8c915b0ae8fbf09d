"""Wireshark's IKE key tables: parsed into a key store, bad lines kept as problems.

Wireshark keeps user tables ("UAT") as one record per line: comma-separated
fields, strings in double quotes (``\\xNN`` escapes a byte), hex byte fields
bare, ``#`` starting a comment line. strongSwan's save-keys plugin appends
lines in exactly this form, so a table from either source reads the same.

- ``ikev2_decryption_table``: SPIi, SPIr, SK_ei, SK_er, encryption algorithm,
  SK_ai, SK_ar, integrity algorithm (RFC 7296 2.14 names the keys). With an
  AEAD cipher the integrity fields are unused (save-keys writes NONE).
- ``ikev1_decryption_table``: initiator cookie, encryption key. Nothing else:
  the cipher comes from the negotiated SA, the IVs from the capture.

Algorithm names are Wireshark's ("AES-CBC-128 [RFC3602]", "HMAC_SHA2_256_128
[RFC4868]"); the bracketed reference is ignored so a hand-written table may
leave it out. Key material never appears in a problem, a repr or a log.

Two more sources hold IKEv2 keys, in one line format: tcpdump's ``-E`` secrets
(print-esp.c reads ``ikev2 I|R 0x<SPIi> 0x<SPIr> <integ>:0x<SK_a>
<cipher>:0x<SK_e>``; the I line opens what the initiator sent, R what the
responder sent) and libreswan's pluto, which with ``plutodebug=private`` logs
both lines of every IKEv2 SA it derives, after its log prefix. A file holding
such lines is read as that format; both lines of an SA are needed. The cipher
is an OpenSSL name as tcpdump looks it up (``aes128``, ``aes256-cbc``,
``3des``, a ``-hmac96`` suffix allowed); tcpdump ignores the integrity name, so
it may be missing: the key's length then says the HMAC (16 bytes MD5, 20 SHA-1,
32/48/64 SHA-2), with the truncation IKEv2 uses (RFC 7296 3.3.2, RFC 4868).
``wireshark_tables`` writes any store back as Wireshark's two tables.

``parse_table`` is pure; ``load_key_files`` is the one place here that reads
files. It raises for a file that cannot be a key table at all (missing, not a
regular file, binary, too large, or without one well-formed line), so a wrong
``--keys`` argument stops the command with one line instead of a hang or a
page of warnings.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..capture.files import NotAFile, open_regular
from ..errors import IkescopeError
from ..model import Problem, Severity

V1 = "ikev1"
V2 = "ikev2"

# Beyond these a file is not a key table. A save-keys line is at most about 600
# characters (two SPIs, four keys of up to 64 bytes in hex, two names), so the
# limits leave room for a table of 100,000 SAs and keep a wrong --keys argument
# (a capture, a log, /dev/zero) from filling memory or taking minutes to parse.
MAX_FILE_BYTES = 64 << 20
MAX_LINES = 100_000
MAX_LINE_CHARS = 4096
MAX_PROBLEMS = 100


class KeyFileError(IkescopeError):
    """A key file named on the command line is missing, unreadable or not a key table."""


@dataclass(frozen=True, slots=True)
class Encryption:
    """An IKEv2 encryption transform as the key table names it.

    mode: "cbc", "ctr", "gcm", "ccm" or "null". key_length: the cipher key in
    bytes, without the salt that CTR/GCM (4 bytes, RFC 5930, RFC 5282) and CCM
    (3 bytes, RFC 5282) append to SK_e. icv: the AEAD tag length, else 0.
    """

    name: str
    mode: str
    cipher: str  # "aes", "3des" or "" for NULL
    key_length: int
    icv: int = 0

    @property
    def salt(self) -> int:
        return {"ctr": 4, "gcm": 4, "ccm": 3}.get(self.mode, 0)

    @property
    def aead(self) -> bool:
        return self.mode in ("gcm", "ccm")


@dataclass(frozen=True, slots=True)
class Integrity:
    """An IKEv2 integrity transform: HMAC with ``hash`` cut to ``icv`` bytes (none: no ICV)."""

    name: str
    hash: str
    icv: int


def _encryption_names() -> dict[str, Encryption]:
    table = {"NULL": Encryption("NULL", "null", "", 0), "3DES": Encryption("3DES", "cbc", "3des", 24)}
    for bits in (128, 192, 256):
        for mode in ("CBC", "CTR"):
            name = f"AES-{mode}-{bits}"
            table[name] = Encryption(name, mode.lower(), "aes", bits // 8)
        for mode in ("GCM", "CCM"):
            for icv in (8, 12, 16):
                name = f"AES-{mode}-{bits} with {icv} octet ICV"
                table[name] = Encryption(name, mode.lower(), "aes", bits // 8, icv)
    return table


# Wireshark's names, without the bracketed RFC reference, compared case-insensitively.
ENCRYPTIONS: dict[str, Encryption] = {k.upper(): v for k, v in _encryption_names().items()}
INTEGRITIES: dict[str, Integrity] = {i.name.upper(): i for i in (
    Integrity("NONE", "", 0),
    Integrity("HMAC_MD5_96", "md5", 12),      # RFC 2403
    Integrity("HMAC_SHA1_96", "sha1", 12),    # RFC 2404
    Integrity("HMAC_MD5_128", "md5", 16),     # RFC 4595
    Integrity("HMAC_SHA1_160", "sha1", 20),   # RFC 4595
    Integrity("HMAC_SHA2_256_96", "sha256", 12),
    Integrity("HMAC_SHA2_256_128", "sha256", 16),  # RFC 4868
    Integrity("HMAC_SHA2_384_192", "sha384", 24),
    Integrity("HMAC_SHA2_512_256", "sha512", 32),
)}


@dataclass(frozen=True, slots=True)
class V2Keys:
    """The keys of one IKEv2 SA (one line of an ikev2_decryption_table)."""

    spi_i: bytes
    spi_r: bytes
    sk_ei: bytes = field(repr=False)
    sk_er: bytes = field(repr=False)
    encryption: Encryption
    sk_ai: bytes = field(repr=False)
    sk_ar: bytes = field(repr=False)
    integrity: Integrity
    source: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class V1Key:
    """The phase-1 encryption key of one IKEv1 SA (one line of an ikev1_decryption_table)."""

    cookie_i: bytes
    key: bytes = field(repr=False)
    source: str = ""
    line: int = 0


KeyEntry = V1Key | V2Keys


@dataclass(frozen=True, slots=True)
class KeyStore:
    """Keys by SA: IKEv2 by (SPIi, SPIr), IKEv1 by the initiator cookie.

    problems: what was wrong in the tables read (each a line the store skipped).
    For IKEv2 a later line for the same SA replaces an earlier one, as in
    Wireshark. For IKEv1 distinct keys for one cookie are all kept: each
    gateway derives its key from its own pre-shared key, so the tables of both
    sides of a mismatch hold two, each opening one side's messages.
    """

    v2: dict[tuple[bytes, bytes], V2Keys] = field(default_factory=dict)
    v1: dict[bytes, tuple[V1Key, ...]] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    @classmethod
    def of(cls, entries: Iterable[KeyEntry], problems: Iterable[Problem] = ()) -> KeyStore:
        store = cls(problems=tuple(problems))
        for e in entries:
            if isinstance(e, V2Keys):
                store.v2[(e.spi_i, e.spi_r)] = e
            else:
                known = store.v1.get(e.cookie_i, ())
                if all(k.key != e.key for k in known):
                    store.v1[e.cookie_i] = (*known, e)
        return store

    def ikev2(self, spi_i: bytes, spi_r: bytes) -> V2Keys | None:
        return self.v2.get((bytes(spi_i), bytes(spi_r)))

    def ikev1(self, cookie_i: bytes) -> tuple[V1Key, ...]:
        return self.v1.get(bytes(cookie_i), ())

    def __len__(self) -> int:
        return len(self.v1) + len(self.v2)

    def __repr__(self) -> str:
        return f"KeyStore({len(self.v2)} IKEv2 SAs, {len(self.v1)} IKEv1 SAs, {len(self.problems)} problems)"


def kind_of(name: str) -> str | None:
    """The table kind a file name says (Wireshark's own names, or any name containing them)."""
    low = name.lower()
    for kind in (V1, V2):
        if f"{kind}_decryption_table" in low:
            return kind
    return None


def split_fields(line: str) -> list[str] | None:
    """The fields of one UAT line, quotes removed and ``\\xNN`` decoded; None if a quote is left open."""
    fields: list[str] = []
    cur: list[str] = []
    i, n = 0, len(line)
    quoted = False
    while i < n:
        c = line[i]
        if quoted:
            if c == '"':
                quoted = False
            elif c == "\\" and i + 1 < n:
                if line[i + 1] == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", line[i + 2:i + 4]):
                    cur.append(chr(int(line[i + 2:i + 4], 16)))
                    i += 3
                else:
                    cur.append(line[i + 1])
                    i += 1
            else:
                cur.append(c)
        elif c == '"':
            quoted = True
        elif c == ",":
            fields.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if quoted:
        return None
    fields.append("".join(cur).strip())
    return fields


def _algorithm_key(name: str) -> str:
    """A name as the tables compare it: the bracketed reference dropped, spaces squeezed, upper case."""
    return " ".join(re.sub(r"\[[^\]]*\]", "", name).split()).upper()


class _Bad(Exception):
    """One field of one line is unusable; the message names the field, never its value."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def _hex(value: str, what: str, length: int | None = None) -> bytes:
    text = value.strip()
    if text[:2].lower() == "0x":
        text = text[2:]
    if len(text) % 2 or not re.fullmatch(r"[0-9a-fA-F]*", text):
        raise _Bad("crypto.bad_key_line", f"{what} is not hexadecimal bytes")
    raw = bytes.fromhex(text)
    if length is not None and len(raw) != length:
        raise _Bad("crypto.bad_key_line", f"{what} has {len(raw)} bytes, {length} expected")
    return raw


def _unknown_algorithm(what: str, value: str) -> tuple[str, str]:
    """The problem for an algorithm field ikescope cannot use. Its value is quoted only when it reads as a
    name: hex there is most likely a key in the wrong column, and a key is never printed."""
    if re.fullmatch(r"\s*(0[xX])?[0-9a-fA-F]{8,}\s*", value):
        return "crypto.bad_key_line", (f"the {what} algorithm field holds hexadecimal bytes, not a name; "
                                       "are the fields in Wireshark's order?")
    if len(value) > 60 or not value.isprintable():
        return "crypto.bad_key_line", f"the {what} algorithm field is not an algorithm name"
    return "crypto.unsupported_algorithm", f"{what} algorithm {value!r} is not one ikescope knows"


def _v2_entry(f: list[str], source: str, line: int) -> V2Keys:
    if f[0].upper().startswith(("IPV4", "IPV6", "ANY")):
        raise _Bad("crypto.bad_key_line", "this is an ESP SA line (Wireshark's esp_sa table); ikescope reads "
                                          "only the IKE key tables")
    if len(f) != 8:
        raise _Bad("crypto.bad_key_line", f"an ikev2 line has 8 fields (SPIi, SPIr, SK_ei, SK_er, encryption, "
                                          f"SK_ai, SK_ar, integrity), this one {len(f)}")
    enc = ENCRYPTIONS.get(_algorithm_key(f[4]))
    if enc is None:
        raise _Bad(*_unknown_algorithm("encryption", f[4]))
    integ = INTEGRITIES.get(_algorithm_key(f[7]))
    if integ is None:
        raise _Bad(*_unknown_algorithm("integrity", f[7]))
    key_length = enc.key_length + enc.salt
    return V2Keys(spi_i=_hex(f[0], "SPIi", 8), spi_r=_hex(f[1], "SPIr", 8),
                  sk_ei=_hex(f[2], "SK_ei", key_length), sk_er=_hex(f[3], "SK_er", key_length), encryption=enc,
                  sk_ai=_hex(f[5], "SK_ai"), sk_ar=_hex(f[6], "SK_ar"), integrity=integ, source=source, line=line)


def _v1_entry(f: list[str], source: str, line: int) -> V1Key:
    if len(f) != 2:
        raise _Bad("crypto.bad_key_line", f"an ikev1 line has 2 fields (initiator cookie, encryption key), "
                                          f"this one {len(f)}")
    key = _hex(f[1], "encryption key")
    if len(key) not in (8, 16, 24, 32):
        raise _Bad("crypto.bad_key_line", f"the encryption key has {len(key)} bytes; DES, 3DES and AES keys "
                                          "have 8, 24, or 16/24/32")
    return V1Key(cookie_i=_hex(f[0], "initiator cookie", 8), key=key, source=source, line=line)


def parse_table(text: str, kind: str | None = None, source: str = "") -> tuple[list[KeyEntry], list[Problem]]:
    """Every usable line of a key table, and a problem for each line that is not.

    kind: ``"ikev1"`` or ``"ikev2"``; None lets each line's field count decide
    (2 fields: IKEv1, 8: IKEv2). ``Problem.offset`` is the 1-based line number.
    Only the first ``MAX_LINES`` lines are read, and a line longer than
    ``MAX_LINE_CHARS`` is a problem without being parsed.
    """
    entries: list[KeyEntry] = []
    problems: list[Problem] = []
    where = f"{source}: " if source else ""
    for number, raw in enumerate(text.splitlines()[:MAX_LINES], 1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        try:
            if len(line) > MAX_LINE_CHARS:
                raise _Bad("crypto.bad_key_line", f"over {MAX_LINE_CHARS} characters long, which no key table line is")
            fields = split_fields(line)
            if fields is None:
                raise _Bad("crypto.bad_key_line", "a quoted field is not closed")
            line_kind = kind or (V1 if len(fields) == 2 else V2)
            entries.append(_v1_entry(fields, source, number) if line_kind == V1 else
                           _v2_entry(fields, source, number))
        except _Bad as bad:
            if len(problems) < MAX_PROBLEMS:
                problems.append(Problem(bad.code, f"{where}line {number}: {bad}; line skipped", offset=number,
                                        severity=Severity.WARNING))
    return entries, problems


# tcpdump's "ikev2" secrets line (print-esp.c, esp_print_decode_ikeline), anywhere in a line, so
# pluto's log lines ("Dec  4 14:30:13.461141: | ikev2 I ...") read as they stand.
TCPDUMP_LINE = re.compile(r"(?:^|[\s|])ikev2[ \t]+(\S+)[ \t]+(\S+)[ \t]+(\S+)[ \t]+(\S+)[ \t]+(\S+)[ \t]*$")
_TCPDUMP_SIGN = re.compile(r"(?:^|[\s|])ikev2[ \t]+\S+[ \t]+0x[0-9a-fA-F]{16}[ \t]", re.MULTILINE)
# OpenSSL's cipher names as tcpdump passes them to EVP_get_cipherbyname (after cutting "-hmac96", "-cbc")
_TCPDUMP_CIPHERS = {"aes128": "AES-CBC-128", "aes-128": "AES-CBC-128", "aes192": "AES-CBC-192",
                    "aes-192": "AES-CBC-192", "aes256": "AES-CBC-256", "aes-256": "AES-CBC-256",
                    "3des": "3DES", "des-ede3": "3DES", "null": "NULL"}
_TCPDUMP_HMACS = {"md5": "HMAC_MD5_96", "sha1": "HMAC_SHA1_96", "sha256": "HMAC_SHA2_256_128",
                  "sha2_256": "HMAC_SHA2_256_128", "sha384": "HMAC_SHA2_384_192", "sha2_384": "HMAC_SHA2_384_192",
                  "sha512": "HMAC_SHA2_512_256", "sha2_512": "HMAC_SHA2_512_256"}
_HMAC_BY_KEY = {16: "HMAC_MD5_96", 20: "HMAC_SHA1_96", 32: "HMAC_SHA2_256_128", 48: "HMAC_SHA2_384_192",
                64: "HMAC_SHA2_512_256"}


def is_tcpdump_secrets(text: str) -> bool:
    """Whether ``text`` holds tcpdump's IKEv2 secrets lines (a secrets file, or a pluto log)."""
    return _TCPDUMP_SIGN.search(text) is not None


def _keyed(field: str, what: str) -> tuple[str, bytes]:
    """(lower-case name, key) of a tcpdump "name:0xkey" field."""
    name, colon, value = field.partition(":")
    if not colon:
        raise _Bad("crypto.bad_key_line", f"the {what} field is not name:0xkey")
    if not value.lower().startswith("0x"):
        raise _Bad("crypto.bad_key_line", f"the {what} key is not written as 0x and hexadecimal bytes")
    return name.lower(), _hex(value, f"the {what} key")


def _tcpdump_half(f: tuple[str, ...]) -> tuple[bool, bytes, bytes, Encryption, bytes, Integrity, bytes]:
    """(initiator line, SPIi, SPIr, cipher, SK_e, integrity, SK_a) of one tcpdump ikev2 line."""
    role, ispi, rspi, auth, enc = f
    if role not in ("I", "R"):
        raise _Bad("crypto.bad_key_line", "the second field of an ikev2 line is I or R")
    if not (ispi[:2] == "0x" and rspi[:2] == "0x"):
        raise _Bad("crypto.bad_key_line", "the SPIs of an ikev2 line are written 0x and 16 hexadecimal digits")
    cipher, sk_e = _keyed(enc, "encryption")
    base = cipher.removesuffix("-hmac96").removesuffix("-cbc")
    name = _TCPDUMP_CIPHERS.get(base) or (f"AES-CBC-{len(sk_e) * 8}" if base == "aes" else None)
    if name is None or name.upper() not in ENCRYPTIONS:
        raise _Bad(*_unknown_algorithm("encryption", cipher))
    encryption = ENCRYPTIONS[name.upper()]
    if len(sk_e) != encryption.key_length:
        raise _Bad("crypto.bad_key_line", f"the encryption key has {len(sk_e)} bytes, {encryption.name} takes "
                                          f"{encryption.key_length}")
    hmac, sk_a = _keyed(auth, "integrity")
    integ = _TCPDUMP_HMACS.get(hmac.removeprefix("hmac-").removeprefix("hmac_")) or _HMAC_BY_KEY.get(len(sk_a))
    if integ is None:
        raise _Bad("crypto.bad_key_line", f"no HMAC takes an integrity key of {len(sk_a)} bytes")
    return (role == "I", _hex(ispi, "SPIi", 8), _hex(rspi, "SPIr", 8), encryption, sk_e, INTEGRITIES[integ], sk_a)


def parse_tcpdump(text: str, source: str = "") -> tuple[list[KeyEntry], list[Problem]]:
    """The IKEv2 SAs of tcpdump's secrets lines (or a pluto log's), and a problem for each line that
    is not usable or whose SA lacks its other line. Other lines (ESP SAs, a log's other lines) are
    not key lines of IKE and are passed over; the limits are those of ``parse_table``."""
    halves: dict[tuple[bytes, bytes], dict[bool, tuple]] = {}
    problems: list[Problem] = []
    where = f"{source}: " if source else ""

    def problem(code: str, number: int, detail: str) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(code, f"{where}line {number}: {detail}", offset=number, severity=Severity.WARNING))

    for number, raw in enumerate(text.splitlines()[:MAX_LINES], 1):
        if len(raw) > MAX_LINE_CHARS or "ikev2" not in raw:
            continue
        m = TCPDUMP_LINE.search(raw)
        if m is None:
            continue
        try:
            initiator, ispi, rspi, enc, sk_e, integ, sk_a = _tcpdump_half(m.groups())
        except _Bad as bad:
            problem(bad.code, number, f"{bad}; line skipped")
            continue
        halves.setdefault((ispi, rspi), {})[initiator] = (enc, sk_e, integ, sk_a, number)
    entries: list[KeyEntry] = []
    for (ispi, rspi), sides in halves.items():
        if len(sides) < 2:
            ((initiator, (*_, number)),) = sides.items()
            problem("crypto.bad_key_line", number, f"the {'R' if initiator else 'I'} line of this IKE SA is "
                    f"missing: tcpdump's format gives each direction its own line, and ikescope needs both")
            continue
        (enc_i, ei, integ, ai, _), (enc_r, er, _, ar, number) = sides[True], sides[False]
        if enc_i != enc_r:
            problem("crypto.bad_key_line", number, "the I and R lines of this IKE SA name different ciphers")
            continue
        entries.append(V2Keys(spi_i=ispi, spi_r=rspi, sk_ei=ei, sk_er=er, encryption=enc_i, sk_ai=ai, sk_ar=ar,
                              integrity=integ, source=source, line=number))
    return entries, problems


# Wireshark's names with their references, as its IKEv2 decryption table's choices spell them
# (packet-isakmp.c); a table written with other spellings would not load there.
_WIRESHARK_REFS = {"cbc": "RFC3602", "ctr": "RFC5930", "gcm": "RFC5282", "ccm": "RFC5282"}
_WIRESHARK_INTEG_REFS = {"NONE": "RFC4306", "HMAC_MD5_96": "RFC2403", "HMAC_SHA1_96": "RFC2404",
                         "HMAC_MD5_128": "RFC4595", "HMAC_SHA1_160": "RFC4595",
                         "HMAC_SHA2_256_96": "draft-ietf-ipsec-ciph-sha-256-00"}


def _wireshark_encryption(e: Encryption) -> str:
    ref = "RFC2451" if e.name == "3DES" else "RFC2410" if e.mode == "null" else _WIRESHARK_REFS[e.mode]
    return f"{e.name} [{ref}]"


def _wireshark_integrity(i: Integrity) -> str:
    return f"{i.name} [{_WIRESHARK_INTEG_REFS.get(i.name, 'RFC4868')}]"


def wireshark_tables(store: KeyStore) -> dict[str, list[str]]:
    """The store as Wireshark's tables: lines of ``ikev1_decryption_table`` and of
    ``ikev2_decryption_table``, by kind (a kind without keys has no lines)."""
    v2 = [f"{k.spi_i.hex()},{k.spi_r.hex()},{k.sk_ei.hex()},{k.sk_er.hex()},"
          f"\"{_wireshark_encryption(k.encryption)}\",{k.sk_ai.hex()},{k.sk_ar.hex()},"
          f"\"{_wireshark_integrity(k.integrity)}\"" for k in store.v2.values()]
    # distinct keys for one cookie (the two sides of a pre-shared key mismatch) each keep their line
    v1 = [f"{cookie.hex()},{k.key.hex()}" for cookie, keys in store.v1.items() for k in keys]
    return {V1: v1, V2: v2}


def _read_table(p: Path) -> str:
    """The text of a key file, or KeyFileError saying in one line why it cannot be a key table."""
    try:
        with open_regular(p) as f:
            # The size said first, so a huge file is refused unread; the read is bounded as well,
            # for files whose size says nothing (those of /proc).
            data = f.read(MAX_FILE_BYTES + 1) if os.fstat(f.fileno()).st_size <= MAX_FILE_BYTES else None
    except NotAFile as exc:
        raise KeyFileError(f"key file {p}: {exc}, not a key table") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {p}: {exc.strerror or exc}") from None
    if data is None or len(data) > MAX_FILE_BYTES:
        raise KeyFileError(f"key file {p}: larger than {MAX_FILE_BYTES >> 20} MiB, not a key table")
    if b"\0" in data:  # text never holds one; captures, executables and random bytes do
        raise KeyFileError(f"key file {p}: binary data, not a key table")
    text = data.decode("utf-8", errors="replace")
    if len(text.splitlines()) > MAX_LINES:
        raise KeyFileError(f"key file {p}: more than {MAX_LINES} lines, not a key table")
    return text


def load_key_files(paths: Iterable[str | Path]) -> KeyStore:
    """Read key tables into one store; raises KeyFileError for a file that is not one (see the module).

    A file whose name does not say ikev1/ikev2 and that holds tcpdump's ikev2 secrets lines is read
    in that format (a tcpdump secrets file, a pluto log). Otherwise it is a Wireshark table, its kind
    from the file name when it says ikev1/ikev2, else from each line. A file
    none of whose lines is well-formed is refused; a file with lines for algorithms ikescope does not
    know is only warned about, since the other tables may still open the capture.
    """
    entries: list[KeyEntry] = []
    problems: list[Problem] = []
    for path in paths:
        p = Path(path)
        text = _read_table(p)
        kind = kind_of(p.name)
        if kind is None and is_tcpdump_secrets(text):
            found, bad = parse_tcpdump(text, str(p))
            if not found and bad:
                first = bad[0].detail.removeprefix(f"{p}: ")
                raise KeyFileError(f"key file {p}: its tcpdump/libreswan key lines give no IKE SA ({first})")
            entries += found
            problems += bad
            continue
        found, bad = parse_table(text, kind, str(p))
        malformed = [b for b in bad if b.code == "crypto.bad_key_line"]
        if not found and malformed and len(malformed) == len(bad):
            first = malformed[0].detail.removeprefix(f"{p}: ").removesuffix("; line skipped")
            raise KeyFileError(f"key file {p}: not a key table, no line of it is one ({first})")
        entries += found
        problems += bad
    return KeyStore.of(entries, problems)
