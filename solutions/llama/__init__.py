"""Bonus chapter — from GPT to Llama 3 and Qwen3: RMSNorm, SwiGLU, rotary embeddings, grouped-query attention."""
