"""Copies of what the course hands out or keeps: the reference solution nearly verbatim (a leaked answer key)
and the stubs with trivial edits are flagged; an honest answer in other words is not. The terminal summary
counts every kind of flag."""
from pathlib import Path

import pytest

from grader.classroom import flags
from grader.classroom.bulk import handed_out
from grader.core import markers


def files_of(tree: Path, chapter: str) -> dict[str, bytes]:
    return {f"{chapter}/{p.name}": p.read_bytes()
            for p in sorted((tree / chapter).glob("*.py")) if p.name != "__init__.py"}


@pytest.mark.needs_solutions
def test_the_reference_and_the_stubs_are_flagged_and_an_own_answer_is_not(course):
    exercises = list(course.chapter("ch02").exercises)
    reference, stubs = handed_out(course, exercises)
    solution = files_of(course.solutions, "ch02")
    assert any("reference solution" in f for f in flags.handout_flags(solution, reference, stubs))
    tagged = {rel: data + b"\n# student042 solution\n" for rel, data in solution.items()}
    assert any("reference solution" in f for f in flags.handout_flags(tagged, reference, stubs))
    stub = {rel: text.encode() for rel, text in
            ((rel.as_posix(), text) for rel, text in markers.stub_files(course.solutions).items()) if rel in solution}
    assert flags.handout_flags(stub, reference, stubs) == ["copy: the stubs as handed out, unchanged"]
    touched = {rel: data.replace(b"# TODO", b"#   TODO") + b"\n# mine\n" for rel, data in stub.items()}
    assert flags.handout_flags(touched, reference, stubs) == [
        f"copy: the stubs as handed out, {len(touched)} file(s) changed in comments or layout only"]
    assert not any("reference" in f for f in flags.handout_flags(_rewritten(solution), reference, stubs))


def _rewritten(files: dict[str, bytes]) -> dict[str, bytes]:
    """The solution with every other line renamed (an honest answer shares the book's structure, not its text)."""
    out = {}
    for rel, data in files.items():
        lines = data.decode().splitlines()
        out[rel] = "\n".join(line.replace("text", "txt").replace("ids", "numbers").replace("token", "tok")
                             if i % 2 else line for i, line in enumerate(lines)).encode()
    return out


def test_the_summary_counts_every_kind_of_flag():
    assert flags.summary([[], []]) == "none flagged"
    text = flags.summary([["copy: 95% like bo's submission"], ["copy: 95% like ann's submission"],
                          ["did: ch02.split_text imported ctypes", "run: ch02.split_text ran past its time limit"], []])
    assert text == "3 flagged (2 as copies, 1 for what their code did, 1 for how a run ended)"
