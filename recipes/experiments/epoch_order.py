"""Question 3: does the order in which an epoch visits the training images matter?

    python recipes/experiments/epoch_order.py --quick

An epoch uses every training image once; the notes guess that "the traversal order should
probably be random". Three orders, the same images, model, rate and number of steps:
  shuffled every epoch  DataLoader(shuffle=True): a new permutation each epoch (the default)
  fixed random order    one permutation drawn once, then the same order every epoch
  sorted by class       every circle, then every cross, every epoch (the order a folder gives)
The validation loss and accuracy are measured four times an epoch: a model fed one class
for half an epoch learns "everything is a circle", then "everything is a cross".
"""
# common first: it limits BLAS to one thread, which must happen before numpy loads
from common import (np, DataLoader, array_dataset, errorbars, fit_and_watch, load_arrays, mean_sd, parse_args,
                    plt, print_table, save_figure, seeded_convnet)

LR, BS, MOMENTUM = 0.02, 32, 0.9
EVALS_PER_EPOCH = 4


def loader_for(order, x, y, seed):
    """A DataLoader that visits (x, y) in the given order."""
    if order == "shuffled every epoch":
        return DataLoader(array_dataset(x, y), batch_size=BS, shuffle=True)
    if order == "fixed random order":
        index = np.random.default_rng(seed).permutation(len(y))
    else:  # sorted by class; a stable sort keeps the folder's order inside a class
        index = np.argsort(y, kind="stable")
    return DataLoader(array_dataset(x[index], y[index]), batch_size=BS, shuffle=False)


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, epochs={"smoke": 2, "quick": 6, "full": 10})
    xt, yt, xv, yv = load_arrays(args)
    orders = ["shuffled every epoch", "fixed random order", "sorted by class"]
    runs = {order: [] for order in orders}
    for seed in range(args.seeds):
        for order in orders:
            model, optimizer = seeded_convnet(seed, LR, MOMENTUM)  # the same initial weights for the three orders
            losses, accs = fit_and_watch(model, optimizer, loader_for(order, xt, yt, seed), args.epochs, xv, yv,
                                         EVALS_PER_EPOCH)
            runs[order].append((losses, accs))
            print(f"seed {seed}  {order:>20}  final val loss {losses[-1]:.4f}  accuracy {accs[-1]:.3f}", flush=True)

    last = slice(-EVALS_PER_EPOCH, None)  # the four measurements of the last epoch
    rows = [[order, mean_sd([r[0][-1] for r in rs]), mean_sd([r[1][-1] for r in rs]),
             mean_sd([max(r[0][last]) for r in rs]), mean_sd([min(r[1][last]) for r in rs])]
            for order, rs in runs.items()]
    print_table(f"Epoch order: {args.epochs} epochs, lr {LR}, batch {BS}, momentum {MOMENTUM}; mean ± sd over "
                f"{args.seeds} seed(s)",
                ["order", "final val loss", "final accuracy", "worst val loss in the last epoch",
                 "worst accuracy in the last epoch"], rows)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for order, rs in runs.items():
        x = np.arange(1, len(rs[0][0]) + 1) / EVALS_PER_EPOCH
        errorbars(ax1, x, [r[0] for r in rs], order, marker=".")
        errorbars(ax2, x, [r[1] for r in rs], order, marker=".")
    ax1.set(yscale="log", xlabel="epoch", ylabel="validation loss", title="validation loss, 4 times an epoch")
    ax2.set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy")
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    save_figure(fig, args, "epoch_order.png")
    return runs


if __name__ == "__main__":
    main()
