"""Exercise 7.2: mask the instruction and input out of the loss, so that the model learns only the responses."""
from . import instruction_data
from .instruction_data import format_input


class InstructionDataset(instruction_data.InstructionDataset):
    """Chapter 7's InstructionDataset, but item i is the pair (instruction_length, token_ids), where
    instruction_length is the number of tokens of format_input(entry) alone: the prompt without the response."""

    def __init__(self, data, tokenizer):
        super().__init__(data, tokenizer)   # sets self.data and self.encoded_texts
        # TODO: set self.instruction_lengths, the number of tokens of each entry's prompt alone, in order.
        raise NotImplementedError('InstructionDataset: not written yet, see the TODO above')

    def __getitem__(self, index):
        # TODO: the pair (instruction_length, token_ids) of entry number index.
        raise NotImplementedError('InstructionDataset: not written yet, see the TODO above')


def custom_collate_fn(batch, pad_token_id=50256, ignore_index=-100, allowed_max_length=None, device="cpu"):
    """Chapter 7's custom_collate_fn for a batch of (instruction_length, token_ids) pairs: the same inputs and
    targets, except that every target predicting a token of the prompt is ignore_index too. A row's first
    target that stays is the one predicting the first token after the prompt."""
    # TODO: return (inputs, targets): chapter 7's batch of the token_ids, with the targets that
    #       predict prompt tokens (the second to the last token of the prompt) set to ignore_index.
    raise NotImplementedError('custom_collate_fn: not written yet, see the TODO above')
