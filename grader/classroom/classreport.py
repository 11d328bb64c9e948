"""The class report: one static HTML file (inline SVG plots, no scripts, opens offline) for an instructor.

Per exercise the mean, the pass rate and a histogram of scores; per check its pass rate and
discrimination (the correlation between passing it and the rest of the student's total), and the
failure messages most students hit, so the instructor sees which mistake to teach against; the
flagged submissions and similar pairs; every student's total, as in the gradebook.
"""
from __future__ import annotations

import html as html_lib
import io
import re
import statistics
import urllib.parse
from collections import Counter

from ..core.manifest import CHAPTER_ID
from ..core.points import fmt

STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:.25em .6em;
text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
.flag{color:#a40}.low{color:#a00;font-weight:600}svg{display:block}code{font-size:12px}"""


def html(results: list[dict], exercises: list[str], flags: dict[str, list[str]],
         pairs: list[tuple[str, str, float]], titles: dict[str, str]) -> str:
    totals = [r["score"] for r in results]
    maximum = max((r["max_score"] for r in results), default=0)
    e = html_lib.escape
    body = [f"<h1>Class report</h1><p>{len(results)} students · mean total "
            f"<b id='mean-total'>{fmt(round(statistics.mean(totals), 2)) if totals else 0}</b> of {fmt(maximum)} · "
            f"median {fmt(statistics.median(totals)) if totals else 0} · {len(flags)} flagged</p>",
            _histogram(totals, maximum, "Totals", width=6.5, height=1.8)]
    body.append("<h2>Exercises</h2><table id='exercises'><tr><th>Exercise</th><th>Mean</th><th>Max</th>"
                "<th>Pass rate</th><th>Scores</th></tr>")
    for ex in exercises:
        scores = [_exercise(r, ex)["score"] for r in results if _exercise(r, ex)]
        passed = sum(_exercise(r, ex)["status"] == "passed" for r in results if _exercise(r, ex))
        top = max((_exercise(r, ex)["max_score"] for r in results if _exercise(r, ex)), default=0)
        rate = passed / len(scores) if scores else 0
        body.append(f"<tr><td>{e(ex)}<br><small>{e(titles.get(ex, ''))}</small></td>"
                    f"<td class=n>{fmt(round(statistics.mean(scores), 2)) if scores else '-'}</td>"
                    f"<td class=n>{fmt(top)}</td>"
                    f"<td class='n{' low' if rate < 0.5 else ''}'>{rate:.0%}</td>"
                    f"<td>{_histogram(scores, top, '', width=2.6, height=0.7)}</td></tr>")
    body.append("</table>")
    body += _items(results, exercises)
    body += _mistakes(results)
    body += _flags(flags, pairs)
    body.append("<h2>Students</h2><table id='students'><tr><th>Student</th><th>Total</th><th>Submission</th>"
                "<th>Flags</th></tr>")
    for r in sorted(results, key=lambda r: r["student"]):
        link = "students/" + urllib.parse.quote(r["student"], safe="") + "/feedback.md"
        body.append(f"<tr><td><a href='{e(link)}'>{e(r['student'])}</a></td><td class=n>{fmt(r['score'])}</td>"
                    f"<td>{e(r.get('submission', {}).get('status', 'ok'))}</td>"
                    f"<td class=n>{len(flags.get(r['student'], []))}</td></tr>")
    body.append("</table>")
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Class report</title>"
            f"<style>{STYLE}</style></head><body>{''.join(body)}</body></html>\n")


def _exercise(result: dict, ex_id: str) -> dict | None:
    return next((x for x in result["exercises"] if x["id"] == ex_id), None)


