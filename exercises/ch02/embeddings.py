"""Chapter 2.7–2.8: token embeddings plus absolute positional embeddings."""
import torch


class InputEmbedding(torch.nn.Module):
    """The input embeddings of a GPT: each token id's embedding vector plus the embedding of its
    position 0, 1, ..., seq_len - 1 in the sequence (sections 2.7 and 2.8)."""

    def __init__(self, vocab_size, context_length, output_dim):
        super().__init__()
        # TODO: self.token_embedding_layer = torch.nn.Embedding(vocab_size, output_dim); self.pos_embedding_layer the same with context_length rows.
        raise NotImplementedError('self.token_embedding_layer = torch.nn.Embedding(vocab_size, output_dim); self.pos_embedding_layer the same with context_length rows.')

    def forward(self, inputs):
        """inputs: token ids of shape [batch, seq_len] (seq_len <= context_length) -> [batch, seq_len, output_dim]."""
        # TODO: embed the token ids, embed the positions torch.arange(seq_len) and add the two.
        raise NotImplementedError('embed the token ids, embed the positions torch.arange(seq_len) and add the two.')
