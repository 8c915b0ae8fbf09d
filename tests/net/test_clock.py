"""The capture's clock: jitter passes, steps back and leaps of years are counted and said once."""

from __future__ import annotations

from ikescope.net.clock import Clock


def watch(times: list[float]) -> Clock:
    clock = Clock()
    for frame, ts in enumerate(times, 1):
        clock.see(frame, ts)
    return clock


def test_a_clock_that_runs_straight_or_jitters_says_nothing() -> None:
    assert watch([10.0, 10.5, 10.2, 11.0, 3600.0]).event() is None


def test_steps_back_and_leaps_ahead_are_counted_with_the_first_frame() -> None:
    year = 365 * 86_400.0
    clock = watch([100.0, 101.0, 50 * year, 102.0, 103.0, 40.0, 104.0])
    assert (clock.back, clock.leaps, clock.first_frame) == (2, 1, 3)
    event = clock.event()
    assert event.frame == 3 and event.problem.code == "capture.time_jumps" and event.problem.length == 3
    assert event.problem.detail == ("the capture's clock goes back by more than 1 s at 2 frame(s) and leaps ahead "
                                    "by more than a year at 1 frame(s), by up to 50.0 years, the first time at "
                                    "frame 3")
