"""Checks for appA.ddp_setup: a process group of one, on CPU (gloo), that works (an all_reduce)."""
from grader.checks import case, fail, sibling

ref = sibling(__file__, "appa_reference")
DEADLINE_S = 4.0   # a group of one forms in milliseconds; longer means it waits for ranks that never come


@case
def group_of_one(learner):
    import os

    import torch
    import torch.distributed as dist

    finished = ref.run_in_thread(lambda: learner.ddp_setup(0, 1), DEADLINE_S)   # raises what ddp_setup raised
    result = {"finished": finished, "initialized": dist.is_initialized(),
              "env": {k: os.environ.get(k) for k in ("MASTER_ADDR", "MASTER_PORT")}}
    if finished and result["initialized"]:
        total = torch.tensor([3.0])
        dist.all_reduce(total)
        result.update(backend=str(dist.get_backend()), rank=dist.get_rank(), world_size=dist.get_world_size(),
                      all_reduce=float(total[0]))
        dist.destroy_process_group()
    return result


def _group(out):
    out.error("group_of_one", {key: f"ddp_setup(rank=0, world_size=1) failed: {advice}"
                               for key, advice in ref.ADVICE.items()})
    got = out["group_of_one"]
    if not got["finished"]:
        fail(f"ddp_setup(rank=0, world_size=1) did not return within {DEADLINE_S:g} s: init_process_group waits "
             "until world_size processes have joined; pass it the rank and world_size you were given")
    if not got["initialized"]:
        fail("after ddp_setup(0, 1) torch.distributed is not initialized: call init_process_group")
    return got


def test_joins_the_group(out):
    got = _group(out)
    if (got["rank"], got["world_size"]) != (0, 1):
        fail(f"ddp_setup(rank=0, world_size=1) joined as rank {got['rank']} of {got['world_size']}: pass "
             "rank=rank, world_size=world_size to init_process_group")
    if got["all_reduce"] != 3.0:
        fail(f"an all_reduce in the group ddp_setup made gave {got['all_reduce']}, expected 3.0")


def test_gloo_on_cpu(out):
    got = _group(out)
    if got["backend"] != "gloo":
        fail(f"ddp_setup uses the {got['backend']} backend; on CPU use backend=\"gloo\"")
