"""Appendix A.5: a multilayer perceptron with two hidden layers, and counting its trainable parameters
(exercise A.3)."""
import torch


class NeuralNetwork(torch.nn.Module):
    """num_inputs -> 30 -> 20 -> num_outputs, ReLU after each hidden layer; forward returns the logits (A.5)."""

    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        ### BEGIN SOLUTION: self.layers, an nn.Sequential: Linear(num_inputs, 30), ReLU, Linear(30, 20), ReLU,
        ### Linear(20, num_outputs) (section A.5).
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(num_inputs, 30),
            torch.nn.ReLU(),
            torch.nn.Linear(30, 20),
            torch.nn.ReLU(),
            torch.nn.Linear(20, num_outputs),
        )
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION: return the logits for x, (batch, num_inputs) -> (batch, num_outputs).
        logits = self.layers(x)
        return logits
        ### END SOLUTION


def count_parameters(model):
    """The number of trainable parameters of `model`: every element of every parameter that requires a gradient
    (ex. A.3)."""
    ### BEGIN SOLUTION: return, as an int, how many numbers the optimizer would train: add up the number
    ### of elements of each parameter that requires a gradient (exercise A.3).
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
    ### END SOLUTION
