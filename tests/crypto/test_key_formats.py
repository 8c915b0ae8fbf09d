"""Keys in tcpdump's -E secrets lines and in libreswan's logged key lines, proven with the real tools:
tcpdump decrypts a lab capture with the lines ikescope reads, pluto's own log (made by the lab) opens
its capture, and tshark decrypts with the table ``keys convert`` writes from them."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import REPO
from ikescope import api
from ikescope.cli import cli
from ikescope.track.tracker import TrackerSettings
from ikescope.crypto.keys import (KeyFileError, V2Keys, is_tcpdump_secrets, load_key_files, parse_table,
                                  parse_tcpdump)

PCAPS = REPO / "pcaps"
NAME = "ikev2-psk-success"  # AES-CBC-256 with HMAC_SHA2_256_128, as tcpdump can decrypt
LIBRESWAN = "ikev2-tcp-success"  # libreswan on both sides, its keys only in pluto's logs


def need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing in CI")
        pytest.skip(f"{tool} is not installed (apt-get install {tool})")
    return found


def secrets_file(table: Path, to: Path) -> Path:
    """A Wireshark ikev2 table written out by hand in tcpdump's ikev2 line syntax (print-esp.c):
    one line per direction, I for what the initiator sends, R for the responder."""
    rows = []
    for row in table.read_text().splitlines():
        ispi, rspi, ei, er, enc, ai, ar, _ = row.split(",")
        assert enc == '"AES-CBC-256 [RFC3602]"'
        rows += [f"ikev2 I 0x{ispi} 0x{rspi} sha256:0x{ai} aes256-cbc:0x{ei}",
                 f"ikev2 R 0x{ispi} 0x{rspi} sha256:0x{ar} aes256-cbc:0x{er}"]
    to.write_text("# made from " + table.name + "\n" + "\n".join(rows) + "\n")
    return to


def tcpdump(pcap: Path, *args: str) -> str:
    """tcpdump's verbose print; it opens the secrets file late, after giving up root for its own user
    (-Z), so it is told to stay the user running the test, who can read the test's files."""
    me = pwd.getpwuid(os.getuid()).pw_name
    return subprocess.run([need("tcpdump"), "-n", "-vvv", "-Z", me, "-r", str(pcap), *args], capture_output=True,
                          text=True, timeout=60).stdout


def test_tcpdump_decrypts_with_the_lines_ikescope_reads(tmp_path: Path) -> None:
    table = PCAPS / f"{NAME}.ikev2_decryption_table"
    secrets = secrets_file(table, tmp_path / "secrets")
    pcap = PCAPS / f"{NAME}.pcap"
    opened, closed = tcpdump(pcap, "-E", f"file {secrets}"), tcpdump(pcap)
    # tcpdump prints the payloads inside SK only when the lines' keys opened it
    assert "v2IDi" in opened and "rfc822:alice@example.org" in opened and "v2IDr" in opened
    assert "v2IDi" not in closed
    (ours,), problems = parse_tcpdump(secrets.read_text())
    (theirs,), _ = parse_table(table.read_text(), "ikev2")
    assert problems == [] and isinstance(ours, V2Keys)
    assert [getattr(ours, f) for f in ("spi_i", "spi_r", "sk_ei", "sk_er", "sk_ai", "sk_ar", "encryption",
                                       "integrity")] == \
           [getattr(theirs, f) for f in ("spi_i", "spi_r", "sk_ei", "sk_er", "sk_ai", "sk_ar", "encryption",
                                         "integrity")]
    out = CliRunner().invoke(cli, ["analyze", "--fail-on", "never", "--ladder", "--notation", "charon",
                                   "--keys", str(secrets), str(pcap)]).output
    assert "IKE_AUTH request 1 [ IDi N(INIT_CONTACT) IDr" in out


def test_convert_writes_the_table_strongswan_wrote(tmp_path: Path) -> None:
    table = PCAPS / f"{NAME}.ikev2_decryption_table"
    r = CliRunner().invoke(cli, ["keys", "convert", str(secrets_file(table, tmp_path / "secrets"))])
    assert r.exit_code == 0 and r.stdout == table.read_text()


def test_tshark_decrypts_with_the_converted_table(tmp_path: Path) -> None:
    need("tshark")
    conf = tmp_path / "config" / "wireshark"
    conf.mkdir(parents=True)
    secrets = secrets_file(PCAPS / f"{NAME}.ikev2_decryption_table", tmp_path / "secrets")
    r = CliRunner().invoke(cli, ["keys", "convert", str(secrets), "-o", str(conf)])
    assert r.exit_code == 0 and (conf / "ikev2_decryption_table").stat().st_mode & 0o077 == 0

    def identities(config_home: Path) -> int:
        env = {**os.environ, "XDG_CONFIG_HOME": str(config_home), "HOME": str(tmp_path)}
        out = subprocess.run(["tshark", "-r", str(PCAPS / f"{NAME}.pcap"), "-V"], capture_output=True, text=True,
                             env=env, timeout=120).stdout
        return out.count("alice@example.org")

    assert identities(tmp_path / "config") > 0 and identities(tmp_path / "none") == 0


