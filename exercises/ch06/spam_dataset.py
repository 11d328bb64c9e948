"""Chapter 6.3: SpamDataset, the labelled messages of a CSV file as padded token-id tensors."""
import pandas as pd
import torch
from torch.utils.data import Dataset


class SpamDataset(Dataset):
    """The rows of `csv_file` (columns Text and Label) as (token ids, label) pairs of equal length."""

    def __init__(self, csv_file, tokenizer, max_length=None, pad_token_id=50256):
        # TODO: read csv_file with pandas into self.data; set self.encoded_texts and self.max_length.
        #       Encode every Text with the tokenizer. max_length None: self.max_length is the longest
        #       encoded message; otherwise it is max_length and longer messages are truncated to it.
        #       Then pad every message at the end with pad_token_id up to self.max_length (section 6.3).
        raise NotImplementedError('SpamDataset: not written yet, see the TODO above')

    def __getitem__(self, index):
        # TODO: return (token ids, label) of row `index`, both torch.long tensors.
        #       The ids have shape (self.max_length,); the label is a 0-d tensor (0 ham, 1 spam).
        raise NotImplementedError('SpamDataset: not written yet, see the TODO above')

    def __len__(self):
        return len(self.data)

    def _longest_encoded_length(self):
        # TODO: return the number of tokens of the longest encoded message.
        raise NotImplementedError('SpamDataset: not written yet, see the TODO above')
