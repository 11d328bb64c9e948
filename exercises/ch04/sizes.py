"""Exercises 4.1 and 4.2: count the parameters of your own blocks and of the GPT-2 family."""
from .gpt import TransformerBlock


def count_parameters(module):
    """The number of trainable values (not tensors) in `module`'s parameters."""
    # TODO: add up p.numel() over module.parameters().
    raise NotImplementedError('add up p.numel() over module.parameters().')


def block_parameter_counts(cfg):
    """Exercise 4.1: {"feed_forward": ..., "attention": ...}, the parameters of one TransformerBlock(cfg)'s
    .ff and .att. For the 124M configuration: 4,722,432 and 2,360,064."""
    # TODO: build TransformerBlock(cfg) and count the parameters of its .ff and its .att.
    raise NotImplementedError('build TransformerBlock(cfg) and count the parameters of its .ff and its .att.')


def get_config(base_config, model_name="gpt2-small"):
    """Exercise 4.2: a copy of base_config with emb_dim, n_layers and n_heads of `model_name`:
    gpt2-small (768, 12, 12), gpt2-medium (1024, 24, 16), gpt2-large (1280, 36, 20), gpt2-xl (1600, 48, 25)."""
    # TODO: return a copy of base_config with model_name's emb_dim, n_layers and n_heads.
    #       Leave base_config itself unchanged: {**base_config, ...} or base_config.copy().
    raise NotImplementedError("return a copy of base_config with model_name's emb_dim, n_layers and n_heads. Leave base_config itself unchanged: {**base_config, ...} or base_config.copy().")


def calculate_size(model):
    """Exercise 4.2: {"total": parameters of a GPTModel, "tied": the same without out_head (its weight
    would be tok_emb's), "size_mb": memory of all parameters in float32, in MB of 1024 * 1024 bytes}.

    GPT-2 XL takes 6.5 GB; build it `with torch.device("meta"):` to count without allocating memory."""
    # TODO: return {"total": ..., "tied": ..., "size_mb": ...}.
    #       tied = total minus out_head's parameters; size_mb = total * 4 bytes / (1024 * 1024).
    raise NotImplementedError('return {"total": ..., "tied": ..., "size_mb": ...}. tied = total minus out_head\'s parameters; size_mb = total * 4 bytes / (1024 * 1024).')

