"""The fault-injection soak: apply a big programme through every kind of trouble until nothing is left.

The emulator is served on loopback by this process (real timestamps, agents ``pace`` times faster);
the CLI runs as a subprocess, exactly as a user runs it. Every round injects seeded faults (429
bursts with Retry-After, 5xx on chosen methods, creates whose connection drops after they commit,
a squeezed daily quota, latency spikes), runs ``julesform apply --yes --archive-replaced`` (so
failed sessions that are recreated get archived: every kind of call is made) and, at a seeded request
number, holds that request, SIGKILLs the CLI, then lets the held request commit to a dead client.
Between rounds a "human" answers sessions that paused, stalled or asked a question, as a user would
in the Jules UI. After every round the lockfile must parse and validate. The soak ends when every
category's session is done and ``plan --detailed-exitcode`` (faults off) finds nothing to do.

Run it::

    .venv/bin/python tests/soak/harness.py --seed 7 --categories 200
    .venv/bin/python tests/soak/harness.py --long --hours 4        # fresh seeds until time is up

The schedule (faults, kill points, session behaviours) comes from the seed; the exact interleaving
of parallel requests does not, so two runs with one seed agree on the plan of attack, not on every
figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from julesform.emulator import Emulator, WallClock
from julesform.emulator.app import EmulatorApp
from julesform.emulator.server import RunningServer
from julesform.planner.spec import parse_marker
from julesform.state.lockfile import Lockfile, read_lockfile

PROGRAMME = "soak"
KEY = "soak-key-not-a-secret"
MAX_ATTEMPTS = 5
SAFETY_NET_S = 120.0  # only so a broken build cannot hang forever; no figure depends on it
SAFETY_NET_PER_CATEGORY_S = 0.6  # the emulator's work per request grows with its sessions
DONE = ("COMPLETED",)
STUCK = {"pause": "paused", "stall": "stalled", "feedback": "asking"}
"""What a session blocked on, and how the figures name it (the emulator's ``Session.blocked``)."""


@dataclass
class SoakConfig:
    seed: int = 1
    categories: int = 200
    max_rounds: int = 120
    kill_share: float = 0.6
    """Share of rounds in which the CLI is SIGKILLed (at a seeded request number)."""
    pace: float = 600.0
    """How many times faster than a real agent sessions work."""
    parallelism: int = 8
    dependent_share: float = 0.1
    """Share of categories that depend on an earlier one (the rest are independent, one phase)."""
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)


@dataclass
class SoakReport:
    seed: int
    categories: int
    rounds: int = 0
    kills: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    retried: int = 0
    human_replies: int = 0
    bound: int = 0
    superseded: int = 0
    archived: int = 0
    unmarked: int = 0
    duplicates: int = 0
    bindings_lost: int = 0
    converged: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def faults_injected(self) -> int:
        return sum(self.faults.values())

    def figures(self) -> list[str]:
        kinds = ", ".join(f"{name} {count}" for name, count in sorted(self.faults.items()))
        final = "empty (plan --detailed-exitcode: 0, nothing deferred)" if self.converged else "NOT EMPTY"
        return [
            f"soak seed {self.seed}: {self.categories} categories, {self.rounds} apply runs, "
            f"{self.requests} API requests, {self.seconds:.0f} s",
            f"  faults injected: {self.faults_injected} ({kinds})",
            f"  kills survived: {self.kills} (SIGKILL mid-apply; the lockfile parsed and validated after"
            " each)",
            f"  requests retried: {self.retried}",
            f"  human replies to paused, stalled or questioning sessions: {self.human_replies}",
            f"  sessions: {self.bound} bound, {self.superseded} superseded (failed, recreated; "
            f"{self.archived} of them archived), {self.unmarked} without a marker",
            f"  duplicates: {self.duplicates}",
            f"  bindings lost: {self.bindings_lost}",
            f"  final plan: {final}",
            *(f"  problem: {problem}" for problem in self.problems),
        ]


# --- the programme ---------------------------------------------------------------------------------


def category_ids(count: int) -> list[str]:
    return [f"c{i:04d}" for i in range(count)]


def programme_text(count: int, rng: random.Random, dependent_share: float) -> str:
    """One phase, big explicit quota, failures recreated; a few categories wait on an earlier one."""
    lines = [
        "version: 1",
        f"name: {PROGRAMME}",
        "source: sources/github/example-org/widget-app",
        "defaults:",
        "  automation_mode: auto_create_pr",
        "  require_plan_approval: true",
        "  approval: auto",
        "  on_failure: recreate",
        f"  max_attempts: {MAX_ATTEMPTS}",
        "quota:",
        "  daily: 100000",
        "  concurrent: 10000",
        "categories:",
    ]
    ids = category_ids(count)
    for index, cid in enumerate(ids):
        lines += [f"  - id: {cid}", f"    title: Soak work item {index}"]
        if index >= 10 and rng.random() < dependent_share:
            lines.append(f"    depends_on: [{ids[rng.randrange(index)]}]")
        lines.append(f"    prompt: Harden module {cid}; add tests in tests/test_{cid}.py (3 tests).")
    return "\n".join(lines) + "\n"


