"""Bulk grading's reporters escape whatever a submission controls: junit.xml stays XML whatever the messages
hold, a gradebook cell never starts like a formula, feedback.md shows names and messages as text; and the
worker's environment is the allow-list's, whatever the grader's own holds."""
import csv
import io
import re
import xml.etree.ElementTree as ET

from grader.classroom import outputs
from grader.containment import environment
from grader.engine.protocol import clean_error, clean_text, unclean

NASTY = "\x1b[2J\x00\x07\x0b\ufffe\udcff<b>&\"' ]]> tail"


def result(student: str, feedback: str, notes=()) -> dict:
    check = {"name": "test_x", "passed": False, "points": 0, "max_points": 1, "status": "failed",
             "feedback": feedback, "duration_s": 0.0}
    return {"student": student, "score": 0, "max_score": 1, "submission": {"status": "ok", "notes": list(notes)},
            "exercises": [{"id": "ch02.split_text", "title": "Split", "book": "2.2", "score": 0, "max_score": 1,
                           "status": "failed", "feedback": feedback, "checks": [check]}]}


def test_junit_stays_xml_whatever_the_messages_hold():
    root = ET.fromstring(outputs.junit([result("bob", NASTY)]).encode())
    failure = root.find("testsuite/testcase/failure")
    assert "tail" in failure.text and "<b>&" in failure.text and "\x1b" not in failure.text


def test_gradebook_cells_never_start_like_a_formula():
    rows = [result(name, "x") for name in ("=1+1", "+cmd", "-2", "@SUM_1_", "\tx", "bob")]
    cells = [row[0] for row in csv.reader(io.StringIO(outputs.gradebook(rows, ["ch02.split_text"], {})))][1:]
    assert sorted(cells) == sorted(["'+cmd", "'-2", "'=1+1", "'@SUM_1_", "'\tx", "bob"])


def test_feedback_shows_names_and_messages_as_text():
    notes = ["<img src=x onerror=alert(1)>/../ch02/bpe.py: an absolute or '..' path, ignored",
             "[click](javascript:alert(1)): a symlink, ignored"]
    text = outputs.markdown(result("<b>eve</b>", "```\n</code><script>alert(1)</script>\n~~~\n" + NASTY, notes))
    lines, body = text.split("```text\n", 1)   # markup stays text: escaped in lines, fenced in the block
    assert not re.search(r"(?<!\\)(<img|<b>|<script)|(?<!\\)\]\(javascript", lines), lines
    assert body.count("```") == 1 and "~~~" not in body  # the block ends where it should, and only there
    text.encode("utf-8")  # a lone surrogate would make writing the file fail


def test_learner_text_is_cleaned_at_the_trust_boundary():
    error = clean_error({"type": "X", "message": NASTY, "where": {"code": "\x1b[31m", "line": "7"}})
    assert error["message"].endswith(" tail") and error["message"].isprintable()
    assert error["where"]["line"] == 0 and unclean(NASTY) and not unclean("tabs\tand\nlines")
    assert clean_text("a\udcffb", 10) == "a?b"


def test_the_workers_environment_is_the_allow_list():
    source = {"PATH": "/usr/bin", "HOME": "/home/i", "LANG": "C.UTF-8", "LC_ALL": "C", "INSTRUCTOR_TOKEN": "x",
              "AWS_SECRET_ACCESS_KEY": "y", "PYTHONPATH": "/evil", "LD_PRELOAD": "/evil.so", "SSH_AUTH_SOCK": "/s"}
    env = environment.for_learner(source, {"TIKTOKEN_CACHE_DIR": "/c"})
    assert {"PATH", "HOME", "LANG", "LC_ALL", "TIKTOKEN_CACHE_DIR", "OMP_NUM_THREADS"} <= set(env)
    assert not {"INSTRUCTOR_TOKEN", "AWS_SECRET_ACCESS_KEY", "PYTHONPATH", "LD_PRELOAD", "SSH_AUTH_SOCK"} & set(env)
