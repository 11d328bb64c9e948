"""Whether this machine can jail learner code as bulk grading does (`grade bulk`, `grade doctor`)."""
from __future__ import annotations

import os
import sys

from . import sandbox


class IsolationMissing(RuntimeError):
    """This OS cannot jail learner code; bulk grading refuses unless told to run it anyway."""


def isolation_available() -> str:
    """"" where this machine can jail learner code as bulk grading does, else what is missing."""
    if not sys.platform.startswith("linux"):
        return "Linux namespaces (this is " + sys.platform + ")"
    if os.geteuid() != 0:
        return "root, to run learner code as uids of its own (run grade bulk with sudo)"
    return "" if sandbox.pid_namespaces_work() else "PID and mount namespaces"
