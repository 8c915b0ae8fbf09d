"""`python -m lab score`: the lab's diagnosis figures, and the goal they must hold to."""

from __future__ import annotations

from helpers import REPO
from lab.score import render, score


def test_no_error_finding_on_a_negotiation_that_worked_with_or_without_keys() -> None:
    for keys in (False, True):
        s = score(REPO / "pcaps", keys)
        assert s.successes >= 20 and s.errors_on_success == []
        assert s.right_first <= s.listed <= s.failures
        assert len(s.misses) == s.failures - s.right_first


def test_with_keys_every_label_is_named_or_listed() -> None:
    s = score(REPO / "pcaps", keys=True)
    assert s.listed == s.failures, s.misses
    assert "| with the key tables |" in render(REPO / "pcaps")
