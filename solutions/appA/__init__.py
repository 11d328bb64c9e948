"""Appendix A — introduction to PyTorch: tensors, autograd, a small network, data loaders, training, DDP on CPU."""
