"""Request checks the real service makes before doing anything: query parameters it can bind,
page sizes, filters, and request bodies (unknown fields, wrong types, bad enum values).

Field paths in violations use the proto names the real service reports (``session.automation_mode``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from julesform.emulator.wire import ApiFault, invalid_argument, parse_timestamp

# Standard Google API query parameters every method binds (discovery doc "parameters").
STANDARD_PARAMS = frozenset(
    {"key", "fields", "prettyPrint", "quotaUser", "alt", "$.xgafv", "access_token", "oauth_token",
     "callback", "upload_protocol", "uploadType"}
)
LIST_PARAMS = frozenset({"pageSize", "pageToken", "filter"})
AUTOMATION_MODES = ("AUTOMATION_MODE_UNSPECIFIED", "AUTO_CREATE_PR")
MAX_PAGE_SIZE = 100
ENUM_TYPE = "type.googleapis.com/google.labs.jules.v1alpha.AutomationMode"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def unknown_name(name: str, at: str | None = None, *, query: bool = False) -> ApiFault:
    """The service's unknown-field error; ``at`` is the enclosing message path for nested fields."""
    if query:
        message = (
            f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query parameter. '
            f"Field '{name}' could not be found in request message."
        )
    elif at:
        message = f'Invalid JSON payload received. Unknown name "{name}" at \'{at}\': Cannot find field.'
    else:
        message = f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
    return invalid_argument(message, [(f"{at}.{name}" if at else name, message)])


def check_query(args: Mapping[str, str], allowed: frozenset[str]) -> None:
    for name in args:
        if name not in allowed and name not in STANDARD_PARAMS:
            raise unknown_name(name, query=True)


def page_size(args: Mapping[str, str], default: int) -> int:
    """1..100; 0 or absent means the default; above 100 is silently coerced to 100."""
    raw = args.get("pageSize")
    if raw is None or raw == "":
        return default
    try:
        size = int(raw)
    except ValueError:
        raise _bad_value("page_size", "TYPE_INT32", raw) from None
    if size < 0:
        raise invalid_argument(
            "Request contains an invalid argument.", [("page_size", "page_size must not be negative")]
        )
    return min(size, MAX_PAGE_SIZE) if size else default


def _bad_value(field: str, type_name: str, value: Any) -> ApiFault:
    shown = json.dumps(value)
    message = f"Invalid value at '{field}' ({type_name}), {shown}"
    return invalid_argument(message, [(field, message)])


def _bad_filter(text: str) -> ApiFault:
    return invalid_argument(
        f"Invalid filter: {text!r}. Request contains an invalid argument.",
        [("filter", f"Unsupported filter: {text}")],
    )


_ARCHIVED_TERM = re.compile(r"^\s*archived\s*=\s*(true|false)\s*$")


def archived_filter(text: str | None) -> frozenset[bool]:
    """Which ``archived`` values a sessions.list filter selects; only ``archived`` is supported."""
    if text is None or not text.strip():
        return frozenset({False})
    values: set[bool] = set()
    for term in re.split(r"\s+OR\s+", text.strip()):
        match = _ARCHIVED_TERM.match(term)
        if not match:
            raise _bad_filter(text)
        values.add(match.group(1) == "true")
    return frozenset(values)


_CREATE_TIME = re.compile(r'^\s*create_time\s*>\s*"([^"]+)"\s*$')


def create_time_filter(text: str | None) -> int | None:
    """The exclusive lower bound of an activities.list ``create_time > "TS"`` filter."""
    if text is None or not text.strip():
        return None
    match = _CREATE_TIME.match(text)
    bound = parse_timestamp(match.group(1)) if match else None
    if bound is None:
        raise _bad_filter(text)
    return bound


_NAME_TERM = re.compile(r'^\s*name\s*=\s*"?(sources/[^"\s]+)"?\s*$')


