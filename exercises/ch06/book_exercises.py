"""Chapter 6's exercises 6.1–6.3: pad to the context length, finetune every layer, classify from the first token."""
import torch

from .spam_dataset import SpamDataset


def context_length_datasets(csv_files, tokenizer, model):
    """Exercise 6.1: a SpamDataset for each of csv_files, every message padded (or truncated) to the
    longest input `model` supports, its context length, instead of the longest training message."""
    # TODO: build one SpamDataset per file, all with max_length set to the model's context length.
    #       Read the context length from the model itself: its positional embedding has one row per position.
    raise NotImplementedError('context_length_datasets: not written yet, see the TODO above')


def prepare_for_full_finetuning(model, emb_dim, num_classes=2):
    """Exercise 6.2: section 6.5's classifier with EVERY parameter trainable; returns the model."""
    # TODO: replace out_head with a Linear(emb_dim, num_classes) and leave every parameter trainable.
    raise NotImplementedError('prepare_for_full_finetuning: not written yet, see the TODO above')


def calc_loss_batch_first_token(input_batch, target_batch, model, device):
    """Exercise 6.3: section 6.6's calc_loss_batch with the FIRST token's logits instead of the last's."""
    # TODO: return the mean cross-entropy between the first position's logits and the labels.
    raise NotImplementedError('calc_loss_batch_first_token: not written yet, see the TODO above')
