"""Shared by the status, verify and report CLI tests: a programme whose sessions deliver KNOWN patches."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from julesform.cli import main
from julesform.emulator.state import Behaviour

PROGRAMME = """\
version: 1
name: demo
source: sources/github/example-org/widget-app
defaults:
  automation_mode: auto_create_pr
quota:
  tier: ultra
categories:
  - id: auth
    title: Auth middleware
    priority: P0
    hours: 8
    tests: 4
    prompt: Write the auth middleware in src/auth.py, with tests.
    deliverables: [src/auth.py, tests/test_auth.py]
  - id: routes
    title: Secure routes
    priority: P1
    hours: 4
    tests: 3
    prompt: Secure the routes and test them in web/routes.test.ts.
    deliverables: [web/routes.test.ts]
  - id: docs
    title: Security docs
    priority: P3
    phase: 2
    hours: 2.5
    depends_on: [auth]
    prompt: Document the security model in docs/security.md.
    deliverables: [docs/security.md]
"""

# auth: 4 tests (two methods of a test class, one parametrized function, one plain), 2 deliverables.
AUTH_PATCH = """\
diff --git a/src/auth.py b/src/auth.py
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/src/auth.py
@@ -0,0 +1,2 @@
+def check(token: str) -> bool:
+    return bool(token)
diff --git a/tests/test_auth.py b/tests/test_auth.py
new file mode 100644
index 0000000..2222222
--- /dev/null
+++ b/tests/test_auth.py
@@ -0,0 +1,16 @@
+import pytest
+
+class TestCheck:
+    def test_accepts(self):
+        assert check("t")
+
+    def test_refuses(self):
+        assert not check("")
+
+@pytest.mark.parametrize("token", ["a", "b", "c"])
+def test_many(token):
+    assert check(token)
+
+def test_plain():
+    assert True
+
"""

# routes: one JS test removed, two added (one of them skipped): net 1 of 3, a skip marker.
ROUTES_PATCH = """\
diff --git a/web/routes.test.ts b/web/routes.test.ts
index 3333333..4444444 100644
--- a/web/routes.test.ts
+++ b/web/routes.test.ts
@@ -1,3 +1,4 @@
 describe('routes', () => {
-  it('old check', () => {});
+  it('refuses anonymous calls', () => {});
+  it.skip('rate limits', () => {});
 });
"""


@dataclass
class Demo:
    """A project directory on the served emulator, with julesform's clock following the emulator's."""

    emulator: Any
    path: Path

    @property
    def emu(self) -> Any:
        return self.emulator.emulator

    def run(self, *args: str) -> int:
        return main(["--api-url", self.emulator.url, *args])

    def apply(self, *behaviours: Behaviour) -> None:
        """``apply`` one create at a time, so the behaviours go to the categories in programme order."""
        self.emu.next_behaviours.extend(behaviours)
        assert self.run("apply", "--yes", "--parallelism", "1", "demo.yaml") == 0

    def lock(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.path / "state" / "demo.lock.json").read_text())
        return data

    def session(self, category: str) -> str:
        return str(self.lock()["bindings"][category]["session"])

    def pull_request(self, category: str) -> str:
        session = self.emu.session(self.session(category).removeprefix("sessions/"))
        return str(session.outputs[0]["pullRequest"]["url"])

    def activity_queries(self) -> list[str]:
        return [r.query for r in self.emu.requests if r.path.endswith("/activities")]


def make_demo(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str = PROGRAMME) -> Demo:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JULES_API_KEY", emulator.api_key)
    monkeypatch.setenv("NO_COLOR", "1")
    (tmp_path / "demo.yaml").write_text(text)
    (tmp_path / "state").mkdir()
    emulator.emulator.faults.fail_share = 0.0

    def emulator_now() -> datetime:
        return datetime.fromtimestamp(emulator.emulator.now_us() / 1_000_000, UTC)

    monkeypatch.setattr("julesform.pipeline.current_time", emulator_now)
    return Demo(emulator, tmp_path)


def delivered_demo(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    """auth and routes created with the known patches and completed; docs still waits for phase 1."""
    demo = make_demo(emulator, tmp_path, monkeypatch)
    demo.apply(Behaviour(patch=AUTH_PATCH), Behaviour(patch=ROUTES_PATCH))
    demo.emu.advance(3600)
    return demo
