"""The course's CI gate, as `grade check` runs it: every solution full marks, every stub zero
and "not implemented", stubs and snapshots in sync with the solutions."""
from grader import course as course_ops


def test_course_is_consistent(course):
    problems = course_ops.check(course, list(course.exercises))
    assert not problems, "\n".join(f"{p.what}\n    fix: {p.fix}" for p in problems)


def test_stub_drift_is_detected(course, tmp_path, monkeypatch):
    import shutil
    from dataclasses import replace
    shutil.copytree(course.root / "solutions", tmp_path / "solutions")
    shutil.copytree(course.root / "exercises", tmp_path / "exercises")
    shutil.copytree(course.root / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    stub = tmp_path / "exercises" / "ch02" / "tokenizers.py"
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    copy = replace(course, root=tmp_path)
    problems = course_ops.stub_problems(copy)
    assert any("exercises/ch02/tokenizers.py is out of date" in p.what for p in problems)
    assert all(p.fix for p in problems)
