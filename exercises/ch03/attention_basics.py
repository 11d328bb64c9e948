"""Chapter 3.3: attention without trainable weights — scores, weights and context vectors."""
import torch

# The book's toy input: one 3-dimensional embedding per token of "Your journey starts with one step".
inputs = torch.tensor(
    [[0.43, 0.15, 0.89],   # Your     (x^1)
     [0.55, 0.87, 0.66],   # journey  (x^2)
     [0.57, 0.85, 0.64],   # starts   (x^3)
     [0.22, 0.58, 0.33],   # with     (x^4)
     [0.77, 0.25, 0.10],   # one      (x^5)
     [0.05, 0.80, 0.55]]   # step     (x^6)
)


def softmax_naive(x):
    """Softmax of a 1-D tensor, written out from its definition (section 3.3.1)."""
    # TODO: return the softmax of the 1-D tensor x: a tensor of x's shape whose entries are
    #       positive, sum to 1 and keep the order of the scores (section 3.3.1).
    raise NotImplementedError('softmax_naive: not written yet, see the TODO above')


def attention_scores(inputs):
    """Every token's dot product with every other token: a (num_tokens, num_tokens) tensor (section 3.3.2).

    Row i holds the scores of query i; row 1 of the book's input is [0.9544, 1.4950, ...]."""
    # TODO: return the (num_tokens, num_tokens) tensor whose entry [i, j] is the dot product of rows
    #       i and j of inputs, all computed at once, without a Python loop (section 3.3.2).
    raise NotImplementedError('attention_scores: not written yet, see the TODO above')


def attention_weights(attn_scores):
    """Normalise each row of the scores with softmax so every row sums to 1 (section 3.3.2)."""
    # TODO: return a tensor of attn_scores' shape in which each row is the softmax of that row of
    #       scores: positive, summing to 1 (section 3.3.2).
    raise NotImplementedError('attention_weights: not written yet, see the TODO above')


def context_vectors(attn_weights, inputs):
    """Each token's context vector: the sum of all inputs weighted by that token's row of weights."""
    # TODO: return the (num_tokens, d_in) tensor whose row i is the sum over j of attn_weights[i, j]
    #       times input row j, all rows at once (section 3.3.2).
    raise NotImplementedError('context_vectors: not written yet, see the TODO above')
