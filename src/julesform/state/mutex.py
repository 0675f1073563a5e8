"""One writer per lockfile: an OS-level lock on a sidecar file, plus who holds it.

The lock sits on ``<lockfile>.lock``, never on the lockfile itself: the store replaces the lockfile by
``os.replace``, which swaps the inode, and a lock on the old inode would protect nothing. The OS drops
the lock when its process dies (even ``kill -9``), so a crash never leaves a lockfile locked; the holder
record (pid, host, user, operation, since, lock id) in ``<lockfile>.lock.holder`` exists so a waiting
user is told *who* holds it, and so ``force-unlock LOCK_ID`` can break a lock that outlived its owner
(e.g. on a network filesystem).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from julesform.errors import JulesformError
from julesform.state.store import make_state_dir

HOLDER_SUFFIX = ".lock.holder"


class LockHeld(JulesformError):
    """Another process holds the lockfile's lock."""


class UnlockFailed(JulesformError):
    """force-unlock found no lock with that id."""


@dataclass(frozen=True)
class Holder:
    lock_id: str
    pid: int
    host: str
    user: str
    operation: str
    since: str

    def describe(self) -> str:
        return (
            f"{self.operation} (pid {self.pid} on {self.host}, user {self.user}, since {self.since}, "
            f"lock id {self.lock_id})"
        )


def sidecar_path(lockfile: Path) -> Path:
    return lockfile.with_name(lockfile.name + ".lock")


def holder_path(lockfile: Path) -> Path:
    return lockfile.with_name(lockfile.name + HOLDER_SUFFIX)


def read_holder(lockfile: Path) -> Holder | None:
    """The recorded holder, or None when nothing (readable) is recorded."""
    try:
        data = json.loads(holder_path(lockfile).read_text(encoding="utf-8"))
        return Holder(**{key: data[key] for key in Holder.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return str(os.getuid())


class LockfileMutex:
    """Held for the whole of an apply, import or refresh; ``with LockfileMutex(...) as holder``."""

    def __init__(self, lockfile: Path, *, operation: str, timeout: float = 0) -> None:
        self.lockfile = lockfile
        self.operation = operation
        self.timeout = timeout
        self.holder: Holder | None = None
        self._lock = FileLock(str(sidecar_path(lockfile)), timeout=timeout, thread_local=False)

    def acquire(self) -> Holder:
        try:
            make_state_dir(self.lockfile.parent)
            self._lock.acquire(timeout=self.timeout)
        except Timeout:
            raise self._held_error() from None
        except OSError as exc:
            raise LockHeld(
                f"cannot take the lock {sidecar_path(self.lockfile)}: {exc.strerror or exc}"
            ) from None
        holder = Holder(
            lock_id=uuid.uuid4().hex[:12],
            pid=os.getpid(),
            host=socket.gethostname(),
            user=_current_user(),
            operation=self.operation,
            since=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        # The OS lock is what excludes; the record only helps a waiting user, so a failure is harmless.
        record = json.dumps(asdict(holder), indent=2) + "\n"
        with contextlib.suppress(OSError):
            holder_path(self.lockfile).write_text(record, encoding="utf-8")
        self.holder = holder
        return holder

    def release(self) -> None:
        if self.holder is not None:
            recorded = read_holder(self.lockfile)
            if recorded is not None and recorded.lock_id == self.holder.lock_id:
                with contextlib.suppress(OSError):
                    holder_path(self.lockfile).unlink()
            self.holder = None
        self._lock.release()

    def _held_error(self) -> LockHeld:
        holder = read_holder(self.lockfile)
        waited = f" after waiting {self.timeout:g}s" if self.timeout else ""
        who = holder.describe() if holder else "another process (no holder record)"
        hint = f"julesform force-unlock {holder.lock_id}" if holder else "julesform force-unlock"
        return LockHeld(
            f"{self.lockfile} is locked{waited} by {who}; retry with --lock-timeout SECONDS, "
            f"or if that process is gone run: {hint}"
        )

    def __enter__(self) -> Holder:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def find_lock(state_dirs: Iterator[Path] | list[Path], lock_id: str) -> Path | None:
    """The lockfile whose holder record carries ``lock_id``, searched in the given directories."""
    for directory in state_dirs:
        if not directory.is_dir():
            continue
        for record in sorted(directory.glob(f"*{HOLDER_SUFFIX}")):
            lockfile = record.with_name(record.name.removesuffix(HOLDER_SUFFIX))
            holder = read_holder(lockfile)
            if holder is not None and holder.lock_id == lock_id:
                return lockfile
    return None


def force_unlock(lockfile: Path, lock_id: str) -> Holder:
    """Break the lock recorded under ``lock_id``: remove the sidecar and the holder record.

    Removing the sidecar lets the next process lock a fresh file even if the old holder still holds
    the old inode, which is what "force" means: use it only once the holder is known to be gone.
    """
    holder = read_holder(lockfile)
    if holder is None or holder.lock_id != lock_id:
        current = f" (the current lock id is {holder.lock_id})" if holder else ""
        raise UnlockFailed(f"{lockfile} has no lock with id {lock_id}{current}")
    for path in (sidecar_path(lockfile), holder_path(lockfile)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return holder
