"""How long `grade CHAPTER` takes, stubs and reference solutions, as a ratio to `python -c "import torch"`,
measured in one run.

    python benchmarks/bench_grade.py ch02 ch03 ch04 --repeat 9

Runs are interleaved (import torch, then each chapter's stubs and solutions, repeated) so all see the
same machine load; the report gives the median and the minimum of each, and the ratio of medians
(and of minimums, the steadier figure on a busy machine). The issue's budget: a ratio of 1.5 for
ch02–ch04, 3 for the later chapters.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", default=["ch02"])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--solutions", action="store_true", help="only the reference solutions")
    parser.add_argument("--stubs", action="store_true", help="only the stubs")
    parser.add_argument("--notebooks", action="store_true",
                        help="grade the chapter notebooks (notebooks/, solutions/notebooks/) instead of the folders")
    args = parser.parse_args()
    grade = shutil.which("grade") or str(Path(sys.executable).with_name("grade"))
    stubs = ["--target", "notebooks/{chapter}.ipynb"] if args.notebooks else []
    solved = ["--target", "solutions/notebooks/{chapter}.ipynb"] if args.notebooks else ["--solutions"]
    trees = [stubs] * (not args.solutions) + [solved] * (not args.stubs)
    def label(chapter, extra):
        return " ".join(["grade", chapter, *extra]).format(chapter=chapter)

    runs = {"import torch": []}
    runs.update({label(c, extra): [] for c in args.chapters for extra in trees})
    wall([sys.executable, "-c", "import torch"])  # warm the page cache once
    for _ in range(args.repeat):
        runs["import torch"].append(wall([sys.executable, "-c", "import torch"]))
        for chapter in args.chapters:
            for extra in trees:
                runs[label(chapter, extra)].append(wall([grade, chapter, *(e.format(chapter=chapter) for e in extra)]))
    base, base_min = statistics.median(runs["import torch"]), min(runs["import torch"])
    width = max(map(len, runs)) + 2
    print(f"{'command':<{width}}{'median s':>10}{'min s':>8}{'ratio':>8}{'ratio of min':>14}")
    for name, times in runs.items():
        print(f"{name:<{width}}{statistics.median(times):>10.2f}{min(times):>8.2f}"
              f"{statistics.median(times) / base:>8.2f}{min(times) / base_min:>14.2f}")
    print(f"({args.repeat} runs each, interleaved)")


if __name__ == "__main__":
    main()
