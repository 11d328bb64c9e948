"""Appendix A.3–A.4: the book's one-feature logistic regression as a computation graph, and its gradients."""
import torch
import torch.nn.functional as F
from torch.autograd import grad


def logistic_loss(x1, w1, b, y):
    """The binary cross-entropy loss of the prediction sigmoid(x1 * w1 + b) for the true label y (section A.3).

    All four arguments are tensors of shape (1,), as in the book; returns the loss, a 0-dim tensor."""
    ### BEGIN SOLUTION: compute the net input z from x1, w1 and b, the activation a (a probability),
    ### and return the binary cross-entropy loss of a against y (section A.3).
    z = x1 * w1 + b
    a = torch.sigmoid(z)
    return F.binary_cross_entropy(a, y)
    ### END SOLUTION


def loss_gradients(x1, w1, b, y):
    """The gradients of logistic_loss with respect to w1 and to b, as (grad_w1, grad_b) (section A.4).

    The arguments are plain tensors of shape (1,) that do not track gradients; leave them unchanged,
    so that calling this twice with the same tensors gives the same gradients."""
    ### BEGIN SOLUTION: return (dloss/dw1, dloss/db) computed by autograd (section A.4), each of shape (1,).
    ### Track gradients on your own copies of w1 and b, not on the caller's tensors.
    w1 = w1.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    loss = logistic_loss(x1, w1, b, y)
    grad_L_w1 = grad(loss, w1, retain_graph=True)[0]
    grad_L_b = grad(loss, b, retain_graph=True)[0]
    return grad_L_w1, grad_L_b
    ### END SOLUTION
