"""Chapter 2.7–2.8: token embeddings plus absolute positional embeddings."""
import torch


class InputEmbedding(torch.nn.Module):
    """The input embeddings of a GPT: each token id's embedding vector plus the embedding of its
    position 0, 1, ..., seq_len - 1 in the sequence (sections 2.7 and 2.8)."""

    def __init__(self, vocab_size, context_length, output_dim):
        super().__init__()
        # TODO: create two trainable lookup tables of output_dim-dimensional vectors (section 2.7):
        #       self.token_embedding_layer, one vector per token id (vocab_size of them), and
        #       self.pos_embedding_layer, one vector per position (context_length of them).
        raise NotImplementedError('InputEmbedding: not written yet, see the TODO above')

    def forward(self, inputs):
        """inputs: token ids of shape [batch, seq_len] (seq_len <= context_length) -> [batch, seq_len, output_dim]."""
        # TODO: return the input embeddings, (batch, seq_len, output_dim): each token's vector plus
        #       the vector of its position 0 .. seq_len - 1, for any seq_len up to context_length
        #       (section 2.8).
        raise NotImplementedError('InputEmbedding: not written yet, see the TODO above')
