"""What an instructor should look at: what a submission's code did, runs that did not end normally, copies.

Flags never change a score; they point a person at a submission. They come from what the code did, not
from how it is spelled: the observations each job's end record carries (system calls the jail refused,
processes started and programs run, counted by the job's supervisor; imports of low-level modules, ctypes,
sockets, files outside its folder, patched libraries, counted inside the learner's process; see
grader/engine/protocol.py's OBSERVED), the memory cgroup's kills, the learner's own sys.exit, and how each
job ended. An exercise whose checks run processes on purpose (appendix A's DDP) declares how many in its
check module (`LEARNER_PROCESSES = N`): up to that, starting processes is not a flag there. The source is
only read as text for copies (Python's tokenizer), never parsed by the compiler or run here.
"""
from __future__ import annotations

import ast
import functools
from collections import Counter
import io
import keyword
import tokenize
from pathlib import Path

from ..engine.protocol import EXIT, JOB_CRASHED, JOB_LOST, JOB_MEMORY, JOB_TIMEOUT, OBSERVED

JOB_FLAGS = {JOB_TIMEOUT: "ran past its time limit", JOB_MEMORY: "was killed (memory or a hard limit)",
             JOB_CRASHED: "ended abnormally", JOB_LOST: "lost its grading process"}
PROCESS_KINDS = ("started", "ran", "process", "signal")   # what an exercise that declares processes may do


@functools.cache
def allowed_processes(check_path: str) -> int:
    """`LEARNER_PROCESSES` of a check module, read from its source (not imported); 0 when it has none."""
    try:
        tree = ast.parse(Path(check_path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return 0
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "LEARNER_PROCESSES" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, int):
                return node.value.value
    return 0


def observed_flags(ex_id: str, observed: dict, allowance: int = 0) -> list[str]:
    """One flag per kind of thing the job was seen doing (grader/engine/protocol.py OBSERVED)."""
    found = []
    for kind, entry in sorted(observed.items()):
        if kind in PROCESS_KINDS and allowance and (kind in ("process", "signal") or entry["count"] <= allowance):
            continue
        examples = "; ".join(entry["examples"][:3])
        count = f"{entry['count']}×" if entry["count"] > 1 else ""
        found.append(f"did: {ex_id} {OBSERVED.get(kind, kind)} ({count}{' ' if count and examples else ''}"
                     f"{examples})".replace(" ()", ""))
    return found


def submission_flags(sub, jobs: dict | None, results: dict | None = None, root: Path | None = None) -> list[str]:
    """Flags for one student: the intake's notes that matter, what each job did and how it ended (a job
    that did not end normally, an exercise that ran out of time or memory, the learner's own exit)."""
    found = [f"submission: {note}" for note in sub.notes if "symlink" in note or "'..'" in note or "absolute" in note
             or "binary" in note or "larger than" in note or "over the limit" in note or "named like" in note
             or "formula" in note]
    if sub.status != "ok":
        found.append(f"submission: {sub.status}")
    for ex_id, job in (jobs or {}).items():
        if job.status in JOB_FLAGS:
            found.append(f"run: {ex_id} {JOB_FLAGS[job.status]} ({job.detail[:120]})")
        if job.rejected:
            found.append(f"run: {ex_id} sent {job.rejected} malformed, undeclared or oversized record(s)")
        if job.output_bytes > 100_000:
            found.append(f"run: {ex_id} printed {job.output_bytes:,} bytes")
        if job.memory.get("oom_kills"):
            found.append(f"run: {ex_id} hit its memory limit: {int(job.memory['oom_kills'])} process(es) killed "
                         f"(peak {job.memory.get('peak_mb', 0):.0f} MB)")
        errors = [job.import_error, *(case.get("error") for case in job.cases.values())]
        if any(e and e.get("kind") == EXIT for e in errors):
            found.append(f"run: {ex_id} called sys.exit (or exit/quit) in its code")
        allowance = allowed_processes(str(job.exercise.check_path(root))) if root is not None else 0
        found += observed_flags(ex_id, job.observed, allowance)
    for ex_id, result in (results or {}).items():
        if result.status in ("timeout", "memory") and (jobs or {}).get(ex_id) and jobs[ex_id].status not in JOB_FLAGS:
            found.append(f"run: {ex_id} ran out of {'time' if result.status == 'timeout' else 'memory'}")
    return found


def fingerprint(files: dict[str, bytes], known: dict[str, set]) -> set:
    """5-grams of the submission's tokens with names, numbers and strings normalised and comments
    dropped, leaving out those of the stub and the reference (`known`: file -> their 5-grams)."""
    grams = set()
    for rel, data in files.items():
        grams |= shingles(data) - known.get(rel, set())
    return grams


def shingles(data: bytes, k: int = 5) -> set:
    tokens = []
    try:
        for tok in tokenize.tokenize(io.BytesIO(data).readline):
            if tok.type == tokenize.NAME:
                tokens.append(tok.string if keyword.iskeyword(tok.string) else "N")
            elif tok.type == tokenize.NUMBER:
                tokens.append("0")
            elif tok.type == tokenize.STRING:
                tokens.append("S")
            elif tok.type == tokenize.OP:
                tokens.append(tok.string)
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, RecursionError):
        pass
    return {tuple(tokens[i:i + k]) for i in range(max(0, len(tokens) - k + 1))}


