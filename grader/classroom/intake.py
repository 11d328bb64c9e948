"""Bulk grading reads each submission in a limited helper process, never in the process that assigns points.

`read_contained(...)` forks a helper per submission that parses its zip or notebooks (submissions.py) under
hard limits (address space, CPU time, file size, open files) and, run as root, as an unprivileged uid
(`nobody`) that reads only what was opened for it; it hands back plain data (the accepted files, the notes,
the notebook's cell map) on a pipe, read bounded by bytes and by count. A submission that exhausts a limit
(a zip of a million entries, a notebook of nested lists) costs only its helper: it is `corrupt`, with a note
saying what gave out. A course copy the helper may read (`IntakeCourse`: the stubs and the modules as handed
out, nothing of the solutions) stands in for the course when notebooks are turned into modules.
"""
from __future__ import annotations

import base64
import importlib
import json
import os
import pwd
import resource
import select
import shutil
import signal
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from ..containment.sandbox import vm_size
from ..core.manifest import Course
from ..engine.wire import json_items
from ..notebooks import layout
from ..notebooks.extract import Extraction
from . import submissions

MEMORY_MB = 768            # address space a helper may add to the grader's
CPU_S = 30
WALL_S = 90
HELPER_FILES = 256 * 2**20
MAX_VALUES = 1_000_000     # JSON values in a helper's answer
PRELOAD = ("encodings.cp437", "zlib", "bz2", "lzma", "zipfile", "json", "base64", "binascii", "ast", "tokenize",
           "nbformat",
           "nbformat.v3", "nbformat.v4", "grader.notebooks.extract")


