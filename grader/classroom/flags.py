"""What an instructor should look at: suspicious code, runs that did not end normally, copies.

Flags never change a score; they point a person at a submission. The source is only read as
text (regular expressions, Python's tokenizer), never parsed by the compiler or run here.
"""
from __future__ import annotations

import io
import keyword
import re
import tokenize

from ..engine.protocol import JOB_CRASHED, JOB_LOST, JOB_MEMORY, JOB_TIMEOUT

SUSPICIOUS = [
    (r"\bimport\s+(ctypes|subprocess|socket|signal|pty|resource|multiprocessing\.shared_memory)\b|"
     r"\bfrom\s+(ctypes|subprocess|socket|signal|pty|resource)\s+import\b", "imports a system module ({0})"),
    (r"\bos\.(system|popen|fork|forkpty|kill|killpg|_exit|exec\w*|spawn\w*|set\w*uid|setns|unshare|chroot|"
     r"chmod|chown|remove|unlink|rmdir|symlink|link|mount|dup2|write|open)\b", "calls {0}"),
    (r"\bsys\.exit\b|(?<![\w.])(exit|quit)\(", "exits the interpreter ({0})"),
    (r"/proc\b|site-packages|dist-packages|sitecustomize|usercustomize|__pycache__|\.pyc\b|conftest|pytest\.ini",
     "reaches for the system or the test runner ({0})"),
    (r"\b(grader|pytest|_pytest|course_data\.gpt2)\b", "refers to the grader ({0})"),
    (r"\bsys\.modules\b|\b__import__\b|\bimportlib\b|\bbuiltins\b|\bgc\.get_objects\b", "reaches into imports ({0})"),
    (r"\b(torch|numpy|np|nn|F|tiktoken)(\.\w+)+\s*=(?!=)|\bsetattr\(\s*(torch|numpy|np|nn|F|tiktoken)\b",
     "replaces a library function ({0})"),
    (r"\bdef\s+__(eq|ne|hash|bool|len)__\b", "defines {0} (objects that claim equality)"),
    (r"\b(urllib|requests|http\.client|ftplib|smtplib)\b", "uses the network ({0})"),
    (r"(?<![\w.])(eval|exec|compile)\(", "runs code from strings ({0})"),
    (r"(open|Path)\(\s*[rbf]?['\"](/|\.\./)|(?<![\w])[rbfRBF]{0,2}['\"]/[\w.~-]", "names a path outside its folder ({0})"),
    (r"\bexpanduser\(|\bPath\.home\(|\bos\.environ\b|\bgetenv\(", "reads the environment or home folder ({0})"),
    (r"\bglob\(|\brglob\(|\bos\.walk\(|\blistdir\(|\bscandir\(", "lists folders ({0})"),
]
PATTERNS = [(re.compile(p), what) for p, what in SUSPICIOUS]
JOB_FLAGS = {JOB_TIMEOUT: "ran past its time limit", JOB_MEMORY: "was killed (memory or a hard limit)",
             JOB_CRASHED: "ended abnormally", JOB_LOST: "lost its grading process"}


def scan(files: dict[str, bytes], given: dict[str, set[str]] | None = None) -> list[str]:
    """Suspicious constructs in the submitted files, each with file:line (the first few per kind);
    lines the course itself gave (`given`: file -> stripped lines of its stub and reference) are skipped."""
    found = []
    for rel, data in sorted(files.items()):
        text = data.decode("utf-8", "replace")
        skip = (given or {}).get(rel, set())
        for pattern, what in PATTERNS:
            hits = [m for m in pattern.finditer(text) if _line_of(text, m.start()).strip() not in skip][:3]
            if hits:
                places = ", ".join(f"{rel}:{text.count(chr(10), 0, m.start()) + 1}" for m in hits)
                found.append(f"code: {what.format(hits[0].group(0).strip()[:40])} at {places}")
    return found


def _line_of(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start:end if end >= 0 else len(text)]


def submission_flags(sub, jobs: dict | None, given: dict[str, set[str]] | None = None,
                     results: dict | None = None) -> list[str]:
    """Flags for one student: the intake's notes that matter, suspicious code, abnormal runs (a job that
    did not end normally, or an exercise that ran out of time or memory)."""
    found = [f"submission: {note}" for note in sub.notes if "symlink" in note or "'..'" in note or "absolute" in note
             or "binary" in note or "larger than" in note]
    if sub.status != "ok":
        found.append(f"submission: {sub.status}")
    found += scan(sub.files, given)
    for ex_id, job in (jobs or {}).items():
        if job.status in JOB_FLAGS:
            found.append(f"run: {ex_id} {JOB_FLAGS[job.status]} ({job.detail[:120]})")
        if job.rejected:
            found.append(f"run: {ex_id} sent {job.rejected} malformed or undeclared record(s)")
        if job.output_bytes > 100_000:
            found.append(f"run: {ex_id} printed {job.output_bytes:,} bytes")
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
