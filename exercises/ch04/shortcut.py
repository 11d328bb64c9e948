"""Chapter 4.4: a deep network with optional shortcut connections, and its gradient sizes per layer."""
import torch
import torch.nn as nn

from .gpt import GELU


class ExampleDeepNeuralNetwork(nn.Module):
    """len(layer_sizes) - 1 layers of Linear + GELU; with use_shortcut, each layer's input is added
    to its output wherever the two have the same shape."""

    def __init__(self, layer_sizes, use_shortcut):
        super().__init__()
        self.use_shortcut = use_shortcut
        # TODO: self.layers = nn.ModuleList with one Linear + GELU per pair of sizes.
        #       Layer i is nn.Sequential(nn.Linear(layer_sizes[i], layer_sizes[i + 1]), GELU()).
        raise NotImplementedError('self.layers = nn.ModuleList with one Linear + GELU per pair of sizes. Layer i is nn.Sequential(nn.Linear(layer_sizes[i], layer_sizes[i + 1]), GELU()).')

    def forward(self, x):
        # TODO: run the layers in turn, adding shortcuts where allowed.
        #       With self.use_shortcut and an output of x's shape, continue with x + output, else with output.
        raise NotImplementedError("run the layers in turn, adding shortcuts where allowed. With self.use_shortcut and an output of x's shape, continue with x + output, else with output.")


def gradient_means(model, x):
    """Backpropagate the MSE loss of model(x) against a target of zeros and return
    {parameter name: mean absolute gradient} for every weight matrix (the book's print_gradients)."""
    # TODO: backpropagate the MSE loss and return each weight's mean absolute gradient.
    #       loss = nn.MSELoss()(output, torch.zeros_like(output)); loss.backward(); then for each
    #       name, param in model.named_parameters() with "weight" in the name: param.grad.abs().mean().item().
    raise NotImplementedError('backpropagate the MSE loss and return each weight\'s mean absolute gradient. loss = nn.MSELoss()(output, torch.zeros_like(output)); loss.backward(); then for each name, param in model.named_parameters() with "weight" in the name: param.grad.abs().mean().item().')
