"""DPO §5: the training loop of chapter 5, with the DPO loss of a policy model against a frozen reference model and
the rewards tracked beside the losses."""
from ..ch05.pretraining import generate_and_print_sample
from .dpo_loss import compute_dpo_loss_batch, evaluate_dpo_loss_loader


def train_model_dpo_simple(policy_model, reference_model, train_loader, val_loader, optimizer, num_epochs, beta,
                           eval_freq, eval_iter, start_context, tokenizer):
    """Train policy_model with the DPO loss for num_epochs over train_loader, one optimizer step a batch; the reference
    model is never updated (DPO §5).

    On steps 0, eval_freq, 2 * eval_freq, ... record evaluate_dpo_loss_loader's six values and the tokens seen so far
    (the tokens of the "chosen" sequences of the batches trained on); after each epoch print a sample of the policy
    model with chapter 5's generate_and_print_sample. Returns a dict of lists: "train_losses",
    "train_chosen_rewards", "train_rejected_rewards", "val_losses", "val_chosen_rewards", "val_rejected_rewards" and
    "tokens_seen", one entry per evaluation."""
    # TODO: return the dict described above. Each step starts from fresh gradients, in training mode,
    #       takes compute_dpo_loss_batch's loss, backpropagates it and updates with the optimizer (DPO §5).
    raise NotImplementedError('train_model_dpo_simple: not written yet, see the TODO above')
