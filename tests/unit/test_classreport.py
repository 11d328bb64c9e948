"""The class report an instructor reads: counts on the histograms' axes, the checks some students failed,
hardest first and grouped by exercise, no empty table, and each student's name a link to their feedback."""
import re

from grader.classroom import classreport


def result(student, checks: dict[str, bool], exercise="ch02.split_text"):
    scored = [{"name": n, "passed": p, "points": 0.5 if p else 0.0, "max_points": 0.5, "status": "passed" if p else
               "failed", "feedback": "" if p else f"{n} is wrong by 3.5"} for n, p in checks.items()]
    score = sum(c["points"] for c in scored)
    return {"student": student, "score": score, "max_score": 0.5 * len(scored),
            "exercises": [{"id": exercise, "score": score, "max_score": 0.5 * len(scored),
                           "status": "passed" if all(checks.values()) else "failed", "checks": scored}]}


def test_hardest_checks_first_and_the_easy_ones_counted():
    results = [result("ann", {"test_a": True, "test_b": False, "test_c": True}),
               result("bo", {"test_a": True, "test_b": False, "test_c": False}),
               result("cy", {"test_a": True, "test_b": True, "test_c": False}),
               result("di", {"test_a": True, "test_b": False, "test_c": True})]
    page = classreport.html(results, ["ch02.split_text"], {}, [], {"ch02.split_text": "Split"})
    checks = page.split("id='checks'")[1].split("</table>")[0]
    assert checks.index("test_b") < checks.index("test_c") and "test_a" not in checks   # 25 % before 50 %
    assert "1 more check every student passed" in page
    assert page.count("students</text>") >= 2 or page.count(">students<") >= 2       # count axes, as SVG text
    assert "<a href='students/ann/feedback.md'>ann</a>" in page
    assert "id='mistakes'" in page and "test_b is wrong by #" in page


def test_no_empty_sections():
    results = [result("ann", {"test_a": True}), result("bo", {"test_a": True})]
    page = classreport.html(results, ["ch02.split_text"], {}, [], {})
    assert "Every student passed every check." in page and "No check failed with feedback" in page
    for table in re.findall(r"<table id='(\w+)'>(.*?)</table>", page, flags=re.S):
        assert table[1].count("<tr>") > 1, f"table {table[0]} has a header and no rows"


def test_a_student_id_is_escaped_in_its_link():
    page = classreport.html([result("a b&<c>", {"test_a": False})], ["ch02.split_text"], {}, [], {})
    assert "href='students/a%20b%26%3Cc%3E/feedback.md'" in page and "a b&amp;&lt;c&gt;</a>" in page
