"""Question 5: how many augmented copies does test-time augmentation need?

    python recipes/experiments/tta.py --quick

Test-time augmentation (TTA) predicts each VALIDATION image several times, once as it is
and once for each of n_aug randomly augmented copies (the training augmentation: flips,
rotations, lighting, zoom), and averages the predicted probabilities. For each seed, a model
is trained (the convnet body from random weights, unfrozen, SGDR, with augmentation, like the
end of the lesson), then its validation accuracy and loss are measured with n_aug = 0 (the
plain prediction) to 8. The spread is over seeds: each seed trains its own model and draws
its own augmented copies; the figure shows each seed's change from its own plain
prediction (paired), averaged over seeds.
"""
import os

from common import (errorbars, loss_and_accuracy, make_data, make_learner, mean_sd, np, parse_args, plt,
                    print_table, probabilities, save_figure, seed_everything, tta_probabilities)
from small_net import small_net

LR = 0.01


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, epochs={"smoke": 1, "quick": 4, "full": 8},
                      max_aug={"smoke": 2, "quick": 8, "full": 8})
    counts = list(range(args.max_aug + 1))
    accuracy, loss = [], []
    for seed in range(args.seeds):
        seed_everything(seed)
        learn = make_learner(small_net, make_data(args, augment=True), None, False, os.path.join(args.work, "learner"))
        learn.unfreeze()
        learn.fit(LR, args.epochs, cycle_len=1)
        row = [loss_and_accuracy(*probabilities(learn))]
        for n in counts[1:]:
            seed_everything(1000 * seed + n)  # the augmented copies' own draw
            row.append(loss_and_accuracy(*tta_probabilities(learn, n)))
        loss.append([r[0] for r in row])
        accuracy.append([r[1] for r in row])
        print(f"seed {seed}  accuracy by n_aug: " + " ".join(f"{a:.3f}" for a in accuracy[-1]), flush=True)

    accuracy, loss = np.array(accuracy), np.array(loss)
    print_table(f"TTA: {args.epochs} epochs of training; {args.seeds} seed(s), mean ± sd",
                ["augmented copies", "val accuracy", "val loss", "accuracy gain over n_aug=0"],
                [[n, mean_sd(accuracy[:, n]), mean_sd(loss[:, n]), mean_sd(accuracy[:, n] - accuracy[:, 0])]
                 for n in counts])

    # each seed is its own model, and models differ more than TTA changes them: so the figure shows
    # each seed's CHANGE from its own plain prediction (a paired comparison), then the mean over seeds
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    errorbars(ax1, counts, accuracy - accuracy[:, :1], "accuracy - accuracy without TTA", marker="o")
    errorbars(ax2, counts, loss - loss[:, :1], "loss - loss without TTA", marker="o", color="C1")
    for ax, what in ((ax1, "accuracy"), (ax2, "log loss")):
        ax.axhline(0, color="gray", lw=0.5)
        ax.set(xlabel="augmented copies per image (0: no TTA)", ylabel=f"change in validation {what}",
               title=f"TTA: {what} (without TTA: {mean_sd((accuracy if ax is ax1 else loss)[:, 0])})")
    save_figure(fig, args, "tta.png")
    return accuracy, loss


if __name__ == "__main__":
    main()
