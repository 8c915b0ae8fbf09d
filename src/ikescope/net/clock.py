"""The capture's clock, watched for steps back and leaps ahead.

Everything that times out (IP reassembly, idle SAs, retransmission intervals,
round-trip times) reads the frames' timestamps, so a clock that goes backwards
or leaps years ahead (a device with no real-time clock, a merged capture, a
corrupted file) bends the analysis without any error. ``Clock`` counts such
frames and says so once, at the end of the input.
"""

from __future__ import annotations

from ikescope.model import NetEvent, Problem, Severity

TIME_JUMPS = "capture.time_jumps"
BACK_SECONDS = 1.0  # a step back smaller than this is capture jitter (several interfaces, queues)
LEAP_SECONDS = 365 * 86_400.0  # no capture stays silent for a year: a leap this long is a broken clock


class Clock:
    """Counts the frames stamped more than ``BACK_SECONDS`` before the frame ahead of them, or more than
    ``LEAP_SECONDS`` after it."""

    def __init__(self) -> None:
        self._last: float | None = None
        self.back = 0
        self.leaps = 0
        self.largest = 0.0  # seconds of the largest step, either way
        self.first_frame = 0
        self.first_ts = 0.0

    def see(self, frame: int, ts: float) -> None:
        last, self._last = self._last, ts
        if last is None or last - BACK_SECONDS <= ts <= last + LEAP_SECONDS:
            return
        if ts < last:
            self.back += 1
        else:
            self.leaps += 1
        if not self.first_frame:
            self.first_frame, self.first_ts = frame, ts
        self.largest = max(self.largest, abs(ts - last))

    def event(self) -> NetEvent | None:
        """The problem event for the whole input, or None when the clock ran straight."""
        if not self.back and not self.leaps:
            return None
        parts = []
        if self.back:
            parts.append(f"goes back by more than {BACK_SECONDS:g} s at {self.back:,} frame(s)")
        if self.leaps:
            parts.append(f"leaps ahead by more than a year at {self.leaps:,} frame(s)")
        detail = (f"the capture's clock {' and '.join(parts)}, by up to {_span(self.largest)}, the first time at "
                  f"frame {self.first_frame}")
        problem = Problem(TIME_JUMPS, detail, length=self.back + self.leaps, severity=Severity.WARNING)
        return NetEvent("problem", self.first_frame, self.first_ts, problem=problem)


def _span(seconds: float) -> str:
    for unit, size in (("years", 365 * 86_400.0), ("days", 86_400.0), ("hours", 3_600.0), ("minutes", 60.0)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.1f} s"
