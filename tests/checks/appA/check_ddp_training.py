"""Checks for appA.ddp_training: run_ddp trains the book's NeuralNetwork(2, 2) with two processes (gloo, on
CPU) inside the grader; both ranks must end with the same parameters, equal to single-process training on
the union of the ranks' batches (DDP averages the gradients of equal shards), and save the network's own
state_dict.

Known start (initial_state), 8 examples in a ToyDataset, batches of 2 per rank, 3 epochs, SGD lr 0.5
(main's defaults). The single-process references use DistributedSampler's own index lists, computed
here, so no check depends on the order torch's RNG happens to draw."""
import numpy as np

from grader.checks import case, expect_close, expect_names, fail, fail_if_mistake, sibling

WORKER_PRELOAD = ("optimizers",)   # torch.optim and DDP find a stand-in for torch._dynamo (engine/eager_dynamo.py)
LEARNER_PROCESSES = 4   # bulk grading flags more: two ranks, and with mp.spawn multiprocessing's resource tracker
ref = sibling(__file__, "appa_reference")
N, EPOCHS, BATCH, LR, WORLD = 8, 3, 2, 0.5, 2
X, Y = ref.features(N, 2, "ddp.x"), ref.labels(N, 2, "ddp.y")
WEIGHTS = ref.mlp_weights([2, 30, 20, 2], "ddp")   # NeuralNetwork(2, 2)'s names: layers.0.weight, ...
DEADLINE_S = 45.0   # the fork start method needs ~1 s, the book's mp.spawn 12-20 s on two busy cores


def _initial_state():
    import torch
    return {name: torch.from_numpy(value) for name, value in WEIGHTS.items()}


def _model():
    """The book's NeuralNetwork(2, 2), the check's own, with the known start."""
    import torch

    class Reference(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.Sequential(torch.nn.Linear(2, 30), torch.nn.ReLU(), torch.nn.Linear(30, 20),
                                              torch.nn.ReLU(), torch.nn.Linear(20, 2))

        def forward(self, x):
            return self.layers(x)

    model = Reference()
    model.load_state_dict(_initial_state())
    return model


def _dataset():
    import torch
    return torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))


def _shards(epoch):
    """Each rank's indices in `epoch`, as DistributedSampler(dataset) gives them after set_epoch(epoch)."""
    from torch.utils.data.distributed import DistributedSampler
    shards = []
    for rank in range(WORLD):
        sampler = DistributedSampler(_dataset(), num_replicas=WORLD, rank=rank)
        sampler.set_epoch(epoch)
        shards.append(list(sampler))
    return shards


