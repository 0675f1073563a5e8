"""The lockfile store: atomic writes, serial + 1, backups, never overwriting what it could not read."""

from __future__ import annotations

import errno
import json
import tempfile
from pathlib import Path

import pytest

from julesform.state import store as store_module
from julesform.state.lockfile import Binding, Lockfile, LockfileError, read_lockfile
from julesform.state.store import (
    LockfileChanged,
    LockfileStore,
    LockfileWriteFailed,
    backup_path,
)


def _lock(**bindings: str) -> Lockfile:
    lock = Lockfile.new(endpoint="http://127.0.0.1:1/v1alpha", programme="demo")
    for cid, session in bindings.items():
        lock.bindings[cid] = Binding(
            session=session,
            spec_hash="sha256:x",
            bound_at="2026-01-01T00:00:00Z",
            require_plan_approval=False,
            automation_mode="AUTOMATION_MODE_UNSPECIFIED",
        )
    return lock


def test_first_write_creates_serial_one_and_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "state" / "demo.lock.json"
    store, found = LockfileStore.open(path)
    assert found is None
    written = store.write(_lock(a="sessions/1"))
    assert written.serial == 1
    on_disk = read_lockfile(path)
    assert on_disk is not None and on_disk.serial == 1
    assert on_disk.bindings["a"].session == "sessions/1"
    assert path.read_text().endswith("}\n")
    assert not backup_path(path).exists()
    assert [p.name for p in path.parent.iterdir()] == ["demo.lock.json"]  # no temp files left


def test_each_write_bumps_serial_and_keeps_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "demo.lock.json"
    store, _ = LockfileStore.open(path)
    first = store.write(_lock(a="sessions/1"))
    first.bindings["b"] = first.bindings["a"].model_copy(update={"session": "sessions/2"})
    second = store.write(first)
    assert second.serial == 2
    assert backup_path(path).name == "demo.lock.backup.json"
    backup = json.loads(backup_path(path).read_text())
    assert backup["serial"] == 1 and sorted(backup["bindings"]) == ["a"]
    assert sorted(json.loads(path.read_text())["bindings"]) == ["a", "b"]


def test_a_corrupt_lockfile_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "demo.lock.json"
    path.write_text('{"version": 1, "lineage": "x", "serial": 3, "bind')  # truncated
    store = LockfileStore(path, expected_serial=3)
    with pytest.raises(LockfileError):
        store.write(_lock(a="sessions/1"))
    assert path.read_text().endswith('"bind')


def test_a_lockfile_written_behind_our_back_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "demo.lock.json"
    store, _ = LockfileStore.open(path)
    mine = store.write(_lock(a="sessions/1"))
    other, theirs = LockfileStore.open(path)
    assert theirs is not None
    other.write(theirs)  # serial 2 now, written by "someone else"
    with pytest.raises(LockfileChanged, match=r"serial 1 -> 2"):
        store.write(mine)
    assert json.loads(path.read_text())["serial"] == 2


def test_failed_write_saves_a_recovery_file_and_says_how_to_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    path = state / "demo.lock.json"
    store, _ = LockfileStore.open(path)
    store.write(_lock(a="sessions/1"))
    elsewhere = tmp_path / "tmp"
    elsewhere.mkdir()
    real_mkstemp = tempfile.mkstemp

    def full_disk(*args: object, **kwargs: object) -> tuple[int, str]:
        if Path(str(kwargs["dir"])) == state:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_mkstemp(*args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(store_module.tempfile, "mkstemp", full_disk)
    monkeypatch.setattr(store_module.tempfile, "gettempdir", lambda: str(elsewhere))
    current = read_lockfile(path)
    assert current is not None
    current.bindings["b"] = current.bindings["a"].model_copy(update={"session": "sessions/2"})
    with pytest.raises(LockfileWriteFailed) as caught:
        store.write(current)
    recovery = caught.value.recovery
    assert recovery is not None and recovery.parent == elsewhere
    message = str(caught.value)
    assert "\n" not in message
    assert "No space left on device" in message
    assert f"cp {recovery} {path}" in message
    saved = json.loads(recovery.read_text())
    assert sorted(saved["bindings"]) == ["a", "b"] and saved["serial"] == 2
    assert json.loads(path.read_text())["serial"] == 1  # the old lockfile is intact
