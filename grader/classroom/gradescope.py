"""Gradescope's side of `grade gradescope`: grade ROOT/submission into ROOT/results/results.json.

`run_autograder` (grader/authoring/gradescope.py writes it) calls `grade gradescope-run --root ROOT` in the
bundle's course (ROOT/source). The submission — files laid out as exercises/chNN/... under any prefix,
one zip of them, or notebooks — is read as `grade bulk` reads one (submissions.py); files of the graded
chapters it lacks are graded as handed out (the stub), with a note. Learner code runs in `grade`'s own
worker with the containment this machine allows (its `limits` go to the instructor's stdout). The
results follow Gradescope's autograder specification: per exercise one test for its public checks,
visible at once, and one for its hidden checks, visible once the grades are published.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from ..core import manifest
from ..core.files import atomic_write
from ..core.manifest import Course, Exercise
from ..core.points import fmt
from ..scoring.grading import grade, with_dependencies
from ..scoring.results import ExerciseResult, RunResult
from . import submissions

CONFIG = "autograder.json"          # written by the bundle's builder: exercises, hidden_checks
VISIBLE, AFTER_PUBLISHED = "visible", "after_published"
MORE_FAILING = re.compile(r"\n\(\+\d+ more failing checks?: [^)]*\)")


def run(root: Path) -> tuple[dict, RunResult]:
    """Grade the submission under `root` (Gradescope's /autograder) with the bundle in root/source; write
    root/results/results.json and return (that document, the grader's own results)."""
    start = time.perf_counter()
    root = Path(root)
    course = manifest.load(root / "source")
    config = json.loads((course.root / CONFIG).read_text(encoding="utf-8"))
    exercises = course.select(list(config["exercises"]))
    sub = read_submission(course, root / "submission", exercises)
    graded = grade_submission(course, sub, exercises)
    doc = results(graded.to_dict(), config.get("hidden_checks", {}), summary(sub, exercises),
                  time.perf_counter() - start)
    (root / "results").mkdir(parents=True, exist_ok=True)
    atomic_write(root / "results" / "results.json", json.dumps(doc, indent=1))
    return doc, graded


def read_submission(course: Course, folder: Path, exercises: list[Exercise]) -> submissions.Submission:
    """The submission as `grade bulk` reads one: the folder, or the one zip or notebook it holds."""
    wanted = submissions.wanted_files(with_dependencies(course, exercises))
    folder = Path(folder)
    if not folder.is_dir():
        return submissions.Submission("submission", folder, status="empty", notes=[f"no submission at {folder}"])
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    single = entries[0] if len(entries) == 1 and entries[0].is_file() and not entries[0].is_symlink() else None
    path = single if single and single.suffix.lower() in (".zip", ".ipynb") else folder
    return submissions.read("submission", path, wanted, course)


def grade_submission(course: Course, sub: submissions.Submission, exercises: list[Exercise]) -> RunResult:
    """Grade the submission's files (the stubs standing in for the graded files it lacks) with `grade`'s
    worker; an empty or unreadable submission scores 0 with the reason, ungraded."""
    if sub.status != "ok":
        reason = "; ".join(sub.notes[:2]) or sub.status
        return RunResult(sub.source.name, [ExerciseResult(
            ex.id, ex.title, ex.chapter, ex.book, ex.points, "error",
            f"not graded: the submission is {sub.status} ({reason})") for ex in exercises])
    wanted = submissions.wanted_files(with_dependencies(course, exercises))
    with tempfile.TemporaryDirectory(prefix="grade-gradescope-") as tmp:
        tree = submissions.stage(sub, Path(tmp), course)
        for rel in sorted(wanted - set(sub.files)):
            stub = course.stubs / rel
            if stub.is_file():
                (tree / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(stub, tree / rel)
                package = course.stubs / rel.split("/")[0] / "__init__.py"
                if package.is_file() and not (tree / rel).with_name("__init__.py").exists():
                    shutil.copyfile(package, (tree / rel).with_name("__init__.py"))
                sub.notes.append(f"{rel} is not in your submission: the file as handed out (the stub) was graded")
        run_result = grade(course, tree, exercises)
    run_result.target = "your submission"
    if sub.notebook is not None:
        sub.notebook.apply(run_result)   # feedback told in notebook cells
    return run_result


def summary(sub: submissions.Submission, exercises: list[Exercise]) -> str:
    chapters = ", ".join(dict.fromkeys(ex.chapter for ex in exercises))
    lines = [f"Graded {len(exercises)} exercises of {chapters}."]
    if sub.notebook is not None:
        lines.append("Your notebooks: " + ", ".join(sorted(p.name for p in sub.notebook.notebooks.values())))
    elif sub.files:
        lines.append("Your files: " + ", ".join(sorted(sub.files)))
    lines += [f"Note: {note}" for note in sub.notes]
    return "\n".join(lines)


def results(run_doc: dict, hidden: dict[str, list[str]], output: str, seconds: float) -> dict:
    """Gradescope's results.json for the grader's results (`RunResult.to_dict()`): per exercise a visible
    test of its public checks and, where it has hidden checks, one more shown after publishing."""
    tests = []
    for ex in run_doc["exercises"]:
        secret = set(hidden.get(ex["id"], ()))
        public = [c for c in ex["checks"] if c["name"] not in secret]
        private = [c for c in ex["checks"] if c["name"] in secret]
        name = f"{ex['id']} §{ex['book']}: {ex['title']}" if ex.get("book") else f"{ex['id']}: {ex['title']}"
        if public or not private:
            tests.append(_test(name, public, ex, _public_output(ex, public, private), VISIBLE))
        if private:
            tests.append(_test(f"{ex['id']}: hidden checks", private, None, _listing(private, True),
                               AFTER_PUBLISHED))
    return {"score": run_doc["score"], "execution_time": max(0, round(seconds)), "output": output,
            "output_format": "text", "test_output_format": "text", "visibility": VISIBLE,
            "stdout_visibility": "hidden", "tests": tests,
            "extra_data": {"max_score": run_doc["max_score"], "limits": run_doc.get("limits", [])}}


def _test(name: str, checks: list[dict], ex: dict | None, output: str, visibility: str) -> dict:
    if checks:
        score = round(sum(c["points"] for c in checks), 6)
        max_score = round(sum(c["max_points"] for c in checks), 6)
        passed = all(c["status"] == "passed" for c in checks if c["max_points"])
    else:   # not graded at all (an unreadable submission): the exercise's own score and status
        score, max_score, passed = ex["score"], ex["max_score"], ex["status"] == "passed"
    return {"name": name, "score": score, "max_score": max_score, "status": "passed" if passed else "failed",
            "output": output, "visibility": visibility}


def _public_output(ex: dict, public: list[dict], private: list[dict]) -> str:
    """What `grade` says of the exercise, unless that would tell a hidden check's failure: then what the
    public checks say."""
    head = ex["feedback"]
    failed_hidden = [c for c in private if c["status"] != "passed" and c["max_points"]]
    if failed_hidden:
        head = MORE_FAILING.sub("", head)
        told = {c["feedback"] for c in public}
        if any(c["feedback"] and c["feedback"] not in told and c["feedback"] in head for c in failed_hidden):
            lost = [c for c in public if c["status"] != "passed" and c["max_points"]]
            head = lost[0]["feedback"] if lost else "all public checks pass"
    listing = _listing(public, False)
    return "\n\n".join(part for part in (head.strip(), listing) if part) or ex["status"].replace("_", " ")


def _listing(checks: list[dict], with_feedback: bool) -> str:
    lines = []
    for c in checks:
        mark = "✓" if c["status"] == "passed" else "✗"
        lines.append(f"{mark} {c['name']} ({fmt(c['points'])}/{fmt(c['max_points'])})"
                     + ("" if c["status"] in ("passed", "failed") else f" {c['status'].replace('_', ' ')}"))
        if with_feedback and c["status"] != "passed" and c["feedback"]:
            lines += [f"    {line}" for line in c["feedback"].splitlines()]
    return "\n".join(lines)
