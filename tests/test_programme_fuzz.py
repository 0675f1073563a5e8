"""No input makes ``validate`` crash: it exits 0 with a summary, or 1 with located diagnostics only."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from julesform.cli import main
from julesform.programme.fmt import canonical
from julesform.programme.loader import check_programme
from julesform.programme.yamlio import parse

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = (REPO / "programmes" / "security-hardening.yaml").read_text()
DIAGNOSTIC = re.compile(r"^fuzz\.yaml:\d+:\d+: \S.*: \S.*$")
SUMMARY = re.compile(r"^\d+ problems? in 1 of 1 file$")
KEYS = ["version", "name", "source", "branch", "defaults", "quota", "categories", "id", "title", "prompt",
        "prompt_file", "tests", "hours", "priority", "phase", "depends_on", "deliverables", "tier"]

EXAMPLES = int(os.environ.get("JULESFORM_FUZZ_EXAMPLES", "120"))  # raise it for a deeper run
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example's prompt files, so mutations of the example can still find them."""
    directory = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(REPO / "programmes" / "security-hardening", directory / "security-hardening")
    return directory


def run_validate(directory: Path, content: bytes) -> None:
    path = directory / "fuzz.yaml"
    path.write_bytes(content)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(directory), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "fuzz.yaml"])
    stdout, stderr = out.getvalue().splitlines(), err.getvalue().splitlines()
    if code == 0:
        assert len(stdout) == 1 and stdout[0].startswith("fuzz.yaml: ")
        assert stderr == []
        return
    assert code == 1, (code, stderr)
    assert stdout == []
    assert stderr and SUMMARY.match(stderr[-1]), stderr
    for line in stderr[:-1]:
        assert DIAGNOSTIC.match(line), line


scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
keys = st.sampled_from(KEYS) | st.text(max_size=10)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=30,
)


@FUZZ
@given(content=st.binary(max_size=2000))
def test_random_bytes(workdir: Path, content: bytes) -> None:
    run_validate(workdir, content)


@FUZZ
@given(document=documents)
def test_random_yaml(workdir: Path, document: object) -> None:
    run_validate(workdir, json.dumps(document).encode())


@st.composite
def mutations(draw: st.DrawFn) -> str:
    lines = EXAMPLE.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert"]))
        index = draw(st.integers(0, len(lines) - 1))
        if op == "delete" and len(lines) > 1:
            del lines[index]
        elif op == "duplicate":
            lines.insert(index, lines[index])
        elif op == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif op == "replace" and lines[index]:
            column = draw(st.integers(0, len(lines[index]) - 1))
            char = draw(st.sampled_from(list(" \t:-#&*![{'\"x9")))
            lines[index] = lines[index][:column] + char + lines[index][column + 1 :]
        else:
            lines.insert(index, draw(st.text(max_size=30)) + "\n")
    return "".join(lines)


@FUZZ
@given(text=mutations())
def test_mutations_of_the_example(workdir: Path, text: str) -> None:
    run_validate(workdir, text.encode("utf-8", errors="surrogatepass"))


@settings(FUZZ, max_examples=max(1, EXAMPLES // 3))  # the comment-keeping round trip is slow
@given(text=mutations())
def test_fmt_keeps_the_data_of_every_valid_mutation(workdir: Path, text: str) -> None:
    path = workdir / "fmt.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    loaded, _ = check_programme(path)
    if loaded is None:
        return
    formatted = canonical(text.removeprefix("\ufeff"))
    assert parse(formatted).data == parse(text).data
    assert canonical(formatted) == formatted
