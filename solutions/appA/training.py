"""Appendix A.7–A.8: the training loop, prediction accuracy, and saving and loading a model's weights."""
import torch
import torch.nn.functional as F

from .neural_network import NeuralNetwork


def train_model(model, train_loader, optimizer, num_epochs):
    """Train `model` for num_epochs passes over train_loader with `optimizer` and the cross-entropy
    loss; returns the loss of every batch, in order, as Python floats (section A.7)."""
    ### BEGIN SOLUTION: for each epoch: put the model in training mode, then for each batch of (features, labels)
    ### take one optimizer step on the cross-entropy loss of the model's logits (section A.7).
    ### Return the list of every batch's loss as a float.
    losses = []
    for epoch in range(num_epochs):
        model.train()
        for batch_idx, (features, labels) in enumerate(train_loader):
            logits = model(features)
            loss = F.cross_entropy(logits, labels)

            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            losses.append(loss.item())
        model.eval()
    return losses
    ### END SOLUTION


def compute_accuracy(model, dataloader, device="cpu"):
    """The fraction of examples in dataloader whose predicted class (the largest logit) is their label,
    as a Python float between 0 and 1 (section A.7)."""
    ### BEGIN SOLUTION: put the model in evaluation mode, predict every batch without tracking gradients,
    ### count the correct predictions and return correct / number of examples as a float (section A.7).
    model = model.eval()
    correct = 0.0
    total_examples = 0

    for idx, (features, labels) in enumerate(dataloader):
        features, labels = features.to(device), labels.to(device)

        with torch.no_grad():
            logits = model(features)

        predictions = torch.argmax(logits, dim=1)
        compare = labels == predictions
        correct += torch.sum(compare)
        total_examples += len(compare)

    return (correct / total_examples).item()
    ### END SOLUTION


def save_model(model, path):
    """Save the model's learned weights (its state_dict, not the model object) to the file `path` (section A.8)."""
    ### BEGIN SOLUTION: write the model's state_dict to `path` with torch.save (section A.8).
    torch.save(model.state_dict(), path)
    ### END SOLUTION


def load_model(path, num_inputs, num_outputs):
    """A new NeuralNetwork(num_inputs, num_outputs) holding the weights saved at `path` (section A.8)."""
    ### BEGIN SOLUTION: build a NeuralNetwork of the given sizes and load the state_dict saved at `path`
    ### into it (torch.load with weights_only=True); return the model (section A.8).
    model = NeuralNetwork(num_inputs, num_outputs)
    model.load_state_dict(torch.load(path, weights_only=True))
    return model
    ### END SOLUTION
