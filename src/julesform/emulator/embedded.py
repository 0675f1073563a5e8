"""The emulator behind ``julesform --emulator``: in-process, persisted, with agents 60 times faster.

State lives in ``<state_dir>/emulator.json``. Each request loads it, answers, and saves it atomically
when anything changed, all under a filelock on a sidecar file, so separate CLI runs (even concurrent
ones) share one consistent emulated service and see their sessions progress between runs.

Differences from the real service, on purpose: it accepts the fixed key ``EMBEDDED_API_KEY`` and it
connects any ``sources/github/OWNER/REPO`` on first use (the real service knows only repos the Jules
GitHub app was installed on).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from filelock import FileLock

from julesform.emulator.app import EmulatorApp
from julesform.emulator.clock import WallClock
from julesform.emulator.faults import Faults
from julesform.emulator.service import Emulator
from julesform.emulator.state import EmulatorState
from julesform.errors import JulesformError
from julesform.state.store import atomic_write_text, make_state_dir

EMBEDDED_API_KEY = "emulator"
EMBEDDED_SPEED = 60.0  # sessions do a minute of a real agent's work per real second
STATE_FILE = "emulator.json"
FORMAT = 2


class EmulatorStateUnreadable(JulesformError):
    """The persisted emulator state exists but cannot be used; it is left untouched."""


class EmbeddedApp:
    """A WSGI callable that runs every request against the state file, under the sidecar lock."""

    def __init__(self, state_dir: Path, *, speed: float = EMBEDDED_SPEED,
                 wall: Callable[[], float] = time.time) -> None:
        self.path = state_dir / STATE_FILE
        self.lock = FileLock(str(state_dir / (STATE_FILE + ".lock")))
        self.speed = speed
        self.wall = wall
        make_state_dir(state_dir.parent)
        state_dir.mkdir(exist_ok=True)
        with self.lock:
            if not self.path.exists():
                self._save(self._fresh())
            self._load()  # refuse an unreadable file now, before any request

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self.lock:
            emulator = self._load()
            version = emulator.state.version
            app = EmulatorApp(emulator)
            try:
                return [b"".join(app(environ, start_response))]
            finally:
                if emulator.state.version != version:
                    self._save(emulator)

    def _fresh(self) -> Emulator:
        return Emulator(clock=WallClock(wall=self.wall), api_keys=[EMBEDDED_API_KEY],
                        auto_connect_sources=True, pace=self.speed)

    def _load(self) -> Emulator:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"unsupported format {data.get('format')!r}")
            clock = WallClock(offset_us=int(data["clock"]["offset_us"]), wall=self.wall)
            faults = Faults()
            faults.update(data.get("faults", {}))
            return Emulator(
                seed=int(data.get("seed", 0)), clock=clock, api_keys=[EMBEDDED_API_KEY],
                auto_connect_sources=True, faults=faults, state=EmulatorState.from_dict(data["state"]),
                pace=float(data["pace"]),
            )
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            raise EmulatorStateUnreadable(
                f"cannot read the emulator state {self.path} ({exc}); move it away to start a fresh emulator"
            ) from exc

    def _save(self, emulator: Emulator) -> None:
        used = emulator.clock
        assert isinstance(used, WallClock)
        data = {
            "format": FORMAT,
            "seed": emulator.seed,
            "pace": emulator.pace,
            "clock": {"offset_us": used.offset_us},
            "faults": emulator.faults.to_dict(),
            "state": emulator.state.to_dict(),
        }
        atomic_write_text(self.path, json.dumps(data, sort_keys=True, indent=1) + "\n")


def open_embedded_app(state_dir: Path) -> EmbeddedApp:
    """The WSGI app behind ``julesform --emulator`` (wrapped in httpx's WSGITransport by the client).

    State is kept in ``state_dir/emulator.json``, created on first use.
    """
    return EmbeddedApp(state_dir)
