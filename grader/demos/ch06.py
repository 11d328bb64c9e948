"""`grade demo ch06`: finetune the small pretrained GPT into a spam classifier with your chapter-6 code.

The model is chapter 5's small GPT pretrained on the course's corpus (grader.demos._pretrained, trained once
and cached); the data is the course's generated SMS collection (or the book's with --data book). Training
runs your train_classifier_simple on CPU with a progress bar; the demo prints the accuracies, classifies a
few new messages with your classify_review and writes the book's loss and accuracy plots as PNG files.
`grade demo appE` runs the same with LoRA (appendix E) instead of the last block.
"""
from __future__ import annotations

import contextlib
import io
import sys
import time

import click

from . import load_tree, not_ready, output_dir
from ._pretrained import SMALL_GPT_CONFIG, pretrained_gpt

EXAMPLES = ["You are a winner you have been specially selected to receive $1000 cash or a $2000 award.",
            "Hey, just wanted to check if we're still on for dinner tonight? Let me know!",
            "URGENT! Your number has won a free holiday. Call 09061234567 to claim now",
            "Running late, see you at the station in 10 mins"]


class _Stepping:
    """The optimizer, advancing the progress bar at every step (the learner's loop calls step() once a batch)."""

    def __init__(self, optimizer, advance):
        self._optimizer, self._advance = optimizer, advance

    def step(self, *args, **kwargs):
        result = self._optimizer.step(*args, **kwargs)
        self._advance()
        return result

    def __getattr__(self, name):
        return getattr(self._optimizer, name)


class _Lines(io.TextIOBase):
    """A stdout that prints each complete line above the progress bar."""

    def __init__(self, console):
        self.console, self.pending = console, ""

    def write(self, text):
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.console.print(line, markup=False, highlight=False)
        return len(text)


def run(solutions: bool, epochs: int, data: str, out: str | None, lora: bool, chapter: str) -> None:
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
    from torch.utils.data import DataLoader


    console = Console(file=sys.stdout)  # bound now: the training loops' prints are redirected to it
    _, module = load_tree(solutions)
    folder = output_dir(out, chapter)
    start = time.perf_counter()
    try:
        gpt, pretraining = module("ch04/gpt.py"), module("ch05/pretraining.py")
        data_mod, dataset_mod = module("ch06/spam_data.py"), module("ch06/spam_dataset.py")
        classifier, train_mod = module("ch06/classifier.py"), module("ch06/train_classifier.py")
        console.print("Pretrained small GPT (trained once on the course's corpus, then cached) ...")
        model = pretrained_gpt(gpt.GPTModel, pretraining.train_model_simple,
                               progress=lambda line: console.print("  " + line, markup=False, highlight=False))
        csvs = data_mod.prepare_spam_csvs(folder / "data", source=data)
        tokenizer = get_encoding()
        train_set = dataset_mod.SpamDataset(csvs[0], tokenizer)
        val_set, test_set = (dataset_mod.SpamDataset(p, tokenizer, max_length=train_set.max_length) for p in csvs[1:])
        torch.manual_seed(123)
        train_loader = DataLoader(train_set, batch_size=8, shuffle=True, drop_last=True)
        val_loader, test_loader = (DataLoader(d, batch_size=8) for d in (val_set, test_set))
        emb_dim = SMALL_GPT_CONFIG["emb_dim"]
        if lora:
            lora_mod = module("appE/lora.py")
            model.out_head = torch.nn.Linear(emb_dim, 2)
            lora_mod.add_lora(model, rank=16, alpha=16)
            lr = 1e-4   # 1e-3 overshoots (test accuracy at chance); the book: 5e-5 for GPT-2
        else:
            classifier.prepare_for_classification(model, emb_dim, 2)
            lr = 5e-4
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        total = sum(p.numel() for p in model.parameters())
        console.print(f"{len(train_set)} training, {len(val_set)} validation, {len(test_set)} test messages of "
                      f"{train_set.max_length} tokens; {trainable:,} of {total:,} parameters train "
                      f"({'LoRA, rank 16' if lora else 'last block, final_norm, head'})")
        before = classifier.calc_accuracy_loader(test_loader, model, "cpu")
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.1)
        columns = (TextColumn("finetuning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("steps", total=epochs * len(train_loader))
            with contextlib.redirect_stdout(_Lines(progress.console)):
                result = train_mod.train_classifier_simple(
                    model, train_loader, val_loader, _Stepping(optimizer, lambda: progress.advance(task)), "cpu",
                    num_epochs=epochs, eval_freq=50, eval_iter=5)
        train_losses, val_losses, train_accs, val_accs, examples_seen = result
        accuracies = {name: classifier.calc_accuracy_loader(loader, model, "cpu")
                      for name, loader in (("training", train_loader), ("validation", val_loader),
                                           ("test", test_loader))}
        plots = []
        for label, train_values, val_values in (("loss", train_losses, val_losses),
                                                ("accuracy", train_accs, val_accs)):
            epochs_seen = torch.linspace(0, epochs, len(train_values))
            seen = torch.linspace(0, examples_seen, len(train_values))
            plots.append(train_mod.plot_values(epochs_seen, seen, train_values, val_values, label=label,
                                               path=str(folder / f"{label}-plot.png")))
        labels = [train_mod.classify_review(t, model, tokenizer, "cpu", max_length=train_set.max_length)
                  for t in EXAMPLES]
    except NotImplementedError as exc:
        raise not_ready(exc, "Part of your chapter 4–6 code" + (" or appendix E" if lora else "")) from None
    console.print(f"Test accuracy before finetuning {before * 100:.1f}%; after: " +
                  ", ".join(f"{k} {v * 100:.1f}%" for k, v in accuracies.items()))
    for text, label in zip(EXAMPLES, labels):
        console.print(f"  {label:>8}  {text}", markup=False, highlight=False)
    console.print(f"Plots: {', '.join(plots)} · {time.perf_counter() - start:.0f} s")


@click.command("ch06")
@click.option("--solutions", is_flag=True, help="Run the reference solutions instead of your code.")
@click.option("--epochs", default=3, show_default=True, help="Finetuning epochs (the book trains 5).")
@click.option("--data", type=click.Choice(["default", "book"]), default="default", show_default=True,
              help="The course's generated messages, or the book's UCI collection (downloaded once).")
@click.option("--out", default=None, help="Output folder (default demo-output/ch06).")
def command(solutions, epochs, data, out):
    """Finetune the small pretrained GPT as a spam classifier (chapter 6)."""
    run(solutions, epochs, data, out, lora=False, chapter="ch06")
