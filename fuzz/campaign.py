"""The libFuzzer side of a campaign: ``python -m fuzz.campaign TARGET CPU_SECONDS [libFuzzer flags]``.

``fuzz.run`` starts this in a child process and reads its log; run by hand it
is plain libFuzzer (atheris), with libFuzzer's flags. ikescope and dpkt are
imported under atheris' instrumentation, so libFuzzer sees which branches of
them each input takes; nothing else is instrumented, which keeps the
interpreter's own code out of the coverage signal.
"""

from __future__ import annotations

import random
import sys

import atheris

with atheris.instrument_imports(include=["ikescope", "dpkt"]):
    from fuzz import targets

from fuzz import mutate


def _pipeline_mutator(data: bytes, max_size: int, seed: int) -> bytes:
    return mutate.mutate_capture(data, max_size, random.Random(seed), atheris.Mutate)


def _pipeline_crossover(a: bytes, b: bytes, max_size: int, seed: int) -> bytes:
    return mutate.crossover(a, b, max_size, random.Random(seed))


def main() -> None:
    name, cpu_seconds, flags = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    target = targets.TARGETS[name]

    def one_input(data: bytes) -> None:
        with targets.bounded(cpu_seconds):
            target(data)

    extra = {}
    if name == "pipeline":
        extra = {"custom_mutator": _pipeline_mutator, "custom_crossover": _pipeline_crossover}
    atheris.Setup([sys.argv[0], *flags], one_input, **extra)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
