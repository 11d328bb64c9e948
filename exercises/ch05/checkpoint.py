"""Chapter 5.4 and exercise 5.4: save a model with its optimizer, and restore both to resume training."""
import torch


def save_checkpoint(model, optimizer, path):
    """Save the state of `model` and of `optimizer` to one file at `path`, as section 5.4 does: a dict with the
    keys "model_state_dict" and "optimizer_state_dict", loadable with torch.load(path, weights_only=True)."""
    # TODO: save a dict of the two state dicts, under the book's two keys, to path.
    raise NotImplementedError('save_checkpoint: not written yet, see the TODO above')


def load_checkpoint(path, model, optimizer):
    """Restore what save_checkpoint wrote into `model` and `optimizer` (new ones, built like those saved),
    leaving the model in training mode, ready to continue pretraining (exercise 5.4). Returns (model, optimizer)."""
    # TODO: load the file (weights_only=True), put each saved state back into the object it came
    #       from, switch the model to training mode and return both.
    raise NotImplementedError('load_checkpoint: not written yet, see the TODO above')
