"""A short fuzz run on every test run: seeded mutations of the seed inputs through every fuzz target.

The long campaigns (``python -m fuzz.run``, see fuzz/README.md) search with
coverage feedback for hours; this run tries a fixed few thousand inputs in about
a minute, the same ones every time, so a change that breaks on malformed input
the seeds are close to fails here first. A failing input is written to the
test's temporary directory, ready for ``python -m fuzz.run TARGET --replay``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from fuzz import mutate, seeds
from fuzz.run import MAX_LEN, outcome
from helpers import REPO, SHARED, need_corpus, need_shared

Mutator = Callable[[bytes, random.Random], bytes]


def _message(data: bytes, rng: random.Random) -> bytes:
    return mutate.ByteMutator(rng)(data, MAX_LEN["decoder"])


def _table(data: bytes, rng: random.Random) -> bytes:
    return mutate.ByteMutator(rng)(data, MAX_LEN["keys"])


def _capture(data: bytes, rng: random.Random) -> bytes:
    for _ in range(1 + rng.randrange(3)):
        data = mutate.mutate_capture(data, MAX_LEN["pipeline"], rng, mutate.ByteMutator(rng))
    return data


def _fuzz(target: str, items: list[bytes], inputs: int, seed: int, mutator: Mutator, tmp_path: Path) -> None:
    assert items, "no seeds"
    rng = random.Random(seed)
    failures: list[tuple[str, str, Path]] = []
    for n in range(inputs):
        data = mutator(rng.choice(items), rng)
        signature, report = outcome(target, data)
        if signature is not None:
            saved = tmp_path / f"{target}-{n}"
            saved.write_bytes(data)
            failures.append((signature, report, saved))
    assert not failures, (f"{len(failures)} of {inputs} inputs fail; the first, saved as {failures[0][2]}:\n"
                          f"{failures[0][1]}\nall: {sorted({f[0] for f in failures})}")


def _pcaps() -> list[Path]:
    return seeds.capture_files([REPO / "pcaps", REPO / "tests" / "regressions"])


def _shared() -> list[Path]:
    return seeds.capture_files([need_corpus(), need_shared(SHARED / "repro")])


@pytest.mark.parametrize("where", ["pcaps", "shared"])
def test_decoder(where: str, tmp_path: Path) -> None:
    files = _pcaps() if where == "pcaps" else _shared()
    _fuzz("decoder", seeds.message_seeds(files), 20000, 19, _message, tmp_path)


@pytest.mark.parametrize("where", ["pcaps", "shared"])
def test_pipeline(where: str, tmp_path: Path) -> None:
    files = _pcaps() if where == "pcaps" else _shared()
    _fuzz("pipeline", seeds.capture_seeds(files), 1000, 19, _capture, tmp_path)


def test_keys(tmp_path: Path) -> None:
    _fuzz("keys", seeds.key_seeds([REPO / "pcaps"]), 4000, 19, _table, tmp_path)
