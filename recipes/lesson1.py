"""fast.ai lesson 1, the whole method, with minigrad.

    python recipes/lesson1.py                      # offline, on the built-in generated data
    python recipes/lesson1.py --data ../shared/data/dogscats --arch resnet18 --size 64
    python recipes/lesson1.py --data ~/data/dogscats --weights resnet34-b627a593.pth

The eight steps of the lecture, each announced with the concept it shows:
 1. data augmentation on, precompute on      5. unfreeze the body
 2. lr_find                                  6. differential learning rates
 3. train the head on precomputed activations 7. lr_find again
 4. precompute off: SGDR with cycle_len=1     8. SGDR with cycle_mult=2 until over-fitting
then the validation accuracy with and without test-time augmentation, the plots,
and metrics.json in --out.
"""
import argparse
import json
import os
import sys
import time


sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigrad  # noqa: E402
from minigrad import distributed  # noqa: E402
import models  # noqa: E402
from minigrad import metrics  # noqa: E402
from minigrad.data import ImageClassifierData, make_shapes_dataset, transforms_side_on  # noqa: E402
from minigrad.weights import PRETRAINED  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="fast.ai lesson 1 with minigrad: a classifier fine-tuned the lecture's way")
    p.add_argument("--data", default=None, help="a dogscats-layout folder (train/<class>, valid/<class>); "
                   "default: minigrad's generated circles-vs-crosses data, made offline")
    p.add_argument("--arch", default="resnet34", choices=["resnet18", "resnet34", "resnet50"])
    p.add_argument("--size", type=int, default=None, help="image side (default 224, or 32 for the built-in data)")
    p.add_argument("--bs", type=int, default=32, help="mini-batch size")
    p.add_argument("--weights", default=None, help="ImageNet weights for --arch (.pth, .safetensors or .npz)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--out", default="runs/lesson1", help="where plots, checkpoints and metrics.json go")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=None, help="the head's learning rate (default: from lr_find)")
    p.add_argument("--cycles", type=int, default=3, help="SGDR cycles in step 8, cycle_mult=2: 3 cycles are "
                   "1+2+4 epochs, as in the lecture; each more doubles the training")
    p.add_argument("--workers", type=int, default=2, help="threads that decode and augment images")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last finished epoch")
    return p.parse_args(argv)


