"""torchvision's utils and transforms as minigrad.data.utils and minigrad.data.transforms: make_grid's
layout and normalisation, save_image's pixels and files, and the everyday transforms (Lambda,
ToPILImage, Grayscale, Pad, RandomCrop(padding=), RandomResizedCrop, CenterCrop, Resize, ToTensor).

torchvision does not install beside torch here: every expected value below is worked out by hand
from torchvision's documented behaviour (and its source, read for the facts)."""
import os
import warnings

import numpy as np
import pytest
from PIL import Image

import minigrad
from minigrad.data import transforms
from minigrad.data.utils import make_grid, save_image


def gray_batch():
    """3 one-channel images of 1 x 2 pixels: [[1, 2]], [[3, 4]], [[5, 6]]."""
    return minigrad.tensor(np.arange(1, 7, dtype=np.float32).reshape(3, 1, 1, 2))


def test_make_grid_lays_images_in_rows_with_padding_around_each():
    grid = make_grid(gray_batch(), nrow=2, padding=1, pad_value=9)
    # xmaps = 2, ymaps = 2; cells of (1 + 1) x (2 + 1); grid (3, 2 * 2 + 1, 2 * 3 + 1); gray -> 3 channels
    one = [[9, 9, 9, 9, 9, 9, 9],
           [9, 1, 2, 9, 3, 4, 9],
           [9, 9, 9, 9, 9, 9, 9],
           [9, 5, 6, 9, 9, 9, 9],  # the cell after the last image keeps pad_value
           [9, 9, 9, 9, 9, 9, 9]]
    assert isinstance(grid, minigrad.Tensor) and grid.dtype == np.float32 and grid.shape == (3, 5, 7)
    np.testing.assert_array_equal(grid.numpy(), np.array([one] * 3, np.float32))
    wide = make_grid(gray_batch(), padding=0)  # nrow 8 > 3 images: one row
    np.testing.assert_array_equal(wide.numpy()[0], [[1, 2, 3, 4, 5, 6]])
    default = make_grid(gray_batch())  # padding 2, pad_value 0
    assert default.shape == (3, 1 * 3 + 2, 3 * 4 + 2) and default.numpy()[0, 2, 2:4].tolist() == [1, 2]
    listed = make_grid([minigrad.ones(3, 2, 2), minigrad.zeros(3, 2, 2)], padding=1, pad_value=0.5)
    np.testing.assert_array_equal(listed.numpy()[1], [[.5, .5, .5, .5, .5, .5, .5], [.5, 1, 1, .5, 0, 0, .5],
                                                      [.5, 1, 1, .5, 0, 0, .5], [.5, .5, .5, .5, .5, .5, .5]])


def test_make_grid_returns_a_single_image_unpadded():
    rgb = minigrad.tensor(np.random.default_rng(0).random((3, 4, 5)).astype(np.float32))
    same = make_grid(rgb)
    np.testing.assert_array_equal(same.numpy(), rgb.numpy())
    same.add_(1)  # a view of the input, as torchvision's squeeze(0)
    np.testing.assert_array_equal(same.numpy(), rgb.numpy())
    assert make_grid(minigrad.ones(1, 3, 4, 5)).shape == (3, 4, 5)
    gray = make_grid(minigrad.tensor([[0.0, 1.0]]))  # (H, W): one gray image, as three channels
    assert gray.shape == (3, 1, 2) and gray.numpy()[:, 0, 1].tolist() == [1.0, 1.0, 1.0]
    assert make_grid(minigrad.zeros(1, 5, 5)).shape == (3, 5, 5)
    assert make_grid(minigrad.zeros(2, 4, 3, 3)).shape == (4, 7, 12)  # other channel counts stay


