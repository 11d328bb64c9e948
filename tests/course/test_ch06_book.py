"""The book's chapter-6 and appendix-E figures, reproduced by the reference solutions on the course's data."""
import pytest

import support

torch = pytest.importorskip("torch")
pytest.importorskip("pandas")

GPT2_124M_CLASSIFIER = {"vocab_size": 50257, "context_length": 1024, "emb_dim": 768, "n_heads": 12,
                        "n_layers": 12, "drop_rate": 0.0, "qkv_bias": True}


@pytest.fixture(scope="module")
def csvs(tmp_path_factory):
    data = support.solution("ch06", "spam_data")
    return data.prepare_spam_csvs(tmp_path_factory.mktemp("spam"))


def classifier_124m():
    gpt = support.solution("ch04", "gpt")
    with torch.device("meta"):
        model = gpt.GPTModel(GPT2_124M_CLASSIFIER)
        model.out_head = torch.nn.Linear(768, 2)
    return model


def test_balanced_split_sizes(csvs):
    import pandas as pd

    sizes = [len(pd.read_csv(p)) for p in csvs]
    assert sizes == [1045, 149, 300]
    labels = pd.concat(pd.read_csv(p) for p in csvs)["Label"].value_counts().to_dict()
    assert labels == {0: 747, 1: 747}


def test_datasets_and_loaders_as_in_section_6_3(csvs):
    import tiktoken
    from torch.utils.data import DataLoader

    dataset = support.solution("ch06", "spam_dataset")
    tokenizer = tiktoken.get_encoding("gpt2")
    train = dataset.SpamDataset(csvs[0], tokenizer)
    val = dataset.SpamDataset(csvs[1], tokenizer, max_length=train.max_length)
    assert train.max_length == 64  # the book's real collection: 120
    assert all(len(x) == train.max_length for x, _ in (val[i] for i in range(len(val))))
    assert [len(DataLoader(d, batch_size=8, drop_last=drop)) for d, drop in ((train, True), (val, False))] == [130, 19]


def test_classifier_trainable_parameters():
    classifier = support.solution("ch06", "classifier")
    gpt = support.solution("ch04", "gpt")
    with torch.device("meta"):
        model = classifier.prepare_for_classification(gpt.GPTModel(GPT2_124M_CLASSIFIER), 768, 2)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == 7_087_872 + 2 * 768 + 1_538  # the last block, final_norm, the head


def test_lora_parameter_counts_of_appendix_e():
    lora = support.solution("appE", "lora")
    model = classifier_124m()
    assert lora.count_trainable_parameters(model) == 124_441_346
    with torch.device("meta"):
        lora.add_lora(model, rank=16, alpha=16)
    assert lora.count_trainable_parameters(model) == 2_666_528


def test_lora_leaves_outputs_unchanged_until_trained():
    lora = support.solution("appE", "lora")
    gpt = support.solution("ch04", "gpt")
    cfg = {"vocab_size": 60, "context_length": 8, "emb_dim": 16, "n_heads": 2, "n_layers": 2, "drop_rate": 0.0,
           "qkv_bias": True}
    torch.manual_seed(0)
    model = gpt.GPTModel(cfg).eval()
    idx = torch.arange(12).reshape(2, 6)
    before = model(idx).detach()
    lora.add_lora(model, rank=2, alpha=4)
    assert torch.equal(model(idx).detach(), before)


@pytest.mark.trains
def test_finetuning_learns_on_the_default_data(csvs):
    """Tiny but real: a 2-layer GPT, the last block and head trained for 2 epochs on 240 messages."""
    import tiktoken
    from torch.utils.data import DataLoader, Subset

    dataset = support.solution("ch06", "spam_dataset")
    classifier = support.solution("ch06", "classifier")
    train = support.solution("ch06", "train_classifier")
    gpt = support.solution("ch04", "gpt")
    tokenizer = tiktoken.get_encoding("gpt2")
    train_set = dataset.SpamDataset(csvs[0], tokenizer)
    test_set = dataset.SpamDataset(csvs[2], tokenizer, max_length=train_set.max_length)
    torch.manual_seed(123)
    model = gpt.GPTModel({"vocab_size": 50257, "context_length": 128, "emb_dim": 32, "n_heads": 2, "n_layers": 2,
                          "drop_rate": 0.0, "qkv_bias": False})
    classifier.prepare_for_classification(model, 32, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1)
    train_loader = DataLoader(Subset(train_set, range(240)), batch_size=16, shuffle=True)
    test_loader = DataLoader(Subset(test_set, range(96)), batch_size=16)
    before = classifier.calc_accuracy_loader(test_loader, model, "cpu")
    losses, _, _, _, seen = train.train_classifier_simple(model, train_loader, test_loader, optimizer, "cpu",
                                                          num_epochs=2, eval_freq=10, eval_iter=2)
    after = classifier.calc_accuracy_loader(test_loader, model, "cpu")
    assert seen == 480 and losses[-1] < losses[0]
    assert after >= 0.8 > before or after >= before + 0.2, (before, after)
