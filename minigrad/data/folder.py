"""ImageFolder: a folder of class folders of images, as torchvision reads it.

`root/<class>/**/<image>` (images in subfolders of a class folder belong to that class, as
torchvision walks them): `classes` is the sorted list of class folder names, and item i is
`(transform(image), target_transform(label))`. Images are opened with Pillow and
converted to RGB whatever they were (grayscale, palette, RGBA on white,
CMYK, 16-bit); files without an image extension are ignored; a corrupt or
truncated image is an error naming its path, or, with `skip_bad=True`, is
left out with a warning naming it.
"""
import os
import warnings

import numpy as np
from PIL import Image

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp", ".gif")


class BadImageError(ValueError):
    """An image file that cannot be read; the message names it."""


def load_image(path, draft=None):
    """Open `path` as an RGB PIL image, decoding it fully (so truncation shows up here).
    `draft=(w, h)` lets JPEG decode at a reduced scale (fast checks)."""
    try:
        with Image.open(path) as img:
            if draft:
                img.draft("RGB", draft)
            img.load()
            return to_rgb(img)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        raise BadImageError(f"cannot read image {path}: {err}. Delete or replace the file, or leave bad images "
                            "out: --skip-bad for recipes/lesson1.py, skip_bad=True in Python") from None


def to_rgb(img):
    """Any Pillow mode -> RGB: alpha is composited on white, 16-bit and float images are
    rescaled to 8 bits (a plain convert would clip them to white). The white level: 65535 for
    16-bit images (or 32-bit ones with values above 255), 1.0 for a float image whose values lie
    in [0, 1] but for overshoots (the usual float convention with highlights: all at most 2, or 99% at
    most 1; the overshoots clipped to white), else 255, read from the finite pixels only. A NaN pixel becomes
    black and +inf white, that pixel alone (torchvision's ToTensor would keep the NaN). 16-bit images
    are divided in integers (a // 257), without a float copy of a large image."""
    if img.mode == "RGB":
        return img
    if img.mode.startswith("I;16"):
        return Image.fromarray((np.asarray(img) // 257).astype(np.uint8)).convert("RGB")  # 65535 * 255 / 65535
    if img.mode in ("I", "F"):
        a = np.array(img, dtype=np.float32)  # a copy: scaled in place below
        finite = a[np.isfinite(a)]  # a NaN/inf pixel neither sets the white level nor blackens the image
        lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 0.0)
        if hi > 255:
            top = 65535.0
        elif img.mode == "F" and lo >= 0 and (hi <= 2 or np.percentile(finite, 99) <= 1):
            top = 1.0
        else:
            top = 255.0
        a = np.nan_to_num(a, nan=0.0, posinf=top, neginf=0.0, copy=False)
        a *= np.float32(255.0 / top)
        a = np.clip(a, 0, 255, out=a).astype(np.uint8)
        return Image.fromarray(a).convert("RGB")  # uint8 2-D: mode L
    if img.mode == "P" or img.mode == "PA":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA"):
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, img).convert("RGB")
    return img.convert("RGB")  # L, 1, CMYK, YCbCr, ...


def is_image_file(path):
    return path.lower().endswith(IMG_EXTENSIONS)


def _identity(path):
    try:
        st = os.stat(path)  # follows a link: the real folder's identity
        return st.st_dev, st.st_ino
    except OSError:
        return None


def walk_once(folder):
    """os.walk(folder, followlinks=True), but visiting each real folder once: a linked folder
    already visited (a link to a folder of the tree, to one of its parents, or to itself) is
    left out, so a link loop neither repeats images nor walks forever. A folder reached
    without following a link keeps its own path; one reached only through links, the first
    path the walk finds."""
    inside = {here for here, _, _ in os.walk(folder, onerror=_unreadable)}  # no links followed: no loop
    seen = {_identity(here) for here in inside}
    for here, dirs, files in os.walk(folder, followlinks=True, onerror=_unreadable):
        keep = []
        for d in sorted(dirs):
            path, key = os.path.join(here, d), _identity(os.path.join(here, d))
            if path in inside or (key is not None and key not in seen):
                seen.add(key)
                keep.append(d)
        dirs[:] = keep
        yield here, dirs, files


