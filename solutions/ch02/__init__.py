"""Chapter 2 — working with text data: tokenizers, data loaders and embeddings."""
from course_data.gpt2 import use_offline

use_offline()  # tiktoken.get_encoding("gpt2") then works without a network
