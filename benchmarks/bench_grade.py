"""How long `grade CHAPTER` takes, as a ratio to `python -c "import torch"`, measured in one run.

    python benchmarks/bench_grade.py ch02 ch03 ch04 --repeat 5

Runs are interleaved (torch, then each chapter, repeated) so both see the same machine load;
the report gives medians and the ratio. The issue's budget is a ratio of 1.5 for ch02–ch04.
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--solutions", action="store_true", help="grade solutions/ instead of the stubs")
    args = parser.parse_args()
    grade = shutil.which("grade") or str(Path(sys.executable).with_name("grade"))
    extra = ["--solutions"] if args.solutions else []
    runs = {"import torch": [], **{c: [] for c in args.chapters}}
    wall([sys.executable, "-c", "import torch"])  # warm the page cache once
    for _ in range(args.repeat):
        runs["import torch"].append(wall([sys.executable, "-c", "import torch"]))
        for chapter in args.chapters:
            runs[chapter].append(wall([grade, chapter, *extra]))
    base = statistics.median(runs["import torch"])
    print(f"{'command':<24}{'median s':>10}{'min s':>9}{'ratio':>8}")
    for name, times in runs.items():
        label = name if name == "import torch" else f"grade {name}{' --solutions' if extra else ''}"
        print(f"{label:<24}{statistics.median(times):>10.2f}{min(times):>9.2f}"
              f"{statistics.median(times) / base:>8.2f}")


if __name__ == "__main__":
    main()
