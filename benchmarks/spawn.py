"""``python benchmarks/spawn.py RESULT.json COMMAND...``: run COMMAND and record its wall time, exit
code and peak memory in RESULT.json.

Why a separate process: on Linux a child's peak RSS (``ru_maxrss``) includes what its parent held
when it forked, and the harness holds an emulator with thousands of sessions. Forked from this
small process instead, the command's peak is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    result_path, command = argv[0], argv[1:]
    start = time.perf_counter()
    proc = subprocess.Popen(command)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump({"wall": wall, "maxrss_kib": usage.ru_maxrss, "exit_code": code}, handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
