"""`grade classroom`: GitHub Classroom's autograding workflow parses as YAML, has one command-grader step per
exercise worth its points and a reporter reading every step, and each step's command passes on the
reference code and fails on the stubs (run as written, with the reference flag or --target the stub tree added)."""
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.classroom import github_classroom
from grader.cli import Exit, main

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ("ch03", "appD")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    repo = tmp_path_factory.mktemp("template-repo")
    done = CliRunner().invoke(main, ["classroom", *CHAPTERS, "--out", str(repo)], env={"COLUMNS": "100"})
    assert done.exit_code == 0, done.output
    path = repo / ".github" / "workflows" / "classroom.yml"
    assert f"Wrote {path}: 14 graded steps, 27 points." in " ".join(done.output.split())
    return path


@pytest.fixture(scope="module")
def workflow(written):
    return yaml.safe_load(written.read_text())


def graded_steps(workflow):
    return [s for s in workflow["jobs"]["run-autograding-tests"]["steps"]
            if s.get("uses") == github_classroom.COMMAND_GRADER]


def test_the_workflow_is_github_classroom_s_shape(workflow):
    assert workflow["name"] == "Autograding Tests"                 # the names GitHub Classroom's reporter reads
    assert set(workflow["on"]) >= {"push", "repository_dispatch"}
    assert list(workflow["jobs"]) == ["run-autograding-tests"]
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert steps[1]["uses"].startswith("actions/setup-python@") and steps[1]["with"]["python-version"] == "3.11"
    install = steps[2]["run"]
    assert "-c constraints.txt" in install and github_classroom.TORCH_INDEX in install and "-e ." in install
    reporter = steps[-1]
    assert reporter["uses"] == github_classroom.REPORTER
    ids = [s["id"] for s in graded_steps(workflow)]
    assert reporter["with"]["runners"] == ",".join(ids)
    assert reporter["env"] == {f"{i.upper()}_RESULTS": f"${{{{steps.{i}.outputs.result}}}}" for i in ids}
    assert len(steps) == 3 + len(ids) + 1


def test_one_step_per_exercise_with_its_points(course, workflow):
    exercises = course.select(list(CHAPTERS))
    steps = graded_steps(workflow)
    assert [s["with"]["command"] for s in steps] == [f"grade {ex.id}" for ex in exercises]
    assert [s["with"]["max-score"] for s in steps] == [ex.points for ex in exercises]
    assert sum(s["with"]["max-score"] for s in steps) == sum(ch.points for ch in map(course.chapter, CHAPTERS))
    assert all(set(s["with"]) == {"test-name", "command", "timeout", "max-score"} for s in steps)
    assert all(s["with"]["test-name"].startswith(ex.id) for s, ex in zip(steps, exercises, strict=True))
    assert len({s["id"] for s in steps}) == len(steps)


@pytest.mark.needs_solutions
def test_each_step_passes_on_the_solutions_and_fails_on_the_stubs(handed_out, workflow):
    grade = str(Path(sys.executable).with_name("grade"))
    runs = []
    for step in graded_steps(workflow):
        command = shlex.split(step["with"]["command"])
        assert command[0] == "grade" and len(command) == 2
        runs += [(step["id"], [grade, *command[1:], "--solutions"], Exit.FULL_MARKS),
                 (step["id"], [grade, *command[1:], "--target", str(handed_out.root / "exercises")], Exit.POINTS_LOST)]

    def run(item):
        sid, argv, expected = item
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
        return sid, argv[-1], done.returncode, expected, done.stdout[-600:] + done.stderr[-600:]
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        wrong = [r for r in pool.map(run, runs) if r[2] != r[3]]
    assert not wrong, wrong
