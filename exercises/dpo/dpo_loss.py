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
    # TODO: return (loss, chosen_rewards, rejected_rewards) as described above; only the loss keeps
    #       its gradient (DPO §4).
    raise NotImplementedError('compute_dpo_loss: not written yet, see the TODO above')


def compute_logprobs(logits, labels, selection_mask=None):
    """The mean log-probability of each sequence's tokens (DPO §4): logits (batch, num_tokens, vocab_size) of a model
    given labels (batch, num_tokens) as its input -> a tensor of shape (batch,).

    The logits at position t predict the token at t + 1, so the labels lose their first position and the logits
    their last. With selection_mask (batch, num_tokens; True for the tokens to count, e.g. a batch's "chosen_mask"),
    each row's mean is over the selected label positions only; without it, over all of them."""
    # TODO: return the (batch,) tensor described above: for each row, the mean over the (selected)
    #       positions of the log-softmax of the logits at the label's token (DPO §4).
    raise NotImplementedError('compute_logprobs: not written yet, see the TODO above')


def compute_dpo_loss_batch(batch, policy_model, reference_model, beta):
    """(loss, chosen_rewards, rejected_rewards) of compute_dpo_loss for one batch of custom_collate_fn (DPO §4).

    The log-probabilities of the chosen and the rejected responses (the masked tokens of batch["chosen"] and
    batch["rejected"]) under the policy model, which is being trained, and under the reference model, which is not:
    its forward passes need no gradient."""
    # TODO: return compute_dpo_loss's three values for the batch, with compute_logprobs of each
    #       model's logits on each of the two sequences and its mask; the reference model's without gradients (DPO §4).
    raise NotImplementedError('compute_dpo_loss_batch: not written yet, see the TODO above')


def compute_dpo_loss_loader(data_loader, policy_model, reference_model, beta, num_batches=None):
    """The mean (loss, chosen_rewards, rejected_rewards), as floats, of compute_dpo_loss_batch over the first
    num_batches batches of data_loader (all of them if None or more than it has); float("nan") for an empty
    loader (DPO §4)."""
    # TODO: return the three means described above, each a Python float (DPO §4).
    raise NotImplementedError('compute_dpo_loss_loader: not written yet, see the TODO above')


def evaluate_dpo_loss_loader(policy_model, reference_model, train_loader, val_loader, beta, eval_iter):
    """compute_dpo_loss_loader on eval_iter batches of each loader, in evaluation mode and without gradients; the
    policy model is back in training mode afterwards (DPO §4). Returns a dict with the keys "train_loss",
    "train_chosen_reward", "train_rejected_reward", "val_loss", "val_chosen_reward" and "val_rejected_reward"."""
    # TODO: return the dict described above, its values compute_dpo_loss_loader's (DPO §4).
    raise NotImplementedError('evaluate_dpo_loss_loader: not written yet, see the TODO above')
