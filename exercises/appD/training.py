"""Appendix D: learning-rate warmup, cosine decay and gradient clipping, added to chapter 5's training loop."""
import math

import torch

from ..ch05.pretraining import calc_loss_batch, evaluate_model, generate_and_print_sample


def warmup_lrs(total_steps, warmup_steps, initial_lr, peak_lr):
    """D.1: the learning rate of each of total_steps steps (a list of floats) under linear warmup: from
    initial_lr at step 0, rising by the same amount each step, to peak_lr at step warmup_steps and after."""
    # TODO: one rate per global step 0, 1, ..., total_steps - 1: rising in equal steps from
    #       initial_lr at step 0 towards peak_lr, which step warmup_steps reaches; peak_lr from then on.
    raise NotImplementedError('warmup_lrs: not written yet, see the TODO above')


def cosine_lrs(total_steps, warmup_steps, initial_lr, peak_lr, min_lr):
    """D.2: the learning rate of each step with linear warmup (as warmup_lrs) followed by cosine decay: half a
    cosine from peak_lr at step warmup_steps towards min_lr over the remaining steps."""
    # TODO: warmup as in warmup_lrs; afterwards the progress through the steps after warmup
    #       (0 at step warmup_steps, reaching 1 at total_steps) sets the rate on half a cosine between
    #       peak_lr (progress 0) and min_lr (progress 1).
    raise NotImplementedError('cosine_lrs: not written yet, see the TODO above')


def clip_gradients(model, max_norm=1.0):
    """D.3 by hand: when the L2 norm of all the model's gradients taken together exceeds max_norm, scale every
    gradient by max_norm / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_ does. Returns that norm, measured
    before clipping, as a float."""
    # TODO: the global norm is the square root of the sum of the squares of every gradient entry,
    #       over all parameters that have a gradient; if it is above max_norm, scale all of them in place by the
    #       same factor. Return the norm.
    raise NotImplementedError('clip_gradients: not written yet, see the TODO above')


def train_model(model, train_loader, val_loader, optimizer, device, n_epochs, eval_freq, eval_iter,
                start_context, tokenizer, warmup_steps, initial_lr=3e-05, min_lr=1e-6):
    """D.4: chapter 5's train_model_simple with linear warmup from initial_lr to the optimizer's learning rate
    (the peak), cosine decay to min_lr over all n_epochs * len(train_loader) steps, and gradient clipping
    (max_norm 1.0) once the warmup is over. Returns (train_losses, val_losses, track_tokens_seen, track_lrs),
    track_lrs holding the learning rate of every step."""
    # TODO: train_model_simple's loop, where each step first sets every parameter group's "lr" to
    #       the step's rate of the schedule of D.2 (and records it), and clips the gradients between the
    #       backward pass and the optimizer's step from the end of the warmup on.
    raise NotImplementedError('train_model: not written yet, see the TODO above')
