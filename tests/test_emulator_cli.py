"""``julesform emulator`` as a user runs it: the loopback rule, the banner on stderr, fault flags,
Ctrl-C exiting 130, and a real process that a client (and the admin endpoints) talk to."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx
import pytest

from julesform.cli import main
from julesform.emulator.server import RunningServer


def test_non_loopback_host_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--host", "0.0.0.0"]) == 64
    captured = capsys.readouterr()
    assert captured.out == ""
    expected = "error: refusing to serve on non-loopback host '0.0.0.0' (add --allow-remote to insist)\n"
    assert captured.err == expected


def test_bad_fault_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--fail-share", "1.5"]) == 64
    assert "--fail-share" in capsys.readouterr().err


def test_banner_says_how_to_point_julesform_at_it_and_ctrl_c_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: RunningServer) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(RunningServer, "serve_forever", interrupted)
    assert main(["emulator", "--port", "0", "--seed", "9", "--plan", "free"]) == 130
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    listening = (
        r"Jules API emulator listening on http://127\.0\.0\.1:\d+/v1alpha"
        r" \(seed 9, sessions x60 faster than real\)"
    )
    assert re.fullmatch(listening, lines[0])
    assert re.fullmatch(r"  export JULES_API_URL=http://127\.0\.0\.1:\d+/v1alpha", lines[1])
    assert "any non-empty value" in lines[2]
    assert lines[-1] == "emulator stopped"


def test_served_process_answers_api_and_admin_calls_and_stops_on_sigint() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "julesform", "emulator", "--port=0", "--api-key=k1", "--fail-share=1",
         "--forbid-source=acme/locked"],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/v1alpha", banner)
        assert match, banner
        base = match.group(1)
        api = f"{base}/v1alpha"
        assert httpx.get(f"{api}/sessions", headers={"X-Goog-Api-Key": "other"}).status_code == 401
        created = httpx.post(f"{api}/sessions", params={"key": "k1"}, json={"prompt": "x"})
        assert created.status_code == 200
        httpx.post(f"{base}/_emulator/clock", json={"advance": 3600})
        session = httpx.get(f"{api}/sessions/{created.json()['id']}", headers={"X-Goog-Api-Key": "k1"}).json()
        assert session["state"] == "FAILED"
        locked = {"prompt": "x", "sourceContext": {"source": "sources/github/acme/locked",
                                                   "githubRepoContext": {"startingBranch": "main"}}}
        assert httpx.post(f"{api}/sessions", params={"key": "k1"}, json=locked).status_code == 403
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert out == ""
    assert "GET /v1alpha/sessions 401" in err
    assert "POST /v1alpha/sessions?key=REDACTED 200" in err
    assert "k1" not in err
    assert err.rstrip().endswith("emulator stopped")
