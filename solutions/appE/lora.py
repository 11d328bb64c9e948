"""Appendix E: low-rank adaptation (LoRA) of every Linear layer of your chapter-6 classifier."""
import math

import torch


class LoRALayer(torch.nn.Module):
    """The low-rank update alpha * (x @ A @ B), with A (in_dim, rank) and B (rank, out_dim) (section E.4)."""

    def __init__(self, in_dim, out_dim, rank, alpha):
        super().__init__()
        ### BEGIN SOLUTION: create the trainable matrices self.A and self.B and keep alpha.
        ### A: (in_dim, rank), initialised like a Linear layer's weight (Kaiming-uniform with
        ### a = sqrt(5)); B: (rank, out_dim), all zeros, so the update starts at zero (section E.4).
        self.A = torch.nn.Parameter(torch.empty(in_dim, rank))
        torch.nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
        self.B = torch.nn.Parameter(torch.zeros(rank, out_dim))
        self.alpha = alpha
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: return the update for x, (..., in_dim) -> (..., out_dim), scaled by alpha.
        return self.alpha * (x @ self.A @ self.B)
        ### END SOLUTION


class LinearWithLoRA(torch.nn.Module):
    """A Linear layer plus a LoRALayer of the same shape: linear(x) + lora(x) (section E.4)."""

    def __init__(self, linear, rank, alpha):
        super().__init__()
        ### BEGIN SOLUTION: keep the given layer as self.linear and add self.lora, a LoRALayer of its shape.
        ### The LoRALayer maps linear's input features to its output features.
        self.linear = linear
        self.lora = LoRALayer(linear.in_features, linear.out_features, rank, alpha)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: return the original layer's output plus the low-rank update.
        return self.linear(x) + self.lora(x)
        ### END SOLUTION


def replace_linear_with_lora(model, rank, alpha):
    """Replace every torch.nn.Linear inside `model`, at any depth, by a LinearWithLoRA wrapping it (E.4)."""
    ### BEGIN SOLUTION: walk the model's children; wrap each Linear child, descend into every other child.
    ### Replace a child with setattr on its parent, under the same name.
    for name, module in model.named_children():
        if isinstance(module, torch.nn.Linear):
            setattr(model, name, LinearWithLoRA(module, rank, alpha))
        else:
            replace_linear_with_lora(module, rank, alpha)
    ### END SOLUTION


def add_lora(model, rank, alpha):
    """Section E.4's set-up: freeze every parameter of `model`, then give each Linear layer a LoRA
    update, so that only the LoRA matrices train. Returns the model."""
    ### BEGIN SOLUTION: freeze every existing parameter, then replace the Linear layers with LoRA ones.
    ### The order matters: what is created after the freeze stays trainable.
    for param in model.parameters():
        param.requires_grad = False
    replace_linear_with_lora(model, rank=rank, alpha=alpha)
    return model
    ### END SOLUTION


def count_trainable_parameters(model):
    """The number of values in the parameters of `model` that require gradients."""
    ### BEGIN SOLUTION: add up the sizes of the parameters that require gradients.
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
    ### END SOLUTION
