"""fastai 0.7's lesson-1 data API: tfms_from_model's pipelines, ImageClassifierData.from_paths and
its attributes (fnames, y, trn_y, val_y, denorm, fix/aug/test loaders), and the data defects of
issue 12 that live there: one-class data, skipping unreadable photos end to end."""
import os
import warnings

import numpy as np
import pytest
from PIL import Image

from minigrad.data import (BadImageError, CropType, ImageClassifierData, RandomFlip, RandomLighting, RandomRotate,
                           RandomZoom, get_cv_idxs, imagenet_stats, make_shapes_dataset, tfms_from_model,
                           tfms_from_stats, transforms_basic, transforms_side_on, transforms_top_down)
from models import resnet34

REAL = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "dogscats")
needs_real = pytest.mark.skipif(not os.path.isdir(REAL), reason=f"the real photos are not at {REAL}")


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    return make_shapes_dataset(str(tmp_path_factory.mktemp("shapes")), n_train=5, n_valid=3, size=32)


def kinds(tfm):
    return [type(t).__name__ for t in tfm.tfms]


def striped(w=48, h=40):
    a = np.zeros((h, w, 3), np.uint8)
    a[:, ::3] = 255
    a[::5, :, 1] = 128
    return Image.fromarray(a)


def test_tfms_from_model_without_aug_tfms_has_no_augmentation():
    trn, val = tfms_from_model(resnet34, 32)
    assert kinds(trn) == ["Resize", "RandomCrop", "ToArray", "Normalize"]  # fastai: Scale, RandomCrop, normalise
    assert kinds(val) == ["Resize", "CenterCrop", "ToArray", "Normalize"]
    assert trn.sz == val.sz == 32
    np.testing.assert_array_equal(trn.norm.mean.ravel(), imagenet_stats[0])
    square = striped(40, 40)
    assert all(np.array_equal(trn(square), val(square)) for _ in range(4))  # a square: nothing random left


def test_lesson_one_augmentation_is_fastais():
    trn, val = tfms_from_model(resnet34, 32, aug_tfms=transforms_side_on, max_zoom=1.1)
    assert kinds(trn) == ["RandomZoom", "RandomRotate", "RandomFlip", "RandomCrop", "ToArray", "RandomLighting",
                          "Normalize"]
    zoom, rotate = trn.tfms[0], trn.tfms[1]
    assert (zoom.max_zoom, zoom.p) == (1.1, 0.75) and (rotate.degrees, rotate.p) == (10, 0.75)
    assert [type(t) for t in transforms_basic] == [RandomRotate, RandomLighting]
    assert type(transforms_side_on[-1]) is RandomFlip and type(transforms_top_down[-1]).__name__ == "RandomDihedral"
    img = striped()
    outs = [trn(img) for _ in range(6)]
    assert all(o.shape == (3, 32, 32) and o.dtype == np.float32 for o in outs)
    assert any(not np.array_equal(outs[0], o) for o in outs[1:])
    x, y = val(img, 7)  # fastai's (x, y) call
    assert y == 7 and x.shape == (3, 32, 32)
    assert kinds(tfms_from_model(resnet34, 32, crop_type=CropType.NO)[0])[:2] == ["Resize", "Resize"]
    assert kinds(tfms_from_stats(None, 16)[1]) == ["Resize", "CenterCrop", "ToArray"]
    with pytest.raises(NotImplementedError, match="tfm_y"):
        tfms_from_model(resnet34, 32, tfm_y=2)


def test_random_zoom_scales_the_shorter_side_like_fastais_random_scale():
    sizes = {RandomZoom(20, max_zoom=1.5)(striped(60, 40)).size[1] for _ in range(40)}
    assert 20 in sizes and len(sizes) > 3 and max(sizes) <= 30  # p=0.75 zooms, else size; int(sz * U(1, 1.5))


def test_from_paths_gives_fastais_attributes(shapes):
    tfms = tfms_from_model(resnet34, 32, aug_tfms=transforms_side_on, max_zoom=1.1)
    data = ImageClassifierData.from_paths(shapes, bs=4, tfms=tfms, num_workers=0)
    assert data.path == shapes and data.bs == 4 and data.sz == data.size == 32
    assert data.classes == ["circles", "crosses"] and data.c == 2
    assert data.val_ds.fnames[0] == os.path.join("valid", "circles", "circle_0000.png")
    assert len(data.trn_ds) == 10 and len(data.val_ds) == 6
    assert data.trn_y.dtype == np.int64 and data.val_y.tolist() == [0, 0, 0, 1, 1, 1]
    assert data.trn_ds.y is data.trn_y and data.trn_ds.c == 2 and data.trn_ds.sz == 32
    assert data.trn_ds.transform is tfms[0] and data.val_ds.transform is tfms[1]
    assert data.fix_ds.fnames == data.trn_ds.fnames and data.fix_ds.transform is tfms[1]  # what precompute caches
    assert data.aug_ds.fnames == data.val_ds.fnames and data.aug_ds.transform is tfms[0]  # for TTA
    assert data.test_ds is None and data.test_dl is None
    x, y = next(iter(data.trn_dl))
    assert x.shape == (4, 3, 32, 32) and x.dtype == np.float32 and y.dtype == np.int64
    assert [len(b[1]) for b in data.val_dl] == [4, 2] and [len(b[1]) for b in data.aug_dl] == [4, 2]
    assert data.fix_dl.dataset is data.fix_ds and data.trn_dl.dataset is data.trn_ds
    assert data.trn_dl.shuffle and not data.val_dl.shuffle


