"""A misbehaving server, seen from the command line: every answer it cannot trust is one line naming
the endpoint, exit 1, and the lockfile is neither overwritten nor lost.

The server is the scripted one of ``stub_server.py`` on loopback. The client-level cases (page cap,
repeated tokens, retries) are in test_api_client.py; here is what a user sees, plus the slow trickle.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from julesform.api.client import JulesClient, Timeouts
from julesform.api.errors import AmbiguousCreate, ServiceError
from julesform.cli import main
from julesform.state.lockfile import Binding, Lockfile, dump_lockfile, read_lockfile
from stub_server import Reply, Seen, StubServer

KEY = "hostile-test-key-1234567890"
PROGRAMME = """\
version: 1
name: demo
source: sources/github/example-org/widget-app
quota: {daily: 100, concurrent: 10}
categories:
  - id: alpha
    title: Work on alpha
    prompt: Improve alpha.
  - id: beta
    title: Work on beta
    prompt: Improve beta.
"""
SESSIONS = "/v1alpha/sessions"


@pytest.fixture
def stub() -> Iterator[StubServer]:
    server = StubServer()
    yield server
    server.close()


@pytest.fixture
def workspace(stub: StubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """demo.yaml with alpha bound (beta unbound, so a plan lists the account) in a lockfile for the stub."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JULES_API_KEY", KEY)
    (tmp_path / "demo.yaml").write_text(PROGRAMME)
    lock = Lockfile.new(endpoint=stub.url, programme="demo")
    lock.serial = 3
    lock.bindings["alpha"] = Binding(
        session="sessions/111", spec_hash="sha256:" + "a" * 64, bound_at="2026-12-03T10:00:00Z",
        require_plan_approval=False, automation_mode="AUTOMATION_MODE_UNSPECIFIED",
    )
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "demo.lock.json").write_text(dump_lockfile(lock))
    return tmp_path


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".lock.json.lock" not in p.name}


def answer_gets(body: object, headers: dict[str, str] | None = None) -> Callable[[Seen], Reply]:
    """Every GET gets ``body``; nothing else is expected (and would get a 500)."""

    def handler(seen: Seen) -> Reply:
        if seen.method != "GET":
            return Reply(status=500)
        return Reply(body=body, headers=headers or {})

    return handler


def deep(levels: int) -> bytes:
    return b'{"sessions": ' + b"[" * levels + b"]" * levels + b"}"


HOSTILE_LISTS = {
    "not JSON": (b"<html><body>Service Unavailable</body></html>", {"Content-Type": "text/html"},
                 "not JSON (text/html)"),
    "a JSON array": ([{"name": "sessions/1"}], {}, "a JSON list, not an object"),
    "wrong types": ({"sessions": "many"}, {}, "sessions"),
    "a session without a name": ({"sessions": [{"title": "x [jf:demo/beta]"}]}, {}, "without a name"),
    "a state of the wrong type": ({"sessions": [{"name": "sessions/1", "id": "1", "state": 7}]}, {},
                                  "state"),
    "nesting too deep": (deep(5000), {}, "not JSON"),
    "a number too long": (b'{"sessions": [], "x": ' + b"9" * 5000 + b"}", {}, "not JSON"),
    "a huge body": (b" " * (64 * 1024 * 1024 + 1) + b"{}", {}, "larger than 67108864 bytes"),
    "not UTF-8": (b'{"sessions": [{"name": "sessions/1", "title": "\xff\xfe"}]}', {}, "not JSON"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_LISTS))
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_hostile_listing_is_one_line_naming_the_endpoint_and_changes_nothing(
    stub: StubServer, workspace: Path, capsys: pytest.CaptureFixture[str], case: str, command: str
) -> None:
    body, headers, words = HOSTILE_LISTS[case]
    stub.handler = answer_gets(body, headers)
    before = files(workspace)

    argv = ["--api-url", stub.url, command, *(["--yes"] if command == "apply" else []), "demo.yaml"]
    code = main(argv)
    out, err = capsys.readouterr()

    assert (code, out) == (1, ""), err
    assert err.startswith("error: unexpected response from GET /v1alpha/sessions"), err
    assert words in err
    assert err.count("\n") == 1 and "internal error" not in err
    assert files(workspace) == before
    assert {seen.method for seen in stub.seen} == {"GET"}


