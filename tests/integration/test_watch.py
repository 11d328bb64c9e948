"""`grade watch`: a warm worker that survives the learner's code and is started again when it dies, saves seen
through file events, Ctrl-C (which exercises a save re-grades: tests/unit/test_watch_plan.py)."""
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.cli.watch import Watcher, watch_loop

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tree(handed_out, tmp_path):
    shutil.copytree(handed_out.stubs, tmp_path / "exercises", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "exercises"


@pytest.mark.needs_solutions
def test_the_warm_worker_survives_loops_exits_and_crashes(course, tree):
    tokenizers = tree / "ch02" / "tokenizers.py"
    solved = (course.solutions / "ch02" / "tokenizers.py").read_text()
    watcher = Watcher(course, tree, list(course.chapter("ch02").exercises), limits={"timeout_s": 2})
    try:
        first = watcher.start()
        assert first.run.score == 0 and len(first.graded) == 10
        worker_pid = watcher.worker.proc.pid
        tokenizers.write_text(solved)
        update = watcher.on_changes([tokenizers])
        assert set(update.graded) == {"ch02.split_text", "ch02.build_vocab", "ch02.simple_tokenizer_v1",
                                      "ch02.simple_tokenizer_v2"}
        assert update.run.score == 6 and update.seconds < 5
        for broken, status in (("    while True:\n        pass\n", "timeout"),
                               ("    import os\n    os._exit(3)\n", "error"),
                               ("    import ctypes\n    ctypes.string_at(0)\n", "error")):
            tokenizers.write_text(solved.replace("    pieces = re.split(SPLIT_PATTERN, text)\n", broken))
            update = watcher.on_changes([tokenizers])
            statuses = {e.id: e.status for e in update.run.exercises}
            assert statuses["ch02.split_text"] == status, update.run.exercises[0].feedback
            assert statuses["ch02.build_vocab"] == "passed"
        tokenizers.write_text(solved)
        assert watcher.on_changes([tokenizers]).run.score == 6
        assert watcher.worker.proc.pid == worker_pid  # the same warm worker all along
    finally:
        watcher.close()


def test_a_dead_worker_is_started_again(course, tree):
    watcher = Watcher(course, tree, [course.exercise("ch02.split_text")])
    try:
        watcher.start()
        watcher.worker.proc.kill()
        watcher.worker.proc.wait()
        time.sleep(0.2)
        update = watcher.on_changes([tree / "ch02" / "tokenizers.py"])
        assert update.run.exercises[0].status == "not_implemented"
    finally:
        watcher.close()


@pytest.mark.needs_solutions
def test_saves_are_seen_through_file_events(course, tree):
    from rich.console import Console
    import io
    watcher = Watcher(course, tree, [course.exercise("ch02.split_text")])
    updates, stop = [], threading.Event()
    thread = threading.Thread(target=watch_loop, args=(watcher, Console(file=io.StringIO()), False, stop,
                                                       updates.append), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not updates and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the watcher is now listening
        (tree / "ch02" / "tokenizers.py").write_text((course.solutions / "ch02" / "tokenizers.py").read_text())
        while len(updates) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(updates) >= 2 and updates[-1].changed == ["ch02/tokenizers.py"]
        assert updates[-1].run.exercises[0].status == "passed"
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def _read_until(proc, wanted: str, seconds: float) -> str:
    """What proc printed until `wanted` appeared, it exited or `seconds` passed: never blocks past the deadline."""
    output, deadline = b"", time.monotonic() + seconds
    fd = proc.stdout.fileno()
    while wanted.encode() not in output and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        output += chunk
    return output.decode(errors="replace")


def test_ctrl_c_stops_cleanly(tree):
    proc = subprocess.Popen([sys.executable, "-m", "grader.cli", "watch", "ch02.split_text", "--target", str(tree)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        output = _read_until(proc, "Ctrl-C stops", seconds=60)
        assert "Ctrl-C stops" in output, output
        os.killpg(proc.pid, signal.SIGINT)
        rest, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, rest
    assert "Stopped watching." in rest and "Traceback" not in rest
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the worker goes with grade: nothing is left in its process group
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
