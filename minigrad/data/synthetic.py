"""The built-in data set for the offline lesson: generated here, never downloaded.

Two classes, `circles` (solid discs) and `crosses` (two thin crossed bars): one
brightly coloured object per image, at a random place, size, rotation and
colour, on a cluttered background (soft rectangles of random colours, and
noise). Since the object can be anywhere and any colour, no single weighting
of the pixels tells the classes apart (a linear model fails), but a small
convnet, whose filters find thin strokes and solid patches wherever they are,
learns it in a few epochs, even from random initialisation. The images are
written as a real dogscats-layout folder (train/<class>, valid/<class>), so the
lesson reads them exactly as it would read dogs and cats. The same seed gives
the same images, byte for byte.
"""
import contextlib
import json
import os
import shutil
import tempfile

import numpy as np
from PIL import Image, ImageDraw

from ..download import cache_dir

CLASSES = ("circles", "crosses")
VERSION = 4


def draw_image(rng, label, size=64):
    """One image (a PIL RGB image) of class `label` (0 circle, 1 cross), drawn from `rng`."""
    # background: a random colour, a few soft rectangles, then noise
    base = rng.integers(40, 216, 3)
    img = Image.new("RGB", (size, size), tuple(int(v) for v in base))
    draw = ImageDraw.Draw(img, "RGBA")
    for _ in range(int(rng.integers(1, 4))):
        x0, y0 = rng.integers(-size // 4, size, 2)
        w, h = rng.integers(size // 6, size // 2, 2)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3)) + (int(rng.integers(30, 70)),)
        draw.rectangle([int(x0), int(y0), int(x0 + w), int(y0 + h)], fill=colour)
    # the object: a saturated colour far from the background's
    colour = np.where(base > 128, rng.integers(0, 60, 3), rng.integers(196, 256, 3))
    colour = tuple(int(v) for v in colour)
    r = float(rng.uniform(0.28, 0.42)) * size
    cx, cy = rng.uniform(r + 1, size - r - 1, 2)
    if label == 0:
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    else:
        arm = r * float(rng.uniform(0.16, 0.24))  # half the width of each bar: thin strokes
        angle = float(rng.uniform(0, np.pi / 2))
        for theta in (angle, angle + np.pi / 2):
            c, s = np.cos(theta), np.sin(theta)
            corners = [(cx + c * u - s * v, cy + s * u + c * v) for u, v in ((-r, -arm), (r, -arm), (r, arm), (-r, arm))]
            draw.polygon(corners, fill=colour)
    noise = rng.normal(0, 6, (size, size, 3))
    pixels = np.clip(np.asarray(img, dtype=np.float64) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def make_shapes_dataset(root=None, n_train=300, n_valid=100, size=64, seed=0):
    """Write (once) and return a dogscats-layout folder of generated images.

    n_train and n_valid are per class. A folder made with the same settings is reused once it is
    checked whole (its settings.json readable and equal, every image there); a damaged one is made
    again, saying so. It is written to a temporary folder first and renamed, so a half-written data
    set is never mistaken for a finished one, a failed write (a full disk) leaves nothing behind, and
    two processes generating it at once never remove the folder the other is reading: the second to
    finish keeps the first's and discards its own."""
    settings = {"version": VERSION, "n_train": n_train, "n_valid": n_valid, "size": size, "seed": seed}
    root = os.path.join(root or cache_dir(), f"shapes-v{VERSION}-{n_train}-{n_valid}-{size}px-seed{seed}")
    problem = damage(root, settings)
    if problem is None:
        return root
    if problem != "not there":
        print(f"minigrad: the built-in data set in {root} is damaged ({problem}): generating it again", flush=True)
    generate(root, settings)
    return root


def damage(root, settings):
    """None when `root` holds the finished data set of `settings`; otherwise what is wrong with it."""
    marker = os.path.join(root, "settings.json")
    if not os.path.exists(marker):
        return "not there"
    try:
        with open(marker) as f:
            if json.load(f) != settings:
                return "settings.json describes another data set"
    except (OSError, ValueError):
        return "settings.json is unreadable"
    for split, count in (("train", settings["n_train"]), ("valid", settings["n_valid"])):
        for cls in CLASSES:
            folder = os.path.join(root, split, cls)
            names = set(os.listdir(folder)) if os.path.isdir(folder) else set()
            missing = [n for n in _names(cls, count) if n not in names]
            if missing:
                return f"{len(missing)} image(s) of {split}/{cls} missing, e.g. {missing[0]}"
            for name in _names(cls, count):  # each one whole (a PNG's checksums; a fraction of a ms each)
                try:
                    with Image.open(os.path.join(folder, name)) as img:
                        img.verify()
                except Exception:  # noqa: BLE001 - any failure to read is damage, whatever Pillow raised
                    return f"{split}/{cls}/{name} is damaged"
    return None


def _names(cls, count):
    return [f"{cls[:-1]}_{i:04d}.png" for i in range(count)]


def generate(root, settings):
    """Draw the images of `settings` into a new temporary folder beside `root`, then publish it."""
    parent = os.path.dirname(root)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=parent, prefix=".tmp-shapes-")
    try:
        rng = np.random.default_rng(settings["seed"])
        for split, count in (("train", settings["n_train"]), ("valid", settings["n_valid"])):
            for label, cls in enumerate(CLASSES):
                folder = os.path.join(tmp, split, cls)
                os.makedirs(folder)
                for name in _names(cls, count):
                    draw_image(rng, label, settings["size"]).save(os.path.join(folder, name))
        with open(os.path.join(tmp, "settings.json"), "w") as f:
            json.dump(settings, f)
        _publish(tmp, root, settings)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # published: gone already; failed or not needed: ours to remove


def _publish(tmp, root, settings):
    """Rename `tmp` to `root` atomically. Where `root` exists: keep it if it is finished (another process
    made it first), else move the damaged one aside first (a reader of it keeps its open files)."""
    for _ in range(3):
        with contextlib.suppress(OSError):
            os.rename(tmp, root)  # fails where root is a non-empty folder
            return
        if damage(root, settings) is None:
            return  # another process published the same data set first: ours is discarded
        aside = tempfile.mkdtemp(dir=os.path.dirname(root), prefix=".tmp-shapes-old-")
        with contextlib.suppress(OSError):
            os.rename(root, aside)  # onto an empty folder: atomic
        shutil.rmtree(aside, ignore_errors=True)
    raise OSError(f"cannot put the built-in data set in place at {root}: another process keeps replacing it")
