"""Chapter 4 — implementing a GPT model from scratch: layer norm, GELU, transformer blocks, GPTModel."""