def test_make_grid_normalize_value_range_and_scale_each():
    x = minigrad.tensor(np.array([[[[-1.0, 0.0]]], [[[1.0, 3.0]]]], np.float32))  # 2 gray images
    whole = make_grid(x, padding=0, normalize=True).numpy()[0]
    np.testing.assert_allclose(whole, [[0, .25, .5, 1]])  # (x - min) / (max - min) over the batch
    each = make_grid(x, padding=0, normalize=True, scale_each=True).numpy()[0]
    np.testing.assert_allclose(each, [[0, 1, 0, 1]])  # each image's own min and max
    ranged = make_grid(x, padding=0, normalize=True, value_range=(0, 2)).numpy()[0]
    np.testing.assert_allclose(ranged, [[0, 0, .5, 1]])  # clamped to [0, 2], then / 2
    flat = make_grid(minigrad.full((2, 1, 2, 2), 5.0), normalize=True, padding=0).numpy()
    assert (flat == 0).all()  # high - low floored at 1e-5: no division by zero
    np.testing.assert_array_equal(x.numpy()[1, 0, 0], [1, 3])  # the input itself is not changed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = make_grid(x, padding=0, normalize=True, range=(0, 2)).numpy()[0]
    np.testing.assert_allclose(old, ranged)  # `range=`, value_range's old name, still works, with a warning
    assert any("range will be deprecated" in str(w.message) for w in caught)


@pytest.mark.parametrize("call,error,match", [
    (lambda: make_grid(np.zeros((2, 3, 4, 4))), TypeError, "tensor or list of tensors expected, got <class 'numpy"),
    (lambda: make_grid([minigrad.zeros(3, 2, 2), np.zeros((3, 2, 2))]), TypeError, "got a list containing"),
    (lambda: make_grid(minigrad.zeros(2, 3, 2, 2), normalize=True, value_range=[0, 1]), TypeError,
     "value_range has to be a tuple"),
    (lambda: make_grid([minigrad.zeros(3, 2, 2), minigrad.zeros(3, 2, 3)]), RuntimeError, "stack expects"),
    (lambda: save_image(minigrad.zeros(3, 2, 2, dtype=minigrad.uint8), "x.png"), RuntimeError, "Float can't"),
])
def test_make_grid_and_save_image_refuse_what_torchvision_refuses(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_save_image_writes_rounded_8_bit_pixels(tmp_path):
    x = minigrad.tensor(np.array([[[0.0, 0.5, 0.002], [1.0, 2.0, -0.1]]], np.float32))  # one gray image (1, 2, 3)
    save_image(x, tmp_path / "one.png")
    img = Image.open(tmp_path / "one.png")
    assert img.format == "PNG" and img.mode == "RGB" and img.size == (3, 2)
    expected = np.array([[0, 128, 1], [255, 255, 0]], np.uint8)  # floor(x * 255 + 0.5), clamped to [0, 255]
    np.testing.assert_array_equal(np.asarray(img), np.repeat(expected[:, :, None], 3, axis=2))
    batch = minigrad.tensor(np.random.default_rng(1).random((5, 3, 4, 4)).astype(np.float32))
    save_image(batch, str(tmp_path / "grid.png"), nrow=2, padding=1)
    grid = make_grid(batch, nrow=2, padding=1).numpy()
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "grid.png")),
                                  np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0))
    assert sorted(os.listdir(tmp_path)) == ["grid.png", "one.png"]  # written whole: no temporary file left
    with open(tmp_path / "file.bmp", "wb") as f:
        save_image(batch, f, format="BMP")
    assert Image.open(tmp_path / "file.bmp").size == (5 * (4 + 2) + 2, 4 + 2 + 2)  # nrow 8, padding 2
    with pytest.raises(ValueError, match="unknown file extension"):
        save_image(batch, tmp_path / "grid.nothing")
    with pytest.raises(FileNotFoundError):
        save_image(batch, tmp_path / "missing" / "grid.png")  # as Pillow: the folder is not made


