"""`grade demo ch05`: pretrain a small GPT with your own chapter 2–5 code, or load real GPT-2 weights into it.

Training runs train_model_simple's loop — your calc_loss_batch, evaluate_model and generate_and_print_sample —
with a progress bar and a step limit, then saves a checkpoint with your save_checkpoint and plots the losses
as the book does. `--weights PATH` instead loads a model.safetensors (or OpenAI's files) with your
load_weights_into_gpt and reports its losses and a sample.
"""
from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path

import click

from . import load_tree, not_ready, output_dir
from ._pretrained import SMALL_GPT_CONFIG

PROMPT = "In the studio, the painter"


@click.command()
@click.option("--solutions", is_flag=True, help="Run the reference solutions instead of your exercises/.")
@click.option("--epochs", default=2, show_default=True, help="Passes over the training text.")
@click.option("--steps", type=int, default=None, help="Stop after this many updates (default: all epochs).")
@click.option("--eval-freq", default=20, show_default=True, help="Evaluate and print a sample every N steps.")
@click.option("--eval-iter", default=2, show_default=True, help="Batches of each loader an evaluation averages.")
@click.option("--lr", default=1e-3, show_default=True, help="AdamW's learning rate.")
@click.option("--temperature", default=None, type=float,
              help="Temperature of the final sample (exercise 5.2; default 1.4, or 1.5 with --weights).")
@click.option("--top-k", default=None, type=int, help="Top-k of the final sample (default 25, or 50 with --weights).")
@click.option("--verdict", is_flag=True, help="Train on the book's story (downloaded once, verified) instead.")
@click.option("--weights", type=click.Path(exists=True, path_type=Path), default=None,
              help="Load GPT-2 weights from a local model.safetensors (or OpenAI's files) instead of training.")
@click.option("--out", "out_dir", default=None, help="Output folder (default demo-output/ch05).")
def command(solutions, epochs, steps, eval_freq, eval_iter, lr, temperature, top_k, verdict, weights, out_dir):
    """Pretrain a small GPT on the course's corpus (a few minutes on a laptop CPU), or load GPT-2's weights."""
    import torch
    torch.manual_seed(123)
    _, module = load_tree(solutions)
    code = {name: module(path) for name, path in (
        ("dataloader", "ch02/dataloader.py"), ("gpt", "ch04/gpt.py"), ("pretraining", "ch05/pretraining.py"),
        ("decoding", "ch05/decoding.py"), ("checkpoint", "ch05/checkpoint.py"), ("weights", "ch05/gpt2_weights.py"))}
    out = output_dir(out_dir, "ch05")
    text = _text(verdict)
    try:
        if weights:
            _pretrained(code, weights, text, (1.5 if temperature is None else temperature, top_k or 50))
        else:
            _train(code, text, epochs, steps, eval_freq, eval_iter, lr, out,
                   (1.4 if temperature is None else temperature, top_k or 25))
    except NotImplementedError as exc:
        raise not_ready(exc, "Part of chapters 2–5 this demo runs") from None


def _text(verdict: bool) -> str:
    if verdict:
        from course_data.download import DownloadError
        from course_data.verdict import load_verdict
        try:
            return load_verdict()
        except DownloadError as exc:
            raise click.ClickException(str(exc)) from None
    from course_data.text import large_text
    return large_text()


def _loaders(code, text, context_length, batch_size=8):
    split = int(0.9 * len(text))
    make = code["dataloader"].create_dataloader_v1
    train = make(text[:split], batch_size=batch_size, max_length=context_length, stride=context_length,
                 drop_last=True, shuffle=True, num_workers=0)
    val = make(text[split:], batch_size=batch_size, max_length=context_length, stride=context_length,
               drop_last=False, shuffle=False, num_workers=0)
    return train, val


