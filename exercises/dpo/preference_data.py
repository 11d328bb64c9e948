"""DPO §2: preference entries (instruction, input, output, chosen, rejected) as pre-tokenized pairs and as padded
batches whose masks select the response tokens."""
import torch
from torch.utils.data import Dataset

from ..ch07.instruction_data import format_input


def decode_tokens_from_batch(token_ids, tokenizer):
    """The text of a tensor of token ids (any shape, read row by row), to look at a batch."""
    return tokenizer.decode(token_ids.flatten().tolist())


class PreferenceDataset(Dataset):
    """Every entry pre-tokenized once: its prompt, and the prompt followed by the chosen and by the rejected
    response, each after the Alpaca response header (DPO §2.3)."""

    def __init__(self, data, tokenizer):
        self.data = data
        # TODO: set self.encoded_texts, one dict per entry of data, in order, with three lists of token
        #       ids: "prompt", the encoding of chapter 7's format_input(entry); "chosen" and "rejected", the encoding of
        #       that prompt followed by "\n\n### Response:\n" and entry["chosen"] (or entry["rejected"]) (DPO §2.3).
        raise NotImplementedError('PreferenceDataset: not written yet, see the TODO above')

    def __getitem__(self, index):
        # TODO: the dict of token-id lists of entry number index.
        raise NotImplementedError('PreferenceDataset: not written yet, see the TODO above')

    def __len__(self):
        # TODO: the number of entries.
        raise NotImplementedError('PreferenceDataset: not written yet, see the TODO above')


def custom_collate_fn(batch, pad_token_id=50256, allowed_max_length=None, mask_prompt_tokens=True, device="cpu"):
    """A list of PreferenceDataset items -> a dict of the batch (DPO §2.3):

    "prompt": the prompts' ids, a list of 1-D tensors (not padded, left on the CPU);
    "chosen", "rejected": (batch, length) tensors of token ids, every sequence padded with pad_token_id to one
    common length, the longest chosen or rejected sequence of the batch + 1;
    "chosen_mask", "rejected_mask": (batch, length) boolean tensors, True where the token belongs to the response
    the loss should see: False on the padding, and with mask_prompt_tokens also on the prompt's tokens and the
    two newline tokens that follow them (so the selected part starts at "### Response:").
    With allowed_max_length, the four tensors are cut to at most that many positions; they go to device."""
    # TODO: return the dict described above, with the keys "prompt", "chosen", "rejected", "chosen_mask"
    #       and "rejected_mask"; the ids as integer tensors, the masks as torch.bool (DPO §2.3).
    raise NotImplementedError('custom_collate_fn: not written yet, see the TODO above')

