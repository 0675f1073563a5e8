"""Retry pacing without HTTP: backoff steps, jitter, the budget, and Retry-After parsing."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from fake_clock import FakeClock
from julesform.api.retry import RetryPolicy, RetryState, parse_retry_after


def drain(state: RetryState) -> list[float]:
    waits = []
    while (wait := state.next_wait()) is not None:
        state.wait(wait)
        waits.append(wait)
    return waits


def test_backoff_doubles_from_one_second_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=8, max_delay=10, budget=1000)
    state = RetryState(policy, FakeClock(now=100.0), rand=lambda: 0.0)
    assert drain(state) == [1, 2, 4, 8, 10, 10, 10]
    assert state.attempts == 8
    assert state.last_refusal == "gave up after 8 attempts"


def test_full_jitter_takes_off_at_most_a_quarter() -> None:
    policy = RetryPolicy(jitter=0.25)
    assert policy.backoff(3, lambda: 1.0) == 3.0
    assert policy.backoff(3, lambda: 0.5) == 3.5
    assert policy.backoff(3, lambda: 0.0) == 4.0


def test_the_budget_counts_time_spent_outside_sleeps_too() -> None:
    clock = FakeClock(now=100.0)
    state = RetryState(RetryPolicy(budget=10), clock, rand=lambda: 0.0)
    clock.now += 8.5  # a slow first attempt
    assert state.next_wait() == 1.0
    clock.now += 1.0
    assert state.next_wait() is None
    assert state.last_refusal == "retry budget of 10 s used up"


def test_retry_after_wins_over_backoff_but_not_over_the_budget() -> None:
    state = RetryState(RetryPolicy(budget=60), FakeClock(now=100.0), rand=lambda: 0.0)
    assert state.next_wait(retry_after=45.0) == 45.0
    state.wait(45.0)
    assert state.next_wait(retry_after=20.0) is None
    assert state.last_refusal == "the service asked to wait 20 s, beyond the 60 s retry budget"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("12", 12.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        (formatdate(1_800_000_090, usegmt=True), 90.0),
        (formatdate(1_799_999_000, usegmt=True), 0.0),  # a date in the past: go now
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("Wed, 99 Foo 2026 99:00:00", None),
    ],
)
def test_retry_after_parsing(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=1_800_000_000.0) == expected
