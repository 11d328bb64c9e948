"""Chapter 5.5 and exercises 5.5–5.6: OpenAI's GPT-2 weights in our GPTModel, and the larger GPT-2 sizes.

`params` is the book's nested layout of a GPT-2 checkpoint (numpy arrays): params["wte"] (vocab, emb),
params["wpe"] (context, emb), params["g"] and params["b"] (the final norm), and per block
params["blocks"][i]: ["attn"]["c_attn"]["w"] (emb, 3 * emb) and ["b"], ["attn"]["c_proj"]["w"] (emb, emb)
and ["b"], ["mlp"]["c_fc"]["w"] (emb, 4 * emb) and ["b"], ["mlp"]["c_proj"]["w"] (4 * emb, emb) and ["b"],
["ln_1"]["g"], ["ln_1"]["b"], ["ln_2"]["g"], ["ln_2"]["b"]. OpenAI stores each weight as (in, out), the
transpose of nn.Linear's (out, in). `course_data.gpt2_checkpoint.load_params(path)` reads it from a
Hugging Face model.safetensors or from OpenAI's original files, without TensorFlow.
"""
import numpy as np
import torch

from ..ch02.dataloader import create_dataloader_v1
from .pretraining import calc_loss_loader


def assign(left, right):
    """A new nn.Parameter holding `right` (a numpy array) for the parameter `left`; a ValueError naming both
    shapes when they differ (section 5.5)."""
    # TODO: raise ValueError with both shapes when left and right differ in shape; otherwise
    #       return right as a trainable torch.nn.Parameter.
    raise NotImplementedError('assign: not written yet, see the TODO above')


def load_weights_into_gpt(gpt, params):
    """Set every parameter of `gpt` (a GPTModel built with GPT-2's configuration, qkv_bias=True) from the
    checkpoint `params` (the layout above), with `assign` (section 5.5)."""
    # TODO: give every parameter of gpt its array from params: the embeddings, and in each block
    #       the query, key and value weights and biases (c_attn holds the three side by side), the attention's
    #       output projection, both feed-forward layers and both norms; then the final norm and the output
    #       head, which GPT-2 shares with the token embedding. Weights stored (in, out) must become (out, in).
    raise NotImplementedError('load_weights_into_gpt: not written yet, see the TODO above')


def pretrained_losses(gpt, params, text, max_length=256, batch_size=2, train_ratio=0.90, device="cpu"):
    """Exercise 5.5: load `params` into `gpt`, then return its (train_loss, val_loss) on `text`, split and
    batched as in section 5.1: the first train_ratio of the characters for training, windows of max_length
    tokens with stride max_length, the training loader shuffled and dropping its last incomplete batch."""
    # TODO: load the weights, put the model in evaluation mode on device, build the two loaders
    #       of section 5.1 from the two parts of the text, and return calc_loss_loader over all of each.
    raise NotImplementedError('pretrained_losses: not written yet, see the TODO above')


def gpt2_config(model_name, base_config):
    """Exercise 5.6: the configuration of a GPT-2 size — "gpt2-small (124M)", "gpt2-medium (355M)",
    "gpt2-large (774M)" or "gpt2-xl (1558M)" — as a new dict: base_config with that size's emb_dim,
    n_layers and n_heads, context_length 1024 and qkv_bias True, as section 5.5 builds NEW_CONFIG."""
    # TODO: look up the size's emb_dim, n_layers and n_heads (section 5.5 lists all four), and
    #       return a copy of base_config updated with them and with GPT-2's context length and qkv_bias.
    raise NotImplementedError('gpt2_config: not written yet, see the TODO above')
