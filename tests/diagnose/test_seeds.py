"""The seed table (ikescope.diagnose.seeds) against the vendor documents and the captures it cites.

The documents are read from the shared material: every reason code, log line
and error they name must have a row, and no row may name something they do
not. Each capture a row cites is analysed with the settings the row gives, and
must produce the finding (and its variant, where the row pins one).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from helpers import REPO, SHARED, need_shared
from ikescope import api
from ikescope.crypto.keys import load_key_files
from ikescope.diagnose import expect
from ikescope.diagnose.catalog import CATALOG
from ikescope.diagnose.context import DiagnoseSettings
from ikescope.diagnose.seeds import BSR, CLAVISTER, DOCUMENTS, HUAWEI, ZYWALL2, ZYWALL100, Capture, Cover, \
    Document, Status

SEEDS = SHARED / "seeds"
COVERS = [(doc.file, c.name, v) for doc in DOCUMENTS for c in doc.conditions for v in c.covers
          if v.capture is not None]


def _text(doc: Document) -> str:
    return (need_shared(SEEDS) / doc.file).read_text()


def _occurs(name: str, text: str) -> bool:
    """``name`` in ``text`` as the PDF extraction left it: words split or joined at line ends, and at most
    one line of the neighbouring column wedged between two of its words."""
    gap = r"\s*(?:\n.*?\n\s*)?"
    return re.search(gap.join(re.escape(w) for w in name.split()), text) is not None


def test_every_seed_document_has_a_table() -> None:
    files = {p.name for p in need_shared(SEEDS).iterdir() if p.suffix == ".txt"}
    assert files == {doc.file for doc in DOCUMENTS}


def test_huawei_has_every_reason_code_and_every_cause_of_the_procedure() -> None:
    text = _text(HUAWEI)
    numbered = {int(n): name.strip() for n, name in re.findall(r"^\s*•\s*(\d+):\s*(.+)$", text, re.M)}
    causes = {c.strip() for line in re.findall(r"^\s*•\s*Cause:\s*(.+)$", text, re.M) for c in line.split(",")}
    assert len(numbered) == 39
    rows = HUAWEI.conditions
    assert {c.number: c.name for c in rows if c.number is not None} == numbered
    assert {c.name for c in rows if c.number is None} == causes - set(numbered.values())


@pytest.mark.parametrize("doc", [ZYWALL2, ZYWALL100, BSR], ids=lambda d: d.file)
def test_zyxel_log_tables_are_complete(doc: Document) -> None:
    text = _text(doc)
    names = [c.name for c in doc.conditions]
    assert len(names) == len(set(names))
    assert [n for n in names if not _occurs(n, text)] == []
    # Warnings and errors: one row per "!!" line of the document.
    assert sum(n.startswith("!!") for n in names) == text.count("!!")
    # Notify symbols the manual explains (PYLD_MALFORMED).
    assert set(re.findall(r"\b[A-Z]+_[A-Z_]+\b", text)) <= set(names)
    # Progress lines, wherever the extraction broke them.
    squeezed = ["".join(n.split()) for n in names]
    for line in re.findall(r"^(?:<IP>)?((?:Send|Recv|Phase 1 IKE SA|Start Phase).*)$", text, re.M):
        assert any(s.startswith("".join(line.split())) for s in squeezed), line


def test_clavister_has_every_error_and_symptom() -> None:
    text = _text(CLAVISTER)
    named = {f"{kind}-{n}" for kind, n in re.findall(r"(Error message|Problem symptom)-(\d)", text)}
    assert len(named) == 7
    assert {c.name.split(":")[0] for c in CLAVISTER.conditions} == named
    assert [c.name for c in CLAVISTER.conditions if not _occurs(c.name, text)] == []


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.file)
def test_rows_are_whole_and_name_real_codes(doc: Document) -> None:
    for c in doc.conditions:
        assert bool(c.covers) != (c.gap is not None), c.name
        if c.gap is not None:
            assert c.gap.status not in (Status.COVERED, Status.UNPROVEN) and c.gap.text, c.name
        codes = [v.code for v in c.covers] + list(c.gap.related if c.gap else ())
        assert [code for code in codes if code not in CATALOG] == [], c.name


def _path(capture: Capture) -> Path:
    if capture.path.startswith("pcaps/"):
        return REPO / capture.path
    return need_shared(SHARED / capture.path)


@lru_cache(maxsize=None)
def _findings(capture: Capture) -> tuple:
    path = _path(capture)
    keys = None
    if capture.keys:
        tables = sorted({*path.parent.glob(f"{path.stem}.ikev*_decryption_table"),
                         *path.parent.glob(f"{path.name}.ikev*_decryption_table")})
        assert tables, f"no key tables beside {path}"
        keys = load_key_files(tables)
    diagnose = DiagnoseSettings(expect_ike=expect.parse(capture.expect_ike, "ike") if capture.expect_ike else (),
                                expect_esp=expect.parse(capture.expect_esp, "esp") if capture.expect_esp else ())
    return tuple(api.analyze([path], api.Settings(keys=keys, diagnose=diagnose)).findings())


@pytest.mark.parametrize("cover", [v for _, _, v in COVERS],
                         ids=[f"{f.split('-')[0]}:{name[:40]}:{v.code}" for f, name, v in COVERS])
def test_the_cited_capture_produces_the_finding(cover: Cover) -> None:
    assert cover.capture is not None
    found = [f for f in _findings(cover.capture) if f.code == cover.code]
    assert found, f"{cover.capture.path} does not produce {cover.code}"
    wanted = dict(cover.details)
    assert any(all(f.details.get(k) == v for k, v in wanted.items()) for f in found), \
        (wanted, [dict(f.details) for f in found])
