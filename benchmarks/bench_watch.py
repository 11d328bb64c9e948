"""`grade watch` latency: from saving a file to its result, against a cold `grade` of the chapter, in one run.

    python benchmarks/bench_watch.py --repeat 15

Watches ch03.causal_attention (one exercise) in a copy of the stubs, through real file events;
each save alternates the reference solution and a catalogued bug, so every save changes the
result. Reports the median and worst save -> result latency, the median cold `grade ch03`
(interleaved with the saves' rounds) and their ratio. The issue's goal: median <= 0.3 s and
<= 0.25x a cold grade.
"""
from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.authoring import catalogue
from grader.core import manifest
from grader.cli.watch import Watcher, watch_loop

EXERCISE, BUG = "ch03.causal_attention", "mask applied after the softmax"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    course = manifest.load(ROOT)
    ex = course.exercise(EXERCISE)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "exercises"
        shutil.copytree(course.stubs, tree, ignore=shutil.ignore_patterns("__pycache__"))
        bug_tree = catalogue.materialise(next(e for e in catalogue.load(course, ["ch03"]) if e.exercise.id == EXERCISE
                                              and e.name == BUG), course.solutions, Path(tmp) / "bug")
        versions = [(course.solutions / "ch03" / ex.file).read_text(), (bug_tree / "ch03" / ex.file).read_text()]
        for name in ("self_attention.py", "attention_basics.py"):  # what causal attention builds on, solved
            shutil.copy(course.solutions / "ch03" / name, tree / "ch03" / name)
        updates, stop = [], threading.Event()
        from rich.console import Console
        thread = threading.Thread(target=watch_loop, daemon=True,
                                  args=(Watcher(course, tree, [ex]), Console(file=io.StringIO()), False, stop,
                                        lambda u: updates.append((time.perf_counter(), u))))
        thread.start()
        while not updates:
            time.sleep(0.01)
        time.sleep(0.5)
        latencies, cold = [], []
        grade = shutil.which("grade") or str(Path(sys.executable).with_name("grade"))
        for i in range(args.repeat):
            seen = len(updates)
            saved = time.perf_counter()
            (tree / "ch03" / ex.file).write_text(versions[i % 2])
            while len(updates) == seen:
                time.sleep(0.002)
            at, update = updates[-1]
            latencies.append(at - saved)
            expected = "passed" if i % 2 == 0 else "failed"
            assert update.run.exercises[0].status == expected, update.run.exercises[0].feedback
            time.sleep(0.2)
            if i % 3 == 0:
                start = time.perf_counter()
                subprocess.run([grade, "ch03"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                cold.append(time.perf_counter() - start)
        stop.set()
        thread.join(timeout=10)
    median, worst, base = statistics.median(latencies), max(latencies), statistics.median(cold)
    print(f"save -> result ({EXERCISE}, {len(latencies)} saves): median {median:.3f} s, worst {worst:.3f} s")
    print(f"cold `grade ch03` ({len(cold)} runs): median {base:.2f} s; ratio {median / base:.3f}")


if __name__ == "__main__":
    main()
