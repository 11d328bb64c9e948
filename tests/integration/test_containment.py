"""Hostile and broken submissions are contained: the exercise gets a clear status and message,
and every other exercise is still graded. All variants run in one worker, as a class would."""
import os
import shutil
from pathlib import Path

import pytest

import classroom

from grader.core import manifest
from grader.containment import sandbox
from grader.containment.cgroups import JobCgroups
from grader.containment.isolation import job_uid
from grader.scoring.grading import grade_jobs

pytestmark = pytest.mark.needs_solutions

ROOT = Path(__file__).resolve().parents[2]
COURSE = manifest.load(ROOT)
SPLIT = COURSE.exercise("ch02.split_text")
VOCAB = COURSE.exercise("ch02.build_vocab")
BODY = "    pieces = re.split(SPLIT_PATTERN, text)\n"

# name -> (code replacing split_text's first line, or a full-file replacement via "FILE:")
VARIANTS = {
    "sys_exit": "    import sys; sys.exit(0)\n",
    "os_exit": "    import os; os._exit(3)\n",
    "infinite_loop": "    while True:\n        pass\n",
    "sleep": "    import time; time.sleep(60)\n",
    "memory_bomb": "    hog = bytearray(64 * 2**30)\n",
    "tensor_bomb": "    import torch; hog = torch.ones(2**34)\n",
    "segfault": "    import ctypes; ctypes.string_at(0)\n",
    "kill_self": "    import os, signal; os.kill(os.getpid(), signal.SIGSEGV)\n",
    "stray_prints": "    print('x' * 1000000); import sys; print('noise', file=sys.stderr)\n" + BODY,
    "fake_checks": "    import grader.checks as c, numpy\n    for name in ('fail', 'expect_sequence', 'expect_type'):\n"
                   "        getattr(c, name).__code__ = (lambda *a, **k: None).__code__\n"
                   "    numpy.array_equal = lambda *a: True\n    return ['wrong']\n",
    "always_equal": "    class Liar(str):\n        def __eq__(self, other): return True\n        __hash__ = str.__hash__\n"
                    "    return [Liar('x')] * 3\n",
    "child_process": "    import subprocess; subprocess.Popen(['sleep', '120'])\n" + BODY,
    "kill_parent": "    import os, signal\n    ppid = int(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[1])\n"
                   "    for pid in (ppid, os.getppid()):\n        try:\n            os.kill(pid, signal.SIGKILL)\n"
                   "        except OSError:\n            pass\n" + BODY,
    "tamper": "    import pathlib\n    root = pathlib.Path(" + repr(str(ROOT)) + ")\n"
              "    for rel in ('tests/snapshots/ch02/split_text.json', 'tests/checks/ch02/check_split_text.py',\n"
              "                'course.toml', 'grader/scoring/checker.py'):\n"
              "        try:\n            (root / rel).write_text('hacked')\n        except OSError:\n            pass\n"
              "    raise NotImplementedError('nothing')\n",
    "read_snapshot": "    import json, pathlib\n"
                     "    doc = json.loads(pathlib.Path(" + repr(str(ROOT)) + ", 'tests/snapshots/ch02/split_text.json')"
                     ".read_text())\n    return doc['cases']['sample']\n",
    "forged_frames": "    import os, struct\n    for fd in range(3, 64):\n        try:\n"
                     "            if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):\n"
                     "                doc = b'[' * 100000 + b']' * 100000\n"
                     "                frame = b'GRW1' + struct.pack('<I', len(doc)) + doc + struct.pack('<Q', 0)\n"
                     "                os.write(fd, struct.pack('<I', len(frame)) + frame)\n"
                     "                os.write(fd, struct.pack('<I', 9) + b'garbage!!')\n"
                     "        except OSError:\n            pass\n" + BODY,
    "forged_records": "    import os, struct\n    from grader.engine import wire\n"
                      "    records = [{'record': 'import', 'error': [1, 2]}, {'record': 'case', 'name': 'sample', 'ok': 1,\n"
                      "               'error': 5}, {'record': 'case', 'name': 'story', 'ok': False,\n"
                      "               'error': {'where': {'line': 'x'}, 'message': ['m']}}]\n"
                      "    for fd in range(3, 64):\n        try:\n"
                      "            if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):\n"
                      "                for record in records:\n"
                      "                    data = wire.pack(record)\n"
                      "                    os.write(fd, struct.pack('<I', len(data)) + data)\n"
                      "        except OSError:\n            pass\n" + BODY,
    "network": "    import socket; socket.create_connection(('10.255.255.53', 53), timeout=1)\n" + BODY,
    "loopback": "    import socket\n    server = socket.create_server(('127.0.0.1', 12345))\n"
                "    socket.create_connection(('127.0.0.1', 12345), timeout=1).sendall(b'hi')\n"
                "    assert server.accept()[0].recv(2) == b'hi'\n" + BODY,
    "raise_limits": "    import resource\n    for which in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_FSIZE,\n"
                    "                  resource.RLIMIT_NOFILE):\n        try:\n"
                    "            resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n"
                    "        except (ValueError, OSError):\n            pass\n"
                    "    hog = bytearray(64 * 2**30)\n",
    "run_solutions": "    import pathlib, grader\n"
                     "    path = pathlib.Path(grader.__file__).parents[1] / 'solutions' / 'ch02' / 'tokenizers.py'\n"
                     "    scope = {}\n    exec(compile(path.read_text(), 'sol', 'exec'), scope)\n"
                     "    return scope['split_text'](text)\n",
    "deflate_bomb": "    import os, struct, io, zipfile, json\n    from grader.engine import wire\n"
                    "    buf = io.BytesIO()\n    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:\n"
                    "        z.writestr('a0.npy', b'\\x93NUMPY' + b'\\0' * (2 * 2**20))\n"
                    "    doc = json.dumps({'record': 'case', 'name': 'sample', 'ok': True,\n"
                    "                      'value': {'__array__': 'a0'}}).encode()\n"
                    "    blob = buf.getvalue()\n"
                    "    frame = wire.MAGIC + struct.pack('<I', len(doc)) + doc + struct.pack('<Q', len(blob)) + blob\n"
                    "    for fd in range(3, 64):\n        try:\n"
                    "            if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):\n"
                    "                os.write(fd, struct.pack('<I', len(frame)) + frame)\n"
                    "        except OSError:\n            pass\n"
                    "    raise NotImplementedError('nothing')\n",
}