def test_a_paging_loop_is_refused(
    stub: StubServer, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = iter(["t1", "t2", "t3", "t1"])
    stub.handler = lambda seen: Reply(body={"sessions": [], "nextPageToken": next(pages, "t1")})
    before = files(workspace)

    assert main(["--api-url", stub.url, "plan", "demo.yaml"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: unexpected response from GET /v1alpha/sessions: ")
    assert "page token" in err and err.count("\n") == 1
    assert files(workspace) == before


def test_a_create_answered_with_garbage_is_recorded_as_an_intent_not_lost(
    stub: StubServer, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The create was accepted (200) but its body is unreadable: the session may exist. The lockfile
    keeps beta's intent for the next plan to resolve, and alpha's binding is kept."""

    def handler(seen: Seen) -> Reply:
        if seen.method == "POST" and seen.path == SESSIONS:
            return Reply(body=b"\x00\x01 not json", headers={"Content-Type": "application/octet-stream"})
        if seen.path == f"{SESSIONS}/111":
            return Reply(body={"name": "sessions/111", "id": "111", "title": "Work on alpha [jf:demo/alpha]",
                               "state": "COMPLETED", "createTime": "2026-12-03T10:00:00Z"})
        return Reply(body={})  # an empty account, and no session with beta's marker

    stub.handler = handler
    code = main(["--api-url", stub.url, "apply", "--yes", "demo.yaml"])
    out, err = capsys.readouterr()

    assert code == 1
    assert "beta" in out and "failed" in out
    assert "POST /v1alpha/sessions" in out + err
    assert [s.method for s in stub.seen].count("POST") == 1  # never retried
    lock = read_lockfile(workspace / "state" / "demo.lock.json")
    assert lock is not None
    assert lock.bindings["alpha"].session == "sessions/111"
    assert set(lock.pending) == {"beta"}
    assert KEY not in out + err


# --- a slow trickle: no per-read timeout ever fires, the total one does -------------------------------


class TrickleClock:
    """Each look at the clock finds 10 s gone: a body arriving a few bytes at a time takes "minutes"."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 10.0
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def wall(self) -> float:
        return 1_780_000_000.0 + self.now


def _trickling_client(stub: StubServer) -> JulesClient:
    body = json.dumps({"name": "sessions/1", "id": "1", "title": "t" * 400}).encode()
    stub.handler = lambda seen: Reply(body=body, trickle=0.002)
    return JulesClient(stub.url, KEY, clock=TrickleClock(), rand=lambda: 0.0, timeouts=Timeouts(total=30.0))


def test_a_read_that_trickles_in_is_cut_off_and_retried_then_reported(stub: StubServer) -> None:
    client = _trickling_client(stub)
    with pytest.raises(ServiceError) as caught:
        client.get_session("sessions/1")
    message = str(caught.value)
    assert message.startswith("could not reach the Jules API") or "GET /v1alpha/sessions/1" in message
    assert "timed out" in message and "\n" not in message
    assert len(stub.seen) > 1  # a read is retried (until the retry budget is spent): every attempt trickled


def test_a_create_that_trickles_in_is_ambiguous_and_not_repeated(stub: StubServer) -> None:
    client = _trickling_client(stub)
    with pytest.raises(AmbiguousCreate):
        client.create_session({"prompt": "p", "title": "t [jf:demo/alpha]"})
    assert len(stub.seen) == 1


# --- escape sequences from the server never reach the terminal ---------------------------------------

ESCAPES = "\x1b]0;owned\x07\x1b[2J\x1b[31mred\u202eevil\x9b"


def test_escape_sequences_in_a_server_message_are_shown_not_obeyed(
    stub: StubServer, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Error text from the server is printed; its control characters are printed as escapes."""
    error = {"error": {"code": 400, "message": f"bad request{ESCAPES}", "status": "INVALID_ARGUMENT"}}
    stub.handler = lambda seen: Reply(status=400, body=error)

    assert main(["--api-url", stub.url, "plan", "demo.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "\\u001b]0;owned\\u0007\\u001b[2J" in err and "\\u202eevil\\u009b" in err
    assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) < 0xA0 or c == "\u202e" for c in err)


def test_a_json_document_printed_with_odd_characters_stays_valid_and_equal() -> None:
    from julesform.console import visible

    document = {"title": "T\u0085\u202e\u2066x", "prompt": "a\tb\nc\x1b"}
    text = visible(json.dumps(document, ensure_ascii=False, indent=2))
    assert json.loads(text) == document
    assert "\u202e" not in text and "\x85" not in text
