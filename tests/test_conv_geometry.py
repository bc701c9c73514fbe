"""Convolution and pooling geometry (pairs, 'same', dilation, groups, ceil_mode,
count_include_pad), both op versions against torch and against each other, plus the
defects of issue 12: threads sharing conv scratch memory, adaptive max pooling's ties,
batch norm's dtype with float64 running statistics."""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from helpers import check_op, compare_with_torch, host, randn, torch
from op_versions import op_version  # noqa: F401 - the fixture

TF = torch.nn.functional if torch is not None else None

# (input shape, weight shape, keyword arguments of conv2d)
CONV_GEOMETRY = [
    ((2, 4, 6, 7), (3, 4, 1, 3), {}),  # non-square kernel
    ((2, 4, 7, 6), (3, 4, 3, 1), {"stride": (2, 1), "padding": (1, 0)}),
    ((1, 3, 8, 7), (2, 3, 3, 2), {"stride": (1, 2), "padding": (2, 1)}),
    ((2, 2, 7, 8), (3, 2, 3, 3), {"dilation": 2, "padding": 2}),
    ((1, 2, 9, 8), (2, 2, 3, 2), {"dilation": (2, 3), "stride": (2, 1)}),
    ((2, 3, 6, 7), (2, 3, 4, 3), {"padding": "same"}),  # even kernel: the odd cell at the bottom
    ((1, 2, 7, 7), (2, 2, 3, 4), {"padding": "same", "dilation": (2, 1)}),
    ((2, 3, 6, 5), (4, 3, 2, 2), {"padding": "valid"}),
    ((2, 4, 6, 6), (6, 2, 3, 3), {"groups": 2, "padding": 1}),
    ((2, 3, 7, 6), (6, 1, 3, 3), {"groups": 3, "padding": 1, "stride": 2}),  # depthwise, multiplier 2
    ((2, 4, 5, 5), (4, 1, 1, 1), {"groups": 4}),  # depthwise 1x1
    ((2, 4, 7, 6), (6, 4, 1, 1), {"stride": (2, 3)}),  # the fast 1x1 path with a stride pair
]


@pytest.mark.parametrize("x_shape, w_shape, kwargs", CONV_GEOMETRY)
def test_conv2d_geometry(x_shape, w_shape, kwargs, device, op_version):
    arrays = [randn(*x_shape), randn(*w_shape), randn(w_shape[0])]
    fn = lambda x, weight, b: F.conv2d(x, weight, b, **kwargs)  # noqa: E731
    check_op(fn, arrays, device)
    compare_with_torch(fn, lambda x, weight, b: TF.conv2d(x, weight, b, **kwargs), arrays, device)


@pytest.mark.parametrize("x_shape, w_shape, kwargs", CONV_GEOMETRY)
def test_fast_and_reference_conv_agree(x_shape, w_shape, kwargs, device):
    results = []
    for reference in (False, True):
        with minigrad.ops.use_reference(reference):
            x = minigrad.tensor(randn(*x_shape), requires_grad=True, device=device)
            weight = minigrad.tensor(randn(*w_shape), requires_grad=True, device=device)
            out = F.conv2d(x, weight, **kwargs)
            out.backward(np.cos(np.arange(out.array.size)).reshape(out.shape))
            results.append([host(out.array), host(x.grad), host(weight.grad)])
    for fast, ref in zip(*results):
        np.testing.assert_allclose(fast, ref, rtol=1e-5, atol=1e-5)


def test_conv2d_module_builds_torch_shapes_and_init():
    layer = nn.Conv2d(4, 8, (1, 3))  # was silently a 1x1 weight
    assert layer.weight.shape == (8, 4, 1, 3) and layer.kernel_size == (1, 3)
    grouped = nn.Conv2d(6, 9, 3, groups=3, bias=True)
    assert grouped.weight.shape == (9, 2, 3, 3)
    bound = 1 / np.sqrt(2 * 3 * 3)  # torch: kaiming_uniform(a=sqrt(5)) on fan_in = in/groups * kh * kw
    assert np.abs(grouped.weight.numpy()).max() <= bound and np.abs(grouped.weight.numpy()).max() > 0.8 * bound
    assert np.abs(grouped.bias.numpy()).max() <= bound
    out = nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding="same" if False else (1, 0), dilation=(1, 2))(
        minigrad.tensor(randn(1, 3, 9, 8)))
    assert out.shape == (1, 5, 5, 6)
    assert nn.Conv2d(3, 5, 4, padding="same")(minigrad.tensor(randn(2, 3, 7, 6))).shape == (2, 5, 7, 6)


