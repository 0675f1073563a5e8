"""Shared fixtures. Tests reach no host but loopback (pytest-socket, see pyproject)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO.parent / "shared" / "fixtures" / "jules"


@pytest.fixture(autouse=True)
def _no_real_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may pick up a developer's real key or endpoint from the environment."""
    monkeypatch.delenv("JULES_API_KEY", raising=False)
    monkeypatch.delenv("JULES_API_URL", raising=False)
