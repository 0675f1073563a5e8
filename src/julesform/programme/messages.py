"""Pydantic's validation errors, reworded for someone editing a YAML file.

Pydantic speaks of "Input should be a valid integer"; a user wants "must be a whole number (got 'ten')"
and, for an unknown key, the key they probably meant.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from julesform.programme import model
from julesform.programme.yamlio import YamlPath

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_<>?-]+")

_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "model_type": "a mapping of keys",
    "dict_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
}

_PATTERN_WORDS = {
    "name": "a slug: lowercase letters, digits and dashes, starting and ending with a letter or digit",
    "source": "a Jules source name like sources/github/OWNER/REPO",
    "branch": "a git branch name (no spaces or any of ~^:?*[\\)",
}


def model_at(path: YamlPath) -> type[BaseModel] | None:
    """Which model describes the mapping at ``path`` (for listing the keys it accepts)."""
    if path == ():
        return model.Programme
    if path == ("defaults",):
        return model.Defaults
    if path == ("quota",):
        return model.Quota
    if len(path) == 2 and path[0] == "categories" and isinstance(path[1], int):
        return model.Category
    return None


def show_input(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def describe(error: ErrorDetails) -> str:
    """One line saying what is wrong with the value at ``error['loc']``."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    value = error.get("input")
    path = tuple(error["loc"])
    got = f" (got {show_input(value)})"
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return _unknown_key(path)
    if kind == "string_type" and isinstance(value, (int, float)):
        return f"must be text (got {show_input(value)}; YAML read a number or true/false: put it in quotes)"
    if kind in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[kind]}{got}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected', 'one of the allowed values')}{got}"
    if kind == "string_pattern_mismatch":
        return f"must be {_pattern_words(path)}{got}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}{got}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}{got}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        length = len(value) if isinstance(value, str) else "more"
        return f"is too long ({length} characters; the limit is {ctx.get('max_length')})"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"has too many items (the limit is {ctx.get('max_length')})"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    message = str(error["msg"])
    return message[:1].lower() + message[1:] + got


def _pattern_words(path: tuple[Any, ...]) -> str:
    key = next((part for part in reversed(path) if isinstance(part, str)), "")
    if key in ("source", "branch"):
        return _PATTERN_WORDS[key]
    return _PATTERN_WORDS["name"]


def _unknown_key(path: tuple[Any, ...]) -> str:
    key = str(path[-1])
    owner = model_at(tuple(path[:-1]))
    if owner is None:
        return f"unknown key {key!r}"
    allowed = list(owner.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r}; did you mean {close[0]!r}?"
    return f"unknown key {key!r} (allowed: {', '.join(allowed)})"


def render_path(path: YamlPath) -> str:
    """``categories[2].depends_on[0]``: how a user finds the spot, whatever the indentation."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part)}]"  # keys with spaces, dots or control characters stay one line
    return text
