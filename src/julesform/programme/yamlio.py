"""The only module that imports ruamel.yaml: safe parsing with positions, and comment-keeping rewrites.

Parsing never runs a YAML constructor on the whole document. We compose the node graph, then walk it
ourselves, so that every key and value keeps its line and column, duplicate keys are all reported,
tags outside the core schema are refused, and anchors/aliases cannot expand the document without
bound (the "billion laughs" attack) or loop on themselves.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml import main as ruamel_main
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

YamlPath = tuple[str | int, ...]

LIBYAML = getattr(ruamel_main, "CParser", None) is not None
"""ruamel.yaml.clib is installed (a dependency on CPython); without it ``fast`` parsing is pure too."""

MAX_ALIASES = 100
"""Alias uses allowed in one file; sharing a few lists is fine, thousands is an attack."""
MAX_NODES = 50_000
"""Nodes after expanding aliases; far above any real programme, far below a memory problem."""
MAX_DEPTH = 64

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}
_MERGE_TAG = f"{_CORE}merge"
_TAB_INDENT = "tab character in indentation; indent with spaces"
_TAB_ELSEWHERE = "tab character where YAML allows none"


@dataclass(frozen=True)
class Position:
    """1-based line and column, as editors show them."""

    line: int
    column: int


@dataclass(frozen=True)
class YamlProblem:
    position: Position
    path: YamlPath
    message: str


@dataclass
class ParsedYaml:
    """Plain data (dict, list, str, int, float, bool, None) and where each part of it was written."""

    data: Any
    keys: dict[YamlPath, Position] = field(default_factory=dict)
    values: dict[YamlPath, Position] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)
    fast: bool = False
    """Composed by libyaml: fine for a document without problems, but its positions for empty values
    differ, so a document that has any problem is parsed again by the pure parser for diagnostics."""


class _Stop(Exception):
    """Abandon the walk: the document is too large or loops (already recorded as a problem)."""


def _position(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def parse(text: str, *, fast: bool = False) -> ParsedYaml:
    """Parse one YAML document; problems are collected, never raised. ``data`` is None if unusable.

    ``fast`` composes with libyaml (ruamel.yaml.clib, five times faster on a 1,000-category file)
    and keeps the result only when the document has no problem; anything else is parsed again by
    the pure-Python parser, whose messages and positions the diagnostics are written for.
    """
    if fast and LIBYAML:
        parsed = _parse(text, YAML(typ="safe", pure=False))
        if parsed.data is not None and not parsed.problems:
            parsed.fast = True
            return parsed
    return _parse(text, YAML(typ="safe", pure=True))


def _parse(text: str, loader: YAML) -> ParsedYaml:
    try:
        root = loader.compose(io.StringIO(text))
    except (YAMLError, RecursionError, ValueError) as exc:
        return ParsedYaml(data=None, problems=_syntax_problems(text, exc))
    if root is None:
        return ParsedYaml(data=None, problems=[YamlProblem(Position(1, 1), (), "the file is empty")])
    walker = _Walker(loader.constructor)
    try:
        data = walker.node(root, (), 0)
    except _Stop:
        data = None
    return ParsedYaml(data=data, keys=walker.keys, values=walker.values, problems=walker.problems)


def _syntax_problems(text: str, exc: BaseException) -> list[YamlProblem]:
    if isinstance(exc, RecursionError):
        return [YamlProblem(Position(1, 1), (), f"YAML nested too deeply (limit {MAX_DEPTH} levels)")]
    if isinstance(exc, ReaderError):
        line, column = _line_column(text, exc.position)
        message = f"character {exc.character!r} is not allowed in YAML"
        return [YamlProblem(Position(line, column), (), message)]
    if isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        lines = re.split(r"\r\n|\r|\n", text)
        bad_line = lines[mark.line] if mark.line < len(lines) else ""
        if bad_line[mark.column : mark.column + 1] == "\t" or "'\\t'" in str(exc.problem):
            tabbed = [
                YamlProblem(Position(number, line.index("\t") + 1), (), _TAB_INDENT)
                for number, line in enumerate(lines, start=1)
                if "\t" in line[: len(line) - len(line.lstrip(" \t"))]
            ]
            if tabbed:
                return tabbed
            return [YamlProblem(Position(mark.line + 1, mark.column + 1), (), _TAB_ELSEWHERE)]
        if exc.context and "single document" in exc.context:
            where = Position(mark.line + 1, mark.column + 1)
            return [YamlProblem(where, (), "only one YAML document allowed")]
        message = f"YAML syntax error: {exc.problem}"
        if exc.context and exc.context_mark is not None:
            context_mark = exc.context_mark
            message += f" ({exc.context} at {context_mark.line + 1}:{context_mark.column + 1})"
        return [YamlProblem(Position(mark.line + 1, mark.column + 1), (), message)]
    return [YamlProblem(Position(1, 1), (), f"YAML syntax error: {exc}".splitlines()[0])]


def _line_column(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


class _Walker:
    """Turns a composed node graph into plain data, recording positions and refusing the unsafe."""

    def __init__(self, constructor: Any) -> None:
        self.constructor = constructor
        self.keys: dict[YamlPath, Position] = {}
        self.values: dict[YamlPath, Position] = {}
        self.problems: list[YamlProblem] = []
        self.seen: set[int] = set()
        self.stack: set[int] = set()
        self.aliases = 0
        self.nodes = 0

    def fail(self, node: Node, path: YamlPath, message: str) -> None:
        self.problems.append(YamlProblem(self.keys.get(path) or _position(node), path, message))

    def fail_at_key(self, node: Node, path: YamlPath, message: str) -> None:
        """Report at the nearest key above ``path``: an alias's own node sits where its anchor is."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.keys:
                self.problems.append(YamlProblem(self.keys[path[:end]], path[:end], message))
                return
        self.fail(node, path, message)

    def node(self, node: Node, path: YamlPath, depth: int) -> Any:
        self.nodes += 1
        if id(node) in self.stack:
            self.fail_at_key(node, path, "an alias refers to its own anchor (recursive structure)")
            raise _Stop
        if id(node) in self.seen:
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                self.fail_at_key(node, path, f"more than {MAX_ALIASES} alias uses; refusing to expand them")
                raise _Stop
        self.seen.add(id(node))
        if self.nodes > MAX_NODES:
            self.fail_at_key(node, path, f"the document holds more than {MAX_NODES} values")
            raise _Stop
        if depth > MAX_DEPTH:
            self.fail(node, path, f"nested too deeply (limit {MAX_DEPTH} levels)")
            raise _Stop
        self.values.setdefault(path, _position(node))
        if isinstance(node, MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return self.sequence(node, path, depth)
        if isinstance(node, ScalarNode):
            return self.scalar(node, path)
        self.fail(node, path, "unsupported YAML node")
        return None

    def mapping(self, node: MappingNode, path: YamlPath, depth: int) -> Any:
        if node.tag != f"{_CORE}map":
            self.fail(node, path, f"tag {_show_tag(node.tag)} is not allowed (only plain YAML)")
            return None
        self.stack.add(id(node))
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self.fail(key_node, (*path, "<<"), "merge keys (<<) are not supported; write the keys out")
                continue
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, (*path, "?"), "a key must be a plain name, not a list or mapping")
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in result or child in self.keys:
                first = self.keys[child]
                message = f"duplicate key {key!r} (first at line {first.line})"
                self.problems.append(YamlProblem(_position(key_node), child, message))
                continue
            self.keys[child] = _position(key_node)
            result[key] = self.node(value_node, child, depth + 1)
        self.stack.discard(id(node))
        return result

    def sequence(self, node: SequenceNode, path: YamlPath, depth: int) -> Any:
        if node.tag != f"{_CORE}seq":
            self.fail(node, path, f"tag {_show_tag(node.tag)} is not allowed (only plain YAML)")
            return None
        self.stack.add(id(node))
        items = [self.node(item, (*path, index), depth + 1) for index, item in enumerate(node.value)]
        self.stack.discard(id(node))
        return items

    def scalar(self, node: ScalarNode, path: YamlPath) -> Any:
        tag = str(node.tag)
        if tag not in _SCALAR_TAGS:
            self.fail(node, path, f"tag {_show_tag(tag)} is not allowed (only plain YAML)")
            return None
        kind = tag.removeprefix(_CORE)
        if kind in ("str", "timestamp"):
            return str(node.value)
        try:
            return getattr(self.constructor, f"construct_yaml_{kind}")(node)
        except (ValueError, TypeError, YAMLError):
            self.fail(node, path, f"{node.value!r} is not a valid {kind}")
            return None


