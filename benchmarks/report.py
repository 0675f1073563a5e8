"""The results as markdown: benchmarks/README.md is this module's output plus ``analysis.md``
(hand-written: why targets are missed and what would fix them), so one command rewrites it all.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.bounds import CREATES_AT_ONCE, READS_AT_ONCE
from benchmarks.cases import Row

if TYPE_CHECKING:
    from benchmarks.run import Results

ANALYSIS = Path(__file__).resolve().with_name("analysis.md")
PLAN_TARGET = 1.5
NAIVE_TARGET = 10.0
CPU_TARGET = 1.0
VERSION_TARGET = 0.3


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def _s(seconds: float) -> str:
    return f"{seconds:.2f}"


def _share(share: object) -> str:
    return f"{float(share):.0%}" if isinstance(share, float) else str(share)


def _notes(row: Row, startup: float) -> str:
    notes = list(row.notes)
    extra = row.run.requests - row.bound.requests
    if extra > 0:
        notes.append(f"{extra} requests more than needed")
    floor = row.bound.seconds(row.latency)
    if row.ratio > PLAN_TARGET and row.run.wall - floor < 2.5 * startup:
        notes.append("fixed cost (start-up, loading) outweighs the round trips")
    return "; ".join(notes)


def _plan_table(results: Results, startup: float) -> list[str]:
    lines = [
        "| categories | other sessions | bound | requests (fewest) | julesform s | bound s | × bound |"
        " naive s (requests) | naive ÷ julesform | peak MiB | notes |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in results.plan:
        case = row.case
        naive = results.naive_plan.get((int(str(case["categories"])), float(str(case["bound"]))))
        naive_cell = speedup = "–"
        if naive is not None and naive.requests:
            naive_cell = f"{_s(naive.wall)} ({naive.requests})"
            speedup = f"{naive.wall / row.run.wall:.1f}×"
        lines.append(
            f"| {case['categories']} | {case['others']} | {_share(case['bound'])} |"
            f" {row.run.requests} ({row.bound.requests}) | {_s(row.run.wall)} |"
            f" {_s(row.bound.seconds(row.latency))} | {row.ratio:.1f} | {naive_cell} | {speedup} |"
            f" {row.run.peak_mib:.0f} | {_notes(row, startup)} |"
        )
    return lines


def _job_table(rows: list[Row], startup: float) -> list[str]:
    lines = [
        "| job | requests (fewest) | julesform s | bound s | × bound | naive s (requests) |"
        " naive ÷ julesform | peak MiB | how the bound is reached | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in rows:
        naive_cell = speedup = "–"
        if row.naive is not None:
            naive_cell = f"{_s(row.naive.wall)} ({row.naive.requests})"
            speedup = f"{row.naive.wall / row.run.wall:.1f}×"
        lines.append(
            f"| {row.case['job']} | {row.run.requests} ({row.bound.requests}) | {_s(row.run.wall)} |"
            f" {_s(row.bound.seconds(row.latency))} | {row.ratio:.1f} | {naive_cell} | {speedup} |"
            f" {row.run.peak_mib:.0f} | {row.bound.how} | {_notes(row, startup)} |"
        )
    return lines


def _verdict(all_met: bool, some_met: bool) -> str:
    return "yes" if all_met else "partly" if some_met else "no"


def _targets(results: Results) -> list[str]:
    lines = ["| target | result | met |", "|---|---|---|"]
    if results.plan:
        worst = max(results.plan, key=lambda r: r.ratio)
        within = sum(1 for r in results.plan if r.ratio <= PLAN_TARGET)
        lines.append(
            f"| `plan` within {PLAN_TARGET}× of its round-trip bound at every size |"
            f" {within} of {len(results.plan)} cases; worst {worst.ratio:.1f}×"
            f" ({worst.case['categories']} categories, {worst.case['others']} others,"
            f" {_share(worst.case['bound'])} bound) |"
            f" {'yes' if within == len(results.plan) else 'no (see below)'} |"
        )
    big = max((int(str(r.case["categories"])) for r in results.plan), default=0)
    speedups = []
    for row in results.plan:
        naive = results.naive_plan.get((int(str(row.case["categories"])), float(str(row.case["bound"]))))
        if int(str(row.case["categories"])) == big and naive is not None and naive.requests:
            speedups.append(naive.wall / row.run.wall)
    if speedups:
        lines.append(
            f"| ≥ {NAIVE_TARGET:.0f}× faster than the naive script at {big} categories |"
            f" {min(speedups):.1f}× to {max(speedups):.1f}× |"
            f" {_verdict(min(speedups) >= NAIVE_TARGET, max(speedups) >= NAIVE_TARGET)} |"
        )
    for result in results.cpu:
        lines.append(
            f"| planning CPU for {result.categories} categories under {CPU_TARGET:.0f} s"
            f" ({result.bound_share:.0%} bound, {result.others} other sessions) |"
            f" {result.planning:.2f} s (with wire decoding and JSON output {result.total:.2f} s) |"
            f" {'yes' if result.planning < CPU_TARGET else 'no'} |"
        )
    for item in results.startup:
        if item.command.endswith("--version"):
            lines.append(
                f"| `julesform --version` under {VERSION_TARGET * 1000:.0f} ms |"
                f" {item.median * 1000:.0f} ms median |"
                f" {'yes' if item.median < VERSION_TARGET else 'no'} |"
            )
    return lines


def render(results: Results) -> str:
    startup = next((s.median for s in results.startup if "validate" in s.command), 0.0)
    out = [
        "# julesform benchmarks",
        "",
        "<!-- Written by the command below: edit benchmarks/analysis.md or benchmarks/report.py instead. -->",
        "",
        f"- command: `{results.command}` (from the repository root; {results.seconds:.0f} s)",
        f"- machine: {machine()}",
        f"- date: {results.started.strftime('%Y-%m-%d %H:%M UTC')}",
        f"- emulator on 127.0.0.1 in the harness process, {results.latency * 1000:.0f} ms added to every"
        " request; julesform runs as a fresh process per run (wall time from spawn to exit, peak RSS"
        " from `wait4`)",
        f"- allowed concurrency: {READS_AT_ONCE} reads at once (the client's limit),"
        f" {CREATES_AT_ONCE} creates at once (apply's default `--parallelism`)",
        "",
        "## Targets",
        "",
        *_targets(results),
        "",
        "## `plan`",
        "",
        "Bound = the fewest requests the plan needs, in rounds of latency at the allowed concurrency (see",
        "`bounds.py`). Bound sessions finished long ago and were made with plan approval required, so each",
        "one's activity log must be read (the state can say COMPLETED while an agent plan waits).",
        "The naive script GETs each bound session and POSTs each missing create, one after another; its",
        "requests do not depend on the account, so it ran once per programme size, in the empty account.",
        "",
        *_plan_table(results, startup),
        "",
        "## `apply`, `status`, `verify`",
        "",
        "Creates run in an empty account; approvals on sessions whose agent plan waits. `status` and",
        "`verify` read a programme whose sessions all finished: cold (no activity cache), then warm.",
        "",
        *_job_table(results.apply + results.reads, startup),
        "",
        "## Start-up",
        "",
        "| command | median s | best s | runs | peak MiB |",
        "|---|---:|---:|---:|---:|",
        *[f"| `{s.command}` | {s.median:.3f} | {s.best:.3f} | {len(s.runs)} | {s.peak_mib:.0f} |"
          for s in results.startup],
        "",
        "## Planning CPU (no network)",
        "",
        "The pure pipeline on a programme built from the models (the loader caps files at 1,000 categories),",
        "with as many other sessions in the account; CPU seconds per stage: `resolve` (desired specs),",
        "`plan` (the planner), `text` (the plan as printed): together *planning*; besides them `parse`",
        "(wire JSON of the sessions and activity logs into julesform's models, which grows with the",
        "account, not the programme) and `json` (`--format json`).",
        "",
        "| categories | bound | other sessions | resolve | plan | text | planning | parse | json | all |"
        " changes |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {c.categories} | {c.bound_share:.0%} | {c.others} | {c.seconds['resolve']:.2f} |"
          f" {c.seconds['plan']:.2f} | {c.seconds['text']:.2f} | **{c.planning:.2f}** |"
          f" {c.seconds['parse']:.2f} | {c.seconds['json']:.2f} | {c.total:.2f} | {c.changes} |"
          for c in results.cpu],
        "",
    ]
    if ANALYSIS.exists():
        out += [ANALYSIS.read_text(encoding="utf-8").rstrip("\n"), ""]
    return "\n".join(out)
