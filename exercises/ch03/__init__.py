"""Chapter 3: coding attention mechanisms — from dot-product scores to multi-head causal attention."""
