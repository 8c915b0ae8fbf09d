"""Coverage-guided fuzzing of ikescope: the targets, their seeds, a mutator, and the campaign runner.

``targets`` holds the invariants (no exception escapes, no internal error dressed
up as data, every output parses); the test suite's short run and the long
campaigns of ``python -m fuzz.run`` call the same functions, so a crash found
by either reproduces in both. See ``fuzz/README.md``.
"""
