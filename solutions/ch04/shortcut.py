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
        ### BEGIN SOLUTION: create self.layers, a list of registered submodules: layer i maps layer_sizes[i]
        ### features to layer_sizes[i + 1] with a linear layer followed by your GELU
        ### (section 4.4).
        self.layers = nn.ModuleList([
            nn.Sequential(nn.Linear(n_in, n_out), GELU())
            for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:])
        ])
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: x is (batch, layer_sizes[0]); return (batch, layer_sizes[-1]): the layers applied in
        ### turn, and, when self.use_shortcut is set, each layer's input added to its output
        ### wherever the two have the same shape (section 4.4).
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
    ### BEGIN SOLUTION: return a dict {parameter name: float} for the parameters whose name contains "weight":
    ### the mean absolute value of its gradient after backpropagating the mean squared error
    ### between model(x) and a target of zeros (section 4.4).
    output = model(x)
    loss = nn.MSELoss()(output, torch.zeros_like(output))
    loss.backward()
    return {name: param.grad.abs().mean().item()
            for name, param in model.named_parameters() if "weight" in name}
    ### END SOLUTION
