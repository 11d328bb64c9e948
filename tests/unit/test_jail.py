"""Bulk grading's jail, without starting one: what it binds into the jail's filesystem."""
import tempfile
from pathlib import Path

from grader.containment import jail


def test_a_course_kept_under_tmp_is_still_bound_into_the_jail():
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:  # the jail's /tmp is its own tmpfs
        root = Path(folder) / "course"
        for part in ("tests/checks", "datasets", "solutions", "tests/snapshots"):
            (root / part).mkdir(parents=True)
        binds = jail.binds_for(root)
        assert str(root / "tests" / "checks") in binds and str(root / "datasets") in binds
        hidden = {str(root), str(root / "solutions"), str(root / "tests" / "snapshots"), str(root / "tests")}
        assert not hidden & set(binds)
        assert not {"/tmp", "/proc", "/dev", jail.HOME} & set(binds)
