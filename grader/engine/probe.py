"""Worker side of a check module: import the learner's code and run the module's cases.

Runs only inside a forked worker child. Each case's result (or the learner's exception,
located in the learner's own file) is sent back as plain data, one record per case.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import linecache
import re
import sys
import time
import traceback
import types
from pathlib import Path

from ..checks.declare import declared_cases
from ..containment import sandbox
from ..core.manifest import PACKAGE
from . import observe, wire
from .protocol import (
    EXIT,
    MEMORY,
    MISSING,
    NOT_IMPLEMENTED,
    RECORD_CASE,
    RECORD_IMPORT,
    WRONG_TYPE,
    error_record,
)


class MissingName(AttributeError):
    """The learner's module lacks a name the exercise needs."""


class Learner:
    """What a case sees: the learner's module for the exercise, plus other modules of the tree."""

    def __init__(self, module: types.ModuleType, label: str):
        self._module = module
        self._label = label

    def __getattr__(self, name):
        try:
            return getattr(self._module, name)
        except AttributeError:
            raise MissingName(
                f"{self._label} has no `{name}`: keep the name the stub defines (was it renamed or deleted?)"
            ) from None

    def module(self, relpath: str) -> Learner:
        """Another module of the learner's tree, e.g. learner.module("ch03/attention.py")."""
        mod = importlib.import_module(f"{PACKAGE}." + relpath.removesuffix(".py").replace("/", "."))
        return Learner(mod, self._label.rsplit("/", 2)[0] + "/" + relpath)


_MOUNTED = []   # trees this process made importable: until then no `exercises` module can be in sys.modules


