"""Appendix A.3–A.4: the book's one-feature logistic regression as a computation graph, and its gradients."""
import torch
import torch.nn.functional as F
from torch.autograd import grad


def logistic_loss(x1, w1, b, y):
    """The binary cross-entropy loss of the prediction sigmoid(x1 * w1 + b) for the true label y (section A.3).

    All four arguments are tensors of shape (1,), as in the book; returns the loss, a 0-dim tensor."""
    # TODO: compute the net input z from x1, w1 and b, the activation a (a probability),
    #       and return the binary cross-entropy loss of a against y (section A.3).
    raise NotImplementedError('logistic_loss: not written yet, see the TODO above')


def loss_gradients(x1, w1, b, y):
    """The gradients of logistic_loss with respect to w1 and to b, as (grad_w1, grad_b) (section A.4).

    The arguments are plain tensors of shape (1,) that do not track gradients; leave them unchanged,
    so that calling this twice with the same tensors gives the same gradients."""
    # TODO: return (dloss/dw1, dloss/db) computed by autograd (section A.4), each of shape (1,).
    #       Track gradients on your own copies of w1 and b, not on the caller's tensors.
    raise NotImplementedError('loss_gradients: not written yet, see the TODO above')
