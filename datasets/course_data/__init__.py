"""Data for the course: generated text, GPT-2's BPE files offline, and verified downloads."""