def name_filter(text: str | None) -> frozenset[str] | None:
    """Source names selected by a sources.list ``name=sources/a OR name=sources/b`` filter."""
    if text is None or not text.strip():
        return None
    names = set()
    for term in re.split(r"\s+OR\s+", text.strip()):
        match = _NAME_TERM.match(term)
        if not match:
            raise _bad_filter(text)
        names.add(match.group(1))
    return frozenset(names)


# --- bodies --------------------------------------------------------------------------------------

# name -> expected JSON type for the writable Session fields; output-only fields are accepted and ignored.
_SESSION_FIELDS: dict[str, str] = {
    "prompt": "TYPE_STRING",
    "title": "TYPE_STRING",
    "sourceContext": "message",
    "requirePlanApproval": "TYPE_BOOL",
    "automationMode": "enum",
}
_OUTPUT_ONLY = frozenset({"name", "id", "createTime", "updateTime", "state", "url", "outputs", "archived"})
_SOURCE_CONTEXT_FIELDS = {
    "source": "TYPE_STRING",
    "githubRepoContext": "message",
    "workingBranch": "TYPE_STRING",
    "environmentVariablesEnabled": "TYPE_BOOL",
}
_REPO_CONTEXT_FIELDS = {"startingBranch": "TYPE_STRING"}


def _check_type(value: Any, type_name: str, field: str) -> None:
    ok = {
        "TYPE_STRING": isinstance(value, str),
        "TYPE_BOOL": isinstance(value, bool),
        "message": isinstance(value, dict),
        "enum": isinstance(value, str),
    }[type_name]
    if not ok:
        raise _bad_value(field, type_name if type_name != "message" else "TYPE_MESSAGE", value)


def _check_fields(body: Mapping[str, Any], spec: Mapping[str, str], path: str, extra: frozenset[str]) -> None:
    for name, value in body.items():
        field = f"{path}.{_snake(name)}" if path else _snake(name)
        if name not in spec:
            if name in extra:
                continue
            raise unknown_name(name, path.removeprefix("session").lstrip(".") or None)
        _check_type(value, spec[name], field)


def create_body(body: Any) -> dict[str, Any]:
    """Validate a flat Session create body and return it (wrapping it as ``{"session": …}`` is an error)."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise _not_object("session")
    _check_fields(body, _SESSION_FIELDS, "session", _OUTPUT_ONLY)
    mode = body.get("automationMode", "AUTOMATION_MODE_UNSPECIFIED")
    if mode not in AUTOMATION_MODES:
        message = f"Invalid value at 'session.automation_mode' ({ENUM_TYPE}), \"{mode}\""
        raise invalid_argument(message, [("session.automation_mode", message)])
    context = body.get("sourceContext")
    if context is not None:
        _check_fields(context, _SOURCE_CONTEXT_FIELDS, "session.source_context", frozenset())
        repo = context.get("githubRepoContext")
        if repo is not None:
            path = "session.source_context.github_repo_context"
            _check_fields(repo, _REPO_CONTEXT_FIELDS, path, frozenset())
        if not context.get("source"):
            raise _required("session.source_context.source")
        if not (repo or {}).get("startingBranch"):
            raise _required("session.source_context.github_repo_context.starting_branch")
    if not body.get("prompt", "").strip():
        raise _required("session.prompt")
    return body


def _not_object(field: str) -> ApiFault:
    return invalid_argument("Invalid JSON payload received. Expected an object.", [(field, "not an object")])


def _required(field: str) -> ApiFault:
    return invalid_argument("Request contains an invalid argument.", [(field, f"{field} is required")])


def empty_body(body: Any, request: str) -> None:
    """approvePlan / archive / unarchive take an empty message: no body, or ``{}``."""
    if body is None:
        return
    if not isinstance(body, dict):
        raise _not_object(request)
    for name in body:
        raise unknown_name(name)


def message_body(body: Any) -> str:
    """sendMessage takes ``{"prompt": "..."}``."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise _not_object("prompt")
    _check_fields(body, {"prompt": "TYPE_STRING"}, "", frozenset())
    prompt = body.get("prompt", "")
    if not prompt.strip():
        raise _required("prompt")
    return str(prompt)
