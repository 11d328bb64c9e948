"""Appendix E: low-rank adaptation (LoRA) of every Linear layer of your chapter-6 classifier."""
import math

import torch


class LoRALayer(torch.nn.Module):
    """The low-rank update alpha * (x @ A @ B), with A (in_dim, rank) and B (rank, out_dim) (section E.4)."""

    def __init__(self, in_dim, out_dim, rank, alpha):
        super().__init__()
        # TODO: create the trainable matrices self.A and self.B and keep alpha.
        #       A: (in_dim, rank), initialised like a Linear layer's weight (Kaiming-uniform with
        #       a = sqrt(5)); B: (rank, out_dim), all zeros, so the update starts at zero (section E.4).
        raise NotImplementedError('LoRALayer: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: return the update for x, (..., in_dim) -> (..., out_dim), scaled by alpha.
        raise NotImplementedError('LoRALayer: not written yet, see the TODO above')


class LinearWithLoRA(torch.nn.Module):
    """A Linear layer plus a LoRALayer of the same shape: linear(x) + lora(x) (section E.4)."""

    def __init__(self, linear, rank, alpha):
        super().__init__()
        # TODO: keep the given layer as self.linear and add self.lora, a LoRALayer of its shape.
        #       The LoRALayer maps linear's input features to its output features.
        raise NotImplementedError('LinearWithLoRA: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: return the original layer's output plus the low-rank update.
        raise NotImplementedError('LinearWithLoRA: not written yet, see the TODO above')


def replace_linear_with_lora(model, rank, alpha):
    """Replace every torch.nn.Linear inside `model`, at any depth, by a LinearWithLoRA wrapping it (E.4)."""
    # TODO: walk the model's children; wrap each Linear child, descend into every other child.
    #       Replace a child with setattr on its parent, under the same name.
    raise NotImplementedError('replace_linear_with_lora: not written yet, see the TODO above')


def add_lora(model, rank, alpha):
    """Section E.4's set-up: freeze every parameter of `model`, then give each Linear layer a LoRA
    update, so that only the LoRA matrices train. Returns the model."""
    # TODO: freeze every existing parameter, then replace the Linear layers with LoRA ones.
    #       The order matters: what is created after the freeze stays trainable.
    raise NotImplementedError('add_lora: not written yet, see the TODO above')


def count_trainable_parameters(model):
    """The number of values in the parameters of `model` that require gradients."""
    # TODO: add up the sizes of the parameters that require gradients.
    raise NotImplementedError('count_trainable_parameters: not written yet, see the TODO above')