def test_conv2d_module_matches_torch_module_with_copied_weights(op_version):
    if torch is None:
        pytest.skip("torch is not installed")
    kwargs = dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    layer, t_layer = nn.Conv2d(4, 6, **kwargs), torch.nn.Conv2d(4, 6, **kwargs)
    with torch.no_grad():
        t_layer.weight.copy_(torch.tensor(layer.weight.numpy()))
        t_layer.bias.copy_(torch.tensor(layer.bias.numpy()))
    x = randn(2, 4, 9, 8).astype(np.float32)
    np.testing.assert_allclose(layer(minigrad.tensor(x)).numpy(), t_layer(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_geometry_takes_numpy_and_tensor_integers_as_torch_does_but_no_bool_or_float(op_version):
    """torch takes any integer Python can index with (np.int64, a 0-d integer tensor) for a size,
    stride or padding; minigrad refused them with 'must be an int'."""
    x, w = randn(1, 2, 8, 8), randn(3, 2, 3, 3)
    out = F.conv2d(minigrad.tensor(x), minigrad.tensor(w), stride=np.int64(2), padding=(np.int32(1), minigrad.tensor(0)))
    assert out.shape == (1, 3, 4, 3)
    assert F.max_pool2d(minigrad.tensor(x), np.int64(2)).shape == (1, 2, 4, 4)
    assert minigrad.nn.Conv2d(2, 3, np.int64(3), padding=np.int64(1))(minigrad.tensor(x)).shape == (1, 3, 8, 8)
    for bad in (True, np.bool_(True), 1.0, np.float64(1), (1, 1.0)):
        with pytest.raises(TypeError, match="padding must be an int"):
            F.conv2d(minigrad.tensor(x), minigrad.tensor(w), padding=bad)


def test_pool_and_conv_take_one_tuples_numpy_strides_and_groups_as_torch(op_version):
    """torch reads (2,) as 2 for both sides, a numpy stride in a pool, and a numpy groups; minigrad
    refused the first and the last, and the pool stride crashed inside numpy (`stride == []`)."""
    x, t = randn(1, 4, 8, 8), minigrad.tensor(randn(1, 4, 8, 8))
    w = randn(4, 2, 3, 3)
    out = F.conv2d(t, minigrad.tensor(w), stride=(2,), padding=(1,), groups=np.int64(2))
    if torch is not None:
        want = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), stride=(2,), padding=(1,), groups=2)
        np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)
    assert F.max_pool2d(t, (3,), stride=(2,)).shape == F.avg_pool2d(t, (3,), stride=(2,)).shape == (1, 4, 3, 3)
    assert F.max_pool2d(t, 3, stride=np.int64(2)).shape == (1, 4, 3, 3)
    assert nn.MaxPool2d(np.int64(2))(t).shape == (1, 4, 4, 4)
    for bad in ((), (1, 2, 3)):  # torch: RuntimeError
        with pytest.raises(RuntimeError, match="expected stride to be a single integer value or a list of 2"):
            F.conv2d(t, minigrad.tensor(w), stride=bad, groups=2)
    for bad in (None, "2", (2, 1), 2.0):  # torch: TypeError
        with pytest.raises(TypeError):
            nn.Conv2d(4, 4, 3, groups=bad)
    assert nn.Conv2d(4, 4, 3, stride=(2,))(t).shape == (1, 4, 3, 3)
    for divisor in (np.int64(2), minigrad.tensor(2)):
        np.testing.assert_allclose(F.avg_pool2d(t, 2, divisor_override=divisor).numpy(),
                                   F.avg_pool2d(t, 2, divisor_override=2).numpy())


def test_conv2d_geometry_errors():
    x, w = minigrad.tensor(np.ones((1, 4, 8, 8))), minigrad.tensor(np.ones((6, 2, 3, 3)))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        F.conv2d(x, w, stride=2, padding="same", groups=2)
    with pytest.raises(ValueError, match="groups=3 must divide"):
        F.conv2d(x, minigrad.tensor(np.ones((6, 4, 3, 3))), groups=3)
    with pytest.raises(ValueError, match=r"input has 4 channels .* with groups=1 expects 2"):
        F.conv2d(x, w)
    with pytest.raises(ValueError, match="padding must be an int, a pair, 'valid' or 'same'"):
        F.conv2d(x, w, padding="full", groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 6, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"stride must be an int or a pair \(height, width\)"):
        F.conv2d(x, w, stride=(1, 2, 3), groups=2)


# (kernel, stride, padding, extra keyword arguments) for pooling over a 2x3x7x8 input
POOL_GEOMETRY = [
    ((2, 3), None, 0, {}),
    ((3, 2), (2, 1), (1, 0), {}),
    ((2, 3), (1, 2), (1, 1), {}),  # different strides along height and width
    (3, 2, 1, {"ceil_mode": True}),
    ((2, 3), (2, 2), 0, {"ceil_mode": True}),
    (3, 3, 1, {"ceil_mode": True}),
]


