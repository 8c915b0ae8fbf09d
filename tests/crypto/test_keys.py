"""Key tables as Wireshark and strongSwan's save-keys plugin write them, and what a bad line becomes."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import CORPUS, REPO
from ikescope.crypto.keys import (ENCRYPTIONS, INTEGRITIES, KeyFileError, KeyStore, V1Key, V2Keys, kind_of,
                                  load_key_files, parse_table, split_fields)

SPI_I, SPI_R = "a0f2f54250e11547", "9aad7b824128e95d"
V2_LINE = (f'{SPI_I},{SPI_R},{"11" * 32},{"22" * 32},"AES-CBC-256 [RFC3602]",{"33" * 32},{"44" * 32},'
           '"HMAC_SHA2_256_128 [RFC4868]"')


def all_tables() -> list[Path]:
    found = sorted((REPO / "pcaps").glob("*_decryption_table"))
    if CORPUS.is_dir():
        found += sorted(CORPUS.rglob("*decryption_table"))
    return found


@pytest.mark.parametrize("table", all_tables(), ids=lambda p: p.name)
def test_every_table_in_the_repository_and_corpus_parses_cleanly(table: Path) -> None:
    entries, problems = parse_table(table.read_text(), kind_of(table.name), str(table))
    assert entries and problems == []
    kind = kind_of(table.name)
    assert all(isinstance(e, V1Key if kind == "ikev1" else V2Keys) for e in entries)


def test_save_keys_ikev2_line() -> None:
    (entry,), problems = parse_table(V2_LINE, "ikev2")
    assert problems == []
    assert isinstance(entry, V2Keys)
    assert (entry.spi_i.hex(), entry.spi_r.hex()) == (SPI_I, SPI_R)
    assert entry.encryption.mode == "cbc" and entry.encryption.key_length == 32
    assert entry.integrity.hash == "sha256" and entry.integrity.icv == 16
    assert entry.sk_ei == b"\x11" * 32 and entry.line == 1


def test_store_lookup_by_spis_and_cookie() -> None:
    entries, _ = parse_table(f"# comment\n\n{V2_LINE}\r\n0011223344556677,{'ab' * 16}\n")
    store = KeyStore.of(entries)
    found = store.ikev2(bytes.fromhex(SPI_I), bytes.fromhex(SPI_R))
    assert found is not None and (found.sk_ei, found.sk_ar) == (b"\x11" * 32, b"\x44" * 32)
    assert store.ikev2(bytes.fromhex(SPI_R), bytes.fromhex(SPI_I)) is None
    assert [k.key for k in store.ikev1(bytes.fromhex("0011223344556677"))] == [b"\xab" * 16]
    assert len(store) == 2


def test_key_material_never_in_repr() -> None:
    entries, _ = parse_table(V2_LINE + f"\n0011223344556677,{'ab' * 16}")
    text = repr(entries) + repr(KeyStore.of(entries))
    assert "11" * 8 not in text and "ab" * 8 not in text and "\\x11\\x11" not in text and "\\xab" not in text


def test_names_wireshark_and_save_keys_use() -> None:
    for bits in (128, 192, 256):
        for name in (f"AES-CBC-{bits}", f"AES-CTR-{bits}"):
            assert name.upper() in ENCRYPTIONS
        for icv in (8, 12, 16):
            assert ENCRYPTIONS[f"AES-GCM-{bits} WITH {icv} OCTET ICV"].icv == icv
            assert ENCRYPTIONS[f"AES-CCM-{bits} WITH {icv} OCTET ICV"].salt == 3
    assert ENCRYPTIONS["3DES"].key_length == 24
    for name in ("NONE", "HMAC_MD5_96", "HMAC_SHA1_96", "HMAC_SHA2_256_128", "HMAC_SHA2_384_192",
                 "HMAC_SHA2_512_256"):
        assert name in INTEGRITIES


def test_uat_quoting() -> None:
    assert split_fields('a,"b, c",\\x41,"\\x41\\"q"') == ["a", "b, c", "\\x41", 'A"q']
    assert split_fields('"open') is None
    assert split_fields("a,,b") == ["a", "", "b"]


@pytest.mark.parametrize("line, code, words", [
    ("0011," + "ab" * 16, "crypto.bad_key_line", "cookie"),
    ("0011223344556677,xyz0", "crypto.bad_key_line", "not hexadecimal"),
    ("0011223344556677,abcd", "crypto.bad_key_line", "2 bytes"),
    ('"0011223344556677,abcd', "crypto.bad_key_line", "quoted"),
    (V2_LINE.replace("AES-CBC-256", "TWOFISH-CBC-256"), "crypto.unsupported_algorithm", "TWOFISH"),
    (V2_LINE.replace("HMAC_SHA2_256_128", "AES-XCBC-96"), "crypto.unsupported_algorithm", "XCBC"),
    (V2_LINE.replace('"AES-CBC-256 [RFC3602]"', "11" * 32), "crypto.bad_key_line", "holds hexadecimal bytes"),
    (V2_LINE.replace('"HMAC_SHA2_256_128 [RFC4868]"', "0x" + "ab" * 16), "crypto.bad_key_line", "fields in"),
    (V2_LINE.replace('"AES-CBC-256 [RFC3602]"', "z" * 80), "crypto.bad_key_line", "not an algorithm name"),
    (V2_LINE.replace("11" * 32, "11" * 16), "crypto.bad_key_line", "SK_ei has 16 bytes, 32 expected"),
    (V2_LINE.replace('"AES-CBC-256 [RFC3602]"', '"AES-GCM-256 with 16 octet ICV [RFC5282]"'),
     "crypto.bad_key_line", "SK_ei has 32 bytes, 36 expected"),
    ("1,2,3", "crypto.bad_key_line", "8 fields"),
    ('"IPv4","192.0.2.1","192.0.2.2","0x01020304","AES-CBC [RFC3602]","0x00","NULL",""',
     "crypto.bad_key_line", "esp_sa"),
])
def test_bad_lines_are_problems(line: str, code: str, words: str) -> None:
    entries, problems = parse_table(f"# header\n{line}\n", None, "t.txt")
    assert entries == []
    assert [p.code for p in problems] == [code]
    assert words in problems[0].detail and problems[0].offset == 2
    assert "1111" not in problems[0].detail and "abcd" not in problems[0].detail


def test_a_bad_line_spoils_only_itself() -> None:
    entries, problems = parse_table(f"nonsense\n{V2_LINE}\n", "ikev2")
    assert len(entries) == 1 and len(problems) == 1


def test_missing_file_is_an_environment_error(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot read key file"):
        load_key_files([tmp_path / "absent"])


def test_files_combine_and_name_their_kind(tmp_path: Path) -> None:
    v2 = tmp_path / "x.ikev2_decryption_table"
    v2.write_text(V2_LINE + "\n")
    v1 = tmp_path / "keys.txt"
    v1.write_text(f"0011223344556677,{'ab' * 16}\nbroken\n")
    store = load_key_files([v2, v1])
    assert len(store.v2) == 1 and len(store.v1) == 1
    assert [p.code for p in store.problems] == ["crypto.bad_key_line"]
    assert str(v1) in store.problems[0].detail


def test_ikev1_keys_of_both_gateways_are_kept() -> None:
    cookie = "0011223344556677"
    entries, _ = parse_table(f"{cookie},{'ab' * 16}\n{cookie},{'cd' * 16}\n{cookie},{'ab' * 16}\n")
    assert [k.key[:1] for k in KeyStore.of(entries).ikev1(bytes.fromhex(cookie))] == [b"\xab", b"\xcd"]
