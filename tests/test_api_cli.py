"""API configuration and API errors as a user meets them on the command line (``julesform plan``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from julesform.cli import main
from julesform.emulator.server import ServedEmulator

REPO = Path(__file__).resolve().parent.parent
PROGRAMME = REPO / "programmes" / "docs-refresh.yaml"
SECRET = "AIzaCLI-secret-key-4242424242"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(PROGRAMME, tmp_path / "docs-refresh.yaml")
    (tmp_path / "state").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_no_key_is_one_clear_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["plan", "docs-refresh.yaml"], capsys) == (
        1,
        "",
        "error: no API key: set JULES_API_KEY or pass --api-key-file\n",
    )


def test_an_unreadable_key_file_is_one_clear_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--api-key-file", "missing.key", "plan", "docs-refresh.yaml"], capsys)
    assert (code, out) == (1, "")
    assert err == "error: cannot read the API key file missing.key: No such file or directory\n"


def test_plain_http_to_a_remote_host_is_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JULES_API_KEY", SECRET)
    url = "http://jules.example.com/v1alpha"
    code, out, err = run(["--api-url", url, "plan", "docs-refresh.yaml"], capsys)
    assert (code, out) == (1, "")
    assert err.startswith("error: refusing plain http:// to jules.example.com: the API key would travel")


def test_emulator_with_api_url_is_a_usage_error(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JULES_API_URL", "https://jules.googleapis.com/v1alpha")
    code, out, err = run(["--emulator", "plan", "docs-refresh.yaml"], capsys)
    assert (code, out) == (64, "")
    assert err == "error: --emulator cannot be combined with --api-url (or JULES_API_URL)\n"


def test_a_rejected_key_says_so_and_never_prints_it(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    emulator: ServedEmulator,
) -> None:
    monkeypatch.setenv("JULES_API_KEY", SECRET)
    message = (
        "error: the API key is missing or was rejected: set JULES_API_KEY or --api-key-file; "
        "keys are made at https://jules.google.com/settings#api\n"
    )
    # the service's misleading "API keys are not supported by this API" is not repeated
    assert run(["--api-url", emulator.url, "plan", "docs-refresh.yaml"], capsys) == (1, "", message)
    code, out, err = run(["--debug", "--api-url", emulator.url, "plan", "docs-refresh.yaml"], capsys)
    assert (code, out) == (1, "")
    assert err.endswith(message)
    assert "Traceback" in err  # --debug adds the traceback and the HTTP trace...
    assert SECRET not in err  # ...and neither shows the key


def test_debug_traces_http_on_stderr_with_the_key_redacted(
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    emulator: ServedEmulator,
) -> None:
    key_file = workdir / "jules.key"
    key_file.write_text(emulator.api_key + "\n")
    args = ["--debug", "--api-url", emulator.url, "--api-key-file", str(key_file)]
    args += ["plan", "docs-refresh.yaml"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    assert "create" in out  # the plan itself is on stdout
    traces = [line for line in err.splitlines() if line.startswith("debug: -> GET ")]
    assert traces and all(line.endswith("[X-Goog-Api-Key: <redacted>]") for line in traces)
    assert "debug: <- 200 GET /v1alpha/sessions (" in err
    assert emulator.api_key not in out + err
    assert "debug:" not in out


def test_importing_the_cli_does_not_import_httpx() -> None:
    probe = "import sys, julesform.cli; print('httpx' in sys.modules, 'julesform.api.client' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
