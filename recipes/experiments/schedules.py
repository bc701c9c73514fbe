"""Question 2: which learning-rate schedule, and does SGDR's restart jump to another basin?

    python recipes/experiments/schedules.py --quick

Five schedules train the same small convnet for the same number of epochs (the budget that
fastai's fit(lr, 3, cycle_len=1, cycle_mult=2) takes: 1 + 2 + 4 = 7): a constant rate, step
decay (x0.1 at half the budget, x0.01 at three quarters), one cosine over the whole budget,
and SGDR (fastai's per-iteration cosine with restarts, minigrad.optim.sgdr_multiplier) with
cycle_len=1, cycle_mult=1 and cycle_mult=2. The validation loss is measured four times an
epoch, so the restarts show.

Then the question the notes ask ("why drop the rate almost to zero only to jump?"): take the
weights at the end of one SGDR cycle (rate ~0) and at the end of the next one (after the
restart and a new descent), and evaluate the training loss along the straight line between
them, w(a) = (1 - a) w_before + a w_after. A bump in the middle (a barrier) means the restart
carried the weights over a ridge into another basin; a flat or convex line means the two
points are in one valley. The same is done for the constant rate between the same two epochs.
"""
# common first: it limits BLAS to one thread, which must happen before numpy loads
from common import (np, DataLoader, array_dataset, errorbars, evaluate, fit_and_watch, get_weights, load_arrays,
                    mean_sd, parse_args, plt, print_table, save_figure, seeded_convnet)
from minigrad.optim import sgdr_multiplier

LR, BS, MOMENTUM = 0.02, 32, 0.9
EVALS_PER_EPOCH = 4
ALPHAS = np.linspace(-0.25, 1.25, 13)


def schedules(epochs, n_mult2):
    """name -> factor(iteration, batches per epoch) multiplying LR."""
    return {
        "constant": lambda t, nb: 1.0,
        "step decay": lambda t, nb: 1.0 if t < epochs * nb / 2 else 0.1 if t < epochs * nb * 3 / 4 else 0.01,
        "cosine annealing": lambda t, nb: sgdr_multiplier(t, nb, 1, cycle_len=epochs),
        "SGDR cycle_len=1": lambda t, nb: sgdr_multiplier(t, nb, epochs, cycle_len=1, cycle_mult=1),
        "SGDR cycle_len=1, cycle_mult=2": lambda t, nb: sgdr_multiplier(t, nb, n_mult2, cycle_len=1, cycle_mult=2),
    }


def train(data, factor, epochs, seed):
    """Returns (validation losses at each evaluation, final accuracy, weights at each epoch end, model)."""
    xt, yt, xv, yv = data
    model, optimizer = seeded_convnet(seed, LR, MOMENTUM)
    loader = DataLoader(array_dataset(xt, yt), batch_size=BS, shuffle=True)
    snapshots = []
    losses, accuracies = fit_and_watch(model, optimizer, loader, epochs, xv, yv, EVALS_PER_EPOCH, lr_at=factor,
                                       on_epoch_end=lambda m: snapshots.append(get_weights(m)))
    return losses, accuracies[-1], snapshots, model


def line_losses(model, before, after, x, y):
    """Training loss at w(a) = (1 - a) before + a after, for each a in ALPHAS."""
    out = []
    for a in ALPHAS:
        model.load_state_dict({k: (1 - a) * before[k] + a * after[k] for k in before})
        out.append(evaluate(model, x, y)[0])
    return out


def barrier(line):
    """How far the loss along the path rises above the higher of its two ends (0 or less: no ridge)."""
    line = np.asarray(line)
    inside = (ALPHAS > 0) & (ALPHAS < 1)
    return float(line[inside].max() - max(line[ALPHAS == 0][0], line[ALPHAS == 1][0]))


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, n_mult2={"smoke": 2, "quick": 3, "full": 4})
    epochs = 2 ** args.n_mult2 - 1  # 1 + 2 + 4 + ...: the budget of the cycle_mult=2 schedule
    data = load_arrays(args)
    k = epochs - 1  # the last restart, between the ends of epochs k and k + 1: the model has learnt by then
    runs = {name: [] for name in schedules(epochs, args.n_mult2)}
    line_of = {"SGDR cycle_len=1": "SGDR: end of cycle -> end of next cycle",
               "constant": "constant rate: same two epochs"}
    lines = {line: [] for line in line_of.values()}
    for seed in range(args.seeds):
        for name, factor in schedules(epochs, args.n_mult2).items():
            losses, acc, snapshots, model = train(data, factor, epochs, seed)
            runs[name].append((losses, acc))
            print(f"seed {seed}  {name:>30}  final val loss {losses[-1]:.4f}  accuracy {acc:.3f}", flush=True)
            if name in line_of:
                lines[line_of[name]].append(line_losses(model, snapshots[k - 1], snapshots[k], data[0], data[1]))

    rows = [[name, mean_sd([r[0][-1] for r in rs]), mean_sd([min(r[0]) for r in rs]), mean_sd([r[1] for r in rs])]
            for name, rs in runs.items()]
    print_table(f"Schedules: {epochs} epochs, lr {LR}, batch {BS}, momentum {MOMENTUM}; mean ± sd over "
                f"{args.seeds} seed(s)", ["schedule", "final val loss", "best val loss", "final accuracy"], rows)
    print_table(f"Training loss along the line between the weights after epoch {k} and after epoch {k + 1}",
                ["path", "loss at a=0", "loss at a=0.5", "loss at a=1", "barrier (max inside - higher end)"],
                [[name, mean_sd([ln[list(ALPHAS).index(0)] for ln in ls]), mean_sd([ln[len(ALPHAS) // 2] for ln in ls]),
                  mean_sd([ln[list(ALPHAS).index(1)] for ln in ls]), mean_sd([barrier(ln) for ln in ls])]
                 for name, ls in lines.items()])

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, rs in runs.items():
        curves = [r[0] for r in rs]
        errorbars(ax1, np.arange(1, len(curves[0]) + 1) / EVALS_PER_EPOCH, curves, name, marker=".")
    ax1.set(yscale="log", xlabel="epoch", ylabel="validation loss", title=f"same budget: {epochs} epochs")
    for name, ls in lines.items():
        errorbars(ax2, ALPHAS, ls, name, marker="o")
    ax2.axvline(0, color="gray", lw=0.5)
    ax2.axvline(1, color="gray", lw=0.5)
    ax2.set(yscale="log", xlabel=f"a  (0: weights after epoch {k}, 1: after epoch {k + 1})",
            ylabel="training loss", title="loss along the straight line between the two weights")
    ax1.legend(fontsize=8)
    ax2.legend(fontsize=8)
    save_figure(fig, args, "schedules.png")
    return {"runs": runs, "lines": lines}


if __name__ == "__main__":
    main()
