"""Activities are immutable, so each session's log is kept on disk and only newer ones are fetched.

One JSON file per session under ``state/.cache/<endpoint hash>/activities/<session id>.json``
(git-ignored; emulator and real sessions never share an entry). A run asks the API only for activities
after the newest cached ``createTime`` (the exclusive ``create_time >`` cursor), and not at all for a
COMPLETED or FAILED session whose ``updateTime`` has not moved since the log was last read. A change
set in a cached ``sessionCompleted`` activity is the session's patch, so patches are cached with it.

An entry that cannot be read, parsed or matched to its session is discarded and the whole log
fetched again: the cache is never trusted over the API. Writes are atomic (temp file and rename).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from julesform.api.errors import NotFound
from julesform.api.models import Activity, Session
from julesform.state.store import atomic_write_text, make_state_dir

if TYPE_CHECKING:
    from julesform.api.client import JulesClient

CACHE_FORMAT = 1
SETTLED_STATES = frozenset({"COMPLETED", "FAILED"})


def cache_root(state_dir: Path) -> Path:
    return state_dir / ".cache"


class ActivityCache:
    """Reads a session's activities through the on-disk cache (thread-safe: one file per session)."""

    def __init__(
        self,
        client: JulesClient,
        root: Path,
        *,
        notice: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        digest = hashlib.sha256(client.endpoint.encode("utf-8")).hexdigest()[:16]
        self.root = root
        self.directory = root / digest / "activities"
        self._notice = notice

    def path_for(self, session_name: str) -> Path:
        return self.directory / f"{session_name.removeprefix('sessions/')}.json"

    def activities(self, session: Session) -> list[Activity]:
        """The session's whole log, oldest first, downloading only what the cache lacks."""
        path = self.path_for(session.name)
        cached, seen_update = self._load(path, session.name)
        if cached and _settled(session, seen_update):
            return cached
        newest = max((a.create_time for a in cached if a.create_time is not None), default=None)
        after = _rfc3339(newest) if newest is not None else None
        try:
            fresh = self.client.list_activities(session.name, after=after)
        except NotFound:
            if cached:
                raise
            return []  # a new session's log can 404 for a moment: nothing to cache yet
        merged = _merge(cached, fresh)
        if fresh or not cached or seen_update != _stamp(session.update_time):
            self._save(path, session, merged)
        return merged

    def _load(self, path: Path, name: str) -> tuple[list[Activity], str | None]:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [], None
        except (OSError, UnicodeDecodeError) as exc:
            self._discard(path, f"unreadable ({exc})")
            return [], None
        try:
            data = json.loads(text)
            if (
                not isinstance(data, dict)
                or data.get("format") != CACHE_FORMAT
                or data.get("endpoint") != self.client.endpoint
                or data.get("session") != name
                or not isinstance(data.get("activities"), list)
            ):
                raise ValueError("not an activity cache entry for this session")
            activities = [Activity.model_validate(item) for item in data["activities"]]
            prefix = f"{name}/activities/"
            if any(not a.name.startswith(prefix) or a.create_time is None for a in activities):
                raise ValueError("an activity of another session or without a time")
            update = data.get("session_update_time")
            return activities, update if isinstance(update, str) else None
        except (ValueError, ValidationError, RecursionError) as exc:  # RecursionError: nesting too deep
            self._discard(path, (str(exc).splitlines() or [type(exc).__name__])[0])
            return [], None

    def _discard(self, path: Path, why: str) -> None:
        if self._notice is not None:
            self._notice(f"activity cache entry {path} is corrupt ({why}); fetching the log again")

    def _save(self, path: Path, session: Session, activities: list[Activity]) -> None:
        document: dict[str, Any] = {
            "format": CACHE_FORMAT,
            "endpoint": self.client.endpoint,
            "session": session.name,
            "session_update_time": _stamp(session.update_time),
            "activities": [
                a.model_dump(mode="json", by_alias=True, exclude_defaults=True) for a in activities
            ],
        }
        try:
            make_state_dir(self.root.parent)
            text = json.dumps(document, sort_keys=True, ensure_ascii=False) + "\n"
            atomic_write_text(path, text, durable=False)
        except OSError as exc:  # a cache that cannot be written only costs a download next time
            if self._notice is not None:
                self._notice(f"could not write activity cache {path}: {exc.strerror or exc}")


def _settled(session: Session, seen_update: str | None) -> bool:
    """A finished session that has not changed since its log was read can have no newer activity."""
    return (
        session.state in SETTLED_STATES
        and session.update_time is not None
        and seen_update == _stamp(session.update_time)
    )


def _merge(cached: list[Activity], fresh: list[Activity]) -> list[Activity]:
    """Cached then fresh, each activity once (a cursor rounded to microseconds may repeat the last)."""
    seen = {a.name for a in cached}
    merged = list(cached)
    for activity in fresh:
        if activity.name not in seen:
            seen.add(activity.name)
            merged.append(activity)
    return merged


def _stamp(moment: datetime | None) -> str | None:
    return _rfc3339(moment) if moment is not None else None


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
