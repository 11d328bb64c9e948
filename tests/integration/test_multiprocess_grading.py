"""What multi-process learner code (appendix A's DDP) needs from the worker: a loopback of the exercise's
own, up and private, with nothing outside reachable; and fresh interpreters (multiprocessing's spawn)
that import the learner's tree."""
import json
import os
import shutil
import socket
import sys

import pytest

from grader.containment import sandbox
from grader.scoring.grading import grade_jobs

needs_root = pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                                reason="network namespaces without a user namespace need root")
BODY = "    pieces = re.split(SPLIT_PATTERN, text)\n"
SPAWN = ("    import multiprocessing\n"
         "    child = multiprocessing.get_context('spawn').Process(target=build_vocab, args=(['a'],))\n"
         "    child.start()\n    child.join()\n"
         "    assert child.exitcode == 0, 'the new interpreter could not import build_vocab'\n")


def in_own_loopback(probe) -> dict:
    """probe() run in a forked child after sandbox.own_loopback(); its result (a dict of bools) comes back."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            result = {"entered": sandbox.own_loopback()}
            result.update(probe() if result["entered"] else {})
            os.write(write, json.dumps(result).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    assert os.waitpid(pid, 0)[1] == 0, "the child failed"
    return json.loads(text)


@needs_root
def test_loopback_is_up_private_and_alone():
    with socket.create_server(("127.0.0.1", 0)) as outside:
        port = outside.getsockname()[1]

        def probe():
            with socket.create_server(("127.0.0.1", port)) as server:  # the same port is free in here
                with socket.create_connection(("127.0.0.1", port), timeout=1) as client:
                    client.sendall(b"hi")
                    talks = server.accept()[0].recv(2) == b"hi"
            try:
                socket.create_connection(("10.255.255.53", 53), timeout=1).close()
                reaches_out = True
            except OSError:
                reaches_out = False
            return {"talks": talks, "reaches_out": reaches_out}

        result = in_own_loopback(probe)
    if not result["entered"]:
        pytest.skip("this kernel refuses new network namespaces")
    assert result == {"entered": True, "talks": True, "reaches_out": False}


@pytest.mark.needs_solutions
def test_spawned_interpreters_import_the_learners_tree(course, tmp_path):
    """torch.multiprocessing.spawn, the book's DDP launcher, starts a new Python that imports the learner's
    function by name: it must find the tree being graded, wherever it lies, as `exercises`."""
    tree = tmp_path / "anywhere"
    shutil.copytree(course.solutions, tree, ignore=shutil.ignore_patterns("__pycache__"))
    module = tree / "ch02" / "tokenizers.py"
    assert module.read_text().count(BODY) == 1
    module.write_text(module.read_text().replace(BODY, SPAWN + BODY))
    split = grade_jobs(course, [(tree, [course.exercise("ch02.split_text")])])[0].exercises[0]
    assert split.status == "passed", split.feedback + split.output
