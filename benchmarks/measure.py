"""Running julesform (or the naive script) the way a user does: a fresh process, timed from spawn
to exit, with its own peak resident memory (``wait4`` gives one child's rusage, unlike
``RUSAGE_CHILDREN`` which keeps the maximum of every child so far).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from julesform.emulator.server import ServedEmulator


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
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), cwd=cwd, env=dict(env), stdout=out, stderr=err, stdin=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            wall=wall,
            peak_mib=usage.ru_maxrss / 1024,  # Linux reports KiB
            exit_code=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
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
