"""Chapter 2.6: input-target pairs with a sliding window, and a PyTorch data loader over them."""
import tiktoken
import torch
from torch.utils.data import DataLoader, Dataset


class GPTDatasetV1(Dataset):
    """Windows of `max_length` token ids starting every `stride` ids; each target window is its
    input window shifted one token to the right (section 2.6)."""

    def __init__(self, txt, tokenizer, max_length, stride):
        self.input_ids = []
        self.target_ids = []
        # TODO: fill self.input_ids and self.target_ids with 1-D integer tensors of max_length token
        #       ids of txt (which may contain "<|endoftext|>"): input window k starts at token k *
        #       stride, its target is the same window one token further on; keep every window whose
        #       target fits in the text (section 2.6).
        raise NotImplementedError('GPTDatasetV1: not written yet, see the TODO above')

    def __len__(self):
        # TODO: return the number of (input, target) pairs.
        raise NotImplementedError('GPTDatasetV1: not written yet, see the TODO above')

    def __getitem__(self, idx):
        # TODO: return pair number idx: the tuple (input window, target window), two tensors.
        raise NotImplementedError('GPTDatasetV1: not written yet, see the TODO above')


def create_dataloader_v1(txt, batch_size=4, max_length=256, stride=128, shuffle=True, drop_last=True,
                         num_workers=0):
    """A DataLoader over GPTDatasetV1 built with GPT-2's tokenizer (section 2.6)."""
    # TODO: return a torch DataLoader over the GPTDatasetV1 windows of txt (max_length, stride), cut
    #       by GPT-2's BPE tokenizer, that honours batch_size, shuffle, drop_last and num_workers
    #       (section 2.6).
    raise NotImplementedError('create_dataloader_v1: not written yet, see the TODO above')


def first_batch(txt, max_length, stride, batch_size=4):
    """Exercise 2.2: the first (inputs, targets) batch of an unshuffled create_dataloader_v1 loader,
    to see how max_length and stride shape the windows, e.g. (2, 2) and (8, 2)."""
    # TODO: return the first batch of an unshuffled create_dataloader_v1 loader over txt with these
    #       batch_size, max_length and stride: the pair (inputs, targets), each (batch_size,
    #       max_length).
    raise NotImplementedError('first_batch: not written yet, see the TODO above')