def test_lambda_and_to_pil_image():
    double = transforms.Lambda(lambda x: x * 2)
    assert double(3) == 6 and repr(double) == "Lambda()"
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        transforms.Lambda(5)
    to_pil = transforms.ToPILImage()
    gray = to_pil(minigrad.tensor([[[0.0, 0.5], [1.0, 0.999]]]))
    assert gray.mode == "L" and np.asarray(gray).tolist() == [[0, 127], [255, 254]]  # x * 255, truncated
    rgb = np.random.default_rng(0).integers(0, 256, (3, 2, 4)).astype(np.float32) / 255
    assert to_pil(minigrad.tensor(rgb)).mode == "RGB" and to_pil(minigrad.tensor(rgb)).size == (4, 2)
    assert to_pil(np.zeros((2, 2, 4), np.uint8)).mode == "RGBA" and to_pil(np.zeros((2, 2, 2), np.uint8)).mode == "LA"
    assert to_pil(np.zeros((2, 2), np.int32)).mode == "I"
    kept = transforms.ToPILImage("F")(np.full((2, 2), 0.25, np.float32))
    assert kept.mode == "F" and np.asarray(kept)[0, 0] == 0.25
    for bad, error, match in ((np.zeros((2, 2, 5), np.uint8), ValueError, "should not have > 4 channels. Got 5"),
                              ([[0]], TypeError, "pic should be Tensor or ndarray"),
                              (np.zeros((1, 2, 2, 2)), ValueError, "pic should be 2/3 dimensional. Got 4")):
        with pytest.raises(error, match=match):
            to_pil(bad)
    with pytest.raises(ValueError, match="Only modes"):
        transforms.ToPILImage("RGBA")(np.zeros((2, 2, 3), np.uint8))


def test_grayscale_of_images_and_tensors():
    img = Image.fromarray(np.random.default_rng(2).integers(0, 256, (3, 4, 3), dtype=np.uint8))
    one = transforms.Grayscale()(img)
    assert one.mode == "L" and np.array_equal(np.asarray(one), np.asarray(img.convert("L")))
    three = np.asarray(transforms.Grayscale(3)(img))
    assert three.shape == (3, 4, 3) and (three == np.asarray(one)[:, :, None]).all()
    x = minigrad.tensor(np.array([[[1.0]], [[0.5]], [[0.25]]], np.float32))
    np.testing.assert_allclose(transforms.Grayscale()(x).numpy(), [[[0.2989 + 0.2935 + 0.0285]]], rtol=1e-6)
    assert transforms.Grayscale(3)(x).shape == (3, 1, 1)
    bytes_ = minigrad.tensor(np.array([[[200]], [[100]], [[10]]], np.uint8), dtype=minigrad.uint8)
    assert transforms.Grayscale()(bytes_).numpy().tolist() == [[[119]]]  # 59.78 + 58.7 + 1.14 = 119.62, truncated
    with pytest.raises(ValueError, match="num_output_channels should be either 1 or 3"):
        transforms.Grayscale(2)(img)