FORK_BOMB = "    import os\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n"


def pids_cgroup_available() -> bool:
    group = JobCgroups()
    try:
        return group.pids
    finally:
        group.close()


if pids_cgroup_available():  # never run a fork bomb where nothing caps it
    VARIANTS["fork_bomb"] = FORK_BOMB
if sandbox.pid_namespaces_work():  # never kill(-1) where it would reach the whole machine
    VARIANTS["kill_everything"] = "    import os, signal\n    os.kill(-1, signal.SIGKILL)\n" + BODY


def make_tree(base: Path, name: str) -> Path:
    tree = base / name
    shutil.copytree(COURSE.solutions, tree, ignore=shutil.ignore_patterns("__pycache__"))
    module = tree / "ch02" / "tokenizers.py"
    text = module.read_text()
    assert text.count(BODY) == 1
    module.write_text(text.replace(BODY, VARIANTS[name]))
    return tree


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    plan = [(make_tree(base, name), [SPLIT, VOCAB]) for name in VARIANTS]
    syntax = base / "syntax_error"
    shutil.copytree(COURSE.solutions, syntax, ignore=shutil.ignore_patterns("__pycache__"))
    (syntax / "ch02" / "tokenizers.py").write_text("def split_text(text)\n    return []\n")
    plan.append((syntax, [SPLIT, VOCAB]))
    missing = base / "missing_file"
    shutil.copytree(COURSE.solutions, missing, ignore=shutil.ignore_patterns("__pycache__"))
    (missing / "ch02" / "tokenizers.py").unlink()
    plan.append((missing, [SPLIT, VOCAB]))
    conftest = base / "conftest_trick"
    classroom.handed_out(COURSE, conftest)
    trick = ("import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
             "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n")
    for folder in (conftest, conftest / "ch02"):
        (folder / "conftest.py").write_text(trick)
        (folder / "pytest.ini").write_text("[pytest]\naddopts = -p no:grader\n")
        (folder / "sitecustomize.py").write_text("raise SystemExit('sitecustomize ran')\n")
    plan.append((conftest, [SPLIT, VOCAB]))
    runs = grade_jobs(COURSE, plan, limits={"timeout_s": 3, "memory_mb": 512})
    names = [*VARIANTS, "syntax_error", "missing_file", "conftest_trick"]
    return {name: {e.id: e for e in run.exercises} for name, run in zip(names, runs)}