def _steps(kind):
    """The index batches of every step of single-process training equivalent to `kind` of DDP run."""
    steps = []
    for epoch in range(EPOCHS):
        if kind == "no_sampler":   # every rank iterates the whole dataset in order
            steps += [list(range(k, k + BATCH)) for k in range(0, N, BATCH)]
            continue
        shards = _shards(0 if kind == "no_set_epoch" else epoch)
        for k in range(0, N // WORLD - BATCH + 1, BATCH):
            steps.append(shards[0][k:k + BATCH] if kind == "alone" else
                         [i for shard in shards for i in shard[k:k + BATCH]])
    return steps


def _single_process(kind):
    import torch
    import torch.nn.functional as F
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR * {"half": 0.5, "double": 2.0}.get(kind, 1.0))
    for batch in _steps(kind):
        loss = F.cross_entropy(model(torch.from_numpy(X[batch])), torch.from_numpy(Y[batch]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {n: p.detach().clone() for n, p in model.named_parameters()}


@case
def run(learner):
    import os
    import tempfile

    import torch

    folder = tempfile.mkdtemp(prefix="ddp-", dir=os.getcwd())
    train_ds = learner.module("appA/data.py").ToyDataset(torch.from_numpy(X), torch.from_numpy(Y))
    paths = [os.path.join(folder, f"model_rank{rank}.pth") for rank in range(WORLD)]
    sizes = {}

    def saved():
        """Every rank's file is there and has not grown since the last look."""
        now = {path: os.stat(path).st_size if os.path.exists(path) else -1 for path in paths}
        steady, sizes["last"] = now == sizes.get("last") and min(now.values()) > 0, now
        return steady

    result = ref.run_with_alarm(lambda: learner.run_ddp(train_ds, _initial_state(), EPOCHS, folder,
                                                        world_size=WORLD), DEADLINE_S, WORLD, saved)
    result["ranks"] = {}
    for rank, path in enumerate(paths):
        try:
            state = torch.load(path, weights_only=True)
            result["ranks"][str(rank)] = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
        except FileNotFoundError:
            result["ranks"][str(rank)] = None
        except Exception as exc:  # noqa: BLE001 - said by the checks
            result["ranks"][str(rank)] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return result


@case
def references(learner):
    return {"shards": [_shards(epoch) for epoch in range(EPOCHS)],
            **{kind: _single_process(kind) for kind in ("book", "no_set_epoch", "no_sampler", "half", "double",
                                                          "alone")}}


def _states(out):
    """rank -> its saved parameters, names without DDP's "module." prefix; fails when the run did not finish."""
    got = out["run"]
    if not got["finished"] and got["processes"]:
        fail(f"run_ddp(..., world_size={WORLD}) started {got['processes']} process(es), which wait in "
             f"init_process_group for the other ranks forever: start world_size processes (nprocs=world_size), "
             "ranks 0 .. world_size - 1")
    if not got["finished"]:
        fail(f"run_ddp did not finish within {DEADLINE_S:g} s: each process waits in init_process_group, or in "
             "backward(), until all world_size processes get there. Start world_size processes (nprocs), give "
             "each its own rank, and let every rank run the same number of steps")
    if got["error"]:
        fail("run_ddp failed: " + ref.explain_error(got["error"]))
    states = {}
    for rank, state in got["ranks"].items():
        if state is None:
            fail(f"no model_rank{rank}.pth in save_dir after run_ddp: every process saves its copy of the trained "
                 f"weights there, torch.save(..., os.path.join(save_dir, f\"model_rank{{rank}}.pth\")); run_ddp "
                 f"starts world_size={WORLD} processes and returns once all of them have finished")
        if not isinstance(state, dict):
            fail(f"model_rank{rank}.pth cannot be read with torch.load(path, weights_only=True) ({state}): "
                 "save a state_dict, not the model object")
        states[rank] = {k.removeprefix("module."): v for k, v in state.items()}
    return states


def test_runs_and_saves_the_network(out, snap):
    states = _states(out)
    if any(k.startswith("module.") for k in out["run"]["ranks"]["0"]):
        fail("the saved names start with \"module.\": that is the DDP wrapper's state_dict. Save the network "
             "inside it, model.module.state_dict(), so the file loads into the plain model again")
    expect_names(states["0"], list(snap["references"]["book"]), "the names in model_rank0.pth", "parameter")


def test_ranks_agree(out):
    states = _states(out)
    first, second = states["0"], states["1"]
    worst = max(float(np.abs(first[n] - second[n]).max()) for n in first if n in second)
    if worst > 1e-6:
        fail(f"the two processes ended with different parameters (max difference {worst:.3g}): each trained "
             "alone on its shard. Wrap the model, model = DDP(model), so backward() averages the gradients over "
             "the processes and every copy takes the same step")


ADVICE = {"no_set_epoch": "every epoch used the first epoch's shuffle: call train_loader.sampler.set_epoch(epoch) "
                          "at the start of each epoch",
          "no_sampler": "each process went through the whole dataset: give the DataLoader "
                        "sampler=DistributedSampler(train_ds), so each rank gets its own share",
          "half": "the steps are half as large as they should be: DDP already averages the gradients over the "
                  "processes; don't divide the loss by world_size",
          "double": "the steps are twice as large as they should be: DDP already averages the gradients over the "
                    "processes; don't all_reduce them yourself",
          "alone": "this is rank 0 training alone on its shard: wrap the model in DDP"}


def test_equals_single_process_training(out, snap):
    states = _states(out)
    got, live = states["0"], out["references"]
    what = "rank 0's weights after run_ddp differ from one process training on both processes' batches together"
    if any(n not in got for n in live["book"]):
        fail(f"model_rank0.pth lacks {sorted(n for n in live['book'] if n not in got)}: save the state_dict of the "
             "book's NeuralNetwork(2, 2)")
    worst = {n: float(np.abs(got[n] - v).max()) if got[n].shape == v.shape else np.inf for n, v in live["book"].items()}
    if max(worst.values()) > 1e-5:
        names = list(live["book"])
        fail_if_mistake(ref.flat(got, names), {advice: ref.flat(live[kind], names) for kind, advice in ADVICE.items()},
                        what, atol=1e-5, rtol=1e-5)
        name = max(worst, key=worst.get)
        fail(f"{what} (max |difference| {worst[name]:.3g} in {name}, tolerance 1e-5): with DDP every step is the "
             "step one process takes on all the processes' batches. Look for a missing sampler.set_epoch(epoch), "
             "a loader without the DistributedSampler, or a loss or gradients rescaled by hand")
    if live["shards"] == snap["references"]["shards"]:   # the same shuffles as the snapshot's torch drew
        for name, value in snap["references"]["book"].items():
            expect_close(live["book"][name], value, f"single-process training on the same data, {name},",
                         atol=1e-5, rtol=1e-4)