def mount(target: Path) -> None:
    """Make the tree at `target` importable as the package `exercises`."""
    if _MOUNTED or PACKAGE in sys.modules:  # a job's first mount skips the scan: walking sys.modules (torch's
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:  # thousands) in a
            del sys.modules[name]           # forked process copies every page its names lie on (~4 ms)
    _MOUNTED.append(str(target))
    init = target / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(PACKAGE, init, submodule_search_locations=[str(target)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = module
        spec.loader.exec_module(module)
    else:
        module = types.ModuleType(PACKAGE)
        module.__path__ = [str(target)]
        sys.modules[PACKAGE] = module


def importable_by_new_interpreters(target: Path, folder: Path) -> None:
    """Let fresh interpreters that the learner's code starts (multiprocessing's spawn, which
    torch.multiprocessing.spawn uses) import the tree as `exercises` too: they inherit this
    process's sys.path, not its sys.modules, so `folder` gets a link named `exercises`."""
    link = folder / "import-path" / PACKAGE
    try:
        link.parent.mkdir(exist_ok=True)
        link.symlink_to(target.resolve(), target_is_directory=True)
    except OSError:
        return  # such interpreters then fail to import the learner's code, and say so
    sys.path.insert(0, str(link.parent))


def own_stubs(path: Path, defines: list[str]) -> list[int]:
    """Lines of the `raise NotImplementedError` statements that still stand at the top level of a function
    (or method) among the exercise's own definitions `defines`: the exercise is not written yet there.
    Read from the source in the learner's own process; [] when it cannot be parsed."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    lines = []
    for node in tree.body:
        if getattr(node, "name", None) not in defines:
            continue
        for fn in ast.walk(node):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines += [s.lineno for s in fn.body if isinstance(s, ast.Raise) and _names_not_implemented(s.exc)]
    return sorted(lines)


def _names_not_implemented(exc) -> bool:
    call = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(call, ast.Name) and call.id == "NotImplementedError"


def describe_exception(exc: BaseException, target: Path) -> dict:
    """The learner-facing record of an exception: type, message and the learner's own frame."""
    record = error_record(type(exc).__name__, _safe_str(exc))
    if isinstance(exc, NotImplementedError):
        record["kind"] = NOT_IMPLEMENTED
    elif sandbox.is_memory_error(exc):
        record["kind"] = MEMORY
    elif isinstance(exc, SystemExit):
        record["kind"] = EXIT
        record["message"] = f"your code called sys.exit({exc.code!r}) / exit()"
    elif isinstance(exc, MissingName):
        record["kind"] = MISSING
    root = target.resolve()
    label_root = root.parent
    frames = []
    if isinstance(exc, SyntaxError) and exc.filename:
        frames.append((exc.filename, exc.lineno or 0, "<module>", (exc.text or "").strip()))
    try:
        frames += [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(exc.__traceback__)]
    except Exception:  # noqa: BLE001 - a learner's traceback that cannot be read leaves the location unknown
        pass
    for filename, lineno, func, code in reversed(frames):
        try:
            path = Path(filename).resolve()
            rel = path.relative_to(label_root)
            path.relative_to(root)
        except (ValueError, OSError):
            continue
        if func == "<module>":  # a syntax error, or a top-level line: the definition it stands in, if any
            func = _enclosing_definition(path, lineno or 0) or func
        record["where"] = {"file": rel.as_posix(), "line": lineno or 0, "function": func, "code": (code or "")[:300]}
        if record["kind"] == NOT_IMPLEMENTED:
            todo = _todo_above(path, lineno or 1)
            if todo:
                record["where"]["line"], record["todo"] = todo
        break
    return record


def _enclosing_definition(path: Path, lineno: int) -> str | None:
    """The top-level def or class whose lines hold `lineno` (read as text: the file may not parse)."""
    found = None
    for n in range(1, lineno + 1):
        text = linecache.getline(str(path), n)
        if re.match(r"(?:async\s+def|def|class)\s+\w+", text):
            found = re.match(r"(?:async\s+def|def|class)\s+(\w+)", text)[1]
        elif text.strip() and not text[0].isspace() and not text.startswith(("#", "@", ")", "]", "}")):
            found = None  # top-level code after the definition ended
    return found


def _todo_above(path: Path, lineno: int):
    """(line, text) of the `# TODO:` comment block right above a stub's raise, if any."""
    lines = []
    for n in range(lineno - 1, max(0, lineno - 30), -1):
        text = linecache.getline(str(path), n).strip()
        if not text.startswith("#"):
            return None
        lines.insert(0, text.lstrip("#").strip())
        if text.startswith("# TODO"):
            lines[0] = lines[0].removeprefix("TODO:").strip()
            return n, " ".join(line for line in lines if line)
    return None


def _at_own_stub(error: dict, path: Path, label: str, line: int) -> dict:
    """`error`, re-pointed at the exercise's own stub (its TODO): the exercise is not written yet."""
    todo = _todo_above(path.resolve(), line)
    line, text = todo if todo else (line, None)
    where = {"file": label, "line": line, "function": "", "code": linecache.getline(str(path.resolve()), line).strip()}
    return {**error, "kind": NOT_IMPLEMENTED, "type": "NotImplementedError", "where": where, "todo": text,
            "message": text or "not implemented yet"}


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except Exception:  # noqa: BLE001 - a learner's exception whose __str__ raises
        return "<the exception could not be shown>"


def run_exercise(target: Path, module_rel: str, check_module: types.ModuleType, send,
                 own_dir: Path | None = None, defines: list[str] = (), observer=None) -> None:
    """Import the learner's module, then run every case; `send(record_dict)` after each.
    `own_dir`, a writable folder of this process's own, makes the tree importable by interpreters it spawns;
    `observer` (bulk grading, observe.py) is told what each case returned and looks for patched libraries.
    While the exercise's own code (`defines`) is still a stub, a case that fails anywhere else (in an
    earlier chapter it builds on, say), or at another stub of the same file, is reported at the exercise's
    own TODO: that is what to do next."""
    label = f"{target.resolve().name}/{module_rel}"
    if not (target / module_rel).is_file():
        send({"record": RECORD_IMPORT, "ok": False, "error": error_record(
            "FileNotFoundError", f"{label} does not exist: the exercise's code goes there (restore the stub if it "
            "was deleted)", MISSING)})
        return
    try:
        mount(target)
        if own_dir is not None:
            importable_by_new_interpreters(target, own_dir)
        module = importlib.import_module(f"{PACKAGE}." + module_rel.removesuffix(".py").replace("/", "."))
    except BaseException as exc:  # noqa: BLE001 - anything the learner's import does is reported
        send({"record": RECORD_IMPORT, "ok": False, "error": describe_exception(exc, target)})
        if observer is not None:
            observer.check_patches()
        return
    learner = Learner(module, label)
    path = target / module_rel
    stubs = own_stubs(path, list(defines))
    for name, case in declared_cases(check_module):
        start = time.perf_counter()
        try:
            value = case(learner)
            if observer is not None:
                observe.own_classes(value, observer)
            record = {"record": RECORD_CASE, "name": name, "ok": True, "value": wire.to_plain(value)}
        except wire.WireError as exc:
            record = {"record": RECORD_CASE, "name": name, "ok": False,
                      "error": error_record("WrongType", str(exc), WRONG_TYPE)}
        except BaseException as exc:  # noqa: BLE001 - whatever the learner's code raises is reported
            error = describe_exception(exc, target)
            where = error.get("where") or {}
            other_stub = error.get("type") == "NotImplementedError" and where.get("line") not in stubs
            if stubs and (where.get("file") != label or other_stub):
                error = _at_own_stub(error, path, label, stubs[0])
            record = {"record": RECORD_CASE, "name": name, "ok": False, "error": error}
        record["duration_s"] = round(time.perf_counter() - start, 4)
        send(record)
    if observer is not None:
        observer.check_patches()
