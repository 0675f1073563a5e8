"""The measured cases. Each builds its world, runs julesform as a user would (a fresh process
against the served emulator), runs the naive script where it has an equivalent, and returns a row.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import bounds
from benchmarks.bounds import Bound
from benchmarks.measure import Run, api_env, expect, julesform_argv, run_against, run_process
from benchmarks.world import bind, desired_of, unbind, write_programme
from julesform.cli import COMMANDS
from julesform.emulator.server import ServedEmulator

REPO_ROOT = Path(__file__).resolve().parent.parent
NAIVE = Path(__file__).resolve().with_name("naive.py")
SUMMARY = re.compile(r"Plan: (\d+) to create, (\d+) to approve")


@dataclass
class Row:
    """One measured case: julesform's run, its lower bound, and the naive script's run if any."""

    case: dict[str, object]
    run: Run
    bound: Bound
    latency: float
    naive: Run | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        floor = self.bound.seconds(self.latency)
        return self.run.wall / floor if floor else float("inf")


@contextmanager
def workdir() -> Iterator[Path]:
    """A scratch folder to run in (julesform keeps its lockfile under ./state/)."""
    path = Path(tempfile.mkdtemp(prefix="julesform-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def naive(served: ServedEmulator, cwd: Path, job: Mapping[str, Sequence[object]]) -> Run:
    """Run the naive script on ``job`` and delete whatever it created afterwards."""
    before = {s.id for s in served.emulator.sessions()}
    path = cwd / "naive-job.json"
    path.write_text(json.dumps(job), encoding="utf-8")
    run = expect(run_against(served, [sys.executable, str(NAIVE), str(path)], cwd=cwd), [0], "naive script")
    for session in served.emulator.sessions():
        if session.id not in before:
            served.emulator.delete_session(session.id)
    return run


# --- plan ----------------------------------------------------------------------------------------


def plan_case(served: ServedEmulator, others: int, categories: int, share: float, latency: float) -> Row:
    """``julesform plan`` with ``share`` of the categories bound to finished sessions."""
    bound_count = round(categories * share)
    with workdir() as cwd:
        name = f"bench-{categories}-{int(share * 100)}"
        programme = write_programme(cwd, name, categories)
        ids = list(desired_of(programme))
        bound = bind(served, programme, cwd / "state" / f"{name}.lock.json", ids[:bound_count])
        try:
            argv = [*julesform_argv(), "plan", programme.name]
            run = expect(run_against(served, argv, cwd=cwd), [0], "plan")
        finally:
            unbind(served, bound)
    row = Row({"categories": categories, "others": others, "bound": share}, run,
              bounds.plan(categories, bound_count, others), latency)
    match = SUMMARY.search(run.stdout)
    creates, approvals = (int(match[1]), int(match[2])) if match else (0, 0)
    if creates != categories - bound_count or approvals:
        row.notes.append(f"plan said {creates} to create, {approvals} to approve")
    return row


def naive_check(served: ServedEmulator, categories: int, share: float) -> Run:
    """The naive script for a plan case: GET each bound session, POST each missing create."""
    bound_count = round(categories * share)
    with workdir() as cwd:
        name = f"naive-{categories}-{int(share * 100)}"
        programme = write_programme(cwd, name, categories)
        desired = desired_of(programme)
        ids = list(desired)
        bound = bind(served, programme, cwd / "state" / f"{name}.lock.json", ids[:bound_count])
        try:
            gets = [f"sessions/{sid}" for sid in bound.session_ids]
            creates = [desired[cid].spec.create_body() for cid in ids[bound_count:]]
            return naive(served, cwd, {"get": gets, "create": creates})
        finally:
            unbind(served, bound)


# --- apply ---------------------------------------------------------------------------------------


def apply_creates(served: ServedEmulator, count: int, latency: float, *, with_naive: bool) -> Row:
    with workdir() as cwd:
        programme = write_programme(cwd, f"create-{count}", count)
        before = {s.id for s in served.emulator.sessions()}
        argv = [*julesform_argv(), "apply", "--yes", programme.name]
        run = expect(run_against(served, argv, cwd=cwd), [0], "apply (creates)")
        for session in served.emulator.sessions():
            if session.id not in before:
                served.emulator.delete_session(session.id)
        baseline = None
        if with_naive:
            desired = desired_of(programme)
            baseline = naive(served, cwd, {"create": [d.spec.create_body() for d in desired.values()]})
    row = Row({"job": f"apply: {count} creates"}, run, bounds.apply_creates(count), latency, baseline)
    if f"{count} created" not in run.stdout:
        row.notes.append("not every create was reported")
    return row


def apply_approvals(served: ServedEmulator, count: int, latency: float, *, with_naive: bool) -> Row:
    with workdir() as cwd:
        name = f"approve-{count}"
        programme = write_programme(cwd, name, count)
        lockfile = cwd / "state" / f"{name}.lock.json"
        ids = list(desired_of(programme))
        bound = bind(served, programme, lockfile, ids, awaiting_approval=True)
        try:
            argv = [*julesform_argv(), "apply", "--yes", programme.name]
            run = expect(run_against(served, argv, cwd=cwd), [0], "apply (approvals)")
        finally:
            unbind(served, bound)
        baseline = None
        if with_naive:
            bound = bind(served, programme, lockfile, ids, awaiting_approval=True)
            try:
                baseline = naive(served, cwd, {"approve": [f"sessions/{sid}" for sid in bound.session_ids]})
            finally:
                unbind(served, bound)
    row = Row({"job": f"apply: {count} approvals"}, run, bounds.apply_approvals(count), latency, baseline)
    if f"{count} approved" not in run.stdout:
        row.notes.append("not every approval was reported")
    return row


# --- status and verify ---------------------------------------------------------------------------


def read_commands(served: ServedEmulator, count: int, latency: float) -> list[Row]:
    """``status`` and ``verify`` on a programme whose sessions all finished: cold, then cache warm."""
    rows: list[Row] = []
    with workdir() as cwd:
        name = f"read-{count}"
        programme = write_programme(cwd, name, count)
        bound = bind(served, programme, cwd / "state" / f"{name}.lock.json", list(desired_of(programme)))
        try:
            for command in ("status", "verify"):
                if command not in COMMANDS:
                    continue
                shutil.rmtree(cwd / "state" / ".cache", ignore_errors=True)
                for warmth in ("cold", "warm"):
                    argv = [*julesform_argv(), command, programme.name]
                    run = expect(run_against(served, argv, cwd=cwd), [0, 3], command)
                    if warmth == "cold":
                        floor = bounds.plan(count, count, 0)
                    else:
                        floor = Bound(1, 1, "1 list page (logs of settled sessions come from the cache)")
                    rows.append(Row({"job": f"{command}: {count} categories, {warmth}"}, run, floor, latency))
        finally:
            unbind(served, bound)
    return rows


# --- start-up ------------------------------------------------------------------------------------


@dataclass
class Startup:
    command: str
    runs: list[Run]

    @property
    def median(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def best(self) -> float:
        return min(r.wall for r in self.runs)

    @property
    def peak_mib(self) -> float:
        return max(r.peak_mib for r in self.runs)


def startup(repeats: int) -> list[Startup]:
    """``julesform --version`` and ``julesform validate`` of the example programme, no API involved."""
    results = []
    for args in (["--version"], ["validate", "programmes/security-hardening.yaml"]):
        argv = [*julesform_argv(), *args]
        runs = [expect(run_process(argv, cwd=REPO_ROOT, env=api_env(None)), [0], " ".join(args))
                for _ in range(repeats)]
        results.append(Startup("julesform " + " ".join(args), runs))
    return results
