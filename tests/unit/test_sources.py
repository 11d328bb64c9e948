"""Exercises own top-level definitions; `grade reset` puts one exercise's stub back and keeps a backup."""
import shutil

import pytest
from click.testing import CliRunner

from grader.core import markers
from grader.core import sources
from grader.core import state
from grader.cli import main


def test_top_level_finds_definitions_with_their_decorators_and_comments():
    source = "import x\n\n# about f\n@deco\ndef f():\n    pass\n\n\nCONFIG = {\n    'a': 1,\n}\nclass A:\n    y = 1\n"
    assert sources.top_level(source) == {"f": (3, 6), "CONFIG": (9, 11), "A": (12, 13)}


@pytest.mark.needs_solutions
def test_every_marked_region_belongs_to_an_exercise_that_defines_it(course):
    problems = []
    for ex in course.exercises:
        spans = sources.top_level(ex.source(course.solutions).read_text(encoding="utf-8"))
        problems += [f"{ex.id}: defines {name}, which solutions/{ex.chapter}/{ex.file} does not define at top level"
                     for name in ex.defines if name not in spans]
        if not ex.defines:
            problems.append(f"{ex.id}: no `defines` in course.toml")
    for rel in sorted({f"{ex.chapter}/{ex.file}" for ex in course.exercises}):
        problems += [f"solutions/{rel}:{line}: this marked region lies in no exercise's `defines`"
                     for line, owner in sources.owners(course, rel).items() if not owner]
    assert not problems, "\n".join(problems)


@pytest.fixture
def tree(handed_out, tmp_path, monkeypatch):
    monkeypatch.setattr(state, "folder", lambda root: tmp_path / ".grade")
    shutil.copytree(handed_out.stubs, tmp_path / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "exercises"


@pytest.mark.needs_solutions
def test_reset_restores_one_exercise_and_keeps_the_others(course, tree, tmp_path):
    path = tree / "ch02" / "tokenizers.py"
    solved = (course.solutions / "ch02" / "tokenizers.py").read_text()
    path.write_text(solved + "\n\ndef my_helper():\n    return 1\n")
    result = CliRunner().invoke(main, ["reset", "ch02.simple_tokenizer_v2", "--target", str(tree)])
    assert result.exit_code == 0, result.output
    text = path.read_text()
    stub = markers.make_stub(solved)
    for name in ("add_special_tokens", "SimpleTokenizerV2"):
        first, last = sources.top_level(stub)[name]
        assert "".join(stub.splitlines(True)[first - 1:last]) in text
    assert "return [piece.strip() for piece in pieces if piece.strip()]" in text  # split_text kept
    assert "def my_helper" in text
    backups = list((tmp_path / ".grade" / "backups" / "ch02").iterdir())
    assert len(backups) == 1 and backups[0].read_text() == solved + "\n\ndef my_helper():\n    return 1\n"
    assert "kept in" in result.output


def test_reset_adds_a_deleted_definition_and_refuses_a_broken_file(course, handed_out, tree):
    path = tree / "ch03" / "attention_basics.py"
    path.write_text(path.read_text().replace("def softmax_naive", "def renamed"))
    sources.reset(course, course.exercise("ch03.softmax_naive"), tree)
    assert "def softmax_naive(x):" in path.read_text() and "def renamed" in path.read_text()
    path.write_text("def broken(:\n")
    with pytest.raises(sources.SourceError, match="syntax error"):
        sources.reset(course, course.exercise("ch03.softmax_naive"), tree)
    sources.reset(course, course.exercise("ch03.softmax_naive"), tree, whole_file=True)
    assert path.read_text() == (handed_out.stubs / "ch03" / "attention_basics.py").read_text()
