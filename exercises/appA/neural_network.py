"""Appendix A.5: a multilayer perceptron with two hidden layers, and counting its trainable parameters
(exercise A.3)."""
import torch


class NeuralNetwork(torch.nn.Module):
    """num_inputs -> 30 -> 20 -> num_outputs, ReLU after each hidden layer; forward returns the logits (A.5)."""

    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        # TODO: self.layers, an nn.Sequential: Linear(num_inputs, 30), ReLU, Linear(30, 20), ReLU,
        #       Linear(20, num_outputs) (section A.5).
        raise NotImplementedError('NeuralNetwork: not written yet, see the TODO above')

    def forward(self, x):
        # TODO: return the logits for x, (batch, num_inputs) -> (batch, num_outputs).
        raise NotImplementedError('NeuralNetwork: not written yet, see the TODO above')


def count_parameters(model):
    """The number of trainable parameters of `model`: every element of every parameter that requires a gradient
    (ex. A.3)."""
    # TODO: return, as an int, how many numbers the optimizer would train: add up the number
    #       of elements of each parameter that requires a gradient (exercise A.3).
    raise NotImplementedError('count_parameters: not written yet, see the TODO above')