def step(n, title, concept):
    print(f"\n=== step {n}/8: {title}\n    ({concept})", flush=True)


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    distributed.init_process_group()  # under mpiexec: one process per rank (and GPU); else a world of one
    distributed.quiet_other_ranks()
    minigrad.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)

    if args.data is None:
        with distributed.main_process_first():  # one rank writes the images, the others find them
            path = make_shapes_dataset()
        size = args.size or 32
        print(f"data: minigrad's built-in generated images (circles vs crosses), {path}")
    else:
        path, size = args.data, args.size or 224
        print(f"data: {path}")
    if args.weights is None:
        print(f"weights: none given, so {args.arch} starts from RANDOM initialisation: the 'pretrained' body knows "
              f"nothing yet, and the early steps mostly show the mechanics. For the lecture's transfer learning, "
              f"get torchvision's ImageNet weights ({PRETRAINED[args.arch]}), e.g. with "
              f"`python -m minigrad.weights download {args.arch}`, and pass --weights FILE.")
    else:
        print(f"weights: {args.weights}")
    arch = getattr(models, args.arch)

    step(1, "data augmentation on, precompute on",
         "augmentation: random flips, rotations up to 10 degrees, lighting, zoom; precompute: the frozen body's "
         "activations computed once and cached")
    data = ImageClassifierData.from_paths(path, size=size, bs=args.bs, aug_tfms=transforms_side_on, max_zoom=1.1,
                                          num_workers=args.workers)
    print(f"    {len(data.trn_ds)} training and {len(data.val_ds)} validation images, classes {data.classes}, "
          f"{size}px, mini-batches of {args.bs}")
    learn = models.ConvLearner.pretrained(arch, data, weights=args.weights, precompute=True, device=args.device,
                                          out_dir=args.out)

    step(2, "lr_find", "the learning-rate range test: the loss as the rate grows exponentially, one mini-batch each")
    found = learn.lr_find(name="lr_find_head")
    lr = args.lr or 1e-2
    print(f"    lr_find suggests {found.suggestion:.2g}; the lecture read 0.01 off this plot (the loss still "
          f"falling clearly), and so does this recipe unless you pass --lr: using {lr:.2g}")

    step(3, "train the head from precomputed activations", "frozen body, 2 epochs of SGD at a constant rate")
    learn.fit(lr, 2, checkpoint="3-head-precomputed", resume=args.resume)

    step(4, "precompute off, SGDR with cycle_len=1",
         "data augmentation now takes effect; the rate follows a cosine from lr to ~0 within each epoch, then restarts")
    learn.precompute = False
    learn.fit(lr, 3, cycle_len=1, checkpoint="4-head-augmented", resume=args.resume)

    step(5, "unfreeze", "every layer group now trains; frozen batch norms return to training mode")
    learn.unfreeze()

    ratio = 10 if args.weights else 3
    lrs = [lr / ratio ** 2, lr / ratio, lr]
    step(6, "differential learning rates",
         f"one rate per layer group (stem..layer2, layer3..layer4, head): {', '.join(f'{r:.2g}' for r in lrs)}, "
         f"each {ratio}x lower than the next" + ("" if args.weights else " (3x, not 10x: a randomly initialised body "
                                                                     "has everything to learn)"))

    step(7, "lr_find again", "the range test on the unfrozen network, the groups' ratios kept")
    again = learn.lr_find(start_lr=[r / 1000 for r in lrs], name="lr_find_unfrozen")
    print(f"    lr_find suggests {again.suggestion:.2g} for the head; the recipe keeps {lr:.2g}, as the lecture does")

    cycles = args.cycles
    step(8, f"SGDR with cycle_mult=2, {cycles} cycles", "cycles of 1, 2, 4... epochs; the losses show when "
         "validation loss starts rising (over-fitting)")
    learn.fit(lrs, cycles, cycle_len=1, cycle_mult=2, checkpoint="8-unfrozen-sgdr", resume=args.resume)

    print("\n=== results")
    probs, targets = learn.predict()
    accuracy = metrics.accuracy(probs, targets)
    tta_probs, tta_targets = learn.TTA(n_aug=4)
    accuracy_tta = metrics.accuracy(tta_probs, tta_targets)
    print(f"validation accuracy {accuracy:.4f}; with test-time augmentation (4 augmented copies, "
          f"probabilities averaged) {accuracy_tta:.4f}")
    matrix = metrics.confusion_matrix(probs, targets, data.c)
    print("confusion matrix (rows: actual, columns: predicted), classes", data.classes)
    print(matrix)
    plots = [found.plot_path, again.plot_path, learn.plot_lr(), learn.plot_losses(),
             learn.plot_confusion_matrix(probs, targets), learn.plot_most_confident_wrong(probs, targets)]
    model_path = learn.save(f"lesson1-{args.arch}")
    seconds = time.time() - started
    result = {"accuracy": accuracy, "accuracy_tta": accuracy_tta, "seconds": seconds,
              "log_loss": metrics.log_loss(probs, targets), "arch": args.arch, "size": size, "data": path,
              "weights": args.weights, "device": args.device, "seed": args.seed, "lr": lr,
              "history": learn.history, "confusion_matrix": matrix.tolist(), "classes": data.classes,
              "plots": [p for p in plots if p], "model": model_path}
    if distributed.is_main_process():
        with open(os.path.join(args.out, "metrics.json"), "w") as f:
            json.dump(result, f, indent=2)
    for p in plots:
        if p:
            print(f"plot: {p}")
    print(f"model: {model_path}\nmetrics: {os.path.join(args.out, 'metrics.json')}\ntime: {seconds:.0f} s")
    return result


if __name__ == "__main__":
    main()
