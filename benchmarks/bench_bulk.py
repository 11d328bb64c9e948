"""Bulk grading's throughput on a generated class, against the naive way, measured in one run.

    sudo python benchmarks/bench_bulk.py --honest 170 --chapters ch02 --naive 24

Generates a class (tests/classroom.py: solutions written other ways, stubs, catalogued bugs,
partial work, as folders, flat folders and zips, plus one hostile submission per known attack)
and grades it with `grade bulk`. The naive way — one `grade CHAPTER --target TREE` process per
submission and chapter, one at a time — is timed on an evenly spread sample of the class's honest
submissions (every k-th), and the report compares submissions per minute. Bulk grading runs with
the manifest's own limits, hostile cases included; the naive way, which has no jail, never runs
them, which flatters it.

With `--profile` the workers also time-stamp each job's phases (grader/engine/stamps.py) and the report
adds where a submission's time goes: the worker's side of each job (cgroup, scratch folder, fork), the
jail's set-up (clones, namespaces, the namespace's init, the learner's mount namespace and root, limits,
seccomp, the observer), the learner's code and its checks' cases, the teardown; per submission the
process forked for it, the trusted side's scoring (one pytest session per student) and the intake.
Stamping costs a little itself: the ratio is best taken from a run without it.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import resource
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
from grader.classroom import bulk, intake, submissions
from grader.core import manifest


def cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


class Timed:
    """Wraps `module.name` to add up the wall time of its calls (the trusted side's steps)."""

    def __init__(self, module, name: str):
        self.module, self.name, self.total, self.calls = module, name, 0.0, 0
        self.original = getattr(module, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.total += time.perf_counter() - start
                self.calls += 1
        setattr(module, name, timed)

    def restore(self) -> None:
        setattr(self.module, self.name, self.original)


# A job's stamps in the order they happen, and what the interval that ends at each one is (stamps.py): bulk
# grading's (jailed) jobs, and learner mode's.
JOB_PHASES = (("start", None), ("supervisor", "job handed to the submission's jail"),
              ("learner process", "fork of the learner's process"),
              ("jail", "its layer of the jail: mount, IPC, net namespaces, /tmp, HOME"),
              ("seccomp", "limits and seccomp filter"), ("observer", "observer (audit hook)"),
              ("learner ended", "learner code: imports and cases, its exit"),
              ("cleared", "what it left killed (the jail's init)"), ("reaped", "the end reported to the scheduler"),
              ("cleaned", "teardown: cgroup, scratch folder"), ("finished", "last output, end record"))
SUBMISSION_PHASES = (("submission: fork", None), ("submission: forked", "fork of the submission's process"),
                     ("jail: fork", "its first job"), ("jail: supervisor", "fork of the jail's supervisor"),
                     ("jail: clones", "jail: read-only clones of what it shows"),
                     ("jail: namespaces", "jail: user, IPC, UTS, net, PID, cgroup namespaces"),
                     ("jail: root", "jail: the init and its root (mounts, /proc, pivot)"),
                     ("submission: ran", "its exercises, one after another"),
                     ("submission: done", "its end: the jail closed, the template's wait"))


def breakdown(log: Path, groups: dict[str, list[str]]) -> dict[str, list[tuple[str, float, float | None]]]:
    """group -> (phase, mean wall seconds, mean CPU seconds or None) per submission, from the stamps: each job's
    stamps in JOB_PHASES' order, each interval named by the stamp that ends it, summed per submission and
    averaged over a group's submissions (a group: student ids; a target is staging/<student>/exercises). CPU
    time is known where both stamps come from one process (it is each process's own CPU time)."""
    stamps: dict[tuple[str, str], dict[str, tuple[float, float, str]]] = collections.defaultdict(dict)
    for line in log.read_text().splitlines():
        t, cpu_s, pid, target, exercise, phase = line.split("\t")
        stamps[(Path(target).parent.name, exercise)].setdefault(phase, (float(t), float(cpu_s), pid))
    report = {}
    labels = [label for _, label in (*SUBMISSION_PHASES, *JOB_PHASES) if label]
    for group, students in groups.items():
        wall: dict[str, float] = collections.defaultdict(float)
        used: dict[str, float] = collections.defaultdict(float)
        crossed: set[str] = set()
        wanted = set(students)
        for (student, exercise), seen in stamps.items():
            if student not in wanted:
                continue
            order = SUBMISSION_PHASES if not exercise else JOB_PHASES
            present = [(name, label) for name, label in order if name in seen]
            for (a, _), (b, label) in zip(present, present[1:]):
                wall[label] += seen[b][0] - seen[a][0]
                if seen[a][2] == seen[b][2]:
                    used[label] += seen[b][1] - seen[a][1]
                else:
                    crossed.add(label)
        count = max(1, len({s for s, _ in stamps if s in wanted}))
        report[group] = [(label, wall[label] / count, None if label in crossed else used[label] / count)
                         for label in labels if label in wall]
    for group, students in groups.items():   # all its processes in the worker: its own, its jail's, their children
        used = [float(phase.split("=")[1]) for (student, _), seen in stamps.items() if student in set(students)
                for phase in seen if phase.startswith("submission used cpu=")]
        if used:
            report[group].append(("the workers' CPU time for it, all processes", 0.0, sum(used) / len(used)))
    for group, students in groups.items():   # what the learner's processes themselves used, from their rusage
        used = [(float(cpu_s), int(faults)) for (student, _), seen in stamps.items() if student in set(students)
                for phase in seen if phase.startswith("learner used ")
                for cpu_s, faults in [[part.split("=")[1] for part in phase.split()[2:4]]]]
        if used:
            count = max(1, len({s for s, _ in stamps if s in set(students)}))
            own = sum(u[0] for u in used) / count
            faults = sum(u[1] for u in used) / count
            report[group].append(("the learner's processes' own CPU time (whole life)", own, own))
            report[group].append((f"  their page faults (copies of the worker's pages): {faults:,.0f}", 0.0, None))
    spans: dict[str, float] = collections.defaultdict(float)
    for (student, exercise), seen in stamps.items():
        if not exercise and "submission: fork" in seen and "submission: done" in seen:
            spans[student] += seen["submission: done"][0] - seen["submission: fork"][0]
    report["slowest"] = sorted(spans.items(), key=lambda kv: -kv[1])[:8]
    return report


def naive(grade: str, chapters: list[str], tree: Path, name: Path) -> tuple[dict, float, float]:
    """One `grade CHAPTER --target TREE` per chapter, one after another, its JSON report at NAME-CHAPTER.json:
    (exercise id -> score, wall s, CPU s)."""
    scores, wall, used = {}, 0.0, 0.0
    for chapter in chapters:
        report = name.with_name(f"{name.name}-{chapter}.json")
        before, start = cpu(resource.getrusage(resource.RUSAGE_CHILDREN)), time.perf_counter()
        subprocess.run([grade, chapter, "--target", str(tree), "--json", str(report)], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall += time.perf_counter() - start
        used += cpu(resource.getrusage(resource.RUSAGE_CHILDREN)) - before
        if report.exists():
            scores.update({e["id"]: e["score"] for e in json.loads(report.read_text())["exercises"]})
    return scores, wall, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--honest", type=int, default=170, help="honest submissions (hostile ones are added)")
    parser.add_argument("--chapters", default="ch02")
    parser.add_argument("--naive", type=int, default=24, help="submissions graded the naive way")
    parser.add_argument("--parallel", type=int, default=None, help="template workers (grade bulk's --parallel)")
    parser.add_argument("--profile", action="store_true", help="also report where a submission's time goes")
    parser.add_argument("--no-hostile", action="store_true",
                        help="leave the hostile submissions out (for profiling the honest path; not the benchmark)")
    args = parser.parse_args()
    course = manifest.load(ROOT)
    chapters = args.chapters.split(",")
    exercises = course.select(chapters)
    grade = shutil.which("grade") or str(Path(sys.executable).with_name("grade"))
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as tmp:
        base = Path(tmp)
        kinds = classroom.make_class(course, base / "subs", base / "work", base / "out", args.honest, tuple(chapters),
                                     hostile=not args.no_hostile)
        # The naive way runs outside bulk's jail, so it never gets the hostile submissions: they would run on this
        # machine as they are (and, with their time-outs, make the naive way look slower). Its sample (every k-th
        # honest submission) is graded half before bulk grading and half after, so both see the machine's load.
        honest = [(student, path) for student, path in submissions.discover(base / "subs")
                  if not kinds.get(student, "").startswith("hostile:")]
        sample = honest[::max(1, len(honest) // args.naive)][:args.naive]
        wanted = submissions.wanted_files(exercises)
        trees = {student: path if path.suffix == ".ipynb" else submissions.stage(  # grade takes a notebook as it is
                     submissions.read(student, path, wanted, course), base / "naive" / student, course)
                 for student, path in sample}
        alone, naive_wall, naive_cpu = {}, 0.0, 0.0

        def grade_alone(part):
            nonlocal naive_wall, naive_cpu
            for student, _ in part:
                alone[student], wall, used = naive(grade, chapters, trees[student], base / "naive" / student)
                naive_wall, naive_cpu = naive_wall + wall, naive_cpu + used

        grade_alone(sample[::2])
        loads.append(os.getloadavg()[0])
        log = base / "stamps.tsv" if args.profile else None
        timers = [Timed(intake, "read_contained"), Timed(submissions, "stage"), Timed(bulk, "score_submissions"),
                  Timed(bulk, "finish_class")]
        own, children = cpu(resource.getrusage(resource.RUSAGE_SELF)), cpu(resource.getrusage(resource.RUSAGE_CHILDREN))
        start = time.perf_counter()
        students = bulk.grade_class(course, base / "subs", exercises, base / "out", args.parallel, profile=log)
        bulk_s = time.perf_counter() - start
        trusted_cpu = cpu(resource.getrusage(resource.RUSAGE_SELF)) - own
        workers_cpu = cpu(resource.getrusage(resource.RUSAGE_CHILDREN)) - children   # the templates are reaped by now
        loads.append(os.getloadavg()[0])
        for timer in timers:
            timer.restore()
        grade_alone(sample[1::2])
        loads.append(os.getloadavg()[0])
        attacks = [st for st in students if kinds.get(st.submission.student, "").startswith("hostile:")]
        groups = {"honest": [st.submission.student for st in students if st not in attacks],
                  "hostile": [st.submission.student for st in attacks]}
        phases = breakdown(log, groups) if log else {}
        by_student = {st.submission.student: st for st in students}
        agree = 0
        for student, scores in alone.items():
            in_bulk = {e["id"]: e["score"] for e in by_student[student].result["exercises"]}
            agree += scores == in_bulk
            if scores != in_bulk:
                print(f"{student}: bulk {in_bulk} but alone {scores}")
        flagged = sum(bool(st.result.get("flags")) for st in attacks)
    copies = sum(k.startswith("copy:") for k in kinds.values())
    n, m = len(students), len(sample)
    per_bulk, per_naive = bulk_s / n, naive_wall / m
    bulk_cpu = (trusted_cpu + workers_cpu) / n
    print(f"machine: {os.cpu_count()} cores; load average {', '.join(f'{x:.1f}' for x in loads)} (start, after the "
          "first half of the naive sample, after bulk grading, at the end)")
    print(f"class: {n} submissions ({len(attacks)} hostile, {copies} copied), chapters {args.chapters}, "
          f"{len(exercises)} exercises each")
    print(f"grade bulk:  {bulk_s:8.1f} s for the class   {60 / per_bulk:7.1f} submissions/min   "
          f"CPU {bulk_cpu * 1000:6.0f} ms a submission")
    print(f"naive:       {naive_wall:8.1f} s for {m} of them    {60 / per_naive:7.1f} submissions/min   "
          f"CPU {naive_cpu / m * 1000:6.0f} ms a submission")
    print(f"throughput ratio (bulk / naive): {per_naive / per_bulk:.1f}x; CPU time a submission, naive / bulk: "
          f"{naive_cpu / m / bulk_cpu:.1f}x")
    print(f"scores: {agree} of {m} sampled honest submissions score the same alone; "
          f"{flagged} of {len(attacks)} hostile ones flagged")
    print(f"bulk's CPU time a submission: {trusted_cpu / n * 1000:.0f} ms in the trusted process (reading, scoring, "
          f"writing), {workers_cpu / n * 1000:.0f} ms in the workers, their jobs and the intake's helpers")
    print("\nper submission, the trusted side (this process; overlaps the workers):")
    for timer in timers:
        print(f"  {timer.name:<50}{timer.total / n * 1000:9.1f} ms   ({timer.calls} calls)")
    slowest = phases.pop("slowest", [])
    if slowest:
        print("the slowest submissions in a worker: " + ", ".join(f"{s} {t:.1f} s" for s, t in slowest))
    for group, rows in phases.items():
        print(f"per {group} submission, the workers' side (its {len(exercises)} exercises summed; "
              f"{os.cpu_count()} workers run at once), wall and CPU time:")
        for name, seconds, used in rows:
            print(f"  {name:<55}" + (f"{seconds * 1000:8.1f} ms" if seconds else "") +
                  (f"{used * 1000:8.1f} ms" if used is not None else ""))


if __name__ == "__main__":
    main()
