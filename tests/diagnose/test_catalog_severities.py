"""docs/findings.md gives every severity a report can print for a code.

A rule may report its code with another severity than the catalog's (a refused proposal
on a negotiation that recovered, weak algorithms that are only deprecated); the catalog
then says so in ``OTHER_SEVERITIES``. The rules are read for every ``make(...)`` call and
the severities it can pass, so a new override without its note fails here; the reports
of the lab captures and of a public capture check the same from the output side.
"""

from __future__ import annotations

import ast
import inspect
import json
from types import ModuleType

import pytest

from helpers import REPO, need_corpus
from ikescope import api
from ikescope.diagnose import catalog, engine
from ikescope.diagnose.catalog import CATALOG, OTHER_SEVERITIES, severities
from ikescope.diagnose.finding import CatalogEntry
from ikescope.diagnose.rules import MODULES
from ikescope.model import Severity

ALL = {s.value for s in Severity}


def _severity_names(node: ast.AST | None) -> set[str | None]:
    """Severity.X in an expression, and None for a literal None (the catalog's severity)."""
    if node is None:
        return set()
    out: set[str | None] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "Severity":
            out.add(n.attr.lower())
        elif isinstance(n, ast.Constant) and n.value is None:
            out.add(None)
    return out


def _assignments(func: ast.AST) -> dict[str, list[ast.AST]]:
    """What each local name is assigned, pairing tuple targets with tuple values."""
    out: dict[str, list[ast.AST]] = {}
    for n in ast.walk(func):
        if isinstance(n, ast.Assign):
            for target in n.targets:
                if isinstance(target, ast.Tuple) and isinstance(n.value, ast.Tuple) and \
                        len(target.elts) == len(n.value.elts):
                    for t, v in zip(target.elts, n.value.elts):
                        if isinstance(t, ast.Name):
                            out.setdefault(t.id, []).append(v)
                elif isinstance(target, ast.Name):
                    out.setdefault(target.id, []).append(n.value)
    return out


def _entries(module: ModuleType, node: ast.AST, assigned: dict[str, list[ast.AST]]) -> list[CatalogEntry]:
    names = [node] if isinstance(node, ast.Name) else []
    found = []
    for name in names:
        obj = getattr(module, name.id, None)
        if isinstance(obj, CatalogEntry):
            found.append(obj)
        else:
            for value in assigned.get(name.id, ()):
                found += [getattr(module, n.id) for n in ast.walk(value)
                          if isinstance(n, ast.Name) and isinstance(getattr(module, n.id, None), CatalogEntry)]
    return found


def emitted() -> dict[str, set[str]]:
    """code -> every severity some ``make`` call in the rules can give it."""
    out: dict[str, set[str]] = {}
    for module in (*MODULES, engine):
        tree = ast.parse(inspect.getsource(module))
        for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            assigned = _assignments(func)
            for call in ast.walk(func):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "make"):
                    continue
                entries = _entries(module, call.args[0], assigned)
                assert entries, f"{module.__name__}.{func.name}: make() with an entry this test cannot name"
                kw = next((k.value for k in call.keywords if k.arg == "severity"), None)
                names = _severity_names(kw)
                if isinstance(kw, ast.Name):
                    names = set().union(*(_severity_names(v) for v in assigned.get(kw.id, ())))
                    if not names:
                        names = set(ALL)  # computed (from the decoder's problems): any severity
                for e in entries:
                    got = {e.severity.value if n is None else n for n in names} if kw is not None else \
                        {e.severity.value}
                    out.setdefault(e.code, set()).update(got)
    return out


def test_every_severity_a_rule_can_emit_is_in_the_catalog() -> None:
    found = emitted()
    assert set(found) == set(CATALOG), "codes no rule makes, or rules making codes the catalog lacks"
    for code, sevs in sorted(found.items()):
        assert sevs <= {s.value for s in severities(code)}, f"{code}: reported as {sorted(sevs)}; catalog: " \
            f"{sorted(s.value for s in severities(code))} (say when in catalog.OTHER_SEVERITIES)"


def test_the_catalog_names_no_severity_a_rule_never_gives() -> None:
    found = emitted()
    for code, notes in OTHER_SEVERITIES.items():
        assert CATALOG[code].severity not in {sev for sev, _ in notes}, code
        assert {sev.value for sev, _ in notes} <= found[code], f"{code}: a note for a severity no rule gives"


def test_findings_page_says_when_a_severity_changes() -> None:
    page = catalog.markdown()  # test_catalog keeps docs/findings.md equal to it
    for code, notes in OTHER_SEVERITIES.items():
        row = next(line for line in page.splitlines() if line.startswith(f"| [`{code}`]"))
        assert f"| {CATALOG[code].severity.value} ({', '.join(s.value for s, _ in notes)}) |" in row
        section = page.split(f"\n## {code}\n", 1)[1].split("\n## ", 1)[0]
        for sev, when in notes:
            assert f"Reported as **{sev.value}** {when}." in section


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "tests" / "golden").glob("*.json")))
def test_lab_reports_print_only_catalog_severities(name: str) -> None:
    doc = json.loads((REPO / "tests" / "golden" / name).read_text())
    for f in doc["findings"]:
        assert Severity(f["severity"]) in severities(f["code"]), (f["code"], f["severity"])


def test_the_engineers_captures_print_only_catalog_severities() -> None:
    """wireshark-wiki test1: an info weak_crypto and a warning malformed, as the page now says."""
    doc = api.analyze([need_corpus() / "wireshark-wiki" / "test1.pcap"]).to_dict()
    shown = {(f["code"], f["severity"]) for f in doc["findings"]}
    assert {("ike.weak_crypto", "info"), ("ike.malformed", "warning")} <= shown
    for code, sev in shown:
        assert Severity(sev) in severities(code)
