"""Chapter 6 — finetuning for classification: a spam classifier from your own GPT."""
from course_data.gpt2 import use_offline

use_offline()  # tiktoken.get_encoding("gpt2") then works without a network
