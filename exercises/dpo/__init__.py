"""Bonus: preference tuning with DPO — preference pairs, masked batches, the DPO loss, a frozen reference model."""
from course_data.gpt2 import use_offline

use_offline()  # tiktoken.get_encoding("gpt2") then works without a network
