"""Bulk grading's reporters: render results (one schema) as files. They never decide a score.

Per student (out/students/<id>/): result.json (the grader's schema plus the submission and its
flags), feedback.md (for the student), gradescope.json (Gradescope's results.json: score, tests
with name, score, max_score, status, output, visibility) and pytest-report.json (written by
pytest-json-report itself during the checks). Per class: gradebook.csv, junit.xml, flags.json
and report.html (classreport.py).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ..core.files import atomic_write
from ..core.points import exact, fmt
from . import classreport


def write_student(folder: Path, result: dict) -> None:
    """The student's files; result.json last, so a result on disk means the others are there."""
    atomic_write(folder / "feedback.md", markdown(result))
    atomic_write(folder / "gradescope.json", json.dumps(gradescope(result), indent=1))
    atomic_write(folder / "result.json", json.dumps(result, indent=1))


def markdown(result: dict) -> str:
    lines = [f"# Feedback for {result['student']}", "",
             f"**Total: {fmt(result['score'])} / {fmt(result['max_score'])}**", ""]
    notes = result.get("submission", {}).get("notes", [])
    if notes:
        lines += ["About your submission:", "", *[f"- {n}" for n in notes], ""]
    lines += ["| Exercise | Points | Status |", "|---|---:|---|"]
    lines += [f"| {e['id']} (§{e['book']}) | {fmt(e['score'])} / {fmt(e['max_score'])} | {e['status'].replace('_', ' ')} |"
              for e in result["exercises"]]
    for e in result["exercises"]:
        if e["status"] != "passed" or e["feedback"]:
            lines += ["", f"## {e['id']} — {e['title']}", "", "```text", e["feedback"].replace("```", "'''") or
                      e["status"], "```"]
    return "\n".join(lines) + "\n"


def gradescope(result: dict) -> dict:
    tests = []
    for e in result["exercises"]:
        checks = "\n".join(f"{'✓' if c['passed'] else '✗'} {c['name']} ({fmt(c['points'])}/{fmt(c['max_points'])})"
                           for c in e["checks"])
        tests.append({"name": f"{e['id']}: {e['title']}", "score": e["score"], "max_score": e["max_score"],
                      "status": "passed" if e["status"] == "passed" else "failed",
                      "output": (e["feedback"] + ("\n\n" + checks if checks else "")).strip(),
                      "visibility": "visible"})
    notes = result.get("submission", {}).get("notes", [])
    return {"score": result["score"], "output": "\n".join(notes), "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}


def gradebook(results: list[dict], exercises: list[str], flags: dict[str, list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", *exercises, "total", "max", "submission", "flags"])
    for r in sorted(results, key=lambda r: r["student"]):
        scores = {e["id"]: e["score"] for e in r["exercises"]}
        writer.writerow([r["student"], *(exact(scores.get(x, 0.0)) for x in exercises), exact(r["score"]),
                         exact(r["max_score"]), r.get("submission", {}).get("status", "ok"),
                         len(flags.get(r["student"], []))])
    return out.getvalue()


def junit(results: list[dict]) -> str:
    """One testsuite per student, one testcase per check (classname student.exercise)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for r in sorted(results, key=lambda r: r["student"]):
        cases = [(e, c) for e in r["exercises"] for c in (e["checks"] or [None])]
        failures = sum(1 for e, c in cases if (c["status"] if c else e["status"]) != "passed")
        parts.append(f"  <testsuite name={quoteattr(r['student'])} tests=\"{len(cases)}\" failures=\"{failures}\">")
        for e, c in cases:
            name = c["name"] if c else e["id"]
            attrs = f"classname={quoteattr(r['student'] + '.' + e['id'])} name={quoteattr(name)}"
            status = c["status"] if c else e["status"]
            duration = c["duration_s"] if c else 0.0
            if status == "passed":
                parts.append(f"    <testcase {attrs} time=\"{duration:.4f}\"/>")
            else:
                message = (c["feedback"] if c else e["feedback"]) or status
                parts.append(f"    <testcase {attrs} time=\"{duration:.4f}\"><failure type={quoteattr(status)} "
                             f"message={quoteattr(message[:200])}>{escape(message)}</failure></testcase>")
        parts.append("  </testsuite>")
    parts.append("</testsuites>")
    return "\n".join(parts) + "\n"


def write_class(out: Path, results: list[dict], exercises: list[str], flags: dict[str, list[str]],
                pairs: list[tuple[str, str, float]], titles: dict[str, str]) -> None:
    atomic_write(out / "gradebook.csv", gradebook(results, exercises, flags))
    atomic_write(out / "junit.xml", junit(results))
    atomic_write(out / "flags.json", json.dumps({"students": flags, "similar_pairs": pairs}, indent=1))
    atomic_write(out / "report.html", classreport.html(results, exercises, flags, pairs, titles))
