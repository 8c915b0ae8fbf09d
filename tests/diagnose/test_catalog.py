"""The catalog, its documentation and its tests stay in step."""

from __future__ import annotations

import re

from helpers import REPO
from ikescope.diagnose.catalog import CATALOG, markdown
from ikescope.diagnose.rules import MODULES

DOC = REPO / "docs" / "findings.md"


def test_docs_page_is_generated_from_the_catalog() -> None:
    assert DOC.read_text() == markdown(), \
        "docs/findings.md is stale: run `python -m ikescope.diagnose.catalog > docs/findings.md`"


def test_every_code_has_a_section_and_is_well_formed() -> None:
    text = DOC.read_text()
    for code, e in CATALOG.items():
        assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", code), code
        assert f"## {code}\n" in text
        assert e.title and e.explanation and e.wire and e.remedy


def test_every_code_is_named_by_some_test() -> None:
    """Each code must appear, quoted, in a test under tests/ other than this file: a code no test
    names is one no test expects a rule to produce."""
    sources = "\n".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py") if p.name != "test_catalog.py")
    missing = [c for c in CATALOG if f'"{c}"' not in sources]
    assert not missing, f"no test names these codes: {missing}"


def test_codes_are_unique_across_modules() -> None:
    codes = [e.code for m in MODULES for e in getattr(m, "ENTRIES", ())]
    assert len(codes) == len(set(codes))
