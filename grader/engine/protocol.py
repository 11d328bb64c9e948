"""The worker <-> checker protocol in one place: frames, records, error kinds and statuses.

Both ends import this module (it imports nothing heavy). Inside the worker, the learner's process
sends each record to its supervisor-side reader as `RECORD_LENGTH(n) + payload` (n > 0), and
`END_OF_RECORDS` once every case ran; a process of the grader's own that fails exits with
`EXIT_INTERNAL`, and one that could not build the jail with `EXIT_NO_JAIL` (no learner code ran).
The worker writes frames
`HEADER(job, kind, length) + payload` to its channel, payloads made by `wire.pack`:
  FRAME_INFO   once, job INFO_JOB: what the worker applied (limits) and preloaded
  FRAME_CASE   a record from the learner's process: RECORD_IMPORT (the module failed to import)
               or RECORD_CASE (one case's value, or the learner's error)
  FRAME_END    the worker's word on how the job's process ended (a JOB_* status), what the job was seen
               doing ("observed", see below) and what it used of its memory cgroup ("memory")
An error record is {"type", "message", "kind" (ERROR_KINDS), "where", "todo"}: `where` locates
the learner's own line ({"file", "line", "function", "code"}), `todo` is the stub's TODO text
when the code is not written yet. Nothing reads meaning out of feedback text.

Observations: in a jailed job the learner's audit hook (observe.py) and the supervisor's seccomp monitor
write lines `kind TAB detail NEWLINE` (at most OBSERVATION_LINE bytes, so each write is atomic) to a pipe
the worker reads; the worker keeps, per kind of OBSERVED, a count and a few details, and reports them in
the job's end record as {"kind": {"count": n, "examples": [...]}}. They are plain data: the trusted side
turns them into flags (grader/classroom/flags.py). A job that ran every case but never wrote "end" had its
channel cut; one whose learner process exits with EXIT_TAMPERED had it closed or replaced.
"""
from __future__ import annotations

import struct

HEADER = struct.Struct("<IcI")  # job number, frame kind, payload length
MAX_BYTES = 16 * 2**20          # the most a frame (or a child's record) may hold; more ends the stream
MAX_JOB_BYTES = 16 * 2**20      # the most all of one job's records may hold together
MAX_JSON_BYTES = 4 * 2**20      # the most a record's JSON part may hold
MAX_ITEMS = 200_000             # the most JSON values (counted by their separators) one job's records may hold
INFO_JOB = 2**32 - 1           # the job number of the worker's own info frame
FRAME_CASE, FRAME_END, FRAME_INFO = b"C", b"X", b"I"
RECORD_IMPORT, RECORD_CASE = "import", "case"
RECORD_LENGTH = struct.Struct("<I")  # learner's process -> worker: each record's length, then the record
END_OF_RECORDS = RECORD_LENGTH.pack(0)
EXIT_INTERNAL = 70  # a process of the grader's own (supervisor, scheduler) failed
EXIT_NO_JAIL = 71   # the exercise's jail could not be built: nothing of the learner's ran
EXIT_TAMPERED = 72  # the learner's code closed or replaced the observation channel

OBSERVATION_LINE = 512
EVENTS_PER_KIND = 20  # lines sent per kind; the supervisor's counts go on past it ("count TAB kind TAB n")
OBSERVED = {          # kind -> what it means, for a flag: "<student> <meaning>: <examples>"
    "refused": "made system calls the jail refuses",
    "started": "started processes",
    "ran": "ran programs",
    "ffi": "called C functions through ctypes or cffi",
    "process": "used Python's process APIs",
    "signal": "sent signals",
    "network": "used sockets",
    "file": "touched files outside its own folder",
    "limits": "tried to change its resource limits",
    "system": "imported low-level system modules",
    "introspection": "reached into the interpreter",
    "code": "ran code built from strings",
    "patch": "replaced library functions or attributes",
    "environ": "listed the environment",
    "object": "returned objects of its own classes that redefine comparison or conversion",
    "grader": "imported the grader or the test runner",
    "forged": "wrote malformed lines to the grader's observation channel",
    "text": "put control characters or invalid text in its messages or output (shown as spaces)",
}
END_OF_OBSERVATIONS = "end"

# What kind of error the learner's code raised (set by the probe in the learner's process).
ERROR, NOT_IMPLEMENTED, MEMORY, EXIT = "error", "not_implemented", "memory", "exit"
MISSING, WRONG_TYPE = "missing", "type"
ERROR_KINDS = (ERROR, NOT_IMPLEMENTED, MEMORY, EXIT, MISSING, WRONG_TYPE)

# How the job's process ended (set by the worker).
JOB_OK, JOB_TIMEOUT, JOB_MEMORY, JOB_CRASHED, JOB_LOST = "ok", "timeout", "memory", "crashed", "lost"

# Exercise/check statuses of the result schema, for a job that did not end normally ...
STATUS_OF_JOB = {JOB_TIMEOUT: "timeout", JOB_MEMORY: "memory", JOB_CRASHED: "error", JOB_LOST: "error"}
# ... and for a check whose case raised an error of a given kind (anything else: "error").
STATUS_OF_ERROR_KIND = {NOT_IMPLEMENTED: "not_implemented", MEMORY: "memory"}


def error_record(type_: str, message: str, kind: str = ERROR, where: dict | None = None,
                 todo: str | None = None) -> dict:
    return {"type": type_, "message": message, "kind": kind, "where": where, "todo": todo}


def clean_text(value, limit: int) -> str:
    """Text from the learner's process as feedback may show it: at most `limit` characters, no control
    characters but newline and tab, no lone surrogates (which no file encoding can write)."""
    text = value if isinstance(value, str) else str(value or "")
    text = text[:limit].encode("utf-8", "replace").decode("utf-8")
    return text.translate(CONTROL) if not text.isprintable() else text


CONTROL = {c: " " for c in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0), 0xFFFE, 0xFFFF]}


def unclean(value) -> bool:
    """Whether clean_text would change more of `value` than its length: control characters, lone surrogates."""
    if not isinstance(value, str) or value.isprintable():
        return False
    return any(ord(c) in CONTROL or 0xD800 <= ord(c) <= 0xDFFF for c in value)


def clean_error(error) -> dict:
    """An error record from the learner's process, reduced to the fields and types feedback uses
    (the process is untrusted: anything else it sends is dropped)."""
    error = error if isinstance(error, dict) else {}
    text = {k: clean_text(error.get(k) or "", 2000) for k in ("type", "message", "kind", "todo")}
    where = error.get("where")
    if isinstance(where, dict):
        line = where.get("line")
        where = {"file": clean_text(where.get("file", ""), 300), "line": line if isinstance(line, int) else 0,
                 "function": clean_text(where.get("function", ""), 100), "code": clean_text(where.get("code", ""), 300)}
    else:
        where = None
    kind = text["kind"] if text["kind"] in ERROR_KINDS else ERROR
    return {**text, "kind": kind, "todo": text["todo"] or None, "where": where}


def location(error: dict) -> str:
    """`file:line` of the learner's line an error record points at, or ""."""
    where = error.get("where") or {}
    return f"{where.get('file')}:{where.get('line')}" if where.get("file") else ""
