"""The manifest loads, validates and derives every path from an entry."""
from pathlib import Path

import pytest

from grader.core import manifest

GOOD = '''
[defaults]
timeout_s = 5

[[chapter]]
id = "ch09"
title = "Test"

[[exercise]]
id = "ch09.thing"
title = "A thing"
file = "thing.py"
book = "9.1"
points = 2
hint = ["Do the thing.", "Like this."]
'''


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "course.toml").write_text(text)
    return tmp_path


def test_loads_and_derives_paths(tmp_path):
    course = manifest.load(write(tmp_path, GOOD))
    ex = course.exercise("thing")
    assert ex.id == "ch09.thing" and ex.timeout_s == 5 and ex.memory_mb == 2048
    assert ex.source(course.solutions) == tmp_path / "solutions" / "ch09" / "thing.py"
    assert ex.check_path(tmp_path) == tmp_path / "tests" / "checks" / "ch09" / "check_thing.py"
    assert ex.snapshot_path(tmp_path) == tmp_path / "tests" / "snapshots" / "ch09" / "thing.json"
    assert course.select(["ch09"]) == [ex] and course.select([]) == [ex]


@pytest.mark.parametrize("change, message", [
    (('hint = ["Do the thing.", "Like this."]', 'hint = ""'), "missing or empty hint"),
    (('hint = ["Do the thing.", "Like this."]', 'hint = "Do the thing."'), "list of two to four"),
    (('hint = ["Do the thing.", "Like this."]', 'hint = ["Do the thing.", " "]'), "list of two to four"),
    (('id = "ch09.thing"', 'id = "thing"'), "id must look like"),
    (('points = 2', 'points = 0'), "points must be positive"),
    (('book = "9.1"', 'book = "9.1"\ncolour = "red"'), "unknown field"),
    (('book = "9.1"', 'book = "9.1"\ndepends = ["ch09.nope"]'), "unknown exercise"),
    (('id = "ch09"', 'id = "ch08"'), "without a [[chapter]]"),
    (('title = "Test"', 'title = "Test'), "course.toml"),
])
def test_malformed_manifests_say_what_to_fix(tmp_path, change, message):
    with pytest.raises(manifest.ManifestError, match=message.replace("[", r"\[").replace("]", r"\]")):
        manifest.load(write(tmp_path, GOOD.replace(*change, 1)))


def test_duplicate_ids_are_refused(tmp_path):
    text = GOOD + GOOD[GOOD.index("[[exercise]]"):]
    with pytest.raises(manifest.ManifestError, match="duplicate id"):
        manifest.load(write(tmp_path, text))


@pytest.mark.needs_solutions
def test_the_course_manifest_is_complete(course):
    for ex in course.exercises:
        assert ex.hints and ex.title and ex.book, ex.id
        assert ex.source(course.solutions).is_file(), ex.id
        assert ex.check_path(course.root).is_file(), ex.id
    assert {c.id for c in course.chapters} >= {"ch02", "ch03", "ch04"}


def test_find_root_walks_up_from_a_subfolder(course, monkeypatch):
    monkeypatch.delenv("COURSE_ROOT", raising=False)
    assert manifest.find_root(course.root / "exercises" / "ch02") == course.root
