"""Chapter 6's exercises 6.1–6.3: pad to the context length, finetune every layer, classify from the first token."""
import torch

from .spam_dataset import SpamDataset


def context_length_datasets(csv_files, tokenizer, model):
    """Exercise 6.1: a SpamDataset for each of csv_files, every message padded (or truncated) to the
    longest input `model` supports, its context length, instead of the longest training message."""
    ### BEGIN SOLUTION: build one SpamDataset per file, all with max_length set to the model's context length.
    ### Read the context length from the model itself: its positional embedding has one row per position.
    max_length = model.pos_emb.weight.shape[0]
    return [SpamDataset(csv_file, tokenizer, max_length=max_length) for csv_file in csv_files]
    ### END SOLUTION


def prepare_for_full_finetuning(model, emb_dim, num_classes=2):
    """Exercise 6.2: section 6.5's classifier with EVERY parameter trainable; returns the model."""
    ### BEGIN SOLUTION: replace out_head with a Linear(emb_dim, num_classes) and leave every parameter trainable.
    model.out_head = torch.nn.Linear(in_features=emb_dim, out_features=num_classes)
    for param in model.parameters():
        param.requires_grad = True
    return model
    ### END SOLUTION


def calc_loss_batch_first_token(input_batch, target_batch, model, device):
    """Exercise 6.3: section 6.6's calc_loss_batch with the FIRST token's logits instead of the last's."""
    ### BEGIN SOLUTION: return the mean cross-entropy between the first position's logits and the labels.
    input_batch, target_batch = input_batch.to(device), target_batch.to(device)
    logits = model(input_batch)[:, 0, :]  # (batch, num_classes): the first token's
    return torch.nn.functional.cross_entropy(logits, target_batch)
    ### END SOLUTION