def test_pluto_logs_the_keys_of_its_ike_sa() -> None:
    """The lab runs pluto with plutodebug=private; its published logs keep the key lines."""
    logs = [PCAPS / f"{LIBRESWAN}.alice.log", PCAPS / f"{LIBRESWAN}.bob.log"]
    assert all(is_tcpdump_secrets(p.read_text()) for p in logs)
    stores = [load_key_files([p]) for p in logs]
    assert all(s.problems == () for s in stores)
    # both peers logged the same SA's keys
    alice, bob = ([(spis, k.sk_ei, k.sk_er, k.sk_ai, k.sk_ar) for spis, k in s.v2.items()] for s in stores)
    assert alice == bob and len(alice) == 1
    (sa,) = api.track(api.decode_file(PCAPS / f"{LIBRESWAN}.pcap", stores[0]), TrackerSettings(charon=True))
    assert set(stores[0].v2) == {(sa.ispi, sa.rspi)}
    said = [line for m in sa.messages for line in m.charon]
    assert "IKE_AUTH request 1 [ IDi IDr AUTH SA TSi TSr ]" in said
    assert "IKE_AUTH response 1 [ IDr AUTH SA TSi TSr ]" in said
    (plain,) = api.track(api.decode_file(PCAPS / f"{LIBRESWAN}.pcap"), TrackerSettings(charon=True))
    assert "IKE_AUTH request 1 [ SK ]" in [line for m in plain.messages for line in m.charon]


def test_convert_merges_into_the_tables_already_there(tmp_path: Path) -> None:
    conf = tmp_path / "wireshark"
    conf.mkdir()
    v1 = PCAPS / "ikev1-psk-mismatch.ikev1_decryption_table"
    shutil.copy(v1, conf / "ikev1_decryption_table")
    r = CliRunner().invoke(cli, ["keys", "convert", str(PCAPS / f"{LIBRESWAN}.bob.log"), "-o", str(conf)])
    assert r.exit_code == 0, r.output
    # both keys of the mismatch's one cookie stay, and the libreswan SA is added
    assert sorted((conf / "ikev1_decryption_table").read_text().split()) == sorted(v1.read_text().split())
    assert len(load_key_files([conf / "ikev2_decryption_table"]).v2) == 1
    both = CliRunner().invoke(cli, ["keys", "convert", str(v1), str(PCAPS / f"{LIBRESWAN}.bob.log")])
    assert both.exit_code == 2 and "-o" in both.output


@pytest.mark.parametrize("lines, words", [
    (["ikev2 I 0x0011223344556677 0x8899aabbccddeeff sha1:0x" + "ab" * 20 + " aes128-cbc:0x" + "cd" * 16],
     "the R line of this IKE SA is missing"),
    (["ikev2 X 0x0011223344556677 0x8899aabbccddeeff sha1:0x" + "ab" * 20 + " aes128:0x" + "cd" * 16],
     "I or R"),
    (["ikev2 I 0x0011223344556677 0x8899aabbccddeeff sha1:0x" + "ab" * 20 + " aes128:0x" + "cd" * 15],
     "the encryption key has 15 bytes"),
    (["ikev2 I 0x0011223344556677 0x8899aabbccddeeff sha1:0x" + "ab" * 20 + " blowfish:0x" + "cd" * 16],
     "'blowfish' is not one ikescope knows"),
    (["ikev2 I 0x0011223344556677 0x8899aabbccddeeff sha1:0x" + "ab" * 20 + " aes128:" + "cd" * 16],
     "0x and hexadecimal"),
])
def test_a_bad_secrets_line_is_named_without_its_keys(lines: list[str], words: str, tmp_path: Path) -> None:
    path = tmp_path / "secrets"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(KeyFileError) as info:
        load_key_files([path])
    assert words in str(info.value) and "abab" not in str(info.value) and "cdcd" not in str(info.value)


def test_an_integrity_key_says_its_hmac_when_the_name_does_not() -> None:
    lines = "\n".join(f"ikev2 {r} 0x0011223344556677 0x8899aabbccddeeff :0x{'ab' * n} aes:0x{'cd' * 24}"
                      for r in "IR" for n in (48,))
    (entry,), problems = parse_tcpdump(lines)
    assert problems == [] and isinstance(entry, V2Keys)
    assert entry.integrity.name == "HMAC_SHA2_384_192" and entry.encryption.name == "AES-CBC-192"