@pytest.mark.parametrize("k, s, p, kwargs", POOL_GEOMETRY + [(3, 1, 1, {"dilation": 2}), ((2, 3), 2, 0, {"dilation": (2, 1)})])
def test_max_pool2d_geometry(k, s, p, kwargs, device, op_version):
    check_op(lambda x: F.max_pool2d(x, k, s, p, **kwargs), [randn(2, 3, 7, 8)], device,
             torch_fn=lambda x: TF.max_pool2d(x, k, s, p, **kwargs) if TF else None)


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("k, s, p, kwargs", POOL_GEOMETRY)
def test_avg_pool2d_geometry(k, s, p, kwargs, count_include_pad, device, op_version):
    check_op(lambda x: F.avg_pool2d(x, k, s, p, count_include_pad=count_include_pad, **kwargs),
             [randn(2, 3, 7, 8)], device,
             torch_fn=lambda x: TF.avg_pool2d(x, k, s, p, count_include_pad=count_include_pad, **kwargs) if TF else None)


def test_pool_modules_take_pairs_and_torch_defaults(op_version):
    x = minigrad.tensor(randn(1, 2, 7, 8))
    assert nn.MaxPool2d((2, 3), (1, 2))(x).shape == (1, 2, 6, 3)
    assert nn.AvgPool2d(3, 2, ceil_mode=True)(x).shape == (1, 2, 3, 4)
    assert nn.MaxPool2d(2).stride == 2
    with pytest.raises(ValueError, match="padding .* at most half the kernel"):
        F.max_pool2d(x, 2, padding=2)


# ---- issue 12 ------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 2, (1, 3), (2, 3)])
def test_adaptive_max_pool2d_gives_a_tie_to_the_first_maximum(size, device, op_version):
    """Was: built from max over (H, W), which split a tie's gradient evenly."""
    x = np.zeros((2, 3, 4, 6))
    x[:, :, 1:3, 2:5] = 1.0  # ties inside every cell that holds a one, and between zeros elsewhere
    compare_with_torch(lambda t: F.adaptive_max_pool2d(t, size), lambda t: TF.adaptive_max_pool2d(t, size),
                       [x], device)
    t = minigrad.tensor(x, requires_grad=True, device=device)
    F.adaptive_max_pool2d(t, size).sum().backward()
    assert set(np.unique(host(t.grad))) <= {0.0, 1.0}  # whole gradients, never split


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_keeps_the_input_dtype_with_float64_statistics(training, device, op_version):
    """Was: float64 running statistics in eval turned the output (and the network) float64."""
    rm = minigrad.tensor(np.zeros(3), dtype=np.float64, device=device)
    rv = minigrad.tensor(np.ones(3) * 2, dtype=np.float64, device=device)
    x = minigrad.tensor(randn(4, 3, 2, 2), requires_grad=True, device=device)
    weight = minigrad.tensor(np.ones(3), requires_grad=True, device=device)
    bias = minigrad.tensor(np.zeros(3), requires_grad=True, device=device)
    out = F.batch_norm(x, rm, rv, weight, bias, training=training)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and weight.grad.dtype == np.float32
    if not training:
        np.testing.assert_allclose(out.numpy(), x.numpy() / np.sqrt(2 + 1e-5), rtol=1e-6)
    assert rm.dtype == np.float64 and rv.dtype == np.float64


def test_two_threads_running_conv2d_get_their_own_results():
    """Was: the im2col scratch buffer was process-wide, so concurrent convolutions read each
    other's columns (16 of 50 outputs wrong). Now scratch memory is per thread."""
    rng = np.random.default_rng(0)
    weight = minigrad.tensor(rng.standard_normal((8, 16, 3, 3)).astype(np.float32))
    inputs = [minigrad.tensor(rng.standard_normal((4, 16, 24, 24)).astype(np.float32)) for _ in range(2)]
    with minigrad.no_grad():
        expected = [F.conv2d(x, weight, padding=1).numpy() for x in inputs]
    wrong, barrier = [0, 0], threading.Barrier(2)

    def run(k):  # nothing requires grad: no graph (and no process-wide no_grad toggled from threads)
        barrier.wait()
        for _ in range(40):
            wrong[k] += not np.array_equal(F.conv2d(inputs[k], weight, padding=1).numpy(), expected[k])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == [0, 0]


