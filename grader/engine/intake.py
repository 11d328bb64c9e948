"""The worker's intake: job requests on stdin, and the check modules the jobs need.

Requests come one JSON document per line: {"jobs": [...]} (and, for bulk grading,
"isolated": true — the batch is one submission's, run in a process of its own).
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from . import preload


class Requests:
    """Job requests on stdin, one JSON document per line, read without blocking the scheduler."""

    def __init__(self, fd: int):
        self.fd, self.buffer, self.closed, self.pending = fd, b"", False, []

    def first(self) -> dict:
        while b"\n" not in self.buffer and not self.closed:
            self._fill()
        docs = self._docs()
        if not docs:
            sys.exit("the grading worker got no request")
        first, self.pending = docs[0], docs[1:]
        return first

    def _fill(self) -> None:
        data = os.read(self.fd, 1 << 16)
        self.closed = not data
        self.buffer += data

    def _docs(self) -> list[dict]:
        *lines, self.buffer = self.buffer.split(b"\n")
        if self.closed and self.buffer.strip():
            lines, self.buffer = [*lines, self.buffer], b""
        return [json.loads(line) for line in lines if line.strip()]

    def more(self) -> list[dict]:
        """After the fd was found readable: every complete request that arrived."""
        if self.pending:
            docs, self.pending = self.pending, []
        else:
            self._fill()
            docs = self._docs()
        return docs


class Checks(dict):
    """Check modules by path, imported in the worker (trusted code) the first time a job needs them;
    what they declare in WORKER_PRELOAD is loaded once, before any child is forked from the worker."""

    def __init__(self, preloaded: list[str]):
        super().__init__()
        self.preloaded = preloaded

    def __missing__(self, path: str):
        name = "_checks_" + Path(path).stem
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for item in getattr(module, "WORKER_PRELOAD", ()):
            if item not in self.preloaded:
                getattr(preload, item)()
                self.preloaded.append(item)
        self[path] = module
        return module
