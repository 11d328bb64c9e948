"""`grade bulk` on a generated class with a hostile submission for every known attack: every attack is
contained and flagged, every honest submission gets exactly what grading it alone gives, nothing
persists (files, SysV objects, keys, processes), the instructor's environment reaches no student, the
reporters agree with each other and escape what students control, a killed run resumes without
regrading, and an ordinary user grades the class as root does."""
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.classroom import bulk, scaleout
from grader.engine import preload
from grader.classroom import submissions
from grader.containment.cgroups import JobCgroups
from grader.containment.isolation import BASE_UID, IsolationMissing
from grader.scoring.grading import grade_jobs

import classroom

pytestmark = pytest.mark.needs_solutions

ROOT = Path(__file__).resolve().parents[2]
LIMITS = {"timeout_s": 2, "memory_mb": 512}
SECRETS = {"INSTRUCTOR_TOKEN": "tok-3f9a1c77e2", "AWS_SECRET_ACCESS_KEY": "aws-9d8c7b6a5f4e"}


def host_state() -> dict:
    """What an attack could leave on this machine: SysV objects, keys, processes of the jobs' uids, files."""
    ipcs = subprocess.run(["ipcs"], capture_output=True, text=True).stdout if shutil.which("ipcs") else ""
    keys = Path("/proc/keys").read_text() if Path("/proc/keys").exists() else ""
    orphans = set()   # processes of the jobs' uids left to the machine's init: what outlived its job
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        uid = int(fields.get("Uid", "0").split()[0])
        if BASE_UID <= uid < BASE_UID + 1000 and fields.get("PPid", "").strip() == "1":
            orphans.add((status.parent.name, fields.get("Name", "").strip()))
    return {"ipcs": ipcs, "keys": keys, "orphans": orphans, "unix": Path("/proc/net/unix").read_text(),
            "tmp": {p.name for p in Path("/tmp").iterdir()
                    if p.name.startswith("grade-intake-") or _owner(p) in JOB_UIDS}}


JOB_UIDS = {65534, *range(BASE_UID, BASE_UID + 1000)}   # the intake's nobody, the jobs' uids


def _owner(path: Path) -> int:
    try:
        return path.lstat().st_uid
    except OSError:
        return -1


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    out = base / "out"
    kinds = classroom.make_class(course, base / "subs", base / "work", out, honest=10)
    exercises = list(course.chapter("ch02").exercises)
    before = host_state()
    saved = {k: os.environ.get(k) for k in SECRETS}
    os.environ.update(SECRETS)  # what an instructor's shell may hold: none of it may reach a student
    try:
        students = bulk.grade_class(course, base / "subs", exercises, out, limits=LIMITS)
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
    return {"kinds": kinds, "students": {s.submission.student: s for s in students}, "out": out, "base": base,
            "exercises": exercises, "before": before}


def unquoted(cell: str) -> str:
    """A gradebook cell as the student id it stands for (a formula-like id is quoted, OWASP's way)."""
    return cell[1:] if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell


def scores(result: dict) -> dict[str, float]:
    return {e["id"]: e["score"] for e in result["exercises"]}


@pytest.fixture(scope="module")
def twins(course, graded):
    """attack -> the scores of its harmless twin: the most it may get."""
    exercises = graded["exercises"]
    trees = {code: classroom.attacked_tree(course, graded["base"] / f"twin{i}", code)
             for i, code in enumerate({"", *classroom.TWINS.values()})}
    runs = grade_jobs(course, [(tree, exercises) for tree in trees.values()], limits=LIMITS)
    scores = {code: {e.id: e.score for e in run.exercises} for code, run in zip(trees, runs)}
    scores[classroom.STUB] = {ex.id: 0.0 for ex in exercises}
    return {kind.removeprefix("hostile:"): scores[classroom.WHOLE_TWINS.get(kind.removeprefix("hostile:")) or
                                                  classroom.TWINS.get(kind.removeprefix("hostile:"), "")]
            for kind in graded["kinds"].values() if kind.startswith("hostile:")}


