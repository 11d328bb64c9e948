"""The course manifest (course.toml): chapters and exercises, loaded into frozen dataclasses.

Every path of an exercise is derived from its entry, never stored:
  solution  solutions/<chapter>/<file>            stub   exercises/<chapter>/<file>
  checks    tests/checks/<chapter>/check_<name>.py  snapshot tests/snapshots/<chapter>/<name>.json
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = "course.toml"
PACKAGE = "exercises"  # the learner's folder, and the package every graded tree is imported as
CHAPTER_ID = r"[a-z][A-Za-z0-9]*"  # ch02, appA, and the bonus chapters: bpe, kvcache, ...
ID_RE = re.compile(rf"^({CHAPTER_ID})\.[a-z][a-z0-9_]*$")

EXERCISE_FIELDS = {
    "id": "chapter and name, e.g. ch03.causal_attention",
    "title": "one line shown to the learner",
    "file": "module inside the chapter folder the learner edits, e.g. attention.py",
    "defines": "the top-level functions, classes or constants of `file` the learner writes for this exercise "
               "(`grade reset` and the notebooks work by them)",
    "book": "book section, e.g. 3.5",
    "points": "points for the exercise, shared among its checks by weight",
    "hint": "tiers shown one at a time by `grade hint ID`: the idea, then the formula or steps; "
            "only the last tier may show code (a list of two to four non-empty strings)",
    "depends": "exercises this one builds on; their failures are reported first",
    "timeout_s": "wall-clock limit for this exercise (default from [defaults])",
    "memory_mb": "memory limit for this exercise (default from [defaults])",
}


class ManifestError(ValueError):
    """The manifest is malformed; the message says where and how to fix it."""


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    file: str
    book: str
    points: float
    hints: tuple[str, ...]
    defines: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()
    timeout_s: float = 10.0
    memory_mb: int = 2048

    @property
    def chapter(self) -> str:
        return self.id.split(".")[0]

    @property
    def name(self) -> str:
        return self.id.split(".")[1]

    def source(self, tree: Path) -> Path:
        """The exercise's module inside a course-shaped tree (solutions/, exercises/, a submission)."""
        return tree / self.chapter / self.file

    def check_path(self, root: Path) -> Path:
        return root / "tests" / "checks" / self.chapter / f"check_{self.name}.py"

    def snapshot_path(self, root: Path) -> Path:
        return root / "tests" / "snapshots" / self.chapter / f"{self.name}.json"


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    exercises: tuple[Exercise, ...] = field(default=())

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)


@dataclass(frozen=True)
class Course:
    root: Path
    chapters: tuple[Chapter, ...]
    hints_withheld: bool = False   # a learner release without the hint tiers that show code ([release] code_hints)

    @property
    def exercises(self) -> tuple[Exercise, ...]:
        return tuple(e for c in self.chapters for e in c.exercises)

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def stubs(self) -> Path:
        return self.root / PACKAGE

    def chapter_in_name(self, name: str) -> str | None:
        """The id of the chapter a file name speaks of ("my-ch03.ipynb" -> "ch03"), or None: the longest
        chapter id standing in `name` as a word of its own."""
        for chapter in sorted(self.chapters, key=lambda c: -len(c.id)):
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(chapter.id)}(?![A-Za-z0-9])", name):
                return chapter.id
        return None

    def chapter(self, chapter_id: str) -> Chapter:
        for c in self.chapters:
            if c.id == chapter_id:
                return c
        raise KeyError(chapter_id)

    def exercise(self, ref: str) -> Exercise:
        """Find an exercise by full id (ch02.split_text) or by unique name (split_text)."""
        matches = [e for e in self.exercises if ref in (e.id, e.name)]
        if len(matches) != 1:
            raise KeyError(ref)
        return matches[0]

    def select(self, refs: list[str]) -> list[Exercise]:
        """Chapters ("ch02"), exercises ("ch02.split_text") or "all", in manifest order."""
        if not refs or "all" in refs:
            return list(self.exercises)
        wanted: list[Exercise] = []
        for ref in refs:
            if any(c.id == ref for c in self.chapters):
                wanted.extend(self.chapter(ref).exercises)
            else:
                wanted.append(self.exercise(ref))
        return [e for e in self.exercises if e in wanted]


