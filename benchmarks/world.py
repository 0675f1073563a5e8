"""The world a case runs in: a served emulator with per-request latency, an account already holding
other people's sessions, a programme file and a lockfile binding some of its categories.

Everything is put in place through the ``Emulator`` control object and julesform's own models (no
API round trips), so building an account of 10,000 sessions takes seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from julesform.api.endpoint import normalise_base_url
from julesform.emulator import Emulator, WallClock
from julesform.emulator.server import ServedEmulator, serve_emulator
from julesform.planner.desired import DesiredCategory, desired_categories
from julesform.programme.loader import load_programme
from julesform.state.lockfile import Binding, Lockfile, dump_lockfile

BENCH_KEY = "bench-key-not-a-secret"
"""The emulator accepts only this key; it is a throwaway, but is still never printed."""
REPO = "bench-org/bench-repo"
DAY_S = 24 * 3600
OLD_S = 2 * DAY_S
"""Seeded sessions are this old: finished, and outside the daily task quota's 24 h window."""


@contextmanager
def account(latency: float, others: int, *, seed: int = 7) -> Iterator[ServedEmulator]:
    """An emulator on 127.0.0.1 holding ``others`` sessions that are not the programme's."""
    emulator = Emulator(seed=seed, clock=WallClock(), api_keys=[BENCH_KEY], sources=[REPO])
    seed_others(emulator, others)
    emulator.faults.latency = latency
    with serve_emulator(emulator, BENCH_KEY) as served:
        yield served


def seed_others(emulator: Emulator, count: int) -> None:
    """Other programmes' sessions, unmarked ones, and every tenth archived (plan must list those too)."""
    for i in range(count):
        title = f"Task {i} [jf:someone-else/task-{i}]" if i % 2 else f"Hand-made task {i}"
        emulator.seed_session(
            title=title,
            prompt=f"Tidy module {i}.",
            source=f"sources/github/{REPO}",
            archived=i % 10 == 0,
            age=OLD_S + i,
        )


def write_programme(directory: Path, name: str, categories: int, *, phases: int = 1) -> Path:
    """A programme of ``categories`` independent categories in ``phases`` phases (inline prompts)."""
    lines = [
        "version: 1",
        f"name: {name}",
        f"source: sources/github/{REPO}",
        "branch: main",
        "defaults:",
        "  automation_mode: auto_create_pr",
        "  require_plan_approval: true",
        "  approval: auto",
        "quota:",
        "  daily: 100000",
        "  concurrent: 10000",
        "categories:",
    ]
    for i in range(1, categories + 1):
        phase = 1 + (i - 1) * phases // categories
        lines += [
            f"  - id: c{i:05d}",
            f"    title: Harden module {i} of the benchmark",
            "    priority: P2",
            f"    phase: {phase}",
            "    hours: 2",
            "    tests: 3",
            "    prompt: |",
            f"      Add input validation to src/module_{i}.py and reject malformed requests.",
            f"      Add tests/test_module_{i}.py with 3 tests.",
            "    deliverables:",
            f"      - tests/test_module_{i}.py",
        ]
    path = directory / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Bound:
    """Sessions put in place for a programme's categories (to delete again after the case)."""

    session_ids: list[str]


def desired_of(programme: Path) -> dict[str, DesiredCategory]:
    return desired_categories(load_programme(programme))


def bind(
    served: ServedEmulator,
    programme: Path,
    lockfile: Path,
    categories: Sequence[str],
    *,
    awaiting_approval: bool = False,
) -> Bound:
    """Give each of ``categories`` a live session and write a lockfile binding them.

    By default the sessions finished long ago (agent plan approved, COMPLETED): a programme at rest.
    With ``awaiting_approval`` they were just made and their agent plan waits for approval.
    """
    desired = desired_of(programme)
    emulator = served.emulator
    bindings: dict[str, Binding] = {}
    ids: list[str] = []
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for cid in categories:
        spec = desired[cid].spec
        session = emulator.seed_session(
            prompt=spec.prompt,
            title=spec.title,
            source=spec.source,
            starting_branch=spec.starting_branch,
            # A finished session must have had its plan approved: let the emulator approve it.
            require_plan_approval=awaiting_approval,
            automation_mode=spec.automation_mode,
            age=600.0 if awaiting_approval else OLD_S,
        )
        ids.append(session.id)
        bindings[cid] = Binding(
            session=f"sessions/{session.id}",
            spec_hash=spec.spec_hash(),
            bound_at=stamp,
            require_plan_approval=spec.require_plan_approval,
            automation_mode=spec.automation_mode,
        )
    name = load_programme(programme).programme.name
    lock = Lockfile.new(endpoint=normalise_base_url(served.url), programme=name)
    lock = lock.model_copy(update={"serial": 1, "bindings": bindings})
    lockfile.parent.mkdir(parents=True, exist_ok=True)
    lockfile.write_text(dump_lockfile(lock), encoding="utf-8")
    return Bound(ids)


def unbind(served: ServedEmulator, bound: Bound) -> None:
    """Remove a case's sessions so the next case sees the same account."""
    for session_id in bound.session_ids:
        served.emulator.delete_session(session_id)


def sessions_made_since(served: ServedEmulator, before: set[str]) -> list[str]:
    return [s.id for s in served.emulator.sessions() if s.id not in before]
