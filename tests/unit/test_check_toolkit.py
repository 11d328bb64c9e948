"""The one form a check module is written in: cases declared without wrappers, known mistakes named by one
helper, a learner's exception judged through `out.error`, and the grader (not the check) noticing that an
exercise's own code is still a stub."""
import sys
import textwrap
import types

import numpy as np
import pytest

from grader.checks import (CheckFailed, case, declared_cases, expect_close, expect_equal, expect_sequence, short_error,
                           shorten, show, which_error, which_mistake)
from grader.engine import probe
from grader.engine.runner import JobResult, declared_cases as declared_in_source
from grader.scoring.checker import LearnerError, Outputs


def message(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as err:
        fn(*args, **kwargs)
    return str(err.value)


def run(learner, size, scale=1):
    return [learner * scale] * size


def check_module(tmp_path, source: str) -> types.ModuleType:
    path = tmp_path / "check_demo.py"
    path.write_text(textwrap.dedent(source))
    module = types.ModuleType("check_demo")
    module.__file__ = str(path)
    exec(compile(path.read_text(), str(path), "exec"), module.__dict__)
    return module


def test_cases_in_both_forms_are_declared_in_order_and_run_with_their_arguments(tmp_path):
    module = check_module(tmp_path, """
        from grader.checks import case

        def run(learner, size, scale=1):
            return [learner * scale] * size

        @case
        def first(learner):
            return learner

        small = case(run, 2)
        large = case(run, 3, scale=10)
        alias = first
        """)
    found = declared_cases(module)
    assert [name for name, _ in found] == ["first", "small", "large"]
    assert [fn(2) for _, fn in found] == [2, [2, 2], [20, 20, 20]]
    assert declared_in_source(str(tmp_path / "check_demo.py")) == {"first", "small", "large"}


def test_case_without_arguments_is_the_decorator():
    def plain(learner):
        return learner
    assert case(plain) is plain and plain._grader_case
    assert case(run, 1)(5) == [5]


def test_which_mistake_names_the_first_match_and_skips_missing_variants():
    mistakes = {"no scale": np.ones((2, 2)), "missing": None, "twice": np.full((2, 2), 2.0)}
    assert which_mistake(np.full((2, 2), 2.0 + 1e-7), mistakes) == "twice"
    assert which_mistake(np.zeros((2, 2)), mistakes) is None
    assert which_mistake(np.ones((3, 2)), mistakes) is None          # another shape never matches
    assert which_mistake([1, 2, 3], {"off by one": [0, 1, 2], "same": [1, 2, 3]}) == "same"
    assert which_mistake(0.5, {"halved": 0.5}) == "halved" and which_mistake(True, {"a number": 1.0}) is None


def test_expectations_name_a_known_mistake_before_the_numbers():
    expected, wrong = np.zeros((2, 3)), np.ones((2, 3))
    text = message(expect_close, wrong, expected, "attention",
                   mistakes={"the mask is applied after the softmax": wrong})
    assert text.startswith("the mask is applied after the softmax") and "max |difference| = 1" in text
    plain = message(expect_close, wrong * 3, expected, "attention", mistakes={"after the softmax": wrong})
    assert "after the softmax" not in plain and "max |difference| = 3" in plain
    expect_close(expected, expected, "same", mistakes={"zeros": expected})  # a match that is right passes
    assert "first position" in message(expect_sequence, [1, 2], [2, 3], "tokens", mistakes={"first position": [1, 2]})
    assert "sum, not mean" in message(expect_equal, 6, 2, "loss", mistakes={"sum, not mean": 6})
    masked = np.array([[np.nan, np.nan], [0.5, 0.5]])   # a row masked entirely: NaN where the mistake gives NaN
    assert message(expect_close, masked, np.full((2, 2), 0.5), "weights", mistakes={"hides itself": masked}).startswith(
        "hides itself\nweights contains NaN")


def job_with(cases: dict) -> JobResult:
    job = JobResult(exercise=None, target=None)
    job.cases = cases
    return job


def test_out_error_gives_the_learners_exception_and_fails_with_advice_for_known_types():
    out = Outputs(job_with({
        "empty": {"ok": False, "error": {"type": "ZeroDivisionError", "message": "division by zero", "kind": "error"}},
        "stub": {"ok": False, "error": {"type": "NotImplementedError", "message": "TODO", "kind": "not_implemented"}},
        "fine": {"ok": True, "value": 1.0}}))
    assert out.error("fine") is None and out.error("missing") is None
    assert out.error("empty")["type"] == "ZeroDivisionError"
    with pytest.raises(CheckFailed, match="return float\\('nan'\\)"):
        out.error("empty", {"ZeroDivisionError": "an empty loader divided by zero: return float('nan')"})
    assert out.error("stub", {"NotImplementedError": "never said"})["kind"] == "not_implemented"  # a stub stays one
    with pytest.raises(LearnerError):
        out["empty"]


def test_advice_for_an_error_names_its_type_and_words_of_its_message():
    advice = {"KeyError: :'": "glued to a colon", "KeyError": "not in the vocabulary", "Exception: MASTER_PORT": "port"}
    assert which_error("KeyError", "'asked:'", advice) == "glued to a colon"
    assert which_error("KeyError", "'walrus'", advice) == "not in the vocabulary"
    assert which_error("ValueError", "environment variable MASTER_PORT expected", advice) == "port"
    assert which_error("ValueError", "something else", advice) is None and which_error("KeyError", "x", None) is None
    assert which_error("SystemExit", "MASTER_PORT", advice) is None   # as `except Exception` lets it by
    out = Outputs(job_with({"encode": {"ok": False, "error": {"type": "KeyError", "message": "'asked:'",
                                                               "kind": "error"}}}))
    with pytest.raises(CheckFailed, match="glued to a colon"):
        out.error("encode", advice)
    assert out.error("encode", {"KeyError: ;'": "a semicolon"})["type"] == "KeyError"   # words not there: no advice


STUBBED = '''
import torch


def helper():
    return 1


def calc_loss(model):
    """Docstring."""
    # TODO: return the mean loss.
    raise NotImplementedError("TODO: return the mean loss.")


class Model:
    def __init__(self):
        super().__init__()
        # TODO: build the layers.
        raise NotImplementedError("TODO: build the layers.")

    def forward(self, x):
        if x is None:
            raise NotImplementedError("batches only")  # inside an if: written code, not a stub
        return x
'''


def test_own_stubs_are_top_level_raises_in_the_exercises_own_definitions(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text(STUBBED)
    assert probe.own_stubs(path, ["calc_loss"]) == [12]
    assert probe.own_stubs(path, ["Model"]) == [19]
    assert probe.own_stubs(path, ["helper"]) == []
    path.write_text("def calc_loss(:\n")
    assert probe.own_stubs(path, ["calc_loss"]) == []


def test_a_failure_elsewhere_is_reported_at_the_exercises_own_todo_while_it_is_a_stub(tmp_path):
    tree = tmp_path / "exercises"
    (tree / "ch04").mkdir(parents=True)
    (tree / "ch05").mkdir()
    (tree / "ch04" / "gpt.py").write_text("def GPTModel(cfg):\n    # TODO: the model.\n"
                                          "    raise NotImplementedError('TODO: the model.')\n")
    (tree / "ch05" / "train.py").write_text(STUBBED.replace("import torch\n", "from ..ch04.gpt import GPTModel\n"))
    checks = check_module(tmp_path, """
        from grader.checks import case

        @case
        def loss(learner):
            return learner.calc_loss(learner.module("ch04/gpt.py").GPTModel({}))
        """)
    sent = []
    try:
        probe.run_exercise(tree, "ch05/train.py", checks, sent.append, defines=["calc_loss"])
    finally:
        for name in [m for m in sys.modules if m == "exercises" or m.startswith("exercises.")]:
            del sys.modules[name]
    error = sent[-1]["error"]
    assert error["kind"] == "not_implemented" and error["where"]["file"] == "exercises/ch05/train.py"
    assert error["where"]["line"] == 11 and error["todo"] == "return the mean loss."


def test_shortened_feedback_never_cuts_a_location():
    path = "exercises/ch05/" + "nested/" * 30 + "decoding.py:42"
    text = shorten(f"failed in {path} while decoding the next token of the batch", 20)
    assert path in text and text.endswith(" ...")
    assert path in show(["x" * 10, path], 40)  # a repr is cut at a word too, never inside the path
    error = {"type": "RuntimeError", "message": "The size of tensor a (50) must match " * 10 + "\x1b[1mbold\x1b[0m",
             "where": {"file": "exercises/ch05/decoding.py", "line": 32}}
    short = short_error(error, 60)
    assert short.startswith("RuntimeError: The size of tensor a (50)")
    assert short.endswith(" ..., in exercises/ch05/decoding.py:32")
    assert "\x1b" not in short_error({**error, "message": "\x1b[1mWeights only load failed\x1b[0m"})
def test_another_stub_of_the_same_file_is_reported_at_the_exercises_own_todo(tmp_path):
    tree = tmp_path / "exercises"
    (tree / "ch05").mkdir(parents=True)
    (tree / "ch05" / "train.py").write_text(STUBBED)
    checks = check_module(tmp_path, """
        from grader.checks import case

        @case
        def loss(learner):
            return learner.calc_loss(learner.Model())
        """)
    sent = []
    try:
        probe.run_exercise(tree, "ch05/train.py", checks, sent.append, defines=["calc_loss"])
    finally:
        for name in [m for m in sys.modules if m == "exercises" or m.startswith("exercises.")]:
            del sys.modules[name]
    error = sent[-1]["error"]
    assert error["kind"] == "not_implemented" and error["where"]["line"] == 11   # calc_loss's TODO, not Model's
    assert error["todo"] == "return the mean loss."
