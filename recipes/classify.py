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
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigrad  # noqa: E402
import models  # noqa: E402
from minigrad.data import CenterCrop, Compose, Normalize, Resize, ToArray, load_image  # noqa: E402
from minigrad.train.export import info_path, load_exported  # noqa: E402


def _probabilities(model, x, device):
    with minigrad.no_grad():
        return model(minigrad.tensor(x[None], device=device)).softmax(1).numpy()[0]


def top5(image_path, weights, arch="resnet34", labels=None, device="cpu"):
    """ImageNet: [(class name, probability)] of the five most likely classes."""
    model = getattr(models, arch)(weights=weights).eval().to(device)
    x = Compose([Resize(256), CenterCrop(224), ToArray(), Normalize()])(load_image(image_path))
    probs = _probabilities(model, x, device)
    best = probs.argsort()[::-1][:5]
    names = labels or [f"ImageNet class {i}" for i in range(len(probs))]
    return [(names[i], float(probs[i])) for i in best]


def classify(image_path, model_path, device="cpu", k=5):
    """The lesson's model: [(class name, probability)] of its k most likely classes."""
    model, info = load_exported(model_path, device)
    size = info["size"]
    x = Compose([Resize(size), CenterCrop(size), ToArray(), Normalize(info["mean"], info["std"])])(load_image(image_path))
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
            raise SystemExit(f"classify: {value}: no such file")
    if args.weights and os.path.exists(info_path(args.weights)):
        raise SystemExit(f"classify: {args.weights} is a model the lesson trained: pass it with --model")
    if args.device == "cuda" and not minigrad.cuda_available():
        raise SystemExit("classify: --device cuda: CuPy or a GPU is missing; install it with `pip install -e '.[gpu]'`")
    try:
        if args.model:
            answers = classify(args.image, args.model, args.device)
        else:
            labels = open(args.labels).read().splitlines() if args.labels else None
            answers = top5(args.image, args.weights, args.arch, labels, args.device)
    except (OSError, ValueError, KeyError) as e:
        message = " ".join(str(e).split())
        raise SystemExit(f"classify: {message[:400]}{' ...' if len(message) > 400 else ''}") from None
    for name, prob in answers:
        print(f"{prob:7.2%}  {name}")
    return answers


if __name__ == "__main__":
    main()
