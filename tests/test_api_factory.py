"""``client_for``: which client a run gets, and the configuration errors a user can meet first."""

from __future__ import annotations

from pathlib import Path

import pytest

from julesform.api.apikey import ApiKey, load_api_key
from julesform.api.errors import MISSING_KEY_MESSAGE, AuthError, ConfigError
from julesform.api.factory import client_for
from julesform.console import Console
from julesform.context import AppContext
from julesform.errors import UsageError

KEY = "AIzaFACTORY-key-98765"


def app(**kw: object) -> AppContext:
    debug = bool(kw.pop("debug", False))
    return AppContext(console=Console(debug=debug), debug=debug, **kw)  # type: ignore[arg-type]


def test_default_endpoint_is_the_real_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JULES_API_KEY", KEY)
    with client_for(app()) as client:
        assert client.endpoint == "https://jules.googleapis.com/v1alpha"
        assert client.request_count == 0


def test_api_url_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JULES_API_KEY", KEY)
    with client_for(app(api_url="http://127.0.0.1:8765/v1alpha/")) as client:
        assert client.endpoint == "http://127.0.0.1:8765/v1alpha"


def test_a_missing_key_is_reported_before_any_request() -> None:
    with pytest.raises(AuthError) as caught:
        client_for(app())
    assert str(caught.value) == MISSING_KEY_MESSAGE == "no API key: set JULES_API_KEY or pass --api-key-file"


def test_a_blank_key_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JULES_API_KEY", "  \n")
    with pytest.raises(AuthError, match=r"^no API key"):
        client_for(app())


def test_the_key_file_wins_over_the_environment_and_is_stripped(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(f"  {KEY}\n")
    assert load_api_key(key_file, {"JULES_API_KEY": "other"}).reveal() == KEY


def test_an_unreadable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(ConfigError) as caught:
        client_for(app(api_key_file=missing))
    assert str(caught.value) == f"cannot read the API key file {missing}: No such file or directory"


def test_a_key_file_that_is_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_api_key(tmp_path)
    assert str(caught.value) == f"cannot read the API key file {tmp_path}: Is a directory"


def test_an_empty_key_file_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "key"
    empty.write_text("\n")
    with pytest.raises(ConfigError) as caught:
        load_api_key(empty)
    assert str(caught.value) == f"the API key file {empty} is empty"


def test_a_key_with_inner_spaces_is_refused_without_echoing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        ApiKey("AIza secret-part")
    assert "secret-part" not in str(caught.value)
    assert str(caught.value).startswith("the API key contains spaces or characters a key cannot have")


def test_the_key_holder_never_shows_the_key() -> None:
    key = ApiKey(KEY)
    assert KEY not in repr(key) and KEY not in str(key) and KEY not in f"{key}"
    assert key.redact(f"x{KEY}y") == "x<redacted>y"
    with pytest.raises(TypeError):
        __import__("pickle").dumps(key)


def test_plain_http_to_a_remote_host_is_refused_before_the_key_is_looked_at() -> None:
    with pytest.raises(ConfigError, match=r"^refusing plain http:// to example\.com"):
        client_for(app(api_url="http://example.com/v1alpha"))


def test_emulator_and_api_url_together_are_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        client_for(app(emulator=True, api_url="https://jules.googleapis.com/v1alpha", state_dir=tmp_path))
    assert str(caught.value) == "--emulator cannot be combined with --api-url (or JULES_API_URL)"


def test_the_embedded_emulator_needs_no_key_and_keeps_state_between_runs(tmp_path: Path) -> None:
    body: dict[str, object] = {
        "prompt": "Add tests",
        "title": "Tests [jf:demo/tests]",
        "sourceContext": {
            "source": "sources/github/example-org/app",
            "githubRepoContext": {"startingBranch": "main"},
        },
        "requirePlanApproval": True,
        "automationMode": "AUTO_CREATE_PR",
    }
    with client_for(app(emulator=True, state_dir=tmp_path)) as first:
        assert first.endpoint == "emulator:embedded"
        created = first.create_session(body)
    assert (tmp_path / ".emulator").is_dir()
    with client_for(app(emulator=True, state_dir=tmp_path)) as second:
        listed = second.list_sessions()
        assert [s.name for s in listed] == [created.name]
        assert listed[0].title == "Tests [jf:demo/tests]"
        assert second.request_count == 1


def test_debug_traces_go_to_stderr_with_the_key_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with client_for(app(emulator=True, state_dir=tmp_path, debug=True)) as client:
        client.list_sessions()
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == (
        "debug: -> GET http://embedded.emulator.invalid/v1alpha/sessions?pageSize=100&"
        "filter=archived+%3D+true+OR+archived+%3D+false [X-Goog-Api-Key: <redacted>]"
    )
    assert lines[1].startswith("debug: <- 200 GET /v1alpha/sessions (")
