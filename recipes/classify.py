"""Classify an image with a pretrained resnet and print its five most likely classes.

    python -m minigrad.weights download resnet34
    python recipes/classify.py photo.jpg --weights ~/.cache/minigrad/resnet34-b627a593.pth
    python recipes/classify.py photo.jpg --weights FILE --labels imagenet_classes.txt

The image is prepared as for ImageNet: shorter side 256, center crop 224, ImageNet
normalisation. Without --labels (a text file, one class name per line) the classes
are printed as ImageNet indices.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import minigrad  # noqa: E402
import models  # noqa: E402
from minigrad.data import CenterCrop, Compose, Normalize, Resize, ToArray, load_image  # noqa: E402


def top5(image_path, weights, arch="resnet34", labels=None, device="cpu"):
    model = getattr(models, arch)(weights=weights).eval().to(device)
    x = Compose([Resize(256), CenterCrop(224), ToArray(), Normalize()])(load_image(image_path))
    with minigrad.no_grad():
        probs = model(minigrad.tensor(x[None], device=device)).softmax(1).numpy()[0]
    best = probs.argsort()[::-1][:5]
    names = labels or [f"ImageNet class {i}" for i in range(len(probs))]
    return [(names[i], float(probs[i])) for i in best]


def main(argv=None):
    p = argparse.ArgumentParser(description="top-5 ImageNet classes of an image")
    p.add_argument("image")
    p.add_argument("--weights", required=True, help="ImageNet weights (.pth, .safetensors or .npz)")
    p.add_argument("--arch", default="resnet34", choices=["resnet18", "resnet34", "resnet50"])
    p.add_argument("--labels", default=None, help="a text file with one class name per line")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = p.parse_args(argv)
    labels = open(args.labels).read().splitlines() if args.labels else None
    for name, prob in top5(args.image, args.weights, args.arch, labels, args.device):
        print(f"{prob:7.2%}  {name}")


if __name__ == "__main__":
    main()
