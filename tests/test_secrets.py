"""What must never be printed, checked over every capture, command and format, stdout and stderr.

- Key material from --keys, in any spelling: hex in either case, with or without separators, base64;
  from Wireshark's tables, libreswan's logged key lines and tcpdump's secrets lines alike.
- The lab's passwords (XAuth, EAP, pre-shared keys), redacted or not: they travel only encrypted, and
  an opened message must not give them away.
- With --redact: the capture's addresses (every spelling), identities, SPIs, nonces and certificate
  subjects. What counts as the capture's is what ikescope itself shows without --redact, plus the
  nonces the decoder reads (shown by no output, with or without --redact).

Each capture runs every command and format in one process through CliRunner, which keeps the whole
sweep within seconds per capture.
"""

from __future__ import annotations

import base64
import html
import ipaddress
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import CORPUS, REPO
from ikescope.api import decode_file
from ikescope.cli import cli
from ikescope.crypto.keys import V1Key, V2Keys, is_tcpdump_secrets, load_key_files
from ikescope.report.redact import redact
from ikescope.wire.numbers import PL_V1_NONCE, PL_V2_NONCE

PCAPS = REPO / "pcaps"
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz")


def lab_passwords() -> list[str]:
    """Every secret the lab configures: pre-shared keys, XAuth and EAP passwords."""
    text = (REPO / "lab" / "scenarios.py").read_text() + (REPO / "lab" / "scenario.py").read_text()
    found = set(re.findall(r"""["']secret["']: *'"([^"]+)"'""", text))
    found |= set(re.findall(r"""^PSK = '"([^"]+)"'""", text, re.M))
    assert {"carol secret", "not carol secret", "correct horse battery staple"} <= found, found
    return sorted(found)


PASSWORDS = lab_passwords()


def _key_tables(capture: Path) -> list[Path]:
    """``CAPTURE.ikevN_decryption_table`` beside a capture (``NAME.ikevN_...`` for the lab's ``NAME.pcap``
    and for its pairs ``NAME.left.pcap`` / ``NAME.right.pcap``),
    or a directory's own Wireshark-named table."""
    stem = capture.name.removesuffix(".pcap") if capture.parent == PCAPS else capture.name
    if capture.parent == PCAPS:
        stem = stem.removesuffix(".left").removesuffix(".right")  # two capture points share their keys
    return sorted(p for p in capture.parent.iterdir() if p.name.endswith("_decryption_table")
                  and (p.name.startswith(stem + ".ikev") or p.name in ("ikev1_decryption_table",
                                                                       "ikev2_decryption_table")))


def _key_logs(capture: Path) -> list[Path]:
    """The daemon logs beside a lab capture that hold key lines (pluto's, in tcpdump's format)."""
    if capture.parent != PCAPS:
        return []
    return [p for p in sorted(PCAPS.glob(capture.name.removesuffix(".pcap") + ".*.log"))
            if is_tcpdump_secrets(p.read_text(errors="replace"))]


def _captures() -> list:
    found = sorted(PCAPS.glob("*.pcap"))
    if CORPUS.is_dir():
        found += sorted(p for p in CORPUS.rglob("*") if p.name.endswith(CAPTURE_SUFFIXES))
    return [pytest.param(p, id=p.relative_to(p.parents[1] if p.parent == PCAPS else CORPUS).as_posix())
            for p in found]


def _keyed_corpus_captures() -> set[Path]:
    """The corpus captures with a key table, which the sweep must include (so CORPUS missing in CI fails)."""
    return {p for p in (CORPUS.rglob("*") if CORPUS.is_dir() else ()) if p.name.endswith(CAPTURE_SUFFIXES)
            and _key_tables(p)}


# -- spellings ----------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s:.\-_,]")


def squeezed(text: str) -> str:
    """Lower case, separators gone: hex in any spelling (``AA:BB``, ``aa bb``, ``0xaabb``) reads as ``aabb``."""
    return _SEPARATORS.sub("", text.lower())


