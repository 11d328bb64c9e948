"""`grade demo appD`: plot the learning-rate schedule your warmup_lrs and cosine_lrs give, with the book's settings."""
from __future__ import annotations

import click

from . import load_tree, not_ready, output_dir


@click.command()
@click.option("--solutions", is_flag=True, help="Run the reference solutions instead of your exercises/.")
@click.option("--epochs", default=15, show_default=True, help="Epochs (the book: 15).")
@click.option("--batches", default=9, show_default=True, help="Batches an epoch (the book's story: 9).")
@click.option("--warmup", default=0.2, show_default=True, help="Share of the steps spent warming up.")
@click.option("--initial-lr", default=1e-4, show_default=True)
@click.option("--peak-lr", default=1e-2, show_default=True)
@click.option("--min-lr", default=1e-5, show_default=True)
@click.option("--out", "out_dir", default=None, help="Output folder (default demo-output/appD).")
def command(solutions, epochs, batches, warmup, initial_lr, peak_lr, min_lr, out_dir):
    """Plot linear warmup alone and warmup followed by cosine decay, step by step."""
    _, module = load_tree(solutions)
    training = module("appD/training.py")
    total = epochs * batches
    warmup_steps = max(1, int(warmup * total))
    try:
        flat = training.warmup_lrs(total, warmup_steps, initial_lr, peak_lr)
        cosine = training.cosine_lrs(total, warmup_steps, initial_lr, peak_lr, min_lr)
    except NotImplementedError as exc:
        raise not_ready(exc, "The learning-rate schedule") from None
    path = output_dir(out_dir, "appD") / "learning_rates.png"
    _plot(flat, cosine, warmup_steps, path)
    click.echo(f"{total} steps ({epochs} epochs of {batches} batches), {warmup_steps} of warmup")
    for label, step in (("first step", 0), ("last warmup step", warmup_steps - 1), ("end of warmup", warmup_steps),
                        ("halfway through the decay", (warmup_steps + total) // 2), ("last step", total - 1)):
        click.echo(f"  {label:<26} step {step:>4}: warmup {flat[step]:.6f}   warmup + cosine {cosine[step]:.6f}")
    click.echo(f"plot: {path}")


def _plot(flat, cosine, warmup_steps, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(range(len(flat)), flat, label="D.1 linear warmup")
    ax.plot(range(len(cosine)), cosine, label="D.2 warmup + cosine decay")
    ax.axvline(warmup_steps, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("Step")
    ax.set_ylabel("Learning rate")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
