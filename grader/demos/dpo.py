"""`grade demo dpo`: preference-tune the small pretrained GPT with DPO, with your chapter 4, 5, 7 and DPO code.

The policy and the reference model both start as chapter 5's small GPT pretrained on the course's corpus
(grader.demos._pretrained, trained once and cached); the data is the course's generated preference pairs (or the
book's with --data book), split with your chapter-7 split_data. Your PreferenceDataset and custom_collate_fn make the
batches, your train_model_dpo_simple trains the policy against the frozen reference on CPU with a progress bar. The
demo prints the reward margin before and after, the validation margin by kind of rejected response (rude, wrong,
verbose), and writes the reward margins over the steps and the loss (PNG).
"""
from __future__ import annotations

import contextlib
import sys
import time
from functools import partial

import click

from . import _pretrained, load_tree, not_ready, output_dir
from ._pretrained import _Lines

BATCH_SIZE = 8
EVAL_ITER = 2   # batches of each loader per evaluation during training (the notebook's 5 doubles the time here)


def _margin(res, split):
    return res[f"{split}_chosen_reward"] - res[f"{split}_rejected_reward"]


def _plot(tracking, before, eval_freq, path):
    """The reward margins (chosen - rejected reward) and the loss against the updates made, train and validation,
    from the untrained start (`before`, evaluate_dpo_loss_loader's values then)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    updates = [0] + [k * eval_freq + 1 for k in range(len(tracking["train_losses"]))]   # evaluated after step k
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    for split, style in (("train", "-"), ("val", "-.")):
        margins = [_margin(before, split)] + [c - r for c, r in zip(tracking[f"{split}_chosen_rewards"],
                                                                     tracking[f"{split}_rejected_rewards"])]
        name = "Training" if split == "train" else "Validation"
        left.plot(updates, margins, linestyle=style, label=f"{name} reward margin")
        right.plot(updates, [before[f"{split}_loss"]] + tracking[f"{split}_losses"], linestyle=style,
                   label=f"{name} loss")
    left.axhline(0.0, color="grey", linewidth=0.6)
    left.set_ylabel("Reward margin (chosen - rejected)")
    right.set_ylabel("DPO loss")
    for ax in (left, right):
        ax.set_xlabel("Updates")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _by_kind(entries, make_loader, dpo_loss, policy, reference, beta):
    """{kind of rejected response: (entries, reward margin)} on `entries` (generated ones; others are "other")."""
    from course_data.preferences import rejection_kind

    groups = {}
    for entry in entries:
        groups.setdefault(rejection_kind(entry) or "other", []).append(entry)
    table = {}
    for kind, group in sorted(groups.items()):
        _, chosen, rejected = dpo_loss.compute_dpo_loss_loader(make_loader(group), policy, reference, beta)
        table[kind] = (len(group), chosen - rejected)
    return table


def run(solutions, data, train_size, epochs, lr, beta, eval_freq, out):
    import torch
    from course_data.download import DownloadError
    from course_data.gpt2 import get_encoding
    from course_data.preferences import default_preference_data, load_preference_data
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from torch.utils.data import DataLoader

    console = Console(file=sys.stdout)  # bound now: the training loop's prints are redirected to it
    _, module = load_tree(solutions)
    folder = output_dir(out, "dpo")
    start = time.perf_counter()
    gpt, pretraining = module("ch04/gpt.py"), module("ch05/pretraining.py")
    instruction_data = module("ch07/instruction_data.py")
    prefs, dpo_loss = module("dpo/preference_data.py"), module("dpo/dpo_loss.py")
    training = module("dpo/dpo_training.py")
    cfg = {**_pretrained.SMALL_GPT_CONFIG, "drop_rate": 0.0}   # the notebook tunes without dropout
    try:
        entries = default_preference_data() if data == "default" else load_preference_data()
        train_data, _, val_data = instruction_data.split_data(entries)
        train_data = train_data[:train_size] if train_size else train_data
        console.print("Pretrained small GPT (trained once on the course's corpus, then cached) ...")
        def show(line):
            console.print("  " + line, markup=False, highlight=False)

        # looked up at the call, not at import, so that a stand-in (the demo's test) is the one used
        pretrained = _pretrained.pretrained_gpt(gpt.GPTModel, pretraining.train_model_simple, progress=show)
        policy, reference = gpt.GPTModel(cfg), gpt.GPTModel(cfg)
        policy.load_state_dict(pretrained.state_dict())
        reference.load_state_dict(pretrained.state_dict())
        reference.eval()
        tokenizer = get_encoding()
        collate = partial(prefs.custom_collate_fn, device="cpu", mask_prompt_tokens=True,
                          allowed_max_length=cfg["context_length"])

        def loader(part, train=False):
            return DataLoader(prefs.PreferenceDataset(part, tokenizer), batch_size=BATCH_SIZE, collate_fn=collate,
                              shuffle=train, drop_last=train, num_workers=0)

        torch.manual_seed(123)
        train_loader, val_loader = loader(train_data, train=True), loader(val_data)
        before = dpo_loss.evaluate_dpo_loss_loader(policy, reference, train_loader, val_loader, beta, eval_iter=1)
        console.print(f"{len(train_data)} training pairs ({len(train_loader)} steps an epoch), {len(val_data)} "
                      f"validation pairs ({'generated' if data == 'default' else 'the book'}); before tuning: "
                      f"loss {before['val_loss']:.3f}, reward margin {_margin(before, 'val'):.3f} (the policy is the "
                      "reference)")
        optimizer = torch.optim.AdamW(policy.parameters(), lr=lr, weight_decay=0.01)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("DPO", total=epochs * len(train_loader))
            # a step is two forward passes of the policy in training mode (the evaluations run in eval mode)
            hook = policy.register_forward_hook(lambda m, i, o: progress.advance(task, 0.5) if m.training else None)
            printed = _Lines(lambda line: progress.console.print(line, markup=False, highlight=False))
            tuned = time.perf_counter()
            with contextlib.redirect_stdout(printed):
                tracking = training.train_model_dpo_simple(
                    policy, reference, train_loader, val_loader, optimizer, num_epochs=epochs, beta=beta,
                    eval_freq=eval_freq, eval_iter=EVAL_ITER, start_context=instruction_data.format_input(val_data[0]),
                    tokenizer=tokenizer)
            tuned = time.perf_counter() - tuned
            hook.remove()
        after = dpo_loss.evaluate_dpo_loss_loader(policy, reference, train_loader, val_loader, beta, eval_iter=5)
        policy.eval()
        with torch.no_grad():
            kinds = _by_kind(val_data, loader, dpo_loss, policy, reference, beta)
    except NotImplementedError as exc:
        raise not_ready(exc, "Part of your chapter 4, 5, 7 or DPO code") from None
    except DownloadError as exc:
        raise click.ClickException(str(exc)) from None
    plot = _plot(tracking, before, eval_freq, folder / "reward-margins.png")
    console.print(f"After {epochs} epoch(s) of DPO ({tuned:.0f} s): loss {after['val_loss']:.3f}, reward margin "
                  f"{_margin(after, 'val'):.3f} on validation ({_margin(after, 'train'):.3f} on training); chosen "
                  f"reward {after['val_chosen_reward']:.3f}, rejected {after['val_rejected_reward']:.3f}")
    console.print("Reward margin by kind of rejected response (validation pairs): " + ", ".join(
        f"{kind} {margin:.3f} ({n})" for kind, (n, margin) in kinds.items()))
    console.print(f"File: {plot} · {time.perf_counter() - start:.0f} s")


@click.command("dpo")
@click.option("--solutions", is_flag=True, help="Run the reference solutions instead of your code.")
@click.option("--data", type=click.Choice(["default", "book"]), default="default", show_default=True,
              help="The course's generated preference pairs, or the book's 1,100 entries (downloaded once).")
@click.option("--train-size", default=240, show_default=True,
              help="Training pairs used (0: all 935), 8 to a step. The notebook trains on all of them.")
@click.option("--epochs", default=1, show_default=True, help="Epochs of DPO; the notebook trains one.")
@click.option("--lr", default=1e-4, show_default=True,
              help="Learning rate. The notebook's 5e-6 suits GPT-2 medium; this small model moves with larger steps.")
@click.option("--beta", default=0.1, show_default=True, help="DPO's beta, as in the notebook.")
@click.option("--eval-freq", default=5, show_default=True, help="Steps between evaluations (and points plotted).")
@click.option("--out", default=None, help="Output folder (default demo-output/dpo).")
def command(solutions, data, train_size, epochs, lr, beta, eval_freq, out):
    """Tune the small pretrained GPT with DPO to prefer the chosen responses, and plot the reward margins."""
    run(solutions, data, train_size, epochs, lr, beta, eval_freq, out)