def find_root(start: Path | None = None) -> Path:
    """The course root: $COURSE_ROOT, else the nearest folder upwards holding course.toml,
    else the checkout this package was installed from."""
    if os.environ.get("COURSE_ROOT"):
        return Path(os.environ["COURSE_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MANIFEST).is_file():
            return folder
    installed = Path(__file__).resolve().parents[2]  # grader/core/manifest.py -> the checkout
    if (installed / MANIFEST).is_file():
        return installed
    raise ManifestError(f"no {MANIFEST} found in {here} or above; run grade from the course folder")


def load(root: Path | None = None) -> Course:
    root = root or find_root()
    path = root / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: {exc}") from None
    defaults = data.get("defaults", {})
    release = data.get("release", {}) if isinstance(data.get("release"), dict) else {}
    withheld = release.get("code_hints") == "withheld"
    seen: set[str] = set()
    parsed = [_exercise(entry, defaults, path, seen, 1 if withheld else 2) for entry in data.get("exercise", [])]
    chapter_ids = [str(ch.get("id")) for ch in data.get("chapter", [])]
    orphans = sorted(e.id for e in parsed if e.chapter not in chapter_ids)
    if orphans:
        raise ManifestError(f"{path}: exercises without a [[chapter]]: {', '.join(orphans)}")
    chapters = [Chapter(ch["id"], ch["title"], tuple(e for e in parsed if e.chapter == ch["id"]))
                for ch in data.get("chapter", [])]
    known = set(seen)
    for ex in (e for c in chapters for e in c.exercises):
        for dep in ex.depends:
            if dep not in known:
                raise ManifestError(f"{path}: {ex.id} depends on unknown exercise {dep!r}")
    return Course(root, tuple(chapters), hints_withheld=withheld)


def _exercise(entry: dict, defaults: dict, path: Path, seen: set[str], min_tiers: int = 2) -> Exercise:
    ex_id = str(entry.get("id", ""))
    where = f"{path}: exercise {ex_id or '(no id)'}"
    unknown = set(entry) - set(EXERCISE_FIELDS)
    if unknown:
        raise ManifestError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; "
                            f"known: {', '.join(EXERCISE_FIELDS)}")
    if not ID_RE.match(ex_id):
        raise ManifestError(f"{where}: id must look like ch03.causal_attention")
    if ex_id in seen:
        raise ManifestError(f"{where}: duplicate id")
    seen.add(ex_id)
    missing = [k for k in ("title", "file", "book", "points", "hint") if entry.get(k) in (None, "")]
    if missing:
        raise ManifestError(f"{where}: missing or empty {', '.join(missing)}")
    if not isinstance(entry["points"], (int, float)) or entry["points"] <= 0:
        raise ManifestError(f"{where}: points must be positive")
    hints = entry["hint"]
    if not (isinstance(hints, list) and min_tiers <= len(hints) <= 4
            and all(isinstance(h, str) and h.strip() for h in hints)):
        raise ManifestError(f"{where}: hint must be a list of two to four non-empty tiers, "
                            "e.g. hint = [\"the idea\", \"the steps\", \"a line of code\"]")
    return Exercise(
        id=ex_id, title=entry["title"], file=entry["file"], book=str(entry["book"]),
        points=float(entry["points"]), hints=tuple(h.strip("\n").rstrip() for h in hints),
        defines=tuple(entry.get("defines", ())),
        depends=tuple(entry.get("depends", ())),
        timeout_s=float(entry.get("timeout_s", defaults.get("timeout_s", 10.0))),
        memory_mb=int(entry.get("memory_mb", defaults.get("memory_mb", 2048))),
    )