@pytest.mark.parametrize("name, status, words", [
    ("sys_exit", "error", "sys.exit"),
    ("os_exit", "error", "ended early"),
    ("infinite_loop", "timeout", "did not finish in time"),
    ("sleep", "timeout", "did not finish in time"),
    ("memory_bomb", "memory", "memory"),
    ("tensor_bomb", "memory", "memory"),
    ("segfault", "error", "SIGSEGV"),
    ("kill_self", "error", "SIGSEGV"),
])
def test_hostile_exercise_is_contained(graded, name, status, words):
    split = graded[name]["ch02.split_text"]
    assert split.score == 0
    assert split.status == status, split.feedback
    assert words.lower() in split.feedback.lower(), split.feedback


def test_objects_claiming_equality_prove_nothing(graded):
    split = graded["always_equal"]["ch02.split_text"]
    checks = {c.name: c for c in split.checks}
    assert split.status == "failed" and not checks["test_sample_tokens"].passed


@pytest.mark.parametrize("name", [n for n in VARIANTS if n != "stray_prints"])
def test_other_exercises_still_graded(graded, name):
    vocab = graded[name]["ch02.build_vocab"]
    assert vocab.status == "passed" and vocab.score == vocab.max_score, vocab.feedback


def test_stray_prints_change_nothing(graded):
    split = graded["stray_prints"]["ch02.split_text"]
    assert split.status == "passed" and split.score == split.max_score
    assert split.output.startswith("xxxx") and len(split.output) <= 4000


@pytest.mark.skipif("fork_bomb" not in VARIANTS, reason="no writable pids cgroup to contain a fork bomb")
def test_fork_bomb_is_capped_and_killed(graded):
    split = graded["fork_bomb"]["ch02.split_text"]
    assert split.status == "timeout" and split.score == 0, split.feedback


def test_child_processes_do_not_block_grading(graded):
    assert graded["child_process"]["ch02.split_text"].status == "passed"


def test_no_network_in_the_worker(graded):
    split = graded["network"]["ch02.split_text"]
    assert split.status == "error" and "unreachable" in split.feedback.lower(), split.feedback


def test_each_exercise_has_its_own_loopback(graded):
    """Learner code can talk to itself on 127.0.0.1 (torch.distributed's gloo rendezvous needs it);
    that the loopback is private to the exercise is tested in test_multiprocess_grading.py."""
    assert graded["loopback"]["ch02.split_text"].status == "passed", graded["loopback"]["ch02.split_text"].feedback


def test_monkeypatching_the_grader_in_the_worker_scores_nothing(graded):
    """A wrong answer after silencing fail() and expect_*(): had that reached the checks, it would pass them."""
    split = graded["fake_checks"]["ch02.split_text"]
    checks = {c.name: c for c in split.checks}
    assert split.status == "failed" and split.score < split.max_score, split.feedback
    assert not checks["test_sample_tokens"].passed and not checks["test_longer_text"].passed, split.feedback


def test_course_files_cannot_be_rewritten(graded):
    assert graded["tamper"]["ch02.split_text"].score == 0
    for rel in ("tests/snapshots/ch02/split_text.json", "tests/checks/ch02/check_split_text.py", "course.toml",
                "grader/scoring/checker.py"):
        assert "hacked" not in (ROOT / rel).read_text(), rel


def test_snapshots_are_hidden_from_learner_code(graded):
    split = graded["read_snapshot"]["ch02.split_text"]
    assert split.score == 0 and "FileNotFoundError" in split.feedback, split.feedback


def test_syntax_error_names_file_and_line(graded):
    split = graded["syntax_error"]["ch02.split_text"]
    assert split.status == "error"
    assert "syntax_error/ch02/tokenizers.py:1" in split.feedback, split.feedback


def test_a_missing_file_is_named(graded):
    split = graded["missing_file"]["ch02.split_text"]
    assert split.status == "error" and "missing_file/ch02/tokenizers.py does not exist" in split.feedback


def test_learner_conftest_ini_and_sitecustomize_do_nothing(graded):
    for result in graded["conftest_trick"].values():
        assert result.score == 0 and result.status == "not_implemented", result.feedback


def test_hard_limits_cannot_be_raised(graded):
    split = graded["raise_limits"]["ch02.split_text"]
    assert split.score == 0 and split.status == "memory", split.feedback


def test_solutions_are_out_of_reach(graded):
    split = graded["run_solutions"]["ch02.split_text"]
    assert split.score == 0 and "FileNotFoundError" in split.feedback, split.feedback


def test_a_deflate_bomb_on_the_result_pipe_is_refused_unread(graded):
    split = graded["deflate_bomb"]["ch02.split_text"]
    assert split.score == 0 and split.status == "not_implemented", split.feedback


PRINT_ENVIRONMENT = "    import os\n    print(sorted(os.environ.items()))\n" + BODY
SECRET = {"INSTRUCTOR_TOKEN": "tok-5e1d0c9b8a"}


