"""The data pipeline: ImageFolder on the real photos, mini-batches and epochs, each
transform's effect, test-time augmentation, bad inputs, the generated data set, downloads."""
import io
import os
import tarfile
import warnings
import zipfile

import numpy as np
import pytest
from PIL import Image

import minigrad
from minigrad.data import (BadImageError, CenterCrop, DataLoader, ImageClassifierData, ImageFolder,
                           RandomHorizontalFlip, RandomLighting, RandomRotate, RandomZoom, RandomCrop, Resize,
                           ToArray, make_shapes_dataset, transforms_for, transforms_side_on)
from minigrad.data.real import download_dogscats, download_pets, unpack

REAL = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "dogscats")
needs_real = pytest.mark.skipif(not os.path.isdir(REAL), reason=f"the real photos are not at {REAL}")


# ---- the real photos -------------------------------------------------------------------------

@needs_real
def test_image_folder_reads_the_real_photos():
    train, valid = ImageFolder(os.path.join(REAL, "train")), ImageFolder(os.path.join(REAL, "valid"))
    assert train.classes == ["cats", "dogs"] and valid.classes == ["cats", "dogs"]
    assert len(train) == 192 and len(valid) == 48
    assert train.targets.count(0) == 96 and valid.targets.count(1) == 24
    for i in range(len(train)):  # every image decodes, as RGB
        img, label = train[i]
        assert img.mode == "RGB" and label in (0, 1)
    name = os.path.basename(train.samples[0][0])
    assert name[0].isupper()  # cat breeds are capitalised in the Oxford names


@needs_real
def test_real_photos_after_transforms():
    data = ImageClassifierData.from_paths(REAL, size=64, bs=16)
    x, y = next(iter(data.trn_dl))
    assert x.shape == (16, 3, 64, 64) and x.dtype == np.float32 and y.shape == (16,)
    assert -2.2 < x.numpy().min() and x.numpy().max() < 2.7  # ImageNet-normalised values
    x, _ = next(iter(data.val_dl))
    assert x.shape == (16, 3, 64, 64)


# ---- mini-batches and epochs ---------------------------------------------------------------------

