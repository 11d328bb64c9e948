"""A learner's working copy of the course: solving exercises never breaks the README's test command, and no
command overwrites what they wrote without a backup and a line saying where it went."""
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from grader.authoring import sync
from grader.core import markers
from grader.notebooks import generate

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.needs_solutions
NESTED = "GRADE_TESTS_IN_A_LEARNERS_COPY"
# The tests that read exercises/ or notebooks/ as they stand in a working copy, or grade "the stubs" (the rest
# grades solutions/, catalogue variants built from solutions/, or trees of its own, whatever a learner solved).
UNIT = ["test_check_toolkit", "test_classreport", "test_cli", "test_doctor", "test_grading", "test_handout_flags",
        "test_manifest", "test_notebooks", "test_outputs", "test_report", "test_result_cache", "test_sources",
        "test_submissions", "test_watch_plan"]
READS_THE_WORKING_COPY = [*(f"tests/unit/{name}.py" for name in UNIT), "tests/course/test_course.py",
                          "tests/course/test_ch04_config_stub.py", "tests/course/test_demos_ch05.py",
                          "tests/integration/test_watch.py",
                          "tests/integration/test_cli_grading.py", "tests/integration/test_notebook_grading.py",
                          "tests/integration/test_learner_copy.py"]


def git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture
def clone(course, tmp_path):
    """A git clone of this checkout, with this checkout's uncommitted state of the course laid over it (so the
    clone's HEAD holds what was last committed, and its files what a learner would have)."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    copy = tmp_path / "course"
    git("clone", "-q", "--no-hardlinks", str(ROOT), str(copy), cwd=tmp_path)
    for part in ("grader", "tests", "solutions", "course.toml", "datasets"):
        source = ROOT / part
        if source.is_dir():
            shutil.rmtree(copy / part, ignore_errors=True)
            shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__", ".grade"))
        else:
            shutil.copy2(source, copy / part)
    handed_out = replace(course, root=copy)  # exercises/ and notebooks/ as handed out, whatever ROOT's hold
    for rel, text in markers.stub_files(handed_out.solutions).items():
        (handed_out.stubs / rel).write_text(text, encoding="utf-8")
    for path, text in generate.expected(handed_out).items():
        path.write_text(text, encoding="utf-8")
    git("add", "-A", cwd=copy)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "as handed out", cwd=copy)
    return handed_out


def solve(course, chapter: str, file: str) -> str:
    """Write the solved module (the reference without its markers) over the learner's stub; returns it."""
    solved = markers.solved((course.solutions / chapter / file).read_text(encoding="utf-8"))
    (course.stubs / chapter / file).write_text(solved, encoding="utf-8")
    return solved


def test_sync_keeps_what_a_learner_wrote_and_says_where(clone):
    solved = solve(clone, "ch02", "tokenizers.py")
    written, kept = sync.write_stubs(clone, {"ch02"})
    stub = clone.stubs / "ch02" / "tokenizers.py"
    assert written == [stub] and [path for path, _ in kept] == [stub]
    assert kept[0][1].read_text(encoding="utf-8") == solved
    assert kept[0][1].is_relative_to(clone.root / ".grade" / "backups")
    assert stub.read_text(encoding="utf-8") == markers.stub_files(clone.solutions)[Path("ch02/tokenizers.py")]
    assert sync.write_stubs(clone, {"ch02"}) == ([], [])  # nothing left to replace, nothing backed up


def test_sync_keeps_a_learners_notebook(clone):
    notebook = clone.root / "notebooks" / "ch02.ipynb"
    mine = notebook.read_text(encoding="utf-8").replace("raise NotImplementedError", "return []  # mine", 1)
    notebook.write_text(mine, encoding="utf-8")
    written, kept = generate.write(clone, {"ch02"})
    assert notebook in written and kept[0][0] == notebook and kept[0][1].read_text(encoding="utf-8") == mine


def test_the_consistency_gate_ignores_a_learners_work_but_not_a_stale_stub(clone):
    solve(clone, "ch02", "tokenizers.py")
    assert sync.stub_problems(clone) == []
    solution = clone.solutions / "ch02" / "tokenizers.py"
    solution.write_text(solution.read_text(encoding="utf-8").replace("(section 2.2)", "(section 2.2 of the book)", 1))
    problems = [p.what for p in sync.stub_problems(clone)]
    assert "exercises/ch02/tokenizers.py is out of date with solutions/ch02/tokenizers.py" in problems



@pytest.mark.skipif(bool(os.environ.get(NESTED)), reason="this test runs the suite; it does not run inside itself")
def test_the_readme_test_command_passes_in_a_learners_copy(clone):
    for chapter, file in (("ch02", "tokenizers.py"), ("ch02", "dataloader.py"), ("ch03", "attention_basics.py")):
        solve(clone, chapter, file)
    notebook = clone.root / "notebooks" / "ch03.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("raise NotImplementedError", "pass", 1))
    env = {**os.environ, NESTED: "1"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *READS_THE_WORKING_COPY],
                          cwd=clone.root, env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
