"""Chapter 7.2–7.4: Alpaca-style prompts, the instruction dataset, padded batches and their data loaders."""
from functools import partial

import torch
from torch.utils.data import DataLoader, Dataset

PREAMBLE = ("Below is an instruction that describes a task. "
            "Write a response that appropriately completes the request.")


def format_response(entry):
    """The response part that follows format_input(entry) in a training example (section 7.2)."""
    return f"\n\n### Response:\n{entry['output']}"


def format_input(entry):
    """The Alpaca-style prompt for one entry (a dict with "instruction", "input" and "output"), section 7.2.

    PREAMBLE, a blank line, "### Instruction:" and the instruction on the next line; then, only
    when entry["input"] is not empty, a blank line, "### Input:" and the input on the next line.
    The response part ("### Response:") is not included: the model writes it."""
    # TODO: return the prompt as a string: PREAMBLE, the instruction section, and the input
    #       section only for an entry whose "input" is not empty (section 7.2). Nothing follows the last line.
    raise NotImplementedError('format_input: not written yet, see the TODO above')


def split_data(data, train_frac=0.85, test_frac=0.1):
    """Split a list of entries in order, as the book does (section 7.2): (train_data, test_data, val_data).

    The first int(len(data) * train_frac) entries train, the next int(len(data) * test_frac) test,
    and the rest validate: 935, 110 and 55 of 1,100 entries."""
    # TODO: return (train_data, test_data, val_data), three consecutive slices of data, in that order,
    #       of int(len * train_frac) entries, int(len * test_frac) entries and the rest (section 7.2).
    raise NotImplementedError('split_data: not written yet, see the TODO above')


class InstructionDataset(Dataset):
    """Every entry pre-tokenized once: the ids of format_input(entry) + format_response(entry) (section 7.3)."""

    def __init__(self, data, tokenizer):
        self.data = data
        # TODO: set self.encoded_texts, one list of token ids per entry of data, in order:
        #       the tokenizer's encoding of the whole training text, prompt followed by response (section 7.3).
        raise NotImplementedError('InstructionDataset: not written yet, see the TODO above')

    def __getitem__(self, index):
        # TODO: the list of token ids of entry number index.
        raise NotImplementedError('InstructionDataset: not written yet, see the TODO above')

    def __len__(self):
        # TODO: the number of entries.
        raise NotImplementedError('InstructionDataset: not written yet, see the TODO above')


def custom_collate_fn(batch, pad_token_id=50256, ignore_index=-100, allowed_max_length=None, device="cpu"):
    """A list of token-id lists -> (inputs, targets), two (batch, length) tensors of torch.long on device
    (section 7.3).

    Every sequence gets one end-of-text token (pad_token_id), then more of them up to the length of
    the longest sequence + 1; the inputs drop the last position, the targets the first (shifted by
    one). In the targets the first pad_token_id of a row stays, so the model learns to stop, and the
    later ones become ignore_index, which the loss skips. With allowed_max_length, both are cut to
    at most that many positions. E.g. [[0, 1, 2, 3, 4], [5, 6], [7, 8, 9]] gives the targets
    [[1, 2, 3, 4, 50256], [6, 50256, -100, -100, -100], [8, 9, 50256, -100, -100]]."""
    # TODO: return (inputs, targets) as described above: padded rows, targets shifted by one,
    #       the first pad of each target row kept and the later ones set to ignore_index, both cut to
    #       allowed_max_length when it is given, stacked and moved to device (section 7.3).
    raise NotImplementedError('custom_collate_fn: not written yet, see the TODO above')


def create_instruction_loaders(train_data, val_data, test_data, tokenizer, batch_size=8, device="cpu",
                               allowed_max_length=1024, num_workers=0):
    """(train_loader, val_loader, test_loader) over InstructionDatasets of the three lists (section 7.4).

    Each batches with custom_collate_fn, its device and allowed_max_length fixed. The training loader
    shuffles and drops the last incomplete batch; the other two keep the order and every entry."""
    # TODO: return the three DataLoaders described above, each with batch_size and num_workers, and a
    #       collate_fn that is custom_collate_fn with device and allowed_max_length filled in (section 7.4).
    raise NotImplementedError('create_instruction_loaders: not written yet, see the TODO above')
