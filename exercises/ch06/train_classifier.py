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
    # TODO: train for num_epochs epochs, evaluating as train_model_simple does in chapter 5.
    #       Each batch: reset the gradients, calc_loss_batch, backward, optimizer step; count the
    #       examples (not tokens) and the steps. Every eval_freq steps, counting from the first, record
    #       evaluate_model's two losses; after each epoch, record calc_accuracy_loader on both loaders
    #       over eval_iter batches. Train in train mode: evaluation switches the model to eval mode.
    raise NotImplementedError('train_classifier_simple: not written yet, see the TODO above')


def classify_review(text, model, tokenizer, device, max_length=None, pad_token_id=50256):
    """"spam" or "not spam" for one message, prepared as SpamDataset prepares its rows (section 6.8)."""
    # TODO: encode the text, truncate and pad it like SpamDataset, and classify its last token.
    #       Truncate to max_length and to the model's context length (model.pos_emb.weight.shape[0]),
    #       pad with pad_token_id up to max_length, run the model in eval mode without gradients on a
    #       batch of one; class 1 is "spam", class 0 "not spam".
    raise NotImplementedError('classify_review: not written yet, see the TODO above')