def test_fast_ops_split_over_threads_give_the_reference_numbers(monkeypatch):
    """Force the thread pool on for small inputs (normally only above a million numbers)."""
    from minigrad.ops.fast import workspace
    monkeypatch.setattr(workspace, "PARALLEL_MIN_SIZE", 0)
    threads = workspace.get_num_threads()
    workspace.set_num_threads(3)
    try:
        for fn in (lambda x: F.conv2d(x, minigrad.tensor(randn(4, 5, 3, 3)), padding=1),
                   lambda x: F.conv2d(x, minigrad.tensor(randn(4, 5, 3, 2)), stride=2, padding=(1, 0)),
                   lambda x: F.max_pool2d(x, 3, 2, 1)):
            results = []
            for reference in (False, True):
                with minigrad.ops.use_reference(reference):
                    x = minigrad.tensor(randn(7, 5, 9, 8), requires_grad=True)
                    out = fn(x)
                    out.backward(np.cos(np.arange(out.array.size)).reshape(out.shape))
                    results.append((out.numpy(), x.grad.numpy() if hasattr(x.grad, "numpy") else x.grad))
            np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-5)
    finally:
        workspace.set_num_threads(threads)


# ---- the switch and the array module's split ------------------------------------------------------

def test_use_reference_switch_and_environment_variable():
    assert not minigrad.ops.reference_enabled()
    with minigrad.ops.use_reference():
        assert minigrad.ops.reference_enabled()
        with minigrad.ops.use_reference(False):
            assert not minigrad.ops.reference_enabled()
        assert minigrad.ops.reference_enabled()
    assert not minigrad.ops.reference_enabled()
    code = "import minigrad; print(minigrad.ops.reference_enabled())"
    env = dict(os.environ, MINIGRAD_REFERENCE_OPS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=os.path.join(os.path.dirname(__file__), ".."))
    assert out.stdout.strip() == "True"


def test_reference_ops_really_run_when_selected(monkeypatch):
    from minigrad.ops import activations, conv, normalization, pooling
    calls = []
    for module, name in ((conv, "Convolution2d"), (pooling, "MaxPool2dWithIndices"), (pooling, "AveragePool2d"),
                         (normalization, "BatchNorm"), (activations, "Relu")):
        cls = getattr(module, name)
        monkeypatch.setattr(cls, "forward", (lambda f, n: lambda self, *a, **k: calls.append(n) or f(self, *a, **k))(cls.forward, name))
    x = minigrad.tensor(randn(2, 3, 6, 6))
    rm, rv = np.zeros(4, np.float32), np.ones(4, np.float32)
    run = lambda: F.avg_pool2d(F.max_pool2d(F.relu(F.batch_norm(F.conv2d(x, minigrad.tensor(randn(4, 3, 3, 3))), rm, rv)), 2), 2)  # noqa: E731,E501
    run()
    assert calls == ["AveragePool2d"]  # the fast average pooling is the reference one
    calls.clear()
    with minigrad.ops.use_reference():
        run()
    assert calls == ["Convolution2d", "BatchNorm", "Relu", "MaxPool2dWithIndices", "AveragePool2d"]


def test_the_array_module_helpers_import():
    from minigrad import array_module
    for name in ("get_array_module", "to_device", "cuda_available", "check_device",
                 "xp_for", "device_of", "scatter_add"):
        assert callable(getattr(array_module, name)), name
    from minigrad import random_source
    from minigrad.ops.fast import workspace
    assert minigrad.set_num_threads is workspace.set_num_threads
    minigrad.manual_seed(3)
    a = random_source.rng().random()
    random_source.manual_seed(3)
    assert random_source.rng().random() == a


# ---- the fused GPU kernels ------------------------------------------------------------------

@pytest.mark.skipif(not minigrad.cuda_available(), reason="the fused kernels run on cupy and an NVIDIA GPU")
@pytest.mark.parametrize("x_shape, w_shape, kwargs", CONV_GEOMETRY + [((2, 3, 7, 6), (4, 3, 3, 3), {"stride": 2, "padding": 1})])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_gpu_im2col_and_col2im_equal_the_portable_loops(x_shape, w_shape, kwargs, dtype):
    import cupy
    from minigrad.ops.fast.conv import col2im, im2col
    from minigrad.ops.geometry import pair, window
    from minigrad.nn.functional.conv import conv_padding
    stride, dilation = pair(kwargs.get("stride", 1), "", ""), pair(kwargs.get("dilation", 1), "", "")
    padding = conv_padding(kwargs.get("padding", 0), w_shape[2:], dilation, stride)
    win = window("conv2d", x_shape, w_shape[2:], stride, padding, dilation)
    x = cupy.asarray(randn(*x_shape).astype(dtype))
    fused, portable = im2col(x, win).copy(), im2col(x, win, fused=False).copy()
    cupy.testing.assert_array_equal(fused, portable)
    cols = cupy.asarray(np.random.default_rng(0).standard_normal(fused.shape).astype(dtype))
    cupy.testing.assert_allclose(col2im(cols, x.shape, win), col2im(cols, x.shape, win, fused=False),
                                 rtol=1e-5 if dtype == np.float32 else 1e-12)