def environment_tree(base: Path) -> Path:
    tree = base / "environ"
    shutil.copytree(COURSE.solutions, tree, ignore=shutil.ignore_patterns("__pycache__"))
    module = tree / "ch02" / "tokenizers.py"
    module.write_text(module.read_text().replace(BODY, PRINT_ENVIRONMENT))
    return tree


def test_learner_code_gets_the_allow_listed_environment_in_every_mode(tmp_path, monkeypatch):
    """Grading someone else's folder (`grade ch02 --target THEIR_FOLDER`, and -v showing what it printed) or
    one's own: the grader's environment never reaches the learner's code, only the allow-list's."""
    monkeypatch.setenv("INSTRUCTOR_TOKEN", SECRET["INSTRUCTOR_TOKEN"])
    tree = environment_tree(tmp_path)
    (run,) = grade_jobs(COURSE, [(tree, [SPLIT])], limits={"timeout_s": 10, "memory_mb": 512})
    printed = run.exercises[0].output
    assert "PATH" in printed and SECRET["INSTRUCTOR_TOKEN"] not in printed and "INSTRUCTOR_TOKEN" not in printed
    import subprocess
    import sys
    shown = subprocess.run([sys.executable, "-m", "grader.cli", "ch02.split_text", "--target", str(tree), "-v"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})
    assert "PATH" in shown.stdout and SECRET["INSTRUCTOR_TOKEN"] not in shown.stdout + shown.stderr, shown.stdout




def jailed(tree: Path, exercise, timeout_s: float, memory_mb: int = 512):
    """One job in bulk grading's jail, as a template worker runs it."""
    from grader.engine.runner import Worker
    worker = Worker([], COURSE, parallel=1, jail_uid=job_uid(), keep_open=True, targets=[tree], preload=[exercise],
                    limits={"timeout_s": timeout_s, "memory_mb": memory_mb})
    try:
        return worker.submit([(tree, exercise)], isolated=True)[0].wait(timeout_s + 120)
    finally:
        worker.close()


@pytest.mark.jail
def test_in_the_jail_learner_code_sees_a_clean_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTRUCTOR_TOKEN", SECRET["INSTRUCTOR_TOKEN"])
    tree = environment_tree(tmp_path)
    os.system(f"chmod -R a+rX {tmp_path}")
    job = jailed(tree, SPLIT, 20)
    assert job.status == "ok" and "'HOME', '/home/learner'" in job.output, job.output
    assert "INSTRUCTOR_TOKEN" not in job.output


@pytest.mark.jail
@pytest.mark.skipif(not JobCgroups().memory, reason="no writable memory cgroup here: memory is bounded per process")
def test_a_jobs_memory_is_bounded_as_a_whole(tmp_path):
    """Four forks of 400 MB each, with 512 MB allowed: the job's memory cgroup holds all of them together."""
    import sys
    sys.path.insert(0, str(ROOT / "tests"))
    import classroom
    tree = classroom.attacked_tree(COURSE, tmp_path / "fork_memory", classroom.FORK_MEMORY)
    os.system(f"chmod -R a+rX {tmp_path}")
    job = jailed(tree, SPLIT, 60)
    assert job.memory["oom_kills"] >= 1 and job.memory["peak_mb"] <= 512 + 256 + 1, job.memory
    assert job.observed["started"]["count"] >= 4


BUSY_CHILDREN = ("    import os, time\n    children = []\n    for _ in range(3):\n        pid = os.fork()\n"
                 "        if pid == 0:\n            end = time.monotonic() + 1.5\n            while time.monotonic() < end:\n"
                 "                pass\n            os._exit(0)\n        children.append(pid)\n"
                 "    for pid in children:\n        os.waitpid(pid, 0)\n"
                 "    print('children used', sum(os.times()[2:4]), 's of CPU')\n" + BODY)


@pytest.mark.jail
@pytest.mark.skipif(not JobCgroups(cpu=True).cpu or (os.cpu_count() or 1) < 2,
                    reason="no writable cpu cgroup here, or a single core: nothing to take from a classmate")
def test_a_jobs_processes_share_one_core(tmp_path):
    """Three processes busy for 1.5 s each: in bulk grading's jail they get one core together, not three."""
    tree = classroom.attacked_tree(COURSE, tmp_path / "busy", BUSY_CHILDREN)
    os.system(f"chmod -R a+rX {tmp_path}")
    job = jailed(tree, SPLIT, 30)
    used = float(job.output.split("children used ")[1].split()[0])
    assert job.status == "ok" and 0 < used <= 1.5 * 1.25, job.output   # 4.5 s of CPU where three cores are free
