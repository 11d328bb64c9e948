"""Chapter 6.7–6.8: finetune the classifier, plot its curves and classify new messages."""
import torch

from .classifier import calc_accuracy_loader, calc_loss_batch, evaluate_model


def plot_values(epochs_seen, examples_seen, train_values, val_values, label="loss", path=None):
    """The book's plot: training and validation values over epochs, examples seen on a second x-axis.
    Saved as a PNG at `path` (default "<label>-plot.png"); returns the path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax1 = plt.subplots(figsize=(5, 3))
    ax1.plot(epochs_seen, train_values, label=f"Training {label}")
    ax1.plot(epochs_seen, val_values, linestyle="-.", label=f"Validation {label}")
    ax1.set_xlabel("Epochs")
    ax1.set_ylabel(label.capitalize())
    ax1.legend()
    ax2 = ax1.twiny()  # the same curve against examples seen, invisible: it only places the ticks
    ax2.plot(examples_seen, train_values, alpha=0)
    ax2.set_xlabel("Examples seen")
    fig.tight_layout()
    path = path or f"{label}-plot.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def train_classifier_simple(model, train_loader, val_loader, optimizer, device, num_epochs,
                            eval_freq, eval_iter):
    """Chapter 5's training loop for classification (section 6.7). Returns (train_losses, val_losses,
    train_accs, val_accs, examples_seen): the losses every eval_freq steps (from step 0), the accuracies
    over eval_iter batches after each epoch, and the number of training examples seen."""
    ### BEGIN SOLUTION: train for num_epochs epochs, evaluating as train_model_simple does in chapter 5.
    ### Each batch: reset the gradients, calc_loss_batch, backward, optimizer step; count the
    ### examples (not tokens) and the steps. Every eval_freq steps, counting from the first, record
    ### evaluate_model's two losses; after each epoch, record calc_accuracy_loader on both loaders
    ### over eval_iter batches. Train in train mode: evaluation switches the model to eval mode.
    train_losses, val_losses, train_accs, val_accs = [], [], [], []
    examples_seen, global_step = 0, -1
    for epoch in range(num_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            optimizer.zero_grad()
            loss = calc_loss_batch(input_batch, target_batch, model, device)
            loss.backward()
            optimizer.step()
            examples_seen += input_batch.shape[0]  # examples, not tokens
            global_step += 1
            if global_step % eval_freq == 0:
                train_loss, val_loss = evaluate_model(model, train_loader, val_loader, device, eval_iter)
                train_losses.append(train_loss)
                val_losses.append(val_loss)
                print(f"Ep {epoch + 1} (Step {global_step:06d}): "
                      f"Train loss {train_loss:.3f}, Val loss {val_loss:.3f}")
        train_accuracy = calc_accuracy_loader(train_loader, model, device, num_batches=eval_iter)
        val_accuracy = calc_accuracy_loader(val_loader, model, device, num_batches=eval_iter)
        print(f"Training accuracy: {train_accuracy * 100:.2f}% | Validation accuracy: {val_accuracy * 100:.2f}%")
        train_accs.append(train_accuracy)
        val_accs.append(val_accuracy)
    return train_losses, val_losses, train_accs, val_accs, examples_seen
    ### END SOLUTION


def classify_review(text, model, tokenizer, device, max_length=None, pad_token_id=50256):
    """"spam" or "not spam" for one message, prepared as SpamDataset prepares its rows (section 6.8)."""
    ### BEGIN SOLUTION: encode the text, truncate and pad it like SpamDataset, and classify its last token.
    ### Truncate to max_length and to the model's context length (model.pos_emb.weight.shape[0]),
    ### pad with pad_token_id up to max_length, run the model in eval mode without gradients on a
    ### batch of one; class 1 is "spam", class 0 "not spam".
    model.eval()
    input_ids = tokenizer.encode(text)
    supported_context_length = model.pos_emb.weight.shape[0]
    input_ids = input_ids[:min(max_length, supported_context_length)]
    input_ids += [pad_token_id] * (max_length - len(input_ids))
    input_tensor = torch.tensor(input_ids, device=device).unsqueeze(0)  # (1, max_length)
    with torch.no_grad():
        logits = model(input_tensor)[:, -1, :]  # the last token's logits
    predicted_label = torch.argmax(logits, dim=-1).item()
    return "spam" if predicted_label == 1 else "not spam"
    ### END SOLUTION
