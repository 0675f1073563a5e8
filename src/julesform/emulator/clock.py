"""Emulated time. Session progress is computed from it on every request, never by a background thread.

Tests step a ``ManualClock``; the served and embedded emulators run on the ``WallClock`` and make
sessions progress faster than a real agent would (``Emulator(pace=...)``), so a demo sees them move
within seconds while every timestamp stays real.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

DEFAULT_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock(Protocol):
    def now_us(self) -> int:
        """Emulated time as integer microseconds since the Unix epoch."""
        ...

    def advance(self, seconds: float) -> None:
        """Jump emulated time forward."""
        ...


class ManualClock:
    """Time moves only when the caller says so: deterministic tests, no wall-clock waits."""

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._us = int(start.timestamp() * 1_000_000)

    def now_us(self) -> int:
        return self._us

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the emulator clock never goes backwards")
        self._us += int(seconds * 1_000_000)


class WallClock:
    """Real UTC time (plus whatever ``advance`` added): the served and embedded emulators' clock.

    Timestamps stay real, so julesform's own clock agrees with the emulator's about quota windows and
    stalls; a demo is made fast by the sessions' ``pace`` instead (their agent works faster).
    """

    def __init__(self, *, offset_us: int = 0, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self.offset_us = offset_us

    def now_us(self) -> int:
        return int(self._wall() * 1_000_000) + self.offset_us

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the emulator clock never goes backwards")
        self.offset_us += int(seconds * 1_000_000)
