"""Inside the notebook's kernel: the full feedback is there (verbose), readable as plain text in any viewer,
and what goes wrong in the helpers is one line, not a traceback."""
import shutil


# Starts Jupyter kernels and grading workers (marked worker, as every test in tests/integration/).



def execute(path, cells: list[str]):
    """Run the notebook at `path` with its setup cell and then `cells`, headless; the executed cells."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code" and "use_course" in c.source)
    nb.cells = [setup, *(nbformat.v4.new_code_cell(source) for source in cells)]
    NotebookClient(nb, timeout=240, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb.cells[1:]


def test_feedback_in_full_and_as_plain_text(course, tmp_path):
    shutil.copy(course.root / "notebooks" / "ch02.ipynb", tmp_path / "ch02.ipynb")
    brief, full = execute(tmp_path / "ch02.ipynb", ['grade_notebook("split_text")',
                                                    'grade_notebook("split_text", verbose=True)'])
    for cell in (brief, full):
        (output,) = [o for o in cell.outputs if o.output_type == "display_data"]
        assert "text/html" in output.data and "Total 0 / 1" in output.data["text/plain"], cell.outputs
        assert "<IPython.core.display.HTML object>" not in output.data["text/plain"]
    assert "not implemented yet — ch02.ipynb, cell" in brief.outputs[0].data["text/plain"]
    assert "✗ test_sample_tokens" in full.outputs[0].data["text/plain"]
    assert "test_sample_tokens" not in brief.outputs[0].data["text/plain"]


def test_helper_errors_are_one_line(course, tmp_path):
    for name in ("mine.ipynb", "theirs.ipynb"):
        shutil.copy(course.root / "notebooks" / "ch02.ipynb", tmp_path / name)
    graded, hinted = execute(tmp_path / "mine.ipynb", ["grade_notebook()", 'hint("no_such_exercise")'])
    for cell, words in ((graded, "2 notebooks in"), (hinted, "no exercise 'no_such_exercise'")):
        (error,) = [o for o in cell.outputs if o.output_type == "error"]
        assert len(error.traceback) == 1 and words in error.traceback[0], error.traceback
    assert 'grade_notebook(path="mine.ipynb")' in graded.outputs[0].traceback[0]
