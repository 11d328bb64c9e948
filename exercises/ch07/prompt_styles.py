"""Exercise 7.1: the shorter Phi-3 prompt style in place of Alpaca's, for training and for reading answers."""
USER, ASSISTANT = "<|user|>", "<|assistant|>:"


def format_response_phi3(entry):
    """The response part that follows format_input_phi3(entry) in a training example."""
    return f"\n{ASSISTANT}\n{entry['output']}"


def format_input_phi3(entry):
    """The Phi-3-style prompt for one entry: USER, then the instruction on the next line, then, only when
    entry["input"] is not empty, the input on the line after. Nothing else: no preamble, no blank lines."""
    # TODO: return the prompt described above as a string (exercise 7.1).
    raise NotImplementedError('format_input_phi3: not written yet, see the TODO above')


def extract_response_phi3(generated_text, input_text):
    """The model's answer in `generated_text`, the prompt `input_text` followed by what the model wrote:
    the part after the prompt, without the ASSISTANT marker and without surrounding whitespace."""
    # TODO: return the answer described above as a string (exercise 7.1).
    raise NotImplementedError('extract_response_phi3: not written yet, see the TODO above')