def similar_pairs(prints: dict[str, set], threshold: float = 0.9, minimum: int = 40) -> list[tuple[str, str, float]]:
    """Pairs of students whose own code (beyond the stub and reference) is at least `threshold` alike
    (Jaccard of 5-grams), among those with at least `minimum` 5-grams of their own."""
    ids = sorted(s for s, grams in prints.items() if len(grams) >= minimum)
    pairs = []
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            small, large = sorted((prints[a], prints[b]), key=len)
            if len(small) < threshold * len(large):
                continue
            score = len(small & large) / len(small | large)
            if score >= threshold:
                pairs.append((a, b, round(score, 3)))
    return pairs


def squeezed_lines(text: str) -> set[str]:
    """The lines of `text` without their whitespace, 8 characters or more (short ones prove nothing)."""
    return {s for s in ("".join(line.split()) for line in text.splitlines()) if len(s) >= 8}


def handout_flags(files: dict[str, bytes], reference: dict[str, set[str]], stubs: dict[str, bytes]) -> list[str]:
    """A submission that is the course's reference solution nearly verbatim (a leaked answer key; the book's
    code typed in would differ in its comments and layout somewhere), or the stubs as handed out with trivial
    edits only. `reference`: file -> the squeezed lines of its marked solution regions; `stubs`: file -> the
    stub as handed out."""
    found = []
    mine = {rel: data.decode("utf-8", "replace") for rel, data in files.items() if rel in reference}
    wanted = sum(len(lines) for rel, lines in reference.items() if rel in mine)
    held = sum(len(lines & squeezed_lines(mine[rel])) for rel, lines in reference.items() if rel in mine)
    if wanted >= 20 and held >= 0.95 * wanted:
        found.append(f"copy: the course's reference solution, {held} of its {wanted} solution lines verbatim "
                     "(a leaked answer key?)")
    same = [rel for rel in mine if rel in stubs and _code(mine[rel]) == _code(stubs[rel].decode("utf-8", "replace"))]
    if mine and len(same) == len(mine):
        edited = sum(mine[rel] != stubs[rel].decode("utf-8", "replace") for rel in same)
        found.append("copy: the stubs as handed out" + (f", {edited} file(s) changed in comments or layout only"
                                                         if edited else ", unchanged"))
    return found


def _code(text: str) -> list[str]:
    """The code of a module without comments and blank lines, each line without its whitespace."""
    lines = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                lines.append(tok.string)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return ["".join(line.split()) for line in text.splitlines()
                if line.strip() and not line.strip().startswith("#")]
    return lines


KINDS = {"did": "for what their code did", "run": "for how a run ended", "copy": "as copies",
         "submission": "for what was handed in"}


def summary(flag_lists: list[list[str]]) -> str:
    """"3 flagged (2 as copies, 1 for what their code did)": every kind of flag counted, as flags.json has them;
    a student flagged in several ways counts once in the total and once per kind."""
    flagged = [flags for flags in flag_lists if flags]
    if not flagged:
        return "none flagged"
    kinds = Counter(kind for flags in flagged for kind in dict.fromkeys(f.split(":", 1)[0] for f in flags))
    return f"{len(flagged)} flagged (" + ", ".join(f"{n} {KINDS.get(k, k)}" for k, n in kinds.most_common()) + ")"
