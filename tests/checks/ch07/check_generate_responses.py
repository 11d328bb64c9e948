"""Checks for ch07.generate_responses: each entry's prompt alone goes in, generation stops at <|endoftext|>,
and the extracted answer is stored under "model_response".

The model is a stand-in that writes a scripted continuation for each entry it recognises (by its
instruction): the response header, the answer, <|endoftext|>, then more text that must not be kept.
"""
from grader.checks import case, fail, points, show, sibling

WORKER_PRELOAD = ("gpt2",)
ref = sibling(__file__, "instruction_reference")
ENTRIES = [dict(ref.ENTRIES[0]), dict(ref.ENTRIES[1]), dict(ref.ENTRIES[3])]
ANSWERS = ["mice", "The opposite of 'early' is 'late'.", "3 plus 4 is 7."]
AFTER_END = " And then it rambled on about other things."
LONG = {"instruction": "Count from one to eight.", "input": "", "output": "one two three four five six seven eight"}


def _stand_in(tokenizer):
    import torch

    scripts = {e["instruction"]: tokenizer.encode(f"\n\n### Response:\n{a}<|endoftext|>{AFTER_END}",
                                                  allowed_special={"<|endoftext|>"})
               for e, a in zip(ENTRIES + [LONG], ANSWERS + [LONG["output"]])}
    unknown = tokenizer.encode("\n\n### Response:\n???<|endoftext|>", allowed_special={"<|endoftext|>"})

    class StandIn(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.first_rows, self.longest, self.previous = [], 0, None

        def forward(self, idx):
            self.longest = max(self.longest, int(idx.shape[1]))
            picks = []
            for row in idx.tolist():
                text = tokenizer.decode(row)
                if row[:-1] != self.previous:   # not the last call's row plus one token: a new prompt
                    self.first_rows.append(text)
                self.previous = row
                script = next((s for k, s in scripts.items() if k in text), unknown)
                done = max(j for j in range(len(script) + 1) if j == 0 or row[-j:] == script[:j])
                picks.append(script[done] if done < len(script) else 13)
            logits = torch.full((len(picks), 50257), -10.0)
            logits[torch.arange(len(picks)), torch.tensor(picks)] = 10.0
            return logits[:, None, :].expand(len(picks), idx.shape[1], 50257)

    return StandIn()


def answer(learner, entries, **settings):
    """generate_responses with the stand-in model on copies of entries: what it stored and returned, the
    prompts the model was given, and the longest input it saw."""
    from course_data.gpt2 import get_encoding

    tokenizer = get_encoding()
    model, data = _stand_in(tokenizer), [dict(e) for e in entries]
    returned = learner.generate_responses(model, data, tokenizer, "cpu", **settings)
    return {"responses": [e.get("model_response") for e in data], "prompts": model.first_rows,
            "longest_window": model.longest, "returned_data": returned is data,
            "returned": [e.get("model_response") for e in returned]
            if isinstance(returned, list) and all(isinstance(e, dict) for e in returned) else None}


answered = case(answer, ENTRIES, context_size=1024)
cut_short = case(answer, [LONG], context_size=1024, max_new_tokens=8)
cropped = case(answer, ENTRIES[:1], context_size=12, max_new_tokens=3)


@points(2)
def test_prompt_only(out, snap):
    got, want = out["answered"]["prompts"], snap["answered"]["prompts"]
    for prompt, expected in zip(got, want):
        if prompt.startswith(expected) and prompt != expected:
            fail("the model was given more than the prompt: generate from format_input(entry) alone — with the "
                 "expected output in it, the model would only have to copy the answer")
        ref.expect_text(prompt, expected, "the text the model was asked to continue",
                        "generate from format_input(entry)")
    if len(got) < len(want):
        fail(f"the model was asked about {len(got)} of {len(want)} entries: answer every entry of data")


@points(2)
def test_stops_at_end_of_text(out, snap):
    got = out["answered"]["responses"]
    for response, want in zip(got, snap["answered"]["responses"]):
        if isinstance(response, str) and AFTER_END.strip() in response:
            fail(f"a response runs past the end-of-text token: {show(response)}. Pass eos_id=END_OF_TEXT to "
                 "generate, so it stops where the model ends its answer")
        if response is None:
            fail("an entry has no \"model_response\": store each answer in entry[\"model_response\"]")
        ref.expect_text(response, want, "the stored model_response",
                        "it should be extract_response(generated_text, input_text), the answer alone")


def test_returns_the_data(out):
    got = out["answered"]
    if not got["returned_data"] and got["returned"] != got["responses"]:
        fail("generate_responses should return `data`, its entries holding their \"model_response\"")


def test_max_new_tokens_and_context_size(out, snap):
    got, want = out["cut_short"]["responses"][0], snap["cut_short"]["responses"][0]
    if got != want:
        fail(f"with max_new_tokens=8 the answer should be cut short, to {want!r}; got {got!r}: hand max_new_tokens "
             "on to generate")
    if out["cropped"]["longest_window"] > 12:
        fail(f"with context_size=12 the model was given {out['cropped']['longest_window']} tokens at once: hand "
             "context_size on to generate, which crops the input to it")
