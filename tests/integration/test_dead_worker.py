"""The trusted side of the worker when the worker dies: its jobs are lost with a message, and the learner's
process goes with it."""
import shutil
import sys
import time
from pathlib import Path

import pytest

from grader.engine.runner import Worker


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
@pytest.mark.needs_solutions
def test_a_dead_worker_loses_its_jobs_with_a_message(course, tmp_path):
    tree = tmp_path / "stuck"
    shutil.copytree(course.solutions, tree, ignore=shutil.ignore_patterns("__pycache__"))
    module = tree / "ch02" / "tokenizers.py"
    pid_file = tmp_path / "pid"
    module.write_text(module.read_text().replace(
        "    pieces = re.split(SPLIT_PATTERN, text)\n",
        f"    import os, time; open({str(pid_file)!r}, 'w').write(os.readlink('/proc/self')); time.sleep(30)\n"))
    worker = Worker([(tree, course.exercise("ch02.split_text"))], course)
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    learner_pid = int(pid_file.read_text())
    worker.proc.kill()
    result = worker.results[0].wait(timeout=30)
    worker.close()
    assert result.status == "lost" and "stopped unexpectedly" in result.detail
    while Path(f"/proc/{learner_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{learner_pid}").exists(), "the learner's process outlived the worker"
