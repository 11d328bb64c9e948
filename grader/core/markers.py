"""Solution markers: the learner's part of a solution lies between BEGIN/END SOLUTION lines;
the stub is the same file with each marked region replaced by a TODO and a raise.

    ### BEGIN SOLUTION: what the learner should compute (one line)
    ### optional further lines of the TODO, each starting with ###
    ...reference code...
    ### END SOLUTION

The TODO states the contract (inputs, outputs, shapes, the book section), never the code; the
stub raises NotImplementedError naming the definition it stands in (the exercise's own name) and
pointing at the TODO above it, which the grader quotes in its "not implemented" feedback. Where a raise cannot
stand in for the code (a dict literal the learner fills in), the region may end with stub code of its own,
written as comments after a `### STUB` line; the stub then holds that code instead of the raise:

    ### BEGIN SOLUTION: fill in the values of the book's GPT_CONFIG_124M (section 4.1).
    GPT_CONFIG_124M = {"vocab_size": 50257, ...}
    ### STUB
    # GPT_CONFIG_124M = {"vocab_size": ..., ...}
    ### END SOLUTION
"""
from __future__ import annotations

import re
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?::\s*(?P<todo>.*))?$")
MORE = re.compile(r"^[ \t]*###(?: (?P<text>.*))?$")
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")
STUB = re.compile(r"^[ \t]*### STUB\s*$")
ANY_MARKER = re.compile(r"###\s*(BEGIN|END)\s+SOLUTION")
TOP_DEF = re.compile(r"^(?:async\s+def|def|class)\s+(?P<name>\w+)")


class MarkerError(ValueError):
    """A marker is nested, unclosed, unmatched or has no TODO text; says file and line."""


def make_stub(source: str, filename: str = "<solution>") -> str:
    """The stub for one solution file. Files without markers are copied as they are."""
    out: list[str] = []
    lines = source.splitlines(keepends=True)
    i, owner = 0, "this exercise"
    while i < len(lines):
        line = lines[i].rstrip("\r\n")
        begin = BEGIN.match(line)
        if TOP_DEF.match(line):
            owner = TOP_DEF.match(line)["name"]
        if begin is None:
            if END.match(line):
                raise MarkerError(f"{filename}:{i + 1}: END SOLUTION without a BEGIN SOLUTION")
            if ANY_MARKER.search(line) or STUB.match(line):
                raise MarkerError(f"{filename}:{i + 1}: malformed or misplaced marker; write "
                                  "'### BEGIN SOLUTION: <todo>', '### STUB' (inside a region) or "
                                  "'### END SOLUTION' on a line of its own")
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
        body, stub = 0, None
        while True:
            if i >= len(lines):
                raise MarkerError(f"{filename}:{start}: BEGIN SOLUTION is never closed by '### END SOLUTION'")
            inner = lines[i].rstrip("\r\n")
            if BEGIN.match(inner):
                raise MarkerError(f"{filename}:{i + 1}: BEGIN SOLUTION nested inside the one opened at line {start}")
            if END.match(inner):
                break
            if STUB.match(inner):
                if stub is not None:
                    raise MarkerError(f"{filename}:{i + 1}: a second ### STUB in the region opened at line {start}")
                stub = []
            elif stub is not None:
                stub.append(_uncomment(inner, indent, filename, i + 1))
            else:
                body += bool(inner.strip())
            i += 1
        if body == 0:
            raise MarkerError(f"{filename}:{start}: the solution region is empty")
        if stub is not None and not any(line.strip() for line in stub):
            raise MarkerError(f"{filename}:{start}: the ### STUB part of the region is empty")
        out.append(f"{indent}# TODO: {todo[0]}\n")
        out.extend(f"{indent}#       {t}\n" if t else f"{indent}#\n" for t in todo[1:])
        if stub is None:
            out.append(f"{indent}raise NotImplementedError({owner + ': not written yet, see the TODO above'!r})\n")
        else:
            out.extend(line + "\n" for line in stub)
        i += 1
    return "".join(out)


def _uncomment(line: str, indent: str, filename: str, lineno: int) -> str:
    """A line of a region's ### STUB part: `<indent># code` -> `<indent>code` (blank lines stay)."""
    if not line.strip():
        return ""
    body = line[len(indent):] if line.startswith(indent) else None
    if body is None or not body.startswith("#"):
        raise MarkerError(f"{filename}:{lineno}: after ### STUB, write the stub's code as comments "
                          f"('{indent}# code') at the marker's indentation")
    return indent + body[2:] if body.startswith("# ") else indent + body[1:]


def regions(source: str) -> list[dict]:
    """Each marked region of a solution: {"line": its BEGIN line, "todo": the TODO's lines,
    "code": the solution's lines (the ### STUB part left out)}."""
    found = []
    state = "outside"  # outside -> todo -> code -> stub -> outside
    for n, line in enumerate(source.splitlines(), 1):
        begin = BEGIN.match(line)
        if begin:
            found.append({"line": n, "todo": [(begin["todo"] or "").strip()], "code": []})
            state = "todo"
        elif state == "outside":
            continue
        elif END.match(line):
            state = "outside"
        elif STUB.match(line):
            state = "stub"
        elif state == "todo" and MORE.match(line):
            found[-1]["todo"].append((MORE.match(line)["text"] or "").strip())
        elif state in ("todo", "code"):
            state = "code"
            found[-1]["code"].append(line)
    return found


def solved(source: str) -> str:
    """The solution as the learner should end up with it: the code of each region, without the
    marker lines, the TODO lines or the ### STUB part (for the reference notebooks)."""
    kept, state = [], "outside"
    for line in source.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if BEGIN.match(bare):
            state = "todo"
        elif state == "outside":
            kept.append(line)
        elif END.match(bare):
            state = "outside"
        elif STUB.match(bare):
            state = "stub"
        elif state == "todo" and MORE.match(bare):
            continue
        elif state in ("todo", "code"):
            state = "code"
            kept.append(line)
    return "".join(kept)


def count_regions(source: str) -> int:
    return sum(1 for line in source.splitlines() if BEGIN.match(line))


def stub_files(solutions: Path) -> dict[Path, str]:
    """Relative path -> stub text, for every .py file of a solutions tree."""
    return {
        path.relative_to(solutions): make_stub(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(solutions.rglob("*.py"))
        if "__pycache__" not in path.parts
    }