def _items(results: list[dict], exercises: list[str]) -> list[str]:
    """Per check: pass rate and discrimination, the point-biserial correlation of passing the check with
    the student's total without that check (near 0 or below: the check does not separate strong from weak).
    Grouped by exercise, the exercise with the hardest check first, its checks hardest first; the checks
    every student passed are counted, not listed."""
    groups, easy = [], 0
    for ex in exercises:
        names = list(dict.fromkeys(c["name"] for r in results for c in (_exercise(r, ex) or {}).get("checks", [])
                                   if c.get("max_points", 1) > 0))
        rows = []
        for name in names:
            pairs = [(c["passed"], r["score"] - c["points"]) for r in results
                     for c in (_exercise(r, ex) or {}).get("checks", []) if c["name"] == name]
            rate = sum(p for p, _ in pairs) / len(pairs)
            if rate == 1:
                easy += 1
                continue
            rows.append((rate, name, _correlation([float(p) for p, _ in pairs], [t for _, t in pairs])))
        if rows:
            groups.append((min(r[0] for r in rows), ex, sorted(rows)))
    if not groups:
        return ["<h2>Checks</h2><p>Every student passed every check.</p>"]
    out = ["<h2>Checks</h2><p>The checks that some students failed, hardest first, grouped by exercise. "
           "Discrimination is the correlation between passing a check and the rest of the total; near 0, the check "
           "does not tell strong students from weak ones. "
           + (f"{easy} more check{'s' if easy != 1 else ''} every student passed." if easy else "") + "</p>"
           "<table id='checks'><tr><th>Exercise</th><th>Check</th><th>Pass rate</th><th>Discrimination</th></tr>"]
    for _, ex, rows in sorted(groups):
        for i, (rate, name, d) in enumerate(rows):
            first = f"<td rowspan={len(rows)}><code>{html_lib.escape(ex)}</code></td>" if i == 0 else ""
            out.append(f"<tr>{first}<td><code>{html_lib.escape(name)}</code></td>"
                       f"<td class='n{' low' if rate < 0.5 else ''}'>{rate:.0%}</td>"
                       f"<td class=n>{'-' if d is None else f'{d:.2f}'}</td></tr>")
    out.append("</table>")
    return out


def _correlation(x: list[float], y: list[float]) -> float | None:
    if len(x) < 3 or statistics.pstdev(x) == 0 or statistics.pstdev(y) == 0:
        return None
    return statistics.correlation(x, y)


def _normalise(message: str) -> str:
    first = message.strip().split("\n")[0]
    first = re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "#", first)
    return re.sub(rf"\S+/({CHAPTER_ID}/\S+?\.py)", r"\1", first)[:220]


def _mistakes(results: list[dict], top: int = 15) -> list[str]:
    counts: Counter = Counter()
    for r in results:
        seen = set()
        for x in r["exercises"]:
            for c in x["checks"]:
                if not c["passed"] and c["status"] == "failed" and c["feedback"]:
                    seen.add((x["id"], _normalise(c["feedback"])))
        counts.update(seen)
    if not counts:
        return ["<h2>Most common mistakes</h2><p>No check failed with feedback (every failure was a stub left "
                "unwritten, an error, or nothing failed).</p>"]
    rows = ["<h2>Most common mistakes</h2><table id='mistakes'><tr><th>Students</th><th>Exercise</th>"
            "<th>Feedback (numbers as #)</th></tr>"]
    rows += [f"<tr><td class=n>{n}</td><td>{html_lib.escape(ex)}</td><td>{html_lib.escape(msg)}</td></tr>"
             for (ex, msg), n in counts.most_common(top)]
    rows.append("</table>")
    return rows


def _flags(flags: dict[str, list[str]], pairs: list[tuple[str, str, float]]) -> list[str]:
    rows = ["<h2>Flagged submissions</h2>"]
    if not flags and not pairs:
        return rows + ["<p>None.</p>"]
    rows.append("<table id='flags'><tr><th>Student</th><th>Why</th></tr>")
    for student in sorted(flags):
        items = "".join(f"<li class=flag>{html_lib.escape(f)}</li>" for f in flags[student][:12])
        more = f"<li>… {len(flags[student]) - 12} more</li>" if len(flags[student]) > 12 else ""
        rows.append(f"<tr><td>{html_lib.escape(student)}</td><td><ul>{items}{more}</ul></td></tr>")
    rows.append("</table>")
    if pairs:
        rows.append("<h3>Similar submissions</h3><table id='similar'><tr><th>Students</th><th>Similarity</th></tr>")
        rows += [f"<tr><td>{html_lib.escape(a)} · {html_lib.escape(b)}</td><td class=n>{s:.0%}</td></tr>"
                 for a, b, s in pairs]
        rows.append("</table>")
    return rows


def _histogram(values: list[float], maximum: float, title: str, width: float, height: float) -> str:
    """A histogram as inline SVG (matplotlib, Agg; text kept as text)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    matplotlib.rcParams["svg.fonttype"] = "none"
    fig, ax = plt.subplots(figsize=(width, height))
    bins = min(20, max(1, int(maximum * 2) or 1))
    ax.hist(values, bins=bins, range=(0, maximum or 1), color="#4a7bb7", edgecolor="white")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))   # a count axis: how many students
    ax.set_ylabel("students", fontsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]
