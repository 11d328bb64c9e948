"""Chapter 5 — pretraining on unlabeled data: losses, the training loop, decoding and GPT-2's weights."""
from course_data.gpt2 import use_offline

use_offline()  # tiktoken.get_encoding("gpt2") then works without a network
