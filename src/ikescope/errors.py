"""The one exception family ikescope lets reach the command line.

Only environment failures raise (a missing file, a file that is not a capture,
no permission to capture). Anything wrong inside the packets is a Problem, never
an exception, so a bad packet can never stop an analysis.
"""


class IkescopeError(Exception):
    """Base class: ``cli`` prints its message on one line and exits with status 2."""


class CaptureError(IkescopeError):
    """The capture cannot be opened or its file header cannot be read."""
