"""The client's clock for tests: time moves only when slept on, and every wait is recorded."""

from __future__ import annotations

from collections.abc import Callable


class FakeClock:
    """``monotonic``/``sleep``/``wall`` as the client's retry pacing uses them; ``also`` lets a sleep
    move another clock too (the emulator's)."""

    def __init__(self, now: float = 0.0, wall_base: float = 1_780_000_000.0) -> None:
        self.now = now
        self.wall_base = wall_base
        self.sleeps: list[float] = []
        self.also: Callable[[float], None] = lambda seconds: None

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.also(seconds)

    def wall(self) -> float:
        return self.wall_base + self.now
