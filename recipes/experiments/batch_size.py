"""Question 1: what does the mini-batch size change?

    python recipes/experiments/batch_size.py --quick

The lecture never discusses the batch size. Here the same small convnet trains for the
same number of epochs with mini-batches of 1 (true SGD), 8, 32, 128 and the whole
training set (full-batch gradient descent), with the learning rate either kept at the
rate tuned for 32, or scaled with the batch size (lr * bs / 32, the "linear scaling rule":
an epoch of small steps then moves the weights about as far as an epoch of big ones).
For each: the final validation loss and accuracy, the time per epoch, and the gradient
noise, the mean squared distance of a mini-batch gradient from the full-batch gradient,
measured at the initial weights and at trained ones. Since this model has no batch norm, a
mini-batch gradient is exactly the mean of its images' gradients, so the noise is measured
by drawing random mini-batches from the per-image gradients; sampling without replacement
predicts noise = (N - B) / (B (N - 1)) * (the per-image variance): 1/B, and zero at B = N.
"""
# common first: it limits BLAS to one thread, which must happen before numpy loads
from common import (np, DataLoader, F, Timer, array_dataset, errorbars, evaluate, load_arrays, mean_sd, minigrad,
                    parse_args, plt, print_table, save_figure, seed_everything, seeded_convnet, small_convnet,
                    train_epoch)

BASE_BS, BASE_LR, MOMENTUM = 32, 0.02, 0.9
LR_RULES = {"not scaled": lambda b: BASE_LR, "scaled (lr*bs/32)": lambda b: BASE_LR * b / BASE_BS}


def per_image_gradients(model, x, y):
    """(N, P): the gradient of the loss of each training image alone, flattened."""
    rows = []
    for i in range(len(x)):
        model.zero_grad()
        F.cross_entropy(model(minigrad.tensor(x[i:i + 1])), y[i:i + 1]).backward()
        rows.append(np.concatenate([p.grad.array.ravel() if isinstance(p.grad, minigrad.Tensor) else p.grad.ravel()
                                    for p in model.parameters()]))
    return np.stack(rows)


def gradient_noise(grads, batch_size, draws, rng):
    """Mean of |g_B - g|^2 over `draws` random mini-batches of `batch_size` images (without replacement)."""
    full = grads.mean(axis=0)
    n = len(grads)
    if batch_size >= n:
        return 0.0
    return float(np.mean([np.sum((grads[rng.choice(n, batch_size, replace=False)].mean(0) - full) ** 2)
                          for _ in range(draws)]))


def run(data, bs, lr, epochs, seed):
    """Train from the seed's initial weights; returns (val loss, val accuracy, seconds per epoch, model)."""
    xt, yt, xv, yv = data
    model, optimizer = seeded_convnet(seed, lr, MOMENTUM)
    loader = DataLoader(array_dataset(xt, yt), batch_size=bs, shuffle=True)
    times = []
    for _ in range(epochs):
        with Timer() as t:
            loss = train_epoch(model, optimizer, loader)
        times.append(t.seconds)
        if not np.isfinite(loss):
            return float("nan"), float("nan"), float(np.median(times)), model
    return (*evaluate(model, xv, yv), float(np.median(times)), model)


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, epochs={"smoke": 1, "quick": 3, "full": 6},
                      draws={"smoke": 5, "quick": 50, "full": 200})
    data = load_arrays(args)
    n = len(data[0])
    sizes = [b for b in (1, 8, 32, 128) if b < n] + [n]
    modes = LR_RULES
    results = {(m, b): [] for m in modes for b in sizes}  # (loss, acc, s/epoch) per seed
    ref = min(sizes, key=lambda b: abs(b - BASE_BS))  # where the trained weights for the noise come from
    trained_name = f"trained (bs {ref}, {args.epochs} epochs)"
    noise = {"initial weights": [], trained_name: []}
    for seed in range(args.seeds):
        for mode, lr_for in modes.items():
            for b in sizes:
                loss, acc, sec, model = run(data, b, lr_for(b), args.epochs, seed)
                results[mode, b].append((loss, acc, sec))
                print(f"seed {seed}  {mode:>18}  bs {b:>4}  lr {lr_for(b):.4g}  val loss {loss:.4f}  "
                      f"accuracy {acc:.3f}  {sec:.2f} s/epoch", flush=True)
                if mode == "not scaled" and b == ref:
                    trained = model
        rng = np.random.default_rng(seed)
        seed_everything(seed)
        for name, model in (("initial weights", small_convnet()), (trained_name, trained)):
            grads = per_image_gradients(model, data[0], data[1])
            variance = float(np.mean(np.sum((grads - grads.mean(0)) ** 2, axis=1)))
            noise[name].append(([gradient_noise(grads, b, args.draws, rng) for b in sizes], variance))

    rows = []
    for mode in modes:
        for b in sizes:
            r = np.array(results[mode, b])
            rows.append([f"{b}{' (full)' if b == n else ''}", mode, f"{modes[mode](b):.4g}",
                         mean_sd(r[:, 0]), mean_sd(r[:, 1]), mean_sd(r[:, 2])])
    print_table(f"Batch size: {args.epochs} epochs of SGD (momentum {MOMENTUM}), {n} training images, "
                f"mean ± sd over {args.seeds} seed(s)",
                ["batch size", "learning rate", "lr", "val loss", "val accuracy", "s / epoch"], rows)
    noise_rows = []
    for name, runs in noise.items():
        measured = np.array([m for m, _ in runs])
        for j, b in enumerate(sizes):
            predicted = [(n - b) / (b * (n - 1)) * v for _, v in runs]
            noise_rows.append([b, name, mean_sd(measured[:, j]), mean_sd(predicted)])
    print_table("Gradient noise |g_B - g|^2 (g: full-batch gradient)",
                ["batch size", "weights", "measured", "(N-B)/(B(N-1)) * per-image variance"], noise_rows)

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for mode in modes:
        errorbars(axes[0], sizes, [[results[mode, b][s][0] for b in sizes] for s in range(args.seeds)], mode,
                  marker="o")
        errorbars(axes[1], sizes, [[results[mode, b][s][2] for b in sizes] for s in range(args.seeds)], mode,
                  marker="o")
    for name, runs in noise.items():
        errorbars(axes[2], sizes[:-1], [m[:-1] for m, _ in runs], f"measured, {name}", marker="o")
        b = np.array(sizes[:-1], float)
        axes[2].plot(b, np.mean([v for _, v in runs]) * (n - b) / (b * (n - 1)), "--", color="gray")
    axes[2].plot([], [], "--", color="gray", label="(N-B)/(B(N-1)) x per-image variance")
    for ax, title in zip(axes, [f"validation loss after {args.epochs} epochs", "seconds per epoch",
                                "gradient noise |g_B - g|^2"]):
        ax.set_xscale("log")
        ax.set_xlabel("mini-batch size")
        ax.set_title(title)
        ax.legend(fontsize=8)
    axes[1].set_yscale("log")
    axes[2].set_yscale("log")
    save_figure(fig, args, "batch_size.png")
    return {"results": results, "noise": noise}


if __name__ == "__main__":
    main()
