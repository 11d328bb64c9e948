"""The report as a learner reads it: 80 and 120 columns, piped output, and a real terminal (tmux)."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.authoring import catalogue
from grader.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.needs_solutions]  # runs the grading worker; deselect with -m "not slow"

ROOT = Path(__file__).resolve().parent.parent
BUG = "ch03.causal_attention:bug:mask applied after the softmax"


@pytest.fixture(scope="module")
def buggy_tree(course, tmp_path_factory):
    """solutions/ with one catalogued bug in ch03 (so one exercise has long feedback)."""
    entry = next(e for e in catalogue.load(course, ["ch03"]) if e.key == BUG)
    return catalogue.materialise(entry, course.solutions, tmp_path_factory.mktemp("bug") / "tree")


@pytest.fixture(scope="module")
def runs(course, buggy_tree):
    """The stubs of ch03 and ch04 and the buggy ch03, graded once (one worker)."""
    from grader.scoring.grading import grade_jobs
    ch03, ch04 = course.chapter("ch03").exercises, course.chapter("ch04").exercises
    stubs3, stubs4, bug = grade_jobs(course, [(course.stubs, list(ch03)), (course.stubs, list(ch04)),
                                              (buggy_tree, list(ch03))])
    return {"ch03": stubs3, "ch04": stubs4, "bug": bug}


def render(run, width, verbose=False):
    import io

    from rich.console import Console

    from grader.scoring.report import render_run
    console = Console(file=io.StringIO(), width=width, highlight=False)
    render_run(run, console, verbose)
    return console.file.getvalue()


def grade_output(args, width):
    result = CliRunner(env={"COLUMNS": str(width)}).invoke(main, args, terminal_width=width)
    assert result.exit_code in (0, 1), result.output
    return result.output


def feedback_blocks(output):
    """The indented feedback lines under each exercise line of the narrow layout."""
    blocks, current = [], None
    for line in output.splitlines():
        if line.startswith("    "):
            if current is None:
                current = []
                blocks.append(current)
            current.append(line.strip())
        else:
            current = None
    return blocks


@pytest.mark.parametrize("width", [60, 80, 99, 100, 120, 200])
def test_no_line_is_wider_than_the_terminal(width, runs):
    for name, run in runs.items():
        for verbose in (False, True):
            too_wide = [line for line in render(run, width, verbose).splitlines() if len(line) > width]
            assert not too_wide, f"{name} (verbose {verbose}) at {width} columns:\n" + "\n".join(too_wide)


def test_at_80_columns_feedback_gets_its_own_full_width_rows(buggy_tree, tmp_path):
    doc = tmp_path / "out.json"
    output = grade_output(["ch03", "--target", str(buggy_tree), "--json", str(doc)], 80)
    feedback = next(e["feedback"] for e in json.loads(doc.read_text())["exercises"] if e["id"] == "ch03.causal_attention")
    block = max(feedback_blocks(output), key=len)
    assert " ".join(block) == " ".join(feedback.split()), output
    # only the last line of each paragraph may be short; the others use the width (30+ characters)
    short = [line for line in block if len(line) < 30]
    assert len(block) >= 4 and len(short) <= feedback.count("\n") + 1, block
    assert "fill the masked scores with -inf before the softmax" in " ".join(block)


def test_at_80_columns_not_implemented_is_one_unbroken_phrase(runs):
    output = render(runs["ch04"], 80)
    assert output.count("not implemented yet — exercises/ch04/") >= 10, output


def test_wide_terminals_get_the_table(runs):
    output = render(runs["bug"], 120)
    header = next(line for line in output.splitlines() if "Feedback" in line)
    assert "Exercise" in header and "Points" in header and "Status" in header
    widest_feedback = max(len(cell.strip()) for line in output.splitlines() if line.startswith("│")
                          for cell in [line.split("│")[-2]])
    assert widest_feedback >= 40, output


def test_piped_output_without_columns_fits_80():
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    out = subprocess.run([sys.executable, "-m", "grader.cli", "ch04"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120).stdout
    assert "Total 0 / " in out and max(len(line) for line in out.splitlines()) <= 80, out


@pytest.mark.must_run_in_ci
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt install tmux)")
def test_in_a_real_80_column_terminal(buggy_tree, tmp_path):
    grade = Path(sys.executable).with_name("grade")
    session = f"grade-test-{os.getpid()}"
    sock = ["tmux", "-S", str(tmp_path / "tmux.sock")]
    done = tmp_path / "done"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    command = f"cd {ROOT} && {grade} ch03 --target {buggy_tree}; touch {done}; sleep 60"
    subprocess.run([*sock, "new-session", "-d", "-s", session, "-x", "80", "-y", "200", command], env=env, check=True)
    try:
        deadline = time.monotonic() + 90
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        screen = subprocess.run([*sock, "capture-pane", "-p", "-J", "-S", "-200", "-t", session],
                                capture_output=True, text=True, check=True).stdout
    finally:
        subprocess.run([*sock, "kill-server"], capture_output=True)
    lines = [line.rstrip() for line in screen.splitlines()]
    assert any(re.match(r"Total \d", line) for line in lines), screen
    assert max(len(line) for line in lines) <= 80, screen
    assert "causal_attention" in screen and "before the softmax" in screen
