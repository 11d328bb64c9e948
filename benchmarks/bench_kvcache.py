"""Tokens per second of greedy generation with and without the KV cache, on the 124M configuration, in one run.

    python benchmarks/bench_kvcache.py                  # the reference solutions, 200 new tokens
    python benchmarks/bench_kvcache.py --exercises      # your own code in exercises/

As the book's ch04/03_kv-cache does: GPTModel(GPT_CONFIG_124M) with random weights (torch.manual_seed(123)),
the prompt "Hello, I am", 200 new tokens, on the CPU. Three ways, the same weights: chapter 4's GPTModel with
generate_text_simple (no cache), gpt_with_kv_cache's generate_text_simple_cached (the cache grows by torch.cat)
and gpt_with_kv_cache_optimized's (buffers allocated once, written in place). Runs are interleaved when
--repeat > 1, the best of each is reported, and the ratios are to the run without the cache. The three must
give the same tokens. The book, on a Mac Mini M4: 27, 144 and 166 tokens/s. The machine's load average is
printed before and after: on a shared machine, run it when the load is low.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def load(exercises: bool):
    from grader.demos import load_tree

    _, module = load_tree(solutions=not exercises)
    return module("ch04/gpt.py"), module("kvcache/gpt_with_kv_cache.py"), module(
        "kvcache/gpt_with_kv_cache_optimized.py")


def models(ch04, kv, opt, cfg):
    """The three models with the weights of torch.manual_seed(123)'s chapter-4 GPTModel(cfg), in eval mode."""
    import torch

    torch.manual_seed(123)
    plain = ch04.GPTModel(cfg).eval()
    params = dict(plain.named_parameters())
    built = [plain]
    for module in (kv, opt):
        model = module.GPTModel(cfg).eval()
        with torch.no_grad():
            for name, p in model.named_parameters():
                p.copy_(params[name])
        built.append(model)
    return built


def timed(generate) -> tuple[float, list[int]]:
    start = time.perf_counter()
    ids = generate()
    return time.perf_counter() - start, ids[0].tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=200, help="new tokens per run (the book: 200)")
    parser.add_argument("--prompt", default="Hello, I am")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, interleaved; the best is reported")
    parser.add_argument("--exercises", action="store_true", help="benchmark your code in exercises/")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()

    import torch
    from course_data.gpt2 import get_encoding

    if args.threads:
        torch.set_num_threads(args.threads)
    ch04, kv, opt = load(args.exercises)
    plain, cached, preallocated = models(ch04, kv, opt, ch04.GPT_CONFIG_124M)
    tokenizer = get_encoding()
    idx = torch.tensor([tokenizer.encode(args.prompt)])
    n, ctx = args.tokens, ch04.GPT_CONFIG_124M["context_length"]
    runs = {
        "no cache (chapter 4's generate_text_simple)": lambda: ch04.generate_text_simple(plain, idx, n, ctx),
        "KV cache (gpt_with_kv_cache, torch.cat)": lambda: kv.generate_text_simple_cached(cached, idx, n),
        "KV cache, pre-allocated (gpt_with_kv_cache_optimized)": lambda: opt.generate_text_simple_cached(
            preallocated, idx, n),
    }
    load_before = os.getloadavg()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs; load average "
          f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; {n} new tokens after "
          f"{idx.shape[1]} prompt tokens, {'exercises/' if args.exercises else 'the reference solutions'}")
    best: dict[str, float] = {}
    texts: dict[str, list[int]] = {}
    for _ in range(args.repeat):
        for name, generate in runs.items():
            seconds, ids = timed(generate)
            best[name] = min(seconds, best.get(name, float("inf")))
            texts[name] = ids
    base = n / best[next(iter(runs))]
    width = max(map(len, runs)) + 2
    print(f"{'':<{width}}{'seconds':>9}{'tokens/s':>10}{'ratio':>8}")
    for name, seconds in best.items():
        print(f"{name:<{width}}{seconds:>9.2f}{n / seconds:>10.1f}{n / seconds / base:>7.1f}x")
    load_after = os.getloadavg()
    same = len({tuple(t) for t in texts.values()}) == 1
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print("identical tokens: " + ("yes" if same else "NO — the cached runs differ from the one without the cache"))
    print("text:", repr(tokenizer.decode(texts[next(iter(runs))])[:160]))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
