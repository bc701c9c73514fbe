"""fast.ai lesson 1, the whole method, with minigrad and the lecture's own names.

    python recipes/lesson1.py                      # offline, on the built-in generated data
    python recipes/lesson1.py --data ../shared/data/dogscats --arch resnet18 --size 64
    python recipes/lesson1.py --data ~/data/dogscats --weights resnet34-b627a593.pth
    python recipes/lesson1.py --download dogscats --weights resnet34-b627a593.pth

The eight steps of the lecture, each announced with the concept it shows:
 1. data augmentation on, precompute on      5. unfreeze the body
 2. lr_find                                  6. differential learning rates
 3. train the head on precomputed activations 7. lr_find again
 4. precompute off: SGDR with cycle_len=1     8. SGDR with cycle_mult=2 until over-fitting
then the validation accuracy with and without test-time augmentation, the plots,
metrics.json, and the trained model with its class names (for recipes/classify.py) in --out.
The calls are the notebook's (recipes/lesson1.ipynb): tfms_from_model, ImageClassifierData,
ConvLearner.pretrained, learn.fit, learn.TTA, accuracy_np.
"""
import argparse
import errno
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigrad  # noqa: E402
from minigrad import distributed  # noqa: E402
from minigrad import data as mdata  # noqa: E402
from minigrad.download import DownloadError, cache_dir  # noqa: E402
from minigrad.fastai import (ConvLearner, ImageClassifierData, accuracy_np, confusion_matrix, np,  # noqa: E402
                             plot_confusion_matrix, resnet18, resnet34, resnet50, tfms_from_model,
                             transforms_side_on)
from minigrad.train import ResumeRefused, TrainingDiverged  # noqa: E402
from minigrad.train.export import export  # noqa: E402
from minigrad.weights import PRETRAINED  # noqa: E402

ARCHS = {"resnet18": resnet18, "resnet34": resnet34, "resnet50": resnet50}
GPU_HINT = "install CuPy for your CUDA with `pip install -e '.[gpu]'` in minigrad's folder (or `pip install cupy-cuda12x`)"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="fast.ai lesson 1 with minigrad: a classifier fine-tuned the lecture's way")
    p.add_argument("--data", default=None, help="a dogscats-layout folder (train/<class>, valid/<class>); "
                   "default: minigrad's generated circles-vs-crosses data, made offline")
    p.add_argument("--download", choices=["dogscats", "pets"], default=None,
                   help="download fast.ai's dogscats or the Oxford pets into minigrad's cache and use it")
    p.add_argument("--arch", default="resnet34", choices=sorted(ARCHS))
    p.add_argument("--size", type=int, default=None, help="image side (default 224, or 32 for the built-in data)")
    p.add_argument("--bs", type=int, default=32, help="mini-batch size")
    p.add_argument("--weights", default=None, help="ImageNet weights for --arch (.pth, .safetensors or .npz)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--out", default=None, help="where plots, checkpoints, the model and metrics.json go "
                   "(default runs/lesson1, or runs/lesson1-<data folder name> with --data)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=None, help="the head's learning rate (default 0.01, the lecture's)")
    p.add_argument("--cycles", type=int, default=3, help="SGDR cycles in step 8, cycle_mult=2: 3 cycles are "
                   "1+2+4 epochs, as in the lecture; each more doubles the training")
    p.add_argument("--workers", type=int, default=2, help="threads that decode and augment images")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its last finished epoch")
    p.add_argument("--skip-bad", action="store_true", help="skip unreadable images (each named) instead of stopping")
    p.add_argument("--valid-pct", type=float, default=None,
                   help="for a --data folder of class folders alone (no train/, valid/): hold out this fraction of "
                        "the images for validation, seeded by --seed; no file is moved")
    return p.parse_args(argv)


def check_args(args):
    """Every refusal is one line naming the flag and what it must be."""
    rules = [(args.size is not None and args.size < 16, f"--size must be at least 16 pixels (got {args.size})"),
             (args.bs < 2, f"--bs must be at least 2: batch norm needs 2 images to compute statistics (got {args.bs})"),
             (args.lr is not None and not args.lr > 0, f"--lr must be a positive number (got {args.lr})"),
             (args.cycles < 1, f"--cycles must be at least 1 (got {args.cycles})"),
             (args.workers < 0, f"--workers must be 0 (load in the main thread) or more (got {args.workers})"),
             (args.seed < 0, f"--seed must be 0 or more (got {args.seed})"),
             (args.valid_pct is not None and not 0 < args.valid_pct < 1,
              f"--valid-pct must lie between 0 and 1, e.g. 0.2 (got {args.valid_pct})"),
             (args.data is not None and args.download is not None, "give --data or --download, not both"),
             (args.data is not None and not os.path.isdir(args.data),
              f"--data {args.data}: no such folder (it needs train/<class>/ and valid/<class>/)"),
             (args.weights is not None and not os.path.isfile(args.weights),
              f"--weights {args.weights}: " + ("a folder; give the weight file in it"
                                               if args.weights and os.path.isdir(args.weights) else "no such file")),
             (args.device == "cuda" and not minigrad.cuda_available(), f"--device cuda: CuPy or a GPU is missing; {GPU_HINT}")]
    for broken, message in rules:
        if broken:
            raise SystemExit(f"lesson1: {message}")


