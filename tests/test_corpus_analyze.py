"""The whole chain on every public capture: no exception, no rule failure, a valid report."""

from __future__ import annotations

import json

import jsonschema
import pytest

from helpers import CORPUS, REPO, need_corpus
from ikescope import api
from ikescope.crypto.keys import load_key_files

SUFFIXES = (".pcap", ".pcapng", ".cap")
CAPTURES = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix in SUFFIXES) \
    if CORPUS.is_dir() else []
SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())


def test_the_corpus_is_there() -> None:
    need_corpus()
    assert len(CAPTURES) > 50


@pytest.mark.parametrize("rel", CAPTURES)
def test_analyze_every_public_capture(rel: str) -> None:
    path = need_corpus() / rel
    tables = sorted(path.parent.glob(path.name + ".ikev*_decryption_table")) + \
        sorted(path.parent.glob("ikev*_decryption_table"))
    settings = api.Settings(keys=load_key_files(tables)) if tables else None
    doc = api.analyze([path], settings).to_dict()
    jsonschema.validate(doc, SCHEMA)
    assert not [f for f in doc["findings"] if f["code"] == "ikescope.rule_error"]
    assert doc["inputs"][0]["frames"] > 0