def test_pad_modes_and_padding_forms():
    img = Image.fromarray(np.array([[1, 2, 3], [4, 5, 6]], np.uint8))
    expected = {"edge": [[1, 1, 1, 2, 3, 3, 3], [1, 1, 1, 2, 3, 3, 3], [4, 4, 4, 5, 6, 6, 6], [4, 4, 4, 5, 6, 6, 6]],
                "reflect": [[6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1], [6, 5, 4, 5, 6, 5, 4], [3, 2, 1, 2, 3, 2, 1]],
                "symmetric": [[2, 1, 1, 2, 3, 3, 2], [2, 1, 1, 2, 3, 3, 2], [5, 4, 4, 5, 6, 6, 5],
                              [5, 4, 4, 5, 6, 6, 5]]}
    for mode, want in expected.items():  # (2, 1): 2 left and right, 1 top and bottom
        assert np.asarray(transforms.Pad((2, 1), padding_mode=mode)(img)).tolist() == want, mode
    ltrb = np.asarray(transforms.Pad((1, 0, 0, 2), fill=7)(img)).tolist()  # left, top, right, bottom
    assert ltrb == [[7, 1, 2, 3], [7, 4, 5, 6], [7, 7, 7, 7], [7, 7, 7, 7]]
    rgb = np.asarray(transforms.Pad(1, fill=(10, 20, 30))(img.convert("RGB")))
    assert rgb.shape == (4, 5, 3) and rgb[0, 0].tolist() == [10, 20, 30] and rgb[1, 1].tolist() == [1, 1, 1]
    assert np.asarray(transforms.Pad(-1, padding_mode="edge")(Image.fromarray(np.arange(9, dtype=np.uint8).reshape(
        3, 3)))).tolist() == [[4]]  # negative padding crops
    padded = transforms.Pad(1)(minigrad.ones(1, 2, 2))
    assert isinstance(padded, minigrad.Tensor) and padded.numpy()[0].tolist() == [[0, 0, 0, 0], [0, 1, 1, 0],
                                                                                   [0, 1, 1, 0], [0, 0, 0, 0]]
    for args, error, match in (((("a",)), TypeError, "inappropriate padding"),
                               (((1,), {"padding_mode": "wrap"}), ValueError, "constant, edge, reflect or symmetric"),
                               ((((1, 2, 3),)), ValueError, "not a 3 element tuple")):
        args, kwargs = (args if isinstance(args[-1], dict) else (args, {}))
        with pytest.raises(error, match=match):
            transforms.Pad(*args, **kwargs)


def test_random_crop_with_padding_and_pad_if_needed():
    img = Image.fromarray(np.arange(1, 10, dtype=np.uint8).reshape(3, 3))
    padded = np.pad(np.arange(1, 10).reshape(3, 3), 1)
    windows = {tuple(padded[i:i + 3, j:j + 3].ravel()) for i in range(3) for j in range(3)}
    minigrad.manual_seed(0)
    seen = {tuple(np.asarray(transforms.RandomCrop(3, padding=1)(img)).ravel()) for _ in range(60)}
    assert seen <= windows and len(seen) > 3  # CIFAR-10's RandomCrop(32, padding=4), small
    assert transforms.RandomCrop((5, 4), pad_if_needed=True)(img).size == (4, 5)
    with pytest.raises(ValueError, match=r"Required crop size \(4, 4\) is larger than input image size \(3, 3\)"):
        transforms.RandomCrop(4)(img)
    pipeline = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
                                   transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])
    assert pipeline(Image.new("RGB", (32, 32))).shape == (3, 32, 32)


def test_center_crop_pads_a_smaller_image_as_torchvision():
    img = Image.fromarray(np.array([[1, 2, 3], [4, 5, 6]], np.uint8))  # w 3, h 2
    out = np.asarray(transforms.CenterCrop((3, 6))(img)).tolist()  # 3 columns short: 1 left, 2 right; 1 row: below
    assert out == [[0, 1, 2, 3, 0, 0], [0, 4, 5, 6, 0, 0], [0, 0, 0, 0, 0, 0]]


def test_resize_computes_the_longer_side_as_torchvision():
    assert transforms.Resize(2)(Image.new("L", (98, 49))).size == (4, 2)  # int(2 * 98 / 49), not floor(98 * 2/49)
    same = Image.new("RGB", (20, 30))
    assert transforms.Resize(20)(same) is same and transforms.Resize([20])(same) is same
    img = Image.fromarray(np.arange(16, dtype=np.uint8).reshape(4, 4))
    nearest = transforms.Resize(2, interpolation=transforms.InterpolationMode.NEAREST)(img)
    assert np.array_equal(np.asarray(nearest), np.asarray(img.resize((2, 2), Image.NEAREST)))


