"""Chapter 7 — finetuning to follow instructions: Alpaca prompts, padded batches, training, judging."""
from course_data.gpt2 import use_offline

use_offline()  # tiktoken.get_encoding("gpt2") then works without a network
