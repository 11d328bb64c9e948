"""Appendix D — the training loop as used in practice: learning-rate warmup, cosine decay, gradient clipping."""
from course_data.gpt2 import use_offline

use_offline()  # tiktoken.get_encoding("gpt2") then works without a network
