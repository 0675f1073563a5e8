"""The apply mutex: an OS lock on a sidecar, a holder record, and force-unlock."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from julesform.cli import main
from julesform.state.mutex import (
    LockfileMutex,
    LockHeld,
    UnlockFailed,
    force_unlock,
    holder_path,
    read_holder,
    sidecar_path,
)

HOLD_SCRIPT = """
import sys, time
from pathlib import Path
from julesform.state.mutex import LockfileMutex
mutex = LockfileMutex(Path(sys.argv[1]), operation="apply")
holder = mutex.acquire()
print(holder.lock_id, flush=True)
time.sleep(600)
"""


def _hold_in_child(lockfile: Path) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(lockfile)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    lock_id = child.stdout.readline().strip()  # blocks until the child holds the lock
    assert lock_id, "the child process did not take the lock"
    return child, lock_id


def test_holder_is_recorded_beside_the_lockfile_and_removed_on_release(tmp_path: Path) -> None:
    lockfile = tmp_path / "demo.lock.json"
    with LockfileMutex(lockfile, operation="apply") as holder:
        assert sidecar_path(lockfile).name == "demo.lock.json.lock"
        recorded = json.loads(holder_path(lockfile).read_text())
        assert recorded["pid"] == os.getpid()
        assert recorded["host"] == socket.gethostname()
        assert recorded["operation"] == "apply"
        assert recorded["lock_id"] == holder.lock_id
        assert not lockfile.exists()  # the lock is never taken on the lockfile itself
    assert not holder_path(lockfile).exists()


def test_second_taker_fails_at_once_naming_the_holder(tmp_path: Path) -> None:
    lockfile = tmp_path / "demo.lock.json"
    child, lock_id = _hold_in_child(lockfile)
    try:
        with pytest.raises(LockHeld) as caught:
            LockfileMutex(lockfile, operation="apply", timeout=0).acquire()
    finally:
        child.kill()
        child.wait()
    message = str(caught.value)
    assert f"pid {child.pid}" in message
    assert f"lock id {lock_id}" in message
    assert f"julesform force-unlock {lock_id}" in message
    assert "--lock-timeout" in message


def test_kill_9_of_the_holder_frees_the_lock(tmp_path: Path) -> None:
    lockfile = tmp_path / "demo.lock.json"
    child, stale_id = _hold_in_child(lockfile)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert read_holder(lockfile) is not None  # the record outlives the process...
    with LockfileMutex(lockfile, operation="refresh") as holder:  # ...but the OS lock does not
        assert holder.lock_id != stale_id
        current = read_holder(lockfile)
        assert current is not None and current.operation == "refresh"


def test_force_unlock_needs_the_right_id(tmp_path: Path) -> None:
    lockfile = tmp_path / "demo.lock.json"
    child, lock_id = _hold_in_child(lockfile)
    try:
        with pytest.raises(UnlockFailed, match=f"the current lock id is {lock_id}"):
            force_unlock(lockfile, "nope")
        holder = force_unlock(lockfile, lock_id)
        assert holder.pid == child.pid
        assert not sidecar_path(lockfile).exists() and not holder_path(lockfile).exists()
        # The lock is broken: a new taker gets in although the old process still runs.
        with LockfileMutex(lockfile, operation="apply"):
            pass
    finally:
        child.kill()
        child.wait()


def test_force_unlock_command_finds_the_lock_by_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    lockfile = Path("state") / "demo.lock.json"
    child, lock_id = _hold_in_child(lockfile)
    try:
        assert main(["force-unlock", "0000"]) == 1
        assert capsys.readouterr().err == "error: no lock with id 0000 under state/; pass --lockfile PATH\n"
        assert main(["force-unlock", lock_id]) == 0
        out = capsys.readouterr().out
        expected = f"Removed lock {lock_id} on state/demo.lock.json (held by apply (pid {child.pid}"
        assert out.startswith(expected)
    finally:
        child.kill()
        child.wait()
    assert not holder_path(lockfile).exists()


def test_lock_timeout_waits_then_says_how_long(tmp_path: Path) -> None:
    lockfile = tmp_path / "demo.lock.json"
    child, _ = _hold_in_child(lockfile)
    try:
        with pytest.raises(LockHeld, match=rf"is locked after waiting 0\.05s by apply \(pid {child.pid} "):
            LockfileMutex(lockfile, operation="import", timeout=0.05).acquire()
    finally:
        child.kill()
        child.wait()
    with LockfileMutex(lockfile, operation="import", timeout=5):  # the holder is gone: no wait at all
        pass


def test_a_lock_that_cannot_be_made_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("a file where the state directory should be")
    with pytest.raises(LockHeld, match=r"^cannot take the lock .*/state/demo\.lock\.json\.lock: "):
        LockfileMutex(tmp_path / "state" / "demo.lock.json", operation="apply").acquire()
