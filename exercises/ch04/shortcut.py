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
        # TODO: create self.layers, a list of registered submodules: layer i maps layer_sizes[i]
        #       features to layer_sizes[i + 1] with a linear layer followed by your GELU
        #       (section 4.4).
        raise NotImplementedError('ExampleDeepNeuralNetwork: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: x is (batch, layer_sizes[0]); return (batch, layer_sizes[-1]): the layers applied in
        #       turn, and, when self.use_shortcut is set, each layer's input added to its output
        #       wherever the two have the same shape (section 4.4).
        raise NotImplementedError('ExampleDeepNeuralNetwork: not written yet, see the TODO above')


def gradient_means(model, x):
    """Backpropagate the MSE loss of model(x) against a target of zeros and return
    {parameter name: mean absolute gradient} for every weight matrix (the book's print_gradients)."""
    # TODO: return a dict {parameter name: float} for the parameters whose name contains "weight":
    #       the mean absolute value of its gradient after backpropagating the mean squared error
    #       between model(x) and a target of zeros (section 4.4).
    raise NotImplementedError('gradient_means: not written yet, see the TODO above')
