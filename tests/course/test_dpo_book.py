"""The DPO notebook's figures and behaviours, reproduced by the reference solutions in solutions/dpo on the course's
generated preference data, and a few steps of DPO on a tiny GPT (marked trains)."""
import math
from functools import partial

import pytest

import support
from course_data import preferences

torch = pytest.importorskip("torch")

TINY = {"vocab_size": 50257, "context_length": 128, "emb_dim": 16, "n_heads": 2, "n_layers": 1, "drop_rate": 0.0,
        "qkv_bias": False}


def solution(module: str):
    return support.solution("dpo", module)


@pytest.fixture(scope="module")
def tokenizer():
    from course_data.gpt2 import get_encoding
    return get_encoding()


@pytest.fixture(scope="module")
def splits():
    return support.solution("ch07", "instruction_data").split_data(preferences.default_preference_data())


def batch_of(entries, tokenizer, **options):
    data = solution("preference_data")
    dataset = data.PreferenceDataset(entries, tokenizer)
    return data.custom_collate_fn([dataset[i] for i in range(len(dataset))], **options)


def test_the_mask_selects_the_response_from_its_header(tokenizer):
    entry = {"instruction": "Identify the correct spelling of the following word.", "input": "Ocassion",
             "output": "The correct spelling is 'Occasion.'", "rejected": "It is obviously 'Occasion.'",
             "chosen": "The correct spelling is 'Occasion.'"}
    batch = batch_of([entry, {**entry, "input": ""}], tokenizer)
    data = solution("preference_data")
    for key in ("chosen", "rejected"):
        for row in range(2):
            selected = batch[key][row][batch[f"{key}_mask"][row]]
            assert data.decode_tokens_from_batch(selected, tokenizer) == f"### Response:\n{entry[key]}"
    assert batch["chosen"].shape == batch["rejected"].shape == batch["chosen_mask"].shape
    assert len(batch["prompt"]) == 2 and batch["prompt"][0].shape[0] > batch["prompt"][1].shape[0]
    full = support.solution("ch07", "instruction_data").format_input(entry) + f"\n\n### Response:\n{entry['chosen']}"
    unmasked = batch_of([entry], tokenizer, mask_prompt_tokens=False)["chosen_mask"][0]
    n = len(tokenizer.encode(full))
    assert unmasked[:n].all() and not unmasked[n:].any()   # all but the padding


def test_gather_is_cross_entropy():
    # the notebook's example: two rows of logits, targets 0 and 2, both ways give a loss of 1.4185
    logits = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    by_cross_entropy = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 2]))
    padded = torch.cat([logits, torch.zeros(1, 3)]).unsqueeze(0)     # the last position predicts nothing
    mean_logprob = solution("dpo_loss").compute_logprobs(padded, torch.tensor([[1, 0, 2]]))
    assert by_cross_entropy.item() == pytest.approx(1.4185, abs=1e-4)
    assert -mean_logprob.item() == pytest.approx(by_cross_entropy.item(), abs=1e-6)


def test_the_loss_is_the_log_sigmoid_of_the_scaled_margin():
    loss, chosen, rejected = solution("dpo_loss").compute_dpo_loss(
        torch.tensor([-1.0, -2.0]), torch.tensor([-3.0, -2.5]), torch.tensor([-1.5, -2.0]), torch.tensor([-2.0, -2.0]),
        beta=0.5)
    logits = torch.tensor([(-1.0 + 3.0) - (-1.5 + 2.0), (-2.0 + 2.5) - (-2.0 + 2.0)])
    assert loss.item() == pytest.approx(torch.log1p(torch.exp(-0.5 * logits)).mean().item(), abs=1e-6)
    assert (chosen.item(), rejected.item()) == pytest.approx((0.25, -0.75))