def above_twin(student: str, result: dict, kinds: dict, twins: dict) -> dict:
    most = twins[kinds[student].removeprefix("hostile:")]
    return {ex: (got, most[ex]) for ex, got in scores(result).items() if got > most[ex] + 1e-9}


@pytest.mark.jail
def test_every_attack_is_contained_and_flagged(graded, twins):
    attacks = [s for s, kind in graded["kinds"].items() if kind.startswith("hostile:")]
    assert len(attacks) >= 50
    for student in attacks:
        result = graded["students"][student].result
        raised = above_twin(student, result, graded["kinds"], twins)
        assert not raised, f"{student} scored more than its harmless twin: {raised}"
        assert result["flags"], f"{student} was not flagged"


@pytest.mark.jail
def test_honest_submissions_get_exactly_what_grading_them_alone_gives(course, graded, tmp_path):
    honest = [s for s, kind in graded["kinds"].items() if not kind.startswith(("hostile:", "copy:", "clash:"))]
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
    before, after = graded["before"], host_state()
    if after["orphans"] - before["orphans"]:  # a job's reaper, killed, may await its reaping by init a moment
        time.sleep(2)
        after["orphans"] &= host_state()["orphans"]
    key = f"0x{classroom.SHM_KEY:08x}"
    assert key not in after["ipcs"], after["ipcs"]
    assert "grader-leak" not in after["keys"] and "@grader-leak" not in after["unix"]
    assert not after["orphans"] - before["orphans"], f"outlived their jobs: {after['orphans'] - before['orphans']}"
    assert not after["tmp"] - before["tmp"], f"left in /tmp: {after['tmp'] - before['tmp']}"  # the intake's and jobs'



@pytest.mark.jail
def test_the_instructors_environment_reaches_no_student(graded):
    for student in graded["students"]:
        folder = graded["out"] / "students" / student
        text = (folder / "result.json").read_text() + (folder / "feedback.md").read_text()
        assert not any(secret in text for secret in SECRETS.values()), student
    leaked = graded["students"]["hostile-environ_leak"].result["exercises"][0]["feedback"]
    assert "PATH" in leaked and "INSTRUCTOR_TOKEN" not in leaked, leaked  # it showed an environment: a clean one


@pytest.mark.jail
def test_collusion_and_memory_attacks_gain_nothing_and_are_seen(graded):
    flags = {s: "\n".join(st.result["flags"]) for s, st in graded["students"].items()}
    assert graded["students"]["hostile-ipc_load"].result["score"] == 0
    for student in ("hostile-ipc_leak", "hostile-ipc_load", "hostile-keyring_store", "hostile-sysv_memory"):
        assert "system calls the jail refuses" in flags[student] and "ctypes" in flags[student], flags[student]
    assert "started processes" in flags["hostile-abstract_socket_daemon"]
    assert "used sockets" in flags["hostile-abstract_socket_daemon"]
    assert "started processes" in flags["hostile-fork_memory"]
    if JobCgroups().memory:  # four forks of 400 MB each are one job's memory, bounded as a whole (see also
        assert re.search("hit its memory limit|ran past its time limit", flags["hostile-fork_memory"])  # containment)
    assert "ctypes" in flags["hostile-ctypes_via_numpy"] and "ran programs" in flags["hostile-hidden_import"]


