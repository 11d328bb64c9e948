"""Solution markers: the learner's part of a solution lies between BEGIN/END SOLUTION lines;
the stub is the same file with each marked region replaced by a TODO and a raise.

    ### BEGIN SOLUTION: what the learner should compute (one line)
    ### optional further lines of the TODO, each starting with ###
    ...reference code...
    ### END SOLUTION
"""
from __future__ import annotations

import re
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?::\s*(?P<todo>.*))?$")
MORE = re.compile(r"^[ \t]*###(?: (?P<text>.*))?$")
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")
ANY_MARKER = re.compile(r"###\s*(BEGIN|END)\s+SOLUTION")


class MarkerError(ValueError):
    """A marker is nested, unclosed, unmatched or has no TODO text; says file and line."""


def make_stub(source: str, filename: str = "<solution>") -> str:
    """The stub for one solution file. Files without markers are copied as they are."""
    out: list[str] = []
    lines = source.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r\n")
        begin = BEGIN.match(line)
        if begin is None:
            if END.match(line):
                raise MarkerError(f"{filename}:{i + 1}: END SOLUTION without a BEGIN SOLUTION")
            if ANY_MARKER.search(line):
                raise MarkerError(f"{filename}:{i + 1}: malformed marker; write '### BEGIN SOLUTION: <todo>' "
                                  "or '### END SOLUTION' on a line of its own")
            out.append(lines[i])
            i += 1
            continue
        start, indent = i + 1, begin["indent"]
        todo = [(begin["todo"] or "").strip()]
        if not todo[0]:
            raise MarkerError(f"{filename}:{start}: BEGIN SOLUTION needs a TODO text after a colon")
        i += 1
        while i < len(lines) and not ANY_MARKER.search(lines[i]) and MORE.match(lines[i].rstrip("\r\n")):
            todo.append((MORE.match(lines[i].rstrip("\r\n"))["text"] or "").rstrip())
            i += 1
        body = 0
        while True:
            if i >= len(lines):
                raise MarkerError(f"{filename}:{start}: BEGIN SOLUTION is never closed by '### END SOLUTION'")
            inner = lines[i].rstrip("\r\n")
            if BEGIN.match(inner):
                raise MarkerError(f"{filename}:{i + 1}: BEGIN SOLUTION nested inside the one opened at line {start}")
            if END.match(inner):
                break
            body += bool(inner.strip())
            i += 1
        if body == 0:
            raise MarkerError(f"{filename}:{start}: the solution region is empty")
        out.append(f"{indent}# TODO: {todo[0]}\n")
        out.extend(f"{indent}#       {t}\n" if t else f"{indent}#\n" for t in todo[1:])
        out.append(f"{indent}raise NotImplementedError({todo[0]!r})\n")
        i += 1
    return "".join(out)


def count_regions(source: str) -> int:
    return sum(1 for line in source.splitlines() if BEGIN.match(line))


def stub_files(solutions: Path) -> dict[Path, str]:
    """Relative path -> stub text, for every .py file of a solutions tree."""
    return {
        path.relative_to(solutions): make_stub(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(solutions.rglob("*.py"))
        if "__pycache__" not in path.parts
    }
