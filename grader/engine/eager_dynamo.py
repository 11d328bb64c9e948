"""torch._dynamo deferred in the worker: eager torch.optim and DDP get their answers without importing it.

Importing torch._dynamo costs 1.5-3 s (sympy, torch.fx, inductor's config, ...), and torch imports it on
the first use of any torch.optim optimizer and of DistributedDataParallel. Outside torch.compile all they
ask of it is a no-op or a default: `Optimizer.step` calls `graph_break()`; `torch._disable_dynamo` wraps
`add_param_group`, `zero_grad`, `state_dict` ... with `disable(fn)`, which runs fn unchanged when nothing
is being compiled; DDP reads `utils.get_optimize_ddp_mode()` (its config's default, "ddp_optimizer");
`init_process_group` calls `trace_rules.clear_lru_cache()` (nothing is cached before the real import).

`install()` puts a module answering exactly these into `sys.modules["torch._dynamo"]`. Everything else
(torch.compile, `torch._dynamo.config`, `import torch._dynamo.utils`, learner code reaching into it)
imports the real module, which takes the stand-in's place from then on: the learner's code computes
what it would compute with the real one, only the import is skipped where nothing needs it.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types

NAME = "torch._dynamo"


class _Deferred(types.ModuleType):
    """The stand-in: eager torch's questions answered here; any other attribute comes from the real module."""

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(real(), attr)


def _graph_break(msg: str = "") -> None:
    """Outside a compiled graph there is nothing to break."""


def _disable(fn=None, recursive: bool = True, **options):
    """Outside torch.compile a function with dynamo disabled is the function itself."""
    return fn if fn is not None else (lambda f: f)


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
    module.graph_break = _graph_break
    module.disable = _disable
    module.utils = types.SimpleNamespace(get_optimize_ddp_mode=lambda: "ddp_optimizer")
    module.trace_rules = types.SimpleNamespace(clear_lru_cache=lambda: None)
    module.__path__ = []  # a package, so that `import torch._dynamo.x` reaches _Submodules
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
    import torch

    current = sys.modules.get(NAME)
    if isinstance(current, _Deferred):
        del sys.modules[NAME]
        if torch.__dict__.get("_dynamo") is current:
            del torch._dynamo
        try:
            return importlib.import_module(NAME)
        finally:
            if _FINDER in sys.meta_path:
                sys.meta_path.remove(_FINDER)
    return importlib.import_module(NAME)
