"""`grade bulk` on a generated class with a hostile submission for every known attack: every attack is
contained and flagged, every honest submission gets exactly what grading it alone gives, nothing
persists, the reporters agree with each other, and a killed run resumes without regrading."""
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.classroom import bulk
from grader.engine import preload
from grader.classroom import submissions
from grader.scoring.grading import grade_jobs

import classroom

pytestmark = pytest.mark.needs_solutions

ROOT = Path(__file__).resolve().parents[2]
LIMITS = {"timeout_s": 2, "memory_mb": 512}


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    out = base / "out"
    kinds = classroom.make_class(course, base / "subs", base / "work", out, honest=10)
    exercises = list(course.chapter("ch02").exercises)
    students = bulk.grade_class(course, base / "subs", exercises, out, limits=LIMITS)
    return {"kinds": kinds, "students": {s.submission.student: s for s in students}, "out": out, "base": base,
            "exercises": exercises}


def scores(result: dict) -> dict[str, float]:
    return {e["id"]: e["score"] for e in result["exercises"]}


@pytest.mark.jail
def test_every_attack_is_contained_and_flagged(course, graded):
    exercises = graded["exercises"]
    twins = {code: classroom.attacked_tree(course, graded["base"] / f"twin{i}", code)
             for i, code in enumerate({"", *classroom.TWINS.values()})}
    twin_runs = grade_jobs(course, [(tree, exercises) for tree in twins.values()], limits=LIMITS)
    twin_scores = {code: {e.id: e.score for e in run.exercises} for code, run in zip(twins, twin_runs)}
    attacks = [s for s, kind in graded["kinds"].items() if kind.startswith("hostile:")]
    assert len(attacks) >= 30
    for student in attacks:
        result = graded["students"][student].result
        most = twin_scores[classroom.TWINS.get(student.removeprefix("hostile-"), "")]
        raised = {ex: (got, most[ex]) for ex, got in scores(result).items() if got > most[ex] + 1e-9}
        assert not raised, f"{student} scored more than its harmless twin: {raised}"
        assert result["flags"], f"{student} was not flagged"