def base64_cores(data: bytes) -> set[str]:
    """The base64 characters that depend on ``data`` alone, at each of the three alignments it may have
    inside a longer encoded blob, in the standard and the URL-safe alphabet."""
    out = set()
    for shift in range(3):
        enc = base64.b64encode(bytes(shift) + data).decode()
        start = -(-shift * 4 // 3) + 1  # the first character fed by ``data`` alone
        end = (shift + len(data)) // 3 * 4 - 1  # before the last group, which padding may share
        core = enc[start:end]
        if len(core) >= 12:
            out |= {core, core.replace("+", "-").replace("/", "_")}
    return out


def hex_windows(data: bytes, width: int = 8, step: int = 4) -> set[str]:
    """``width``-byte stretches of ``data`` every ``step`` bytes, in hex: any printed stretch of
    ``width + step - 1`` bytes or more holds one, and part of a key is as bad as all of it."""
    return {data[i:i + width].hex() for i in range(0, max(1, len(data) - width + 1), step)}


def interesting(data: bytes) -> bool:
    """Bytes distinctive enough to look for: a zero placeholder key or a 00000001 SPI could match anything."""
    return len(set(data)) >= 4


def address_spellings(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> set[str]:
    """Compressed and exploded; an IPv4 address also as IPv6 maps it, in both forms."""
    if addr.version == 6:
        out = {str(addr), addr.exploded}
        return out | ({str(addr.ipv4_mapped)} if addr.ipv4_mapped is not None else set())
    mapped = ipaddress.IPv6Address(f"::ffff:{addr}")
    hi, lo = divmod(int(addr), 1 << 16)
    return {str(addr), f"::ffff:{addr}", f"::ffff:{hi:x}:{lo:x}", mapped.exploded}


# -- what each capture holds --------------------------------------------------------------------------


def key_material(tables: list[Path]) -> list[bytes]:
    store = load_key_files(tables)
    keys: list[bytes] = []
    for entry in [*store.v2.values(), *(k for ks in store.v1.values() for k in ks)]:
        if isinstance(entry, V2Keys):
            keys += [entry.sk_ei, entry.sk_er, entry.sk_ai, entry.sk_ar]
        elif isinstance(entry, V1Key):
            keys.append(entry.key)
    return [k for k in keys if interesting(k)]


def _walk(obj: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, value) of a JSON document; an SA's identity ``{"side": ..., "value": ...}`` as ``identity``."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, "identity" if k == "value" and "side" in obj else k)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v, key)
    else:
        yield key, obj


_ADDRESS_TOKEN = re.compile(r"[0-9A-Fa-f:.]{3,}")


def addresses_in(text: str) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    out = set()
    for token in _ADDRESS_TOKEN.findall(text):
        for candidate in (token, token.rstrip("."), token.strip(".:")):  # "2001:db8::" ends in colons
            try:
                out.add(ipaddress.ip_address(candidate))
                break
            except ValueError:
                continue
    return out


class Sensitive:
    """What a redacted report of one capture must not show, read from the unredacted ones."""

    def __init__(self, capture: Path, tables: list[Path], plain: list[str]) -> None:
        self.addresses: set = set()
        self.identities: set[str] = set()
        self.spis: set[bytes] = set()
        self.subjects: set[str] = set()
        for doc in (json.loads(text) for text in plain):
            for key, value in _walk(doc):
                if not isinstance(value, str) or key in ("path", "name", "code"):
                    continue
                self.addresses |= addresses_in(value)
                if key == "identity" and len(value) >= 2:
                    self.identities.add(value)
                elif key in ("subject", "issuer"):
                    self.subjects.add(value)
                elif key in ("spi", "ispi", "rspi", "spis") and re.fullmatch(r"[0-9a-f]{8,}", value):
                    self.spis.add(bytes.fromhex(value))
        self.addresses = {a for a in self.addresses if not (a.is_unspecified or int(a) + 1 == 2 ** a.max_prefixlen)}
        self.spis = {s for s in self.spis if interesting(s)}
        keys = load_key_files(tables) if tables else None
        self.nonces = {p.data for _, dec in decode_file(capture, keys, fragments=True) if dec.message is not None
                       for p in dec.message.all_payloads if p.type == (PL_V1_NONCE if dec.message.version == 1
                                                                       else PL_V2_NONCE)}

    def words(self) -> set[str]:
        """Identities and subjects, and the CN of each (a summary may quote only that)."""
        out = self.identities | self.subjects
        for dn in list(out):
            out |= {cn.strip() for cn in re.findall(r"CN=([^,/]+)", dn) if len(cn.strip()) >= 4}
        return out


# -- the runs -----------------------------------------------------------------------------------------

PLAIN = [["analyze", "--format", "json"], ["sas", "--format", "json"], ["decode", "--format", "json"]]
RUNS = [
    ["analyze"], ["analyze", "--ladder", "--all"], ["analyze", "--format", "markdown", "--ladder"],
    ["analyze", "--format", "markdown", "--all"], ["analyze", "--format", "html", "--all"],
    ["analyze", "--format", "json", "--ladder"], ["analyze", "--format", "jsonl"],
    ["analyze", "--ladder", "--notation", "charon"],
    ["sas"], ["sas", "--ladder"], ["sas", "--format", "json", "--ladder"], ["sas", "--ladder", "--notation", "charon"],
    ["decode"], ["decode", "--format", "json"],
]


def run(args: list[str], capture: Path, tables: list[Path]) -> tuple[str, str]:
    keys = [a for t in tables for a in ("--keys", str(t))]
    r = CliRunner().invoke(cli, [*args, *keys, str(capture)])
    assert r.exit_code in (0, 1), (args, r.exit_code, r.stderr)
    return r.stdout, r.stderr


def leaks(text: str, keys: list[bytes]) -> list[str]:
    """Key material and passwords found in ``text``, named by what matched, never quoted whole."""
    found = []
    flat = squeezed(text)
    for k in keys:
        if any(w in flat for w in hex_windows(k, step=1)) or any(c in text for c in base64_cores(k)):
            found.append(f"key {k[:2].hex()}...")
    low = text.lower()
    for pw in PASSWORDS:
        raw = pw.encode()
        if pw.lower() in low or raw.hex() in flat or any(c in text for c in base64_cores(raw)):
            found.append(f"password {pw[:3]}...")
    return found


def standing_alone(spelling: str, text: str, low: str, pattern: str) -> bool:
    """``spelling`` in ``text`` where ``pattern`` (around ``{}``) says it stands on its own; the plain
    substring test first, so the regular expression runs only on a hit."""
    return spelling.lower() in low and re.search(pattern.format(re.escape(spelling)), text, re.I) is not None


# An address standing on its own: a zone (%eth0), a prefix (/24) or a port (:500, ]:500) may follow.
IPV4 = r"(?<![\d.]){}(?!\d|\.\d)"
IPV6 = r"(?<![0-9A-Za-z:.]){}(?![0-9A-Za-z:]|\.\d)"
WORD = r"(?<![\w.@-]){}(?![\w@-]|\.\w)"
HEX = r"(?<![0-9a-f]){}(?![0-9a-f])"


def redaction_leaks(text: str, s: Sensitive) -> list[str]:
    found = []
    low = text.lower()
    for addr in s.addresses:
        found += [f"address {sp}" for sp in address_spellings(addr)
                  if standing_alone(sp, text, low, IPV6 if ":" in sp else IPV4)]
    found += [f"identity {w}" for w in s.words() if standing_alone(w, text, low, WORD)]
    for spi in s.spis:
        spellings = {spi.hex(), ":".join(f"{b:02x}" for b in spi), " ".join(f"{b:02x}" for b in spi)}
        if len(spi) == 4:
            spellings.add(str(int.from_bytes(spi, "big")))
        if any(standing_alone(sp, text, low, HEX) for sp in spellings):
            found.append(f"spi {spi.hex()}")
    flat = squeezed(text)
    for nonce in s.nonces:
        if interesting(nonce) and any(w in flat for w in hex_windows(nonce)):
            found.append(f"nonce {nonce[:2].hex()}...")
    return found


@pytest.mark.parametrize("capture", _captures())
def test_no_secret_in_any_output(capture: Path) -> None:
    sweep(capture, _key_tables(capture) + _key_logs(capture))


def tcpdump_secrets(table: Path, to: Path) -> Path:
    """An ikev2 table's keys as tcpdump's -E secrets lines (its CBC ciphers only)."""
    lines = []
    for row in table.read_text().splitlines():
        ispi, rspi, ei, er, enc, ai, ar, _ = row.split(",")
        cipher = "aes" + enc.split("-")[2].split(" ")[0]
        lines += [f"ikev2 I 0x{ispi} 0x{rspi} sha256:0x{ai} {cipher}-cbc:0x{ei}",
                  f"ikev2 R 0x{ispi} 0x{rspi} sha256:0x{ar} {cipher}-cbc:0x{er}"]
    to.write_text("\n".join(lines) + "\n")
    return to


@pytest.mark.parametrize("name", ["ikev2-psk-mismatch", "ikev2-eap-md5-success", "ikev2-rekey"])
def test_no_secret_in_any_output_from_tcpdump_secrets(name: str, tmp_path: Path) -> None:
    table = PCAPS / f"{name}.ikev2_decryption_table"
    assert all('"AES-CBC-' in row for row in table.read_text().splitlines())
    sweep(PCAPS / f"{name}.pcap", [tcpdump_secrets(table, tmp_path / "secrets")])


def test_the_sweep_reads_libreswan_logged_keys() -> None:
    logs = {p for c in PCAPS.glob("*.pcap") for p in _key_logs(c)}
    assert {PCAPS / "ikev2-tcp-success.alice.log", PCAPS / "ikev2-tcp-success.bob.log"} <= logs
    assert key_material(sorted(logs))


def sweep(capture: Path, tables: list[Path]) -> None:
    """Every run of RUNS on ``capture`` with the key files ``tables``, checked for what must not show."""
    keys = key_material(tables)
    plain = [run(args, capture, tables) for args in PLAIN]
    sensitive = Sensitive(capture, tables, [out for out, _ in plain])
    problems: dict[str, list[str]] = {}
    for args in RUNS:
        for redact in (False, True):
            full = [*args, "--redact"] if redact else args
            out, err = run(full, capture, tables)
            # as a reader sees it: the HTML page's character references and Mermaid's entities undone
            text = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), html.unescape(out) + err)
            text = text.replace(str(capture), "<capture>")
            for t in tables:
                text = text.replace(str(t), "<keys>")
            found = leaks(text, keys) + (redaction_leaks(text, sensitive) if redact else [])
            if found:
                problems[" ".join(full)] = sorted(set(found))
    assert not problems, "\n".join(f"{run}: {', '.join(found)}" for run, found in problems.items())


