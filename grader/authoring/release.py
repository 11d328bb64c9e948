"""`grade release OUT`: the learner's repository, without solutions, hidden checks or any line of a solution.

OUT gets the stubs (exercises/, and tests/stubs/ for `grade reset`), the learner notebooks, the
public checks and their snapshots, the grader, the data code, README, CI and the tests that run
without solutions/. Left out: solutions/ (and the reference notebooks in it), the catalogue of
bugs, checks marked @hidden with the snapshot data only they read (each check module then says
HIDDEN_CHECKS = N), test files importing `support` (it imports the solutions) or marked
`needs_solutions`, and the README's blocks between `<!-- course only -->` and
`<!-- end course only -->` (a `<!-- release only ... -->` comment becomes text). Finally every file
of OUT is scanned for the solutions' marked lines.

With keep_hidden (`grade gradescope`: a bundle that runs on the grading server, never in a learner's hands)
the hidden checks and their snapshot data stay; everything else is as above.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core import markers
from ..core.manifest import Course
from ..notebooks import generate, layout
from ..scoring.checker import load_snapshot
from .sync import write_snapshot

INCLUDE = (".ci", ".gitignore", "README.md", "pyproject.toml", "constraints.txt", "course.toml", "datasets", "grader",
           "tests")
LEFT_OUT = ("tests/catalogue", "tests/stubs", "tests/snapshots", "tests/checks")   # rewritten below, or left out
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache", ".ipynb_checkpoints")
COURSE_ONLY = re.compile(r"[ \t]*<!-- course only -->.*?<!-- end course only -->[ \t]*\n?", re.S)
RELEASE_ONLY = re.compile(r"<!-- release only\n(.*?)-->\n?", re.S)
NEEDS_SOLUTIONS = "needs_solutions"
HIDDEN_NOTE = "  # checks of this exercise left out of this copy of the course; they run at grading"


class ReleaseError(ValueError):
    """The release cannot be made, or would contain solution text; the message says what to do."""


@dataclass
class Release:
    out: Path
    hidden: dict[str, int] = field(default_factory=dict)      # exercise id -> hidden checks left out
    left_out_tests: list[str] = field(default_factory=list)   # test files or tests that need solutions/
    overlaps: list[str] = field(default_factory=list)         # solution lines the course's own code holds too
    files: int = 0
    keep_hidden: bool = False                                  # hidden checks and their snapshot data kept
    code_hints: bool = False                                   # the hint tiers that show code kept
    withheld_hints: int = 0                                    # hint tiers left out because they show code


def _decorated(node: ast.stmt, name: str) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and any(
        name in ast.dump(d) for d in node.decorator_list)


def strip(source: str, name: str) -> tuple[str, list[ast.stmt]]:
    """`source` without its top-level functions and classes whose decorators mention `name` (with the
    comment lines right above them); and the nodes removed."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    removed = [node for node in tree.body if _decorated(node, name)]
    gone = set()
    for node in removed:
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        while first > 1 and lines[first - 2].strip().startswith("#"):
            first -= 1
        gone.update(range(first, node.end_lineno + 1))
    text = "".join(line for n, line in enumerate(lines, 1) if n not in gone)
    return re.sub(r"\n{4,}", "\n\n\n", text), removed


def public_checks(source: str, label: str) -> tuple[str, int, set[str]]:
    """A check module without its @hidden checks and cases; (text, hidden checks, hidden case names)."""
    text, removed = strip(source, "hidden")
    tests = [n for n in removed if n.name.startswith("test")]
    cases = {n.name for n in removed if any("case" in ast.dump(d) for d in n.decorator_list)}
    still = [c for c in cases if re.search(rf"""["']{c}["']""", text)]
    if still:
        raise ReleaseError(f"{label}: public checks read the hidden case(s) {', '.join(sorted(still))}: "
                           "mark those checks @hidden too, or the cases public")
    if tests:
        text = text.rstrip("\n") + f"\n\n\nHIDDEN_CHECKS = {len(tests)}{HIDDEN_NOTE}\n"
    return text, len(tests), cases


