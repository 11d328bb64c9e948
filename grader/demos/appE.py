"""`grade demo appE`: chapter 6's spam classifier finetuned with LoRA (appendix E) instead of the last block."""
from __future__ import annotations

import click

from .ch06 import run


@click.command("appE")
@click.option("--solutions", is_flag=True, help="Run the reference solutions instead of your code.")
@click.option("--epochs", default=3, show_default=True, help="Finetuning epochs (the book trains 5).")
@click.option("--data", type=click.Choice(["default", "book"]), default="default", show_default=True,
              help="The course's generated messages, or the book's UCI collection (downloaded once).")
@click.option("--out", default=None, help="Output folder (default demo-output/appE).")
def command(solutions, epochs, data, out):
    """Finetune the small pretrained GPT as a spam classifier with LoRA, rank 16 (appendix E)."""
    run(solutions, epochs, data, out, lora=True, chapter="appE")
