"""`grade watch` as a learner sees it: a real 80 x 40 terminal (tmux), watching the whole course, a save."""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.core import markers

pytestmark = pytest.mark.needs_solutions  # (worker: every test in tests/integration/)


def screen(sock, session) -> list[str]:
    out = subprocess.run([*sock, "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout
    return [line.rstrip() for line in out.splitlines()]


def wait_for(sock, session, words: str, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lines = screen(sock, session)
        if any(words in line for line in lines):
            return lines
        time.sleep(0.3)
    raise AssertionError(f"{words!r} never appeared; the screen:\n" + "\n".join(screen(sock, session)))


@pytest.mark.must_run_in_ci
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt install tmux)")
def test_a_save_under_watch_with_no_arguments_shows_its_chapter_at_80_by_40(handed_out, course, tmp_path):
    root = tmp_path / "course"  # a copy: handed_out is shared with other tests
    shutil.copytree(handed_out.root, root, ignore=shutil.ignore_patterns("__pycache__", ".grade"))
    grade = Path(sys.executable).with_name("grade")
    session, sock = f"watch-{os.getpid()}", ["tmux", "-S", str(tmp_path / "tmux.sock")]
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    subprocess.run([*sock, "new-session", "-d", "-s", session, "-x", "80", "-y", "40",
                    f"cd {root} && {grade} watch"], env=env, check=True)
    try:
        wait_for(sock, session, "save to re-grade", 240)
        solved = markers.solved((course.solutions / "ch02" / "tokenizers.py").read_text(encoding="utf-8"))
        # watch arms its file events just after drawing the first screen: a save in that instant can go
        # unseen, so the save is repeated (as a learner would) until the screen shows it
        for attempt in range(12):
            (root / "exercises" / "ch02" / "tokenizers.py").write_text(solved + "\n" * attempt, encoding="utf-8")
            try:
                lines = wait_for(sock, session, "saved ch02/tokenizers.py", 10)
                break
            except AssertionError:
                if attempt == 11:
                    raise
        lines = wait_for(sock, session, "save to re-grade", 30)
    finally:
        subprocess.run([*sock, "kill-server"], capture_output=True)
    text = "\n".join(lines)
    assert len(lines) <= 40 and max(len(line) for line in lines) <= 80, text
    assert "ch02 · Working with text data" in text, text
    split = next(line for line in lines if "split_text" in line)
    assert "1 / 1" in split and "passed" in split, text
    assert any(line.startswith("elsewhere: ch03") for line in lines), text
    assert not any(line.lstrip("✓· ").startswith(("run_ddp", "finetune_model")) for line in lines), text