def release_test(source: str) -> str | None:
    """A test module as the release has it: None when it needs solutions/ (imports `support`, or is marked
    needs_solutions as a whole), else without its tests marked needs_solutions."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Import) and any(a.name == "support" for a in node.names):
            return None
        if isinstance(node, ast.ImportFrom) and node.module == "support":
            return None
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets) \
                and NEEDS_SOLUTIONS in ast.dump(node.value):
            return None
    return strip(source, NEEDS_SOLUTIONS)[0]


def readme(text: str) -> str:
    return RELEASE_ONLY.sub(r"\1", COURSE_ONLY.sub("", text))


def build(course: Course, out: Path, keep_hidden: bool = False, code_hints: bool = False) -> Release:
    """Write the learner release of `course` to the empty or new folder `out` (with `keep_hidden`, its hidden
    checks and their snapshot data too: for a grading server only). The hint tiers that show code are left
    out of its manifest unless `code_hints` (a copy for self-study)."""
    out = Path(out).resolve()
    if not course.solutions.is_dir():
        raise ReleaseError("a release is made from the course repository (it needs solutions/)")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} exists and is not an empty folder: give a new one")
    if any(out == p or p in out.parents for p in [course.root.resolve() / name for name in INCLUDE]) \
            or out == course.root.resolve():
        raise ReleaseError(f"{out} is inside what the release copies: put it elsewhere")
    release = Release(out, keep_hidden=keep_hidden, code_hints=code_hints)
    try:
        _write(course, release)
        problems, release.overlaps = scan(course, out)
        if problems:
            raise ReleaseError("solution text would be handed out: " + "; ".join(problems[:5]))
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    release.files = sum(1 for p in out.rglob("*") if p.is_file())
    return release


def _write(course: Course, release: Release) -> None:
    out, root = release.out, course.root
    for name in INCLUDE:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=IGNORE, dirs_exist_ok=True)
        elif source.is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, out / name)
    for name in LEFT_OUT:
        if (out / name).is_dir():
            shutil.rmtree(out / name)
        elif (out / name).exists():
            (out / name).unlink()
    (out / "README.md").write_text(readme((root / "README.md").read_text(encoding="utf-8")), encoding="utf-8")
    if not release.code_hints:
        text, release.withheld_hints = withhold_code_hints((root / "course.toml").read_text(encoding="utf-8"), course)
        (out / "course.toml").write_text(text, encoding="utf-8")
    _tests(out / "tests", release)
    stubs = markers.stub_files(course.solutions)
    for folder in ("exercises", "tests/stubs"):
        for rel, text in stubs.items():
            (out / folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / folder / rel).write_text(text, encoding="utf-8")
    files = {rel.as_posix(): text for rel, text in stubs.items()}
    for chapter in (c.id for c in course.chapters if c.exercises):
        path = out / layout.LEARNER_DIR / f"{chapter}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generate.build(course, chapter, files, layout.LEARNER), encoding="utf-8")
    _checks_and_snapshots(course, release)


def _tests(folder: Path, release: Release) -> None:
    """The test modules, in tests/ and its folders, that run without solutions/ (see release_test), and the helper
    modules beside them that one of those or a conftest.py imports (support.py, which imports the solutions, goes
    with the book tests)."""
    folders = {folder, *(test.parent for test in folder.rglob("test_*.py"))}
    for test in sorted(folder.rglob("test_*.py")):
        name = test.relative_to(folder).as_posix()
        text = release_test(test.read_text(encoding="utf-8"))
        if text is None:
            test.unlink()
            release.left_out_tests.append(name)
        else:
            if text != test.read_text(encoding="utf-8"):
                release.left_out_tests.append(f"{name} (some tests)")
            test.write_text(text, encoding="utf-8")
    imported = _imports([*folder.rglob("test_*.py"), *folder.rglob("conftest.py")])
    for helper in sorted(p for f in folders for p in f.glob("*.py")):
        if not helper.name.startswith("test_") and helper.name != "conftest.py" and helper.stem not in imported:
            helper.unlink()
            release.left_out_tests.append(f"{helper.relative_to(folder).as_posix()} (a helper of those)")


def _imports(paths: list[Path]) -> set[str]:
    """The top-level names of the modules these files import."""
    found = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def _checks_and_snapshots(course: Course, release: Release) -> None:

    out, root = release.out, course.root
    shutil.copytree(root / "tests" / "checks", out / "tests" / "checks", ignore=IGNORE)
    shutil.copytree(root / "tests" / "snapshots", out / "tests" / "snapshots", ignore=IGNORE)
    if release.keep_hidden:
        return
    released = replace(course, root=out)
    for ex in course.exercises:
        path = ex.check_path(out)
        if not path.is_file():
            continue
        text, tests, cases = public_checks(path.read_text(encoding="utf-8"), str(ex.check_path(root).relative_to(root)))
        if tests:
            path.write_text(text, encoding="utf-8")
            release.hidden[ex.id] = tests
        if cases and ex.snapshot_path(root).is_file():
            kept = {k: v for k, v in load_snapshot(ex, root).items() if k not in cases}
            ex.snapshot_path(out).unlink()
            ex.snapshot_path(out).with_suffix(".npz").unlink(missing_ok=True)
            write_snapshot(released, ex, kept)


PUBLIC_CODE = ("grader", "datasets", "tests")   # the course's own code, shipped as written (snapshots and stubs aside)


HINTS = re.compile(r"(?ms)^hint = \[.*?^\]")


def course_hints_withheld(manifest: Path) -> bool:
    return bool(re.search(r'(?m)^code_hints = "withheld"', manifest.read_text(encoding="utf-8")))


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _marked_lines(course: Course) -> dict[str, str]:
    """The code lines of every marked region, whitespace removed and comments cut (8 characters or more),
    each with the line as written."""
    found = {}
    for path in sorted(course.solutions.rglob("*.py")):
        for region in markers.regions(path.read_text(encoding="utf-8")):
            for line in region["code"]:
                code = _squeezed(line if line.strip().startswith(("'", '"')) else line.split("#", 1)[0])
                if len(code) >= 8:
                    found.setdefault(code, line.strip())
    return found


def _public_code(out: Path) -> dict[str, str]:
    """Squeezed text of each file of the course's own code in `out` (not generated from the solutions)."""
    found = {}
    for name in PUBLIC_CODE:
        for path in sorted((out / name).rglob("*.py")):
            rel = path.relative_to(out).as_posix()
            if not rel.startswith("tests/stubs/"):
                found[rel] = _squeezed(path.read_text(encoding="utf-8"))
    return found


