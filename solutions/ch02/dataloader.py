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
        ### BEGIN SOLUTION: fill self.input_ids and self.target_ids with 1-D integer tensors of max_length token
        ### ids of txt (which may contain "<|endoftext|>"): input window k starts at token k *
        ### stride, its target is the same window one token further on; keep every window whose
        ### target fits in the text (section 2.6).
        token_ids = tokenizer.encode(txt, allowed_special={"<|endoftext|>"})
        for i in range(0, len(token_ids) - max_length, stride):
            self.input_ids.append(torch.tensor(token_ids[i:i + max_length]))
            self.target_ids.append(torch.tensor(token_ids[i + 1:i + max_length + 1]))
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION: return the number of (input, target) pairs.
        return len(self.input_ids)
        ### END SOLUTION

    def __getitem__(self, idx):
        ### BEGIN SOLUTION: return pair number idx: the tuple (input window, target window), two tensors.
        return self.input_ids[idx], self.target_ids[idx]
        ### END SOLUTION


def create_dataloader_v1(txt, batch_size=4, max_length=256, stride=128, shuffle=True, drop_last=True,
                         num_workers=0):
    """A DataLoader over GPTDatasetV1 built with GPT-2's tokenizer (section 2.6)."""
    ### BEGIN SOLUTION: return a torch DataLoader over the GPTDatasetV1 windows of txt (max_length, stride), cut
    ### by GPT-2's BPE tokenizer, that honours batch_size, shuffle, drop_last and num_workers
    ### (section 2.6).
    tokenizer = tiktoken.get_encoding("gpt2")
    dataset = GPTDatasetV1(txt, tokenizer, max_length, stride)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                      num_workers=num_workers)
    ### END SOLUTION


def first_batch(txt, max_length, stride, batch_size=4):
    """Exercise 2.2: the first (inputs, targets) batch of an unshuffled create_dataloader_v1 loader,
    to see how max_length and stride shape the windows, e.g. (2, 2) and (8, 2)."""
    ### BEGIN SOLUTION: return the first batch of an unshuffled create_dataloader_v1 loader over txt with these
    ### batch_size, max_length and stride: the pair (inputs, targets), each (batch_size,
    ### max_length).
    loader = create_dataloader_v1(txt, batch_size=batch_size, max_length=max_length, stride=stride,
                                  shuffle=False)
    return next(iter(loader))
    ### END SOLUTION