def test_random_resized_crop():
    img = Image.fromarray(np.arange(60, dtype=np.uint8).reshape(6, 10))
    # area 60 at ratio 1 needs 8 x 8, taller than the image: ten misses, then the central 6 x 6 (ratio 1)
    whole = transforms.RandomResizedCrop(6, scale=(1.0, 1.0), ratio=(1.0, 1.0))(img)
    np.testing.assert_array_equal(np.asarray(whole), np.asarray(img)[:, 2:8])
    square = Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8))
    a = np.asarray(square)
    windows = {tuple(a[i:i + 4, j:j + 4].ravel()) for i in range(5) for j in range(5)}
    crops = {tuple(np.asarray(transforms.RandomResizedCrop(4, scale=(.25, .25), ratio=(1, 1))(square)).ravel())
             for _ in range(30)}
    assert crops <= windows and len(crops) > 3
    assert transforms.RandomResizedCrop((3, 5))(img).size == (5, 3)
    with pytest.raises(TypeError, match="Scale should be a sequence"):
        transforms.RandomResizedCrop(4, scale=0.5)


def test_to_tensor_keeps_torchvisions_channels_and_dtypes():
    rgba = Image.new("RGBA", (2, 1), (255, 0, 51, 255))
    x = transforms.ToTensor()(rgba)
    assert x.shape == (4, 1, 2) and x.dtype == np.float32  # RGBA: four channels (torchvision keeps the alpha)
    np.testing.assert_allclose(x.numpy()[:, 0, 0], [1.0, 0.0, 0.2, 1.0], rtol=1e-6)
    ints = transforms.ToTensor()(Image.fromarray(np.array([[70000, -3]], np.int32), "I"))
    assert ints.dtype == np.int32 and ints.numpy().tolist() == [[[70000, -3]]]  # not divided by 255
    floats = transforms.ToTensor()(Image.fromarray(np.array([[2.5]], np.float32), "F"))
    assert floats.dtype == np.float32 and floats.numpy().tolist() == [[[2.5]]]
    bits = transforms.ToTensor()(Image.fromarray(np.array([[True, False]])).convert("1"))
    assert bits.numpy().tolist() == [[[1.0, 0.0]]]
    assert transforms.ToTensor()(np.zeros((2, 3, 2), np.int64)).dtype == np.int64  # non-uint8 arrays keep values
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        transforms.ToTensor()([[1]])


def test_vertical_flip_and_random_apply():
    img = Image.fromarray(np.array([[1], [2]], np.uint8))
    assert np.asarray(transforms.RandomVerticalFlip(p=1)(img)).ravel().tolist() == [2, 1]
    assert transforms.RandomVerticalFlip(p=0)(img) is img
    assert transforms.RandomApply([transforms.Lambda(lambda v: v + 1)], p=1.0)(1) == 2
    assert transforms.RandomApply([transforms.Lambda(lambda v: v + 1)], p=0.0)(1) == 1


def test_make_grid_and_save_image_on_every_device(device, tmp_path):
    x = minigrad.tensor(np.random.default_rng(3).random((3, 1, 2, 2)).astype(np.float32), device=device)
    grid = make_grid(x, nrow=2, padding=1, normalize=True)
    assert minigrad.array_module.device_of(grid.array) == device and grid.shape == (3, 7, 7)
    expected = make_grid(minigrad.tensor(x.numpy()), nrow=2, padding=1, normalize=True).numpy()
    np.testing.assert_allclose(grid.numpy(), expected, rtol=1e-6)
    save_image(x, tmp_path / "grid.png", nrow=2, padding=1)
    assert Image.open(tmp_path / "grid.png").size == (7, 7)


def test_pil_transforms_say_where_they_go_when_given_a_tensor():
    for t in (transforms.RandomResizedCrop(4), transforms.RandomVerticalFlip(p=1)):
        with pytest.raises(TypeError, match="works on PIL images here: put it before ToTensor"):
            t(minigrad.zeros(3, 8, 8))