def intake_course(course: Course) -> tuple[Course, Path]:
    """A copy of the course the helper may read: exercises/ and the modules as handed out (tests/stubs/), no
    solutions; its folder, to remove when done. Also imports here what the helper's parsing needs, which
    the uid nobody may be unable to read (an interpreter installed under /root)."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    folder = Path(tempfile.mkdtemp(prefix="grade-intake-"))
    root = folder / "course"
    if course.stubs.is_dir():
        shutil.copytree(course.stubs, root / course.stubs.name, ignore=shutil.ignore_patterns("__pycache__"))
    for rel, text in layout.pristine_files(course).items():
        path = root / "tests" / "stubs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return replace(course, root=root), folder


def read_contained(student: str, path: Path, wanted: set[str], course: Course) -> submissions.Submission:
    """submissions.read(...) in a limited helper process (see the module's docstring); `course` is what
    `intake_course` made. A folder of source files is read here: nothing in it is parsed."""
    path = Path(path)
    if path.is_dir() and not submissions.is_notebooks(path, wanted):
        return submissions.read(student, path, wanted, course)
    if path.is_dir():  # its notebooks, each bounded, copied where the helper may read them
        with tempfile.TemporaryDirectory(prefix="grade-intake-") as tmp:
            os.chmod(tmp, 0o755)
            notes = submissions.copy_notebooks(path, Path(tmp))
            sub = read_contained(student, Path(tmp), wanted, course)
        sub.source, sub.notes = path, notes + sub.notes
        return sub
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    scratch = tempfile.mkdtemp(prefix="grade-intake-")   # the helper's own, removed here whatever it leaves
    uid, gid = _helper_ids()
    os.chown(scratch, uid, gid)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        code = 0
        try:
            _limit_and_drop(scratch, uid, gid)
            copy = Path(scratch) / path.name   # the file, under its own name, read from what root opened
            with os.fdopen(fd, "rb") as source, open(copy, "wb") as target:
                target.write(source.read(submissions.MAX_ZIP_READ + 1))
            sub = submissions.read(student, copy, wanted, course)
            sub.source = path
            data = json.dumps(_plain(sub)).encode()
            view = memoryview(data)
            while view:
                view = view[os.write(write, view):]
        except MemoryError:
            code = 3
        except BaseException:  # noqa: BLE001 - the helper never returns into the grader
            code = 4
        os._exit(code)
    os.close(write)
    os.close(fd)
    try:
        data, status = _collect(pid, read, len(wanted) * submissions.MAX_FILE * 2 + 2**22)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    sub = submissions.Submission(student, Path(path))
    if status != 0 or not data:
        sub.status = "corrupt"
        reason = {3: "it needs more memory than a submission may", 9: "it took too long or too much memory"}
        sub.notes.append("the submission could not be read: " + reason.get(status, f"its reader failed ({status})"))
        return sub
    try:
        if json_items(data) > MAX_VALUES:
            raise ValueError("too many values")
        return _submission(json.loads(data), student, path)
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        sub.status = "corrupt"
        sub.notes.append(f"the submission could not be read: malformed intake ({exc})"[:300])
        return sub


def _helper_ids() -> tuple[int, int]:
    """The uid and gid the helper runs as: nobody's when run as root, else this process's own."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    try:
        return tuple(pwd.getpwnam("nobody")[2:4])
    except KeyError:
        return 65534, 65534


def _limit_and_drop(scratch: str, uid: int, gid: int) -> None:
    """The helper's limits, then (run as root) the uid nobody: of what root could open, it keeps only the
    submission's file descriptor; `scratch` is its temporary folder."""
    for which, value in ((resource.RLIMIT_AS, vm_size() + MEMORY_MB * 2**20), (resource.RLIMIT_CPU, CPU_S),
                         (resource.RLIMIT_FSIZE, HELPER_FILES), (resource.RLIMIT_NOFILE, 64),
                         (resource.RLIMIT_CORE, 0)):
        if value:
            resource.setrlimit(which, (value, value))
    if os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    os.environ["TMPDIR"] = tempfile.tempdir = scratch


def _collect(pid: int, fd: int, limit: int) -> tuple[bytes, int]:
    """What the helper wrote (at most `limit` bytes; more ends it) and how it ended (9: killed)."""
    chunks, size, deadline = [], 0, time.monotonic() + WALL_S
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while True:
            ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
            chunk = stream.read(1 << 16) if ready else None
            if not chunk or size + len(chunk) > limit:
                break
            chunks.append(chunk)
            size += len(chunk)
    if chunk is None or (chunk and size + len(chunk) > limit):
        os.kill(pid, signal.SIGKILL)
    status = os.waitpid(pid, 0)[1]
    code = os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return b"".join(chunks), (9 if os.WIFSIGNALED(status) else code)


def _plain(sub: submissions.Submission) -> dict:
    ext = sub.notebook
    notebook = None if ext is None else {
        "notebooks": {c: p.name for c, p in ext.notebooks.items()}, "notes": ext.notes, "blocked": ext.blocked,
        "missing": ext.missing, "origins": ext.origins, "defined": {k: sorted(v) for k, v in ext.defined.items()},
        "modules": ext.modules}
    return {"status": sub.status, "notes": sub.notes, "notebook": notebook,
            "files": {rel: base64.b64encode(data).decode() for rel, data in sub.files.items()}}


def _submission(doc: dict, student: str, source: Path) -> submissions.Submission:
    """The helper's answer, checked field by field (it parsed hostile input; nothing else of it is kept)."""
    sub = submissions.Submission(student, source, status=str(doc["status"])[:20],
                                 notes=[str(n)[:400] for n in doc["notes"][:200]])
    for rel, text in list(doc["files"].items())[:200]:
        data = base64.b64decode(text, validate=True)
        if len(data) <= submissions.MAX_FILE:
            sub.files[str(rel)] = data
    nb = doc.get("notebook")
    if isinstance(nb, dict):
        ext = Extraction(tree=Path())
        ext.notebooks = {str(c): Path(Path(str(name)).name) for c, name in nb["notebooks"].items()}
        ext.notes = {str(k): [str(t)[:500] for t in v[:100]] for k, v in nb["notes"].items()}
        ext.blocked = {str(k): str(v)[:500] for k, v in nb["blocked"].items()}
        ext.missing = {str(k): str(v)[:500] for k, v in nb["missing"].items()}
        ext.origins = {str(k): [None if o is None else (str(o[0])[:200], int(o[1]), str(o[2])[:200], int(o[3]))
                                for o in v[:100_000]] for k, v in nb["origins"].items()}
        ext.defined = {str(k): {str(n) for n in v[:10_000]} for k, v in nb["defined"].items()}
        ext.modules = {str(k): str(v) for k, v in nb["modules"].items()}
        sub.notebook = ext
    return sub
