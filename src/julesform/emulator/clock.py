"""Emulated time. Session progress is computed from it on every request, never by a background thread.

Tests step a ``ManualClock``; the served and embedded emulators run an ``AcceleratedClock`` (wall time
times a speed factor) so a demo sees sessions move within seconds.
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


class AcceleratedClock:
    """Wall time sped up: ``speed`` emulated seconds pass per real second, from a fixed anchor.

    The anchor (real and emulated instants) is what the embedded mode persists, so time keeps running
    between separate CLI invocations.
    """

    def __init__(
        self,
        speed: float = 60.0,
        *,
        anchor_real: float | None = None,
        anchor_us: int | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._wall = wall
        self.anchor_real = self._real() if anchor_real is None else anchor_real
        self.anchor_us = int(DEFAULT_START.timestamp() * 1_000_000) if anchor_us is None else anchor_us
        self.offset_us = 0

    def _real(self) -> float:
        return float(self._wall())

    def now_us(self) -> int:
        elapsed = max(0.0, self._real() - self.anchor_real)
        return self.anchor_us + self.offset_us + int(elapsed * self.speed * 1_000_000)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the emulator clock never goes backwards")
        self.offset_us += int(seconds * 1_000_000)
