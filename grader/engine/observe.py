"""What learner code did, seen from inside its own process: imports, ctypes, sockets, files, patched libraries.

Installed in a jailed learner's process before its module is imported (`install`). An audit hook
(sys.addaudithook: it cannot be removed) and a wrapper of `__import__` watch what Python itself reports —
whatever the spelling, so `np.ctypeslib.ctypes.CDLL(None)` is a use of ctypes like `import ctypes` — and
write one line per event to the events pipe the job's supervisor reads (`EVENT_FORMAT`), at once, before
the call proceeds. An event counts when learner code caused it: an import only when a learner's module
imports directly; anything else when the innermost frame that is neither the standard library nor an
installed package is the learner's (the grader's own checks and libraries called by them do not count).
This is a tripwire, not a proof: a process that writes into its own memory could silence it, but reaching
that far is itself reported first, and what cannot be faked (refused system calls, processes started,
memory) is counted outside the process by the supervisor.
"""
from __future__ import annotations

import builtins
import ctypes
import itertools
import os
import sys
import tempfile

from .protocol import EVENTS_PER_KIND, EXIT_TAMPERED

WATCHED_IMPORTS = {
    "ctypes": "ffi", "_ctypes": "ffi", "cffi": "ffi", "subprocess": "process", "_posixsubprocess": "process",
    "pty": "process", "socket": "network", "_socket": "network", "ssl": "network", "resource": "limits",
    "mmap": "system", "fcntl": "system", "termios": "system", "signal": "system", "_posixshmem": "system",
    "multiprocessing.shared_memory": "system", "gc": "introspection", "builtins": "introspection",
    "importlib": "introspection", "marshal": "introspection", "grader": "grader", "pytest": "grader",
    "_pytest": "grader",
}
EVENTS = {
    "ctypes.dlopen": "ffi", "ctypes.dlsym": "ffi", "ctypes.dlsym/handle": "ffi", "ctypes.call_function": "ffi",
    "ctypes.cdata": "ffi", "ctypes.cdata/buffer": "ffi", "ctypes.addressof": "ffi", "ctypes.string_at": "ffi",
    "ctypes.wstring_at": "ffi", "ctypes.create_string_buffer": "ffi", "ctypes.set_errno": "ffi",
    "os.system": "process", "os.exec": "process", "os.posix_spawn": "process", "os.spawn": "process",
    "subprocess.Popen": "process", "pty.spawn": "process", "os.kill": "signal", "os.killpg": "signal",
    "signal.pthread_kill": "signal", "socket.__new__": "network", "socket.connect": "network",
    "socket.bind": "network", "socket.getaddrinfo": "network", "socket.gethostbyname": "network",
    "socket.sendto": "network", "resource.setrlimit": "limits", "resource.prlimit": "limits",
    "sys.addaudithook": "introspection", "sys.setprofile": "introspection", "sys.settrace": "introspection",
    "sys._current_frames": "introspection", "gc.get_objects": "introspection", "gc.get_referrers": "introspection",
    "gc.get_referents": "introspection", "object.__setattr__": "patch", "object.__delattr__": "patch",
}
DIRECT = {"exec": "code", "compile": "code", "marshal.loads": "code", "code.__new__": "code",
          "function.__new__": "code"}   # only when a learner's frame calls them itself (not dataclasses', not imports)
PATHS = {"open": 0, "os.listdir": 0, "os.scandir": 0, "glob.glob": 0, "glob.glob/2": 0, "os.remove": 0, "os.rename": 0,
         "os.mkdir": 0, "os.rmdir": 0, "os.chmod": 0, "os.chown": 0, "os.link": 0, "os.symlink": 1,
         "os.truncate": 0, "os.utime": 0, "os.chdir": 0, "shutil.rmtree": 0, "shutil.copyfile": 1,
         "shutil.move": 1}
