"""How a report names an SA when it covers several capture files.

SAs are named by the frame of their first message, so two files each have an
"SA 3"; once a report covers more than one file every SA and capture-level
finding also names its file. A report of one file keeps the short names.
"""

from __future__ import annotations

import os
from collections.abc import Sequence


def input_labels(paths: Sequence[str]) -> list[str]:
    """Short names for the inputs of one report: the file name, or the whole path where two
    inputs share a file name (rotated captures from two gateways). Empty for a single input,
    whose SAs need no file name."""
    if len(paths) < 2:
        return []
    names = [os.path.basename(p) or p for p in paths]
    return [name if names.count(name) == 1 else path for name, path in zip(names, paths)]


def where(sa: int | None, input_index: int, labels: Sequence[str]) -> str:
    """"SA 3" or "capture", followed by the file when the report covers several."""
    name = f"SA {sa}" if sa is not None else "capture"
    if not labels or not 0 <= input_index < len(labels):
        return name
    return f"{name} in {labels[input_index]}"
