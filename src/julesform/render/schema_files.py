"""The committed JSON Schemas of the lockfile and the plan, generated from their models.

Regenerate after changing a model: ``.venv/bin/python -m julesform.render.schema_files``
(a test fails while the committed files differ from what the models say).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from julesform.render.json import plan_json_schema
from julesform.state.lockfile import Lockfile


def lockfile_json_schema() -> dict[str, Any]:
    schema = Lockfile.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:julesform:schema:lockfile:1",
        "title": "julesform lockfile",
        "description": "state/<programme>.lock.json: which session each category is bound to"
        " and what was sent to create it.",
        **{key: value for key, value in schema.items() if key not in ("title", "description")},
    }


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "lockfile.schema.json": lockfile_json_schema,
    "plan.schema.json": plan_json_schema,
}


def schema_text(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_all(folder: Path) -> list[Path]:
    written = []
    for name in SCHEMAS:
        path = folder / name
        path.write_text(schema_text(name), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_all(Path("schemas")):
        print(f"wrote {written_path}")
