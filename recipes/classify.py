"""Classify a photo: with the model recipes/lesson1.py trained, or with ImageNet weights.

    python recipes/classify.py photo.jpg --model runs/lesson1/lesson1-resnet34.npz
    python -m minigrad.weights download resnet34
    python recipes/classify.py photo.jpg --weights ~/.cache/minigrad/resnet34-b627a593.pth [--labels FILE]

--model: the lesson's own classifier; its class names, image size and normalisation are
read from the .json beside the weights (lesson1.py writes both). The photo is prepared as
the validation images were: shorter side resized to the size, center crop, normalised.
--weights: a pretrained resnet's top 5 of ImageNet's 1000 classes (shorter side 256, center
crop 224, ImageNet normalisation); without --labels (one class name per line) the classes
are printed as ImageNet indices.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigrad  # noqa: E402
import models  # noqa: E402
from minigrad.data import CenterCrop, Compose, Normalize, Resize, ToArray, load_image  # noqa: E402
from minigrad.data.transforms import IMAGENET_MEAN, IMAGENET_STD  # noqa: E402
from minigrad.train.export import info_path, load_exported  # noqa: E402


MAX_ASPECT = 4


def prepare(img, size, crop, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """The photo as the validation images were: shorter side resized to `size`, centre crop `crop`
    (crop <= size), normalised. A photo more than MAX_ASPECT times as long as wide is first cut to
    its centre, MAX_ASPECT times as long as wide: the centre crop keeps less than a square of the
    short side anyway, and the resize of a 1x20000 strip to 256 would otherwise make 256x5120000
    pixels (4 GB). Memory is then bounded by MAX_ASPECT * size**2 pixels."""
    w, h = img.size
    limit = MAX_ASPECT * min(w, h)
    if max(w, h) > limit:
        start = (max(w, h) - limit) // 2
        img = img.crop((start, 0, start + limit, h) if w > h else (0, start, w, start + limit))
    return Compose([Resize(size), CenterCrop(crop), ToArray(), Normalize(mean, std)])(img)


def _probabilities(model, x, device):
    with minigrad.no_grad():
        return model(minigrad.tensor(x[None], device=device)).softmax(1).numpy()[0]


def top5(image_path, weights, arch="resnet34", labels=None, device="cpu"):
    """ImageNet: [(class name, probability)] of the five most likely classes."""
    model = getattr(models, arch)(weights=weights).eval().to(device)
    x = prepare(load_image(image_path), 256, 224)
    probs = _probabilities(model, x, device)
    best = probs.argsort()[::-1][:5]
    names = labels or [f"ImageNet class {i}" for i in range(len(probs))]
    return [(names[i], float(probs[i])) for i in best]


def classify(image_path, model_path, device="cpu", k=5):
    """The lesson's model: [(class name, probability)] of its k most likely classes."""
    model, info = load_exported(model_path, device)
    size = info["size"]
    x = prepare(load_image(image_path), size, size, info["mean"], info["std"])
    probs = _probabilities(model, x, device)
    return [(info["classes"][i], float(probs[i])) for i in probs.argsort()[::-1][:k]]


def main(argv=None):
    p = argparse.ArgumentParser(description="classify a photo with the lesson's model or a pretrained resnet")
    p.add_argument("image")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="a model recipes/lesson1.py saved (.npz with its .json beside it)")
    which.add_argument("--weights", help="ImageNet weights (.pth, .safetensors or .npz): top-5 ImageNet classes")
    p.add_argument("--arch", default="resnet34", choices=["resnet18", "resnet34", "resnet50"], help="with --weights")
    p.add_argument("--labels", default=None, help="with --weights: a text file with one class name per line")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = p.parse_args(argv)
    for name in ("image", "model", "weights", "labels"):
        value = getattr(args, name)
        if value is not None and not os.path.isfile(value):
            raise SystemExit(f"classify: {value}: " + ("a folder; give a file" if os.path.isdir(value)
                                                        else "no such file"))
    if args.weights and os.path.exists(info_path(args.weights)):
        raise SystemExit(f"classify: {args.weights} is a model the lesson trained: pass it with --model")
    if args.device == "cuda" and not minigrad.cuda_available():
        raise SystemExit("classify: --device cuda: CuPy or a GPU is missing; install it with `pip install -e '.[gpu]'`")
    try:
        if args.model:
            answers = classify(args.image, args.model, args.device)
        else:
            labels = read_labels(args.labels) if args.labels else None
            answers = top5(args.image, args.weights, args.arch, labels, args.device)
    except (OSError, ValueError, KeyError) as e:
        message = " ".join(str(e).split())
        raise SystemExit(f"classify: {message[:400]}{' ...' if len(message) > 400 else ''}") from None
    for name, prob in answers:
        print(f"{prob:7.2%}  {name}")
    if args.model:
        with open(info_path(args.model)) as f:
            classes = json.load(f)["classes"]
        print(f"(this model knows only {', '.join(classes)}: a photo of anything else still gets one of them)")
    return answers


def read_labels(path, classes=1000):
    """--labels: one class name per line, as many lines as ImageNet has classes."""
    with open(path, encoding="utf-8", errors="replace") as f:
        labels = [line.strip() for line in f.read().splitlines()]
    while labels and not labels[-1]:
        labels.pop()  # a final empty line is not a class
    if len(labels) != classes:
        raise SystemExit(f"classify: --labels {path} has {len(labels)} lines, but the ImageNet model has {classes} "
                         "classes: give one class name per line, in ImageNet's order")
    return labels


if __name__ == "__main__":
    main()
