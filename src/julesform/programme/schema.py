"""The JSON Schema of programme files, generated from the models so the two cannot drift apart.

Editors use it (via the ``# yaml-language-server: $schema=...`` comment) to complete and check
programmes as they are typed; the committed copy is ``schemas/programme.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from julesform.programme.model import Programme

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:julesform:schema:programme:1"
SCHEMA_FILE = "schemas/programme.schema.json"
REGENERATE = f"julesform schema > {SCHEMA_FILE}"


def programme_schema() -> dict[str, Any]:
    """The schema as a dict, ``$schema`` and ``$id`` first."""
    generated = Programme.model_json_schema()
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        **generated,
        "title": "julesform programme",
    }


def schema_text() -> str:
    """The exact text of the committed schema file (stable order, trailing newline)."""
    return json.dumps(programme_schema(), indent=2, ensure_ascii=False) + "\n"
