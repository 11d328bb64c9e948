"""Checks for dpo.evaluate_dpo_loss_loader: the six values of eval_iter batches of each loader, under their keys,
computed in eval mode without gradients, and the policy model back in training mode afterwards."""
import numpy as np

from grader.checks import case, expect_close, expect_names, expect_type, fail, sibling

ref = sibling(__file__, "dpo_reference")
TOL = dict(atol=2e-5, rtol=1e-4)
BETA, EVAL_ITER = 0.5, 2
KEYS = ["train_loss", "train_chosen_reward", "train_rejected_reward", "val_loss", "val_chosen_reward",
        "val_rejected_reward"]


@case
def evaluation(learner):
    policy, reference = ref.models(learner, drop_rate=0.5)
    policy.train()                       # as during training
    calls = ref.stand.watch_forward(policy)
    train, val = ref.loader(3, 2, "dpo.eval.train."), ref.loader(3, 2, "dpo.eval.val.")
    res = learner.evaluate_dpo_loss_loader(policy, reference, train, val, BETA, EVAL_ITER)
    training_after = policy.training
    policy.eval()
    per_batch = {name: [ref.reference_dpo_batch(b, policy, reference, BETA) for b in loader]
                 for name, loader in (("train", train), ("val", val))}
    if isinstance(res, dict):
        res = {k: list(v) if isinstance(v, tuple) else v for k, v in res.items()}
    return {"res": res, "calls": calls[:40], "training_after": training_after, "per_batch": per_batch}


def _res(out):
    res = out["evaluation"]["res"]
    expect_type(res, dict, "evaluate_dpo_loss_loader's result")
    expect_names(list(res), KEYS, "the keys of evaluate_dpo_loss_loader's result", item="key")
    return res


def test_keys(out):
    _res(out)


def test_values(out):
    res, per_batch = _res(out), out["evaluation"]["per_batch"]
    for split in ("train", "val"):
        got = np.array([res[f"{split}_{name}"] for name in ("loss", "chosen_reward", "rejected_reward")], dtype=float)
        values = np.array(per_batch[split])
        other = np.array(per_batch["val" if split == "train" else "train"])
        expect_close(got, values[:EVAL_ITER].mean(0), f"the {split} values (loss, chosen reward, rejected reward) "
                     f"with eval_iter={EVAL_ITER}", **TOL, mistakes={
                         "the training and validation values are swapped: train_loader gives the train_ values":
                             other[:EVAL_ITER].mean(0),
                         f"every batch is used: pass num_batches=eval_iter ({EVAL_ITER}) to compute_dpo_loss_loader":
                             values.mean(0)})


def test_dropout_off(out):
    if any(c["training"] for c in out["evaluation"]["calls"]):
        fail("the values were computed with the policy model in training mode, so dropout changed them at random: "
             "call policy_model.eval() before computing them")


def test_no_gradients(out):
    if any(c["grad"] for c in out["evaluation"]["calls"]):
        fail("the values were computed with gradients enabled: evaluation needs no computation graph, so compute "
             "them inside `with torch.no_grad():`")


def test_back_to_training_mode(out):
    if not out["evaluation"]["training_after"]:
        fail("after evaluate_dpo_loss_loader the policy model is still in eval mode, so training would go on without "
             "dropout: call policy_model.train() before returning")
