"""`grade demo kvcache`: generate with and without your KV cache, as the book's ch04/03_kv-cache does.

GPT-2's 124M configuration with random weights (torch.manual_seed(123)), the prompt "Hello, I am", 200 new
tokens, greedy: chapter 4's generate_text_simple on your gpt_with_kv_cache GPTModel without the cache, your
generate_text_simple_cached with it, and, once written, your pre-allocated cache (gpt_with_kv_cache_optimized)
with the same weights. It prints the tokens per second of each, the speed-up, and whether the texts are
identical, as they must be.
"""
from __future__ import annotations

import time

import click

from . import load_tree, not_ready

CONFIG = {"vocab_size": 50257, "context_length": 1024, "emb_dim": 768, "n_heads": 12, "n_layers": 12,
          "drop_rate": 0.1, "qkv_bias": False}


@click.command()
@click.option("--solutions", is_flag=True, help="Run the reference solutions instead of your exercises/.")
@click.option("--max-new-tokens", default=200, show_default=True, help="Tokens to generate (the book: 200).")
@click.option("--prompt", default="Hello, I am", show_default=True)
def command(solutions, max_new_tokens, prompt):
    """Generate with and without your KV cache (GPT-2 124M, random weights): tokens/s and the identical text."""
    import torch
    from course_data.gpt2 import get_encoding

    _, module = load_tree(solutions)
    ch04, kv = module("ch04/gpt.py"), module("kvcache/gpt_with_kv_cache.py")
    tokenizer = get_encoding()
    idx = torch.tensor([tokenizer.encode(prompt)])
    click.echo(f"GPT-2 124M configuration, random weights, {max_new_tokens} new tokens after {idx.shape[1]} prompt "
               f"tokens, greedy, {torch.get_num_threads()} CPU threads")
    try:
        torch.manual_seed(123)
        model = kv.GPTModel(CONFIG).eval()
        runs = [("without the cache (chapter 4's generate_text_simple)",
                 lambda: ch04.generate_text_simple(model, idx, max_new_tokens, CONFIG["context_length"])),
                ("with your KV cache (generate_text_simple_cached)",
                 lambda: kv.generate_text_simple_cached(model, idx, max_new_tokens))]
        results = [_timed(name, generate, max_new_tokens) for name, generate in runs]
    except NotImplementedError as exc:
        raise not_ready(exc, "Part of the KV-cache chapter this demo runs") from None
    optimized = _preallocated(module, idx, max_new_tokens)
    if optimized:
        results.append(optimized)
    _report(results, tokenizer)


def _timed(name, generate, n):
    click.echo(f"  {name} ...", nl=False)
    start = time.perf_counter()
    ids = generate()[0].tolist()
    seconds = time.perf_counter() - start
    click.echo(f" {seconds:.1f} s, {n / seconds:.1f} tokens/s")
    return name, seconds, ids


def _preallocated(module, idx, n):
    import torch

    try:
        opt = module("kvcache/gpt_with_kv_cache_optimized.py")
        torch.manual_seed(123)
        model = opt.GPTModel(CONFIG).eval()
        return _timed("with your pre-allocated cache (gpt_with_kv_cache_optimized)",
                      lambda: opt.generate_text_simple_cached(model, idx, n), n)
    except NotImplementedError:
        click.echo("  (your pre-allocated cache, gpt_with_kv_cache_optimized.py, is not written yet: skipped)")
        return None


def _report(results, tokenizer):
    (_, base, plain), *cached = results
    for name, seconds, _ in cached:
        click.echo(f"speed-up {base / seconds:.1f}x {name.split('(')[0].strip()}")
    different = [(name, ids) for name, _, ids in cached if ids != plain]
    if different:
        for name, ids in different:
            pairs = enumerate(zip(plain, ids, strict=False))
            at = next((i for i, (a, b) in pairs if a != b), min(len(plain), len(ids)))
            click.echo(f"the text {name.split('(')[0].strip()} differs from the one without the cache from token "
                       f"{at} on: `grade kvcache` says where the cache goes wrong")
    else:
        click.echo(f"identical text with and without the cache ({len(plain)} tokens):")
    click.echo(tokenizer.decode(plain))
    if different:
        raise click.exceptions.Exit(1)
