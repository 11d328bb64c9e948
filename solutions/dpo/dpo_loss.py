"""DPO §4: the DPO loss and its rewards, the log-probability of a response, and the loss of a batch and of a loader
for a policy model against a frozen reference model."""
import torch
import torch.nn.functional as F


def compute_dpo_loss(model_chosen_logprobs, model_rejected_logprobs, reference_chosen_logprobs,
                     reference_rejected_logprobs, beta=0.1):
    """The DPO loss of a batch, from four tensors of shape (batch_size,): the log-probabilities of the chosen and
    the rejected responses under the policy model and under the reference model (DPO §4).

    Returns (loss, chosen_rewards, rejected_rewards), three 0-d tensors, each the mean over the batch: the loss
    -log sigmoid(beta * ((policy chosen - policy rejected) - (reference chosen - reference rejected))), and the
    rewards policy - reference for the chosen and for the rejected responses (without beta), detached."""
    ### BEGIN SOLUTION: return (loss, chosen_rewards, rejected_rewards) as described above; only the loss keeps
    ### its gradient (DPO §4).
    model_logratios = model_chosen_logprobs - model_rejected_logprobs
    reference_logratios = reference_chosen_logprobs - reference_rejected_logprobs
    logits = model_logratios - reference_logratios
    losses = -F.logsigmoid(beta * logits)
    chosen_rewards = (model_chosen_logprobs - reference_chosen_logprobs).detach()
    rejected_rewards = (model_rejected_logprobs - reference_rejected_logprobs).detach()
    return losses.mean(), chosen_rewards.mean(), rejected_rewards.mean()
    ### END SOLUTION


def compute_logprobs(logits, labels, selection_mask=None):
    """The mean log-probability of each sequence's tokens (DPO §4): logits (batch, num_tokens, vocab_size) of a model
    given labels (batch, num_tokens) as its input -> a tensor of shape (batch,).

    The logits at position t predict the token at t + 1, so the labels lose their first position and the logits
    their last. With selection_mask (batch, num_tokens; True for the tokens to count, e.g. a batch's "chosen_mask"),
    each row's mean is over the selected label positions only; without it, over all of them."""
    ### BEGIN SOLUTION: return the (batch,) tensor described above: for each row, the mean over the (selected)
    ### positions of the log-softmax of the logits at the label's token (DPO §4).
    labels = labels[:, 1:]
    log_probs = F.log_softmax(logits[:, :-1, :], dim=-1)
    token_log_probs = torch.gather(log_probs, dim=-1, index=labels.unsqueeze(-1)).squeeze(-1)   # (batch, n - 1)
    if selection_mask is None:
        return token_log_probs.mean(dim=-1)
    mask = selection_mask[:, 1:].to(token_log_probs.dtype)
    return (token_log_probs * mask).sum(dim=-1) / mask.sum(dim=-1)
    ### END SOLUTION


def compute_dpo_loss_batch(batch, policy_model, reference_model, beta):
    """(loss, chosen_rewards, rejected_rewards) of compute_dpo_loss for one batch of custom_collate_fn (DPO §4).

    The log-probabilities of the chosen and the rejected responses (the masked tokens of batch["chosen"] and
    batch["rejected"]) under the policy model, which is being trained, and under the reference model, which is not:
    its forward passes need no gradient."""
    ### BEGIN SOLUTION: return compute_dpo_loss's three values for the batch, with compute_logprobs of each
    ### model's logits on each of the two sequences and its mask; the reference model's without gradients (DPO §4).
    def logprobs(model, key):
        return compute_logprobs(logits=model(batch[key]), labels=batch[key], selection_mask=batch[f"{key}_mask"])

    policy_chosen = logprobs(policy_model, "chosen")
    policy_rejected = logprobs(policy_model, "rejected")
    with torch.no_grad():   # the reference model is never trained
        reference_chosen = logprobs(reference_model, "chosen")
        reference_rejected = logprobs(reference_model, "rejected")
    return compute_dpo_loss(model_chosen_logprobs=policy_chosen, model_rejected_logprobs=policy_rejected,
                            reference_chosen_logprobs=reference_chosen,
                            reference_rejected_logprobs=reference_rejected, beta=beta)
    ### END SOLUTION


def compute_dpo_loss_loader(data_loader, policy_model, reference_model, beta, num_batches=None):
    """The mean (loss, chosen_rewards, rejected_rewards), as floats, of compute_dpo_loss_batch over the first
    num_batches batches of data_loader (all of them if None or more than it has); float("nan") for an empty
    loader (DPO §4)."""
    ### BEGIN SOLUTION: return the three means described above, each a Python float (DPO §4).
    if len(data_loader) == 0:
        return float("nan")
    num_batches = len(data_loader) if num_batches is None else min(num_batches, len(data_loader))
    totals = [0.0, 0.0, 0.0]
    for i, batch in enumerate(data_loader):
        if i >= num_batches:
            break
        values = compute_dpo_loss_batch(batch=batch, policy_model=policy_model, reference_model=reference_model,
                                        beta=beta)
        totals = [total + value.item() for total, value in zip(totals, values)]
    return tuple(total / num_batches for total in totals)
    ### END SOLUTION


def evaluate_dpo_loss_loader(policy_model, reference_model, train_loader, val_loader, beta, eval_iter):
    """compute_dpo_loss_loader on eval_iter batches of each loader, in evaluation mode and without gradients; the
    policy model is back in training mode afterwards (DPO §4). Returns a dict with the keys "train_loss",
    "train_chosen_reward", "train_rejected_reward", "val_loss", "val_chosen_reward" and "val_rejected_reward"."""
    ### BEGIN SOLUTION: return the dict described above, its values compute_dpo_loss_loader's (DPO §4).
    policy_model.eval()
    with torch.no_grad():
        train = compute_dpo_loss_loader(train_loader, policy_model, reference_model, beta, num_batches=eval_iter)
        val = compute_dpo_loss_loader(val_loader, policy_model, reference_model, beta, num_batches=eval_iter)
    policy_model.train()
    res = {}
    for split, values in (("train", train), ("val", val)):
        for name, value in zip(("loss", "chosen_reward", "rejected_reward"), values):
            res[f"{split}_{name}"] = value
    return res
    ### END SOLUTION
