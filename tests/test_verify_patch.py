"""The pure patch analysis of ``verify``: diffs, test functions per language, skips, deliverables."""

from __future__ import annotations

import pytest

from julesform.api.models import Activity, Session
from julesform.verify.diff import parse_unified_diff
from julesform.verify.measure import check_category, deliverable_status, measure_patch, totals
from julesform.verify.testfinder import file_tests, language_of


def new_file(path: str, *lines: str) -> str:
    body = "\n".join(f"+{line}" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1234567\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}\n"
    )


def changed_file(path: str, old_start: int, *lines: str) -> str:
    """A hunk of ``lines`` written with their diff prefix (``+``, ``-`` or a space)."""
    old = sum(1 for line in lines if line[0] in "- ")
    new = sum(1 for line in lines if line[0] in "+ ")
    body = "\n".join(lines)
    return (
        f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n"
        f"@@ -{old_start},{old} +{old_start},{new} @@ def x():\n{body}\n"
    )


def test_files_and_their_status() -> None:
    patch = (
        new_file("docs/a.md", "# A")
        + changed_file("src/app.py", 3, " x = 1", "-y = 2", "+y = 3")
        + "diff --git a/old.txt b/old.txt\ndeleted file mode 100644\nindex 3333333..0000000\n"
        "--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n"
    )
    files = parse_unified_diff(patch)
    assert [(f.path, f.status) for f in files] == [
        ("docs/a.md", "created"),
        ("src/app.py", "changed"),
        ("old.txt", "deleted"),
    ]
    assert files[1].hunks[0].lines == [(" ", "x = 1"), ("-", "y = 2"), ("+", "y = 3")]


def test_a_removed_line_starting_with_dashes_is_not_a_header() -> None:
    patch = changed_file("notes.md", 1, "---- heading rule", "+--- new rule", "+++ plus", " tail")
    files = parse_unified_diff(patch)
    assert len(files) == 1
    assert [k for k, _ in files[0].hunks[0].lines] == ["-", "+", "+", " "]


def test_a_plain_diff_without_git_headers() -> None:
    patch = "--- a/tests/test_a.py\n+++ b/tests/test_a.py\n@@ -1,0 +1,2 @@\n+def test_one():\n+    pass\n"
    patch += "--- /dev/null\n+++ b/tests/test_b.py\n@@ -0,0 +1 @@\n+def test_two(): pass\n"
    delivery = measure_patch(patch)
    assert delivery.files == {"tests/test_a.py": "changed", "tests/test_b.py": "created"}
    assert delivery.tests_added == 2


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("tests/test_auth.py", "python"),
        ("src/pkg/auth_test.py", "python"),
        ("tests/unit/helpers.py", "python"),
        ("tests/conftest.py", None),
        ("src/auth.py", None),
        ("web/src/auth.test.ts", "javascript"),
        ("web/src/Login.spec.jsx", "javascript"),
        ("web/src/auth.ts", None),
        ("pkg/auth/auth_test.go", "go"),
        ("pkg/auth/auth.go", None),
        ("crates/core/src/lib.rs", "rust"),
        ("docs/tests.md", None),
    ],
)
def test_which_files_hold_tests(path: str, language: str | None) -> None:
    assert language_of(path) == language


PY_TESTS = (
    "import pytest",
    "",
    "def test_plain():",
    "    assert True",
    "",
    "async def test_async():",
    "    assert True",
    "",
    '@pytest.mark.parametrize("n", [1, 2, 3])',
    "def test_parametrized(n):",
    "    assert n",
    "",
    "def helper():",
    "    def test_nested_is_not_collected():",
    "        pass",
    "",
    "class TestLogin:",
    "    def test_method(self):",
    "        pass",
    "",
    "    async def test_async_method(self):",
    "        pass",
    "",
    "    def helper(self):",
    "        pass",
    "",
    "class Helpers:",
    "    def test_not_in_a_test_class(self):",
    "        pass",
    "",
    "def test_after_classes():",
    "    pass",
)


def test_python_functions_methods_and_parametrized_count_once() -> None:
    found = file_tests(parse_unified_diff(new_file("tests/test_login.py", *PY_TESTS))[0])
    assert found is not None
    assert found.added == (
        "TestLogin::test_async_method",
        "TestLogin::test_method",
        "test_after_classes",
        "test_async",
        "test_parametrized",
        "test_plain",
    )
    assert found.removed == ()


def test_python_tests_in_a_non_test_file_do_not_count() -> None:
    assert measure_patch(new_file("src/login.py", *PY_TESTS)).tests_added == 0


def test_removed_tests_are_subtracted_and_an_edited_signature_counts_neither_way() -> None:
    patch = changed_file(
        "tests/test_auth.py",
        10,
        "-def test_old_one():",
        "-    assert False",
        "-def test_kept(x):",
        "+def test_kept(x, y):",
        "+def test_new_one():",
        "+    assert True",
        "+def test_new_two():",
        "+    assert True",
        " ",
    )
    delivery = measure_patch(patch)
    assert (delivery.tests_added, delivery.tests_removed, delivery.net_tests) == (2, 1, 1)


def test_a_hunk_inside_a_class_counts_indented_tests() -> None:
    patch = changed_file(
        "tests/test_auth.py", 40, "     def test_existing(self):", "         pass", "+    def test_new(self):"
    )
    assert measure_patch(patch).tests_added == 1


def test_python_skips_added_left_and_removed() -> None:
    patch = changed_file(
        "tests/test_auth.py",
        1,
        " @pytest.mark.skip(reason='later')",
        " def test_left_skipped(): pass",
        "-@pytest.mark.skip",
        " def test_unskipped(): pass",
        "+def test_new():",
        "+    pytest.skip('not yet')",
        "+@pytest.mark.skipif(sys.platform == 'win32', reason='posix')",
        "+def test_posix(): pass",
    )
    found = file_tests(parse_unified_diff(patch)[0])
    assert found is not None
    assert (found.skips_added, found.skips_left, found.skips_removed) == (1, 1, 1)
    assert measure_patch(patch).skips == 2


