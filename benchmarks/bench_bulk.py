"""Bulk grading's throughput on a generated class, against the naive way, measured in one run.

    sudo python benchmarks/bench_bulk.py --honest 170 --chapters ch02 --naive 24

Generates a class (tests/classroom.py: solutions written other ways, stubs, catalogued bugs,
partial work, as folders, flat folders and zips, plus one hostile submission per known attack)
and grades it with `grade bulk`. The naive way — one `grade CHAPTER --target TREE` process per
submission and chapter, one at a time — is timed on an evenly spread sample of the class's honest
submissions (every k-th), and the report compares submissions per minute. Bulk grading runs with
the manifest's own limits, hostile cases included; the naive way, which has no jail, never runs
them, which flatters it.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import classroom
from grader.classroom import bulk, submissions
from grader.core import manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--honest", type=int, default=170, help="honest submissions (hostile ones are added)")
    parser.add_argument("--chapters", default="ch02")
    parser.add_argument("--naive", type=int, default=24, help="submissions graded the naive way")
    args = parser.parse_args()
    course = manifest.load(ROOT)
    chapters = args.chapters.split(",")
    exercises = course.select(chapters)
    grade = shutil.which("grade") or str(Path(sys.executable).with_name("grade"))
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as tmp:
        base = Path(tmp)
        kinds = classroom.make_class(course, base / "subs", base / "work", base / "out", args.honest, tuple(chapters))
        start = time.perf_counter()
        students = bulk.grade_class(course, base / "subs", exercises, base / "out")
        bulk_s = time.perf_counter() - start
        # The naive way runs outside bulk's jail, so it never gets the hostile submissions: they would
        # run on this machine as they are (and, with their time-outs, make the naive way look slower).
        attacks = [st for st in students if kinds.get(st.submission.student, "").startswith("hostile:")]
        honest = [st for st in students if st not in attacks]
        step = max(1, len(honest) // args.naive)
        sample = honest[::step][:args.naive]
        wanted = submissions.wanted_files(exercises)
        naive_s, agree = 0.0, 0
        for st in sample:
            source = Path(st.submission.source)
            tree = source if source.suffix == ".ipynb" else submissions.stage(  # grade takes a notebook as it is
                submissions.read(st.submission.student, source, wanted), base / "naive" / st.submission.student, course)
            alone = {}
            for chapter in chapters:
                out = base / "naive" / f"{st.submission.student}-{chapter}.json"
                t0 = time.perf_counter()
                subprocess.run([grade, chapter, "--target", str(tree), "--json", str(out)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                naive_s += time.perf_counter() - t0
                if out.exists():
                    alone.update({e["id"]: e["score"] for e in json.loads(out.read_text())["exercises"]})
            in_bulk = {e["id"]: e["score"] for e in st.result["exercises"]}
            agree += alone == in_bulk
            if alone != in_bulk:
                print(f"{st.submission.student}: bulk {in_bulk} but alone {alone}")
        flagged = sum(bool(st.result.get("flags")) for st in attacks)
    copies = sum(k.startswith("copy:") for k in kinds.values())
    per_bulk, per_naive = bulk_s / len(students), naive_s / len(sample)
    print(f"class: {len(students)} submissions ({len(attacks)} hostile, {copies} copied), chapters {args.chapters}, "
          f"{len(exercises)} exercises each")
    print(f"grade bulk:  {bulk_s:8.1f} s for the class   {60 / per_bulk:7.1f} submissions/min")
    print(f"naive:       {naive_s:8.1f} s for {len(sample)} of them  {60 / per_naive:7.1f} submissions/min")
    print(f"throughput ratio (bulk / naive): {per_naive / per_bulk:.1f}x")
    print(f"scores: {agree} of {len(sample)} sampled honest submissions score the same alone; "
          f"{flagged} of {len(attacks)} hostile ones flagged")


if __name__ == "__main__":
    main()
