"""The trusted side of the worker, without one: which folders it mounts read-only."""
from pathlib import Path

from grader.engine.runner import _outermost


def test_outermost_keeps_only_folders_not_inside_another():
    paths = [Path("/a/b"), Path("/a"), Path("/c/d"), Path("/a/b/c"), Path("/c/d")]
    assert _outermost(paths) == [Path("/a"), Path("/c/d")]
