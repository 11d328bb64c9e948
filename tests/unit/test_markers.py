"""Stub generation from solution markers."""
import pytest

from grader.core.markers import MarkerError, count_regions, make_stub, regions

SOLUTION = '''def f(x):
    """Double x."""
    ### BEGIN SOLUTION: return twice x.
    ### Use multiplication, not addition.
    y = x * 2
    return y
    ### END SOLUTION


class A:
    def g(self):
        ### BEGIN SOLUTION: return one.
        return 1
        ### END SOLUTION
'''


def test_stub_replaces_regions_with_todo_and_raise():
    stub = make_stub(SOLUTION)
    assert "x * 2" not in stub and "return 1" not in stub
    assert '    # TODO: return twice x.\n    #       Use multiplication, not addition.\n' \
           "    raise NotImplementedError('f: not written yet, see the TODO above')\n" in stub
    assert ("        # TODO: return one.\n"
            "        raise NotImplementedError('A: not written yet, see the TODO above')\n") in stub
    assert '"""Double x."""' in stub and "class A:" in stub
    compile(stub, "stub.py", "exec")


def test_stub_raises_not_implemented_when_called():
    namespace = {}
    exec(make_stub(SOLUTION), namespace)
    with pytest.raises(NotImplementedError, match="f: not written yet, see the TODO above"):
        namespace["f"](2)


STUBBED = '''CONFIG = {"a": 1}


def configure():
    ### BEGIN SOLUTION: fill in the values (book section 4.1).
    CONFIG = {
        "a": 1,
    }
    ### STUB
    # CONFIG = {
    #     "a": ...,
    # }
    ### END SOLUTION
    return CONFIG
'''


def test_a_stub_part_replaces_the_raise():
    stub = make_stub(STUBBED)
    assert '    # TODO: fill in the values (book section 4.1).\n    CONFIG = {\n        "a": ...,\n    }\n' in stub
    assert "NotImplementedError" not in stub and '"a": 1,' not in stub
    namespace = {}
    exec(stub, namespace)
    assert namespace["configure"]() == {"a": ...}


def test_regions_separate_todo_code_and_stub():
    (region,) = regions(STUBBED)
    assert region["todo"] == ["fill in the values (book section 4.1)."]
    assert [line.strip() for line in region["code"]] == ["CONFIG = {", '"a": 1,', "}"]
    first, second = regions(SOLUTION)
    assert first["todo"] == ["return twice x.", "Use multiplication, not addition."] and second["line"] == 12


def test_files_without_markers_are_copied():
    assert make_stub("x = 1\n") == "x = 1\n"
    assert count_regions(SOLUTION) == 2


@pytest.mark.parametrize("source, message", [
    ("    ### BEGIN SOLUTION: a\n    x = 1\n", "never closed"),
    ("    ### BEGIN SOLUTION: a\n    ### BEGIN SOLUTION: b\n    x\n    ### END SOLUTION\n", "nested"),
    ("    x = 1\n    ### END SOLUTION\n", "without a BEGIN"),
    ("    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n", "needs a TODO text"),
    ("    ### BEGIN SOLUTION: a\n    ### END SOLUTION\n", "empty"),
    ("    x = 1  ### BEGIN SOLUTION: a\n", "malformed"),
    ("    ### STUB\n", "misplaced"),
    ("    ### BEGIN SOLUTION: a\n    x = 1\n    ### STUB\n    y = 2\n    ### END SOLUTION\n", "as comments"),
    ("    ### BEGIN SOLUTION: a\n    x = 1\n    ### STUB\n\n    ### END SOLUTION\n",
     "STUB part of the region is empty"),
])
def test_bad_markers_fail_with_file_and_line(source, message):
    with pytest.raises(MarkerError, match=message) as err:
        make_stub(source, "sol.py")
    assert str(err.value).startswith("sol.py:")
