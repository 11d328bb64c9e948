"""`grade demo ch07`: finetune the small pretrained GPT to follow instructions with your chapter-7 code.

The model is chapter 5's small GPT pretrained on the course's corpus (grader.demos._pretrained, trained once
and cached); the data is the course's generated instruction set (or the book's with --data book). Your
split_data, create_instruction_loaders and finetune_model train it on CPU with a progress bar; your
generate_responses answers the first 55 entries of the test set and your generate_model_scores scores the
answers with the offline judge (or, with --judge ollama, an LLM served by Ollama, as the book does). The demo
prints the losses, the scores by task family and a few answers, and writes the loss plot (PNG) and the answers
(JSON). Its defaults (3 epochs, answers of at most 20 tokens, 55 test entries) fit in about four minutes on two
CPU cores; `--epochs 6 --test-entries 0` trains twice as long and answers the whole test set.
"""
from __future__ import annotations

import contextlib
import json
import sys
import time

import click

from . import load_tree, not_ready, output_dir
from ._pretrained import SMALL_GPT_CONFIG, _Lines, pretrained_gpt
from .ch05 import _plot_losses

SHOWN = 8   # answers printed


def _judge(evaluation, name, model, url):
    return evaluation.OllamaJudge(model=model, url=url) if name == "ollama" else evaluation.OverlapJudge()


def _by_family(test_data, scores_of):
    """{family: (exact answers, entries)} for the generated data's task families."""
    from course_data.instructions import task_family

    table = {}
    for entry in test_data:
        family = task_family(entry) or "other"
        exact, n = table.get(family, (0, 0))
        table[family] = (exact + (scores_of(entry) == 100), n + 1)
    return dict(sorted(table.items()))


def run(solutions, epochs, lr, data, judge_name, judge_model, judge_url, max_new_tokens, test_entries, out):
    import torch
    from course_data.download import DownloadError
    from course_data.gpt2 import get_encoding
    from course_data.instructions import default_instruction_data, load_instruction_data
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )


    console = Console(file=sys.stdout)  # bound now: the training loop's prints are redirected to it
    _, module = load_tree(solutions)
    folder = output_dir(out, "ch07")
    start = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    context = SMALL_GPT_CONFIG["context_length"]
    gpt, pretraining = module("ch04/gpt.py"), module("ch05/pretraining.py")
    prep, finetune = module("ch07/instruction_data.py"), module("ch07/finetune.py")
    evaluation = module("ch07/evaluation.py")
    try:
        entries = default_instruction_data() if data == "default" else load_instruction_data()
        judge = _judge(evaluation, judge_name, judge_model, judge_url)
        judge.score(entries[0], entries[0]["output"])   # an unreachable judge is named now, not after training
        console.print("Pretrained small GPT (trained once on the course's corpus, then cached) ...")
        pretrained = pretrained_gpt(gpt.GPTModel, pretraining.train_model_simple,
                                    progress=lambda line: console.print("  " + line, markup=False, highlight=False))
        model = gpt.GPTModel({**SMALL_GPT_CONFIG, "drop_rate": 0.0})   # the book finetunes without dropout
        model.load_state_dict(pretrained.state_dict())
        train_data, test_data, val_data = prep.split_data(entries)
        answered = test_data[:test_entries] if test_entries > 0 else test_data
        tokenizer = get_encoding()
        torch.manual_seed(123)
        train_loader, val_loader, _ = prep.create_instruction_loaders(
            train_data, val_data, test_data, tokenizer, batch_size=8, allowed_max_length=context)
        with torch.no_grad():
            before = pretraining.calc_loss_loader(val_loader, model, "cpu", num_batches=5)
        console.print(f"{len(train_data)} training, {len(val_data)} validation and {len(test_data)} test entries "
                      f"({'generated' if data == 'default' else 'the book'}; the first {len(answered)} test entries "
                      f"answered); validation loss before finetuning {before:.3f}")
        finetuning = time.perf_counter()
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("finetuning", total=epochs * len(train_loader))
            # a training step is a forward pass in training mode (the evaluations run in eval mode)
            hook = model.register_forward_hook(lambda m, i, o: progress.advance(task) if m.training else None)
            printed = _Lines(lambda line: progress.console.print(line, markup=False, highlight=False))
            with contextlib.redirect_stdout(printed):
                train_losses, val_losses, tokens_seen = finetune.finetune_model(
                    model, train_loader, val_loader, "cpu", num_epochs=epochs,
                    start_context=prep.format_input(val_data[0]), tokenizer=tokenizer, eval_freq=25, eval_iter=2,
                    lr=lr)
            hook.remove()
        model.eval()
        answering = time.perf_counter()
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("answering", total=len(answered))
            for entry in answered:
                finetune.generate_responses(model, [entry], tokenizer, "cpu", context_size=context,
                                            max_new_tokens=max_new_tokens)
                progress.advance(task)
        scoring = time.perf_counter()
        scores = evaluation.generate_model_scores(answered, "model_response", judge)
        overlap = evaluation.OverlapJudge()
        families = _by_family(answered, lambda e: overlap.score(e, e["model_response"]))
    except NotImplementedError as exc:
        raise not_ready(exc, "Part of your chapter 4, 5 or 7 code") from None
    except (evaluation.JudgeUnavailable, DownloadError) as exc:
        raise click.ClickException(str(exc)) from None
    history = {"train": train_losses, "val": val_losses, "tokens": tokens_seen}
    plot = _plot_losses(history, epochs, folder / "loss-plot.png")   # chapter 5's figure
    answers = folder / "instruction-data-with-response.json"
    answers.write_text(json.dumps(answered, indent=4), encoding="utf-8")
    _report(console, answered, scores, judge, families, train_losses, val_losses)
    console.print(f"Files: {plot}, {answers} · {time.perf_counter() - start:.0f} s (finetuning "
                  f"{answering - finetuning:.0f} s, answering {scoring - answering:.0f} s)")


