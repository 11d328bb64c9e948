"""From GPT to Llama 3: RMSNorm, SiLU, the SwiGLU feed-forward, rotary position embeddings with Llama 3's
frequency scaling, grouped-query attention, the transformer block, Llama3Model and its weights by name."""
import torch
import torch.nn as nn


def assign(left, right, tensor_name="unknown"):
    """A copy of `right` shaped like the parameter `left`, or a ValueError naming the tensor."""
    if left.shape != right.shape:
        raise ValueError(f"Shape mismatch in tensor '{tensor_name}'. Left: {left.shape}, Right: {right.shape}")
    return nn.Parameter(torch.as_tensor(right, dtype=left.dtype, device=left.device).clone().detach())


class RMSNorm(nn.Module):
    """Divide each vector by its root mean square, then scale it by a trainable weight (gpt-to-llama2 §1.1)."""

    def __init__(self, emb_dim, eps=1e-5):
        super().__init__()
        # TODO: keep self.eps and self.emb_dim, and create the trainable vector self.weight of size
        #       emb_dim, which starts at ones. RMSNorm has no shift (gpt-to-llama2 §1.1).
        raise NotImplementedError('RMSNorm: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (..., emb_dim); return a tensor of x's shape and dtype: each vector along the
        #       last dimension divided by its root mean square (with self.eps added to the mean square),
        #       times self.weight. Unlike LayerNorm, nothing is subtracted (gpt-to-llama2 §1.1).
        raise NotImplementedError('RMSNorm: not written yet, see the TODO above')


class SiLU(nn.Module):
    """The SiLU (swish) activation that replaces GELU in Llama (gpt-to-llama2 §1.2)."""

    def forward(self, x):
        # TODO: return SiLU(x) elementwise, a tensor of x's shape: x times the logistic sigmoid
        #       of x (gpt-to-llama2 §1.2).
        raise NotImplementedError('SiLU: not written yet, see the TODO above')


class FeedForward(nn.Module):
    """The SwiGLU feed-forward: a SiLU-gated branch times a linear branch, projected back (gpt-to-llama2 §1.3)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create three linear layers without bias, in cfg["dtype"]: self.fc1 and self.fc2
        #       from cfg["emb_dim"] to cfg["hidden_dim"] (the gate and the up projection), self.fc3 from
        #       cfg["hidden_dim"] back to cfg["emb_dim"]; and self.silu, your SiLU (gpt-to-llama2 §1.3).
        raise NotImplementedError('FeedForward: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (..., emb_dim); return (..., emb_dim): fc3 of the gated hidden vector, which is
        #       SiLU of fc1's output multiplied elementwise by fc2's output (gpt-to-llama2 §1.3).
        raise NotImplementedError('FeedForward: not written yet, see the TODO above')


def compute_rope_params(head_dim, theta_base=10_000, context_length=4096, freq_config=None, dtype=torch.float32):
    """RoPE's cos and sin tables, each (context_length, head_dim); with freq_config, Llama 3's frequency
    scaling (gpt-to-llama2 §1.4, llama2-to-llama3 §1.2 and §6)."""
    assert head_dim % 2 == 0, "head_dim must be even: RoPE rotates pairs of dimensions"
    # TODO: return (cos, sin), each (context_length, head_dim) in float32. Row p holds the angles
    #       p * inv_freq for the head_dim // 2 inverse frequencies theta_base ** (-2i / head_dim), i = 0, 1, ...,
    #       written twice side by side (the first and the second half of a head share them). With a
    #       freq_config dict (factor, low_freq_factor, high_freq_factor, original_context_length), first
    #       rescale inv_freq the Llama 3 way: frequencies whose wavelength exceeds
    #       original_context_length / low_freq_factor are divided by factor, those whose wavelength is
    #       below original_context_length / high_freq_factor stay, and the band between is a smooth
    #       blend of the two (gpt-to-llama2 §1.4, llama2-to-llama3 §1.2 and §6).
    raise NotImplementedError('compute_rope_params: not written yet, see the TODO above')


def apply_rope(x, cos, sin):
    """Rotate the queries or keys x, (batch, num_heads, seq_len, head_dim), by their positions (gpt-to-llama2 §1.4)."""
    # TODO: return x rotated, same shape and dtype. Dimension j of the first half and dimension j of
    #       the second half form a pair, rotated by the angle whose cos and sin stand at row p (the token's
    #       position, 0 to seq_len - 1) of the tables: x * cos plus sin times (-second half, first half)
    #       (gpt-to-llama2 §1.4).
    raise NotImplementedError('apply_rope: not written yet, see the TODO above')


class GroupedQueryAttention(nn.Module):
    """Causal multi-head attention whose heads share num_kv_groups key and value projections, with RoPE on
    queries and keys (llama2-to-llama3 §1.3)."""

    def __init__(self, d_in, d_out, num_heads, num_kv_groups, dtype=None):
        super().__init__()
        assert d_out % num_heads == 0, "d_out must be divisible by num_heads"
        assert num_heads % num_kv_groups == 0, "num_heads must be divisible by num_kv_groups"
        # TODO: keep d_out, num_heads, num_kv_groups, head_dim (d_out // num_heads) and group_size
        #       (the query heads per key-value group). Create, without bias and in dtype: self.W_query,
        #       d_in -> d_out; self.W_key and self.W_value, d_in -> num_kv_groups * head_dim; self.out_proj,
        #       d_out -> d_out (llama2-to-llama3 §1.3).
        raise NotImplementedError('GroupedQueryAttention: not written yet, see the TODO above')

    def forward(self, x, mask, cos, sin):
        # TODO: x is (batch, num_tokens, d_in); mask is (num_tokens, num_tokens), True where a query
        #       must not see a key (above the diagonal); cos and sin are RoPE's tables. Return (batch,
        #       num_tokens, d_out): queries in num_heads heads, keys and values in num_kv_groups heads, RoPE
        #       applied to queries and keys (not values), each key-value head serving group_size
        #       consecutive query heads, then scaled dot-product attention with the mask and out_proj
        #       (llama2-to-llama3 §1.3).
        raise NotImplementedError('GroupedQueryAttention: not written yet, see the TODO above')


class TransformerBlock(nn.Module):
    """Pre-RMSNorm grouped-query attention and SwiGLU feed-forward, each with a shortcut (llama2-to-llama3 §1.4)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create self.att, your GroupedQueryAttention from emb_dim to emb_dim with n_heads heads
        #       and n_kv_groups key-value groups in cfg["dtype"]; self.ff, a FeedForward; self.norm1 and
        #       self.norm2, RMSNorms of emb_dim with eps 1e-5. No dropout (llama2-to-llama3 §1.4).
        raise NotImplementedError('TransformerBlock: not written yet, see the TODO above')

    def forward(self, x, mask, cos, sin):
        # TODO: x is (batch, num_tokens, emb_dim); return the same shape: attention on norm1(x) with
        #       mask, cos and sin, added to x; then the feed-forward on norm2 of that, added to it
        #       (llama2-to-llama3 §1.4).
        raise NotImplementedError('TransformerBlock: not written yet, see the TODO above')


class Llama3Model(nn.Module):
    """Token embeddings, n_layers blocks sharing one RoPE table, a final RMSNorm and the output head
    (llama2-to-llama3 §1.5)."""

    def __init__(self, cfg):
        super().__init__()
        # TODO: create self.tok_emb (vocab_size -> emb_dim, no position embedding), self.trf_blocks
        #       (n_layers TransformerBlocks in an nn.ModuleList), self.final_norm (RMSNorm, eps 1e-5) and
        #       self.out_head (emb_dim -> vocab_size, no bias), all in cfg["dtype"]; the RoPE tables for
        #       head_dim emb_dim // n_heads, rope_base, context_length and rope_freq as buffers self.cos
        #       and self.sin that are not saved with the weights; and keep cfg (llama2-to-llama3 §1.5).
        raise NotImplementedError('Llama3Model: not written yet, see the TODO above')

    def forward(self, in_idx):
        # TODO: in_idx is (batch, num_tokens) token ids, num_tokens <= context_length; return the
        #       logits, (batch, num_tokens, vocab_size): the token embeddings through every block with one
        #       causal mask (True above the diagonal) and the RoPE tables, then final_norm and out_head
        #       (llama2-to-llama3 §1.5).
        raise NotImplementedError('Llama3Model: not written yet, see the TODO above')


def load_weights_into_llama(model, param_config, params):
    """Copy a Hugging Face Llama checkpoint's tensors (params: name -> tensor) into model (llama2-to-llama3 §4)."""
    # TODO: for each of param_config["n_layers"] blocks, give att's W_query, W_key, W_value and
    #       out_proj, ff's fc1, fc2 and fc3, and norm1 and norm2 the checkpoint's tensors of layer l
    #       (model.layers.{l}.self_attn.q_proj.weight, ...k_proj, ...v_proj, ...o_proj; mlp.gate_proj,
    #       mlp.up_proj, mlp.down_proj; input_layernorm, post_attention_layernorm); tok_emb gets
    #       model.embed_tokens.weight, final_norm model.norm.weight, out_head lm_head.weight, or, where the
    #       checkpoint has none (weight tying), the token embedding itself. Use assign(left, right, name)
    #       (llama2-to-llama3 §4).
    raise NotImplementedError('load_weights_into_llama: not written yet, see the TODO above')
