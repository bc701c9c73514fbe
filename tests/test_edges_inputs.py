"""Tiny inputs that used to cost gigabytes or hang (issue 24): a thin image rotated, a thin photo
classified, link loops in an image folder, a read stuck past the loader's timeout."""
import os
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest
from PIL import Image

import minigrad
from minigrad.data import (
    CenterCrop,
    Compose,
    DataLoader,
    ImageFolder,
    Normalize,
    RandomRotate,
    Resize,
    ToArray,
)
from minigrad.data import transforms as T
from minigrad.data.folder import find_images


def _png(path, size=(4, 4)):
    Image.new("RGB", size, (120, 60, 30)).save(path)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_link_loop_in_a_class_folder_counts_each_image_once(tmp_path):
    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        _png(tmp_path / cls / "1.png")
    (tmp_path / "cats" / "sub").mkdir()
    _png(tmp_path / "cats" / "sub" / "2.png")
    os.symlink("..", tmp_path / "cats" / "up")  # cats/up/cats/up/... was walked 40 deep
    os.symlink("sub", tmp_path / "cats" / "again")  # the same real folder twice
    images = find_images(str(tmp_path / "cats"))
    assert images == [str(tmp_path / "cats" / "1.png"), str(tmp_path / "cats" / "sub" / "2.png"),
                      str(tmp_path / "cats" / "up" / "dogs" / "1.png")]  # a folder reached only by a link is read


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_two_self_links_do_not_hang_image_folder(tmp_path):
    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        _png(tmp_path / cls / "1.png")
        os.symlink(".", tmp_path / cls / "self1")  # 2**40 paths before: it never finished
        os.symlink(".", tmp_path / cls / "self2")
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("ds", ImageFolder(str(tmp_path))), daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "ImageFolder is still walking the link loop"
    assert [label for _, label in result["ds"].samples] == [0, 1]


class _Stuck:
    """Sample 0's read hangs until released (a hung network disk)."""

    def __init__(self):
        self.release = threading.Event()

    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 0:
            self.release.wait(25)
        return np.float32(i)


def test_loader_timeout_raises_on_time_without_waiting_for_the_stuck_worker():
    data = _Stuck()
    loader = DataLoader(data, batch_size=2, num_workers=2, timeout=1)
    start = time.monotonic()
    try:
        with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 1 seconds"):
            next(iter(loader))
        assert time.monotonic() - start < 6  # it took 25 s: the executor's exit joined the stuck worker
    finally:
        data.release.set()
    batches = [b.tolist() for b in loader]  # and the loader still works afterwards
    assert batches == [[0.0, 1.0], [2.0, 3.0]]


def test_a_failing_worker_init_fn_is_the_error_of_the_loop():
    def init(worker_id):
        raise ValueError(f"worker {worker_id} cannot start")

    with pytest.raises(ValueError, match="cannot start"):
        list(DataLoader(list(range(4)), batch_size=2, num_workers=2, worker_init_fn=init))


def test_leaving_a_loop_early_stops_the_workers():
    before = threading.active_count()
    for _ in DataLoader(list(range(64)), batch_size=2, num_workers=3):
        break
    time.sleep(0.2)
    assert threading.active_count() <= before
    minigrad.manual_seed(0)


def _rotate_by_pillow(img, angle):
    """The old RandomRotate (a canvas padded by reflection, Pillow's rotate, cropped back): the reference."""
    w, h = img.size
    pad = int(np.ceil(max(w, h) * np.sin(np.radians(abs(angle))))) + 1
    padded = np.pad(np.asarray(img), ((pad, pad), (pad, pad), (0, 0)), mode="symmetric")
    return Image.fromarray(padded).rotate(angle, resample=Image.BILINEAR).crop((pad, pad, pad + w, pad + h))


@pytest.mark.parametrize("size, angle", [((50, 50), -10), ((64, 48), 3.3), ((33, 71), 9.99), ((7, 3), -0.7)])
def test_rotation_within_the_same_size_is_pillows_rotation_with_reflected_corners(size, angle):
    img = Image.fromarray(np.random.default_rng(0).integers(0, 256, size[::-1] + (3,), dtype=np.uint8))
    np.testing.assert_array_equal(np.asarray(T.rotate_reflect(img, angle)), np.asarray(_rotate_by_pillow(img, angle)))


