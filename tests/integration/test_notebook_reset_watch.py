"""`grade reset` and `grade watch` on a notebook: the cell as handed out (the notebook backed up first), and
a save of the notebook re-graded by the warm worker with feedback pointing at its cells."""
import json
import shutil

import pytest
from click.testing import CliRunner

from grader.cli import Exit, main
from grader.cli.watch import NotebookWatcher
from grader.core import state


def cell_of(path, tag):
    return next(c for c in json.loads(path.read_text())["cells"] if tag in c["metadata"].get("tags", []))


def test_reset_puts_one_cell_back_and_keeps_the_notebook(course, tmp_path, monkeypatch):
    monkeypatch.setattr(state, "folder", lambda root: tmp_path / ".grade")
    mine = tmp_path / "mine.ipynb"
    shutil.copy(course.root / "notebooks" / "ch02.ipynb", mine)
    doc = json.loads(mine.read_text())
    for cell in doc["cells"]:
        tags = cell["metadata"].get("tags", [])
        if "ch02.split_text" in tags or "ch02.build_vocab" in tags:
            cell["source"] = f"# my own work on {tags[0]}\n"
    mine.write_text(json.dumps(doc))
    done = CliRunner().invoke(main, ["reset", "split_text", "--target", str(mine)], terminal_width=200)
    assert done.exit_code == 0, done.output
    handed_out = course.root / "notebooks" / "ch02.ipynb"
    assert "".join(cell_of(mine, "ch02.split_text")["source"]) == \
        "".join(cell_of(handed_out, "ch02.split_text")["source"])
    assert "".join(cell_of(mine, "ch02.build_vocab")["source"]) == "# my own work on ch02.build_vocab\n"
    (backup,) = (tmp_path / ".grade" / "backups" / "notebooks").iterdir()
    assert "# my own work on ch02.split_text" in backup.read_text()
    assert str(backup.name) in " ".join(done.output.split())
    other = CliRunner().invoke(main, ["reset", "ch03.softmax_naive", "--target", str(mine)])
    assert other.exit_code == Exit.USAGE and "is the notebook of ch02, not of ch03" in other.output


@pytest.mark.needs_solutions
def test_a_save_of_the_notebook_is_regraded_with_cells_in_the_feedback(course, tmp_path):
    mine = tmp_path / "mine-ch02.ipynb"
    shutil.copy(course.root / "notebooks" / "ch02.ipynb", mine)
    watcher = NotebookWatcher(course, mine, list(course.chapter("ch02").exercises))
    try:
        first = watcher.start()
        assert {e.status for e in first.run.exercises} == {"not_implemented"}
        doc = json.loads(mine.read_text())
        solved = cell_of(course.root / "solutions" / "notebooks" / "ch02.ipynb", "ch02.split_text")["source"]
        next(c for c in doc["cells"] if "ch02.split_text" in c["metadata"].get("tags", []))["source"] = solved
        mine.write_text(json.dumps(doc))
        assert watcher.on_changes([tmp_path / "unrelated.py"]) is None
        update = watcher.on_changes([mine])
    finally:
        watcher.close()
    by_id = {e.id: e for e in update.run.exercises}
    assert by_id["ch02.split_text"].status == "passed"
    assert "mine-ch02.ipynb, cell" in by_id["ch02.build_vocab"].feedback
