"""Downloads of the real data sets, unpacked into the dogscats layout.

- fast.ai's `dogscats.zip`, the lecture's data (train/{cats,dogs}, valid/{cats,dogs}).
- The Oxford-IIIT Pet images: 37 breeds, cat breeds' file names start with a capital
  letter (`Abyssinian_1.jpg`), dog breeds' with a small one (`beagle_1.jpg`); split
  into train and valid with a fixed seed.
Downloads go through minigrad.download (progress, resume, cache). Archives are
unpacked member by member, refusing any path that would land outside the target.
"""
import os
import shutil
import tarfile
import zipfile
import zlib

import numpy as np

from ..download import DownloadError, cache_dir, download_url

DOGSCATS_URL = "http://files.fast.ai/data/dogscats.zip"
PETS_URL = "https://www.robots.ox.ac.uk/~vgg/data/pets/data/images.tar.gz"


def _inside(root, name):
    target = os.path.realpath(os.path.join(root, name))
    if not target.startswith(os.path.realpath(root) + os.sep):
        raise ValueError(f"archive member {name!r} would be written outside {root}: refusing to unpack it")
    return target


def unpack(archive, dest):
    """Unpack a .zip or .tar(.gz) into dest, safely; returns dest. An archive that is neither,
    or is damaged, is a DownloadError saying to delete it (it will be fetched again)."""
    try:
        return _unpack(archive, dest)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, OSError) as err:
        if isinstance(err, FileNotFoundError) and not os.path.exists(archive):
            raise
        detail = (str(err).splitlines() or [""])[0].rstrip(":")
        raise DownloadError(f"{archive} is not a readable .zip or .tar.gz archive ({type(err).__name__}: {detail}): "
                            "the download is damaged or the server sent something else; delete the file and run "
                            "again to download it afresh") from None


def _unpack(archive, dest):
    os.makedirs(dest, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for member in z.infolist():
                _inside(dest, member.filename)
            z.extractall(dest)
    else:
        with tarfile.open(archive) as t:
            members = [m for m in t.getmembers() if m.isfile() or m.isdir()]  # no links, no devices
            for m in members:
                _inside(dest, m.name)
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python's own check too
            t.extractall(dest, members=members, **safe)
    return dest


def _find_layout(root):
    """The folder under root that holds train/ and valid/."""
    for folder, dirs, _ in os.walk(root):
        if "train" in dirs and "valid" in dirs:
            return folder
    raise FileNotFoundError(f"no train/ and valid/ folders found under {root}")


def download_dogscats(url=DOGSCATS_URL, cache=None):
    """fast.ai's dogs-vs-cats data; returns the folder holding train/ and valid/."""
    dest = os.path.join(cache_dir(cache), "dogscats")
    if not os.path.isdir(dest):
        archive = download_url(url, "dogscats.zip", cache=cache)
        unpack(archive, dest + ".tmp")
        os.replace(dest + ".tmp", dest)
    return _find_layout(dest)


def download_pets(url=PETS_URL, cache=None, valid_fraction=0.2, seed=0):
    """The Oxford-IIIT Pet photos as train/{cats,dogs}, valid/{cats,dogs}; returns that folder."""
    dest = os.path.join(cache_dir(cache), f"pets-dogscats-seed{seed}")
    if os.path.isdir(dest):
        return dest
    archive = download_url(url, "oxford-pets-images.tar.gz", cache=cache)
    raw = unpack(archive, os.path.join(cache_dir(cache), "oxford-pets-raw"))
    images = sorted(os.path.join(folder, f) for folder, _, files in os.walk(raw) for f in files
                    if f.lower().endswith(".jpg"))
    if not images:
        raise FileNotFoundError(f"no .jpg images found in {archive}")
    order = np.random.default_rng(seed).permutation(len(images))
    n_valid = int(round(len(images) * valid_fraction))
    tmp = dest + ".tmp"
    for rank, k in enumerate(order):
        path = images[k]
        name = os.path.basename(path)
        split = "valid" if rank < n_valid else "train"
        cls = "cats" if name[0].isupper() else "dogs"
        os.makedirs(os.path.join(tmp, split, cls), exist_ok=True)
        shutil.copyfile(path, os.path.join(tmp, split, cls, name))
    os.replace(tmp, dest)
    return dest
