"""Chapter 6.3: SpamDataset, the labelled messages of a CSV file as padded token-id tensors."""
import pandas as pd
import torch
from torch.utils.data import Dataset


class SpamDataset(Dataset):
    """The rows of `csv_file` (columns Text and Label) as (token ids, label) pairs of equal length."""

    def __init__(self, csv_file, tokenizer, max_length=None, pad_token_id=50256):
        ### BEGIN SOLUTION: read csv_file with pandas into self.data; set self.encoded_texts and self.max_length.
        ### Encode every Text with the tokenizer. max_length None: self.max_length is the longest
        ### encoded message; otherwise it is max_length and longer messages are truncated to it.
        ### Then pad every message at the end with pad_token_id up to self.max_length (section 6.3).
        self.data = pd.read_csv(csv_file)
        self.encoded_texts = [tokenizer.encode(text) for text in self.data["Text"]]
        if max_length is None:
            self.max_length = self._longest_encoded_length()
        else:
            self.max_length = max_length
            self.encoded_texts = [encoded_text[:self.max_length] for encoded_text in self.encoded_texts]
        self.encoded_texts = [
            encoded_text + [pad_token_id] * (self.max_length - len(encoded_text))
            for encoded_text in self.encoded_texts
        ]
        ### END SOLUTION

    def __getitem__(self, index):
        ### BEGIN SOLUTION: return (token ids, label) of row `index`, both torch.long tensors.
        ### The ids have shape (self.max_length,); the label is a 0-d tensor (0 ham, 1 spam).
        encoded = self.encoded_texts[index]
        label = self.data.iloc[index]["Label"]
        return (
            torch.tensor(encoded, dtype=torch.long),
            torch.tensor(label, dtype=torch.long),
        )
        ### END SOLUTION

    def __len__(self):
        return len(self.data)

    def _longest_encoded_length(self):
        ### BEGIN SOLUTION: return the number of tokens of the longest encoded message.
        return max(len(encoded_text) for encoded_text in self.encoded_texts)
        ### END SOLUTION
