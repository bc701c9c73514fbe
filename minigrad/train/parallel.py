"""The Learner's seam for data parallelism: the few places where one process and many differ.

The Learner holds a strategy in `learner.parallel` and calls it at these seams, in its own code:
    training_shard(loader)          learner.train_batches: this process's part of each training epoch
    sync_gradients(backward_ran)    learner.train_step, between backward and optimizer.step
    reduce_loss(loss)               learner.train_step: the loss every process reports
    evaluation_shard(loader)        Predictions._evaluate: this process's part of an evaluation pass
    gather_predictions(...)         Predictions._evaluate: every part, back in the data set's order
    main_process_first()            learner.activations: one process computes the precompute cache
    is_main_process                 learner.log, save, checkpoint.write, export: who prints and writes
SingleProcess, here, is the default and the lesson's case: every seam is the identity (the whole
loader, nothing to average, this process writes). minigrad.distributed.learner.DataParallel
implements the same seams with MPI for `mpiexec -n N`; wrap_learner puts it in learner.parallel.
"""
import contextlib


class SingleProcess:
    """One process trains alone: it takes every sample, averages with no one, and writes its files."""

    world_size = 1
    is_main_process = True  # prints, and writes checkpoints, weights and the precompute cache

    def training_shard(self, loader):
        """The mini-batches this process trains on each epoch: all of them."""
        return loader

    def sync_gradients(self, backward_ran=True):
        """Before optimizer.step: the gradients are this process's own, already complete."""

    def reduce_loss(self, loss):
        """The training loss to report and stop on: this process's."""
        return loss

    def evaluation_shard(self, loader):
        """The batches this process predicts in an evaluation pass (validate, predict, TTA): all of them."""
        return loader

    def gather_predictions(self, loader, log_preds, targets, loss):
        """(log_preds, targets, loss) over the whole data set: this process already has them."""
        return log_preds, targets, loss

    def main_process_first(self):
        """A block (computing the precompute cache) that one process runs before the others: just run it."""
        return contextlib.nullcontext()

    def __repr__(self):
        return "SingleProcess()"
