"""Reading and writing the lockfile model: missing, corrupt, wrong version, deterministic output."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from julesform.state.lockfile import (
    Binding,
    Lockfile,
    LockfileError,
    PendingCreate,
    default_lockfile_path,
    dump_lockfile,
    read_lockfile,
)

REPO = Path(__file__).resolve().parent.parent


def sample() -> Lockfile:
    return Lockfile(
        lineage="6f0c3f2e-3b7a-4a8e-9d55-0c1f2b3a4d5e",
        serial=7,
        endpoint="https://jules.googleapis.com/v1alpha",
        programme="security-hardening",
        bindings={
            "zeta": Binding(
                session="sessions/14550388554331055113",
                spec_hash="sha256:" + "a" * 64,
                attempt=2,
                superseded=["sessions/9341665105078240778"],
                bound_at="2026-03-02T09:00:00Z",
                require_plan_approval=True,
                automation_mode="AUTO_CREATE_PR",
            ),
            "alpha": Binding(
                session="sessions/1",
                spec_hash="sha256:" + "b" * 64,
                bound_at="2026-03-02T09:05:00Z",
                require_plan_approval=False,
                automation_mode="AUTOMATION_MODE_UNSPECIFIED",
            ),
        },
        pending={"mid": PendingCreate(title="Mid [jf:security-hardening/mid]", spec_hash="sha256:c",
                                      started_at="2026-03-02T09:10:00Z")},
    )


def test_default_path_is_state_slash_stem(tmp_path: Path) -> None:
    assert default_lockfile_path(Path("programmes/security-hardening.yaml")) == Path(
        "state/security-hardening.lock.json"
    )


def test_missing_lockfile_means_nothing_bound(tmp_path: Path) -> None:
    assert read_lockfile(tmp_path / "state" / "none.lock.json") is None


def test_dump_is_deterministic_sorted_and_round_trips(tmp_path: Path) -> None:
    text = dump_lockfile(sample())
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == dump_lockfile(Lockfile.model_validate_json(text))
    assert list(json.loads(text)["bindings"]) == ["alpha", "zeta"]
    assert '\n  "bindings": {\n    "alpha": {\n      "attempt": 1,' in text
    # Session ids longer than int64 stay strings.
    assert '"session": "sessions/14550388554331055113"' in text
    path = tmp_path / "x.lock.json"
    path.write_text(text)
    assert read_lockfile(path) == sample()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "is not valid JSON (corrupt or truncated?) at line 1"),
        (dump_lockfile(sample())[:200], "is not valid JSON (corrupt or truncated?)"),
        ("[1, 2]", "is not a JSON object"),
        ('{"lineage": "x"}', "has version None; this julesform reads version 1"),
        ('{"version": "1"}', "has version '1'; this julesform reads version 1"),
        (
            dump_lockfile(sample()).replace('"sessions/1"', '"1"'),
            "does not match its schema at bindings.alpha.session",
        ),
        (
            dump_lockfile(sample()).replace('"serial": 7', '"serial": 7, "extra": 1'),
            "does not match its schema at extra: Extra inputs are not permitted",
        ),
    ],
)
def test_untrustworthy_lockfile_is_a_one_line_error_naming_the_file(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "sec.lock.json"
    path.write_text(content)
    with pytest.raises(LockfileError) as caught:
        read_lockfile(path)
    message = str(caught.value)
    assert message.startswith(f"lockfile {path} ") and expected in message
    assert "\n" not in message
    assert path.read_text() == content


def test_unreadable_lockfile_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "dir.lock.json"
    path.mkdir()
    with pytest.raises(LockfileError, match=r"^cannot read lockfile "):
        read_lockfile(path)


def test_committed_lockfile_schema_matches_the_model_and_accepts_a_lockfile() -> None:
    from julesform.render.schema_files import schema_text

    committed = (REPO / "schemas" / "lockfile.schema.json").read_text()
    assert committed == schema_text("lockfile.schema.json"), (
        "regenerate: .venv/bin/python -m julesform.render.schema_files"
    )
    schema = json.loads(committed)
    jsonschema.validate(json.loads(dump_lockfile(sample())), schema)
    broken = json.loads(dump_lockfile(sample()))
    broken["bindings"]["alpha"]["attempt"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
