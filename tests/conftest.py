"""Shared fixtures. Tests reach no host but loopback (pytest-socket, see pyproject)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

    from julesform.emulator.server import ServedEmulator

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO.parent / "shared" / "fixtures" / "jules"


@pytest.fixture(autouse=True)
def _no_real_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may pick up a developer's real key or endpoint from the environment."""
    monkeypatch.delenv("JULES_API_KEY", raising=False)
    monkeypatch.delenv("JULES_API_URL", raising=False)


# --- the Jules API emulator, served on loopback (see DEVELOPERS.md "Emulator in tests") ------------

EMULATOR_API_KEY = "test-key-0123456789"


@pytest.fixture
def emulator() -> Iterator[ServedEmulator]:
    """A fresh seeded emulator on a manual clock, served by werkzeug on 127.0.0.1 in a thread.

    ``.url`` (ends in /v1alpha), ``.api_key`` (send as X-Goog-Api-Key), ``.emulator`` (the live
    ``julesform.emulator.Emulator``: ``advance()``, ``faults``, ``seed_session()``, ``sessions()``,
    ``requests``). Latency faults do not sleep: they are recorded in ``.emulator.slept``.
    """
    from julesform.emulator import Emulator
    from julesform.emulator.server import serve_emulator

    slept: list[float] = []
    live = Emulator(seed=1234, api_keys=[EMULATOR_API_KEY], sleep=slept.append)
    live.slept = slept  # type: ignore[attr-defined]
    with serve_emulator(live, EMULATOR_API_KEY) as served:
        yield served


@pytest.fixture
def emulator_http(emulator: ServedEmulator) -> Iterator[httpx.Client]:
    """A plain httpx client on the served emulator, sending its key (raw wire checks, no julesform client)."""
    import httpx

    with httpx.Client(base_url=emulator.url, headers={"X-Goog-Api-Key": emulator.api_key}) as client:
        yield client
