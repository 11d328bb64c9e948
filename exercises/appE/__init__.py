"""Appendix E — parameter-efficient finetuning with LoRA, on your chapter-6 classifier."""
from course_data.gpt2 import use_offline

use_offline()  # tiktoken.get_encoding("gpt2") then works without a network
