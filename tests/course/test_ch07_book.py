"""The book's chapter-7 figures, reproduced by the reference solutions in solutions/ch07, on the course's
generated instruction data (and on the book's file where it has been downloaded)."""
import shutil

import pytest

import support
from course_data import instructions

torch = pytest.importorskip("torch")


def solution(module: str):
    return support.solution("ch07", module)


@pytest.fixture(scope="module")
def data():
    return solution("instruction_data")


@pytest.fixture(scope="module")
def tokenizer():
    from course_data.gpt2 import get_encoding
    return get_encoding()


def test_toy_batch_of_the_book(data):
    inputs, targets = data.custom_collate_fn([[0, 1, 2, 3, 4], [5, 6], [7, 8, 9]])
    assert inputs.tolist() == [[0, 1, 2, 3, 4], [5, 6, 50256, 50256, 50256], [7, 8, 9, 50256, 50256]]
    assert targets.tolist() == [[1, 2, 3, 4, 50256], [6, 50256, -100, -100, -100], [8, 9, 50256, -100, -100]]


def test_ignored_targets_leave_the_loss_unchanged():
    logits = torch.tensor([[-1.0, 1.0], [-0.5, 1.5], [-0.5, 1.5]])
    two = torch.nn.functional.cross_entropy(logits[:2], torch.tensor([0, 1]))
    assert torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, -100])) == two


def test_alpaca_prompt(data):
    entry = {"instruction": "Identify the correct spelling of the following word.", "input": "Ocassion",
             "output": "The correct spelling is 'Occasion.'"}
    assert data.format_input(entry) + data.format_response(entry) == (
        "Below is an instruction that describes a task. Write a response that appropriately completes the "
        "request.\n\n### Instruction:\nIdentify the correct spelling of the following word.\n\n### Input:\n"
        "Ocassion\n\n### Response:\nThe correct spelling is 'Occasion.'")
    assert "### Input:" not in data.format_input({**entry, "input": ""})


def test_split_sizes_on_the_default_data(data):
    train, test, val = data.split_data(instructions.default_instruction_data())
    assert (len(train), len(test), len(val)) == (935, 110, 55)


def test_loaders_of_the_default_data(data, tokenizer):
    train, test, val = data.split_data(instructions.default_instruction_data())
    torch.manual_seed(123)
    train_loader, val_loader, test_loader = data.create_instruction_loaders(train, val, test, tokenizer)
    assert (len(train_loader), len(val_loader), len(test_loader)) == (116, 7, 14)
    inputs, targets = next(iter(val_loader))
    assert inputs.shape == targets.shape and inputs.shape[0] == 8
    assert (targets == -100).any() and (targets == 50256).any()


def test_masked_targets_hold_the_response_only(tokenizer):
    masking, data = solution("instruction_masking"), solution("instruction_data")
    entry = {"instruction": "Sort the following list in alphabetical order.", "input": "Zebra, Elephant, Crocodile",
             "output": "Crocodile, Elephant, Zebra"}
    dataset = masking.InstructionDataset([entry], tokenizer)
    _, targets = masking.custom_collate_fn([dataset[0]])
    kept = [t for t in targets[0].tolist() if t != -100]
    assert tokenizer.decode(kept) == data.format_response(entry) + "<|endoftext|>"


def test_phi3_prompt_is_shorter(tokenizer):
    phi3, data = solution("prompt_styles"), solution("instruction_data")
    entries = instructions.default_instruction_data()[:50]
    alpaca = sum(len(tokenizer.encode(data.format_input(e) + data.format_response(e))) for e in entries)
    short = sum(len(tokenizer.encode(phi3.format_input_phi3(e) + phi3.format_response_phi3(e))) for e in entries)
    assert (alpaca, short) == (2404, 1459)   # the Phi-3 style needs 39% fewer tokens


@pytest.mark.skipif(not instructions.INSTRUCTION_DATA.is_cached(),
                    reason="the book's instruction data is not downloaded (python -m course_data download "
                           "instruction-data)")
def test_book_data_split(data):
    book = instructions.load_instruction_data()
    assert len(book) == 1100
    train, test, val = data.split_data(book)
    assert (len(train), len(test), len(val)) == (935, 110, 55)


# Section 7.8 as printed: a model's name in place of the course's judge, the request written out, and
# query_model(prompt, model) asked for each score (without the book's tqdm progress bar).
BOOK_SCORES = '''
def generate_model_scores(json_data, json_key, model="llama3"):
    scores = []
    for entry in json_data:
        prompt = (
            f"Given the input `{format_input(entry)}` "
            f"and correct output `{entry['output']}`, "
            f"score the model response `{entry[json_key]}`"
            f" on a scale from 0 to 100, where 100 is the best score. "
            f"Respond with the integer number only."
        )
        score = query_model(prompt, model)
        try:
            scores.append(int(score))
        except ValueError:
            print(f"Could not convert score: {score}")
            continue

    return scores
'''


def test_books_generate_model_scores_asks_the_offline_judge():
    evaluation = solution("evaluation")
    namespace = dict(vars(evaluation))
    exec(BOOK_SCORES, namespace)
    entries = [{"instruction": "Give the plural form of the word.", "input": "mouse", "output": "mice",
                "model_response": r} for r in ("mice", "mouses", "The plural is mice")]
    assert namespace["generate_model_scores"](entries, "model_response") == \
        evaluation.generate_model_scores(entries, "model_response") == [100, 0, 40]


@pytest.mark.worker
@pytest.mark.needs_solutions
def test_books_generate_model_scores_gets_full_marks(course, tmp_path):
    from grader.scoring.grading import grade_trees

    tree = tmp_path / "tree"
    shutil.copytree(course.solutions, tree)
    module = tree / "ch07" / "evaluation.py"
    text = module.read_text(encoding="utf-8")
    start = text.index("def generate_model_scores(")
    module.write_text(text[:start] + BOOK_SCORES.lstrip(), encoding="utf-8")
    (run,) = grade_trees(course, [tree], [course.exercise("ch07.model_scores")])
    result = next(r for r in run.exercises if r.id == "ch07.model_scores")
    assert (result.score, result.status) == (result.max_score, "passed"), result.feedback
