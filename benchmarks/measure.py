"""Running julesform (or the naive script) the way a user does: a fresh process, timed from spawn
to exit, with its own peak resident memory (``wait4`` gives one child's rusage, unlike
``RUSAGE_CHILDREN`` which keeps the maximum of every child so far; ``spawn.py`` says why it forks).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from julesform.emulator.server import ServedEmulator

SPAWN = Path(__file__).resolve().with_name("spawn.py")


@dataclass(frozen=True)
class Run:
    wall: float
    """Seconds from spawn to exit."""
    peak_mib: float
    """Peak resident set size of the process."""
    exit_code: int
    stdout: str
    stderr: str
    requests: int = 0
    """API requests the emulator answered during the run."""


def julesform_argv() -> list[str]:
    """The installed ``julesform`` script next to this interpreter, else ``python -m julesform``."""
    script = Path(sys.executable).with_name("julesform")
    return [str(script)] if script.exists() else [sys.executable, "-m", "julesform"]


def api_env(served: ServedEmulator | None) -> dict[str, str]:
    """The environment of a user pointed at the served emulator (and no colour, no terminal)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JULES_")}
    env["NO_COLOR"] = "1"
    if served is not None:
        env["JULES_API_URL"] = served.url
        env["JULES_API_KEY"] = served.api_key
    return env


def run_process(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> Run:
    """Run ``argv`` through ``spawn.py`` (see there: a peak RSS of its own) and collect what it did."""
    with tempfile.TemporaryDirectory(prefix="julesform-bench-run-") as scratch:
        result = Path(scratch) / "result.json"
        out, err = Path(scratch) / "stdout", Path(scratch) / "stderr"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            subprocess.run(
                [sys.executable, str(SPAWN), str(result), *argv],
                cwd=cwd, env=dict(env), stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, check=True,
            )
        measured = json.loads(result.read_text(encoding="utf-8"))
        return Run(
            wall=float(measured["wall"]),
            peak_mib=int(measured["maxrss_kib"]) / 1024,  # Linux reports KiB
            exit_code=int(measured["exit_code"]),
            stdout=out.read_text(encoding="utf-8", errors="replace"),
            stderr=err.read_text(encoding="utf-8", errors="replace"),
        )


def run_against(served: ServedEmulator, argv: Sequence[str], *, cwd: Path) -> Run:
    """Run ``argv`` against ``served`` and count the API requests it made."""
    before = len(served.emulator.requests)
    run = run_process(argv, cwd=cwd, env=api_env(served))
    requests = len(served.emulator.requests) - before
    return Run(run.wall, run.peak_mib, run.exit_code, run.stdout, run.stderr, requests)


class RunFailed(RuntimeError):
    """A measured run did not do what the case needs (its numbers would mean nothing)."""


def expect(run: Run, codes: Sequence[int], what: str) -> Run:
    if run.exit_code not in codes:
        tail = (run.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RunFailed(f"{what} exited {run.exit_code}: {tail}")
    return run
