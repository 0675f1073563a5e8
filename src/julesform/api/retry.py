"""When to try a request again, and how long to wait first.

The decisions live here, away from HTTP, so they can be tested exactly: the clock and the jitter are
injected, and a fake clock records every wait without sleeping. Which requests may be retried at
all is the client's business (see ``CallKind`` in ``client.py``); this module only paces them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Protocol


class Clock(Protocol):
    """Time as the retry loop sees it; tests pass a fake that advances on ``sleep``."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def wall(self) -> float:
        """Seconds since the epoch, for ``Retry-After`` given as an HTTP date."""
        ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wall(self) -> float:
        return time.time()


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter inside a total time budget.

    Defaults follow what the official SDK does against the real service (start at 1 s, cap at 30 s),
    with a tighter budget: a CLI user waiting five minutes on a dead service is worse than an error.
    """

    max_attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0
    budget: float = 120.0
    """Seconds of waiting allowed for one call, all attempts together."""
    jitter: float = 0.25
    """Up to this share of each backoff delay is taken off at random, so clients do not retry in step."""

    def backoff(self, retry_number: int, rand: Callable[[], float]) -> float:
        """The wait before retry ``retry_number`` (1 = first retry), when the server named none."""
        delay: float = min(self.max_delay, self.base_delay * 2.0 ** (retry_number - 1))
        return delay * (1 - self.jitter * rand())


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP date is GMT even when the zone is missing
            return None
        seconds = when.timestamp() - now
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf from float("nan")
        return None
    return max(0.0, seconds)


class RetryState:
    """The attempts of one call: counts them and decides whether another one fits the budget."""

    def __init__(
        self, policy: RetryPolicy, clock: Clock, rand: Callable[[], float] = random.random
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.rand = rand
        self.attempts = 1
        self.started = clock.monotonic()
        self.last_refusal = ""
        """Why the last ``next_wait`` said no (for the error message)."""

    def next_wait(self, retry_after: float | None = None) -> float | None:
        """Seconds to sleep before the next attempt, or None when the call should give up now.

        A server's ``Retry-After`` is honoured exactly; when it asks for more than the remaining
        budget, giving up at once beats sleeping only to fail.
        """
        if self.attempts >= self.policy.max_attempts:
            self.last_refusal = f"gave up after {self.attempts} attempts"
            return None
        wait = retry_after if retry_after is not None else self.policy.backoff(self.attempts, self.rand)
        elapsed = self.clock.monotonic() - self.started
        if elapsed + wait > self.policy.budget:
            if retry_after is not None:
                self.last_refusal = (
                    f"the service asked to wait {retry_after:g} s, beyond the {self.policy.budget:g} s "
                    "retry budget"
                )
            else:
                self.last_refusal = f"retry budget of {self.policy.budget:g} s used up"
            return None
        self.attempts += 1
        return wait

    def wait(self, seconds: float) -> None:
        self.clock.sleep(seconds)
