"""The benchmark harness still runs (CI smoke run at the smallest size). Benchmarks are not tests:
nothing here looks at a time; it checks the harness measured what it says it measured."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent


def _bench(module: str) -> ModuleType:
    """``benchmarks`` sits beside ``src``, outside the installed package: import it from the repo."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return importlib.import_module(f"benchmarks.{module}")


def test_smoke_run_writes_every_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.md"
    assert _bench("run").main(["--smoke", "--latency", "0.01", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "- command: `.venv/bin/python -m benchmarks --smoke --latency 0.01`" in text
    headings = ("## Targets", "## `plan`", "## `apply`, `status`, `verify`", "## Start-up", "## Planning CPU")
    for heading in headings:
        assert heading in text
    # The smoke plan: 10 categories, half bound; julesform sent exactly the fewest requests (1 list
    # page + 5 activity logs) and the naive script 10 (5 gets, 5 creates).
    assert "| 10 | 0 | 50% | 6 (6) |" in text
    assert "(10) |" in text
    assert "| apply: 10 creates | 11 (11) |" in text
    assert "wrote " in capsys.readouterr().err


def test_plan_bound_lists_only_when_it_must() -> None:
    bounds = _bench("bounds")
    # Something unbound: the whole account must be listed, 100 per page, one page after another.
    assert bounds.plan(10, 5, 10_000) == bounds.Bound(106, 101, "101 list pages + 5 activity logs")
    # Everything bound in a big account: only the bound sessions need reading, not 100 pages.
    assert bounds.plan(10, 10, 10_000) == bounds.Bound(11, 2, "1 list page + 10 activity logs")
    # Gets win only where listing as far as the bound sessions takes longer than getting them.
    assert bounds.plan(1, 1, 0).rounds == 1
    # An empty account still answers one page.
    assert bounds.plan(3, 0, 0) == bounds.Bound(1, 1, "1 list page + 0 activity logs")


def test_create_bound_respects_apply_parallelism() -> None:
    bounds = _bench("bounds")
    assert bounds.apply_creates(100).rounds == 1 + 100 // bounds.CREATES_AT_ONCE
