"""`grade gradescope OUT.zip`: the bundle, unzipped into an /autograder-shaped folder, graded by its own
run_autograder with this venv's Python (nothing installed): results.json follows Gradescope's documented
fields, a solution gets full marks, the stubs 0, a notebook its cells' score; hidden checks are shown only
once grades are published, and what they found stays out of what students see before."""
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from grader.authoring import release
from grader.authoring.gradescope import TORCH_INDEX
from grader.cli import main
from grader.core import manifest

pytestmark = pytest.mark.needs_solutions

# A hidden check in ch03.softmax_naive and the case only it reads: scores far outside the public cases'.
HIDDEN = '''

@hidden
@case
def large_scores(learner):
    import torch
    return learner.softmax_naive(torch.tensor([10.0, 20.0, 30.0]))


@hidden
def test_large_scores(out, snap):
    expect_close(out["large_scores"], snap["large_scores"], "softmax_naive of the scores [10, 20, 30]",
                 atol=1e-5, rtol=1e-4)
'''
BOOK_LINE = "return torch.exp(x) / torch.exp(x).sum(dim=0)"
CLAMPED = "return torch.exp(x.clamp(-5, 5)) / torch.exp(x.clamp(-5, 5)).sum(dim=0)"   # right on the public cases only

# Gradescope's results.json as its autograder specification documents it (gradescope-autograders.readthedocs.io,
# "Autograder Specifications": Output format), the fields this bundle writes required.
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
TEST_SCHEMA = {
    "type": "object",
    "required": ["name", "score", "max_score", "status", "output", "visibility"],
    "properties": {"name": {"type": "string", "minLength": 1}, "score": {"type": "number", "minimum": 0},
                   "max_score": {"type": "number", "minimum": 0}, "status": {"enum": ["passed", "failed"]},
                   "output": {"type": "string"}, "visibility": VISIBILITY, "number": {"type": "string"},
                   "tags": {"type": "array", "items": {"type": "string"}}, "name_format": FORMAT,
                   "output_format": FORMAT, "extra_data": {"type": "object"}},
    "additionalProperties": False,
}
RESULTS_SCHEMA = {
    "type": "object",
    "required": ["score", "execution_time", "output", "tests", "stdout_visibility"],
    "properties": {"score": {"type": "number", "minimum": 0}, "execution_time": {"type": "number", "minimum": 0},
                   "output": {"type": "string"}, "output_format": FORMAT, "test_output_format": FORMAT,
                   "test_name_format": FORMAT, "visibility": VISIBILITY, "stdout_visibility": VISIBILITY,
                   "extra_data": {"type": "object"}, "tests": {"type": "array", "items": TEST_SCHEMA, "minItems": 1},
                   "leaderboard": {"type": "array"}},
    "additionalProperties": False,
}


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
def bundle(instructor_course, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "ch03-autograder.zip"
    env = {"COURSE_ROOT": str(instructor_course.root), "COLUMNS": "100"}
    done = CliRunner().invoke(main, ["gradescope", str(out), "--chapters", "ch03"], env=env)
    assert done.exit_code == 0, done.output
    assert "10 exercises (19 points), 1 hidden check(s)" in " ".join(done.output.split())
    return out


def autograde(bundle: Path, tmp_path: Path, submit) -> tuple[dict, str]:
    """Unzip the bundle as Gradescope does (/autograder/source), let `submit(folder)` fill the submission
    folder, run run_autograder with this venv's Python; (results.json, stdout)."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    submit(root / "submission")
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_ROOT", "PYTHONPATH", "COLUMNS")}
    env.update(AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(doc, RESULTS_SCHEMA)
    assert doc["score"] == pytest.approx(sum(t["score"] for t in doc["tests"]))
    assert sum(t["max_score"] for t in doc["tests"]) == pytest.approx(19)
    assert all(t["score"] <= t["max_score"] + 1e-9 for t in doc["tests"])
    assert doc["stdout_visibility"] == "hidden"
    return doc, done.stdout


def by_name(doc: dict) -> dict[str, dict]:
    """exercise id -> its visible test (the one for its public checks)."""
    return {t["name"].split(" ")[0].rstrip(":"): t for t in doc["tests"] if t["visibility"] == "visible"}


def test_the_bundle_holds_gradescope_s_scripts_and_the_course_with_its_hidden_checks(instructor_course, bundle,
                                                                                   tmp_path):
    with zipfile.ZipFile(bundle) as archive:
        modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in archive.infolist()}
        archive.extractall(tmp_path)
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755     # at the zip's root, executable
    assert not (tmp_path / "solutions").exists() and not (tmp_path / "tests" / "catalogue").exists()
    assert release.scan(instructor_course, tmp_path)[0] == []         # no line of a solution
    check = (tmp_path / "tests" / "checks" / "ch03" / "check_softmax_naive.py").read_text()
    assert "def test_large_scores" in check and "HIDDEN_CHECKS" not in check
    snapshot = json.loads((tmp_path / "tests" / "snapshots" / "ch03" / "softmax_naive.json").read_text())
    assert set(snapshot["cases"]) == {"book", "other", "large_scores"}
    config = json.loads((tmp_path / "autograder.json").read_text())
    assert config["exercises"] == [ex.id for ex in instructor_course.chapter("ch03").exercises]
    assert config["hidden_checks"] == {"ch03.softmax_naive": ["test_large_scores"]}
    setup = (tmp_path / "setup.sh").read_text()
    assert '-c "$SOURCE/constraints.txt"' in setup and TORCH_INDEX in setup and 'AUTOGRADER_ROOT:-/autograder' in setup
    for script in ("setup.sh", "run_autograder"):
        assert subprocess.run(["bash", "-n", str(tmp_path / script)]).returncode == 0


def test_a_solution_submission_gets_full_marks_with_the_hidden_checks_after_publishing(instructor_course, bundle,
                                                                                        tmp_path):
    def submit(folder):   # the learner's repository as uploaded: exercises/ch03/... under a prefix
        shutil.copytree(instructor_course.solutions / "ch03", folder / "llm-course-main" / "exercises" / "ch03")
    doc, stdout = autograde(bundle, tmp_path, submit)
    assert doc["score"] == 19 and all(t["status"] == "passed" for t in doc["tests"])
    assert len(doc["tests"]) == 11
    hidden = [t for t in doc["tests"] if t["visibility"] == "after_published"]
    assert [(t["name"], t["score"], t["max_score"]) for t in hidden] == [
        ("ch03.softmax_naive: hidden checks", pytest.approx(1 / 3), pytest.approx(1 / 3))]
    visible = by_name(doc)["ch03.softmax_naive"]
    assert visible["visibility"] == "visible" and visible["score"] == pytest.approx(2 / 3)
    assert "test_large_scores" not in visible["output"]
    assert "Your files: ch03/attention_basics.py" in doc["output"]
    assert "Total 19 / 19" in stdout and "containment:" in stdout   # the instructor's log


def test_a_stub_submission_in_a_zip_gets_zero(handed_out, bundle, tmp_path):
    def submit(folder):
        with zipfile.ZipFile(folder / "submission.zip", "w") as archive:
            for path in sorted((handed_out.root / "exercises" / "ch03").glob("*.py")):
                archive.write(path, f"exercises/ch03/{path.name}")
    doc, _ = autograde(bundle, tmp_path, submit)
    assert doc["score"] == 0 and all(t["status"] == "failed" for t in doc["tests"])
    causal = by_name(doc)["ch03.causal_attention"]
    assert causal["output"].startswith("not implemented yet — exercises/ch03/causal_attention.py:")
    assert "TODO: " in causal["output"]


def test_a_notebook_submission_is_graded_by_its_cells_and_hidden_failures_wait_for_publishing(instructor_course,
                                                                                               bundle, tmp_path):
    notebook = json.loads((instructor_course.solutions / "notebooks" / "ch03.ipynb").read_text())
    changed = 0
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if BOOK_LINE in source:
            cell["source"] = source.replace(BOOK_LINE, CLAMPED)
            changed += 1
    assert changed == 1

    def submit(folder):
        (folder / "ch03.ipynb").write_text(json.dumps(notebook))
    doc, _ = autograde(bundle, tmp_path, submit)
    assert doc["score"] == pytest.approx(19 - 1 / 3)
    assert "Your notebooks: ch03.ipynb" in doc["output"]
    visible = by_name(doc)["ch03.softmax_naive"]
    hidden = next(t for t in doc["tests"] if t["visibility"] == "after_published")
    assert visible["status"] == "passed" and visible["score"] == pytest.approx(2 / 3)
    assert hidden["status"] == "failed" and hidden["score"] == 0
    assert "[10, 20, 30]" in hidden["output"]
    assert "[10, 20, 30]" not in visible["output"] and "more failing" not in visible["output"]
    assert all(t["status"] == "passed" for t in doc["tests"] if t is not hidden)


def test_an_empty_submission_scores_zero_and_says_why(bundle, tmp_path):
    doc, _ = autograde(bundle, tmp_path, lambda folder: (folder / "README.txt").write_text("nothing here"))
    assert doc["score"] == 0 and "no file of the graded chapters was found" in doc["output"]
    assert all("not graded: the submission is empty" in t["output"] for t in doc["tests"])