def _train(code, text, epochs, steps, eval_freq, eval_iter, lr, out: Path, sampling):
    import torch
    from course_data.gpt2 import get_encoding
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console, tokenizer, cfg = Console(highlight=False), get_encoding(), dict(SMALL_GPT_CONFIG)
    pt = code["pretraining"]
    train_loader, val_loader = _loaders(code, text, cfg["context_length"])
    model = code["gpt"].GPTModel(cfg)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1)
    total = min(steps or epochs * len(train_loader), epochs * len(train_loader))
    console.print(f"GPTModel {cfg}: {sum(p.numel() for p in model.parameters()):,} parameters; "
                  f"{len(train_loader)} batches of {8 * cfg['context_length']:,} tokens an epoch; {total} steps")
    history = {"train": [], "val": [], "tokens": [], "step": []}
    tokens_seen, step, start = 0, 0, time.perf_counter()
    columns = (TextColumn("[bold]epoch {task.fields[epoch]}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[speed]:>6,.0f} tokens/s  loss {task.fields[loss]}"), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("train", total=total, epoch=1, speed=0.0, loss="  –  ")  # none before the first step
        for epoch in range(epochs):
            model.train()
            for input_batch, target_batch in train_loader:
                if step >= total:
                    break
                optimizer.zero_grad()
                loss = pt.calc_loss_batch(input_batch, target_batch, model, "cpu")
                loss.backward()
                optimizer.step()
                tokens_seen += input_batch.numel()
                progress.update(bar, advance=1, epoch=epoch + 1, loss=f"{loss.item():.3f}",
                                speed=tokens_seen / (time.perf_counter() - start))
                if step % eval_freq == 0 or step == total - 1:
                    train_loss, val_loss = pt.evaluate_model(model, train_loader, val_loader, "cpu", eval_iter)
                    for key, value in zip(history, (train_loss, val_loss, tokens_seen, step)):
                        history[key].append(value)
                    sample = io.StringIO()
                    with contextlib.redirect_stdout(sample):
                        pt.generate_and_print_sample(model, tokenizer, "cpu", PROMPT)
                    progress.console.print(f"[dim]step {step:>5}[/dim] train {train_loss:.3f}  val {val_loss:.3f}  "
                                           f"[italic]{_short(sample.getvalue())}[/italic]")
                step += 1
    elapsed = time.perf_counter() - start
    _finish(code, model, optimizer, history, step / len(train_loader), elapsed, tokens_seen, tokenizer, out, console,
            sampling)


def _short(text: str, width: int = 200) -> str:
    from rich.markup import escape
    text = " ".join(text.split())
    return escape(text if len(text) <= width else text[:width - 1] + "…")


def _finish(code, model, optimizer, history, epochs_run, elapsed, tokens_seen, tokenizer, out, console, sampling):
    import torch
    path = out / "model_and_optimizer.pth"
    try:
        code["checkpoint"].save_checkpoint(model, optimizer, path)
    except NotImplementedError:
        torch.save(model.state_dict(), path)
        console.print("save_checkpoint is not implemented yet: saved the model's state_dict only")
    plot = _plot_losses(history, epochs_run, out / "losses.png")
    console.print(f"\n{tokens_seen:,} tokens in {elapsed:.0f} s: {tokens_seen / elapsed:,.0f} tokens/s; "
                  f"final validation loss {history['val'][-1]:.3f} (training {history['train'][-1]:.3f})")
    console.print(f"checkpoint: {path}\nloss plot:  {plot}")
    _sample(code, model, tokenizer, console, *sampling)


def _sample(code, model, tokenizer, console, temperature, top_k, prompt=PROMPT, new_tokens=40):
    import torch
    pt, dec = code["pretraining"], code["decoding"]
    torch.manual_seed(123)
    model.eval()
    try:
        idx = dec.generate(model, pt.text_to_token_ids(prompt, tokenizer), new_tokens,
                           model.pos_emb.weight.shape[0], temperature=temperature, top_k=top_k)
    except NotImplementedError:
        return console.print("(generate is not implemented yet: no sampled text)")
    text = _short(pt.token_ids_to_text(idx, tokenizer), 400)
    console.print(f"\nsampled with temperature {temperature}, top-k {top_k}:\n  {text}")


def _plot_losses(history, epochs_run, path: Path) -> Path:
    """The book's figure: training and validation loss against epochs, tokens seen on a second x axis."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax1 = plt.subplots(figsize=(6, 3.5))
    epochs_seen = np.linspace(0, epochs_run, len(history["train"]))
    ax1.plot(epochs_seen, history["train"], label="Training loss")
    ax1.plot(epochs_seen, history["val"], linestyle="-.", label="Validation loss")
    ax1.set_xlabel("Epochs")
    ax1.set_ylabel("Loss")
    ax1.legend(loc="upper right")
    ax2 = ax1.twiny()
    ax2.plot(history["tokens"], history["train"], alpha=0)   # only to align the tokens-seen axis
    ax2.set_xlabel("Tokens seen")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _pretrained(code, weights: Path, text: str, sampling):
    import torch
    from course_data import gpt2_checkpoint
    from course_data.gpt2 import get_encoding
    from rich.console import Console

    console = Console(highlight=False)
    try:
        settings, params = gpt2_checkpoint.load_params(weights)
    except gpt2_checkpoint.CheckpointError as exc:
        raise click.ClickException(str(exc)) from None
    cfg = gpt2_checkpoint.gpt_config(settings)
    model = code["gpt"].GPTModel(cfg)
    start = time.perf_counter()
    try:
        code["weights"].load_weights_into_gpt(model, params)
    except ValueError as exc:
        raise click.ClickException(f"load_weights_into_gpt failed: {exc}. `grade ch05.load_weights_into_gpt` "
                                   "names the parameter and what to change") from None
    model.eval()
    console.print(f"loaded {weights} ({sum(p.numel() for p in model.parameters()):,} parameters, {cfg}) "
                  f"in {time.perf_counter() - start:.1f} s")
    train_loader, val_loader = _loaders(code, text, min(256, cfg["context_length"]), batch_size=2)
    with torch.no_grad():
        val_loss = code["pretraining"].calc_loss_loader(val_loader, model, "cpu", num_batches=10)
    console.print(f"validation loss on the last 10% of the text (10 batches): {val_loss:.3f}")
    _sample(code, model, get_encoding(), console, *sampling, prompt="Every effort moves you", new_tokens=25)
