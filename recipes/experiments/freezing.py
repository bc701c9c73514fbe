"""Question 4: how much comes from the pretrained body, how much from training the head, and
what do precompute and augmentation change?

    python recipes/experiments/freezing.py --quick

A small convnet body is pretrained once on other generated images of the two shapes (the
stand-in for ImageNet), then ConvLearner.pretrained puts fastai's head on it and each variant
trains for the same epochs with SGDR (cycle_len=1), as in the lecture:
  head only, precompute on           the frozen body's activations cached; augmentation can't act
  head only, precompute off, no aug  the same training, but every image through the whole network
  head only, precompute off, aug     now augmentation acts (flips, rotations, lighting, zoom)
  fine-tune all, one rate            unfreeze(): every layer group at the head's rate
  fine-tune all, differential rates  unfreeze(), rates [lr/9, lr/3, lr] for stem..layer2, layer3..4, head
  random body, head only             no pretraining: what the head alone can do on random features
  random body, train all             no pretraining, every layer trained (from scratch)
The table gives the validation loss and accuracy, and the seconds per epoch (the first
precompute run includes computing the cache once; later seeds reuse it from disk).
"""
import os

from common import (Timer, loss_and_accuracy, make_data, make_learner, mean_sd, np, parse_args, plt, print_table,
                    probabilities, save_figure, seed_everything)
from small_net import pretrain_body, small_net

LR = 0.01
VARIANTS = {  # name -> (pretrained body?, precompute, augmentation, unfrozen, rates)
    "head only, precompute on": (True, True, True, False, LR),
    "head only, precompute off, no aug": (True, False, False, False, LR),
    "head only, precompute off, aug": (True, False, True, False, LR),
    "fine-tune all, one rate": (True, False, True, True, LR),
    "fine-tune all, differential rates": (True, False, True, True, [LR / 9, LR / 3, LR]),
    "random body, head only": (False, True, True, False, LR),
    "random body, train all": (False, False, True, True, LR),
}


def run(args, name, weights, seed):
    pretrained, precompute, augment, unfrozen, lrs = VARIANTS[name]
    seed_everything(seed)
    learn = make_learner(small_net, make_data(args, augment), weights if pretrained else None, precompute,
                         os.path.join(args.work, "learner"))
    if unfrozen:
        learn.unfreeze()
    with Timer() as t:
        learn.fit(lrs, args.epochs, cycle_len=1)
    loss, acc = loss_and_accuracy(*probabilities(learn))
    return loss, acc, t.seconds / args.epochs, list(learn.history["val_loss"])


def main(argv=None):
    args = parse_args(__doc__.splitlines()[0], argv, epochs={"smoke": 1, "quick": 3, "full": 6},
                      pretrain={"smoke": 1, "quick": 3, "full": 5})
    weights = pretrain_body(args, args.pretrain)
    runs = {name: [] for name in VARIANTS}
    for seed in range(args.seeds):
        for name in VARIANTS:
            result = run(args, name, weights, seed)
            runs[name].append(result)
            print(f"seed {seed}  {name:>34}  val loss {result[0]:.4f}  accuracy {result[1]:.3f}  "
                  f"{result[2]:.2f} s/epoch", flush=True)

    print_table(f"Freezing and precompute: {args.epochs} epochs of SGDR (cycle_len=1), head lr {LR}; "
                f"mean ± sd over {args.seeds} seed(s)", ["variant", "val loss", "val accuracy", "s / epoch"],
                [[name, mean_sd([r[0] for r in rs]), mean_sd([r[1] for r in rs]), mean_sd([r[2] for r in rs])]
                 for name, rs in runs.items()])

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    names = list(VARIANTS)
    y = np.arange(len(names))
    for ax, column, title in zip(axes, (1, 0, 2), ("validation accuracy", "validation loss", "seconds per epoch")):
        values = np.array([[r[column] for r in runs[n]] for n in names])
        sd = values.std(axis=1, ddof=1) if values.shape[1] > 1 else np.zeros(len(names))
        ax.barh(y, values.mean(axis=1), xerr=sd, capsize=3, color=["C0"] * 3 + ["C1"] * 2 + ["C2"] * 2)
        ax.set_yticks(y)
        ax.set_yticklabels(names if column == 1 else [], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(title)
    axes[0].set_xlim(0.4, 1.0)
    save_figure(fig, args, "freezing.png")
    return runs


if __name__ == "__main__":
    main()