def _report(console, test_data, scores, judge, families, train_losses, val_losses):
    from rich.table import Table

    console.print(f"Losses after finetuning: training {train_losses[-1]:.3f}, validation {val_losses[-1]:.3f}")
    table = Table("instruction", "input", "expected", "model's answer", title="Some test answers")
    for entry in test_data[:SHOWN]:
        table.add_row(entry["instruction"], entry["input"], entry["output"], entry["model_response"])
    console.print(table)
    if families and set(families) != {"other"}:
        console.print("Exact answers by task family (offline judge): " + ", ".join(
            f"{f} {exact}/{n}" for f, (exact, n) in families.items()))
    average = sum(scores) / len(scores) if scores else float("nan")
    console.print(f"Judge: {judge.name} · {len(scores)} of {len(test_data)} answers scored · average score "
                  f"{average:.1f} / 100")


@click.command("ch07")
@click.option("--solutions", is_flag=True, help="Run the reference solutions instead of your code.")
@click.option("--epochs", default=3, show_default=True,
              help="Finetuning epochs. The book trains GPT-2 medium for 2; this small model needs more: 6 get "
                   "most answers right, in twice the time.")
@click.option("--lr", default=2e-3, show_default=True,
              help="Learning rate. The book's 0.00005 suits GPT-2 medium; this small model, pretrained on one "
                   "short story, needs far larger steps.")
@click.option("--data", type=click.Choice(["default", "book"]), default="default", show_default=True,
              help="The course's generated instructions, or the book's 1,100 entries (downloaded once).")
@click.option("--judge", "judge_name", type=click.Choice(["overlap", "ollama"]), default="overlap",
              show_default=True, help="Score offline by word overlap, or ask an LLM served by Ollama.")
@click.option("--judge-model", default="llama3", show_default=True, help="The Ollama model that judges.")
@click.option("--judge-url", default="http://localhost:11434/api/chat", show_default=True,
              help="The Ollama chat endpoint.")
@click.option("--max-new-tokens", type=int, default=None,
              help="Longest answer generated, the \"### Response:\" the model writes first included. Default: 20 "
                   "for the generated data (its answers take at most 15), the book's 256 with --data book.")
@click.option("--test-entries", default=55, show_default=True,
              help="Answer and score the first N entries of the test set (0: all of them).")
@click.option("--out", default=None, help="Output folder (default demo-output/ch07).")
def command(solutions, epochs, lr, data, judge_name, judge_model, judge_url, max_new_tokens, test_entries, out):
    """Finetune the small pretrained GPT to follow instructions, answer test entries and judge them (chapter 7)."""
    if max_new_tokens is None:
        max_new_tokens = 20 if data == "default" else 256
    run(solutions, epochs, lr, data, judge_name, judge_model, judge_url, max_new_tokens, test_entries, out)