def test_from_paths_with_size_alone_does_not_augment(shapes):
    """The nearest call to fastai's tfms_from_model(arch, sz) used to turn augmentation on."""
    data = ImageClassifierData.from_paths(shapes, size=32, bs=4)
    assert kinds(data.trn_ds.transform) == ["Resize", "RandomCrop", "ToArray", "Normalize"]
    with pytest.raises(ValueError, match="please provide transformations"):
        ImageClassifierData.from_paths(shapes)
    with pytest.raises(ValueError, match="not both"):
        ImageClassifierData.from_paths(shapes, tfms=tfms_from_model(resnet34, 32), size=32)


def test_denorm_gives_the_images_back_channel_last(shapes):
    data = ImageClassifierData.from_paths(shapes, bs=4, tfms=tfms_from_model(resnet34, 32))
    x, _ = next(iter(data.val_dl))
    images = data.val_ds.denorm(x)
    assert images.shape == (4, 32, 32, 3) and images.dtype == np.float32
    assert 0 <= images.min() and images.max() <= 1
    original = np.asarray(Image.open(os.path.join(shapes, data.val_ds.fnames[1]))) / 255
    np.testing.assert_allclose(images[1], original, atol=1e-5)  # 32px images: no resize, no crop
    np.testing.assert_allclose(data.val_ds.denorm(x.numpy()[1]), images[1:2], atol=1e-6)  # one image: a batch of one


def test_test_folder_with_and_without_labels(shapes, tmp_path):
    root = tmp_path / "d"
    for split in ("train", "valid"):
        for cls in ("circles", "crosses"):
            src = os.path.join(shapes, split, cls)
            os.makedirs(root / split / cls)
            for name in sorted(os.listdir(src))[:2]:
                Image.open(os.path.join(src, name)).save(root / split / cls / name)
    os.makedirs(root / "test" / "crosses")
    Image.open(os.path.join(shapes, "valid", "crosses", "crosse_0000.png")).save(root / "test" / "crosses" / "a.png")
    Image.open(os.path.join(shapes, "valid", "circles", "circle_0000.png")).save(root / "test" / "b.png")
    tfms = tfms_from_model(resnet34, 32)
    data = ImageClassifierData.from_paths(root, bs=4, tfms=tfms, test_name="test")
    assert data.test_ds.fnames == [os.path.join("test", "b.png"), os.path.join("test", "crosses", "a.png")]
    assert data.test_ds.y.tolist() == [0, 0] and data.test_aug_ds.transform is tfms[0]
    x, y = next(iter(data.test_dl))
    assert x.shape == (2, 3, 32, 32) and y.tolist() == [0, 0]
    os.remove(root / "test" / "b.png")
    os.makedirs(root / "test" / "circles")
    Image.open(os.path.join(shapes, "valid", "circles", "circle_0000.png")).save(root / "test" / "circles" / "b.png")
    labelled = ImageClassifierData.from_paths(root, bs=4, tfms=tfms, test_name="test", test_with_labels=True)
    assert labelled.test_ds.y.tolist() == [0, 1]


def test_one_class_data_is_refused(tmp_path):
    for split in ("train", "valid"):
        os.makedirs(tmp_path / split / "cats")
        Image.new("RGB", (8, 8)).save(tmp_path / split / "cats" / "1.png")
    os.makedirs(tmp_path / "train" / ".ipynb_checkpoints")  # Jupyter's folder is no class (fastai's rule)
    with pytest.raises(ValueError, match="needs at least 2 classes"):
        ImageClassifierData.from_paths(tmp_path, tfms=tfms_from_model(resnet34, 8))


