"""The committed JSON Schema is generated from the models and must not drift from them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from julesform.cli import main
from julesform.programme.schema import REGENERATE, SCHEMA_DIALECT, programme_schema, schema_text

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "schemas" / "programme.schema.json"


def test_committed_schema_matches_the_models() -> None:
    assert COMMITTED.read_text() == schema_text(), f"the schema is stale; regenerate it: {REGENERATE}"


def test_schema_is_2020_12_with_an_id() -> None:
    schema = programme_schema()
    assert schema["$schema"] == SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:julesform:")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["version", "name", "source", "categories"]


def test_schema_rejects_what_the_model_rejects() -> None:
    validator = jsonschema.Draft202012Validator(programme_schema())
    good = {
        "version": 1,
        "name": "x",
        "source": "sources/github/a/b",
        "categories": [{"id": "a", "title": "A", "prompt": "p"}],
    }
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "colour": "blue"})
    assert not validator.is_valid({**good, "categories": [{"id": "A b", "title": "A", "prompt": "p"}]})
    assert not validator.is_valid({**good, "quota": {"tier": "gold"}})


def test_schema_command_prints_the_committed_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    captured = capsys.readouterr()
    assert captured.out == COMMITTED.read_text()
    assert json.loads(captured.out)["title"] == "julesform programme"
    assert captured.err == ""
