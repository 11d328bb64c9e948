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
        ### BEGIN SOLUTION: self.layers = nn.ModuleList with one Linear + GELU per pair of sizes.
        ### Layer i is nn.Sequential(nn.Linear(layer_sizes[i], layer_sizes[i + 1]), GELU()).
        self.layers = nn.ModuleList([
            nn.Sequential(nn.Linear(n_in, n_out), GELU())
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])
        ])
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: run the layers in turn, adding shortcuts where allowed.
        ### With self.use_shortcut and an output of x's shape, continue with x + output, else with output.
        for layer in self.layers:
            layer_output = layer(x)
            if self.use_shortcut and x.shape == layer_output.shape:
                x = x + layer_output
            else:
                x = layer_output
        return x
        ### END SOLUTION


def gradient_means(model, x):
    """Backpropagate the MSE loss of model(x) against a target of zeros and return
    {parameter name: mean absolute gradient} for every weight matrix (the book's print_gradients)."""
    ### BEGIN SOLUTION: backpropagate the MSE loss and return each weight's mean absolute gradient.
    ### loss = nn.MSELoss()(output, torch.zeros_like(output)); loss.backward(); then for each
    ### name, param in model.named_parameters() with "weight" in the name: param.grad.abs().mean().item().
    output = model(x)
    loss = nn.MSELoss()(output, torch.zeros_like(output))
    loss.backward()
    return {name: param.grad.abs().mean().item()
            for name, param in model.named_parameters() if "weight" in name}
    ### END SOLUTION
