"""Resource names as the client puts them into URL paths, checked first.

Names come from lockfiles, plan files and the command line. A name with a ``..`` segment or a stray
``/``, ``?`` or ``#`` would make the URL point at another resource, so anything that is not plainly
a resource name is refused before a request is built.
"""

from __future__ import annotations

import re

from julesform.api.errors import InvalidRequest

_ID = r"[A-Za-z0-9_-][A-Za-z0-9_.~-]*"  # no "." or ".." segment: a URL would resolve it elsewhere
_SESSION_RE = re.compile(rf"^(?:sessions/)?(?P<id>{_ID})$")
_ACTIVITY_RE = re.compile(rf"^sessions/{_ID}/activities/{_ID}$")
_SOURCE_RE = re.compile(rf"^(?:sources/)?(?P<rest>{_ID}(?:/{_ID})*)$")
_TIMESTAMP_RE = re.compile(r"^[0-9T:.+Z-]+$")


def session_path(name: str) -> str:
    """``sessions/<id>`` for a session name or a bare id."""
    match = _SESSION_RE.match(name)
    if not match:
        raise InvalidRequest(f"not a session name: {name!r} (expected sessions/<id>)")
    return f"sessions/{match['id']}"


def activity_path(name: str) -> str:
    if not _ACTIVITY_RE.match(name):
        raise InvalidRequest(f"not an activity name: {name!r} (expected sessions/<id>/activities/<id>)")
    return name


def source_path(name: str) -> str:
    """``sources/github/<owner>/<repo>`` (the ``sources/`` prefix may be left off)."""
    match = _SOURCE_RE.match(name)
    if not match:
        raise InvalidRequest(f"not a source name: {name!r} (expected sources/github/<owner>/<repo>)")
    return f"sources/{match['rest']}"


def created_after_filter(after: str) -> str:
    """The activities filter that works on the real service (``?createTime=`` is refused with a 400)."""
    if not _TIMESTAMP_RE.match(after):
        raise InvalidRequest(f"not a timestamp: {after!r} (expected an RFC 3339 createTime)")
    return f'create_time > "{after}"'