@pytest.mark.jail
def test_names_that_collide_or_look_like_formulas_are_graded_apart_and_quoted(graded):
    kinds, students = graded["kinds"], graded["students"]
    clash = [s for s, kind in kinds.items() if kind in ("clash:solution", "hostile:id_clash", "hostile:id_case")]
    nearby = [s for s, kind in kinds.items() if kind == "clash:bystander"]
    assert len(clash) == 3 and len({s.lower() for s in clash + nearby}) == 4
    for student in clash + nearby:
        result = students[student].result
        assert result["score"] == (15 if kinds[student] == "clash:solution" else 0), (student, result["score"])
        assert any("named like" in f for f in result["flags"]) == (student in clash), (student, result["flags"])
        assert json.loads((graded["out"] / "students" / student / "result.json").read_text())["student"] == student
    rows = list(csv.reader((graded["out"] / "gradebook.csv").open()))
    formulas = [row[0] for row in rows if row[0].lstrip("'").startswith(("=", "+", "-", "@"))]
    assert formulas and all(cell.startswith("'") for cell in formulas), formulas
    markdown = (graded["out"] / "students" / "hostile-markdown_names" / "feedback.md").read_text()
    lines = re.sub(r"```text\n.*?\n```", "", markdown, flags=re.S)   # in a code block markup is text anyway
    assert not re.search(r"(?<!\\)(<img|<script)|(?<!\\)\]\(javascript", lines), lines  # elsewhere, escaped


@pytest.mark.jail
def test_a_copied_submission_is_flagged_as_such(graded):
    doc = json.loads((graded["out"] / "flags.json").read_text())
    assert [p[:2] for p in doc["similar_pairs"]] == [["rewriter", "zz-copier"]], doc["similar_pairs"]
    for student, kind in graded["kinds"].items():   # the reference solution, and the stubs, handed back in
        said = "\n".join(doc["students"].get(student, []))
        if kind in ("solution", "stub") and not student.startswith("notebook-"):
            assert ("reference solution" if kind == "solution" else "the stubs as handed out") in said, (student, said)


@pytest.mark.jail
def test_the_reporters_agree(graded):
    out = graded["out"]
    rows = {unquoted(row["student"]): row for row in csv.DictReader((out / "gradebook.csv").open())}
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
        if result["submission"]["status"] != "ok":   # not graded (empty, corrupt): no checks ran
            assert not (folder / "pytest-report.json").exists()
            continue
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
    rows = {unquoted(row["student"]): float(row["total"]) for row in csv.DictReader((out / "gradebook.csv").open())}
    # each student's name links to their feedback
    rendered = dict(re.findall(r"<tr><td><a href=\"[^\"]+\">([^<]+)</a></td><td class=\"n\">([\d.]+)</td><td>", dom))
    assert {k: float(v) for k, v in rendered.items()} == pytest.approx(rows, abs=0.01)
    mean = float(re.search(r'id="mean-total">([\d.]+)<', dom).group(1))
    assert mean == pytest.approx(sum(rows.values()) / len(rows), abs=0.01)
    assert "<svg" in dom and "Most common mistakes" in dom and "zz-copier" in dom


@pytest.mark.jail
def test_a_killed_run_resumes_without_regrading(course, tmp_path):
    subs = tmp_path / "subs"
    for i in range(6):
        source = course.solutions if i % 2 else classroom.handed_out(course, tmp_path / "stubs")
        shutil.copytree(source, subs / f"s{i}", ignore=shutil.ignore_patterns("__pycache__"))
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


USER = "llm-grader-test"
AS_USER = r'''
import os, sys, json, ctypes
uid, gid, cmd, env, paths = json.loads(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
assert libc.unshare(0x00020000) == 0                          # a mount namespace of this process's own
assert libc.mount(None, b"/", None, (1 << 18) | 16384, None) == 0   # private, recursively

def searchable(folder):
    return bool(os.stat(folder).st_mode & 0o001)

covers = {}   # the first folder above each path that others cannot search -> the paths to show in it
for path in paths:
    parts = path.rstrip("/").split("/")
    tops = ["/".join(parts[:i]) for i in range(2, len(parts)) if not searchable("/".join(parts[:i]))]
    if tops:
        covers.setdefault(tops[0], []).append((path, os.open(path, os.O_PATH)))
for top in sorted(covers, key=len):   # a tmpfs holding only those paths, bound back at the same place
    assert libc.mount(b"tmpfs", top.encode(), b"tmpfs", 0, b"mode=755") == 0, top
    for path, fd in covers[top]:
        os.makedirs(path, exist_ok=True)
        assert libc.mount(f"/proc/self/fd/{fd}".encode(), path.encode(), None, 4096 | 16384, None) == 0, path
os.setgroups([])
os.setresgid(gid, gid, gid)
os.setresuid(uid, uid, uid)
os.execve(cmd[0], cmd, env)
'''
GRADE_AS_USER = '''
import json, sys
from pathlib import Path
from grader.classroom import bulk
from grader.core import manifest
course = manifest.load(Path(sys.argv[1]))
students = bulk.grade_class(course, Path(sys.argv[2]), list(course.chapter("ch02").exercises), Path(sys.argv[3]),
                            limits=json.loads(sys.argv[4]))
print(json.dumps({s.submission.student: {e["id"]: e["score"] for e in s.result["exercises"]} for s in students}))
'''


