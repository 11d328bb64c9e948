"""`grade classroom ch03`: GitHub Classroom's autograding workflow for a template repository of the course.

One job, `run-autograding-tests`, in a workflow named `Autograding Tests` (the names GitHub Classroom's
reporter looks for): check out, install the course with Python 3.11 and the CPU build of torch pinned by
constraints.txt, then one step per exercise with `classroom-resources/autograding-command-grader@v1`,
whose command is `grade <exercise id>` (exit 0 at full marks, so the step earns the exercise's points),
and `classroom-resources/autograding-grading-reporter@v1` adding the steps up. Written as YAML by hand:
every string is a JSON string, which YAML reads as the same string.
"""
from __future__ import annotations

import json
import re

from ..core.manifest import Exercise

WORKFLOW = ".github/workflows/classroom.yml"
COMMAND_GRADER = "classroom-resources/autograding-command-grader@v1"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
TIMEOUT_MIN = 10   # per step, in minutes (the action's default); `grade` limits each exercise itself


def step_id(ex: Exercise) -> str:
    """A step id the reporter can read back as an environment variable: ch03.softmax_naive -> ch03-softmax-naive."""
    return re.sub(r"[^a-z0-9]+", "-", ex.id.lower()).strip("-")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def workflow(exercises: list[Exercise], chapters: str) -> str:
    """The workflow's text: one graded step per exercise, worth its points."""
    ids = [step_id(ex) for ex in exercises]
    clash = sorted({i for i in ids if ids.count(i) > 1})
    if clash:
        raise ValueError(f"exercises with the same step id: {', '.join(clash)}")
    lines = [
        f"# Written by `grade classroom {chapters}`: GitHub Classroom's autograding, one step per exercise,",
        "# each worth the exercise's points when `grade <exercise>` exits 0 (full marks). Write it again with that",
        "# command after changing the exercises; the workflow and job names are the ones GitHub Classroom reads.",
        "name: Autograding Tests",
        "\"on\": [push, repository_dispatch, workflow_dispatch]",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    if: github.actor != 'github-classroom[bot]'",
        "    steps:",
        "      - name: Checkout code",
        "        uses: actions/checkout@v4",
        "      - name: Set up Python 3.11",
        "        uses: actions/setup-python@v5",
        "        with:",
        "          python-version: \"3.11\"",
        "      - name: Install the course (CPU build of torch, pinned by constraints.txt)",
        f"        run: python -m pip install --extra-index-url {TORCH_INDEX} -c constraints.txt -e .",
    ]
    for ex, sid in zip(exercises, ids, strict=True):
        lines += [
            f"      - name: {_q(f'{ex.id} (§{ex.book})' if ex.book else ex.id)}",
            f"        id: {sid}",
            f"        uses: {COMMAND_GRADER}",
            "        with:",
            f"          test-name: {_q(f'{ex.id}: {ex.title}')}",
            f"          command: {_q(f'grade {ex.id}')}",
            f"          timeout: {TIMEOUT_MIN}",
            f"          max-score: {ex.points:g}",
        ]
    lines += [
        "      - name: Autograding Reporter",
        f"        uses: {REPORTER}",
        "        env:",
        *(f"          {sid.upper()}_RESULTS: {_q('${{steps.' + sid + '.outputs.result}}')}" for sid in ids),
        "        with:",
        f"          runners: {','.join(ids)}",
    ]
    return "\n".join(lines) + "\n"
