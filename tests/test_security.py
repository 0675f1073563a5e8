"""Security checks: the key appears nowhere after a full ``--debug`` run, plain http goes only to
loopback, TLS verification is never turned off, the emulator listens on loopback unless told
otherwise, and lockfiles and plan files hold no secrets.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import pytest

from julesform.api.endpoint import is_loopback
from julesform.cli import main
from julesform.emulator import Emulator, WallClock
from julesform.emulator.server import serve_emulator

SRC = Path(__file__).resolve().parent.parent / "src" / "julesform"
# Characters that URL-encoding, JSON and base64 all treat differently, so every encoded form differs.
KEY = "AIzaSyFAKE-k3y/with+odd=chars&more~0123456789"
WRONG_KEY = "AIzaSyWRONG-k3y/0123456789+zz"
PROGRAMME = """\
version: 1
name: secure
source: sources/github/example-org/widget-app
defaults:
  require_plan_approval: true
quota: {tier: ultra}
categories:
  - id: alpha
    title: Work on alpha
    prompt: Improve alpha; add tests in tests/test_alpha.py (2 tests).
  - id: beta
    title: Work on beta
    prompt_file: prompts/beta.md
"""


def encodings(secret: str) -> set[str]:
    """The secret as it could leak: verbatim, URL-encoded, JSON-escaped, hex, and base64 at every
    alignment inside a longer stream (the characters at the edges depend on the neighbours, so
    they are left off)."""
    raw = secret.encode()
    forms = {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1], raw.hex()}
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * shift + raw).decode()
            start = (shift * 4 + 2) // 3 + 1
            forms.add(text[start : len(text) - 4])
    return {form for form in forms if len(form) >= 16}


def find_leaks(text: str, secret: str) -> list[str]:
    return sorted(form for form in encodings(secret) if form in text)


@pytest.fixture
def served() -> Iterator[Any]:
    live = Emulator(seed=21, clock=WallClock(), pace=600.0, api_keys=[KEY])
    with serve_emulator(live, KEY) as running:
        yield running


def test_encodings_are_found_wherever_they_hide() -> None:
    """The scanner itself: each form of the key is caught inside other text."""
    raw = KEY.encode()
    for shift in range(3):
        blob = base64.b64encode(b"x" * shift + raw + b"tail").decode()
        assert find_leaks(f"header {blob} footer", KEY), shift
    assert find_leaks(f"?key={quote(KEY, safe='')}&x=1", KEY)
    assert find_leaks(json.dumps({"k": KEY}), KEY)
    assert find_leaks(raw.hex(), KEY)
    assert not find_leaks("X-Goog-Api-Key: <redacted>", KEY)


def test_a_full_debug_run_leaks_the_key_nowhere(served: Any, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "prompts").mkdir()
    (root / "prompts" / "beta.md").write_text("Improve beta.\n")
    (root / "secure.yaml").write_text(PROGRAMME)
    home = tmp_path / "home"
    home.mkdir()
    key_file = tmp_path / "jules.key"
    key_file.write_text(KEY + "\n")
    env = {**os.environ, "JULES_API_KEY": KEY, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_STATE_HOME": str(home / ".state"), "NO_COLOR": "1"}
    outputs: list[str] = []

    def run(*args: str, key: str | None = None, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        run_env = env if key is None else {**env, "JULES_API_KEY": key}
        done = subprocess.run([sys.executable, "-m", "julesform", "--debug", "--api-url", served.url, *args],
                              cwd=root, env=run_env, capture_output=True, text=True, check=False)
        outputs.extend([done.stdout, done.stderr])
        if expect is not None:
            assert done.returncode == expect, done.stderr[-2000:]
        return done

    faults = served.emulator.faults
    run("validate", "secure.yaml")
    run("plan", "--out", "plan.json", "secure.yaml")
    # a retried read, and a create whose reply is lost (found again by its marker)
    faults.update({"error_next": 1, "error_methods": ["GET"], "drop_next_creates": 1})
    run("apply", "plan.json", expect=None)
    run("apply", "--yes", "secure.yaml", expect=None)
    served.emulator.advance(5)
    run("plan", "--format", "json", "--out", "later.json", "secure.yaml", expect=None)
    run("plan", "--format", "markdown", "secure.yaml")
    run("--api-key-file", str(key_file), "apply", "--yes", "secure.yaml")
    run("refresh", "secure.yaml")
    run("status", "secure.yaml", expect=None)
    run("verify", "secure.yaml", expect=None)
    run("report", "secure.yaml", expect=None)
    faults.update({"rate_limit_burst": 20, "retry_after": 600.0})  # beyond the retry budget: fails at once
    limited = run("plan", "secure.yaml", expect=1)
    assert "rate limiting" in limited.stderr
    faults.update({"rate_limit_burst": 0})
    wrong = run("plan", "secure.yaml", key=WRONG_KEY, expect=1)  # the key is rejected
    assert "the API key is missing or was rejected" in wrong.stderr

    transcript = "\n".join(outputs)
    assert "X-Goog-Api-Key: <redacted>" in transcript  # the trace was on, and it did show requests
    assert sum(1 for r in served.emulator.requests if r.status == 200) > 10
    assert find_leaks(transcript, KEY) == []
    assert find_leaks(transcript, WRONG_KEY) == []

    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != key_file]
    assert any(p.name == "secure.lock.json" for p in files) and any(p.name == "plan.json" for p in files)
    for path in files:
        content = path.read_bytes().decode("utf-8", errors="replace")
        assert find_leaks(content, KEY) == [], path
        assert find_leaks(content, WRONG_KEY) == [], path

    for name in ("state/secure.lock.json", "plan.json", "later.json"):
        document = json.loads((root / name).read_text())
        assert secret_looking_fields(document) == [], name


SECRET_FIELD = re.compile(r"key|token|secret|passw|credential|auth|cookie", re.IGNORECASE)


def secret_looking_fields(document: Any, path: str = "") -> list[str]:
    """Field names that would suggest a secret is stored (values such as category ids are not keys)."""
    found: list[str] = []
    if isinstance(document, dict):
        for name, value in document.items():
            where = f"{path}.{name}"
            is_data_key = path.endswith((".bindings", ".pending", ".status"))  # category ids, not fields
            if SECRET_FIELD.search(name) and not is_data_key:
                found.append(where)
            found += secret_looking_fields(value, where)
    elif isinstance(document, list):
        for index, item in enumerate(document):
            found += secret_looking_fields(item, f"{path}[{index}]")
    return found


def property_names(node: Any) -> list[str]:
    if isinstance(node, dict):
        names = list(node.get("properties", {}))
        return names + [name for value in node.values() for name in property_names(value)]
    if isinstance(node, list):
        return [name for value in node for name in property_names(value)]
    return []


def test_the_lockfile_and_plan_schemas_have_no_field_for_a_secret() -> None:
    schemas = Path(__file__).resolve().parent.parent / "schemas"
    for name in ("lockfile.schema.json", "plan.schema.json"):
        fields = property_names(json.loads((schemas / name).read_text()))
        assert "bindings" in fields or "changes" in fields, name
        assert [f for f in fields if SECRET_FIELD.search(f)] == [], name


@pytest.mark.parametrize(
    "url",
    [
        "http://jules.googleapis.com/v1alpha",
        "http://10.0.0.7:8765/v1alpha",
        "http://localhost.example.com/v1alpha",
        "http://127.0.0.1.nip.io/v1alpha",
        "http://[::ffff:8.8.8.8]/v1alpha",
        "http://0x7f000001/v1alpha",
        "HTTP://EXAMPLE.COM/v1alpha",
    ],
)
def test_plain_http_to_anything_but_loopback_is_refused_before_a_connection(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JULES_API_KEY", KEY)
    assert main(["--api-url", url, "plan", "tests/programmes/good/minimal.yaml"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: refusing plain http:// to ") and err.count("\n") == 1, err
    assert find_leaks(err, KEY) == []


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1@example.com/v1alpha", "http://127.0.0.1\\@example.com/v1alpha",
     "https://user:pass@example.com/v1alpha",
     "https://example.com/v1alpha?key=abc", "http://example.com#@127.0.0.1/v1alpha"],
)
def test_a_url_that_could_carry_or_hide_a_secret_is_refused(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JULES_API_KEY", KEY)
    assert main(["--api-url", url, "plan", "tests/programmes/good/minimal.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "pass" not in err.replace("pass the key", "")  # the password is not echoed either
    assert "refusing plain http" in err or "must not carry credentials, a query or a fragment" in err


# --- TLS: never turned off, anywhere in src/ ----------------------------------------------------------


def _python_files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


REQUIRED_KEYWORDS = {"verify": True, "follow_redirects": False}
FORBIDDEN_NAMES = {"_create_unverified_context", "CERT_NONE", "check_hostname", "PYTHONHTTPSVERIFY"}


def tls_problems(source: str, filename: str = "<src>") -> list[str]:
    """Every place that could turn TLS checks off or follow a redirect (which would carry the key)."""
    problems: list[str] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.keyword) and node.arg in REQUIRED_KEYWORDS:
            wanted = REQUIRED_KEYWORDS[node.arg]
            if not (isinstance(node.value, ast.Constant) and node.value.value is wanted):
                problems.append(f"{where}: {node.arg}={ast.unparse(node.value)}")
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "value", None)
        if isinstance(name, str) and name in FORBIDDEN_NAMES:
            problems.append(f"{where}: {name}")
    return problems


def test_the_tls_scan_finds_what_it_looks_for() -> None:
    bad = (
        "import httpx, ssl, os\n"
        "httpx.Client(verify=False)\nhttpx.get(url, verify=settings.verify)\n"
        "httpx.Client(follow_redirects=True)\nssl._create_unverified_context()\n"
        "ctx.check_hostname = False\nos.environ['PYTHONHTTPSVERIFY'] = '0'\n"
    )
    assert len(tls_problems(bad)) == 6
    assert tls_problems("httpx.Client(verify=True, follow_redirects=False)\n") == []


def test_tls_verification_is_never_disabled_and_redirects_never_followed() -> None:
    problems: list[str] = []
    for path in _python_files():
        problems += tls_problems(path.read_text(), str(path.relative_to(SRC)))
    assert problems == []


def test_the_one_http_client_is_built_with_redirects_off() -> None:
    """httpx is imported in one module only, which is where the checks above matter most."""
    importers = [p.relative_to(SRC).as_posix() for p in _python_files()
                 if re.search(r"^\s*(import httpx|from httpx)", p.read_text(), re.MULTILINE)]
    assert importers == ["api/client.py"]
    assert "follow_redirects=False" in (SRC / "api" / "client.py").read_text()


# --- the emulator listens on loopback unless told otherwise ---------------------------------------------


def test_the_served_emulator_listens_on_loopback_by_default(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "julesform", "emulator", "--port", "0", "--quiet"],
        cwd=tmp_path, stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
    finally:
        os.kill(process.pid, signal.SIGINT)
        process.communicate(timeout=60)
    assert banner.startswith("Jules API emulator listening on http://127.0.0.1:"), banner
    host = urlsplit(banner.split()[5]).hostname
    assert host is not None and is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com"])
def test_the_emulator_refuses_a_public_interface_without_allow_remote(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", "--host", host, "--port", "0"]) == 64
    err = capsys.readouterr().err
    assert "refusing to serve on non-loopback host" in err and "--allow-remote" in err


def test_the_in_process_server_helpers_default_to_loopback() -> None:
    import inspect

    from julesform.emulator.server import RunningServer, serve_emulator

    assert inspect.signature(RunningServer.__init__).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(serve_emulator).parameters["host"].default == "127.0.0.1"


# --- prompt files are read only inside the repository ------------------------------------------------


def test_a_prompt_file_pointing_at_the_key_file_is_refused_and_nothing_is_sent(
    served: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A programme from someone else must not be able to mail the key to Jules inside a prompt."""
    key_file = tmp_path / "jules.key"
    key_file.write_text(KEY)
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "prompts").mkdir()
    (root / "prompts" / "beta.md").symlink_to(key_file)
    (root / "secure.yaml").write_text(PROGRAMME)
    monkeypatch.chdir(root)

    code = main(["--api-url", served.url, "--api-key-file", str(key_file), "apply", "--yes", "secure.yaml"])
    out, err = capsys.readouterr()

    assert (code, out) == (1, "")
    assert "prompt_file 'prompts/beta.md' is a symlink that leads outside the repository" in err
    assert find_leaks(err, KEY) == []
    assert served.emulator.requests == [] and served.emulator.sessions() == []
