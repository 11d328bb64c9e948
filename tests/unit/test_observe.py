"""The observer's check for replaced library functions: what changed is found whether the module's namespace is
compared binding by binding or, where it did not change at all, skipped by its dict's version tag."""
import os
import sys

import numpy
import pytest

from grader.engine import observe


def lines(fd: int) -> list[str]:
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 65536).decode().splitlines()
    except BlockingIOError:
        return []


@pytest.fixture
def watched():
    read, write = os.pipe()
    observer = observe.Observer(write, "/nonexistent-tree", [], observe.Libraries())
    yield observer, read
    os.close(read)
    os.close(write)


def test_version_tags_work_on_this_interpreter():
    if sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11):
        assert observe._versions_work()
    versions = observe.Libraries().versions
    assert not versions or "numpy" in versions


def test_an_untouched_namespace_reports_nothing(watched):
    observer, read = watched
    observer.check_patches()
    assert lines(read) == []


def test_a_replaced_function_is_reported(watched):
    observer, read = watched
    original = numpy.array_equal
    numpy.array_equal = lambda *a, **k: True
    try:
        observer.check_patches()
    finally:
        numpy.array_equal = original
    assert any(line.startswith("patch\tnumpy.array_equal") for line in lines(read))


def test_a_namespace_changed_and_changed_back_is_compared_in_full(watched):
    observer, read = watched
    numpy.extra_name_from_the_test = 1   # the tag moves; no binding of the snapshot changed
    try:
        observer.check_patches()
    finally:
        del numpy.extra_name_from_the_test
    assert lines(read) == [] and "numpy" not in observer.versions
