"""BPE from scratch (the book repository's bonus notebook): train, encode, decode, GPT-2's own files."""
from course_data.gpt2 import use_offline

use_offline()  # tiktoken.get_encoding("gpt2"), to compare with, then works without a network
