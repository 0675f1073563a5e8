"""The plan for machines: a versioned JSON document (``schemas/plan.schema.json``), also what ``--out`` saves.

It holds the plan model plus a derived ``summary``; it never holds the API key (nothing in a plan does).
"""

from __future__ import annotations

import json
from typing import Any

from julesform.planner.plan import FORMAT_VERSION, Plan


def plan_document(plan: Plan) -> dict[str, Any]:
    document = plan.model_dump(mode="json")
    document["summary"] = plan.summary()
    return document


def render_json(plans: list[Plan]) -> str:
    """One plan as its document; several (one run over many programmes) wrapped in ``plans``."""
    if len(plans) == 1:
        data: dict[str, Any] = plan_document(plans[0])
    else:
        data = {"format_version": FORMAT_VERSION, "plans": [plan_document(p) for p in plans]}
    return dumps(data)


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def plan_json_schema() -> dict[str, Any]:
    """JSON Schema of what ``render_json`` prints: a plan document, or several under ``plans``."""
    plan_schema = Plan.model_json_schema(mode="serialization")
    defs = plan_schema.pop("$defs", {})
    plan_schema["properties"]["summary"] = {
        "type": "object",
        "description": "How many categories each action (and defer) concerns.",
        "additionalProperties": {"type": "integer", "minimum": 0},
    }
    defs["PlanDocument"] = plan_schema
    for definition in defs.values():
        # Serialisation writes every field, defaults included: say so, so a consumer can rely on them.
        if "properties" in definition:
            definition["required"] = sorted(definition["properties"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:julesform:schema:plan:1",
        "title": "julesform plan",
        "description": "Output of `julesform plan --format json` and the file `plan --out` saves.",
        "oneOf": [
            {"$ref": "#/$defs/PlanDocument"},
            {
                "type": "object",
                "properties": {
                    "format_version": {"const": FORMAT_VERSION},
                    "plans": {"type": "array", "items": {"$ref": "#/$defs/PlanDocument"}},
                },
                "required": ["format_version", "plans"],
                "additionalProperties": False,
            },
        ],
        "$defs": defs,
    }
