"""Appendix A.7–A.8: the training loop, prediction accuracy, and saving and loading a model's weights."""
import torch
import torch.nn.functional as F

from .neural_network import NeuralNetwork


def train_model(model, train_loader, optimizer, num_epochs):
    """Train `model` for num_epochs passes over train_loader with `optimizer` and the cross-entropy
    loss; returns the loss of every batch, in order, as Python floats (section A.7)."""
    # TODO: for each epoch: put the model in training mode, then for each batch of (features, labels)
    #       take one optimizer step on the cross-entropy loss of the model's logits (section A.7).
    #       Return the list of every batch's loss as a float.
    raise NotImplementedError('train_model: not written yet, see the TODO above')


def compute_accuracy(model, dataloader, device="cpu"):
    """The fraction of examples in dataloader whose predicted class (the largest logit) is their label,
    as a Python float between 0 and 1 (section A.7)."""
    # TODO: put the model in evaluation mode, predict every batch without tracking gradients,
    #       count the correct predictions and return correct / number of examples as a float (section A.7).
    raise NotImplementedError('compute_accuracy: not written yet, see the TODO above')


def save_model(model, path):
    """Save the model's learned weights (its state_dict, not the model object) to the file `path` (section A.8)."""
    # TODO: write the model's state_dict to `path` with torch.save (section A.8).
    raise NotImplementedError('save_model: not written yet, see the TODO above')


def load_model(path, num_inputs, num_outputs):
    """A new NeuralNetwork(num_inputs, num_outputs) holding the weights saved at `path` (section A.8)."""
    # TODO: build a NeuralNetwork of the given sizes and load the state_dict saved at `path`
    #       into it (torch.load with weights_only=True); return the model (section A.8).
    raise NotImplementedError('load_model: not written yet, see the TODO above')
