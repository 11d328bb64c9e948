"""The worker's stand-in for torch._dynamo: torch.optim and DDP train as with the real module, without importing
it; any other use of torch._dynamo gets the real module, and code that compiles works as it does without the
stand-in, also after the stand-in served torch.optim (what it handed out gives way to the real module)."""
import subprocess
import sys

import pytest

SCRIPT = """
import sys
import torch
import torch.distributed as dist
from grader.engine import eager_dynamo

def train(seed):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    for opt in (torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=0.1)):
        for _ in range(3):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        opt.load_state_dict(opt.state_dict())
    return [p.detach().clone() for p in model.parameters()]

def ddp_step():
    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    torch.manual_seed(1)
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(3, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    model(torch.ones(2, 3)).sum().backward()
    opt.step()
    dist.destroy_process_group()
    return [p.detach().clone() for p in model.parameters()]

deferred = lambda: type(sys.modules["torch._dynamo"]).__name__ == "_Deferred"
assert eager_dynamo.install() and deferred()
with_stand_in, ddp_with_stand_in = train(0), ddp_step()
assert deferred(), "an optimizer or DDP imported the real torch._dynamo"
assert not any(n.startswith("torch._dynamo.") for n in sys.modules), "a submodule of torch._dynamo was imported"
from torch import _dynamo as kept                # a reference to the stand-in, kept past the real import
zero_grad = torch.optim.Optimizer.zero_grad.__wrapped__
assert "__dynamo_disable" in zero_grad.__dict__  # torch cached the stand-in's answer on the function

import torch._dynamo.config as config          # a submodule: the real package takes the stand-in's place
assert not deferred() and torch._dynamo is sys.modules["torch._dynamo"] and torch._dynamo.config is config
assert config.__spec__.name == "torch._dynamo.config" and type(config.__spec__.loader).__name__ == "SourceFileLoader"
assert eager_dynamo.install() is False, "once the real module is imported it stays"
assert kept.disable is torch._dynamo.disable and kept.utils is torch._dynamo.utils, "the kept stand-in is stale"
assert "__dynamo_disable" not in zero_grad.__dict__, "torch's cache of the stand-in's disable was kept"
assert all(torch.equal(a, b) for a, b in zip(train(0), with_stand_in)), "trained differently with the real module"
assert getattr(zero_grad.__dict__["__dynamo_disable"], "_torchdynamo_disable", False), "not the real disable"
assert all(torch.equal(a, b) for a, b in zip(ddp_step(), ddp_with_stand_in)), "DDP differs with the real module"

def fit(compiled):                             # a whole training step compiled, optimizer included
    torch.manual_seed(2)
    model, x, y = torch.nn.Linear(4, 2), torch.randn(8, 4), torch.randint(0, 2, (8,))
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    step = torch.compile(step, backend="eager") if compiled else step
    return [float(step()) for _ in range(3)], [p.detach().clone() for p in model.parameters()]
(eager_losses, eager_params), (losses, params) = fit(False), fit(True)
assert all(abs(a - b) < 1e-6 for a, b in zip(losses, eager_losses)), (losses, eager_losses)
assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(params, eager_params))
print("ok")
"""

ATTRIBUTE = """
import sys
import torch
from grader.engine import eager_dynamo
eager_dynamo.install()
import torch._dynamo
from torch._dynamo import utils
mode = utils.get_optimize_ddp_mode()                     # answered by the stand-in
assert type(sys.modules["torch._dynamo"]).__name__ == "_Deferred"
assert isinstance(utils.counters, dict)                  # not the stand-in's: the real torch._dynamo.utils answers
assert type(sys.modules["torch._dynamo"]).__name__ == "module" and torch._dynamo.utils.get_optimize_ddp_mode() == mode
assert torch._dynamo.is_compiling() is False
print("ok")
"""

COMPILE_FIRST = """
import sys
import torch
from grader.engine import eager_dynamo
eager_dynamo.install()
double = torch.compile(lambda t: t * 2 + 1, backend="eager")   # the first use of dynamo: torch.compile
assert torch.equal(double(torch.ones(3)), torch.full((3,), 3.0))
assert type(sys.modules["torch._dynamo"]).__name__ == "module"
print("ok")
"""


@pytest.mark.worker
@pytest.mark.parametrize("script", [SCRIPT, ATTRIBUTE, COMPILE_FIRST],
                         ids=["optimizers-ddp-then-compiled-training", "other-attribute", "compile-first"])
def test_stand_in_trains_as_the_real_module_and_gives_way_to_it(script):
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
