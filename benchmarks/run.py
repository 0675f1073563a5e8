"""``python -m benchmarks [--quick | --smoke] [--latency S] [--out FILE]``: run every case and write the
results table (with the command, the machine and the date) to benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import cases, cpu, report
from benchmarks.cases import Row, Startup
from benchmarks.cpu import CpuResult
from benchmarks.measure import Run
from benchmarks.world import account

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Sizes:
    categories: tuple[int, ...]
    others: tuple[int, ...]
    shares: tuple[float, ...]
    apply_counts: tuple[int, ...]
    read_count: int
    startup_repeats: int
    cpu_categories: int
    cpu_shares: tuple[float, ...]


FULL = Sizes((10, 100, 1000), (0, 1000, 10_000), (0.0, 0.5, 1.0), (10, 100), 100, 7, 10_000, (0.0, 0.5, 1.0))
QUICK = Sizes((10, 100), (0, 1000), (0.0, 0.5, 1.0), (10,), 100, 3, 10_000, (0.5,))
SMOKE = Sizes((10,), (0,), (0.5,), (10,), 10, 1, 10, (0.5,))


@dataclass
class Results:
    command: str
    latency: float
    started: datetime
    plan: list[Row] = field(default_factory=list)
    naive_plan: dict[tuple[int, float], Run] = field(default_factory=dict)
    apply: list[Row] = field(default_factory=list)
    reads: list[Row] = field(default_factory=list)
    startup: list[Startup] = field(default_factory=list)
    cpu: list[CpuResult] = field(default_factory=list)
    seconds: float = 0.0


def progress(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def run(sizes: Sizes, latency: float, command: str) -> Results:
    results = Results(command, latency, datetime.now(UTC))
    began = time.perf_counter()
    progress("start-up")
    results.startup = cases.startup(sizes.startup_repeats)
    progress("planning CPU")
    results.cpu = [cpu.run(sizes.cpu_categories, share, sizes.cpu_categories) for share in sizes.cpu_shares]
    for others in sizes.others:
        progress(f"account with {others} other sessions")
        with account(latency, others) as served:
            for categories in sizes.categories:
                for share in sizes.shares:
                    row = cases.plan_case(served, others, categories, share, latency)
                    progress(f"  plan {categories} categories, {share:.0%} bound: {row.run.wall:.2f} s")
                    results.plan.append(row)
                    if others == sizes.others[0]:
                        results.naive_plan[(categories, share)] = cases.naive_check(served, categories, share)
    progress("apply, status, verify")
    with account(latency, 0) as served:
        for count in sizes.apply_counts:
            results.apply.append(cases.apply_creates(served, count, latency, with_naive=True))
            results.apply.append(cases.apply_approvals(served, count, latency, with_naive=True))
        results.reads = cases.read_commands(served, sizes.read_count, latency)
    results.seconds = time.perf_counter() - began
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="smaller sizes (about two minutes)")
    mode.add_argument("--smoke", action="store_true", help="the smallest size only (CI smoke run)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to each request (0.05)")
    parser.add_argument("--out", type=Path, default=HERE / "README.md", help="where to write the results")
    parser.add_argument("--rerender", action="store_true",
                        help="rewrite --out from the last run's saved results (after editing analysis.md)")
    args = parser.parse_args(argv)
    saved = args.out.with_name(f".{args.out.stem}.last-run.pickle")
    if args.rerender:
        results = pickle.loads(saved.read_bytes())
    else:
        sizes = SMOKE if args.smoke else QUICK if args.quick else FULL
        flags = " --smoke" if args.smoke else " --quick" if args.quick else ""
        if args.latency != 0.05:
            flags += f" --latency {args.latency:g}"
        results = run(sizes, args.latency, f".venv/bin/python -m benchmarks{flags}")
        saved.write_bytes(pickle.dumps(results))
    args.out.write_text(report.render(results), encoding="utf-8")
    progress(f"wrote {args.out} ({results.seconds:.0f} s)")
    return 0
