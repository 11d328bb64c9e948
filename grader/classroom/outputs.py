"""Bulk grading's reporters: render results (one schema) as files. They never decide a score.

Per student (out/students/<id>/): result.json (the grader's schema plus the submission and its
flags), feedback.md (for the student), gradescope.json (Gradescope's results.json: score, tests
with name, score, max_score, status, output, visibility) and pytest-report.json (written by
pytest-json-report itself during the checks). Per class: gradebook.csv, junit.xml, flags.json
and report.html (classreport.py). Whatever a submission controls (its id, its file names, its code's
messages and output) is escaped for each format: characters XML forbids leave junit.xml, a gradebook
cell a spreadsheet would read as a formula gets a leading quote (OWASP's rule on CSV injection), and
Markdown and HTML in feedback.md stay text (backslash-escaped, or in a code block it cannot close).
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ..core.files import atomic_write
from ..core.points import exact, fmt
from . import classreport

XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>&~^$:])")
FENCES = re.compile(r"`{3,}|~{3,}")


def xml_text(text) -> str:
    """Text XML 1.0 can hold: its forbidden characters (controls, lone surrogates, U+FFFE/FFFF) become U+FFFD."""
    return XML_ILLEGAL.sub("\ufffd", str(text))


def csv_cell(text) -> str:
    """A cell no spreadsheet runs: one that starts like a formula gets a leading quote (OWASP)."""
    text = str(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def md_text(text) -> str:
    """Text for one Markdown line: every character Markdown or HTML would read as markup backslash-escaped,
    line breaks and controls as spaces, so no link, image, tag or entity can form."""
    return MARKDOWN.sub(r"\\\1", " ".join(xml_text(text).split()))


def md_block(text) -> str:
    """Text for inside a ```text block: no run of backticks or tildes long enough to close it."""
    return FENCES.sub(lambda m: "'" * len(m.group(0)), xml_text(text))


def write_student(folder: Path, result: dict) -> None:
    """The student's files; result.json last, so a result on disk means the others are there."""
    atomic_write(folder / "feedback.md", markdown(result))
    atomic_write(folder / "gradescope.json", json.dumps(gradescope(result), indent=1))
    atomic_write(folder / "result.json", json.dumps(result, indent=1))


def markdown(result: dict) -> str:
    lines = [f"# Feedback for {md_text(result['student'])}", "",
             f"**Total: {fmt(result['score'])} / {fmt(result['max_score'])}**", ""]
    notes = result.get("submission", {}).get("notes", [])
    if notes:
        lines += ["About your submission:", "", *[f"- {md_text(n)}" for n in notes], ""]
    lines += ["| Exercise | Points | Status |", "|---|---:|---|"]
    lines += [f"| {md_text(e['id'])} (§{md_text(e['book'])}) | {fmt(e['score'])} / {fmt(e['max_score'])} | "
              f"{md_text(e['status'].replace('_', ' '))} |" for e in result["exercises"]]
    for e in result["exercises"]:
        if e["status"] != "passed" or e["feedback"]:
            lines += ["", f"## {md_text(e['id'])} — {md_text(e['title'])}", "", "```text",
                      md_block(e["feedback"] or e["status"]), "```"]
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
        writer.writerow([csv_cell(r["student"]), *(exact(scores.get(x, 0.0)) for x in exercises), exact(r["score"]),
                         exact(r["max_score"]), csv_cell(r.get("submission", {}).get("status", "ok")),
                         len(flags.get(r["student"], []))])
    return out.getvalue()


def junit(results: list[dict]) -> str:
    """One testsuite per student, one testcase per check (classname student.exercise)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for r in sorted(results, key=lambda r: r["student"]):
        cases = [(e, c) for e in r["exercises"] for c in (e["checks"] or [None])]
        failures = sum(1 for e, c in cases if (c["status"] if c else e["status"]) != "passed")
        parts.append(f"  <testsuite name={quoteattr(xml_text(r['student']))} tests=\"{len(cases)}\" "
                     f"failures=\"{failures}\">")
        for e, c in cases:
            name = c["name"] if c else e["id"]
            attrs = f"classname={quoteattr(xml_text(r['student'] + '.' + e['id']))} name={quoteattr(xml_text(name))}"
            status = c["status"] if c else e["status"]
            duration = c["duration_s"] if c else 0.0
            if status == "passed":
                parts.append(f"    <testcase {attrs} time=\"{duration:.4f}\"/>")
            else:
                message = xml_text((c["feedback"] if c else e["feedback"]) or status)
                parts.append(f"    <testcase {attrs} time=\"{duration:.4f}\">"
                             f"<failure type={quoteattr(xml_text(status))} "
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
