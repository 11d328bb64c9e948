"""Shared by the appendix-A checks: fixed data and weights (no RNG stream), a deadline for code that may
hang, and what known torch.distributed errors mean. Loaded with grader.checks.sibling on both sides."""
from __future__ import annotations

import numpy as np

from grader.checks import which_error
from grader.checks.weights import pattern

# The book's toy data (section A.6): five training and two test examples, two features, two classes.
X_TRAIN = [[-1.2, 3.1], [-0.9, 2.9], [-0.5, 2.6], [2.3, -1.1], [2.7, -1.5]]
Y_TRAIN = [0, 0, 0, 1, 1]


def features(n: int, d: int, key: str) -> np.ndarray:
    return pattern((n, d), key, 2.0)


def labels(n: int, classes: int, key: str) -> np.ndarray:
    """Class labels 0 .. classes - 1, every class present when n >= classes."""
    raw = (np.abs(pattern((n,), key, 1.0)) * 1000).astype(np.int64) % classes
    raw[:classes] = np.arange(classes)
    return raw


def mlp_weights(sizes: list[int], key: str, prefix: str = "layers.") -> dict:
    """Known weights for Linear layers sizes[0] -> sizes[1] -> ... at indices 0, 2, 4 (a ReLU between)."""
    weights = {}
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        weights[f"{prefix}{2 * i}.weight"] = pattern((n_out, n_in), f"{key}.w{i}", 1.5 / np.sqrt(n_in))
        weights[f"{prefix}{2 * i}.bias"] = pattern((n_out,), f"{key}.b{i}", 0.3)
    return weights


def mlp_forward(weights: dict, x: np.ndarray, relu_after=None, prefix: str = "layers.") -> np.ndarray:
    """numpy forward of mlp_weights' network; relu_after: indices of the layers followed by a ReLU (default all
    but the last)."""
    n = len(weights) // 2
    relu_after = range(n - 1) if relu_after is None else relu_after
    h = x.astype(np.float64)
    for i in range(n):
        h = h @ weights[f"{prefix}{2 * i}.weight"].T.astype(np.float64) + weights[f"{prefix}{2 * i}.bias"]
        if i in relu_after:
            h = np.maximum(h, 0.0)
    return h


def flat(params: dict, names: list[str]):
    """The parameters `names` of a state (name -> array) as one vector, to match against a known mistake's
    (grader.checks.which_mistake); None when one is missing."""
    if any(not isinstance(params.get(n), np.ndarray) for n in names):
        return None
    return np.concatenate([params[n].astype(np.float64).ravel() for n in names])


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def run_in_thread(fn, seconds: float) -> bool:
    """Worker side: fn() in a daemon thread, for at most `seconds`; for code that may block inside C++
    (a rendezvous waiting for ranks that never come), where no signal handler would run. Never for code
    that forks: a process forked while another thread runs Python may inherit a lock that thread held.
    Whether fn() returned in time; what it raised is raised again here, the learner's own exception."""
    import threading

    outcome = {"finished": False, "raised": None}

    def target():
        _outcome(fn, outcome)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if outcome["raised"] is not None:
        raise outcome["raised"]
    return outcome["finished"]


class GiveUp(BaseException):
    """Raised into the learner's launcher by run_with_alarm (a BaseException, so `except Exception` lets it by)."""


SHORT_AFTER_S = 5.0   # fewer processes than asked for after this long: a rendezvous that never completes
STEADY_S = 1.0        # every rank's file on disk and unchanged this long: the work is done
POLL_S = 0.25


