"""Programme files are composed by libyaml when it is installed (five times faster on big files);
the result must be the one the pure-Python parser gives, and diagnostics must not move."""

from __future__ import annotations

from pathlib import Path

import pytest

from julesform.programme.loader import check_programme
from julesform.programme.yamlio import LIBYAML, parse

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "programmes").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_fast_and_pure_parsing_agree_on_the_example_programmes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast, pure = parse(text, fast=True), parse(text)
    assert fast.fast is LIBYAML
    assert (fast.data, fast.keys, fast.values, fast.problems) == (pure.data, pure.keys, pure.values, [])


def test_an_empty_value_is_reported_where_the_pure_parser_puts_it(tmp_path: Path) -> None:
    # libyaml places an empty value at the end of its key (line 4); the diagnostics are written for
    # the pure parser, which places it at the next token (line 6). A problem means parsing again.
    programme = tmp_path / "p.yaml"
    programme.write_text(
        "version: 1\nname: demo\nsource: sources/github/a/b\nbranch:\n\ncategories:\n"
        "  - id: one\n    title: One\n    prompt: Do one.\n"
    )
    loaded, diagnostics = check_programme(programme)
    assert loaded is None
    assert [(d.line, d.column, d.path) for d in diagnostics] == [(6, 1, "branch")]


def test_a_syntax_error_keeps_the_pure_parsers_message(tmp_path: Path) -> None:
    text = "version: 1\nname: [demo\n"
    assert parse(text, fast=True).problems == parse(text).problems != []
