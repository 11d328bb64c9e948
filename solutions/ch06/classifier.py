"""Chapter 6.5–6.6: a classification head on the last token, its loss and its accuracy."""
import torch


def evaluate_model(model, train_loader, val_loader, device, eval_iter):
    """Chapter 5's evaluate_model with this chapter's loss: (train loss, validation loss) over eval_iter batches."""
    model.eval()
    with torch.no_grad():
        losses = [calc_loss_loader(loader, model, device, num_batches=eval_iter)
                  for loader in (train_loader, val_loader)]
    model.train()
    return losses[0], losses[1]


def prepare_for_classification(model, emb_dim, num_classes=2):
    """Turn a GPTModel into a classifier in place, as section 6.5 does, and return it.

    Its out_head becomes a new trainable Linear(emb_dim, num_classes) (with a bias, the default);
    every other parameter is frozen except those of the last transformer block and of final_norm."""
    ### BEGIN SOLUTION: freeze the model, give it a new classification head, then unfreeze what the book trains.
    ### The head maps emb_dim features to num_classes logits; trainable afterwards: the head, the
    ### last block of trf_blocks and final_norm, nothing else (section 6.5).
    for param in model.parameters():
        param.requires_grad = False
    model.out_head = torch.nn.Linear(in_features=emb_dim, out_features=num_classes)
    for param in model.trf_blocks[-1].parameters():
        param.requires_grad = True
    for param in model.final_norm.parameters():
        param.requires_grad = True
    return model
    ### END SOLUTION


def calc_accuracy_loader(data_loader, model, device, num_batches=None):
    """The fraction of examples whose predicted class (argmax of the LAST token's logits) is their label,
    over the first num_batches batches (all when None, at most len(data_loader)), in eval mode (6.6)."""
    ### BEGIN SOLUTION: count correct predictions over the first num_batches batches and return the fraction.
    ### Put the model in eval mode and compute the logits without gradients; the prediction of an
    ### example is the class with the largest logit at its last position (section 6.6).
    model.eval()
    correct_predictions, num_examples = 0, 0
    if num_batches is None:
        num_batches = len(data_loader)
    else:
        num_batches = min(num_batches, len(data_loader))
    for i, (input_batch, target_batch) in enumerate(data_loader):
        if i < num_batches:
            input_batch, target_batch = input_batch.to(device), target_batch.to(device)
            with torch.no_grad():
                logits = model(input_batch)[:, -1, :]  # (batch, num_classes): the last token's
            predicted_labels = torch.argmax(logits, dim=-1)
            num_examples += predicted_labels.shape[0]
            correct_predictions += (predicted_labels == target_batch).sum().item()
        else:
            break
    return correct_predictions / num_examples
    ### END SOLUTION


def calc_loss_batch(input_batch, target_batch, model, device):
    """The cross-entropy of one batch's class labels, from the LAST token's logits (section 6.6)."""
    ### BEGIN SOLUTION: return the mean cross-entropy between the last position's logits and the labels.
    ### Move both batches to device first; the logits of an example are those of its last token.
    input_batch, target_batch = input_batch.to(device), target_batch.to(device)
    logits = model(input_batch)[:, -1, :]  # (batch, num_classes)
    loss = torch.nn.functional.cross_entropy(logits, target_batch)
    return loss
    ### END SOLUTION


def calc_loss_loader(data_loader, model, device, num_batches=None):
    """The mean of calc_loss_batch over the first num_batches batches (all when None); NaN for an empty
    loader. The same as chapter 5's, here calling this chapter's calc_loss_batch."""
    ### BEGIN SOLUTION: average calc_loss_batch over the first num_batches batches, as in chapter 5.
    ### num_batches None means every batch, and is never more than len(data_loader).
    total_loss = 0.0
    if len(data_loader) == 0:
        return float("nan")
    elif num_batches is None:
        num_batches = len(data_loader)
    else:
        num_batches = min(num_batches, len(data_loader))
    for i, (input_batch, target_batch) in enumerate(data_loader):
        if i < num_batches:
            loss = calc_loss_batch(input_batch, target_batch, model, device)
            total_loss += loss.item()
        else:
            break
    return total_loss / num_batches
    ### END SOLUTION
