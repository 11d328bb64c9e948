"""The report as a learner reads it, rendered from golden results of real runs (tests/unit/golden/, written by
tests/unit/write_golden.py): 80 and 120 columns; a real terminal is tests/integration/test_report_terminal.py."""
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from grader.scoring.report import render_run
from grader.scoring.results import RunResult

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(scope="module")
def runs():
    """The stubs of ch03 and ch04, and ch03 with the catalogued bug "mask applied after the softmax"."""
    files = {"ch03": "ch03_stubs", "ch04": "ch04_stubs", "bug": "ch03_mask_after_softmax"}
    return {name: RunResult.from_dict(json.loads((GOLDEN / f"{file}.json").read_text(encoding="utf-8")))
            for name, file in files.items()}


def render(run, width, verbose=False):
    console = Console(file=io.StringIO(), width=width, highlight=False)
    render_run(run, console, verbose)
    return console.file.getvalue()


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


def test_at_80_columns_feedback_gets_its_own_full_width_rows(runs):
    run = runs["bug"]
    output = render(run, 80)
    feedback = next(e.feedback for e in run.exercises if e.id == "ch03.causal_attention")
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