SYSTEM_READS = ("/sys/fs/cgroup/", "/sys/devices/system/cpu/", "/proc/self/", "/proc/thread-self/", "/proc/cpuinfo/",
                "/proc/meminfo/", "/proc/stat/", "/etc/localtime/", "/etc/timezone/", "/etc/os-release/",
                "/etc/mime.types/", "/usr/share/", "/usr/lib/locale/", "/dev/urandom/", "/dev/random/")
# what libraries read about the machine on the learner's behalf (how many CPUs the cgroup allows, the time zone)
METADATA = {"__module__", "__qualname__", "__name__", "__doc__", "__annotations__"}
WRITES = {"os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.chown", "os.link", "os.symlink",
          "os.truncate", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move"}
PATCHED = ("builtins", "numpy", "torch", "torch.nn", "torch.nn.functional", "tiktoken", "math", "re", "json",
           "grader.checks", "grader.engine.wire")


class Libraries:
    """The libraries as they are before any learner code runs: each watched module's bindings, and their
    classes. Taken once in the worker before it forks, so no job pays for it."""

    def __init__(self):
        self.patched = {name: _bindings(sys.modules[name]) for name in PATCHED if name in sys.modules}
        self.types = frozenset(id(v) for m in PATCHED if m in sys.modules for v in vars(sys.modules[m]).values()
                               if isinstance(v, type))   # setting attributes of these patches a library
        self.versions = {name: _version(vars(sys.modules[name])) for name in self.patched} if _versions_work() else {}


class Observer:
    """The audit hook's state: who the learner is, where it may write and read, where events go."""

    def __init__(self, fd: int, tree: str, readable: list[str] = (), libraries: Libraries | None = None):
        self.fd, self.tree = fd, tree.rstrip("/") + "/"
        self.busy = False
        self.sent: dict[str, int] = {}
        self.said: set[tuple[str, str]] = set()
        self.pipe = _identity(fd)
        roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, *(p for p in sys.path if p)}
        self.library = tuple(sorted({p.rstrip("/") + "/" for p in roots if not p.startswith(self.tree)}))
        self.readable = self.library + tuple(p.rstrip("/") + "/" for p in readable)
        self.writable = tuple({os.getcwd().rstrip("/") + "/", tempfile.gettempdir().rstrip("/") + "/", "/dev/shm/",
                               "/dev/null/"})
        libraries = libraries or Libraries()
        self.patched, self.types, self.versions = dict(libraries.patched), libraries.types, dict(libraries.versions)

    def send(self, kind: str, detail: str) -> None:
        detail = " ".join(detail.split())[:240]
        count = self.sent.get(kind, 0)
        if count >= EVENTS_PER_KIND or (kind, detail) in self.said:
            return
        self.sent[kind] = count + 1
        self.said.add((kind, detail))
        try:
            if _identity(self.fd) != self.pipe:
                raise OSError("the events pipe was replaced")
            os.write(self.fd, f"{kind}\t{detail}\n".encode("utf-8", "replace"))
        except OSError:
            os._exit(EXIT_TAMPERED)  # the learner's code closed or replaced the channel: the job ends, and says so

    def learner_caused(self, look: str = "library") -> bool:
        """Whether the learner's code caused the current event: its frame is the innermost one that is not a
        library's ("library"), the innermost one at all ("direct"), or the innermost one past the import
        machinery ("import")."""
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith(self.tree):
                return True
            importing = name.startswith("<frozen importlib") or name.endswith("importlib/__init__.py")
            if name == __file__ or (look == "import" and importing) or \
                    (look == "library" and (name.startswith(self.library) or name.startswith("<"))):
                frame = frame.f_back
                continue
            return False
        return False

    def importing(self) -> bool:
        """Whether the import machinery itself raised the current event (reading a module is importing it)."""
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back
        return frame is not None and frame.f_code.co_filename.startswith("<frozen importlib")

    def hook(self, event: str, args: tuple) -> None:
        kind = EVENTS.get(event)
        if kind is None and event not in PATHS and event not in DIRECT and event != "import":
            return
        if self.busy:
            return
        self.busy = True
        try:
            self._event(event, args, kind)
        except Exception:  # noqa: BLE001 - the hook must never break the learner's (or the grader's) code
            pass
        finally:
            self.busy = False

    def _event(self, event: str, args: tuple, kind: str | None) -> None:
        if event == "import":
            if _watched(args[0]) and self.learner_caused("import"):
                self.send(_watched(args[0]), f"import {args[0]}")
        elif event in DIRECT:
            if self.learner_caused("direct"):
                self.send(DIRECT[event], f"{event}() of code {_code_name(args[0])}")
        elif event in PATHS:
            self._path(event, args)
        elif event in ("object.__setattr__", "object.__delattr__"):
            target, name = args[0], str(args[1])
            if isinstance(target, type) and name not in METADATA and id(target) in self.types and \
                    self.learner_caused():
                owner = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', '?')}"
                self.send(kind, f"set {owner}.{name}")
        elif self.learner_caused():
            self.send(kind, f"{event}{_short(args)}")

    def _path(self, event: str, args: tuple) -> None:
        path = args[PATHS[event]] if len(args) > PATHS[event] else None
        if not isinstance(path, (str, bytes, os.PathLike)):
            return
        path = os.fsdecode(path)
        full = os.path.abspath(path) + ("/" if not path.endswith("/") else "")
        writes = event in WRITES or (event == "open" and _writes(args))
        allowed = self.writable + (() if writes else (self.tree, *self.readable, *SYSTEM_READS))
        if full.startswith(allowed) or self.importing() or not self.learner_caused():
            return
        self.send("file", f"{'wrote' if writes else 'read'} {path} ({event})")

    def check_patches(self) -> None:
        """Library functions the learner's code replaced or deleted since the observer started. A module whose
        namespace has not changed at all since (its dict's version tag is the same) is not compared binding by
        binding: reading every binding would copy most of the worker's pages the process shares (~8 ms)."""
        for name, before in self.patched.items():
            module = sys.modules.get(name)
            namespace = getattr(module, "__dict__", None)
            if name in self.versions and type(namespace) is dict and _version(namespace) == self.versions[name]:
                continue
            now = _bindings(module) if module is not None else {}
            changed = [key for key, ident in before.items() if now.get(key) != ident]
            if changed:
                self.send("patch", f"{name}.{', '.join(sorted(changed)[:3])}")
                self.patched[name] = now
            self.versions.pop(name, None)   # compared binding by binding from now on

    def end(self) -> None:
        """The last line, after every case: its absence tells that the process ended early."""
        self.sent.pop("end", None)
        self.said.discard(("end", ""))
        self.send("end", "")


