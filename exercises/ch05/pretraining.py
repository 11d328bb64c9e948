"""Chapter 5.1–5.2: text to token ids and back, the cross-entropy loss, and the simple training loop."""
import torch

from ..ch04.gpt import generate_text_simple


def text_to_token_ids(text, tokenizer):
    """Encode `text` with `tokenizer` into a tensor of shape (1, n_tokens): a batch of one (section 5.1.1)."""
    # TODO: return the token ids of text as an integer tensor of shape (1, n_tokens).
    #       The leading dimension of size 1 is the batch, so the result can go straight into the model.
    raise NotImplementedError('text_to_token_ids: not written yet, see the TODO above')


def token_ids_to_text(token_ids, tokenizer):
    """Decode a (1, n_tokens) tensor of token ids back into text (section 5.1.1)."""
    # TODO: drop the batch dimension and decode all the ids in one call to the tokenizer.
    raise NotImplementedError('token_ids_to_text: not written yet, see the TODO above')


def calc_loss_batch(input_batch, target_batch, model, device):
    """The mean cross-entropy of the model's next-token predictions for one batch (section 5.1.3).

    input_batch, target_batch: (batch, n_tokens) token ids; the targets are the inputs shifted by one."""
    # TODO: move both batches to device, run the model, and return the cross-entropy loss
    #       (a scalar tensor that backward() can use) between its logits, (batch, n_tokens, vocab_size),
    #       and the targets, (batch, n_tokens). torch's cross_entropy wants 2-D logits and 1-D targets.
    raise NotImplementedError('calc_loss_batch: not written yet, see the TODO above')


def calc_loss_loader(data_loader, model, device, num_batches=None):
    """The average of calc_loss_batch over the first `num_batches` batches of `data_loader` (all when None),
    as a Python float; float("nan") for an empty loader (section 5.1.3)."""
    # TODO: the mean of the batch losses, as a float, over the first num_batches batches — never
    #       more than the loader has — or over all of them when num_batches is None; nan for an empty loader.
    raise NotImplementedError('calc_loss_loader: not written yet, see the TODO above')


def evaluate_model(model, train_loader, val_loader, device, eval_iter):
    """(train_loss, val_loss) over the first `eval_iter` batches of each loader, with dropout off and
    without gradients; leaves the model in training mode (section 5.2)."""
    # TODO: switch the model to evaluation mode, compute both losses with calc_loss_loader
    #       (num_batches=eval_iter) without tracking gradients, switch back to training mode, return both.
    raise NotImplementedError('evaluate_model: not written yet, see the TODO above')


def generate_and_print_sample(model, tokenizer, device, start_context):
    """Print 50 greedily generated tokens after `start_context` on one line (section 5.2)."""
    # TODO: in evaluation mode and without gradients, encode start_context, extend it by 50
    #       tokens with chapter 4's generate_text_simple (context size: the rows of the positional
    #       embedding), print the decoded text with newlines replaced by spaces, and return to training mode.
    raise NotImplementedError('generate_and_print_sample: not written yet, see the TODO above')


def train_model_simple(model, train_loader, val_loader, optimizer, device, num_epochs,
                       eval_freq, eval_iter, start_context, tokenizer):
    """Train for num_epochs; every eval_freq steps record (train_loss, val_loss, tokens_seen), and after
    each epoch print a sample. Returns (train_losses, val_losses, track_tokens_seen) (section 5.2)."""
    # TODO: for each epoch and each batch of train_loader: compute the batch loss, backpropagate
    #       and update the weights, starting every step from fresh gradients, in training mode. Count the
    #       tokens seen (input tokens). On steps 0, eval_freq, 2 * eval_freq, ... append evaluate_model's two
    #       losses and the tokens seen so far to the three lists (and print them); after each epoch, print
    #       a sample with generate_and_print_sample.
    raise NotImplementedError('train_model_simple: not written yet, see the TODO above')
