"""Checks for appA.count_parameters (exercise A.3): trainable parameters only, every element counted."""
from grader.checks import case, fail, fail_if_mistake

ARCHITECTURES = {"2->2": [2, 30, 20, 2], "50->3": [50, 30, 20, 3]}   # the book's: 752 and 2,213


def _network(sizes, frozen=()):
    """The book's NeuralNetwork layout as a plain nn.Sequential; `frozen` Linear layers do not require gradients."""
    import torch
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        linear = torch.nn.Linear(n_in, n_out)
        linear.requires_grad_(i not in frozen)
        layers += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def _facts(model):
    params = list(model.parameters())
    return {"trainable": sum(p.numel() for p in params if p.requires_grad), "all": sum(p.numel() for p in params),
            "tensors": len(params), "weights": sum(p.numel() for n, p in model.named_parameters() if "weight" in n
                                                   and p.requires_grad)}


@case
def counts(learner):
    result = {}
    for name, sizes in ARCHITECTURES.items():
        result[name] = learner.count_parameters(_network(sizes))
        result[name + " frozen"] = learner.count_parameters(_network(sizes, frozen=(0,)))
    return result


@case
def facts(learner):
    return {name: _facts(_network(sizes, frozen)) for base, sizes in ARCHITECTURES.items()
            for name, frozen in ((base, ()), (base + " frozen", (0,)))}


def _described(name):
    sizes = ARCHITECTURES[name.split()[0]]
    text = f"the book's NeuralNetwork({sizes[0]}, {sizes[-1]})"
    return text + " with its first layer frozen (requires_grad False)" if name.endswith("frozen") else text


def _judge(out, snap, names):
    got, facts = out["counts"], snap["facts"]
    for name in names:
        value, fact = got[name], facts[name]
        what = f"count_parameters of {_described(name)}"
        if isinstance(value, bool) or not isinstance(value, int):
            fail(f"{what} should be an int, got {type(value).__name__}: {value!r}"[:200])
        if value == fact["trainable"]:
            continue
        fail_if_mistake(value, {
            "the number of parameter tensors; count their elements, p.numel()": fact["tensors"],
            "the weights only: the biases are trainable parameters too": fact["weights"],
            f"which includes frozen parameters; count only those with p.requires_grad ({fact['trainable']:,})":
                fact["all"]}, f"{what} is {value:,}", atol=0, rtol=0)
        fail(f"{what} is {value:,}, expected {fact['trainable']:,}")


def test_counts_every_element(out, snap):
    _judge(out, snap, list(ARCHITECTURES))


def test_counts_only_trainable(out, snap):
    _judge(out, snap, [name + " frozen" for name in ARCHITECTURES])
