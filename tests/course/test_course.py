"""The course's CI gate, as `grade check` runs it: every solution full marks, every stub zero
and "not implemented", stubs and snapshots in sync with the solutions."""
import pytest

from grader.authoring import sync as course_ops

pytestmark = pytest.mark.needs_solutions


@pytest.mark.worker
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


def _code_lines(regions):
    """The solution's lines, whitespace removed, without comments; trivial ones (under 8 characters) left out."""
    lines = set()
    for region in regions:
        for line in region["code"]:
            code = "".join(line.split("#", 1)[0].split()) if not line.strip().startswith(("'", '"')) else \
                "".join(line.split())
            if len(code) >= 8:
                lines.add(code)
    return lines


def _giveaways(text, lines):
    squeezed = "".join(text.split())
    return sorted(line for line in lines if line in squeezed)


def test_no_todo_or_early_hint_shows_a_line_of_the_solution(course):
    """Teach, don't dictate: the TODO states the contract and only the last hint tier may show code."""
    from grader.core import markers
    problems = []
    for ex in course.exercises:
        regions = markers.regions(ex.source(course.solutions).read_text(encoding="utf-8"))
        lines = _code_lines(regions)
        for region in regions:
            leaked = _giveaways(" ".join(region["todo"]), lines)
            if leaked:
                problems.append(f"{ex.chapter}/{ex.file}:{region['line']}: the TODO shows {leaked}")
        for tier, hint in enumerate(ex.hints[:-1], 1):
            leaked = _giveaways(hint, lines)
            if leaked:
                problems.append(f"{ex.id}: hint tier {tier} shows {leaked}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_giveaway_detection_sees_reformatted_code():
    lines = _code_lines([{"code": ["    var = x.var(dim=-1, keepdim=True, unbiased=False)  # biased", "    x = 1"]}])
    assert _giveaways("use var = x.var(dim=-1,keepdim=True,  unbiased=False) here", lines)
    assert not _giveaways("the biased variance over the last dimension", lines)
