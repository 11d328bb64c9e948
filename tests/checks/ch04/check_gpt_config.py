"""Checks for ch04.gpt_config: the book's GPT_CONFIG_124M, the configuration of the smallest GPT-2."""
from grader.checks import case, expect_names, expect_type, fail, points

NAME = "GPT_CONFIG_124M"
SIZE_KEYS = ("vocab_size", "context_length", "emb_dim", "n_heads", "n_layers")
HELP = {
    "vocab_size": "GPT-2's BPE vocabulary has 50,257 tokens (ids 0..50256; <|endoftext|> is 50256)",
    "context_length": "GPT-2 reads at most 1,024 tokens at once",
    "emb_dim": "each token becomes a 768-dimensional vector",
    "n_heads": "12 attention heads of 64 dimensions each make up the 768",
    "n_layers": "the 124M model stacks 12 transformer blocks",
}


@case
def config(learner):
    """The learner's dict, with values still `...` as None (they are listed by `unfilled`)."""
    cfg = getattr(learner, NAME)
    if not isinstance(cfg, dict):
        return cfg
    if cfg and all(value is ... for value in cfg.values()):
        _raise_not_implemented_at_assignment(learner.__file__)
    return {key: None if value is ... else value for key, value in cfg.items()}


@case
def unfilled(learner):
    cfg = getattr(learner, NAME)
    return [key for key, value in cfg.items() if value is ...] if isinstance(cfg, dict) else []


def _raise_not_implemented_at_assignment(path):
    """The stub's dict holds only `...`: raise NotImplementedError from the learner's own line that
    assigns GPT_CONFIG_124M, so the report points at the TODO above it ("not implemented yet —
    file:line"), as it does for every stub that raises. A raise compiled under the learner's file
    name and line number puts that line into the traceback the worker reads."""
    import ast

    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    lines = [node.lineno for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
             and any(isinstance(t, ast.Name) and t.id == NAME
                     for t in (node.targets if isinstance(node, ast.Assign) else [node.target]))]
    raise_there = ast.parse(f"raise NotImplementedError('fill in the values of {NAME}')")
    ast.increment_lineno(raise_there, (lines[-1] if lines else 1) - 1)
    exec(compile(raise_there, path, "exec"), {})


def _config(out, keys):
    """The learner's dict, after saying which of `keys` still hold `...`."""
    cfg = out["config"]
    expect_type(cfg, dict, NAME)
    left = [key for key in keys if key in out["unfilled"]]
    if left:
        fail(f"{NAME} still has ... as the value of {', '.join(left)}: fill in the value"
             f"{'s' if len(left) > 1 else ''} from section 4.1")
    return cfg


def test_book_keys(out, snap):
    cfg = _config(out, ())
    expect_names(list(cfg), list(snap["config"]), f"{NAME} (the code of chapters 4-7 reads these keys)", "key")


@points(2)
def test_model_sizes(out, snap):
    cfg = _config(out, SIZE_KEYS)
    for key in SIZE_KEYS:
        got, expected = cfg.get(key), snap["config"][key]
        if got != expected or type(got) is not int:
            fail(f'{NAME}["{key}"] is {got!r}, expected the int {expected}: {HELP[key]}')


def test_dropout_and_qkv_bias(out, snap):
    cfg = _config(out, ("drop_rate", "qkv_bias"))
    if cfg.get("drop_rate") != snap["config"]["drop_rate"]:
        fail(f'{NAME}["drop_rate"] is {cfg.get("drop_rate")!r}, expected {snap["config"]["drop_rate"]}: '
             "10% of the values are dropped during training")
    if cfg.get("qkv_bias") is not False:
        fail(f'{NAME}["qkv_bias"] is {cfg.get("qkv_bias")!r}, expected False: the query, key and value '
             "layers are built without bias (chapter 5 turns it on to load OpenAI's weights)")
