"""`grade release OUT`: the learner's copy has no solution text and no hidden check, passes its own quick
tests (-m "not worker"), grades its stubs zero, and says "N more checks run at grading" where checks are hidden."""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pathlib import Path

from grader.core import manifest, markers
from grader.authoring import release
from grader.cli import Exit, main

pytestmark = pytest.mark.needs_solutions

HIDDEN = '''

@hidden
@case
def large_scores(learner):
    import torch
    return learner.softmax_naive(torch.tensor([10.0, 20.0, 30.0]))


@hidden
def test_large_scores(out, snap):
    expect_close(out["large_scores"], snap["large_scores"], "softmax_naive of large scores", atol=1e-5, rtol=1e-4)
'''


@pytest.fixture(scope="module")
def instructor_course(course, tmp_path_factory):
    """A copy of the course with one hidden check (and the case only it reads) in ch03.softmax_naive."""
    from grader.authoring.sync import sync
    root = tmp_path_factory.mktemp("course")
    for name in (*release.INCLUDE, "solutions", "exercises", "notebooks"):
        source = course.root / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=release.IGNORE)
        else:
            shutil.copy2(source, root / name)
    check = root / "tests" / "checks" / "ch03" / "check_softmax_naive.py"
    check.write_text(check.read_text().replace("from grader.checks import case, expect_close, fail",
                                               "from grader.checks import case, expect_close, fail, hidden") + HIDDEN)
    copy = manifest.load(root)
    sync(copy, [copy.exercise("ch03.softmax_naive")])
    return copy


@pytest.fixture(scope="module")
def out(instructor_course, tmp_path_factory):
    target = tmp_path_factory.mktemp("release") / "course"
    made = release.build(instructor_course, target)
    assert made.hidden == {"ch03.softmax_naive": 1}
    return target


def own_tests(out):
    """The release's own test code (its test modules, conftest and helpers), not the checks or the stubs."""
    tests = out / "tests"
    return [p for p in tests.rglob("*.py") if p.relative_to(tests).parts[0] not in ("checks", "stubs")]


def in_release(out, *args, **kw):
    """Run python in the course folder `out` with that folder's own grader and data code."""
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_ROOT", "COLUMNS")}
    env.update(PYTHONPATH=f"{out}{os.pathsep}{out / 'datasets'}", COLUMNS="80")
    return subprocess.run([sys.executable, *args], cwd=out, env=env, capture_output=True, text=True, timeout=600, **kw)


def test_no_solutions_catalogue_or_hidden_check_in_the_release(course, out):
    assert not (out / "solutions").exists() and not (out / "tests" / "catalogue").exists()
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == \
        sorted(f"{c.id}.ipynb" for c in course.chapters if c.exercises)
    handed_out = markers.stub_files(course.solutions)[Path("ch04/gpt.py")]
    for stub in ("exercises", "tests/stubs"):
        assert (out / stub / "ch04" / "gpt.py").read_text() == handed_out
    check = (out / "tests" / "checks" / "ch03" / "check_softmax_naive.py").read_text()
    assert "large_scores" not in check and "HIDDEN_CHECKS = 1" in check
    snapshot = json.loads((out / "tests" / "snapshots" / "ch03" / "softmax_naive.json").read_text())
    assert set(snapshot["cases"]) == {"book", "other"}
    kept = own_tests(out)
    assert {p.parent.name for p in kept if p.name.startswith("test_")} == {"unit", "course", "integration"}
    kept_tests = " ".join(p.read_text() for p in kept)
    assert "needs_solutions" not in kept_tests and "import support" not in kept_tests
    readme = (out / "README.md").read_text()
    assert readme.count("```bash\npython3.11 -m venv .venv") == 1 and "course only" not in readme
    assert "--solutions" not in readme and "tests/catalogue" not in readme


def test_the_release_holds_no_line_of_a_solution(instructor_course, out, tmp_path):
    assert release.scan(instructor_course, out)[0] == []
    leaky = tmp_path / "leaky"
    shutil.copytree(out, leaky)
    solved = (instructor_course.solutions / "ch03" / "causal_attention.py").read_text()
    (leaky / "exercises" / "ch03" / "causal_attention.py").write_text(solved)
    readme = leaky / "README.md"
    leaked = "\n    attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)\n"
    readme.write_text(readme.read_text() + leaked)
    problems = release.scan(instructor_course, leaky)[0]
    assert any(p.startswith("exercises/ch03/causal_attention.py: ") for p in problems)
    assert any(p.startswith("README.md: attn_weights = torch.softmax(attn_scores / keys.shape[-1]") for p in problems)