def ordinary_user() -> tuple[int, int] | None:
    """A user without privileges to grade as, created here when this runs as root; None where none can be."""
    import pwd
    if os.geteuid() != 0 or not shutil.which("useradd"):
        return None
    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        made = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
                              capture_output=True, text=True)
        if made.returncode != 0:
            return None
        entry = pwd.getpwnam(USER)
    return entry.pw_uid, entry.pw_gid


@pytest.mark.jail
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("useradd"),
                    reason="needs root and useradd to make an ordinary user to grade as")
def test_an_ordinary_user_grades_the_class_as_root_does(course, graded, twins, tmp_path):
    """No sudo: the same class, graded by a user without privileges (in its own user namespaces), gets the
    same scores. Folders the user could not reach (an interpreter under /root, pytest's own temporary
    folders) are shown to it in a mount namespace of the test's own, at the same paths."""
    ids = ordinary_user()
    assert ids, "could not create a user to grade as"
    uid, gid = ids
    shared = Path(tempfile.mkdtemp(prefix="grade-as-user-"))
    try:
        for folder in (shared, shared / "out", shared / "home"):
            folder.mkdir(exist_ok=True)
            os.chmod(folder, 0o755)
            os.chown(folder, uid if folder != shared else 0, gid if folder != shared else 0)
        subs = graded["base"] / "subs"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(shared / "home"), "LANG": "C.UTF-8"}
        command = [sys.executable, "-c", GRADE_AS_USER, str(ROOT), str(subs), str(shared / "out"), json.dumps(LIMITS)]
        paths = sorted({str(Path(p).resolve()) for p in (sys.base_prefix, sys.prefix, ROOT, subs)})
        done = subprocess.run([sys.executable, "-c", AS_USER, json.dumps([uid, gid, command, env, paths])],
                              capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, done.stderr[-3000:]
        as_user = json.loads(done.stdout.strip().splitlines()[-1])
        assert set(as_user) == set(graded["students"])
        for student, st in graded["students"].items():   # honest ones exactly as root; attacks, no more than their
            if graded["kinds"][student].startswith("hostile:"):  # twins (their time-outs race the machine's load)
                mine = {"exercises": [{"id": ex, "score": got} for ex, got in as_user[student].items()]}
                assert not above_twin(student, mine, graded["kinds"], twins), student
            else:
                assert as_user[student] == scores(st.result), student
        applied = json.loads((shared / "out" / "students" / "student000" / "result.json").read_text())["limits"]
        assert any("user namespace" in line and f"uid {uid} outside" in line for line in applied), applied
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_dask_grades_only_on_workers_that_can_jail():
    class Client:
        def __init__(self, reports):
            self.reports = reports

        def run(self, function):
            assert function is scaleout.worker_isolation
            return self.reports

    warned = []
    assert scaleout.jailing_workers(Client({"tcp://a:1": "", "tcp://b:1": "PID namespaces"}), False,
                                    warned.append) == ["tcp://a:1"]
    assert "tcp://b:1 lacks PID namespaces" in warned[0]
    with pytest.raises(IsolationMissing, match="no Dask worker can jail"):
        scaleout.jailing_workers(Client({"tcp://b:1": "user namespaces"}), False)
    assert scaleout.jailing_workers(Client({"tcp://b:1": "user namespaces"}), True) is None
