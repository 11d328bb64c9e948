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
    ### BEGIN SOLUTION: return the dict described above. Each step starts from fresh gradients, in training mode,
    ### takes compute_dpo_loss_batch's loss, backpropagates it and updates with the optimizer (DPO §5).
    keys = {"train_losses": "train_loss", "train_chosen_rewards": "train_chosen_reward",
            "train_rejected_rewards": "train_rejected_reward", "val_losses": "val_loss",
            "val_chosen_rewards": "val_chosen_reward", "val_rejected_rewards": "val_rejected_reward"}
    tracking = {name: [] for name in (*keys, "tokens_seen")}
    tokens_seen, global_step = 0, -1
    for epoch in range(num_epochs):
        policy_model.train()
        for batch in train_loader:
            optimizer.zero_grad()   # backward() adds to the gradients of the previous step otherwise
            loss, _, _ = compute_dpo_loss_batch(batch=batch, policy_model=policy_model,
                                                reference_model=reference_model, beta=beta)
            loss.backward()
            optimizer.step()
            tokens_seen += batch["chosen"].numel()
            global_step += 1
            if global_step % eval_freq == 0:
                res = evaluate_dpo_loss_loader(policy_model=policy_model, reference_model=reference_model,
                                               train_loader=train_loader, val_loader=val_loader, beta=beta,
                                               eval_iter=eval_iter)
                for name, key in keys.items():
                    tracking[name].append(res[key])
                tracking["tokens_seen"].append(tokens_seen)
                train_margin = res["train_chosen_reward"] - res["train_rejected_reward"]
                val_margin = res["val_chosen_reward"] - res["val_rejected_reward"]
                print(f"Ep {epoch + 1} (Step {global_step:06d}): Train loss {res['train_loss']:.3f}, "
                      f"Val loss {res['val_loss']:.3f}, Train reward margins {train_margin:.3f}, "
                      f"Val reward margins {val_margin:.3f}")
        generate_and_print_sample(model=policy_model, tokenizer=tokenizer, device=loss.device,
                                  start_context=start_context)
    return tracking
    ### END SOLUTION
