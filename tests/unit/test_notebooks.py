"""Chapter notebooks: generated from the one source and checked for drift; graded from their tagged cells
whatever a learner does to the notebook (reordering, outputs, magics, scratch cells, lost or copied
cells); an unreadable notebook is one clear sentence (grading them: tests/integration/test_notebook_grading.py)."""
import json
import shutil
from dataclasses import replace

import pytest
from click.testing import CliRunner

from grader.cli import Exit, main
from grader.notebooks import extract, generate, layout, reader
from grader.notebooks.layout import NotebookError
from notebook_mess import cells_of, learner_mess, write_nb


def test_committed_notebooks_are_what_the_source_generates(course):
    assert generate.drift(course) == []


@pytest.mark.needs_solutions
def test_a_hand_edited_notebook_fails_grade_check(course, tmp_path):
    from grader.authoring.sync import stub_problems
    for name in ("solutions", "exercises", "notebooks"):
        shutil.copytree(course.root / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(course.root / "tests" / "checks", tmp_path / "tests" / "checks")
    copy = replace(course, root=tmp_path)
    learner = tmp_path / "notebooks" / "ch03.ipynb"
    learner.write_text(learner.read_text().replace("TODO", "TO DO", 1))
    (tmp_path / "solutions" / "notebooks" / "ch02.ipynb").unlink()
    problems = [p.what for p in stub_problems(copy)]
    assert "notebooks/ch03.ipynb is out of date with the stubs" in problems
    assert "solutions/notebooks/ch02.ipynb is out of date with solutions/" in problems
    generate.write(copy)
    assert generate.drift(copy) == []


@pytest.mark.needs_solutions
def test_tagged_cells_make_the_modules_back_byte_for_byte(course, tmp_path):
    for folder, files in ((course.root / "notebooks", layout.pristine_files(course)),
                          (course.root / layout.REFERENCE_DIR, layout.solved_files(course))):
        ext = extract.notebook_to_tree(folder, course, tmp_path / folder.parent.name)
        assert not ext.notes and not ext.blocked and not ext.missing
        assert set(ext.notebooks) == {c.id for c in course.chapters if c.exercises}
        for rel in ext.origins:
            assert (ext.tree / rel).read_text().rstrip() == files[rel].rstrip(), rel


def test_every_exercise_has_one_tagged_cell_and_each_module_one(course):
    for chapter in (c for c in course.chapters if c.exercises):
        tags = [t for c in cells_of(course.root / "notebooks" / f"{chapter.id}.ipynb")
                for t in c["metadata"].get("tags", [])]
        wanted = [ex.id for ex in chapter.exercises] + list(dict.fromkeys(f"{chapter.id}/{ex.file}"
                                                                          for ex in chapter.exercises))
        assert sorted(tags) == sorted(wanted)


def test_imports_of_chapters_map_to_the_package_and_back():
    module = "from ..ch03.multihead_attention import MultiHeadAttention\nfrom .gpt import GELU\nfrom . import data\n"
    shown = layout.to_notebook(module, "ch04")
    assert shown == ("from exercises.ch03.multihead_attention import MultiHeadAttention\n"
                     "from exercises.ch04.gpt import GELU\nfrom exercises.ch04 import data\n")
    assert layout.from_notebook(shown, "ch04") == module


@pytest.mark.needs_solutions
def test_what_learners_do_to_notebooks_is_noted_per_exercise(course, tmp_path):
    path, cells = learner_mess(course, tmp_path)
    ext = extract.notebook_to_tree(path, course, tmp_path / "out")
    notes = {k: " ".join(v) for k, v in ext.notes.items()}
    assert "skipped line 1 `%matplotlib inline`, line 2 `!pip install tiktoken`" in notes["ch03.softmax_naive"]
    assert "(not tagged) defines softmax_naive; grading uses cell" in notes["ch03.softmax_naive"]
    assert "skipped line 1 `%%time`" in notes["ch03.simple_attention"]
    dropped = notes["ch03.causal_attention"]
    assert "left out of grading" in dropped and "`ca = CausalAttention(3, 2, 6, 0.0)`" in dropped
    assert "`print(ca(inputs))`" in dropped and "EPS" not in dropped and "HEADS" not in dropped
    assert "has no cell tagged ch03.self_attention_v1" in ext.missing["ch03.self_attention_v1"]
    markdown = ext.missing["ch03.two_dimensional_wrapper"]
    assert "is tagged ch03.two_dimensional_wrapper but is a markdown cell" in markdown
    first, last = sorted(i for i, c in enumerate(cells, 1) if "ch03.multihead_wrapper" in c["metadata"].get("tags", []))
    assert ext.blocked == {"ch03.multihead_wrapper": f"cells {first} and {last} of my-ch03.ipynb are both tagged "
                                                      "ch03.multihead_wrapper: keep one (delete the other, or remove "
                                                      "its tag)"}
    module = (ext.tree / "ch03" / "causal_attention.py").read_text()
    assert "EPS = 1e-9" in module and "print(" not in module


def test_a_folder_of_notebooks_is_told_from_a_course_tree(course, tmp_path):
    from grader.cli.app import is_notebook_folder
    assert is_notebook_folder(str(course.root / "notebooks"))
    assert not is_notebook_folder(str(course.root / "exercises"))
    (tmp_path / "ch03").mkdir()
    shutil.copy(course.root / "notebooks" / "ch03.ipynb", tmp_path)
    assert not is_notebook_folder(str(tmp_path))


def test_no_mangled_notebook_crashes_the_extraction(course, tmp_path):
    """Cells and fields of the wrong type, dropped or shuffled, at random (seeded): a tree or a NotebookError."""
    import random
    rng = random.Random(0)
    cells = cells_of(course.root / "notebooks" / "ch03.ipynb")
    junk = [None, 3, "x", [], {}, ["%%bash\n", 4], {"tags": 5}, "\x00", "def f(:", "%time x = 1\n" * 3]
    for n in range(40):
        mangled = json.loads(json.dumps(cells))
        for cell in rng.sample(mangled, 8):
            key = rng.choice(["source", "metadata", "cell_type", "outputs", "id"])
            cell[key] = rng.choice(junk)
        rng.shuffle(mangled)
        mangled = mangled[: rng.randint(0, len(mangled))] + rng.sample(junk, 2)
        path = write_nb(tmp_path / f"m{n}.ipynb", mangled, rng.choice([{}, None, {"course": 3}]))
        try:
            ext = extract.notebook_to_tree(path, course, tmp_path / f"out{n}")
        except NotebookError as exc:
            assert f"m{n}.ipynb" in str(exc)
        else:
            assert (ext.tree / "ch03" / "attention_basics.py").is_file() or "ch03" not in ext.notebooks


@pytest.mark.parametrize("content, words", [
    ('{"cells": [{"cell_type": "code", "source": "x = 1"', "ends in the middle (truncated"),
    ('{"cells": [}', "its JSON is broken at line 1"),
    ("", "ends in the middle"),
    ('["not", "a", "notebook"]', "is JSON but not a Jupyter notebook"),
    (b"\xff\xfe\x00binary", "not UTF-8 text"),
    ('{"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}}]}', "cannot tell which chapter"),
])
def test_an_unreadable_notebook_is_one_clear_sentence(course, tmp_path, content, words):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(NotebookError, match=words.replace("(", r"\(")):
        reader.read(path, course)
    result = CliRunner().invoke(main, ["ch03", "--target", str(path)])
    assert result.exit_code == Exit.USAGE and "broken.ipynb" in result.output and "Traceback" not in result.output


def test_odd_cells_are_read_without_crashing(course, tmp_path):
    path = write_nb(tmp_path / "odd.ipynb", [
        {"cell_type": "code", "source": 42, "metadata": {"tags": "ch03.softmax_naive"}},
        "not a cell", {"cell_type": "mystery"},
        {"cell_type": "code", "source": ["def softmax_naive(x):\n", "    return x\n"],
         "metadata": {"tags": [7, "ch03.softmax_naive"]}},
        {"cell_type": "code", "source": "def broken(:\n", "metadata": {"tags": ["ch03.simple_attention"]}},
        {"cell_type": "code", "source": "\x00", "metadata": {"tags": ["ch03.causal_attention"]}}])
    ext = extract.notebook_to_tree(path, course, tmp_path / "out")
    assert "def softmax_naive(x):" in (ext.tree / "ch03" / "attention_basics.py").read_text()
    assert "def broken(:" in (ext.tree / "ch03" / "attention_basics.py").read_text()


def test_a_notebook_of_another_chapter_is_a_usage_error(course):
    result = CliRunner().invoke(main, ["ch04", "--target", str(course.root / "notebooks" / "ch03.ipynb")])
    assert result.exit_code == Exit.USAGE and "is the notebook of ch03: grade it with `grade ch03" in result.output


def test_magics_are_blanked_in_place_and_python_is_left_alone():
    cell = reader.Cell(1, "code", "%load_ext autoreload\nx = 1\nif x:\n    !ls\nlen?\ny = '%d' % x\n", ())
    lines, skipped = extract.clean(cell)
    assert lines == ["", "x = 1", "if x:", "    pass", "", "y = '%d' % x"]
    assert [n for n, _ in skipped] == [1, 4, 5]
    assert extract.clean(reader.Cell(1, "code", "%%bash\necho hi\n", ()))[0] == []
    fine = reader.Cell(1, "code", 's = """\n%not a magic\n"""\n', ())
    assert extract.clean(fine) == (fine.source.splitlines(), [])


def test_html_report_escapes_learner_text():
    from grader.scoring.report import render_html
    from grader.scoring.results import CheckResult, ExerciseResult, RunResult
    run = RunResult("nb.ipynb", [ExerciseResult("ch03.x", "X", "ch03", "3.5", 2.0, "failed", "got <script>",
                                                [CheckResult("test_a", 1.0, 2.0, "failed", "got <script>")])],
                    notes=["a note"])
    html = render_html(run)
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Total 1 / 2" in html and "Note: a note" in html and "<code>hint(\"ch03.x\")</code>" in html
