"""The one exception family ikescope lets reach the command line.

Only environment failures raise (a missing file, a file that is not a capture,
no permission to capture). Anything wrong inside the packets is a Problem, never
an exception, so a bad packet can never stop an analysis. Any other exception is
a defect, which the command line reports as such (``WorkerCrash`` carries one
out of a worker process).
"""

from __future__ import annotations

import traceback
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


class IkescopeError(Exception):
    """Base class: ``cli`` prints its message on one line and exits with status 2."""


class CaptureError(IkescopeError):
    """The capture cannot be opened or its file header cannot be read."""


class WorkerCrash(Exception):
    """A worker process of ``--jobs`` failed; the message says with what (type and place) or how it ended."""


def where_raised(exc: BaseException) -> str:
    """``ikescope/module.py:line (function)`` of the innermost frame of ikescope's own code in the traceback:
    the place to start looking, even when the exception came from a library it called."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(_PACKAGE)]
    if not (ours or frames):
        return "an unknown place"
    f = (ours or frames)[-1]
    path = Path(f.filename).resolve()
    name = path.relative_to(_PACKAGE.parent).as_posix() if ours else path.name
    return f"{name}:{f.lineno} ({f.name})"