def _identity(fd: int) -> tuple[int, int]:
    info = os.fstat(fd)
    return info.st_dev, info.st_ino


# CPython's dicts carry a version tag (PEP 509) that changes whenever the dict does; it lies after the object
# header and the item count. Read without touching any value of the dict (whose reference count a Python-level
# comparison writes), and used only where `_versions_work` saw it change on every kind of update.
_VERSION_OFFSET = 3 * ctypes.sizeof(ctypes.c_void_p)


def _version(namespace: dict) -> int:
    return ctypes.c_uint64.from_address(id(namespace) + _VERSION_OFFSET).value


def _versions_work() -> bool:
    """Whether dict version tags can be read here (the layout checked on dicts of known size) and change on a
    value replaced, a key added and a key deleted (CPython 3.11-3.13; not 3.14, nor other interpreters)."""
    if sys.implementation.name != "cpython" or not (3, 11) <= sys.version_info[:2] <= (3, 13):
        return False
    def used(d: dict) -> int:
        return ctypes.c_ssize_t.from_address(id(d) + 2 * ctypes.sizeof(ctypes.c_void_p)).value

    probe = {"a": 1}
    if used(probe) != 1 or used({}) != 0 or used(dict.fromkeys(range(5))) != 5:
        return False
    seen = [_version(probe)]
    for change in (lambda: probe.__setitem__("a", 2), lambda: probe.__setitem__("b", 1), lambda: probe.pop("b"),
                   lambda: probe.update(a=3)):
        change()
        seen.append(_version(probe))
    return len(set(seen)) == len(seen)


