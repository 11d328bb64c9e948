"""`grade doctor`: all well here; a missing tokenizer cache or exercise file is named with its fix, which works."""
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from grader.cli import Exit, main


def doctor(env):
    return CliRunner(env={"COLUMNS": "200", **env}).invoke(main, ["doctor"], terminal_width=200)


def test_all_well_exits_zero_with_one_line_per_finding():
    result = doctor({})
    assert result.exit_code == Exit.FULL_MARKS, result.output
    for words in ("Python 3.", "torch 2.", "GPT-2 tokenizer works offline", "exercises in exercises/", "All set"):
        assert words in result.output, result.output


def test_an_empty_tokenizer_cache_is_a_problem_with_the_command_that_fixes_it(tmp_path):
    env = {"LLM_COURSE_CACHE": str(tmp_path / "cache"), "TIKTOKEN_CACHE_DIR": ""}
    result = doctor(env)
    assert result.exit_code == Exit.POINTS_LOST
    assert "GPT-2's tokenizer files are not in the course cache" in result.output
    assert "fix: python -m course_data tokenizer" in result.output
    subprocess.run([sys.executable, "-m", "course_data", "tokenizer"], env={**env, "PATH": ""}, check=True,
                   capture_output=True)
    assert doctor(env).exit_code == Exit.FULL_MARKS


@pytest.mark.needs_solutions
def test_a_missing_exercise_file_names_grade_reset(course, tmp_path, monkeypatch):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(course.root / "course.toml", root)
    for folder in ("exercises", "solutions"):
        shutil.copytree(course.root / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "exercises" / "ch03" / "causal_attention.py").unlink()
    monkeypatch.setenv("COURSE_ROOT", str(root))
    result = doctor({"COURSE_ROOT": str(root)})
    assert result.exit_code == Exit.POINTS_LOST
    assert "exercises/ch03/causal_attention.py is missing" in result.output
    assert "fix: grade reset ch03.causal_attention --whole-file" in result.output
    assert CliRunner().invoke(main, ["reset", "ch03.causal_attention", "--whole-file"]).exit_code == 0
    assert doctor({"COURSE_ROOT": str(root)}).exit_code == Exit.FULL_MARKS
