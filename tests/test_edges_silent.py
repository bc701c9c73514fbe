"""Nothing silently wrong at the edges (issue 24): a swapped or damaged precompute cache file is
computed again, --skip-bad that empties a class or a split is refused, weights of another
architecture are refused, NaN weights give lr_find one clear line, and the weights CLI says one
line for a target it cannot write."""
import os
import shutil

import numpy as np
import pytest

import models
from minigrad.data import ImageClassifierData
from minigrad.train import suggest_lr
from minigrad.train.precompute import PrecomputeCache, data_fingerprint
from minigrad.weights import load_weights, save_weights
from minigrad.weights.__main__ import main as weights_cli
from test_learner import make_learner
from test_train_trust import fresh_features, own_cache, shapes  # noqa: F401  (the same data and cache fixtures)


def cached_learner(shapes, tmp_path, lines):
    learn = make_learner(shapes, tmp_path)
    learn.cache = PrecomputeCache(str(tmp_path / "cache" / "pre"), log=lines.append)
    learn.freeze()
    return learn


# ---- precompute: a cache file is checked against the data set it is read for ------------------------

def test_swapped_cache_files_are_computed_again_not_trained_on(shapes, tmp_path):
    lines = []
    learn = cached_learner(shapes, tmp_path, lines)
    train_x, _ = learn.activations(learn.data.fix_dl)
    learn.activations(learn.data.val_dl)
    folder = learn.cache.folder
    a, b = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    shutil.move(a, a + ".swap")
    shutil.move(b, a)
    shutil.move(a + ".swap", b)
    learn = cached_learner(shapes, tmp_path, lines)  # a new process: nothing in memory
    x, y = learn.activations(learn.data.fix_dl)
    assert x.shape[0] == len(learn.data.fix_ds)
    np.testing.assert_array_equal(y, learn.data.trn_y)
    np.testing.assert_allclose(x, fresh_features(learn, learn.data.fix_dl), rtol=1e-5, atol=1e-6)
    assert any("computing it again" in line for line in lines)


def test_a_cache_file_with_other_labels_is_computed_again(shapes, tmp_path):
    lines = []
    learn = cached_learner(shapes, tmp_path, lines)
    x, y = learn.activations(learn.data.fix_dl)
    (path,) = [os.path.join(learn.cache.folder, f) for f in os.listdir(learn.cache.folder)]
    state = load_weights(path)
    state["y"] = 1 - state["y"]  # the same rows, the labels flipped: the digest no longer matches
    save_weights(state, path)
    learn = cached_learner(shapes, tmp_path, lines)
    _, y2 = learn.activations(learn.data.fix_dl)
    np.testing.assert_array_equal(y2, y)


def test_a_damaged_cache_file_is_computed_again(shapes, tmp_path):
    lines = []
    learn = cached_learner(shapes, tmp_path, lines)
    x, _ = learn.activations(learn.data.fix_dl)
    (path,) = [os.path.join(learn.cache.folder, f) for f in os.listdir(learn.cache.folder)]
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 2)
    learn = cached_learner(shapes, tmp_path, lines)
    np.testing.assert_allclose(learn.activations(learn.data.fix_dl)[0], x, rtol=1e-5, atol=1e-6)
    assert any("cannot be read" in line for line in lines)


def test_a_file_name_that_is_not_utf8_still_fingerprints(tmp_path):
    name = os.fsdecode(b"caf\xe9.png")  # latin-1 bytes: a surrogate escape in Python's str
    path = os.path.join(str(tmp_path), name)
    with open(path, "wb") as f:
        f.write(b"x")
    assert len(data_fingerprint([(path, 0)])) == 24


# ---- --skip-bad that leaves a class or a split empty is refused ----------------------------------------

def copy_with_bad_images(shapes, tmp_path, folder):
    """A copy of the shapes data in which every image under `folder` is unreadable."""
    root = str(tmp_path / "data")
    shutil.copytree(shapes, root)
    for here, _, files in os.walk(os.path.join(root, folder)):
        for name in files:
            with open(os.path.join(here, name), "wb") as f:
                f.write(b"not an image")
    return root


@pytest.mark.parametrize("folder", ["train/circles", "valid"])
def test_skip_bad_that_empties_a_class_or_a_split_is_refused(shapes, tmp_path, folder):
    root = copy_with_bad_images(shapes, tmp_path, folder)
    with pytest.warns(UserWarning, match="skipping"):
        with pytest.raises(ValueError, match="no readable image left after skipping") as info:
            ImageClassifierData.from_paths(root, size=32, bs=8, skip_bad=True)
    assert os.path.join(root, folder) in str(info.value) and "\n" not in str(info.value)


def test_skip_bad_that_empties_the_test_folder_is_refused(shapes, tmp_path):
    root = str(tmp_path / "data")
    shutil.copytree(shapes, root)
    os.makedirs(os.path.join(root, "test"))
    with open(os.path.join(root, "test", "1.png"), "wb") as f:
        f.write(b"not an image")
    with pytest.warns(UserWarning, match="skipping"):
        with pytest.raises(ValueError, match="no readable image left"):
            ImageClassifierData.from_paths(root, size=32, bs=8, test_name="test", skip_bad=True)


