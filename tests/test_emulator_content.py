"""What the emulated agent delivers is read from the prompt: file paths, per-file and total test counts."""

from __future__ import annotations

import pytest

from julesform.emulator.content import deliverables, plan_steps


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (
            "Build `app/auth.py`.\n\n## Tests (12)\nWrite `tests/unit/test_auth.py` with 12 tests.\n",
            [("app/auth.py", 0), ("tests/unit/test_auth.py", 12)],
        ),
        (
            "## Tests (30)\n- `tests/a/test_x.py`: 15 tests.\n- `tests/b/test_x.py` (15 tests)\n",
            [("tests/a/test_x.py", 15), ("tests/b/test_x.py", 15)],
        ),
        (
            "Reuse helpers from `tests/helpers/test_base.py`.\n\n## Tests (24)\n"
            "Run: `python -m pytest tests/unit/test_dreams.py -q`\n",
            [("tests/unit/test_dreams.py", 24)],
        ),
        (
            "**Tests**: 4 tests\n**Deliverables**:\n- tests/test_one.py\n- tests/test_two.py\n",
            [("tests/test_one.py", 2), ("tests/test_two.py", 2)],
        ),
        (
            "Touch `request.state` and see https://example.com/docs/page.html, then fix src/app.py.",
            [("src/app.py", 0), ("tests/test_tidy_up.py", 3)],
        ),
    ],
)
def test_deliverables_follow_the_prompt(prompt: str, expected: list[tuple[str, int]]) -> None:
    assert [(d.path, d.tests) for d in deliverables(prompt, "Tidy up")] == expected


def test_plan_steps_use_deliverable_bullets_between_explore_and_submit() -> None:
    prompt = "**Deliverables**:\n- Secure 5 endpoints\n- `tests/test_routes.py`\n\nMore text."
    steps = plan_steps(prompt, deliverables(prompt, "Routes"))
    assert steps[1:3] == ["Implement: Secure 5 endpoints", "Implement: tests/test_routes.py"]
    assert steps[0].startswith("Explore") and steps[-1] == "Submit the changes."
