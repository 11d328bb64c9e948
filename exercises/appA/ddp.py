"""Appendix A.9.3: distributed data parallel training on CPU — one process per rank, gloo, a DistributedSampler."""
import os

import torch
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.distributed import destroy_process_group, init_process_group
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler

from .neural_network import NeuralNetwork


def ddp_setup(rank, world_size):
    """Join the process group of world_size processes as process number `rank` (section A.9.3).

    On CPU the backend is gloo (the book's nccl needs NVIDIA GPUs). The processes meet where rank 0
    listens: localhost, port 12345."""
    # TODO: set the environment variables MASTER_ADDR and MASTER_PORT to where rank 0 listens
    #       (localhost, 12345), then initialize the process group: gloo backend, this rank, world_size (A.9.3).
    raise NotImplementedError('ddp_setup: not written yet, see the TODO above')


def prepare_loader(train_ds, batch_size=2):
    """This process's training DataLoader: a DistributedSampler hands each rank its own share of train_ds,
    reshuffled every epoch; batch_size examples per batch, a smaller last batch dropped (A.9.3)."""
    # TODO: return a DataLoader over train_ds whose sampler is a DistributedSampler of train_ds,
    #       with batch_size examples per batch and no smaller last batch (the training loader of section A.9.3).
    raise NotImplementedError('prepare_loader: not written yet, see the TODO above')


def main(rank, world_size, num_epochs, train_ds, initial_state, save_dir, lr=0.5, batch_size=2):
    """Process `rank` of DDP training: the book's NeuralNetwork(num_inputs=2, num_outputs=2), starting from
    the weights in initial_state (a state_dict), trained on this rank's share of train_ds for num_epochs
    with SGD (learning rate lr) and the cross-entropy loss; this rank's copy of the trained weights is
    saved as save_dir/model_rank{rank}.pth, then the process leaves the group (section A.9.3)."""
    # TODO: join the group, build the model from initial_state, and train it wrapped in DDP on this
    #       rank's loader as in section A.7, with a new shuffle every epoch. Then save the wrapped network's own
    #       state_dict to save_dir/model_rank{rank}.pth and leave the group (section A.9.3).
    raise NotImplementedError('main: not written yet, see the TODO above')


def run_ddp(train_ds, initial_state, num_epochs, save_dir, world_size=2):
    """Run main in world_size processes, ranks 0 .. world_size - 1, and return when all have finished (A.9.3).

    The book starts them with mp.spawn: each is a fresh Python that imports torch again (seconds
    apiece). torch.multiprocessing.start_processes with start_method="fork" copies this process instead."""
    # TODO: start world_size processes that each run main with their own rank and the arguments
    #       (world_size, num_epochs, train_ds, initial_state, save_dir); wait until all of them are done (A.9.3).
    raise NotImplementedError('run_ddp: not written yet, see the TODO above')


if __name__ == "__main__":
    # python -m exercises.appA.ddp: the book's toy data on two CPU processes, then rank 0's model evaluated
    import tempfile

    from .data import ToyDataset
    from .training import compute_accuracy

    X_train = torch.tensor([[-1.2, 3.1], [-0.9, 2.9], [-0.5, 2.6], [2.3, -1.1], [2.7, -1.5]])
    y_train = torch.tensor([0, 0, 0, 1, 1])
    X_test = torch.tensor([[-0.8, 2.8], [2.6, -1.6]])
    y_test = torch.tensor([0, 1])
    torch.manual_seed(123)
    network = NeuralNetwork(num_inputs=2, num_outputs=2)
    with tempfile.TemporaryDirectory() as folder:
        run_ddp(ToyDataset(X_train, y_train), network.state_dict(), num_epochs=3, save_dir=folder)
        network.load_state_dict(torch.load(os.path.join(folder, "model_rank0.pth"), weights_only=True))
    for name, X, y in (("Training", X_train, y_train), ("Test", X_test, y_test)):
        loader = DataLoader(ToyDataset(X, y), batch_size=2)
        print(f"{name} accuracy: {compute_accuracy(network, loader):.2f}")