def test_splits_and_loaders_of_the_default_data(splits, tokenizer):
    train, test, val = splits
    assert (len(train), len(test), len(val)) == (935, 110, 55)   # the notebook's 85/10/5 of 1,100 entries
    data = solution("preference_data")
    torch.manual_seed(123)
    loader = torch.utils.data.DataLoader(data.PreferenceDataset(train, tokenizer), batch_size=8, shuffle=True,
                                         drop_last=True, collate_fn=partial(data.custom_collate_fn,
                                                                            allowed_max_length=1024))
    assert len(loader) == 116
    batch = next(iter(loader))
    assert batch["chosen"].shape[0] == 8 and batch["chosen"].shape == batch["rejected"].shape
    assert batch["chosen_mask"].dtype == torch.bool and batch["chosen_mask"].any(dim=1).all()


def test_before_training_the_loss_is_log_two_and_the_rewards_zero(splits, tokenizer):
    # the notebook prints a training and validation loss of 0.6931 before DPO: the policy is the reference
    gpt, loss = support.solution("ch04", "gpt"), solution("dpo_loss")
    torch.manual_seed(0)
    policy = gpt.GPTModel(TINY).eval()
    reference = gpt.GPTModel(TINY).eval()
    reference.load_state_dict(policy.state_dict())
    batches = [batch_of(splits[2][k:k + 4], tokenizer) for k in (0, 4)]
    values = loss.compute_dpo_loss_loader(batches, policy, reference, beta=0.1)
    assert values == pytest.approx((math.log(2), 0.0, 0.0), abs=1e-6)


def test_only_the_policy_gets_a_gradient(splits, tokenizer):
    gpt, loss = support.solution("ch04", "gpt"), solution("dpo_loss")
    torch.manual_seed(1)
    policy, reference = gpt.GPTModel(TINY), gpt.GPTModel(TINY).eval()
    value, _, _ = loss.compute_dpo_loss_batch(batch_of(splits[0][:4], tokenizer), policy, reference, beta=0.1)
    value.backward()
    assert all(p.grad is not None for p in policy.parameters())
    assert all(p.grad is None for p in reference.parameters())


@pytest.mark.trains
def test_dpo_raises_the_margin_on_the_generated_pairs(splits, tokenizer):
    """Tiny but real, as the notebook's section 5: a 1-layer GPT (GPT-2's vocabulary) is both the policy and the
    frozen reference at the start; two AdamW steps on 8 generated pairs raise the chosen-over-rejected margin.
    `grade demo dpo` does the same at scale, on the course's small pretrained GPT."""
    gpt, data = support.solution("ch04", "gpt"), solution("preference_data")
    torch.manual_seed(123)
    policy, reference = gpt.GPTModel(TINY), gpt.GPTModel(TINY)
    reference.load_state_dict(policy.state_dict())
    reference.eval()
    frozen = {k: v.clone() for k, v in reference.state_dict().items()}
    train, _, val = splits
    collate = partial(data.custom_collate_fn, allowed_max_length=TINY["context_length"])
    train_loader = torch.utils.data.DataLoader(data.PreferenceDataset(train[:8], tokenizer), batch_size=4,
                                               collate_fn=collate)
    val_loader = torch.utils.data.DataLoader(data.PreferenceDataset(val[:4], tokenizer), batch_size=4,
                                             collate_fn=collate)
    optimizer = torch.optim.AdamW(policy.parameters(), lr=1e-2, weight_decay=0.01)
    tracking = solution("dpo_training").train_model_dpo_simple(
        policy, reference, train_loader, val_loader, optimizer, num_epochs=1, beta=0.1, eval_freq=1, eval_iter=1,
        start_context="Below is", tokenizer=tokenizer)
    margins = [c - r for c, r in zip(tracking["train_chosen_rewards"], tracking["train_rejected_rewards"])]
    assert len(margins) == 2 and 0 < margins[0] < margins[1], margins
    assert tracking["train_losses"][1] < tracking["train_losses"][0] < math.log(2)
    assert all(torch.equal(frozen[k], v) for k, v in reference.state_dict().items())
