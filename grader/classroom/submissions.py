"""Bulk grading's intake: one folder, zip or notebook per student, read defensively, staged as a course tree.

Only the files the manifest names are taken (`ch03/causal_attention.py`, found under any prefix,
or by their bare name when that is unambiguous); everything else is ignored. Nothing is
followed or trusted: symlinks, absolute or `..` paths (zip slip), huge, binary and non-UTF-8
files are refused with a note; a corrupt zip is a status of its own. A submission of notebooks
(an .ipynb, or a folder or zip of them) becomes the chapter modules their tagged cells make
(grader/nbtree.py), and its results are told in cells. No Python file of a submission is parsed
or run here (the grading worker reports syntax errors with file and line).
"""
from __future__ import annotations

import hashlib
import itertools
import os
import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..core.manifest import Course, Exercise
from ..notebooks.extract import notebook_to_tree
from ..notebooks.layout import NotebookError

MAX_FILE = 512 * 1024          # bytes of one source file
MAX_MEMBERS = 5000             # entries of one zip
MAX_ZIP_READ = 64 * 2**20      # bytes read out of one submission (zip or notebooks), in all
MAX_NOTEBOOK = 16 * 2**20      # bytes of one notebook
MAX_NOTEBOOKS = 50             # notebooks of one submission
ID_CHARS = re.compile(r"[^A-Za-z0-9._@+-]")
ID_LENGTH = 64
FORMULA = ("=", "+", "-", "@")


@dataclass
class Submission:
    student: str
    source: Path
    files: dict[str, bytes] = field(default_factory=dict)   # "ch03/causal_attention.py" -> content
    notes: list[str] = field(default_factory=list)          # what was refused or ignored, and why
    status: str = "ok"                                       # ok · empty · corrupt
    notebook: object = None                                  # nbtree.Extraction, for a submission of notebooks

    @property
    def digest(self) -> str:
        h = hashlib.sha256()
        for rel in sorted(self.files):
            h.update(rel.encode() + b"\0" + hashlib.sha256(self.files[rel]).digest())
        return h.hexdigest()


def wanted_files(exercises: list[Exercise]) -> set[str]:
    return {f"{ex.chapter}/{ex.file}" for ex in exercises}


def discover(folder: Path) -> list[tuple[str, Path]]:
    """(student id, path) for every folder, zip or notebook in `folder`. Ids are made of safe characters and
    unique by construction, ignoring case (so they are unique as folder names on any file system too): each
    entry first claims its own name, then a name that is taken gets the first free `-2`, `-3`, ...
    (`x`, `x-2` and `x.zip` become x, x-2 and x-3)."""
    entries = sorted(p for p in Path(folder).iterdir() if not p.name.startswith(".") and not p.is_symlink()
                     and (p.suffix.lower() in (".zip", ".ipynb") or p.is_dir()))
    bases = [ID_CHARS.sub("_", path.name if path.is_dir() else path.stem)[:ID_LENGTH] or "student" for path in entries]
    taken = set()
    ids: list[str | None] = []
    for base in bases:
        ids.append(None if base.lower() in taken else base)
        taken.add(base.lower())
    for i, base in enumerate(bases):
        n = 2
        while ids[i] is None:
            suffix = f"-{n}"
            candidate = base[:ID_LENGTH - len(suffix)] + suffix
            if candidate.lower() not in taken:
                ids[i] = candidate
                taken.add(candidate.lower())
            n += 1
    return list(zip(ids, entries))


def base_id(path: Path) -> str:
    """The id a submission's name asks for, before `discover` makes it unique."""
    path = Path(path)
    return ID_CHARS.sub("_", path.name if path.is_dir() else path.stem)[:ID_LENGTH] or "student"


def name_notes(entries: list[tuple[str, Path]]) -> dict[str, list[str]]:
    """student id -> notes on its name: several submissions named alike (ignoring case), so graded under
    ids of their own; a name a spreadsheet would read as a formula."""
    groups: dict[str, list[tuple[str, Path]]] = {}
    for student, path in entries:
        groups.setdefault(base_id(path).lower(), []).append((student, path))
    notes: dict[str, list[str]] = {}
    for group in groups.values():
        for student, _path in group if len(group) > 1 else ():
            others = ", ".join(p.name[:80] for s, p in group if s != student)
            notes.setdefault(student, []).append(f"named like {others}: graded separately, as {student}")
    for student, _ in entries:
        if student.startswith(FORMULA):
            notes.setdefault(student, []).append("its name starts like a spreadsheet formula: the gradebook "
                                                 "quotes it")
    return notes


