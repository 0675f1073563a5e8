"""The emulator's side of the wire format: proto3 JSON bodies, the google.rpc.Status error envelope,
RFC 3339 timestamps and opaque page tokens.

Built by hand from the documented shapes (``jules-api.md`` §3-§4), deliberately not from
``julesform.api.models``, so the client's models and these bodies keep each other honest.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from julesform.emulator.state import Activity, JsonDict, Session, Source

PROTO_PACKAGE = "google.labs.jules.v1alpha"
SESSION_URL = "https://jules.google.com/session/{id}"


# --- timestamps ----------------------------------------------------------------------------------


def timestamp(us: int) -> str:
    """RFC 3339 with microseconds and a ``Z``, as the service writes most of its timestamps."""
    moment = datetime.fromtimestamp(us // 1_000_000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{us % 1_000_000:06d}Z"


_TS_RE = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d{1,9}))?(?P<tz>Z|[+-]\d{2}:\d{2})$"
)


def parse_timestamp(text: str) -> int | None:
    """Microseconds since the epoch, or None when ``text`` is not an RFC 3339 timestamp."""
    match = _TS_RE.match(text.strip())
    if not match:
        return None
    tz = "+00:00" if match["tz"] == "Z" else match["tz"]
    try:
        moment = datetime.fromisoformat(match["base"] + tz)
    except ValueError:
        return None
    frac = (match["frac"] or "").ljust(9, "0")
    return int(moment.timestamp()) * 1_000_000 + int(frac[:6])


# --- proto3 JSON ---------------------------------------------------------------------------------


def prune(value: Any) -> Any:
    """Drop proto3 defaults (false, 0, "", empty lists) recursively; empty messages stay (``{}``)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            cleaned = prune(item)
            if cleaned is None or cleaned is False or cleaned == "" or cleaned == []:
                continue
            if isinstance(cleaned, int) and not isinstance(cleaned, bool) and cleaned == 0:
                continue
            out[key] = cleaned
        return out
    if isinstance(value, list):
        return [prune(item) for item in value]
    return value


def session_body(session: Session, *, sparse: bool = False) -> JsonDict:
    """A Session as get/list return it; ``sparse`` is the create reply (no state, times or url).

    ``requirePlanApproval`` and ``automationMode`` are input-only and never echoed.
    """
    body: JsonDict = {
        "name": f"sessions/{session.id}",
        "id": session.id,
        "title": session.title,
        "sourceContext": session.source_context,
        "prompt": session.prompt,
    }
    if not sparse:
        body |= {
            "createTime": timestamp(session.create_us),
            "updateTime": timestamp(session.update_us),
            "state": session.state,
            "url": SESSION_URL.format(id=session.id),
            "outputs": session.outputs,
            "archived": session.archived,
        }
    pruned: JsonDict = prune(body)
    return pruned


def activity_body(session_id: str, activity: Activity) -> JsonDict:
    body: JsonDict = {
        "name": f"sessions/{session_id}/activities/{activity.id}",
        "description": activity.description,
        "createTime": timestamp(activity.create_us),
        "originator": activity.originator,
        "artifacts": activity.artifacts,
    }
    pruned: JsonDict = prune(body)
    # The union member is always present, even when it is an empty message (sessionCompleted: {}).
    pruned[activity.kind] = prune(activity.payload)
    pruned["id"] = activity.id
    return pruned


def source_body(source: Source) -> JsonDict:
    body: JsonDict = prune(
        {
            "name": source.name,
            "id": f"github/{source.owner}/{source.repo}",
            "githubRepo": {
                "owner": source.owner,
                "repo": source.repo,
                "isPrivate": source.is_private,
                "defaultBranch": {"displayName": source.default_branch},
                "branches": [{"displayName": b} for b in source.branches],
            },
        }
    )
    return body


# --- errors --------------------------------------------------------------------------------------


class ApiFault(Exception):
    """An error response in the google.rpc.Status envelope (raised inside the emulator, never to users)."""

    def __init__(
        self,
        code: int,
        status: str,
        message: str,
        details: list[JsonDict] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> JsonDict:
        error: JsonDict = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def not_found() -> ApiFault:
    return ApiFault(404, "NOT_FOUND", "Requested entity was not found.")


def permission_denied() -> ApiFault:
    return ApiFault(403, "PERMISSION_DENIED", "The caller does not have permission")


def failed_precondition() -> ApiFault:
    return ApiFault(400, "FAILED_PRECONDITION", "Precondition check failed.")


def resource_exhausted(retry_after: float | None = None) -> ApiFault:
    # Retry-After takes whole seconds: round up so a client never comes back too early.
    headers = {} if retry_after is None else {"Retry-After": str(max(0, math.ceil(retry_after)))}
    return ApiFault(
        429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", headers=headers
    )


def invalid_argument(message: str, violations: list[tuple[str, str]]) -> ApiFault:
    """400 INVALID_ARGUMENT with a google.rpc.BadRequest detail; ``violations`` = (field, description)."""
    details: list[JsonDict] = [
        {
            "@type": "type.googleapis.com/google.rpc.BadRequest",
            "fieldViolations": [prune({"field": f, "description": d}) for f, d in violations],
        }
    ]
    return ApiFault(400, "INVALID_ARGUMENT", message, details)


def unauthenticated(rpc_method: str) -> ApiFault:
    """The real 401: misleading text, so clients must classify on status/reason, not the message."""
    message = (
        "API keys are not supported by this API. Expected OAuth2 access token or other authentication "
        "credentials that assert a principal. See https://cloud.google.com/docs/authentication"
    )
    detail: JsonDict = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "CREDENTIALS_MISSING",
        "domain": "googleapis.com",
        "metadata": {
            "method": f"{PROTO_PACKAGE}.JulesService.{rpc_method}",
            "service": "jules.googleapis.com",
        },
    }
    return ApiFault(401, "UNAUTHENTICATED", message, [detail])


def server_error(code: int) -> ApiFault:
    status = {500: "INTERNAL", 501: "NOT_IMPLEMENTED", 502: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
    messages = {500: "Internal error encountered.", 504: "Deadline exceeded."}
    return ApiFault(
        code, status.get(code, "UNAVAILABLE"), messages.get(code, "The service is currently unavailable.")
    )


# --- page tokens ---------------------------------------------------------------------------------


def encode_page_token(kind: str, key: list[Any]) -> str:
    raw = json.dumps([kind, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(kind: str, token: str, shape: tuple[type, ...]) -> list[Any]:
    """The cursor inside a token this emulator issued for ``kind`` (items of the types in ``shape``);
    400 INVALID_ARGUMENT for anything else, however it was made."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        value = None
    valid = (
        isinstance(value, list)
        and len(value) == len(shape) + 1
        and value[0] == kind
        and all(type(item) is expected for item, expected in zip(value[1:], shape, strict=True))
    )
    if not valid:
        raise invalid_argument(
            "Request contains an invalid argument.", [("page_token", "Invalid page token.")]
        )
    assert isinstance(value, list)
    return value[1:]
