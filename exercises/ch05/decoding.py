"""Chapter 5.3: decoding strategies — temperature scaling, top-k sampling, and exercises 5.1 and 5.3."""
import torch


def softmax_with_temperature(logits, temperature):
    """Probabilities of the logits (a 1-D tensor of next-token scores) sharpened or flattened by `temperature`
    (> 0): below 1 sharper, above 1 flatter (section 5.3.1)."""
    # TODO: return the softmax of the logits scaled by the temperature (divide them by it).
    raise NotImplementedError('softmax_with_temperature: not written yet, see the TODO above')


def generate(model, idx, max_new_tokens, context_size, temperature=0.0, top_k=None, eos_id=None):
    """Extend idx, (1, n_tokens), by at most max_new_tokens tokens (section 5.3.3).

    top_k: keep only the k largest logits of each step. temperature > 0: sample from the softmax of the
    logits divided by it; 0: take the most likely token (greedy). eos_id: stop as soon as that token is
    chosen, without appending it. Returns the extended idx."""
    # TODO: chapter 4's generate_text_simple loop (last context_size tokens, last position,
    #       no gradients), choosing each next token as the docstring says: top-k filtering first, then
    #       sampling at the given temperature or, at temperature 0, the most likely token. A token equal to
    #       eos_id ends the loop before it is appended. Return the extended idx, (1, n_tokens + new tokens).
    raise NotImplementedError('generate: not written yet, see the TODO above')


def sampling_frequencies(next_token_logits, temperature, num_samples=1000):
    """Exercise 5.1: how many times each token is drawn, on average, in num_samples draws from the
    temperature-scaled softmax of next_token_logits (1-D) — exactly, without sampling (section 5.3.1)."""
    # TODO: the expected count of every token, a float tensor shaped like next_token_logits.
    raise NotImplementedError('sampling_frequencies: not written yet, see the TODO above')


def deterministic_settings():
    """Exercise 5.3: two ways to make `generate` deterministic, as a list of two dicts of its keyword
    arguments temperature and top_k: one with a temperature of zero, one with a positive temperature."""
    # TODO: return a list of two dicts, each with the keys "temperature" and "top_k": with the
    #       first, generate is greedy because of its temperature; with the second, it samples (temperature > 0)
    #       yet always picks the same token.
    raise NotImplementedError('deterministic_settings: not written yet, see the TODO above')