def _bindings(module) -> dict[str, int]:
    try:
        return {key: id(value) for key, value in vars(module).items()}
    except TypeError:
        return {}


def _watched(name) -> str | None:
    name = str(name)
    for candidate in (name, name.split(".")[0]):
        if candidate in WATCHED_IMPORTS:
            return WATCHED_IMPORTS[candidate]
    return None


def _writes(args: tuple) -> bool:
    mode = args[1] if len(args) > 1 else "r"
    flags = args[2] if len(args) > 2 else 0
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and flags >= 0 and bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC))


def _code_name(code) -> str:
    return repr(getattr(code, "co_filename", "?"))[:80]


def _short(args: tuple) -> str:
    shown = []
    for arg in args[:2]:
        text = arg if isinstance(arg, (str, int, float)) else type(arg).__name__
        shown.append(repr(text)[:80])
    return "(" + ", ".join(shown) + ")"


class _Environ(os._Environ):
    """os.environ, telling the observer when learner code lists it (reading one variable is not listing)."""

    observer: Observer | None = None

    def _listed(self):
        watcher = _Environ.observer
        if watcher is not None and not watcher.busy:
            watcher.busy = True
            try:
                if watcher.learner_caused():
                    watcher.send("environ", "listed the environment")
            finally:
                watcher.busy = False

    def __iter__(self):
        self._listed()
        return super().__iter__()

    def __repr__(self):
        self._listed()
        return super().__repr__()


def _importer(original, observer: Observer):
    def __import__(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and not observer.busy and _watched(name):
            caller = sys._getframe(1).f_code.co_filename
            if caller.startswith(observer.tree):
                observer.send(_watched(name), f"import {name}")
        return original(name, globals, locals, fromlist, level)
    return __import__


def install(fd: int, tree: str, readable: list[str] = (), libraries: Libraries | None = None) -> Observer:
    """Watch this process for what learner code does (see the module's docstring); events go to `fd`.
    Besides its tree and the libraries, the learner's code may read the folders `readable` unflagged."""
    observer = Observer(fd, tree, readable, libraries)
    builtins.__import__ = _importer(builtins.__import__, observer)
    observer.patched["builtins"] = {**observer.patched.get("builtins", {}), "__import__": id(builtins.__import__)}
    if "builtins" in observer.versions:
        observer.versions["builtins"] = _version(vars(builtins))   # the change just made is the observer's own
    os.environ.__class__ = _Environ
    _Environ.observer = observer
    sys.addaudithook(observer.hook)
    return observer


def own_classes(value, observer: Observer, depth: int = 0, seen: list | None = None) -> None:
    """Report objects in a case's result whose class the learner's code defined with its own comparison,
    truth or conversion (an object that claims equality proves nothing; such a result is refused or
    flattened before it crosses)."""
    seen = [0] if seen is None else seen
    seen[0] += 1
    if depth > 32 or seen[0] > 10_000:
        return
    cls = type(value)
    if (getattr(cls, "__module__", "") or "").startswith("exercises"):
        overrides = sorted({n for k in cls.__mro__ if (k.__module__ or "").startswith("exercises")
                            for n in vars(k) if n in SPECIAL})
        if overrides:
            observer.send("object", f"returned a {cls.__qualname__} defining {', '.join(overrides[:3])}")
            return
    if isinstance(value, list):      # the base classes' own methods: no learner code runs here
        items = list.__getitem__(value, slice(0, 1000))
    elif isinstance(value, tuple):
        items = tuple.__getitem__(value, slice(0, 1000))
    elif isinstance(value, dict):
        items = list(itertools.islice(dict.values(value), 1000))
    else:
        return
    for item in items:
        own_classes(item, observer, depth + 1, seen)


SPECIAL = {"__eq__", "__ne__", "__hash__", "__bool__", "__len__", "__lt__", "__le__", "__gt__", "__ge__",
           "__float__", "__int__", "__index__", "__array__", "__iter__", "__getitem__", "__contains__", "__str__"}