def test_no_three_consecutive_lines_of_a_solution_in_what_a_learner_reads(instructor_course, out):
    """course.toml (its hints: the last tier, which may show code, is left out by default), the README, the stubs
    and the notebooks hold no run of three consecutive non-blank lines of any marked solution region."""
    runs = set()
    for path in instructor_course.solutions.rglob("*.py"):
        for region in markers.regions(path.read_text(encoding="utf-8")):
            code = ["".join(line.split()) for line in region["code"] if line.strip()]
            runs |= {"".join(code[i:i + 3]) for i in range(len(code) - 2)}
    assert len(runs) > 100
    read = [out / "course.toml", out / "README.md", *(out / "exercises").rglob("*.py"),
            *(out / "notebooks").glob("*.ipynb")]
    for path in read:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
        squeezed = "".join(text.split())
        held = [run for run in runs if run in squeezed]
        assert not held, f"{path.relative_to(out)} holds solution lines: {held[:2]}"
    kept = manifest.load(out)
    assert kept.hints_withheld and all(
        ex.hints == instructor_course.exercise(ex.id).hints[:-1] for ex in kept.exercises)


def test_a_self_study_release_keeps_the_code_hints(instructor_course, tmp_path):
    made = release.build(instructor_course, tmp_path / "self-study", code_hints=True)
    kept = manifest.load(made.out)
    assert made.withheld_hints == 0 and not kept.hints_withheld
    assert [ex.hints for ex in kept.exercises] == [ex.hints for ex in instructor_course.exercises]


def test_a_release_cannot_overwrite_or_hold_solution_text(instructor_course, out):
    result = CliRunner().invoke(main, ["release", str(out)], env={"COURSE_ROOT": str(instructor_course.root)})
    assert result.exit_code == Exit.USAGE and "is not an empty folder" in result.output


def test_the_release_grades_its_stubs_zero_with_its_own_grader(out):
    done = in_release(out, "-m", "grader.cli", "ch02")
    assert done.returncode == Exit.POINTS_LOST, done.stdout + done.stderr
    assert re.search(r"^Total 0 / \d+", done.stdout, re.M) and "not implemented yet — exercises/ch02/" in done.stdout


def test_the_release_passes_its_own_quick_tests(out):
    done = in_release(out, "-m", "pytest", "-q", "-m", "not worker", "-p", "no:cacheprovider")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"\d+ passed", done.stdout)


def test_worker_tests_kept_in_the_release_do_not_read_solutions(out):
    """The release's worker tests (all of tests/integration/, and those marked worker) run in its own CI, not here:
    none may read solutions/ or the catalogue."""
    worker_tests = [p for p in own_tests(out) if p.name.startswith("test_")
                    and (p.parent.name == "integration" or "mark.worker" in p.read_text())]
    assert worker_tests, "no worker test kept in the release: this test checks nothing"
    for path in worker_tests:
        found = re.findall(r"(?<![-\w])solutions\b|catalogue\.|\bsupport\.", path.read_text())
        assert not found, f"{path.relative_to(out)} uses {found}: mark those tests @pytest.mark.needs_solutions"


def test_hidden_checks_run_in_full_grading_and_are_counted_in_the_release(instructor_course, out, tmp_path):
    # in a process of its own: pytest keeps a check module imported under its name (ch03.check_softmax_naive),
    # so a second course with the same check path would see the first one's in this process
    full_json = tmp_path / "full.json"
    done = in_release(instructor_course.root, "-m", "grader.cli", "ch03.softmax_naive", "--solutions", "--json",
                      str(full_json))
    assert done.returncode == Exit.FULL_MARKS, done.stdout + done.stderr
    full = json.loads(full_json.read_text())["exercises"][0]
    assert [c["name"] for c in full["checks"]] == ["test_sums_to_one", "test_book_values", "test_large_scores"]
    assert full["status"] == "passed" and full["feedback"] == ""
    solved = tmp_path / "solved"
    shutil.copytree(instructor_course.solutions, solved)
    results = tmp_path / "results.json"
    done = in_release(out, "-m", "grader.cli", "ch03", "--target", str(solved), "--json", str(results))
    assert done.returncode == Exit.FULL_MARKS, done.stdout + done.stderr
    shown = " ".join(done.stdout.split())
    assert "softmax_naive §3.3.1 1 / 1 passed (public) all public checks pass; 1 more check run at grading" in shown
    assert "10/10 exercises pass their public checks; 1 more check run at grading" in shown
    doc = {e["id"]: e for e in json.loads(results.read_text())["exercises"]}
    softmax = doc["ch03.softmax_naive"]
    assert softmax["score"] == softmax["max_score"] == 1 and softmax["status"] == "passed"
    last = softmax["checks"][-1]
    assert (last["name"], last["status"], last["max_points"]) == ("hidden check 1", "skipped", 0)
    assert sum(c["max_points"] for c in softmax["checks"]) == 1