# ---- NaN weights: lr_find says one clear line -------------------------------------------------------

def test_lr_find_with_nan_weights_says_the_weights_or_data_hold_nan(shapes, tmp_path):
    learn = make_learner(shapes, tmp_path)
    learn.body[0].weight.array[...] = np.nan
    with pytest.raises(ValueError, match="from the very first mini-batch .* hold NaN or inf") as info:
        learn.lr_find()
    assert "\n" not in str(info.value)
    assert np.isnan(learn.body[0].weight.array).all()  # the weights are put back as they were


def test_suggest_lr_without_a_finite_loss_says_so():
    with pytest.raises(ValueError, match="no finite loss"):
        suggest_lr([], [])


# ---- weights of another architecture, or holding NaN, are refused ------------------------------------

def state_of(model):
    return {k: np.array(v.array, copy=True) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("num_classes", [2, 1000])
def test_resnet34_weights_into_resnet18_are_refused(tmp_path, num_classes):
    path = str(tmp_path / "r34.npz")
    save_weights(state_of(models.resnet34()), path)
    with pytest.raises(RuntimeError, match=r"Error\(s\) in loading state_dict for ResNet: .* does not fit resnet18 "
                                           r"\(0 missing, 96 unexpected keys\): .*another architecture \(its keys "
                                           r"look like resnet34\).* unexpected keys: layer1.2.conv1.weight"):
        models.resnet18(num_classes=num_classes, weights=path)


def test_imagenet_weights_with_another_num_classes_still_load_the_body():
    state = state_of(models.resnet18())
    model = models.resnet18(num_classes=2, weights=state)
    assert tuple(model.fc.weight.shape) == (2, 512)
    np.testing.assert_array_equal(model.layer4[1].conv2.weight.numpy(), state["layer4.1.conv2.weight"])


def test_weights_with_the_same_num_classes_keep_their_classifier():
    state = state_of(models.resnet18(num_classes=2))  # a fine-tuned 2-class model's weights
    model = models.resnet18(num_classes=2, weights=state)
    np.testing.assert_array_equal(model.fc.weight.numpy(), state["fc.weight"])


def test_weights_holding_nan_are_refused(tmp_path):
    state = state_of(models.resnet18())
    state["layer2.0.bn1.running_var"][3] = np.nan
    with pytest.raises(ValueError, match=r"1 arrays hold NaN or inf \(layer2.0.bn1.running_var\)"):
        models.resnet18(weights=state)


# ---- the weights CLI: a target it cannot write is one line --------------------------------------------

@pytest.mark.parametrize("target", ["afile/x.npz", "adir.npz", "adir", "afile/sub/x.npz"])
def test_weights_convert_to_a_path_it_cannot_write_says_one_line(tmp_path, capsys, target):
    save_weights({"a": np.ones(3, np.float32)}, str(tmp_path / "in.npz"))
    (tmp_path / "afile").write_text("the user's file")
    (tmp_path / "adir.npz").mkdir()
    (tmp_path / "adir").mkdir()
    assert weights_cli(["convert", str(tmp_path / "in.npz"), str(tmp_path / target)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    if target.startswith("afile/"):
        assert f"{tmp_path / 'afile'} is a file, not a folder" in err
    assert (tmp_path / "afile").read_text() == "the user's file"


def test_weights_convert_into_a_read_only_folder_names_the_target_and_the_fix(tmp_path, capsys, monkeypatch):
    import tempfile
    save_weights({"a": np.ones(3, np.float32)}, str(tmp_path / "in.npz"))
    (tmp_path / "ro").mkdir()

    def denied(*args, dir=None, prefix="", suffix="", **kwargs):  # a read-only folder, for root too
        raise PermissionError(13, "Permission denied", os.path.join(dir or "", prefix + "abcd1234" + suffix))
    monkeypatch.setattr(tempfile, "mkstemp", denied)
    assert weights_cli(["convert", str(tmp_path / "in.npz"), str(tmp_path / "ro" / "x.npz")]) == 1
    err = capsys.readouterr().err
    assert f"cannot write {tmp_path / 'ro' / 'x.npz'}: Permission denied; make {tmp_path / 'ro'} writable" in err
    assert ".tmp-minigrad-" not in err


# ---- one NaN pixel in a float TIFF stays one pixel ---------------------------------------------------

def test_a_nan_pixel_in_a_float_tiff_stays_one_black_pixel(tmp_path):
    from PIL import Image
    from minigrad.data.folder import load_image
    a = np.full((4, 5), 0.5, np.float32)
    a[1, 2] = np.nan
    Image.fromarray(a, mode="F").save(str(tmp_path / "nan.tif"))
    pixels = np.asarray(load_image(str(tmp_path / "nan.tif")))
    expected = np.full((4, 5), 127, np.uint8)  # 0.5 of a [0, 1] float image, as without the NaN
    expected[1, 2] = 0  # the NaN pixel alone: black
    np.testing.assert_array_equal(pixels[..., 0], expected)
