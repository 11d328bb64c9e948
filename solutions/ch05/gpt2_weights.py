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
    ### BEGIN SOLUTION: raise ValueError with both shapes when left and right differ in shape; otherwise
    ### return right as a trainable torch.nn.Parameter.
    if left.shape != right.shape:
        raise ValueError(f"Shape mismatch. Left: {left.shape}, Right: {right.shape}")
    return torch.nn.Parameter(torch.tensor(right))
    ### END SOLUTION


def load_weights_into_gpt(gpt, params):
    """Set every parameter of `gpt` (a GPTModel built with GPT-2's configuration, qkv_bias=True) from the
    checkpoint `params` (the layout above), with `assign` (section 5.5)."""
    ### BEGIN SOLUTION: give every parameter of gpt its array from params: the embeddings, and in each block
    ### the query, key and value weights and biases (c_attn holds the three side by side), the attention's
    ### output projection, both feed-forward layers and both norms; then the final norm and the output
    ### head, which GPT-2 shares with the token embedding. Weights stored (in, out) must become (out, in).
    gpt.pos_emb.weight = assign(gpt.pos_emb.weight, params["wpe"])
    gpt.tok_emb.weight = assign(gpt.tok_emb.weight, params["wte"])
    for b, block in enumerate(params["blocks"]):
        layer = gpt.trf_blocks[b]
        q_w, k_w, v_w = np.split(block["attn"]["c_attn"]["w"], 3, axis=-1)
        layer.att.W_query.weight = assign(layer.att.W_query.weight, q_w.T)
        layer.att.W_key.weight = assign(layer.att.W_key.weight, k_w.T)
        layer.att.W_value.weight = assign(layer.att.W_value.weight, v_w.T)
        q_b, k_b, v_b = np.split(block["attn"]["c_attn"]["b"], 3, axis=-1)
        layer.att.W_query.bias = assign(layer.att.W_query.bias, q_b)
        layer.att.W_key.bias = assign(layer.att.W_key.bias, k_b)
        layer.att.W_value.bias = assign(layer.att.W_value.bias, v_b)
        layer.att.out_proj.weight = assign(layer.att.out_proj.weight, block["attn"]["c_proj"]["w"].T)
        layer.att.out_proj.bias = assign(layer.att.out_proj.bias, block["attn"]["c_proj"]["b"])
        layer.ff.layers[0].weight = assign(layer.ff.layers[0].weight, block["mlp"]["c_fc"]["w"].T)
        layer.ff.layers[0].bias = assign(layer.ff.layers[0].bias, block["mlp"]["c_fc"]["b"])
        layer.ff.layers[2].weight = assign(layer.ff.layers[2].weight, block["mlp"]["c_proj"]["w"].T)
        layer.ff.layers[2].bias = assign(layer.ff.layers[2].bias, block["mlp"]["c_proj"]["b"])
        layer.norm1.scale = assign(layer.norm1.scale, block["ln_1"]["g"])
        layer.norm1.shift = assign(layer.norm1.shift, block["ln_1"]["b"])
        layer.norm2.scale = assign(layer.norm2.scale, block["ln_2"]["g"])
        layer.norm2.shift = assign(layer.norm2.shift, block["ln_2"]["b"])
    gpt.final_norm.scale = assign(gpt.final_norm.scale, params["g"])
    gpt.final_norm.shift = assign(gpt.final_norm.shift, params["b"])
    gpt.out_head.weight = assign(gpt.out_head.weight, params["wte"])
    ### END SOLUTION


def pretrained_losses(gpt, params, text, max_length=256, batch_size=2, train_ratio=0.90, device="cpu"):
    """Exercise 5.5: load `params` into `gpt`, then return its (train_loss, val_loss) on `text`, split and
    batched as in section 5.1: the first train_ratio of the characters for training, windows of max_length
    tokens with stride max_length, the training loader shuffled and dropping its last incomplete batch."""
    ### BEGIN SOLUTION: load the weights, put the model in evaluation mode on device, build the two loaders
    ### of section 5.1 from the two parts of the text, and return calc_loss_loader over all of each.
    load_weights_into_gpt(gpt, params)
    gpt.to(device)
    gpt.eval()
    split_idx = int(train_ratio * len(text))
    train_loader = create_dataloader_v1(text[:split_idx], batch_size=batch_size, max_length=max_length,
                                        stride=max_length, drop_last=True, shuffle=True, num_workers=0)
    val_loader = create_dataloader_v1(text[split_idx:], batch_size=batch_size, max_length=max_length,
                                      stride=max_length, drop_last=False, shuffle=False, num_workers=0)
    with torch.no_grad():
        train_loss = calc_loss_loader(train_loader, gpt, device)
        val_loss = calc_loss_loader(val_loader, gpt, device)
    return train_loss, val_loss
    ### END SOLUTION


def gpt2_config(model_name, base_config):
    """Exercise 5.6: the configuration of a GPT-2 size — "gpt2-small (124M)", "gpt2-medium (355M)",
    "gpt2-large (774M)" or "gpt2-xl (1558M)" — as a new dict: base_config with that size's emb_dim,
    n_layers and n_heads, context_length 1024 and qkv_bias True, as section 5.5 builds NEW_CONFIG."""
    ### BEGIN SOLUTION: look up the size's emb_dim, n_layers and n_heads (section 5.5 lists all four), and
    ### return a copy of base_config updated with them and with GPT-2's context length and qkv_bias.
    model_configs = {
        "gpt2-small (124M)": {"emb_dim": 768, "n_layers": 12, "n_heads": 12},
        "gpt2-medium (355M)": {"emb_dim": 1024, "n_layers": 24, "n_heads": 16},
        "gpt2-large (774M)": {"emb_dim": 1280, "n_layers": 36, "n_heads": 20},
        "gpt2-xl (1558M)": {"emb_dim": 1600, "n_layers": 48, "n_heads": 25},
    }
    new_config = base_config.copy()
    new_config.update(model_configs[model_name])
    new_config.update({"context_length": 1024, "qkv_bias": True})
    return new_config
    ### END SOLUTION
