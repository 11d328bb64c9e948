"""Checks for llama.load_weights_into_llama: every tensor of a Hugging Face Llama checkpoint lands in the
parameter the notebook maps it to (q/k/v/o_proj, gate/up/down_proj as fc1/fc2/fc3, the two layer norms), and a
checkpoint without lm_head.weight ties the output head to the token embedding."""
import numpy as np

from grader.checks import case, fail, points, sibling

ref = sibling(__file__, "llama_reference")
CFG = ref.LLAMA
OURS = ref.model_weights(CFG, "hf.")                       # distinct values for every tensor
CHECKPOINT = {ref.hf_name(n): w for n, w in OURS.items()}  # the same tensors under Hugging Face's names


def _load(learner, checkpoint):
    import torch

    model = ref.standin_llama(CFG)
    params = {n: torch.from_numpy(w) for n, w in checkpoint.items()}
    learner.load_weights_into_llama(model, {"n_layers": CFG["n_layers"], "hidden_dim": CFG["hidden_dim"]}, params)
    return {"weights": {n: p.detach() for n, p in model.named_parameters(remove_duplicate=False)}}


separate_head = case(_load, CHECKPOINT)
tied_head = case(_load, {n: w for n, w in CHECKPOINT.items() if n != "lm_head.weight"})


def _holds(value):
    """The checkpoint name whose tensor `value` equals, or None."""
    for name, w in CHECKPOINT.items():
        if w.shape == value.shape and np.array_equal(w, value):
            return name
    return None


@points(4)
def test_every_tensor_in_its_place(out):
    out.error("separate_head", {"KeyError": "a checkpoint name is misspelled: Hugging Face's Llama names are "
                                            "model.embed_tokens.weight, model.layers.{l}.self_attn.q_proj.weight "
                                            "(k_proj, v_proj, o_proj), model.layers.{l}.mlp.gate_proj.weight (up_proj, "
                                            "down_proj), model.layers.{l}.input_layernorm.weight, "
                                            "model.layers.{l}.post_attention_layernorm.weight, model.norm.weight and "
                                            "lm_head.weight"})
    got = out["separate_head"]["weights"]
    wrong = []
    for ours, expected in ((n, ref.hf_name(n)) for n in OURS):
        held = _holds(got[ours]) if ours in got else None
        if held != expected:
            wrong.append(f"{ours} holds {held or 'none of the checkpoint tensors'} (expected {expected})")
    if wrong:
        hints = []
        if any("ff.fc1" in w and "up_proj" in w for w in wrong):
            hints.append("fc1 is the gate (SiLU's input), gate_proj; fc2 is up_proj")
        if any("norm1" in w and "post_attention" in w for w in wrong):
            hints.append("norm1 (before the attention) is input_layernorm; norm2 is post_attention_layernorm")
        if any(w.startswith("trf_blocks.1.") and "layers.0." in w for w in wrong):
            hints.append("block l takes the tensors of model.layers.{l}")
        fail(f"after load_weights_into_llama, {len(wrong)} of {len(OURS)} parameters hold the wrong tensor: "
             + "; ".join(wrong[:3]) + (" ..." if len(wrong) > 3 else "") + (": " + "; ".join(hints) if hints else ""))


def test_a_checkpoint_without_lm_head_ties_the_head(out):
    out.error("tied_head", {"KeyError: lm_head": "a checkpoint with a tied head (Llama 3.2) has no lm_head.weight: "
                                                  "when it is missing, use the token embedding, "
                                                  "model.out_head.weight = model.tok_emb.weight"})
    got = out["tied_head"]["weights"]
    if _holds(got["out_head.weight"]) != "model.embed_tokens.weight":
        fail("for a checkpoint without lm_head.weight, out_head should hold the token embedding "
             "(model.embed_tokens.weight): model.out_head.weight = model.tok_emb.weight")