def default_out(data_path=None, root="runs"):
    """runs/lesson1 for the built-in data; runs/lesson1-<folder name> for a real data set, so that one
    data set's results never overwrite another's. Two data sets in folders of the same name (two
    `dogscats`) get two: the folder records the data it holds (DATA_SOURCE), and another data folder
    gets runs/lesson1-<name>-<6 hex digits of its real path>. The same folder spelled another way
    (./data, data/) is the same data set."""
    if data_path is None:
        return os.path.join(root, "lesson1")
    source = os.path.realpath(data_path)
    out = os.path.join(root, f"lesson1-{os.path.basename(os.path.normpath(data_path))}")
    try:
        with open(os.path.join(out, DATA_SOURCE), encoding="utf-8", errors="surrogateescape") as f:
            owner = f.read().strip()
    except OSError:
        return out  # a new folder (or one from before the record): this data set's
    if owner == source:
        return out
    return f"{out}-{hashlib.sha256(os.fsencode(source)).hexdigest()[:6]}"


DATA_SOURCE = "data_source.txt"  # in a run's folder: the real path of the data set it belongs to


def record_data_source(out, data_path):
    with open(os.path.join(out, DATA_SOURCE), "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(os.path.realpath(data_path) + "\n")


def finished_stages(out):
    """The stages whose checkpoints an earlier run left in out/checkpoints, in the lesson's order."""
    folder = os.path.join(out, "checkpoints") if out else None
    if not folder or not os.path.isdir(folder):
        return []
    return sorted(n[:-4] for n in os.listdir(folder) if n.endswith(".npz") and not n.startswith("."))


def saved_so_far(out):
    """What a stopped run leaves for --resume, in words."""
    stages = finished_stages(out)
    if not stages:
        return "Nothing was saved yet (no epoch had finished): run the same command to start again."
    return (f"Saved in {os.path.join(out, 'checkpoints')}: {', '.join(stages)} (each at its last finished epoch); "
            "the same command with --resume continues from there and reuses them.")


def step(n, title, concept):
    print(f"\n=== step {n}/8: {title}\n    ({concept})", flush=True)


def lesson_data(path, arch, size, bs, workers, skip_bad, valid_pct=None, seed=42):
    """The notebook's two lines: tfms_from_model, then ImageClassifierData.from_paths."""
    tfms = tfms_from_model(arch, size, aug_tfms=transforms_side_on, max_zoom=1.1)
    return ImageClassifierData.from_paths(path, bs=bs, tfms=tfms, num_workers=workers, skip_bad=skip_bad,
                                          valid_pct=valid_pct, seed=seed)


def main(argv=None):
    args = parse_args(argv)
    check_args(args)
    try:
        return _main(args)
    except BaseException:
        remove_an_empty_run_folder(args)  # a run that stopped before writing anything leaves no folder
        raise


def remove_an_empty_run_folder(args):
    """The run folder this run created, if it holds nothing but what the run wrote first (its data
    record, empty checkpoints/ and models/): removed, so a refused run leaves nothing behind."""
    out = getattr(args, "out_dir", None)
    if not out or not getattr(args, "created_out", None) or not os.path.isdir(out):
        return
    inside = set(os.listdir(out))
    if not inside <= {DATA_SOURCE, "checkpoints", "models"}:
        return
    if any(os.listdir(os.path.join(out, d)) for d in ("checkpoints", "models") if d in inside):
        return
    for name in inside:
        path = os.path.join(out, name)
        os.rmdir(path) if os.path.isdir(path) else os.remove(path)
    for folder in args.created_out:  # the run folder, then the parents it made (runs/), if empty
        try:
            os.rmdir(folder)
        except OSError:
            break


def _missing_folders(out):
    """`out` and those of its parents that do not exist yet, deepest first."""
    missing, folder = [], os.path.abspath(out)
    while not os.path.exists(folder) and folder != os.path.dirname(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    return missing


def _main(args):
    try:
        return run(args)
    except KeyboardInterrupt:
        raise SystemExit(f"lesson1: stopped (Ctrl-C). {saved_so_far(getattr(args, 'out_dir', None))}") from None
    except (ResumeRefused, TrainingDiverged, mdata.BadImageError, DownloadError) as e:
        raise SystemExit(f"lesson1: {e}") from None
    except (OSError, ValueError, KeyError) as e:  # a folder, a download, a weight file: the user's to fix
        if getattr(e, "errno", None) == errno.ENOSPC:
            out = getattr(args, "out_dir", None)
            if out is None:  # before the run folder: downloading or generating the data into the cache
                raise SystemExit(f"lesson1: no space left on the disk while writing {e.filename or 'the data set'} "
                                 f"into minigrad's cache ({cache_dir()}; MINIGRAD_CACHE moves it): free some space "
                                 "and run the same command again") from None
            raise SystemExit(f"lesson1: no space left on the disk while writing {e.filename or 'the run'} (the run "
                             f"folder {out}): free some space, then run the same command with --resume. "
                             f"{saved_so_far(out)}") from None
        message = " ".join(str(e).split())
        raise SystemExit(f"lesson1: {type(e).__name__}: {message[:400]}{' ...' if len(message) > 400 else ''}") from None


def run(args):
    distributed.init_process_group()  # under mpiexec: one process per rank (and GPU); else a world of one
    distributed.quiet_other_ranks()
    minigrad.manual_seed(args.seed)
    with distributed.main_process_first():  # one rank downloads or writes the images, the others find them
        if args.download:
            print(f"data: downloading {args.download} (once, into minigrad's cache)")
            path = {"dogscats": mdata.download_dogscats, "pets": mdata.download_pets}[args.download]()
        else:
            path = args.data or mdata.make_shapes_dataset()
    real = args.data is not None or args.download is not None
    size = args.size if args.size is not None else (224 if real else 32)
    out = args.out or default_out(path if real else None)
    print(f"data: {path}" if real else f"data: minigrad's built-in generated images (circles vs crosses), {path}")
    arch = ARCHS[args.arch]
    data = lesson_data(path, arch, size, args.bs, args.workers, args.skip_bad, args.valid_pct, args.seed)  # first
    args.created_out = _missing_folders(out)  # this one and the parents this run makes
    try:
        os.makedirs(out, exist_ok=True)  # only for a data set that loaded: a refused one leaves no empty folder
    except OSError as e:  # a file in the way
        raise SystemExit(f"lesson1: --out {out}: cannot make this folder ({e.strerror}: {e.filename}): give "
                         "another --out") from None
    for folder in (out, os.path.join(out, "checkpoints")):  # found now, not after an epoch's training
        if os.path.isdir(folder) and not os.access(folder, os.W_OK | os.X_OK):
            raise SystemExit(f"lesson1: {folder} is not writable: `chmod u+w {folder}`, or give another --out")
    args.out_dir = out
    earlier = finished_stages(out)
    if earlier and not args.resume:
        print(f"note: {os.path.join(out, 'checkpoints')} holds stages of an earlier run "
              f"({', '.join(earlier)}); this run trains them again. Pass --resume to reuse them.")
    if real and not args.out:
        record_data_source(out, path)
    if args.weights is None:
        print(f"weights: none given, so {args.arch} starts from RANDOM initialisation: the 'pretrained' body knows "
              f"nothing yet, and the early steps mostly show the mechanics. For the lecture's transfer learning, "
              f"get torchvision's ImageNet weights ({PRETRAINED[args.arch]}), e.g. with "
              f"`python -m minigrad.weights download {args.arch}`, and pass --weights FILE.")
        if real:
            print("warning: real photos with a randomly initialised body give about CHANCE accuracy here: the "
                  "lesson's method fine-tunes features learned on ImageNet, and a few hundred photos cannot teach "
                  "a resnet to see from scratch. Pass --weights for the lecture's result.")
    else:
        print(f"weights: {args.weights}")

    step(1, "data augmentation on, precompute on",
         "augmentation: random flips, rotations up to 10 degrees, lighting, zoom; precompute: the frozen body's "
         "activations computed once and cached")
    print(f"    {len(data.trn_ds)} training and {len(data.val_ds)} validation images, classes {data.classes}, "
          f"{size}px, mini-batches of {args.bs}")
    learn = ConvLearner.pretrained(arch, data, precompute=True, weights=args.weights, device=args.device,
                                   out_dir=out, seed=args.seed, models_name=os.path.abspath(os.path.join(out, "models")))
    lr = args.lr if args.lr is not None else 1e-2

    step(2, "lr_find", "the learning-rate range test: the loss as the rate grows exponentially, one mini-batch each")
    found = learn.lr_find(name="head")
    print(f"    lr_find suggests {found.suggestion:.2g}; the lecture read 0.01 off this plot (the loss still "
          f"falling clearly), and so does this recipe unless you pass --lr: using {lr:.2g}")
    plots = [learn.sched.plot(n_skip=0, n_skip_end=0, path=learn.path("lr_find_head.png"), chosen=lr)]

    step(3, "train the head from precomputed activations", "frozen body, 2 epochs of SGD at a constant rate")
    learn.fit(lr, 2, checkpoint="3-head-precomputed", resume=args.resume)

    step(4, "precompute off, SGDR with cycle_len=1",
         "data augmentation now takes effect; the rate follows a cosine from lr to ~0 within each epoch, then restarts")
    learn.precompute = False
    learn.fit(lr, 3, cycle_len=1, checkpoint="4-head-augmented", resume=args.resume)

    step(5, "unfreeze", "every layer group now trains; frozen batch norms return to training mode")
    learn.unfreeze()
    ratio = 10 if args.weights else 3
    lrs = np.array([lr / ratio ** 2, lr / ratio, lr])
    step(6, "differential learning rates",
         f"one rate per layer group ({', '.join(learn.group_names)}): {', '.join(f'{r:.2g}' for r in lrs)}, "
         f"each {ratio}x lower than the next" + ("" if args.weights else " (3x, not 10x: a randomly initialised body "
                                                                     "has everything to learn)"))

    step(7, "lr_find again", "the range test on the unfrozen network, the groups' ratios kept")
    again = learn.lr_find(start_lr=lrs / 1000, name="unfrozen")
    print(f"    lr_find suggests {again.suggestion:.2g} for the head; the recipe keeps {lr:.2g}, as the lecture does")
    plots.append(learn.sched.plot(n_skip=0, n_skip_end=0, path=learn.path("lr_find_unfrozen.png"), chosen=lr))

    step(8, f"SGDR with cycle_mult=2, {args.cycles} cycles", "cycles of 1, 2, 4... epochs; the losses show when "
         "training loss still falls while validation loss rises (over-fitting)")
    learn.fit(lrs, args.cycles, cycle_len=1, cycle_mult=2, checkpoint="8-unfrozen-sgdr", resume=args.resume)
    return results(args, learn, data, path, size, lr, out, plots)


def results(args, learn, data, path, size, lr, out, plots):
    print("\n=== results")
    log_preds, y = learn.predict_with_targs()
    accuracy = accuracy_np(log_preds, y)
    tta_log_preds, tta_y = learn.TTA()
    probs = np.mean(np.exp(tta_log_preds), 0)  # the notebook's line: average the probabilities
    accuracy_tta = accuracy_np(probs, tta_y)
    print(f"validation accuracy {accuracy:.4f}; with test-time augmentation (4 augmented copies, "
          f"probabilities averaged) {accuracy_tta:.4f}")
    print("confusion matrix (rows: actual, columns: predicted), classes", data.classes)
    cm = confusion_matrix(y, np.argmax(log_preds, 1), data.c)
    plots += [plot_confusion_matrix(cm, data.classes, path=learn.path("confusion_matrix.png")),
              learn.plot_lr(), learn.plot_losses(), learn.plot_most_confident_wrong(log_preds, y)]
    model_path = export(learn, os.path.join(out, f"lesson1-{args.arch}.npz"))
    result = {"accuracy": accuracy, "accuracy_tta": accuracy_tta, "seconds": learn.seconds,
              "log_loss": float(-log_preds[np.arange(len(y)), y].mean()), "arch": args.arch, "size": size,
              "data": path, "weights": args.weights, "device": args.device, "seed": args.seed, "lr": lr, "bs": args.bs,
              "history": learn.history, "confusion_matrix": cm.tolist(), "classes": data.classes,
              "plots": [p for p in plots if p], "model": model_path}
    if distributed.is_main_process():
        with open(os.path.join(out, "metrics.json"), "w") as f:
            json.dump(result, f, indent=2)
    print(f"model: {model_path} (classes beside it; try `python recipes/classify.py PHOTO --model {model_path}`)")
    print(f"metrics: {os.path.join(out, 'metrics.json')}\ntime: {learn.seconds:.0f} s")
    return result


if __name__ == "__main__":
    distributed.run(main)  # under mpiexec, a rank that stops with an error stops them all (no hang)
