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
        # TODO: encode txt (allowed_special={"<|endoftext|>"}); for i in range(0, len(ids) - max_length, stride) append ids[ i : i + max_length ] and ids[ i + 1 : i + max_length + 1 ] as torch.tensor.
        raise NotImplementedError('encode txt (allowed_special={"<|endoftext|>"}); for i in range(0, len(ids) - max_length, stride) append ids[ i : i + max_length ] and ids[ i + 1 : i + max_length + 1 ] as torch.tensor.')

    def __len__(self):
        # TODO: the number of windows.
        raise NotImplementedError('the number of windows.')

    def __getitem__(self, idx):
        # TODO: the pair (input window, target window) number idx.
        raise NotImplementedError('the pair (input window, target window) number idx.')


def create_dataloader_v1(txt, batch_size=4, max_length=256, stride=128, shuffle=True, drop_last=True,
                         num_workers=0):
    """A DataLoader over GPTDatasetV1 built with GPT-2's tokenizer (section 2.6)."""
    # TODO: tiktoken.get_encoding("gpt2"), a GPTDatasetV1 of txt, then DataLoader(dataset, batch_size=..., shuffle=..., drop_last=..., num_workers=...).
    raise NotImplementedError('tiktoken.get_encoding("gpt2"), a GPTDatasetV1 of txt, then DataLoader(dataset, batch_size=..., shuffle=..., drop_last=..., num_workers=...).')


def first_batch(txt, max_length, stride, batch_size=4):
    """Exercise 2.2: the first (inputs, targets) batch of an unshuffled create_dataloader_v1 loader,
    to see how max_length and stride shape the windows, e.g. (2, 2) and (8, 2)."""
    # TODO: build the loader with create_dataloader_v1 (shuffle=False) and return next(iter(loader)).
    raise NotImplementedError('build the loader with create_dataloader_v1 (shuffle=False) and return next(iter(loader)).')