def test_skip_bad_leaves_unreadable_photos_out_of_every_split(shapes, tmp_path):
    root = tmp_path / "d"
    for split, cls in (("train", "circles"), ("train", "crosses"), ("valid", "circles"), ("valid", "crosses"),
                       ("test", "")):
        os.makedirs(root / split / cls, exist_ok=True)
        src = os.path.join(shapes, "valid", cls or "circles")
        Image.open(os.path.join(src, sorted(os.listdir(src))[0])).save(root / split / cls / "good.png")
        (root / split / cls / "broken.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")
    tfms = tfms_from_model(resnet34, 32)
    strict = ImageClassifierData.from_paths(root, bs=8, tfms=tfms, test_name="test", num_workers=0)
    with pytest.raises(BadImageError, match=r"broken\.jpg.*skip_bad=True"):
        list(strict.trn_dl)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = ImageClassifierData.from_paths(root, bs=8, tfms=tfms, test_name="test", skip_bad=True)
    assert len(caught) == 5 and all("broken.jpg" in str(w.message) for w in caught)
    assert (len(data.trn_ds), len(data.val_ds), len(data.test_ds)) == (2, 2, 1)
    for loader in (data.trn_dl, data.val_dl, data.fix_dl, data.aug_dl, data.test_dl, data.tta_dl(2)):
        assert sum(len(y) for _, y in loader) == len(loader.dataset)


def test_from_csv_splits_with_fastais_validation_indices(shapes, tmp_path):
    names = sorted(os.listdir(os.path.join(shapes, "train", "circles")))
    csv = tmp_path / "labels.csv"
    csv.write_text("id,label\n" + "".join(f"{n[:-4]},{'round' if i % 2 else 'square'}\n" for i, n in enumerate(names)))
    data = ImageClassifierData.from_csv(os.path.join(shapes, "train"), "circles", str(csv), bs=2,
                                        tfms=tfms_from_model(resnet34, 32), suffix=".png")
    assert data.classes == ["round", "square"] and len(data.val_ds) == 1 and len(data.trn_ds) == 4
    assert get_cv_idxs(5).tolist() == np.random.RandomState(42).permutation(5)[:1].tolist()
    assert data.val_ds.fnames == [os.path.join("circles", names[get_cv_idxs(5)[0]])]
    x, y = next(iter(data.trn_dl))
    assert x.shape == (2, 3, 32, 32)


@needs_real
def test_lesson_one_cells_on_the_real_photos():
    sz = 64
    tfms = tfms_from_model(resnet34, sz, aug_tfms=transforms_side_on, max_zoom=1.1)
    data = ImageClassifierData.from_paths(REAL, bs=16, tfms=tfms)
    assert data.val_y.shape == (48,) and data.classes == ["cats", "dogs"]
    assert data.val_ds.fnames[0].startswith(os.path.join("valid", "cats") + os.sep)
    x, y = next(iter(data.aug_dl))
    assert x.shape == (16, 3, sz, sz) and y.shape == (16,)
    images = data.val_ds.denorm(next(iter(data.val_dl))[0])
    assert images.shape == (16, sz, sz, 3) and 0 <= images.min() and images.max() <= 1


def test_resize_reads_shrunk_copies_written_once(shapes, tmp_path):
    import shutil
    root = tmp_path / "d"
    shutil.copytree(shapes, root)
    data = ImageClassifierData.from_paths(root, bs=4, tfms=tfms_from_model(resnet34, 16))
    small = data.resize(20, "tmp")
    assert small.path == os.path.join(str(root), "tmp", "20") and small.val_ds.fnames == data.val_ds.fnames
    assert Image.open(os.path.join(small.path, small.val_ds.fnames[0])).size == (20, 20)
    stamp = os.path.getmtime(os.path.join(small.path, small.trn_ds.fnames[0]))
    again = data.resize(20, "tmp")
    assert os.path.getmtime(os.path.join(again.path, again.trn_ds.fnames[0])) == stamp
    x, y = next(iter(small.trn_dl))
    assert x.shape == (4, 3, 16, 16) and small.classes == data.classes


def test_a_cold_precompute_cache_iterating_fix_dl_changes_no_other_loader(tmp_path):
    """Issue 12: the same seed gave different results with a cold and a warm cache. Here train and
    valid have the same size, so fix_dl and aug_dl look alike but for their files and transforms."""
    root = make_shapes_dataset(str(tmp_path), n_train=3, n_valid=3, size=32)
    tfms = tfms_from_model(resnet34, 24, aug_tfms=transforms_side_on, max_zoom=1.2)

    def run(cold):
        from minigrad import manual_seed
        manual_seed(4)
        data = ImageClassifierData.from_paths(root, bs=4, tfms=tfms, num_workers=0)
        if cold:
            list(data.fix_dl)  # what computing the cache does
        return [x.numpy() for dl in (data.aug_dl, data.trn_dl) for x, _ in dl]

    for a, b in zip(run(False), run(True)):
        np.testing.assert_array_equal(a, b)