def _slips(line: str) -> Iterator[str]:
    """A key table line as a hand edit or a wrong file could spoil it: fields rotated or swapped into
    the algorithm columns, one missing, one too many, a quote left open."""
    f = line.split(",")
    yield ",".join(f[1:] + f[:1])
    yield ",".join(f[-1:] + f[:-1])
    for key_at in range(len(f)):
        g = list(f)
        for name_at in (1, 4, 7):
            if name_at < len(g) and name_at != key_at:
                g[name_at], g[key_at] = g[key_at], g[name_at]
        yield ",".join(g)
    yield ",".join(f[:-1])
    yield ",".join([*f, f[-1]])
    yield '"' + line


def _all_tables() -> list:
    tables = sorted(PCAPS.glob("*_decryption_table"))
    if CORPUS.is_dir():
        tables += sorted(CORPUS.rglob("*_decryption_table"))
    return [pytest.param(t, id=t.name if t.parent == PCAPS else t.relative_to(CORPUS).as_posix()) for t in tables]


@pytest.mark.parametrize("table", _all_tables())
def test_a_spoilt_key_table_is_reported_without_its_keys(table: Path, tmp_path: Path) -> None:
    keys = key_material([table])
    lines = [ln for ln in table.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    spoilt = tmp_path / table.name
    spoilt.write_text("\n".join(slip for ln in lines for slip in _slips(ln)) + "\n")
    alone = tmp_path / f"alone.{table.name}"
    alone.write_text(_slips(lines[0]).__next__() + "\n")  # a file of only bad lines is refused, quoting one
    for args in (["decode", "--keys", str(spoilt)], ["analyze", "--keys", str(spoilt), "--keys", str(table)],
                 ["sas", "--keys", str(alone)]):
        r = CliRunner().invoke(cli, [*args, str(PCAPS / "ikev2-psk-mismatch.pcap")])
        assert r.exit_code in (0, 1, 2) and r.stderr, (args, r.exit_code)
        assert leaks(r.stdout + r.stderr, keys) == [], (args, r.stderr)


def test_the_sweep_covers_every_keyed_capture() -> None:
    swept = {p.values[0] for p in _captures()}
    keyed = {p for p in swept if _key_tables(p)}
    assert len(keyed) >= 45 and _keyed_corpus_captures() <= keyed
    assert {t.values[0] for t in _all_tables()} == {t for p in keyed for t in _key_tables(p)}


def test_the_checks_find_what_they_look_for() -> None:
    table = PCAPS / "ikev2-psk-mismatch.ikev2_decryption_table"
    (key, *_) = key_material([table])
    spelled = [key.hex().upper(), ":".join(f"{b:02x}" for b in key), " ".join(f"{b:02X}" for b in key),
               base64.b64encode(key).decode(), base64.urlsafe_b64encode(b"x" + key).decode(), key[5:16].hex()]
    for s in spelled:
        assert leaks(f"text before {s} and after", [key]), s
    assert leaks("the password was Carol Secret", []) and leaks(b"carol secret".hex(), [])
    assert not leaks("nothing to see, 00112233", [key])

    capture = PCAPS / "ikev2-ipv6-success.pcap"
    tables = _key_tables(capture)
    sensitive = Sensitive(capture, tables, [run(args, capture, tables)[0] for args in PLAIN])
    plain = "\n".join(run(args, capture, tables)[0] for args in (["analyze"], ["sas"], ["decode"]))
    kinds = {found.split()[0] for found in redaction_leaks(plain, sensitive)}
    assert kinds == {"address", "identity", "spi"}, kinds
    addr = ipaddress.ip_address("2001:db8:1::1")
    for text in (f"[{addr.exploded.upper()}]:4500", f"{addr}%eth0 is up", f"from {addr}/64"):
        assert redaction_leaks(text, sensitive), text
    assert not redaction_leaks("from 2001:db8:1::10 and 2001:db8:1::1f", sensitive)
    v4 = Sensitive(PCAPS / "ikev2-psk-mismatch.pcap", [], [json.dumps({"src": "192.0.2.1"})])
    for text in ("192.0.2.1:500 -> x", "::ffff:192.0.2.1", "::FFFF:C000:201", "0000:0000:0000:0000:0000:ffff:c000:0201"):
        assert redaction_leaks(text, v4), text
    assert not redaction_leaks("192.0.2.10 and 192.0.2.1.5 and 10.192.0.2.1", v4)
    (nonce, *_) = sensitive.nonces
    assert redaction_leaks(f"nonce {nonce[3:14].hex(':')}", sensitive)


def test_a_name_quoted_before_the_field_that_holds_it_is_redacted() -> None:
    """A finding's summary and evidence come before the details that name the certificate."""
    finding = {"summary": "the certificate CN=gw.example.org expired",
               "evidence": [{"text": "CERT CN=gw.example.org"}], "details": {"subject": "CN=gw.example.org"}}
    red = redact({"sa": {"root_cause": {"summary": finding["summary"]}}, "findings": [finding]})[0]
    assert "example" not in json.dumps(red)
    assert red["findings"][0]["summary"] == "the certificate id-1 expired" == red["sa"]["root_cause"]["summary"]