def withhold_code_hints(text: str, course: Course) -> tuple[str, int]:
    """The manifest `text` without each exercise's last hint tier (the one tier that may show code, see
    CONTRIBUTING.md), marked `[release] code_hints = "withheld"` so that `grade hint` says so; and how many
    tiers went."""
    hints = [entry.get("hint", []) for entry in tomllib.loads(text).get("exercise", [])]
    hints = [h for h in hints if h]
    blocks = list(HINTS.finditer(text))
    if len(blocks) != len(hints):
        raise ReleaseError("course.toml: could not match its hint blocks to its exercises; write each as `hint = [` "
                           "... `]` on lines of their own")
    dropped, parts, last = 0, [], 0
    for block, tiers in zip(blocks, hints):
        kept = tiers[:-1] if len(tiers) > 1 else tiers
        dropped += len(tiers) - len(kept)
        parts += [text[last:block.start()], "hint = [\n" + "".join(f"{_toml_string(tier)},\n" for tier in kept) + "]"]
        last = block.end()
    parts.append(text[last:])
    note = ("\n[release]\ncode_hints = \"withheld\"  # each exercise's last hint tier, which may show code, is not "
            "in this copy of the course\n")
    return "".join(parts).rstrip("\n") + "\n" + note, dropped


def _toml_string(text: str) -> str:
    """A TOML string holding `text`: a multi-line literal string where it can be one, else a basic string."""
    if "'''" not in text and not text.endswith("'"):
        return f"'''\n{text}'''" if not text.startswith("\n") else f"'''{text}'''"
    return json.dumps(text)


def scan(course: Course, out: Path) -> tuple[list[str], list[str]]:
    """(problems, overlaps). A problem is a line of a solution, found in a file of `out`, that neither a stub
    nor the course's own code contains: generated files (stubs, notebooks), the README and the manifest
    (all but its hint tiers: only the last may show code, tests/course/test_course.py holds the others to that)
    must hold none. An overlap is a solution line that the course's own code shipped in `out` contains
    too (an idiom such as `with torch.no_grad():`, or a check building a reference): listed for review."""
    handed_out = _squeezed("".join(markers.stub_files(course.solutions).values()))
    written = {code: line for code, line in _marked_lines(course).items() if code not in handed_out}
    public = _public_code(out)
    overlaps = [f"{rel}: {written[code]}" for rel, text in public.items() for code in sorted(written) if code in text]
    lines = {code for code in written if not any(code in text for text in public.values())}
    problems = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue   # binary: the .npz snapshots hold numbers only
        if path.name == "course.toml" and not course_hints_withheld(path):
            text = HINTS.sub("", text)   # kept at the instructor's word: only the last tier may show code
        if path.suffix == ".ipynb":
            text = "\n".join("".join(c.get("source", "")) for c in json.loads(text).get("cells", []))
        squeezed = _squeezed(text)
        problems += [f"{path.relative_to(out)}: {written[code]}" for code in sorted(lines) if code in squeezed]
    return problems, overlaps