def read(student: str, path: Path, wanted: set[str], course: Course | None = None) -> Submission:
    sub = Submission(student, Path(path))
    if course is not None and is_notebooks(path, wanted):
        return _read_notebooks(sub, wanted, course)
    candidates: dict[str, list[tuple[str, bytes]]] = {}
    try:
        entries = _zip_entries(path, sub) if path.suffix.lower() == ".zip" else _folder_entries(path, sub)
        for rel, data in entries:
            target = _match(rel, wanted)
            if target and _acceptable(rel, data, sub):
                candidates.setdefault(target, []).append((rel, data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        sub.status = "corrupt"
        sub.notes.append(f"the submission could not be read: {type(exc).__name__}: {exc}"[:300])
        return sub
    for target, found in candidates.items():
        found.sort(key=lambda item: (not item[0].endswith(target), len(item[0])))  # chNN/file.py over file.py
        sub.files[target] = found[0][1]
        if len(found) > 1:
            sub.notes.append(f"{target}: several candidates; graded {found[0][0]}, ignored "
                             + ", ".join(r for r, _ in found[1:4]))
    if not sub.files and sub.status == "ok":
        sub.status = "empty"
        sub.notes.append("no file of the graded chapters was found (expected e.g. " + ", ".join(sorted(wanted)[:3])
                         + ")")
    return sub


def is_notebooks(path: Path, wanted: set[str]) -> bool:
    """An .ipynb, or a folder or zip with notebooks and none of the manifest's .py files."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".ipynb":
            return True
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist()[:MAX_MEMBERS]]
        else:
            found = (str(p.relative_to(path)) for p in path.rglob("*") if ".ipynb_checkpoints" not in p.parts)
            names = list(itertools.islice(found, MAX_MEMBERS))
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return any(n.endswith(".ipynb") for n in names) and not any(_match(n, wanted) for n in names if n.endswith(".py"))


def copy_notebooks(folder: Path, dest: Path) -> list[str]:
    """The notebooks at the top of `folder` copied into `dest` (no symlinks; each and all together bounded);
    notes on what was left out."""
    notes, total = [], 0
    for path in sorted(Path(folder).glob("*.ipynb"))[:MAX_NOTEBOOKS]:
        size = os.lstat(path).st_size
        if not stat.S_ISREG(os.lstat(path).st_mode) or size > MAX_NOTEBOOK or total + size > MAX_ZIP_READ:
            notes.append(f"{path.name[:120]}: ignored, a symlink or larger than the limit")
            continue
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NOFOLLOW)) as f:
            data = f.read(MAX_NOTEBOOK + 1)
        total += len(data)
        (dest / ID_CHARS.sub("_", path.name)).write_bytes(data)
        os.chmod(dest / ID_CHARS.sub("_", path.name), 0o644)
    return notes


def _read_notebooks(sub: Submission, wanted: set[str], course: Course) -> Submission:
    with tempfile.TemporaryDirectory(prefix="grade-notebooks-") as tmp:
        source = Path(sub.source)
        if source.suffix.lower() == ".zip":  # only the notebooks come out, each bounded, at safe names
            folder = Path(tmp) / "notebooks"
            folder.mkdir()
            try:
                with zipfile.ZipFile(source) as archive:
                    total, kept, ignored = 0, 0, []
                    if len(archive.infolist()) > MAX_MEMBERS:
                        raise ValueError(f"{len(archive.infolist())} entries; at most {MAX_MEMBERS} are read")
                    for info in archive.infolist():
                        name = PurePosixPath(info.filename.replace("\\", "/")).name
                        if not name.endswith(".ipynb") or stat.S_ISLNK(info.external_attr >> 16) \
                                or ".ipynb_checkpoints" in info.filename:
                            continue
                        room = min(MAX_NOTEBOOK, MAX_ZIP_READ - total)
                        if info.file_size > room or kept >= MAX_NOTEBOOKS:
                            ignored.append(name)
                            continue
                        with archive.open(info) as member:  # a lying header cannot make this read more
                            data = member.read(room + 1)
                        total += len(data)
                        kept += 1
                        if len(data) > room:
                            ignored.append(name)
                            continue
                        (folder / ID_CHARS.sub("_", name)).write_bytes(data)
                    if ignored:
                        sub.notes.append(f"{len(ignored)} notebook(s) ignored, over the limit on notebooks "
                                         f"({MAX_NOTEBOOK >> 20} MB each, {MAX_ZIP_READ >> 20} MB and {MAX_NOTEBOOKS} "
                                         f"in all): {', '.join(n[:60] for n in ignored[:3])}")
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
                sub.status, sub.notes = "corrupt", [f"the submission could not be read: {type(exc).__name__}: {exc}"]
                return sub
            source = folder
        try:
            extraction = notebook_to_tree(source, course, Path(tmp) / "tree")
        except NotebookError as exc:
            sub.status, sub.notes = "corrupt", [str(exc)]
            return sub
        for rel in sorted(wanted):
            module = extraction.tree / rel
            if rel.split("/")[0] in extraction.notebooks and module.is_file():
                sub.files[rel] = module.read_bytes()
        sub.notes += extraction.notes.get("", [])
        sub.notebook = extraction
    if not sub.files:
        sub.status = "empty"
        sub.notes.append("no notebook of the graded chapters was found (tagged cells of e.g. "
                         + ", ".join(sorted({w.split("/")[0] for w in wanted})) + ")")
    return sub


def _match(rel: str, wanted: set[str]) -> str | None:
    """The manifest path a submitted file stands for: its last two parts, or its bare name when only
    one wanted file has that name."""
    parts = PurePosixPath(rel).parts
    if len(parts) >= 2 and f"{parts[-2]}/{parts[-1]}" in wanted:
        return f"{parts[-2]}/{parts[-1]}"
    named = [w for w in wanted if w.rsplit("/", 1)[1] == parts[-1]]
    return named[0] if len(named) == 1 else None


def _acceptable(rel: str, data: bytes | None, sub: Submission) -> bool:
    problem = None
    if data is None:
        problem = f"larger than {MAX_FILE // 1024} KB"
    elif b"\0" in data:
        problem = "a binary file, not Python source"
    else:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = f"not UTF-8 text (byte {exc.start})"
    if problem:
        sub.notes.append(f"{rel}: ignored, {problem}")
    return problem is None


def _folder_entries(folder: Path, sub: Submission):
    root = Path(folder)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in list(dirnames):
            if os.path.islink(os.path.join(dirpath, name)):
                sub.notes.append(f"{_rel(root, dirpath, name)}: a symlink, not followed")
                dirnames.remove(name)
            elif name.startswith(".") or name == "__pycache__":
                dirnames.remove(name)
        for name in filenames:
            full = os.path.join(dirpath, name)
            info = os.lstat(full)
            rel = _rel(root, dirpath, name)
            if stat.S_ISLNK(info.st_mode):
                sub.notes.append(f"{rel}: a symlink, not followed")
            elif stat.S_ISREG(info.st_mode) and name.endswith(".py"):
                yield rel, _read_bounded(full, info.st_size)


def _read_bounded(path: str, size: int) -> bytes | None:
    if size > MAX_FILE:
        return None
    with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NOFOLLOW)) as f:
        data = f.read(MAX_FILE + 1)
    return None if len(data) > MAX_FILE else data


def _zip_entries(path: Path, sub: Submission):
    read_so_far = 0
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ValueError(f"{len(members)} entries; at most {MAX_MEMBERS} are read")
        for info in members:
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                sub.notes.append(f"{name[:120]}: an absolute or '..' path, ignored")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                sub.notes.append(f"{name[:120]}: a symlink, ignored")
                continue
            if info.is_dir() or not name.endswith(".py") or any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue
            if info.file_size > MAX_FILE or read_so_far > MAX_ZIP_READ:
                yield name, None
                continue
            with archive.open(info) as member:
                data = member.read(MAX_FILE + 1)  # a lying header cannot make this read more
            read_so_far += len(data)
            yield name, (None if len(data) > MAX_FILE else data)


def _rel(root: Path, dirpath: str, name: str) -> str:
    return Path(dirpath, name).relative_to(root).as_posix()


def stage(sub: Submission, dest: Path, course: Course) -> Path:
    """Write the submission's accepted files as a course-shaped tree (dest/exercises), with the
    course's own package files; readable by the jail's unprivileged uid. Returns the tree."""
    tree = Path(dest) / "exercises"
    chapters = {rel.split("/")[0] for rel in sub.files}
    packages = {"__init__.py": course.stubs / "__init__.py",
                **{f"{ch}/__init__.py": course.stubs / ch / "__init__.py" for ch in chapters}}
    for rel, source in packages.items():
        _write(tree / rel, source.read_bytes() if source.is_file() else b"")
    for rel, data in sub.files.items():
        _write(tree / rel, data)
    for folder in [Path(dest), *[p for p in tree.rglob("*") if p.is_dir()], tree]:
        os.chmod(folder, 0o755)
    return tree


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.chmod(path, 0o644)
