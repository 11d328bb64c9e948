"""Exercises 4.1 and 4.2: count the parameters of your own blocks and of the GPT-2 family."""
from .gpt import TransformerBlock


def count_parameters(module):
    """The number of trainable values (not tensors) in `module`'s parameters."""
    # TODO: return the total number of values (an int) in all of module's parameters; buffers are
    #       not parameters (section 4.6).
    raise NotImplementedError('count_parameters: not written yet, see the TODO above')


def block_parameter_counts(cfg):
    """Exercise 4.1: {"feed_forward": ..., "attention": ...}, the parameters of one TransformerBlock(cfg)'s
    .ff and .att. For the 124M configuration: 4,722,432 and 2,360,064."""
    # TODO: return {"feed_forward": int, "attention": int}, the parameter counts of the .ff and .att
    #       of a TransformerBlock built from cfg (exercise 4.1).
    raise NotImplementedError('block_parameter_counts: not written yet, see the TODO above')


def get_config(base_config, model_name="gpt2-small"):
    """Exercise 4.2: a copy of base_config with emb_dim, n_layers and n_heads of `model_name`:
    gpt2-small (768, 12, 12), gpt2-medium (1024, 24, 16), gpt2-large (1280, 36, 20), gpt2-xl (1600, 48, 25)."""
    # TODO: return a new dict: base_config's entries with emb_dim, n_layers and n_heads set for
    #       model_name as the docstring lists them; base_config itself stays as it was
    #       (exercise 4.2).
    raise NotImplementedError('get_config: not written yet, see the TODO above')


def calculate_size(model):
    """Exercise 4.2: {"total": parameters of a GPTModel, "tied": the same without out_head (its weight
    would be tok_emb's), "size_mb": memory of all parameters in float32, in MB of 1024 * 1024 bytes}.

    GPT-2 XL takes 6.5 GB; build it `with torch.device("meta"):` to count without allocating memory."""
    # TODO: return {"total": int, "tied": int, "size_mb": float} for the GPTModel `model`, as the
    #       docstring defines them (exercise 4.2).
    raise NotImplementedError('calculate_size: not written yet, see the TODO above')

