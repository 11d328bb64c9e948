"""Chapter 7.6–7.7: finetune with chapter 5's training loop, then collect the model's answers to the test set."""
import torch

from ..ch05.decoding import generate
from ..ch05.pretraining import text_to_token_ids, token_ids_to_text, train_model_simple
from .instruction_data import format_input

END_OF_TEXT = 50256


def finetune_model(model, train_loader, val_loader, device, num_epochs, start_context, tokenizer,
                   eval_freq=5, eval_iter=5, lr=0.00005, weight_decay=0.1):
    """Finetune `model` on instruction batches with chapter 5's train_model_simple and an AdamW optimizer,
    by default with the book's learning rate and weight decay (section 7.6).

    Returns what train_model_simple returns: (train_losses, val_losses, tokens_seen)."""
    # TODO: create the optimizer described above, with lr and weight_decay, for every parameter of
    #       the model, and train with chapter 5's loop, handing every other argument on to it (section 7.6).
    raise NotImplementedError('finetune_model: not written yet, see the TODO above')


def extract_response(generated_text, input_text):
    """The model's answer in `generated_text`, the prompt `input_text` followed by what the model wrote:
    the part after the prompt, without the "### Response:" header and surrounding whitespace (section 7.7)."""
    # TODO: return the answer described above as a string (section 7.7).
    raise NotImplementedError('extract_response: not written yet, see the TODO above')


def generate_responses(model, data, tokenizer, device, context_size, max_new_tokens=256):
    """Section 7.7: answer every entry of `data` and store the answer in the entry under "model_response".

    For each entry, generate greedily from its prompt, format_input(entry), with chapter 5's generate,
    at most max_new_tokens new tokens, stopping at the end-of-text token (END_OF_TEXT); decode, and
    keep extract_response of the text. Returns `data`, its entries updated in place."""
    # TODO: fill in entry["model_response"] for every entry as described above; the result is data.
    raise NotImplementedError('generate_responses: not written yet, see the TODO above')