def test_javascript_typescript_tests() -> None:
    patch = new_file(
        "web/auth.test.ts",
        "describe('auth', () => {",
        "  it('accepts a valid token', () => {});",
        "  test(\"refuses an expired token\", async () => {});",
        "  it.only('focused', () => {});",
        "  it.skip('later', () => {});",
        "  const item = split('x');",
        "});",
    )
    found = file_tests(parse_unified_diff(patch)[0])
    assert found is not None
    assert found.added == ("accepts a valid token", "focused", "later", "refuses an expired token")
    assert found.skips_added == 1


def test_go_tests_need_the_testing_signature() -> None:
    patch = new_file(
        "pkg/auth/auth_test.go",
        "package auth",
        "func TestValidToken(t *testing.T) {",
        "\tt.Skip(\"flaky\")",
        "}",
        "func TestExpired(t *testing.T) {}",
        "func Testlowercase(t *testing.T) {}",
        "func BenchmarkX(b *testing.B) {}",
        "func helper(t *testing.T) {}",
    )
    found = file_tests(parse_unified_diff(patch)[0])
    assert found is not None
    assert found.added == ("TestExpired", "TestValidToken")
    assert found.skips_added == 1


def test_rust_test_attributes() -> None:
    patch = new_file(
        "src/lib.rs",
        "#[cfg(test)]",
        "mod tests {",
        "    #[test]",
        "    fn parses() {}",
        "    #[test]",
        "    #[ignore]",
        "    fn slow() {}",
        "    #[tokio::test]",
        "    async fn serves() {}",
        "}",
    )
    found = file_tests(parse_unified_diff(patch)[0])
    assert found is not None
    assert found.added == ("parses", "serves", "slow")
    assert found.skips_added == 1


@pytest.mark.parametrize(
    ("wanted", "status"),
    [
        ("docs/a.md", "created"),
        ("./docs/a.md", "created"),
        ("src/app.py", "changed"),
        ("old.txt", "deleted"),
        ("docs/missing.md", "missing"),
        ("docs/", "created"),
        ("src/", "changed"),
        ("nowhere/", "missing"),
    ],
)
def test_deliverables(wanted: str, status: str) -> None:
    files = {"docs/a.md": "created", "src/app.py": "changed", "src/new.py": "created", "old.txt": "deleted"}
    assert deliverable_status(wanted, files) == status  # type: ignore[arg-type]


def _completed(patch: str | None) -> Session:
    outputs = [] if patch is None else [{"changeSet": {"gitPatch": {"unidiffPatch": patch}}}]
    return Session.model_validate({"name": "sessions/1", "state": "COMPLETED", "outputs": outputs})


def test_category_verdicts_and_totals() -> None:
    two_tests = new_file("tests/test_a.py", "def test_one(): pass", "def test_two(): pass")
    ok = check_category(
        "ok", expected_tests=2, deliverables=["tests/test_a.py"], session=_completed(two_tests)
    )
    short = check_category(
        "short",
        expected_tests=5,
        deliverables=["tests/test_a.py", "docs/x.md"],
        session=_completed(two_tests),
    )
    no_patch = check_category("empty", expected_tests=1, deliverables=[], session=_completed(None))
    running = check_category(
        "running",
        expected_tests=4,
        deliverables=[],
        session=Session.model_validate({"name": "sessions/2", "state": "IN_PROGRESS"}),
    )
    unbound = check_category("later", expected_tests=3, deliverables=[], session=None)
    assert [c.verdict for c in (ok, short, no_patch, running, unbound)] == [
        "ok", "short", "no patch", "not completed", "no session"
    ]
    assert short.shortfalls == ["3 tests short", "docs/x.md missing"]
    assert no_patch.shortfalls == ["no final patch"]
    assert (ok.delivered_tests, ok.deliverables_met, short.deliverables_met) == (2, 1, 1)
    total = totals([ok, short, no_patch, running, unbound])
    assert (total.expected, total.delivered, total.short, total.unfinished) == (15, 4, 2, 2)


def test_over_delivery_does_not_cover_another_category() -> None:
    five = new_file("tests/test_a.py", *(f"def test_{n}(): pass" for n in range(5)))
    over = check_category("over", expected_tests=1, deliverables=[], session=_completed(five))
    under = check_category("under", expected_tests=4, deliverables=[], session=_completed(""))
    assert over.verdict == "ok" and over.delivered_tests == 5
    assert under.verdict == "short"
    assert totals([over, under]).delivered == 1


def test_the_change_set_in_activities_is_used_when_outputs_have_none() -> None:
    session = Session.model_validate({"name": "sessions/3", "state": "COMPLETED"})
    early = new_file("tests/test_a.py", "def test_one(): pass")
    final = new_file("tests/test_a.py", "def test_one(): pass", "def test_two(): pass")
    def activity(aid: str, artifact: dict[str, object]) -> Activity:
        return Activity.model_validate({"name": f"sessions/3/activities/{aid}", "artifacts": [artifact]})

    activities = [
        activity("a", {"changeSet": {"gitPatch": {"unidiffPatch": early}}}),
        activity("b", {"bashOutput": {"command": "ls"}}),
        activity("c", {"changeSet": {"gitPatch": {"unidiffPatch": final}}}),
    ]
    check = check_category("c", expected_tests=2, deliverables=[], session=session, activities=activities)
    assert check.verdict == "ok" and check.delivered_tests == 2
