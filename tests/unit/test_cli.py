"""The `grade` command as a learner and a maintainer use it, where nothing is graded: hints, usage errors,
the list, what reaches the terminal (grading through the command: tests/integration/test_cli_grading.py)."""
import pytest
from click.testing import CliRunner

from grader.cli import Exit, main


@pytest.fixture(scope="module")
def runner():
    return CliRunner(env={"COLUMNS": "200"})


def first_line(text):
    return " ".join(text.split("\n\n")[0].split())[:60]


def test_hint_shows_one_more_tier_each_time_it_is_asked(runner, course, tmp_path, monkeypatch):
    from grader.core import state
    monkeypatch.setattr(state, "folder", lambda root: tmp_path)
    ex = course.exercise("ch02.split_text")
    tiers = [first_line(h) for h in ex.hints]
    first = runner.invoke(main, ["hint", "split_text"], terminal_width=200)
    assert first.exit_code == 0, first.output
    assert "exercises/ch02/tokenizers.py" in first.output and f"Hint 1 of {len(tiers)}" in first.output
    assert tiers[0] in " ".join(first.output.split()) and tiers[1] not in " ".join(first.output.split())
    second = runner.invoke(main, ["hint", "ch02.split_text"], terminal_width=200)
    assert tiers[1] in " ".join(second.output.split()) and "Hint 2 of" in second.output
    for _ in tiers:
        last = runner.invoke(main, ["hint", "split_text", "--more"], terminal_width=200)
    assert tiers[-1] in " ".join(last.output.split()) and "again shows hint" not in last.output
    said = " ".join(last.output.split())
    assert "That was the last hint" in said
    assert ("left out of it" if course.hints_withheld else "there are no more") in said
    only = runner.invoke(main, ["hint", "split_text", "--tier", "2"], terminal_width=200)
    assert tiers[1] in " ".join(only.output.split()) and tiers[0] not in " ".join(only.output.split())


@pytest.mark.parametrize("args, words", [
    (["ch99"], "no chapter or exercise 'ch99'; chapters: ch02"),
    (["ch2"], "no chapter or exercise 'ch2'; did you mean ch02?"),
    (["hint", "splittext"], "no exercise 'splittext'; did you mean ch02.split_text"),
    (["hint", "nope"], "no exercise"),
    (["ch02", "--target", "/nonexistent/folder"], "is not a folder"),
    (["ch02", "--solutions", "--target", "."], "either --solutions or --target"),
    (["run"], "Missing argument"),
])
def test_usage_errors_exit_two(runner, args, words):
    result = runner.invoke(main, args, terminal_width=200)
    assert result.exit_code == Exit.USAGE
    assert words in result.output
    if args[0] != "run":  # a learner who typed `grade ch2` never typed `grade run`
        assert "grade run" not in result.output


def test_list_names_every_exercise_and_fits_80_columns(runner, course):
    result = runner.invoke(main, ["list"], terminal_width=80)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80, result.output
    for chapter in course.chapters:
        section = lines[lines.index(next(line for line in lines if line.startswith(f"{chapter.id} "))):]
        for ex in chapter.exercises:
            assert any(line.split()[:1] == [ex.name] and line.endswith(f" {ex.file}") for line in section)


def test_help_fits_80_columns_and_cuts_no_description(runner):
    result = runner.invoke(main, ["--help"], terminal_width=80)
    commands = result.output.split("Commands:")[1].splitlines()
    assert all(len(line) <= 80 and not line.rstrip().endswith(("...", "(e.g.")) for line in commands), result.output


def test_control_characters_from_learner_code_do_not_reach_the_terminal():
    from grader.scoring.report import printable
    assert printable("a\x1b[2Jb\x07c\nd\te") == "a\ufffd[2Jb\ufffdc\nd\te"