# --- the served emulator and its hooks -------------------------------------------------------------


class KillSwitch:
    """The emulator's latency hook, called on every API request before it is handled.

    Adds seeded latency spikes, and holds the request numbered ``kill_at`` (counted from ``arm``)
    until the harness has SIGKILLed the CLI: that request then commits to a client that is gone.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lock = threading.Lock()
        self.count = 0
        self.kill_at: int | None = None
        self.spike_share = 0.0
        self.spikes = 0
        self.holding = threading.Event()
        self.release = threading.Event()

    def arm(self, kill_at: int | None, spike_share: float) -> None:
        with self.lock:
            self.count = 0
            self.kill_at = kill_at
            self.spike_share = spike_share
            self.holding, self.release = threading.Event(), threading.Event()

    def __call__(self, _seconds: float) -> None:
        with self.lock:
            self.count += 1
            hold = self.kill_at is not None and self.count >= self.kill_at
            if hold:
                self.kill_at = None
            spike = self.rng.uniform(0.05, 0.4) if self.rng.random() < self.spike_share else 0.0
            if spike:
                self.spikes += 1
            holding, release = self.holding, self.release
        if spike:
            time.sleep(spike)
        if hold:
            holding.set()
            release.wait(SAFETY_NET_S)


class InFlight:
    """WSGI wrapper counting requests being handled, so a round starts only once the last one landed."""

    def __init__(self, app: EmulatorApp) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.count = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self.lock:
            self.count += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.lock:
                self.count -= 1

    def wait_idle(self) -> None:
        deadline = time.monotonic() + SAFETY_NET_S
        while time.monotonic() < deadline:
            with self.lock:
                if self.count == 0:
                    return
            time.sleep(0.01)
        raise RuntimeError("emulator requests still in flight after the safety net")


# --- one soak --------------------------------------------------------------------------------------


class Soak:
    def __init__(self, config: SoakConfig, workdir: Path) -> None:
        self.config = config
        self.workdir = workdir
        self.rng = random.Random(f"soak/{config.seed}")
        self.switch = KillSwitch(random.Random(f"soak/{config.seed}/spikes"))
        self.emulator = Emulator(
            seed=config.seed, clock=WallClock(), pace=config.pace, api_keys=[KEY], sleep=self.switch
        )
        self.emulator.faults.update({
            "latency": 1e-6,  # any latency: the kill switch is the latency hook
            "fail_share": 0.06, "stall_share": 0.03, "pause_share": 0.03, "feedback_share": 0.04,
            "pending_plan_share": 0.03, "revive_share": 0.02,
        })
        self.app = InFlight(EmulatorApp(self.emulator))
        self.programme = workdir / f"{PROGRAMME}.yaml"
        self.programme.write_text(programme_text(config.categories, self.rng, config.dependent_share))
        self.lockfile = workdir / "state" / f"{PROGRAMME}.lock.json"
        self.report = SoakReport(config.seed, config.categories)
        self.ever_bound: dict[str, set[str]] = {}
        self.last_run_requests = 0
        self.longest_run = 2 * config.categories

    # -- the loop --

    def run(self) -> SoakReport:
        started = time.monotonic()
        server = RunningServer(self.app).start()
        self.url = f"{server.base_url}/v1alpha"
        try:
            for _ in range(self.config.max_rounds):
                self.report.rounds += 1
                self.human_replies()
                self.round()
                if self.all_done() and self.final_plan_empty():
                    self.report.converged = True
                    break
        finally:
            self.switch.release.set()
            server.stop()
        self.tally()
        self.report.seconds = time.monotonic() - started
        return self.report

    def round(self) -> None:
        # Kill somewhere in a run as long as the last one (seeded), so early and late moments both occur.
        span = max(10, self.longest_run)
        kill_at = self.rng.randint(1, span) if self.rng.random() < self.config.kill_share else None
        before = len(self.emulator.requests)
        started = time.monotonic()
        self.inject_faults()
        self.switch.arm(kill_at, spike_share=0.01)
        # Output goes to files, not pipes: nobody reads a pipe while waiting, and a full one would
        # block the CLI (a 1000-category plan is more than a pipe holds).
        with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
            process = subprocess.Popen(
                self.cli("apply", "--yes", "--archive-replaced", "--parallelism",
                         str(self.config.parallelism), str(self.programme)),
                cwd=self.workdir, env=self.env(), stdout=out_file, stderr=err_file, text=True,
            )
            killed = self.wait(process)
            out_file.seek(0)
            err_file.seek(0)
            stdout, stderr = out_file.read(), err_file.read()
        self.switch.release.set()
        self.app.wait_idle()  # the held request has committed before anything else looks
        self.last_run_requests = len(self.emulator.requests) - before
        self.longest_run = max(self.longest_run, self.last_run_requests)
        if killed:
            self.report.kills += 1
        elif process.returncode not in (0, 1):
            self.report.problems.append(f"apply exited {process.returncode}: {stderr[-500:]!r}")
        self.check_lockfile(after="kill" if killed else "apply")
        took = f"{time.monotonic() - started:.1f} s"
        outcome = f"{took}, killed at request {kill_at}" if killed else f"{took}, exit {process.returncode}"
        if not killed:
            last = (stdout.strip().splitlines() or [""])[-1]
            errors = [line for line in stderr.splitlines() if line.startswith("error:")]
            outcome += ": " + (errors[-1] if errors else last)[:160]
        self.config.log(f"round {self.report.rounds}: {self.last_run_requests} requests, {outcome}")

    def wait(self, process: subprocess.Popen[str]) -> bool:
        """Wait for the apply to end, or SIGKILL it while the kill switch holds a request."""
        deadline = time.monotonic() + SAFETY_NET_S + SAFETY_NET_PER_CATEGORY_S * self.config.categories
        while process.poll() is None:
            if self.switch.holding.is_set():
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                return True
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise RuntimeError("an apply run outlived the safety net")
            time.sleep(0.005)
        return False

    def inject_faults(self) -> None:
        """One or two kinds of trouble this round, on top of a light background of 5xx."""
        faults, rng = self.emulator.faults, self.rng
        changes: dict[str, Any] = {"daily_quota": None, "error_rate": 0.01,
                                   "error_methods": ["GET", "POST", "DELETE"], "error_status": 503}
        for kind in rng.sample(["burst", "5xx", "drop", "quota", "calm"], k=2):
            if kind == "burst":
                changes |= {"rate_limit_burst": rng.randint(2, 5), "retry_after": 1.0}
            elif kind == "5xx":
                changes |= {"error_next": rng.randint(1, 3),
                            "error_methods": rng.choice([["GET"], ["POST"], ["DELETE", "POST"],
                                                         ["GET", "POST"]]),
                            "error_status": rng.choice([500, 502, 503, 504])}
            elif kind == "drop":
                changes |= {"drop_next_creates": rng.randint(1, 3)}
            elif kind == "quota":
                with self.emulator.lock:
                    recent = len(self.emulator.state.create_log_us)
                changes |= {"daily_quota": recent + rng.randint(0, 8)}
                self.report.faults["quota squeezes"] += 1
        faults.update(changes)

    def human_replies(self) -> None:
        """Answer every session that paused, stalled or asked a question, as its user would."""
        for session in self.emulator.sessions():
            blocked = (session.blocked or {}).get("on")
            if not session.archived and blocked in STUCK:
                self.emulator.send_message(session.id, {"prompt": "Please carry on, interfaces unchanged."})
                self.report.human_replies += 1
                self.report.faults[f"sessions {STUCK[blocked]}"] += 1

    # -- checks --

    def check_lockfile(self, after: str) -> Lockfile | None:
        """It must parse and validate, always; and no session once bound may drop out of it."""
        try:
            lock = read_lockfile(self.lockfile)
        except Exception as exc:
            when = f"after {after} (round {self.report.rounds})"
            self.report.problems.append(f"lockfile unreadable {when}: {exc}")
            raise
        if lock is None:
            return None
        for cid, binding in lock.bindings.items():
            self.ever_bound.setdefault(cid, set()).add(binding.session)
        return lock

    def all_done(self) -> bool:
        """Every category has a session that finished (COMPLETED, or FAILED on its last attempt)."""
        lock = read_lockfile(self.lockfile)
        if lock is None or lock.pending or len(lock.bindings) != self.config.categories:
            return False
        states = {f"sessions/{s.id}": s for s in self.emulator.sessions()}
        for binding in lock.bindings.values():
            session = states.get(binding.session)
            if session is None:
                return False
            exhausted = session.state == "FAILED" and binding.attempt >= MAX_ATTEMPTS
            finished = session.state in DONE or exhausted
            if not finished:
                return False
        return True

    def final_plan_empty(self) -> bool:
        self.emulator.faults.update({"error_rate": 0.0, "error_next": 0, "rate_limit_burst": 0,
                                     "drop_next_creates": 0, "daily_quota": None})
        self.switch.arm(None, spike_share=0.0)
        result = subprocess.run(
            self.cli("plan", "--detailed-exitcode", "--format", "json", str(self.programme)),
            cwd=self.workdir, env=self.env(), capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            return False
        plan = json.loads(result.stdout)
        return not plan["changes"] and not plan["deferred"]

    def tally(self) -> None:
        """Count sessions, duplicates and lost bindings in the emulator against the final lockfile."""
        report = self.report
        lock = read_lockfile(self.lockfile)
        bindings = lock.bindings if lock is not None else {}
        known: dict[str, set[str]] = {
            cid: {b.session, *b.superseded} for cid, b in bindings.items()
        }
        marked: dict[str, list[str]] = {}
        for session in self.emulator.sessions():
            parsed = parse_marker(session.title)
            if parsed is None or parsed[0] != PROGRAMME:
                report.unmarked += 1
                continue
            marked.setdefault(parsed[1], []).append(f"sessions/{session.id}")
        for cid in category_ids(self.config.categories):
            names = marked.get(cid, [])
            # A duplicate: a second session made for the same category and attempt, i.e. one the
            # lockfile neither binds nor lists as superseded by a later attempt.
            unaccounted = sum(1 for name in names if name not in known.get(cid, set()))
            # The same from the other side: attempt n of a category should have made n sessions.
            beyond_attempts = len(names) - bindings[cid].attempt if cid in bindings else 0
            report.duplicates += max(unaccounted, beyond_attempts)
            lost = self.ever_bound.get(cid, set()) - known.get(cid, set())
            report.bindings_lost += len(lost) + (0 if cid in bindings else 1)
        report.bound = len(bindings)
        report.superseded = sum(len(b.superseded) for b in bindings.values())
        old = {name for b in bindings.values() for name in b.superseded}
        report.archived = sum(1 for s in self.emulator.sessions() if s.archived and f"sessions/{s.id}" in old)
        self.count_faults()

    def count_faults(self) -> None:
        report, requests = self.report, list(self.emulator.requests)
        report.requests = len(requests)
        later: dict[tuple[str, str, str], list[int]] = {}
        for index, record in enumerate(requests):
            later.setdefault((record.method, record.path, record.query), []).append(index)
        for index, record in enumerate(requests):
            if record.status == 429:
                report.faults["429"] += 1
            elif record.status >= 500:
                report.faults["5xx"] += 1
            elif record.status == 0:
                report.faults["dropped after create"] += 1
            else:
                continue
            create = record.method == "POST" and record.path.endswith("/sessions")
            repeats = later[(record.method, record.path, record.query)]
            if not create and repeats[-1] > index:
                report.retried += 1
        report.faults["latency spikes"] += self.switch.spikes
        failed = sum(s.behaviour.outcome == "fail" for s in self.emulator.sessions())
        report.faults["sessions failed"] += failed

    # -- plumbing --

    def cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "julesform", "--api-url", self.url, *args]

    def env(self) -> dict[str, str]:
        return {**os.environ, "JULES_API_KEY": KEY, "NO_COLOR": "1"}


def run_soak(config: SoakConfig, workdir: Path | None = None) -> SoakReport:
    """One soak in ``workdir`` (a fresh temporary directory when None)."""
    if workdir is not None:
        return Soak(config, workdir).run()
    with tempfile.TemporaryDirectory(prefix="julesform-soak-") as tmp:
        return Soak(config, Path(tmp)).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--categories", type=int, default=None,
                        help="categories in the generated programme (default 200; 1000 with --long)")
    parser.add_argument("--long", action="store_true",
                        help="soak after soak with seeds SEED, SEED+1, ... until --hours have passed")
    parser.add_argument("--hours", type=float, default=4.0)
    args = parser.parse_args(argv)
    categories = args.categories or (1000 if args.long else 200)
    ends = time.monotonic() + args.hours * 3600
    seed, failed, totals = args.seed, False, Counter[str]()
    while True:
        report = run_soak(SoakConfig(seed=seed, categories=categories,
                                     max_rounds=400 if args.long else 120))
        print("\n".join(report.figures()), flush=True)
        ok = report.converged and not report.duplicates and not report.bindings_lost and not report.problems
        failed = failed or not ok
        totals.update(kills=report.kills, faults=report.faults_injected, retried=report.retried,
                      duplicates=report.duplicates, lost=report.bindings_lost, soaks=1)
        seed += 1
        if not args.long or time.monotonic() >= ends:
            break
    if args.long:
        print(f"soaks run: {totals['soaks']}; {totals['faults']} faults injected, "
              f"{totals['kills']} kills survived, "
              f"{totals['retried']} requests retried, {totals['duplicates']} duplicates, "
              f"{totals['lost']} bindings lost")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