def test_rotating_a_thin_image_costs_its_own_pixels_not_a_padded_canvas():
    img = Resize(32)(Image.new("RGB", (4, 400), (90, 40, 10)))  # 32 x 3200: the 193-byte PNG's case, smaller
    minigrad.manual_seed(0)
    tracemalloc.start()
    try:
        outs = [RandomRotate(10, p=1.0)(img) for _ in range(3)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 32 * 3200 * 3 * 3  # the padded canvas was 4312 x 1144 x 3 (15 MB); 1.7 GB from 4x4000
    for out in outs:  # long side cut to a random window 4 times the short one; flat stays flat
        assert out.size == (32, 128) and (np.asarray(out) == (90, 40, 10)).all()
    assert T.rotate_reflect(img, 7).size == img.size  # the rotation itself keeps the size


def test_the_augmented_lesson_pipeline_handles_a_4x4000_image():
    from minigrad.data import tfms_from_model, transforms_side_on
    trn, _ = tfms_from_model(type("resnet34", (), {}), 32, aug_tfms=transforms_side_on, max_zoom=1.1)
    minigrad.manual_seed(0)
    tracemalloc.start()
    try:
        x = [trn(Image.new("RGB", (4, 4000), (90, 40, 10))) for _ in range(4)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert all(a.shape == (3, 32, 32) for a in x) and peak < 50e6


def _bounded_resize(monkeypatch, most):
    """Image.resize refusing to make more than `most` pixels (what a 4 GB resize would have been)."""
    resize = Image.Image.resize

    def checked(self, size, *args, **kwargs):
        assert size[0] * size[1] <= most, f"resize to {size}: {size[0] * size[1]} pixels"
        return resize(self, size, *args, **kwargs)
    monkeypatch.setattr(Image.Image, "resize", checked)


def test_classify_resizes_a_thin_photo_within_a_bound(monkeypatch, tmp_path, capsys):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "recipes"))
    import classify

    import models
    from minigrad.weights import save_weights
    square = Image.fromarray(np.random.default_rng(1).integers(0, 256, (300, 260, 3), dtype=np.uint8))
    expected = Compose([Resize(256), CenterCrop(224), ToArray(), Normalize()])(square)
    np.testing.assert_array_equal(classify.prepare(square, 256, 224), expected)  # an ordinary photo: unchanged
    weights, strip = tmp_path / "r18.npz", tmp_path / "strip.png"
    save_weights(models.resnet18().state_dict(), weights)
    Image.new("RGB", (1, 20000), (200, 100, 50)).save(strip)  # 165 bytes: 4.2 GB and 33 s before
    _bounded_resize(monkeypatch, 4 * 256 * 256)  # it asked for 256 x 5120000
    answers = classify.main([str(strip), "--weights", str(weights), "--arch", "resnet18"])
    assert len(answers) == 5 and "ImageNet class" in capsys.readouterr().out
    x = classify.prepare(Image.new("RGB", (20000, 1)), 32, 32)
    assert x.shape == (3, 32, 32) and x.dtype == np.float32


def test_a_bad_image_names_the_recipes_flag_and_the_python_argument(tmp_path):
    from minigrad.data.folder import BadImageError, load_image
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(BadImageError, match="--skip-bad for recipes/lesson1.py, skip_bad=True in Python"):
        load_image(str(bad))


def test_image_folder_refuses_a_class_that_skip_bad_emptied(tmp_path):
    from PIL import Image
    from minigrad.data.folder import ImageFolder
    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "cats" / "a.png")
    (tmp_path / "dogs" / "b.png").write_bytes(b"broken")
    with pytest.raises(ValueError, match="dogs has no readable image left"):
        ImageFolder(str(tmp_path), skip_bad=True)


def test_an_unreadable_subfolder_is_named_not_silently_left_out(tmp_path, monkeypatch):
    from minigrad.data.folder import find_images
    (tmp_path / "cats" / "more").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(tmp_path / "cats" / "a.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "cats" / "more" / "b.png")
    scandir = os.scandir

    def denied(path="."):  # chmod 000 as a user (root reads through it, so the test plays the refusal)
        if str(path).endswith("more"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)
    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(PermissionError, match="cannot read the folder .*more: Permission denied"):
        find_images(str(tmp_path / "cats"))


def test_one_float_pixel_above_one_does_not_blacken_a_zero_to_one_image(tmp_path):
    from minigrad.data.folder import load_image
    f = np.full((8, 8), 0.5, np.float32)
    f[0, 0] = 1.0001  # a rounding overshoot
    Image.fromarray(f, "F").save(tmp_path / "x.tif")
    a = np.asarray(load_image(str(tmp_path / "x.tif")))
    assert a[1, 1, 0] == 127 and a[0, 0, 0] == 255
    f[0, :21] = 1.2  # highlights on more than 1% of the pixels
    Image.fromarray(f, "F").save(tmp_path / "y.tif")
    assert np.asarray(load_image(str(tmp_path / "y.tif")))[1, 1, 0] == 127


def test_a_large_16_bit_image_is_converted_without_float_copies(tmp_path):
    from minigrad.data.folder import to_rgb
    img = Image.fromarray(np.full((1000, 1000), 65535, np.uint16))
    assert img.mode.startswith("I;16")
    tracemalloc.start()
    out = np.asarray(to_rgb(img))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert out[0, 0, 0] == 255 and peak < 12e6  # the float64 path took 8 MB a copy, 30 MB in all


def test_a_link_that_puts_one_image_in_two_classes_is_refused(tmp_path):
    from minigrad.data.folder import ImageFolder
    for cls in ("circles", "crosses"):
        (tmp_path / cls).mkdir()
        Image.new("RGB", (8, 8)).save(tmp_path / cls / "a.png")
    os.symlink("../crosses", tmp_path / "circles" / "xlink")  # crosses' images would be circles too
    with pytest.raises(ValueError, match="is in two classes, .*remove the link"):
        ImageFolder(str(tmp_path))


def test_a_broken_link_among_the_images_is_named_with_the_fix(tmp_path):
    from minigrad.data.folder import BadImageError, ImageFolder
    (tmp_path / "cats").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "cats" / "a.png")
    os.symlink("/nonexistent/x.png", tmp_path / "cats" / "zz.png")
    with pytest.raises(BadImageError, match="zz.png is a link to /nonexistent/x.png, which does not exist: delete"):
        ImageFolder(str(tmp_path))
    assert len(ImageFolder(str(tmp_path), skip_bad=True).samples) == 1
