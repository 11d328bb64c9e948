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
        ### BEGIN SOLUTION: set self.encoded_texts, one dict per entry of data, in order, with three lists of token
        ### ids: "prompt", the encoding of chapter 7's format_input(entry); "chosen" and "rejected", the encoding of
        ### that prompt followed by "\n\n### Response:\n" and entry["chosen"] (or entry["rejected"]) (DPO §2.3).
        self.encoded_texts = []
        for entry in data:
            prompt = format_input(entry)
            pair = {"prompt": tokenizer.encode(prompt)}
            for key in ("chosen", "rejected"):
                pair[key] = tokenizer.encode(f"{prompt}\n\n### Response:\n{entry[key]}")
            self.encoded_texts.append(pair)
        ### END SOLUTION

    def __getitem__(self, index):
        ### BEGIN SOLUTION: the dict of token-id lists of entry number index.
        return self.encoded_texts[index]
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION: the number of entries.
        return len(self.data)
        ### END SOLUTION


def custom_collate_fn(batch, pad_token_id=50256, allowed_max_length=None, mask_prompt_tokens=True, device="cpu"):
    """A list of PreferenceDataset items -> a dict of the batch (DPO §2.3):

    "prompt": the prompts' ids, a list of 1-D tensors (not padded, left on the CPU);
    "chosen", "rejected": (batch, length) tensors of token ids, every sequence padded with pad_token_id to one
    common length, the longest chosen or rejected sequence of the batch + 1;
    "chosen_mask", "rejected_mask": (batch, length) boolean tensors, True where the token belongs to the response
    the loss should see: False on the padding, and with mask_prompt_tokens also on the prompt's tokens and the
    two newline tokens that follow them (so the selected part starts at "### Response:").
    With allowed_max_length, the four tensors are cut to at most that many positions; they go to device."""
    ### BEGIN SOLUTION: return the dict described above, with the keys "prompt", "chosen", "rejected", "chosen_mask"
    ### and "rejected_mask"; the ids as integer tensors, the masks as torch.bool (DPO §2.3).
    common = max(len(item[key]) + 1 for item in batch for key in ("chosen", "rejected"))
    batch_data = {"prompt": [], "chosen": [], "rejected": [], "chosen_mask": [], "rejected_mask": []}
    for item in batch:
        batch_data["prompt"].append(torch.tensor(item["prompt"]))
        first = len(item["prompt"]) + 2 if mask_prompt_tokens else 0   # + the "\n", "\n" before "### Response:"
        for key in ("chosen", "rejected"):
            sequence = list(item[key])
            mask = torch.zeros(common, dtype=torch.bool)
            mask[first:len(sequence)] = True
            batch_data[key].append(torch.tensor(sequence + [pad_token_id] * (common - len(sequence))))
            batch_data[f"{key}_mask"].append(mask)
    for key in ("chosen", "rejected", "chosen_mask", "rejected_mask"):
        stacked = torch.stack(batch_data[key])
        if allowed_max_length is not None:
            stacked = stacked[:, :allowed_max_length]
        batch_data[key] = stacked.to(device)
    return batch_data
    ### END SOLUTION