def _refuse_an_image_in_two_classes(samples, classes):
    """A link inside one class folder to another class's folder would give the same images two labels:
    training on them is silently wrong, so it is refused, naming the link."""
    first = {}
    for path, label in samples:
        real = os.path.realpath(path)
        if first.setdefault(real, (path, label))[1] != label:
            other = first[real][0]
            raise ValueError(f"the image {real} is in two classes, {classes[first[real][1]]} ({other}) and "
                             f"{classes[label]} ({path}), through a link: remove the link so each image has one "
                             "label")


def _unreadable(err):
    """os.walk's onerror: a folder it cannot list would otherwise be left out without a word."""
    raise PermissionError(f"cannot read the folder {err.filename}: {err.strerror}; fix its permissions "
                          "(chmod u+rx) or move it out of the data folder") from None


def find_images(folder, is_valid_file=None):
    """Image files in `folder` and its subfolders (by extension, or `is_valid_file(path)`), in
    torchvision's order: folders sorted, then the files of each folder sorted. Links to folders
    are followed, as torchvision's, but each real folder is read once (walk_once)."""
    ok = is_valid_file or is_image_file
    return [os.path.join(here, f) for here, _, files in sorted(walk_once(folder))
            for f in sorted(files) if ok(os.path.join(here, f))]


class ImageFolder:
    """torchvision's ImageFolder: samples are (path, class index), classes sorted by name.

    `ImageFolder(root, transform=None, target_transform=None, loader=load_image, is_valid_file=None,
    skip_bad=False)`. `samples` (alias `imgs`) lists (path, label); `targets` the labels;
    `classes`, `class_to_idx` as torchvision's. `loader(path)` opens an image (default: RGB,
    see load_image). `skip_bad=True` (minigrad's) leaves unreadable images out with a warning.
    An empty class folder is an error (torchvision's allow_empty=False)."""

    def __init__(self, root, transform=None, target_transform=None, loader=None, is_valid_file=None,
                 skip_bad=False):
        root = os.fspath(root)
        if not os.path.isdir(root):
            raise FileNotFoundError(f"image folder not found: {root} (expected {root}/<class>/<image>)")
        self.root, self.transform, self.target_transform = root, transform, target_transform
        self.loader = loader or load_image
        self.classes, self.class_to_idx = self.find_classes(root)
        self.samples = []
        for c in self.classes:
            images = find_images(os.path.join(root, c), is_valid_file)
            if not images:
                raise ValueError(f"class folder {os.path.join(root, c)} has no images "
                                 f"(looked for {', '.join(IMG_EXTENSIONS)})")
            self.samples += [(p, self.class_to_idx[c]) for p in images]
        _refuse_an_image_in_two_classes(self.samples, self.classes)
        if skip_bad:
            self.samples = [s for s in self.samples if _readable(s[0])]
            left = {label for _, label in self.samples}
            empty = [c for c in self.classes if self.class_to_idx[c] not in left]
            if empty:
                raise ValueError(f"class folder {os.path.join(root, empty[0])} has no readable image left after "
                                 "skipping the unreadable ones (skip_bad=True); replace the bad images or remove it")
        else:
            for path, _ in self.samples:
                if not os.path.exists(path):  # a link to nothing: name the link, not where it points
                    raise BadImageError(f"{path} is a link to {os.readlink(path)}, which does not exist: delete "
                                        "the link, or leave bad images out: --skip-bad for recipes/lesson1.py, "
                                        "skip_bad=True in Python")
        self.targets = [label for _, label in self.samples]

    def find_classes(self, directory):
        """(sorted class folder names, {name: index}), as torchvision's."""
        classes = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
        if not classes:
            raise ValueError(f"{directory} has no class folders: expected {directory}/<class>/<image>, "
                             f"e.g. {directory}/cats/1.jpg")
        return classes, {c: i for i, c in enumerate(classes)}

    @property
    def imgs(self):
        return self.samples

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        path, label = self.samples[index]
        img = self.loader(path)
        if self.transform is not None:
            img = self.transform(img)
        return img, (self.target_transform(label) if self.target_transform is not None else label)

    def __repr__(self):
        return f"ImageFolder({self.root!r}: {len(self)} images, classes {self.classes})"


def _readable(path):
    try:
        load_image(path, draft=(64, 64))
        return True
    except BadImageError as err:
        why = str(err).split(". Delete or replace the file")[0]  # the advice to skip is already taken
        warnings.warn(f"skipping {why}", stacklevel=3)
        return False
