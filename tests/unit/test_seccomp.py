"""The seccomp filter of bulk grading's jail: its system call numbers match the kernel's headers, and installed
in a throwaway process it refuses what it lists, answers ENOSYS where it pretends a call is absent, lets
threads, forks and programs run, and has the supervisor's monitor count all of it."""
import ast
import os
import platform
import re
import selectors
import socket
import subprocess
from pathlib import Path

import pytest

from grader.containment import seccomp

HEADERS = {"x86_64": (seccomp.X86_64, Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")),
           "aarch64": (seccomp.AARCH64, Path("/usr/include/asm-generic/unistd.h"))}
needs_filter = pytest.mark.skipif(seccomp.table() is None, reason="no seccomp table for this machine")


@pytest.mark.parametrize("arch", list(HEADERS))
def test_the_tables_match_the_kernel_headers(arch):
    table, header = HEADERS[arch]
    if not header.is_file():
        pytest.skip(f"{header} is not installed (linux-libc-dev)")
    defined = dict(re.findall(r"#define __NR(?:3264)?_(\w+)\s+(\d+)", header.read_text()))
    wrong = {name: (number, defined.get(name)) for name, number in table.numbers.items()
             if str(number) != defined.get(name)}
    assert not wrong, wrong
    assert set(seccomp.REFUSED) | set(seccomp.ABSENT) <= set(table.numbers) | {"modify_ldt"}
    assert seccomp.program(table, notify=True)


def test_every_refused_call_is_named_in_the_docstring():
    for name in [*seccomp.REFUSED, *seccomp.ABSENT]:
        assert name in seccomp.__doc__, name


PROBE = """
import ctypes, os, socket, subprocess, sys, threading
from grader.containment import seccomp
fd, _ = seccomp.install(notify=True)
channel = socket.socket(fileno=int(sys.argv[1]))
socket.send_fds(channel, [b"L"], [fd])
libc = ctypes.CDLL(None, use_errno=True)
def call(number, *args):
    return libc.syscall(number, *args), ctypes.get_errno()
n = seccomp.table().numbers
result = {"keyctl": call(n["keyctl"], 0, 0), "unshare_user": call(n["unshare"], 0x10000000),
          "shmget": call(n["shmget"], 0x6c6c70, 4096, 0o1600), "clone3": call(n["clone3"], 0, 0),
          "io_uring": call(n["io_uring_setup"], 1, 0)}
thread = threading.Thread(target=lambda: None)
thread.start(); thread.join()
result["program"] = subprocess.run(["/bin/true"]).returncode
import torch
result["torch"] = float(torch.ones(3).sum())
print(result, flush=True)
"""


@needs_filter
def test_the_filter_refuses_pretends_and_lets_the_rest_run():
    ours, theirs = socket.socketpair()
    child = subprocess.Popen([os.sys.executable, "-c", PROBE, str(theirs.fileno())], pass_fds=(theirs.fileno(),),
                             stdout=subprocess.PIPE, text=True)
    theirs.close()
    _, fds, _, _ = socket.recv_fds(ours, 1, 1)
    monitor = seccomp.Monitor(fds[0])
    selector = selectors.DefaultSelector()
    selector.register(fds[0], selectors.EVENT_READ)
    while child.poll() is None:
        for _ in selector.select(timeout=0.05):
            monitor.handle()
    result = ast.literal_eval(child.stdout.read())  # our own probe prints a dict of numbers
    eperm, enosys = 1, 38
    assert result["keyctl"] == (-1, eperm) and result["unshare_user"] == (-1, eperm)
    assert result["shmget"] == (-1, eperm)
    assert result["clone3"] == (-1, enosys) and result["io_uring"] == (-1, enosys)
    assert result["program"] == 0 and result["torch"] == 3.0
    report = monitor.report()
    assert report["refused"] == {"keyctl": 1, "unshare of a new namespace": 1, "shmget": 1}, report
    assert report["processes"] >= 1 and report["programs"] >= 1 and "/bin/true" in report["program_paths"]


def test_without_user_notifications_the_filter_answers_eperm_itself():
    table = seccomp.X86_64
    code = seccomp.program(table, notify=False)
    returns = {int.from_bytes(code[i + 4:i + 8], "little") for i in range(0, len(code), 8)
               if int.from_bytes(code[i:i + 2], "little") == 0x06}
    assert returns == {seccomp.RET_ALLOW, seccomp.RET_ERRNO | 1, seccomp.RET_ERRNO | 38}
    assert len(code) // 8 < 255  # every jump fits BPF's 8-bit offsets


INT80 = """
import ctypes, mmap, os, sys
code = bytes([0xB8, 0x14, 0, 0, 0, 0xCD, 0x80, 0xC3])   # mov eax, 20 (getpid in the 32-bit table); int 0x80; ret
memory = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
memory.write(code)
call = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(memory)))
if sys.argv[1] == "filtered":
    from grader.containment import seccomp
    seccomp.install(notify=False)
print(call() == os.getpid(), call())
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the 32-bit table is x86-64's")
def test_the_32_bit_table_is_refused_whole():
    """Number 20 is getpid in the 32-bit table (int 0x80) and writev in the 64-bit one: the filter checks the
    audit architecture first, so no 32-bit call gets through under a number the 64-bit list does not name."""
    plain = subprocess.run([os.sys.executable, "-c", INT80, "plain"], capture_output=True, text=True)
    if plain.returncode != 0 or not plain.stdout.startswith("True"):
        pytest.skip("this kernel runs no 32-bit system calls (no IA32 emulation)")
    filtered = subprocess.run([os.sys.executable, "-c", INT80, "filtered"], capture_output=True, text=True)
    assert filtered.stdout.split() == ["False", "-1"], filtered.stdout + filtered.stderr  # -EPERM