@pytest.mark.jail
def test_honest_submissions_get_exactly_what_grading_them_alone_gives(course, graded, tmp_path):
    honest = [s for s, kind in graded["kinds"].items() if not kind.startswith(("hostile:", "copy:"))]
    trees = []
    for student in honest:
        sub = graded["students"][student].submission
        trees.append(submissions.stage(sub, tmp_path / student, course))
    alone = grade_jobs(course, [(tree, graded["exercises"]) for tree in trees], limits=LIMITS)
    for student, run in zip(honest, alone):
        assert scores(graded["students"][student].result) == {e.id: e.score for e in run.exercises}, student
    assert graded["students"]["notebook-solution"].result["score"] == graded["students"]["student000"].result["score"]
    stub_feedback = graded["students"]["notebook-stub"].result["exercises"][0]["feedback"]
    assert "notebook-stub.ipynb, cell" in stub_feedback, stub_feedback  # told in cells, not module lines
    for student in honest:
        flagged = graded["students"][student].result["flags"]
        assert not flagged, f"{student} ({graded['kinds'][student]}) was flagged: {flagged}"
    one = honest[2]  # and through the CLI, as an instructor would check one by hand
    done = subprocess.run([sys.executable, "-m", "grader.cli", "ch02", "--target", str(trees[2]), "--json",
                           str(tmp_path / "one.json")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads((tmp_path / "one.json").read_text())["score"] == graded["students"][one].result["score"]


@pytest.mark.jail
def test_nothing_an_attack_wrote_outlives_it(course, graded):
    import rich
    site = Path(rich.__file__).parent.parent
    assert not list(site.glob("zzz_evil.pth")) and not (site / "sitecustomize.py").exists()
    assert "os.system" not in Path(rich.__file__).read_text()
    assert not Path("/tmp/litter").exists() and not Path("/tmp/owned").exists()
    cache = Path.home() / ".cache" / "llm-course" / "tiktoken" / "gpt2-ranks.b64"
    assert not cache.exists() or preload._load(cache) is not None
    assert "junk" not in " ".join(p.read_bytes()[:4].decode("latin-1") for p in (ROOT / "grader").rglob("*.pyc"))
    out = graded["out"]
    assert graded["students"]["hostile-write_results"].result["score"] < 999
    assert json.loads((out / "students" / "hostile-write_results" / "result.json").read_text())["score"] < 999
    assert graded["students"]["zz-honest-after"].result["score"] == graded["students"]["student000"].result["score"]
    assert not (out / ".staging").exists()


@pytest.mark.jail
def test_a_copied_submission_is_flagged_as_such(graded):
    pairs = json.loads((graded["out"] / "flags.json").read_text())["similar_pairs"]
    assert [p[:2] for p in pairs] == [["rewriter", "zz-copier"]], pairs


@pytest.mark.jail
def test_the_reporters_agree(graded):
    out = graded["out"]
    rows = {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    assert set(rows) == set(graded["students"])
    suites = {s.get("name"): s for s in ET.parse(out / "junit.xml").getroot()}
    for student, st in graded["students"].items():
        result = st.result
        assert float(rows[student]["total"]) == pytest.approx(result["score"], abs=1e-4)
        folder = out / "students" / student
        scope = json.loads((folder / "gradescope.json").read_text())
        assert scope["score"] == result["score"] and {"name", "score", "max_score", "status", "output",
                                                       "visibility"} <= set(scope["tests"][0])
        assert "**Total: " in (folder / "feedback.md").read_text()
        failures = sum(1 for e in result["exercises"] for c in (e["checks"] or [None])
                       if (c or e)["status"] != "passed")
        assert int(suites[student].get("failures")) == failures
        report = json.loads((folder / "pytest-report.json").read_text())
        assert report["summary"]["total"] == sum(len(e["checks"]) for e in result["exercises"])


@pytest.mark.must_run_in_ci
@pytest.mark.jail
@pytest.mark.browser
def test_the_class_report_renders_in_a_browser_and_matches_the_gradebook(graded, tmp_path):
    out = graded["out"]
    command = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync", f"--user-data-dir={tmp_path}"]
    dom = subprocess.run([*command, "--dump-dom", (out / "report.html").as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    shot = tmp_path / "report.png"
    subprocess.run([*command, f"--screenshot={shot}", "--window-size=1200,2000", (out / "report.html").as_uri()],
                   capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 20_000  # a rendered page, not a blank one
    rows = {row["student"]: float(row["total"]) for row in csv.DictReader((out / "gradebook.csv").open())}
    rendered = dict(re.findall(r"<tr><td>([^<]+)</td><td class=\"n\">([\d.]+)</td><td>", dom))
    assert {k: float(v) for k, v in rendered.items()} == pytest.approx(rows, abs=0.01)
    mean = float(re.search(r'id="mean-total">([\d.]+)<', dom).group(1))
    assert mean == pytest.approx(sum(rows.values()) / len(rows), abs=0.01)
    assert "<svg" in dom and "Most common mistakes" in dom and "zz-copier" in dom


@pytest.mark.jail
def test_a_killed_run_resumes_without_regrading(course, tmp_path):
    subs = tmp_path / "subs"
    for i in range(6):
        shutil.copytree(course.solutions if i % 2 else classroom.handed_out(course, tmp_path / "stubs"), subs / f"s{i}", ignore=shutil.ignore_patterns(
            "__pycache__"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader.cli", "bulk", str(subs), "--chapters", "ch02.split_text,ch02.build_vocab",
               "--out", str(out), "--parallel", "1"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("students/*/result.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("students/*/result.json")}
    assert 2 <= len(finished) < 6
    for path in out.glob("students/*/result.json"):
        json.loads(path.read_text())  # every result on disk is whole
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"({len(finished)} from earlier runs)" in done.stdout
    assert {p.parent.name: p.stat().st_mtime_ns for p in out.glob("students/*/result.json")
            if p.parent.name in finished} == finished
    assert len(list(out.glob("students/*/result.json"))) == 6
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert sorted(float(r["total"]) for r in rows) == [0, 0, 0, 2, 2, 2]


@pytest.mark.jail
def test_a_dask_cluster_grades_the_same(course, graded, tmp_path):
    pytest.importorskip("distributed")
    from distributed import LocalCluster
    subs = tmp_path / "subs"
    picked = ["student000", "student001", "student002", "hostile-forge_worker_channel", "hostile-pth_persistence"]
    for student in picked:
        source = graded["students"][student].submission.source
        (shutil.copytree if source.is_dir() else shutil.copy)(source, subs / source.name)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        students = bulk.grade_class(course, subs, graded["exercises"], tmp_path / "out", limits=LIMITS,
                                    dask=cluster.scheduler_address)
    for st in students:
        local = graded["students"][st.submission.student].result
        assert scores(st.result) == scores(local), st.submission.student
        assert any("jail of its own" in line for line in st.result["limits"])
        assert (tmp_path / "out" / "students" / st.submission.student / "pytest-report.json").is_file()
    assert (tmp_path / "out" / "report.html").is_file()


def test_without_isolation_the_instructor_must_ask_and_every_result_says_what_was_missing(course, tmp_path,
                                                                                            monkeypatch):
    monkeypatch.setattr(bulk, "isolation_available", lambda: "root, to run learner code as uids of its own")
    shutil.copytree(course.solutions, tmp_path / "subs" / "alice", ignore=shutil.ignore_patterns("__pycache__"))
    (st,) = bulk.grade_class(course, tmp_path / "subs", [course.exercise("ch02.split_text")], tmp_path / "out",
                             unsafe=True)
    assert st.result["score"] == 1
    assert not any("jail of its own" in line for line in st.result["limits"])
    assert any(line.startswith("NOT APPLIED: the jail") and "root" in line for line in st.result["limits"])
