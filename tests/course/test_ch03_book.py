"""The book's chapter-3 figures, reproduced by the reference solutions in solutions/ch03."""
import pytest

import support

torch = pytest.importorskip("torch")

QUERY2_SCORES = [0.9544, 1.4950, 1.4754, 0.8434, 0.7070, 1.0865]
QUERY2_WEIGHTS = [0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581]
QUERY2_CONTEXT = [0.4419, 0.6515, 0.5683]


def solution(module: str):
    return support.solution("ch03", module)


@pytest.fixture(scope="module")
def basics():
    return solution("attention_basics")


@pytest.fixture(scope="module")
def mha():
    return solution("multihead_attention")


def test_scores_weights_and_context_of_query_2(basics):
    scores = basics.attention_scores(basics.inputs)
    assert scores.shape == (6, 6)
    assert torch.allclose(scores[1], torch.tensor(QUERY2_SCORES), atol=1e-4)
    weights = basics.attention_weights(scores)
    assert torch.allclose(weights[1], torch.tensor(QUERY2_WEIGHTS), atol=1e-4)
    assert torch.allclose(basics.softmax_naive(scores[1]), weights[1], atol=1e-6)
    assert torch.allclose(basics.context_vectors(weights, basics.inputs)[1], torch.tensor(QUERY2_CONTEXT),
                          atol=1e-4)


def test_exercise_3_1_v1_equals_v2_after_transfer():
    sa = solution("self_attention")
    torch.manual_seed(789)
    sa_v2, sa_v1 = sa.SelfAttention_v2(3, 2), sa.SelfAttention_v1(3, 2)
    sa.transfer_weights(sa_v2, sa_v1)
    x = solution("attention_basics").inputs
    assert torch.allclose(sa_v1(x), sa_v2(x), atol=1e-6)


def test_exercise_3_2_two_dimensional_context_vectors(basics, mha):
    batch = torch.stack((basics.inputs, basics.inputs))
    wrapper = mha.two_dimensional_wrapper(d_in=3, context_length=6)
    assert len(wrapper.heads) == 2
    assert wrapper(batch).shape == (2, 6, 2)


def test_exercise_3_3_gpt2_sized_attention_has_2_360_064_parameters(mha):
    assert mha.count_parameters(mha.gpt2_sized_attention()) == 2_360_064


def test_book_shapes_of_causal_and_multi_head_attention(basics, mha):
    batch = torch.stack((basics.inputs, basics.inputs))
    causal = solution("causal_attention").CausalAttention(3, 2, 6, 0.0)
    assert causal(batch).shape == (2, 6, 2)
    assert mha.MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=2)(batch).shape == (2, 6, 4)
    assert mha.MultiHeadAttention(3, 2, 6, 0.0, num_heads=2)(batch).shape == (2, 6, 2)
