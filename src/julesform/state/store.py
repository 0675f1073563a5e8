"""Writing the lockfile so that a crash, a full disk or a second writer can never lose a binding.

Every write goes to a temporary file in the same directory, is fsynced, and replaces the lockfile with
``os.replace`` (atomic on POSIX), then the directory is fsynced so the rename itself survives a power
cut. The previous version is kept beside it as ``<stem>.backup.json``. Each write bumps ``serial``.

A lockfile that exists but cannot be read or parsed is never overwritten: it may hold the only record
of sessions that cost real quota. When a write fails, the bindings go to a recovery file instead, and
the error says how to put it back.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from pathlib import Path

from julesform.errors import JulesformError
from julesform.state.lockfile import Lockfile, dump_lockfile, read_lockfile


class LockfileWriteFailed(JulesformError):
    """The lockfile could not be written; the message names the recovery file and the restore command."""

    def __init__(self, message: str, recovery: Path | None = None) -> None:
        super().__init__(message)
        self.recovery = recovery


class LockfileChanged(JulesformError):
    """The lockfile on disk is not the one this run read (someone wrote it without taking the lock)."""


def backup_path(path: Path) -> Path:
    """``state/x.lock.json`` -> ``state/x.lock.backup.json`` (ignored by git)."""
    return path.with_name(path.name.removesuffix(".json") + ".backup.json")


def recovery_path(path: Path) -> Path:
    """Where the bindings go when the lockfile cannot be written: beside it, else the temp dir."""
    return path.with_name(path.name.removesuffix(".json") + ".recovery.json")


STATE_GITIGNORE = """\
# Written by julesform when it made this directory: commit the lockfiles, nothing else
# (backups, lock holders, the emulator's state and the activity cache stay on this machine).
*
!.gitignore
!*.lock.json
"""


def make_state_dir(directory: Path) -> None:
    """Create the directory that holds lockfiles. One that julesform makes itself gets a .gitignore
    letting only lockfiles into git; an existing directory is left exactly as it is."""
    if directory.is_dir():
        return
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".gitignore").write_text(STATE_GITIGNORE, encoding="utf-8")


def atomic_write_text(path: Path, text: str, *, durable: bool = True) -> None:
    """Replace ``path`` with ``text`` atomically: temp file in the same dir, fsync, rename, fsync dir.

    ``durable=False`` skips both fsyncs, for files whose loss costs only a download (the activity
    cache): the rename still keeps readers from ever seeing half a file.
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = 0o644  # mkstemp's 0600 would hide a committed file from the rest of the team
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on a directory
        pass
    finally:
        os.close(dir_fd)


class LockfileStore:
    """One run's handle on a lockfile: remembers which version it read, writes the next one.

    ``write`` refuses to replace a file whose serial moved since this run read it, so a writer that
    bypassed the mutex is noticed instead of silently overwritten.
    """

    def __init__(self, path: Path, *, expected_serial: int | None) -> None:
        self.path = path
        self.expected_serial = expected_serial
        """Serial of the version on disk when the run started; None when there was no file."""

    @classmethod
    def open(cls, path: Path) -> tuple[LockfileStore, Lockfile | None]:
        """Read the lockfile (None when missing) and a store that will write its successors."""
        lock = read_lockfile(path)
        return cls(path, expected_serial=None if lock is None else lock.serial), lock

    def write(self, lock: Lockfile) -> Lockfile:
        """Write ``lock`` with serial + 1 and return what was written (keep using the returned one)."""
        self._check_on_disk()
        new = lock.model_copy(update={"serial": lock.serial + 1})
        text = dump_lockfile(new)
        try:
            if self.path.exists():
                atomic_write_text(backup_path(self.path), self.path.read_text(encoding="utf-8"))
            atomic_write_text(self.path, text)
        except OSError as exc:
            raise self._recover(text, exc) from exc
        self.expected_serial = new.serial
        return new

    def _check_on_disk(self) -> None:
        # read_lockfile raises LockfileError for an unreadable file: it is then never overwritten.
        current = read_lockfile(self.path)
        serial = None if current is None else current.serial
        if serial != self.expected_serial:
            raise LockfileChanged(
                f"{self.path} changed while this run held it (serial {self.expected_serial} -> {serial}); "
                "another process wrote it without the lock: nothing was overwritten, run plan again"
            )

    def _recover(self, text: str, exc: OSError) -> LockfileWriteFailed:
        reason = exc.strerror or type(exc).__name__
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        candidates = [
            recovery_path(self.path),
            Path(tempfile.gettempdir()) / f"julesform-{self.path.stem}-{stamp}-{os.getpid()}.recovery.json",
        ]
        for candidate in candidates:
            try:
                atomic_write_text(candidate, text)
            except OSError:
                continue
            return LockfileWriteFailed(
                f"could not write lockfile {self.path} ({reason}); the bindings were saved to {candidate}; "
                f"once the problem is fixed restore them with: cp {candidate} {self.path}",
                recovery=candidate,
            )
        return LockfileWriteFailed(
            f"could not write lockfile {self.path} ({reason}) nor a recovery file; "
            "run refresh once the problem is fixed to re-adopt the sessions by their markers"
        )
