"""The book's appendix-A figures, reproduced by the reference solutions in solutions/appA."""
import shutil
import subprocess
import sys

import numpy as np
import pytest

import support

torch = pytest.importorskip("torch")

X_TRAIN = [[-1.2, 3.1], [-0.9, 2.9], [-0.5, 2.6], [2.3, -1.1], [2.7, -1.5]]
Y_TRAIN = [0, 0, 0, 1, 1]
X_TEST, Y_TEST = [[-0.8, 2.8], [2.6, -1.6]], [0, 1]


def solution(module: str):
    return support.solution("appA", module)


def test_tensors_copied_shared_and_multiplied():
    tensors = solution("tensors")
    ary3d = np.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
    copied, shared = tensors.copy_and_share(ary3d)
    ary3d[0, 0, 0] = 999
    assert copied[0, 0, 0] == 1 and shared[0, 0, 0] == 999
    assert tensors.to_float32(torch.tensor([1, 2, 3])).dtype == torch.float32
    assert tensors.matmul_with_transpose(torch.tensor([[1, 2, 3], [4, 5, 6]])).tolist() == [[14, 32], [32, 77]]


def test_logistic_regression_loss_and_gradients():
    autograd = solution("autograd")
    args = [torch.tensor([v]) for v in (1.1, 2.2, 0.0, 1.0)]   # x1, w1, b, y
    assert round(autograd.logistic_loss(*args).item(), 4) == 0.0852
    grad_w1, grad_b = autograd.loss_gradients(*args)
    assert (round(grad_w1.item(), 4), round(grad_b.item(), 4)) == (-0.0898, -0.0817)


def test_parameter_counts_and_seeded_output():
    nn = solution("neural_network")
    assert nn.count_parameters(nn.NeuralNetwork(2, 2)) == 752           # exercise A.3
    torch.manual_seed(123)
    model = nn.NeuralNetwork(50, 3)
    assert nn.count_parameters(model) == 2213
    torch.manual_seed(123)
    with torch.no_grad():
        out = model(torch.rand((1, 50)))
    assert [round(v, 4) for v in out[0].tolist()] == [-0.1262, 0.1080, -0.1792]


def test_training_on_the_toy_data():
    """Section A.7: seed 123, NeuralNetwork(2, 2), SGD lr 0.5, 3 epochs over the shuffled loader."""
    nn, data, training = solution("neural_network"), solution("data"), solution("training")
    train_ds = data.ToyDataset(torch.tensor(X_TRAIN), torch.tensor(Y_TRAIN))
    test_ds = data.ToyDataset(torch.tensor(X_TEST), torch.tensor(Y_TEST))
    assert len(train_ds) == 5
    torch.manual_seed(123)
    model = nn.NeuralNetwork(num_inputs=2, num_outputs=2)
    train_loader, test_loader = data.make_loaders(train_ds, test_ds, batch_size=2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    losses = training.train_model(model, train_loader, optimizer, num_epochs=3)
    assert [round(x, 2) for x in losses] == [0.75, 0.65, 0.44, 0.13, 0.03, 0.00]
    with torch.no_grad():
        outputs = model.eval()(torch.tensor(X_TRAIN))
    assert torch.allclose(outputs, torch.tensor([[2.8569, -4.1618], [2.5382, -3.7548], [2.0944, -3.1820],
                                                 [-1.4814, 1.4816], [-1.7176, 1.7342]]), atol=1e-4)
    assert training.compute_accuracy(model, train_loader) == 1.0
    assert training.compute_accuracy(model, test_loader) == 1.0


def test_saved_state_dict_loads_into_a_new_network(tmp_path):
    nn, training = solution("neural_network"), solution("training")
    model = nn.NeuralNetwork(2, 2)
    training.save_model(model, tmp_path / "model.pth")
    loaded = training.load_model(tmp_path / "model.pth", 2, 2)
    x = torch.tensor(X_TRAIN)
    assert torch.equal(loaded(x), model(x))


A9_SIGNATURE = "def compute_accuracy(model, dataloader, device):"


@pytest.mark.worker
def test_compute_accuracy_as_printed_in_section_a9_gets_full_marks(tmp_path):
    """Section A.9 (the DDP script) prints compute_accuracy with a third parameter, device, and no default;
    section A.7's form has no device. The checks call either on the CPU, so both score full marks."""
    from grader.core import manifest
    from grader.scoring.grading import grade_jobs

    course = manifest.load(support.ROOT)
    tree = tmp_path / "tree"
    shutil.copytree(course.solutions, tree, ignore=shutil.ignore_patterns("__pycache__"))
    training = tree / "appA" / "training.py"
    source = training.read_text(encoding="utf-8")
    assert source.count('def compute_accuracy(model, dataloader, device="cpu"):') == 1
    training.write_text(source.replace('def compute_accuracy(model, dataloader, device="cpu"):', A9_SIGNATURE),
                        encoding="utf-8")
    exercise = next(ex for ex in course.exercises if ex.id == "appA.compute_accuracy")
    [run] = grade_jobs(course, [(tree, [exercise])], dependencies=False)
    result = run.exercises[0]
    assert result.score == result.max_score, [f"{c.name}: {c.feedback}" for c in result.checks if not c.passed]
    assert result.max_score > 0


@pytest.mark.worker  # two Python processes that import torch
@pytest.mark.trains
def test_ddp_script_on_two_cpu_processes():
    """`python -m solutions.appA.ddp`: the book's toy data on two gloo processes, in a network namespace of
    its own where the kernel allows (port 12345 then collides with nothing), and both accuracies 1.0."""
    script = ("from grader.containment import sandbox; sandbox.own_loopback(); import runpy; "
              "runpy.run_module('solutions.appA.ddp', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", script], cwd=support.ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("[rank 0] Epoch") == done.stdout.count("[rank 1] Epoch") == 3  # lines may interleave
    assert done.stdout.splitlines()[-2:] == ["Training accuracy: 1.00", "Test accuracy: 1.00"]
