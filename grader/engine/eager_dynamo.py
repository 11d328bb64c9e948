"""torch._dynamo deferred in the worker: eager torch.optim and DDP get their answers without importing it.

Importing torch._dynamo costs 1.5-3 s (sympy, torch.fx, inductor's config, ...), and torch imports it on
the first use of any torch.optim optimizer and of DistributedDataParallel. Outside torch.compile all they
ask of it is a no-op or a default: `Optimizer.step` calls `graph_break()`; `torch._disable_dynamo` wraps
`add_param_group`, `zero_grad`, `state_dict` ... with `disable(fn)`, which runs fn unchanged when nothing
is being compiled; DDP reads `utils.get_optimize_ddp_mode()` (its config's default, "ddp_optimizer");
`init_process_group` calls `trace_rules.clear_lru_cache()` (nothing is cached before the real import).

`install()` puts a module answering exactly these into `sys.modules["torch._dynamo"]`. Everything else
(torch.compile, `torch._dynamo.config`, `import torch._dynamo.utils`, any other name of the module or of
its `utils` and `trace_rules`) imports the real module, which takes the stand-in's place from then on.
What the stand-in handed out before gives way to it too: a function it "disabled" runs as the real
`disable` makes it (torch's own cache of it is dropped, so torch asks the real module again), and a
reference kept to the stand-in reaches the real module. The learner's code computes what it would with
the real one, compiled or not; only the import is skipped where nothing needs it.
"""
from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

NAME = "torch._dynamo"
ANSWERED = ("graph_break", "disable", "utils", "trace_rules")
_real_module: types.ModuleType | None = None   # set once the real module has taken the stand-in's place
_disabled: list[tuple] = []   # (fn, what disable(fn) returned): torch caches the latter on fn


class _Deferred(types.ModuleType):
    """The stand-in: eager torch's questions answered here; any other attribute comes from the real module."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(real(), attr)


class _Part:
    """`utils` or `trace_rules` of the stand-in: the names eager torch asks for, any other from the real one."""

    def __init__(self, name: str, **answers):
        self._name = name
        self.__dict__.update(answers)

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(importlib.import_module(f"{NAME}.{self._name}"), attr)


def _graph_break(msg: str = "") -> None:
    """Outside a compiled graph there is nothing to break."""


def _disable(fn=None, recursive: bool = True, **options):
    """fn with dynamo disabled: fn itself while nothing can compile, what the real `disable` makes of it after."""
    if fn is None:
        return functools.partial(_disable, recursive=recursive, **options)
    made = []

    @functools.wraps(fn)
    def eager_until_dynamo(*args, **kwargs):
        if _real_module is None:
            return fn(*args, **kwargs)
        if not made:
            made.append(_real_module.disable(fn, recursive, **options))
        return made[0](*args, **kwargs)

    _disabled.append((fn, eager_until_dynamo))
    return eager_until_dynamo


class _Submodules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`import torch._dynamo.<name>` while the stand-in is in place: the real package first, then its module."""

    def find_spec(self, name, path=None, target=None):
        if not name.startswith(NAME + ".") or not isinstance(sys.modules.get(NAME), _Deferred):
            return None
        real()
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        module = importlib.import_module(spec.name)  # the real package is in place: an ordinary import
        self.specs = getattr(self, "specs", {}) | {spec.name: module.__spec__}
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = self.specs.pop(module.__name__)  # the import system set it to ours


_FINDER = _Submodules()


def stand_in() -> _Deferred:
    module = _Deferred(NAME, "torch._dynamo deferred: eager answers here, the real module on any other use")
    module.__path__ = []  # a package, so that `import torch._dynamo.x` reaches _Submodules
    module.__spec__ = importlib.machinery.ModuleSpec(NAME, None, is_package=True)
    module.graph_break = _graph_break
    module.disable = _disable
    module.utils = _Part("utils", get_optimize_ddp_mode=lambda: "ddp_optimizer")
    module.trace_rules = _Part("trace_rules", clear_lru_cache=lambda: None)
    return module


def install() -> bool:
    """Put the stand-in in place unless torch._dynamo is imported already; True if it is in place now."""
    import torch

    current = sys.modules.get(NAME)
    if current is None:
        current = sys.modules[NAME] = stand_in()
        torch._dynamo = current
        if _FINDER not in sys.meta_path:
            sys.meta_path.insert(0, _FINDER)
    return isinstance(current, _Deferred)


def real() -> types.ModuleType:
    """The real torch._dynamo, imported now if the stand-in is still in its place."""
    global _real_module
    import torch

    current = sys.modules.get(NAME)
    if not isinstance(current, _Deferred):
        return importlib.import_module(NAME)
    del sys.modules[NAME]
    if torch.__dict__.get("_dynamo") is current:
        del torch._dynamo
    try:
        module = importlib.import_module(NAME)
    finally:
        if _FINDER in sys.meta_path:
            sys.meta_path.remove(_FINDER)
    _real_module = module
    for name in ANSWERED:  # a reference kept to the stand-in now reaches the real module for these too
        current.__dict__.pop(name, None)
    for fn, made in _disabled:  # torch._disable_dynamo asks the real module on fn's next call
        if getattr(fn, "__dict__", {}).get("__dynamo_disable") is made:
            delattr(fn, "__dynamo_disable")
    return module
