"""Appendix D: learning-rate warmup, cosine decay and gradient clipping, added to chapter 5's training loop."""
import math

import torch

from ..ch05.pretraining import calc_loss_batch, evaluate_model, generate_and_print_sample


def warmup_lrs(total_steps, warmup_steps, initial_lr, peak_lr):
    """D.1: the learning rate of each of total_steps steps (a list of floats) under linear warmup: from
    initial_lr at step 0, rising by the same amount each step, to peak_lr at step warmup_steps and after."""
    ### BEGIN SOLUTION: one rate per global step 0, 1, ..., total_steps - 1: rising in equal steps from
    ### initial_lr at step 0 towards peak_lr, which step warmup_steps reaches; peak_lr from then on.
    lr_increment = (peak_lr - initial_lr) / warmup_steps
    track_lrs = []
    for global_step in range(total_steps):
        if global_step < warmup_steps:
            lr = initial_lr + global_step * lr_increment
        else:
            lr = peak_lr
        track_lrs.append(lr)
    return track_lrs
    ### END SOLUTION


def cosine_lrs(total_steps, warmup_steps, initial_lr, peak_lr, min_lr):
    """D.2: the learning rate of each step with linear warmup (as warmup_lrs) followed by cosine decay: half a
    cosine from peak_lr at step warmup_steps towards min_lr over the remaining steps."""
    ### BEGIN SOLUTION: warmup as in warmup_lrs; afterwards the progress through the steps after warmup
    ### (0 at step warmup_steps, reaching 1 at total_steps) sets the rate on half a cosine between
    ### peak_lr (progress 0) and min_lr (progress 1).
    lr_increment = (peak_lr - initial_lr) / warmup_steps
    track_lrs = []
    for global_step in range(total_steps):
        if global_step < warmup_steps:
            lr = initial_lr + global_step * lr_increment
        else:
            progress = (global_step - warmup_steps) / (total_steps - warmup_steps)
            lr = min_lr + (peak_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))
        track_lrs.append(lr)
    return track_lrs
    ### END SOLUTION


def clip_gradients(model, max_norm=1.0):
    """D.3 by hand: when the L2 norm of all the model's gradients taken together exceeds max_norm, scale every
    gradient by max_norm / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_ does. Returns that norm, measured
    before clipping, as a float."""
    ### BEGIN SOLUTION: the global norm is the square root of the sum of the squares of every gradient entry,
    ### over all parameters that have a gradient; if it is above max_norm, scale all of them in place by the
    ### same factor. Return the norm.
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    total_norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
    if total_norm > max_norm:
        for g in grads:
            g.mul_(max_norm / (total_norm + 1e-6))
    return float(total_norm)
    ### END SOLUTION


def train_model(model, train_loader, val_loader, optimizer, device, n_epochs, eval_freq, eval_iter,
                start_context, tokenizer, warmup_steps, initial_lr=3e-05, min_lr=1e-6):
    """D.4: chapter 5's train_model_simple with linear warmup from initial_lr to the optimizer's learning rate
    (the peak), cosine decay to min_lr over all n_epochs * len(train_loader) steps, and gradient clipping
    (max_norm 1.0) once the warmup is over. Returns (train_losses, val_losses, track_tokens_seen, track_lrs),
    track_lrs holding the learning rate of every step."""
    ### BEGIN SOLUTION: train_model_simple's loop, where each step first sets every parameter group's "lr" to
    ### the step's rate of the schedule of D.2 (and records it), and clips the gradients between the
    ### backward pass and the optimizer's step from the end of the warmup on.
    train_losses, val_losses, track_tokens_seen, track_lrs = [], [], [], []
    tokens_seen, global_step = 0, -1
    peak_lr = optimizer.param_groups[0]["lr"]
    total_training_steps = len(train_loader) * n_epochs
    lr_increment = (peak_lr - initial_lr) / warmup_steps
    for epoch in range(n_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            optimizer.zero_grad()
            global_step += 1
            if global_step < warmup_steps:
                lr = initial_lr + global_step * lr_increment
            else:
                progress = (global_step - warmup_steps) / (total_training_steps - warmup_steps)
                lr = min_lr + (peak_lr - min_lr) * 0.5 * (1 + math.cos(math.pi * progress))
            for param_group in optimizer.param_groups:
                param_group["lr"] = lr
            track_lrs.append(lr)
            loss = calc_loss_batch(input_batch, target_batch, model, device)
            loss.backward()
            if global_step >= warmup_steps:  # the printed book has >, which skips the first step after warmup
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            tokens_seen += input_batch.numel()
            if global_step % eval_freq == 0:
                train_loss, val_loss = evaluate_model(model, train_loader, val_loader, device, eval_iter)
                train_losses.append(train_loss)
                val_losses.append(val_loss)
                track_tokens_seen.append(tokens_seen)
                print(f"Ep {epoch + 1} (Iter {global_step:06d}): Train loss {train_loss:.3f}, Val loss {val_loss:.3f}")
        generate_and_print_sample(model, tokenizer, device, start_context)
    return train_losses, val_losses, track_tokens_seen, track_lrs
    ### END SOLUTION
