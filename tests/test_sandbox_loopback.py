"""Each exercise's own network namespace: its loopback is up and private, and nothing outside is reachable."""
import json
import os
import socket
import sys

import pytest

from grader import sandbox

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                                reason="network namespaces without a user namespace need root")


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
