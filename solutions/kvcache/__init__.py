"""Bonus: the KV cache — chapter 4's GPT keeps the keys and values of earlier tokens, so generation feeds one
token at a time (the book repository's ch04/03_kv-cache)."""