def _show_tag(tag: object) -> str:
    text = str(tag)
    return "!!" + text.removeprefix(_CORE) if text.startswith(_CORE) else text


# --- comment-keeping rewrites (``julesform fmt``) ------------------------------------------------

KeyOrder = Callable[[YamlPath], list[str] | None]
"""The canonical key order of the mapping at a path (list indexes included), or None to leave it."""


def reindent(text: str, order: KeyOrder) -> str:
    """``text`` re-emitted with 2-space indentation (list items indented under their key).

    Comments, quoting and block scalars are kept. Flow mappings (``{a: 1}``) are put in canonical key
    order here; block mappings are reordered line by line by ``julesform.programme.fmt``, which keeps
    full-line comments with the key below them (ruamel would carry them with the key above).
    Only call this on a file that parsed cleanly with ``parse``: it trusts the input.
    """
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    document = yaml.load(text)
    _order_flow_mappings(document, (), order)
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _order_flow_mappings(value: Any, path: YamlPath, order: KeyOrder) -> None:
    if isinstance(value, CommentedMap):
        wanted = order(path)
        if wanted is not None and value.fa.flow_style():
            rank = {key: index for index, key in enumerate(wanted)}
            for key in sorted(value.keys(), key=lambda key: rank.get(str(key), len(rank))):
                value.move_to_end(key)
        for key, child in value.items():
            _order_flow_mappings(child, (*path, str(key)), order)
    elif isinstance(value, CommentedSeq):
        for index, child in enumerate(value):
            _order_flow_mappings(child, (*path, index), order)
