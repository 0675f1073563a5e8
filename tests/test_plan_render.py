"""Renderers: symbols and sentences, the markdown size limit, the JSON schema, colour on terminals only."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from julesform.planner.plan import Plan
from julesform.render.json import plan_document, render_json
from julesform.render.markdown import GITHUB_COMMENT_LIMIT, render_markdown
from julesform.render.text import render_text
from julesform.render.words import summary_line
from test_planner_builders import binding, lockfile, observed, plan_for, programme, session

REPO = Path(__file__).resolve().parent.parent


def every_action_plan() -> Plan:
    """One programme that plans each kind of change at once."""
    prog = programme(
        {"id": "new"},
        {"id": "adopt"},
        {"id": "waiting"},
        {"id": "drifted", "on_change": "replace", "prompt": "Do drifted.\nNow with 9 tests."},
        {"id": "told", "on_change": "message", "prompt": "Do told.\nNow with 9 tests."},
        {"id": "broken", "on_failure": "recreate"},
        {"id": "later", "depends_on": ["new"]},
    )
    lock = lockfile(
        {
            "waiting": binding(prog, "waiting", 3),
            "drifted": binding(prog, "drifted", 4, spec_hash="sha256:old"),
            "told": binding(prog, "told", 5, spec_hash="sha256:old"),
            "broken": binding(prog, "broken", 6),
            "gone": binding(programme({"id": "gone"}), "gone", 7),
        }
    )
    from test_planner_builders import activity, with_log

    seen = observed(
        session(2, "adopt", "IN_PROGRESS"),
        with_log(session(3, "waiting", "AWAITING_PLAN_APPROVAL", prog=prog), activity("plan", 2)),
        session(4, "drifted", "COMPLETED"),
        session(5, "told", "IN_PROGRESS"),
        session(6, "broken", "FAILED", prog=prog),
        session(7, "gone", "COMPLETED"),
    )
    return plan_for(prog, lock, seen)


def test_text_has_one_line_per_category_with_its_symbol() -> None:
    lines = [line.text for line in render_text(every_action_plan())]
    rows = [line for line in lines if line.startswith("  ") and not line.startswith("        ")]
    assert [row.split()[0:3] for row in rows] == [
        ["+", "new", "create:"],
        ["<=", "adopt", "import:"],
        ["~", "waiting", "approve:"],
        ["-/+", "drifted", "replace:"],
        ["~", "told", "message:"],
        ["-/+", "broken", "recreate:"],
        ["…", "later", "defer:"],
        ["-", "gone", "forget:"],
    ]
    assert "        -With tests." in lines and "        +Now with 9 tests." in lines
    assert lines[-1] == (
        "Plan: 1 to create, 1 to approve, 1 to import, 1 to replace, 1 to forget,"
        " 1 to recreate, 1 to message; 1 deferred."
    )


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, "No changes. The programme matches the live sessions."),
        (
            {"defer": 2},
            "Plan: 0 to create, 0 to approve, 0 to import, 0 to replace, 0 to forget; 2 deferred.",
        ),
        (
            {"create": 3, "approve": 2, "import": 1, "defer": 4},
            "Plan: 3 to create, 2 to approve, 1 to import, 0 to replace, 0 to forget; 4 deferred.",
        ),
    ],
)
def test_summary_line(counts: dict[str, int], expected: str) -> None:
    assert summary_line(counts) == expected


def test_json_document_round_trips_into_the_plan_model_and_matches_the_schema() -> None:
    from julesform.render.schema_files import schema_text

    plan = every_action_plan()
    document = json.loads(render_json([plan]))
    committed = (REPO / "schemas" / "plan.schema.json").read_text()
    assert committed == schema_text("plan.schema.json"), (
        "regenerate: .venv/bin/python -m julesform.render.schema_files"
    )
    jsonschema.validate(document, json.loads(committed))
    assert document["summary"] == plan.summary() | {"defer": 1}
    assert Plan.model_validate(document) == plan
    replace = next(c for c in document["changes"] if c["category"] == "drifted")
    assert replace["actions"] == ["forget", "create"] and replace["session"] == "sessions/4"
    several = json.loads(render_json([plan, plan]))
    jsonschema.validate(several, json.loads(committed))
    assert [p["programme"] for p in several["plans"]] == ["sec", "sec"]


def test_schema_rejects_a_plan_without_its_version() -> None:
    document = plan_document(every_action_plan())
    del document["format_version"]
    schema = json.loads((REPO / "schemas" / "plan.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_markdown_stays_under_githubs_limit_and_points_to_the_json() -> None:
    old = "\n".join(f"step {i}: " + "x" * 80 for i in range(100))
    new = old.replace("x", "y")  # every line changes: each diff is ~17,000 characters
    cats = [{"id": f"c{i:03d}", "on_change": "replace", "prompt": new} for i in range(60)]
    prog = programme(*cats, quota={"daily": 1000, "concurrent": 1000})
    lock = lockfile({c["id"]: binding(prog, c["id"], n, spec_hash="sha256:old") for n, c in enumerate(cats)})
    seen = observed(*(session(n, c["id"], "COMPLETED", prompt=old) for n, c in enumerate(cats)))
    plan = plan_for(prog, lock, seen)
    assert len(plan.changes) == 60
    text = render_markdown([plan])
    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert text.startswith("<!-- julesform-plan: sec -->\n")
    assert "**Truncated**" in text and "`julesform plan --format json`" in text
    assert text.count("<details>") == 3  # three whole diffs fit, the rest is pointed to
    assert "```diff\n-step 0: xxx" in text


def test_markdown_table_shows_symbols_verbatim_in_code_spans() -> None:
    text = render_markdown([every_action_plan()])
    assert "| `<=` | `adopt` | import | sessions/2 (IN_PROGRESS) carries the marker [jf:sec/adopt]" in text
    assert "<summary><code>&lt;= adopt</code> import</summary>" in text
    assert "| `-/+` | `drifted` | replace |" in text


def test_markdown_fences_diffs_that_hold_backticks() -> None:
    prog = programme({"id": "a", "on_change": "replace", "prompt": "use ```code``` <script>"})
    lock = lockfile({"a": binding(prog, "a", 1, spec_hash="sha256:old")})
    plan = plan_for(prog, lock, observed(session(1, "a", "COMPLETED", prompt="old | <b>")))
    text = render_markdown([plan])
    # Inside a fence GitHub renders nothing, so the text stays verbatim; the fence outgrows its backticks.
    assert "````diff\n-old | <b>\n+use ```code``` <script>\n````" in text


@pytest.mark.parametrize("no_color", [False, True])
def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path, no_color: bool) -> None:
    (tmp_path / "p.yaml").write_text(
        "version: 1\nname: p\nsource: sources/github/example-org/widget-app\n"
        "categories:\n  - id: a\n    title: A\n    prompt: Do a.\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "JULES_API_KEY", "JULES_API_URL")}
    env["TERM"] = "xterm-256color"
    if no_color:
        env["NO_COLOR"] = "1"
    main_fd, child_fd = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "julesform", "--emulator", "plan", "p.yaml"],
        cwd=tmp_path,
        env=env,
        stdout=child_fd,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
    )
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    out = b"".join(chunks).decode()
    assert proc.returncode == 0, proc.stderr
    assert "create: not created yet" in out
    assert ("\x1b[" in out) is not no_color