class Numbers:
    """A data set whose item i is (an array holding i and a random draw, i % 3)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.array([i, minigrad.backend.rng().random()], dtype=np.float32), i % 3


def epoch(loader):
    return [x.numpy() for x, _ in loader]


def test_an_epoch_visits_every_sample_once_in_a_new_order():
    loader = DataLoader(Numbers(103), batch_size=10, shuffle=True)
    assert len(loader) == 11
    first, second = epoch(loader), epoch(loader)
    ids = [np.concatenate(e)[:, 0] for e in (first, second)]
    assert sorted(ids[0]) == list(range(103)) and sorted(ids[1]) == list(range(103))
    assert not np.array_equal(ids[0], ids[1])
    assert [len(b) for b in first] == [10] * 10 + [3]


def test_drop_last_and_labels():
    loader = DataLoader(Numbers(103), batch_size=10, shuffle=False, drop_last=True)
    batches = list(loader)
    assert len(loader) == len(batches) == 10
    assert batches[0][1].numpy().tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]
    assert np.issubdtype(batches[0][1].dtype, np.integer)


@pytest.mark.parametrize("workers", [1, 3])
def test_batches_are_deterministic_under_a_seed_whatever_the_workers(workers):
    minigrad.manual_seed(5)
    serial = epoch(DataLoader(Numbers(50), batch_size=8, shuffle=True))
    minigrad.manual_seed(5)
    threaded = epoch(DataLoader(Numbers(50), batch_size=8, shuffle=True, num_workers=workers))
    for a, b in zip(serial, threaded):
        np.testing.assert_array_equal(a, b)
    minigrad.manual_seed(6)
    assert not np.array_equal(np.concatenate(serial), np.concatenate(epoch(DataLoader(Numbers(50), 8, True))))


def test_untransformed_images_cannot_be_batched_and_the_error_says_why(tmp_path):
    _write(tmp_path / "a" / "1.png", Image.new("RGB", (8, 8)))
    with pytest.raises(TypeError, match="ToArray"):
        next(iter(DataLoader(ImageFolder(tmp_path), batch_size=1)))


# ---- transforms, each on a known image ----------------------------------------------------------------

def known_image(w=40, h=30):
    """Left half red, right half blue, a green pixel at the top left."""
    a = np.zeros((h, w, 3), np.uint8)
    a[:, : w // 2, 0] = 255
    a[:, w // 2:, 2] = 255
    a[0, 0] = (0, 255, 0)
    return Image.fromarray(a)


def test_resize_sets_the_shorter_side_and_center_crop_the_square():
    img = Resize(60)(known_image(40, 30))
    assert img.size == (80, 60)
    assert CenterCrop(60)(img).size == (60, 60)
    assert Resize(64)(Image.new("RGB", (3, 2))).size == (96, 64)  # tiny images are upscaled


def test_flip_really_flips():
    minigrad.manual_seed(0)
    img = known_image()
    flipped = RandomHorizontalFlip(p=1.0)(img)
    np.testing.assert_array_equal(np.asarray(flipped), np.asarray(img)[:, ::-1])
    assert RandomHorizontalFlip(p=0.0)(img) is img


def test_rotation_keeps_the_size_and_fills_corners_by_reflection():
    minigrad.manual_seed(0)
    img = Image.fromarray(np.full((50, 50, 3), 200, np.uint8))
    out = RandomRotate(10, p=1.0)(img)
    assert out.size == img.size
    assert np.asarray(out).min() >= 195  # no black corners: reflection of a flat image is flat
    changed = RandomRotate(10, p=1.0)(known_image(50, 50))
    assert not np.array_equal(np.asarray(changed), np.asarray(known_image(50, 50)))


def test_zoom_then_random_crop_shows_a_part_of_the_image():
    minigrad.manual_seed(0)
    img = known_image(64, 64)
    zoomed = RandomZoom(64, max_zoom=1.5)(img)
    assert 64 <= zoomed.size[0] <= 96
    crop = RandomCrop(64)(Resize(96)(img))
    assert crop.size == (64, 64)


def test_lighting_changes_brightness_and_contrast_within_bounds():
    minigrad.manual_seed(0)
    x = ToArray()(known_image())
    assert x.shape == (3, 30, 40) and x.dtype == np.float32 and x.max() == 1.0
    y = RandomLighting(0.2, 0.2)(x + 0 * x)
    assert y.dtype == np.float32 and 0 <= y.min() and y.max() <= 1 and not np.array_equal(x, y)


def test_train_and_valid_transforms():
    train, valid = transforms_for(32, max_zoom=1.1)
    img = known_image(50, 40)
    minigrad.manual_seed(1)
    a = valid(img)
    minigrad.manual_seed(2)
    np.testing.assert_array_equal(a, valid(img))  # validation has no randomness
    assert a.shape == (3, 32, 32) and a.dtype == np.float32
    outs = [train(img) for _ in range(5)]
    assert all(o.shape == (3, 32, 32) for o in outs)
    assert any(not np.array_equal(outs[0], o) for o in outs[1:])


def test_test_time_augmentation_stacks_the_plain_view_and_augmented_ones(tmp_path):
    root = make_shapes_dataset(str(tmp_path), n_train=4, n_valid=3, size=32)
    data = ImageClassifierData.from_paths(root, size=32, bs=10, aug_tfms=transforms_side_on, max_zoom=1.1)
    x, y = next(iter(data.tta_dl(n_aug=4)))
    assert x.shape == (2, 5, 3, 32, 32)  # batch of 10 // 5 images
    np.testing.assert_array_equal(x.numpy()[0, 0], data.val_ds[0][0])  # view 0 is the validation view
    assert not np.array_equal(x.numpy()[0, 1], x.numpy()[0, 2])


# ---- bad input ---------------------------------------------------------------------------------------

def _write(path, img, fmt=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img.save(path, fmt)
    return path


def test_every_image_mode_becomes_rgb(tmp_path):
    gray = Image.fromarray(np.full((8, 8), 100, np.uint8), "L")
    rgba = Image.new("RGBA", (8, 8), (255, 0, 0, 0))  # fully transparent: white after compositing
    pal = Image.new("RGB", (8, 8), (0, 0, 255)).convert("P")
    cmyk = Image.new("CMYK", (8, 8), (0, 255, 255, 0))
    deep = Image.fromarray(np.full((8, 8), 65535, np.uint16))  # 16-bit white
    for name, img, ext in (("gray", gray, "png"), ("rgba", rgba, "png"), ("pal", pal, "png"),
                           ("cmyk", cmyk, "jpg"), ("deep", deep, "png")):
        _write(tmp_path / "c" / f"{name}.{ext}", img)
    folder = ImageFolder(tmp_path)
    colours = {os.path.basename(p).split(".")[0]: np.asarray(folder[i][0])[0, 0] for i, (p, _) in enumerate(folder.samples)}
    assert all(folder[i][0].mode == "RGB" for i in range(len(folder)))
    assert colours["gray"].tolist() == [100, 100, 100]
    assert colours["rgba"].tolist() == [255, 255, 255]
    assert colours["pal"].tolist() == [0, 0, 255]
    assert colours["deep"].tolist() == [255, 255, 255]
    assert colours["cmyk"][0] > 200 and colours["cmyk"][1] < 60


def test_non_images_are_ignored_and_empty_or_missing_folders_are_named(tmp_path):
    _write(tmp_path / "cats" / "1.png", Image.new("RGB", (8, 8)))
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    (tmp_path / "dogs").mkdir()
    with pytest.raises(ValueError, match=r"class folder .*dogs has no images"):
        ImageFolder(tmp_path)
    _write(tmp_path / "dogs" / "1.jpg", Image.new("RGB", (8, 8)))
    assert len(ImageFolder(tmp_path)) == 2
    with pytest.raises(FileNotFoundError, match=r"train not found: a data folder needs train/<class>/"):
        ImageClassifierData.from_paths(tmp_path, size=8)
    with pytest.raises(FileNotFoundError, match="image folder not found"):
        ImageFolder(tmp_path / "nowhere")


def test_a_corrupt_image_is_named_or_skipped_with_a_warning(tmp_path):
    good = _write(tmp_path / "cats" / "good.jpg", known_image())
    data = open(good, "rb").read()
    (tmp_path / "cats" / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (tmp_path / "cats" / "garbage.png").write_bytes(b"this is not a png")
    folder = ImageFolder(tmp_path)
    bad = [i for i, (p, _) in enumerate(folder.samples) if "good" not in p]
    for i in bad:
        with pytest.raises(BadImageError, match=r"cannot read image .*(truncated|garbage)"):
            folder[i]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        skipping = ImageFolder(tmp_path, skip_bad=True)
    assert [os.path.basename(p) for p, _ in skipping.samples] == ["good.jpg"]
    assert sorted(str(w.message).split()[4].rsplit("/", 1)[1].rstrip(":") for w in caught) == [
        "garbage.png", "truncated.jpg"]


# ---- the generated data set ----------------------------------------------------------------------------

def test_generated_data_set_is_a_deterministic_dogscats_folder(tmp_path):
    a = make_shapes_dataset(str(tmp_path / "a"), n_train=6, n_valid=2, size=32, seed=3)
    b = make_shapes_dataset(str(tmp_path / "b"), n_train=6, n_valid=2, size=32, seed=3)
    c = make_shapes_dataset(str(tmp_path / "c"), n_train=6, n_valid=2, size=32, seed=4)
    files = lambda root: sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)  # noqa: E731
    assert files(a) == files(b) and "train/circles/circle_0000.png" in files(a)
    assert all(open(os.path.join(a, f), "rb").read() == open(os.path.join(b, f), "rb").read() for f in files(a))
    assert any(open(os.path.join(a, f), "rb").read() != open(os.path.join(c, f), "rb").read()
               for f in files(a) if f.endswith(".png"))
    data = ImageClassifierData.from_paths(a, size=32, bs=4)
    assert data.classes == ["circles", "crosses"] and len(data.trn_ds) == 12 and len(data.val_ds) == 4
    assert make_shapes_dataset(str(tmp_path / "a"), n_train=6, n_valid=2, size=32, seed=3) == a  # cached


def test_a_linear_model_on_pixels_cannot_separate_the_generated_classes(tmp_path):
    """Ridge regression on raw pixels, the best linear fit, stays near chance on the validation set."""
    root = make_shapes_dataset(str(tmp_path), n_train=300, n_valid=100, size=64)
    _, valid_tfm = transforms_for(32)

    def arrays(split):
        folder = ImageFolder(os.path.join(root, split), valid_tfm)
        return np.stack([folder[i][0].ravel() for i in range(len(folder))]), np.array(folder.targets)
    (xt, yt), (xv, yv) = arrays("train"), arrays("valid")
    mean = xt.mean(0)
    xt, xv = xt - mean, xv - mean
    w = np.linalg.solve(xt.T @ xt + 10.0 * np.eye(xt.shape[1]), xt.T @ (2.0 * yt - 1))
    accuracy = ((xv @ w > 0) == yv).mean()
    assert accuracy < 0.7, f"a linear model reached {accuracy:.0%}: the data set is too easy"


# ---- downloads of the real data sets (from a server on 127.0.0.1) --------------------------------------

def _jpeg_bytes():
    buf = io.BytesIO()
    known_image().save(buf, "JPEG")
    return buf.getvalue()


def test_dogscats_zip_and_pets_tarball_are_unpacked_into_the_dogscats_layout(tmp_path):
    from test_download import Server
    server = Server()
    try:
        zbuf = io.BytesIO()
        with zipfile.ZipFile(zbuf, "w") as z:
            for split in ("train", "valid"):
                for cls in ("cats", "dogs"):
                    z.writestr(f"dogscats/{split}/{cls}/{cls}.1.jpg", _jpeg_bytes())
        server.files["/dogscats.zip"] = zbuf.getvalue()
        tbuf = io.BytesIO()
        with tarfile.open(fileobj=tbuf, mode="w:gz") as t:
            for name in [f"Abyssinian_{i}.jpg" for i in range(5)] + [f"beagle_{i}.jpg" for i in range(5)]:
                info = tarfile.TarInfo(f"images/{name}")
                data = _jpeg_bytes()
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        server.files["/images.tar.gz"] = tbuf.getvalue()
        cache = str(tmp_path / "cache")
        root = download_dogscats(url=f"{server.url}/dogscats.zip", cache=cache)
        assert ImageFolder(os.path.join(root, "train")).classes == ["cats", "dogs"]
        pets = download_pets(url=f"{server.url}/images.tar.gz", cache=cache, valid_fraction=0.2)
        train, valid = ImageFolder(os.path.join(pets, "train")), ImageFolder(os.path.join(pets, "valid"))
        assert len(train) == 8 and len(valid) == 2
        assert all(os.path.basename(p)[0].isupper() == (label == 0) for p, label in train.samples + valid.samples)
    finally:
        server.close()


def test_an_archive_that_escapes_its_folder_is_refused(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../../outside.txt", "gotcha")
    with pytest.raises(ValueError, match="outside"):
        unpack(str(evil), str(tmp_path / "dest"))
    assert not (tmp_path / "outside.txt").exists()


def test_a_failed_or_damaged_download_is_a_clear_download_error(tmp_path):
    from test_download import Server
    from minigrad.download import DownloadError
    cache = str(tmp_path / "cache")
    with pytest.raises(DownloadError, match="cannot reach http://127.0.0.1:9/dogscats.zip"):
        download_dogscats(url="http://127.0.0.1:9/dogscats.zip", cache=cache)  # nothing listens on port 9
    server = Server()
    try:
        server.files["/dogscats.zip"] = b"<html>a captive portal, not a zip</html>"
        with pytest.raises(DownloadError, match=r"dogscats.zip is not a readable .zip or .tar.gz archive.*delete"):
            download_dogscats(url=f"{server.url}/dogscats.zip", cache=cache)
        server.files["/missing.tar.gz"] = None
        with pytest.raises(DownloadError, match="HTTP 404"):
            download_pets(url=f"{server.url}/missing.tar.gz", cache=cache)
    finally:
        server.close()


# ---- issue 12: what ImageFolder used to get wrong -------------------------------------------------------

def test_images_in_subfolders_of_a_class_folder_belong_to_that_class(tmp_path):
    """torchvision walks root/<class>/**; the old folder reader skipped nested images."""
    for path in ("cats/a.png", "cats/indoor/b.png", "cats/indoor/deep/c.png", "dogs/d.png", "dogs/outdoor/e.png"):
        _write(tmp_path / path, Image.new("RGB", (4, 4)))
    folder = ImageFolder(tmp_path)
    names = [(os.path.relpath(p, tmp_path), label) for p, label in folder.samples]
    assert names == [("cats/a.png", 0), ("cats/indoor/b.png", 0), ("cats/indoor/deep/c.png", 0), ("dogs/d.png", 1),
                     ("dogs/outdoor/e.png", 1)]  # torchvision's order: folders sorted, files sorted in each
    assert folder.imgs == folder.samples and folder.targets == [0, 0, 0, 1, 1]


def test_a_float_tiff_in_0_1_is_not_black_and_16_bit_still_scales(tmp_path):
    grey = np.full((6, 6), 0.5, np.float32)
    _write(tmp_path / "c" / "float.tif", Image.fromarray(grey))
    _write(tmp_path / "c" / "wide.tif", Image.fromarray(np.full((6, 6), 200.0, np.float32)))  # 0..255 floats
    _write(tmp_path / "c" / "deep.png", Image.fromarray(np.full((6, 6), 32768, np.uint16)))
    folder = ImageFolder(tmp_path)
    pixel = {os.path.basename(p): np.asarray(folder[i][0])[0, 0].tolist() for i, (p, _) in enumerate(folder.samples)}
    assert Image.open(tmp_path / "c" / "float.tif").mode == "F"
    assert pixel["float.tif"] == [127, 127, 127] or pixel["float.tif"] == [128, 128, 128]
    assert pixel["wide.tif"] == [200, 200, 200]
    assert pixel["deep.png"] == [127, 127, 127] or pixel["deep.png"] == [128, 128, 128]