def run_with_alarm(fn, seconds: float, processes: int, done=None) -> dict:
    """Worker side: fn(), a launcher of `processes` processes, in this (the main) thread, given up after
    `seconds`, or after about 6 s if by then it has started fewer (a rendezvous that can never complete),
    or, once all have started, as soon as `done()` (their work is on disk) has held for STEADY_S: a rank
    now and then never returns from shutting down after the rank holding the rendezvous store has gone.
    {"finished", "error", "processes"}: finished is true when fn returned or `done` held; processes, how
    many had started when given up early, else None. Starts are counted at multiprocessing's
    Process.start, which torch.multiprocessing's launchers use.

    Timer signals do it (each second, then every POLL_S once all have started): a signal runs its handler
    between bytecodes of this thread, so no fork happens while other Python code of this process runs (a child
    could inherit a lock held by it). Until every
    process has started they are one-shot, since the kernel restarts a fork that a signal interrupts and
    a frequent timer could keep a slow fork of this large process from ever finishing. The processes
    left behind end with the exercise's process."""
    import multiprocessing.process
    import signal
    import time
    import traceback

    start = time.monotonic()
    state = {"stop": False, "started": 0, "short": None, "done_since": None}
    outcome = {"finished": False, "raised": None}
    process_start = multiprocessing.process.BaseProcess.start

    def counted_start(self):
        state["started"] += 1
        return process_start(self)

    def alarm(signum, frame):
        if state["stop"]:
            return
        now = time.monotonic()
        if now - start >= seconds:
            raise GiveUp()
        if 0 < state["started"] < processes:
            if now - start < SHORT_AFTER_S:   # the others may still be forking
                signal.setitimer(signal.ITIMER_REAL, SHORT_AFTER_S - (now - start))
                return
            if state["short"] is not None:
                state["short"] = state["started"]
                raise GiveUp()
            state["short"] = state["started"]
            signal.setitimer(signal.ITIMER_REAL, 1.0)   # look once more before giving up
            return
        state["short"] = None
        if state["started"] >= processes and done is not None:
            if not done():
                state["done_since"] = None
            elif state["done_since"] is None:
                state["done_since"] = now
            elif now - state["done_since"] >= STEADY_S:
                outcome["finished"] = True
                raise GiveUp()
            signal.setitimer(signal.ITIMER_REAL, POLL_S)   # every process has started: no fork to interrupt
            return
        signal.setitimer(signal.ITIMER_REAL, min(1.0, seconds - (now - start)))

    previous = signal.signal(signal.SIGALRM, alarm)
    multiprocessing.process.BaseProcess.start = counted_start
    signal.setitimer(signal.ITIMER_REAL, min(1.0, seconds))
    try:
        try:
            _outcome(fn, outcome)
        finally:
            state["stop"] = True
    except GiveUp:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        multiprocessing.process.BaseProcess.start = process_start
    raised = outcome["raised"]
    if isinstance(raised, NotImplementedError):   # a stub in this process reads as not implemented
        raise raised
    return {"finished": outcome["finished"], "processes": None if outcome["finished"] else state["short"],
            "error": None if raised is None else
            "".join(traceback.format_exception_only(type(raised), raised)).strip()[-3000:]}


def _outcome(fn, outcome: dict) -> None:
    """fn() into `outcome`: "finished", and under "raised" what it raised (for run_in_thread to raise again
    in the case; run_with_alarm keeps the text of a launcher's error, which reports the processes'
    errors). GiveUp passes through."""
    try:
        fn()
    except GiveUp:
        raise
    except BaseException as exc:  # noqa: BLE001 - handed back to the thread that asked
        outcome["raised"] = exc
    outcome["finished"] = True


NO_GPU = ("there is no GPU here: leave out torch.cuda.set_device(rank), and don't move the model or batches "
          "with .to(rank) (a number means a GPU); everything stays on the CPU")
ADVICE = {  # known torch.distributed errors, by words of their message (grader.checks.which_error): what to change
    "Exception: NCCL": "the nccl backend needs NVIDIA GPUs; on CPU, init_process_group(backend=\"gloo\", ...)",
    "Exception: not compiled with CUDA": NO_GPU,
    "Exception: _cuda_": NO_GPU,
    "Exception: accelerator device": NO_GPU,
    "Exception: device_ids": "for a model on the CPU, wrap it as DDP(model), without device_ids",
    "Exception: has no attribute 'set_epoch'": "the loader's sampler has no set_epoch: give the DataLoader "
                                               "sampler=DistributedSampler(train_ds), which hands each rank its own "
                                               "share",
    "Exception: MASTER_ADDR": "set os.environ[\"MASTER_ADDR\"] = \"localhost\" before init_process_group",
    "Exception: MASTER_PORT": "set os.environ[\"MASTER_PORT\"] = \"12345\" before init_process_group",
    "Exception: mutually exclusive": "a DataLoader with a sampler must not shuffle itself: shuffle=False, the "
                                     "DistributedSampler shuffles",
    "Exception: NotImplementedError": "part of it is still a stub (NotImplementedError): finish main, prepare_loader "
                                      "and ddp_setup",
}


def explain_error(text: str) -> str:
    """A learner-facing sentence for an error raised in a DDP process, which comes back as the text of its
    traceback: the ADVICE for a known error, or its last line, and the learner's line it came from."""
    import re

    last = next((line for line in reversed(text.strip().splitlines()) if line.strip()), text)[:300]
    frames = re.findall(r'File "[^"]*?/(appA/[^"/]+\.py)", line (\d+), in (\w+)', text)
    where = f" (in {frames[-1][0]}:{frames[-1][1]}, {frames[-1][2]})" if frames else ""
    advice = which_error("", text, ADVICE)
    return f"{advice}. The error was: {last}{where}" if advice else f"it raised {last}{where}"
