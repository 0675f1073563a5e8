"""Outside check: the official TypeScript SDK (@google/jules-sdk, pinned in tests/sdk/package.json)
drives the served emulator through create, approve, activities, result, list and archive. If the SDK
can work with the emulator, the emulator speaks the API the way real clients expect it.

Needs node and ``npm ci --prefix tests/sdk`` (``.ci/run`` does it); skipped otherwise.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from julesform.emulator.server import ServedEmulator

SDK_DIR = Path(__file__).resolve().parent / "sdk"


def test_official_sdk_runs_a_session_against_the_emulator(emulator: ServedEmulator, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (SDK_DIR / "node_modules" / "@google" / "jules-sdk").is_dir():
        pytest.skip("the Jules SDK is not installed: run `npm ci --prefix tests/sdk`")
    result = subprocess.run(
        [node, str(SDK_DIR / "sdk-check.mjs"), emulator.url, emulator.api_key],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "JULES_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["source"] == "sources/github/example-org/widget-app"
    assert seen["stateBeforeApproval"] == "awaitingPlanApproval"
    assert seen["activityTypes"][:2] == ["planGenerated", "planApproved"]
    assert seen["activityTypes"][-1] == "sessionCompleted"
    assert seen["outcomeState"] == "completed"
    assert seen["pullRequest"].startswith("https://github.com/example-org/widget-app/pull/")
    assert seen["listed"] == [seen["id"]] and seen["listedAfterArchive"] == []

    requests = [(r.method, r.path, r.status) for r in emulator.emulator.requests]
    assert all(status == 200 for _, _, status in requests), requests
    create = requests.index(("POST", "/v1alpha/sessions", 200))
    assert ("GET", "/v1alpha/sources/github/example-org/widget-app", 200) in requests[:create]
    assert ("POST", f"/v1alpha/sessions/{seen['id']}:approvePlan", 200) in requests
    (session,) = emulator.emulator.sessions()
    assert session.require_plan_approval and session.automation_mode == "AUTO_CREATE_PR"
    assert session.archived
