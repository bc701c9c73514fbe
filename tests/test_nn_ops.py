"""The neural-network ops of minigrad.nn.functional: float64 gradient checks with a
random upstream gradient and parity with torch.nn.functional (forward and backward)."""
import numpy as np
import pytest

import minigrad
import minigrad.nn.functional as F
from helpers import check_op, compare_with_torch, host, randn, torch
from op_versions import op_version  # noqa: F401 - the fixture

TF = torch.nn.functional if torch is not None else None

# (N, C, H, W, out_channels, kernel, stride, padding): odd and non-square sizes, stride 1-3,
# padding 0-3, 1x1 and 7x7 kernels
CONV_CASES = [
    (2, 3, 7, 6, 4, 3, 1, 1),
    (2, 3, 7, 6, 4, 3, 2, 0),
    (1, 2, 9, 8, 3, 3, 3, 2),
    (2, 4, 5, 5, 3, 1, 1, 0),
    (2, 4, 7, 6, 3, 1, 2, 0),
    (1, 2, 9, 8, 2, 7, 2, 3),
    (1, 2, 5, 6, 2, 2, 1, 3),
    (2, 3, 6, 7, 2, 5, 1, 2),
]


@pytest.mark.parametrize("n, c, h, w, o, k, s, p", CONV_CASES)
def test_conv2d(n, c, h, w, o, k, s, p, device, op_version):
    arrays = [randn(n, c, h, w), randn(o, c, k, k), randn(o)]
    fn = lambda x, weight, b: F.conv2d(x, weight, b, stride=s, padding=p)  # noqa: E731
    check_op(fn, arrays, device)
    compare_with_torch(fn, lambda x, weight, b: TF.conv2d(x, weight, b, stride=s, padding=p), arrays, device)


def test_conv2d_without_bias_and_with_frozen_weight(device, op_version):
    x, weight = minigrad.tensor(randn(2, 3, 6, 6), requires_grad=True, device=device), minigrad.tensor(randn(4, 3, 3, 3), device=device)
    F.conv2d(x, weight, padding=1).sum().backward()
    assert x.grad.shape == x.shape and weight.grad is None
    check_op(lambda x: F.conv2d(x, minigrad.tensor(randn(4, 3, 3, 3), dtype=np.float64, device=device), padding=1),
             [randn(2, 3, 6, 6)], device)


# (kernel, stride, padding) for max and average pooling
POOL_CASES = [(2, None, 0), (3, 2, 1), (3, 1, 1), (2, 3, 0), (3, 2, 0)]


@pytest.mark.parametrize("k, s, p", POOL_CASES)
def test_max_pool2d(k, s, p, device, op_version):
    arrays = [randn(2, 3, 7, 6)]
    check_op(lambda x: F.max_pool2d(x, k, s, p), arrays, device,
             torch_fn=lambda x: TF.max_pool2d(x, k, s, p) if TF else None)


@pytest.mark.parametrize("k, s, p", POOL_CASES)
def test_avg_pool2d(k, s, p, device, op_version):
    arrays = [randn(2, 3, 7, 6)]
    check_op(lambda x: F.avg_pool2d(x, k, s, p), arrays, device,
             torch_fn=lambda x: TF.avg_pool2d(x, k, s, p) if TF else None)


def test_max_pool2d_routes_gradient_to_the_argmax_only(device, op_version):
    x = minigrad.tensor(np.array([[[[1.0, 5.0], [3.0, 2.0]]]]), requires_grad=True, device=device)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(host(x.grad), [[[[0, 1], [0, 0]]]])


@pytest.mark.parametrize("size", [1, (1, 1), 2, (3, 2), (7, 8), (2, 4), (3, None), (7, 4), 4])
def test_adaptive_pools(size, device, op_version):
    arrays = [randn(2, 3, 7, 8)]
    check_op(lambda x: F.adaptive_avg_pool2d(x, size), arrays, device,
             torch_fn=lambda x: TF.adaptive_avg_pool2d(x, size) if TF else None)
    check_op(lambda x: F.adaptive_max_pool2d(x, size), arrays, device,
             torch_fn=lambda x: TF.adaptive_max_pool2d(x, size) if TF else None)


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(shape, training, device, op_version):
    c = shape[1]
    mean0, var0 = randn(c) * 0.5, np.abs(randn(c)) + 0.5
    arrays = [randn(*shape) * 2 + 1, randn(c), randn(c)]
    fn = lambda x, weight, b: F.batch_norm(x, minigrad.tensor(mean0, dtype=np.float64, device=device),  # noqa: E731
                                           minigrad.tensor(var0, dtype=np.float64, device=device),
                                           weight, b, training=training)
    check_op(fn, arrays, device)
    tfn = lambda x, weight, b: TF.batch_norm(x, torch.tensor(mean0), torch.tensor(var0), weight, b,  # noqa: E731
                                             training=training)
    compare_with_torch(fn, tfn, arrays, device)


def test_batch_norm_updates_running_statistics_like_torch(device, op_version):
    if torch is None:
        pytest.skip("torch is not installed")
    x = randn(8, 3, 4, 4) * 3 + 2
    rm, rv = minigrad.tensor(np.zeros(3), dtype=np.float64, device=device), minigrad.tensor(np.ones(3), dtype=np.float64, device=device)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for _ in range(3):
        F.batch_norm(minigrad.tensor(x, dtype=np.float64, device=device), rm, rv, training=True, momentum=0.1)
        TF.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.1)
    np.testing.assert_allclose(rm.numpy(), trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), trv.numpy(), rtol=1e-12)  # unbiased variance


def test_batch_norm_in_eval_leaves_running_statistics_alone(device, op_version):
    rm, rv = minigrad.tensor(np.zeros(3), device=device), minigrad.tensor(np.ones(3), device=device)
    F.batch_norm(minigrad.tensor(randn(4, 3), device=device), rm, rv, training=False)
    assert rm.numpy().tolist() == [0, 0, 0] and rv.numpy().tolist() == [1, 1, 1]


def rounded(x):
    """x rounded to integers (many ties), with x's gradient passed straight through (relu's
    zeros would tie too, but relu's backward then zeroes exactly the tied cells' gradient)."""
    return x + (x.detach().round() - x.detach())


VERSIONED_OPS = {
    "max_pool2d 3/2 pad 1": lambda x: F.max_pool2d(x, 3, 2, 1),
    "max_pool2d 2 ties": lambda x: F.max_pool2d(rounded(x), 2),  # ties go to the first maximum
    "max_pool2d 3/2 pad 1 ties": lambda x: F.max_pool2d(rounded(x), 3, 2, 1),  # overlapping windows
    "avg_pool2d 3/2 pad 1": lambda x: F.avg_pool2d(x, 3, 2, 1),
    "adaptive_max_pool2d 1": lambda x: F.adaptive_max_pool2d(x, 1),
    "adaptive_max_pool2d 3x2": lambda x: F.adaptive_max_pool2d(x, (3, 2)),
    "adaptive_avg_pool2d 2": lambda x: F.adaptive_avg_pool2d(x, 2),
    "batch_norm train": lambda x: F.batch_norm(x, minigrad.zeros(3, device=x.device), minigrad.ones(3, device=x.device),
                                               training=True),  # running statistics live where x lives
    "batch_norm eval": lambda x: F.batch_norm(x, minigrad.full((3,), 0.5, device=x.device),
                                              minigrad.full((3,), 2.0, device=x.device)),
    "conv2d 3x3/2": lambda x: F.conv2d(x, minigrad.tensor(randn(4, 3, 3, 3), device=x.device), stride=2, padding=1),
    "conv2d 1x1/2": lambda x: F.conv2d(x, minigrad.tensor(randn(4, 3, 1, 1), device=x.device), stride=2),
}


@pytest.mark.parametrize("name", list(VERSIONED_OPS))
def test_fast_and_reference_versions_agree(name, device):
    """The same float32 input and upstream gradient through both versions: the same numbers."""
    results = []
    for reference in (False, True):
        with minigrad.ops.use_reference(reference):
            x = minigrad.tensor(randn(4, 3, 8, 6), requires_grad=True, device=device)
            out = VERSIONED_OPS[name](x)
            out.backward(np.sin(np.arange(out.array.size)).reshape(out.shape))
            results.append((host(out.array), host(x.grad)))
    (out_fast, grad_fast), (out_ref, grad_ref) = results
    np.testing.assert_allclose(out_fast, out_ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad_fast, grad_ref, rtol=1e-5, atol=1e-5)


def test_fast_max_pooling_taken_an_image_at_a_time_agrees_with_the_reference(monkeypatch):
    """Each thread takes its images in runs (STEP_NUMBERS outputs); runs of one image here."""
    from minigrad.ops.fast import pooling as fast_pooling
    monkeypatch.setattr(fast_pooling, "STEP_NUMBERS", 1)
    results = []
    for reference in (False, True):
        with minigrad.ops.use_reference(reference):
            x = minigrad.tensor(randn(5, 3, 9, 7), requires_grad=True)
            out = F.max_pool2d(rounded(x), 3, 2, 1)
            out.backward(np.cos(np.arange(out.array.size)).reshape(out.shape))
            results.append((out.numpy(), x.grad.numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_linear(device):
    check_op(lambda x, weight, b: F.linear(x, weight, b), [randn(5, 4), randn(3, 4), randn(3)], device,
             torch_fn=lambda x, weight, b: TF.linear(x, weight, b) if TF else None)
    check_op(lambda x, weight: F.linear(x, weight), [randn(2, 5, 4), randn(3, 4)], device,
             torch_fn=lambda x, weight: TF.linear(x, weight) if TF else None)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activations(name, device):
    check_op(getattr(F, name), [randn(4, 5, away_from=0)], device,
             torch_fn=(lambda x: getattr(torch, name)(x)) if torch else None)


def test_relu_on_an_image_batch_both_versions(device, op_version):
    """The fast ReLU (threads over images on the CPU) and the reference one, on NCHW."""
    check_op(F.relu, [randn(3, 2, 5, 4, away_from=0)], device, torch_fn=(lambda x: torch.relu(x)) if torch else None)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax(dim, device):
    check_op(lambda x: F.softmax(x, dim), [randn(3, 5)], device, torch_fn=lambda x: TF.softmax(x, dim) if TF else None)
    check_op(lambda x: F.log_softmax(x, dim), [randn(3, 5)], device,
             torch_fn=lambda x: TF.log_softmax(x, dim) if TF else None)


TARGET = np.array([0, 3, 1, 1, 2])


def test_cross_entropy_and_nll_loss(device):
    check_op(lambda x: F.cross_entropy(x, TARGET), [randn(5, 4)], device,
             torch_fn=lambda x: TF.cross_entropy(x, torch.tensor(TARGET)) if TF else None)
    check_op(lambda x: F.nll_loss(x, TARGET), [randn(5, 4)], device,
             torch_fn=lambda x: TF.nll_loss(x, torch.tensor(TARGET)) if TF else None)


def test_cross_entropy_is_stable_at_huge_logits(device):
    logits = minigrad.tensor([[1e4, 0.0], [0.0, 1e4]], requires_grad=True, device=device)
    loss = F.cross_entropy(logits, np.array([1, 1]))
    loss.backward()
    assert loss.item() == pytest.approx(5e3)
    assert np.isfinite(host(logits.grad)).all()


def test_mse_and_bce_with_logits(device):
    target = np.random.default_rng(3).random((4, 3))
    t64 = minigrad.tensor(target, dtype=np.float64, device=device)
    check_op(lambda x: F.mse_loss(x, t64), [randn(4, 3)], device,
             torch_fn=lambda x: TF.mse_loss(x, torch.tensor(target)) if TF else None)
    check_op(lambda x: F.binary_cross_entropy_with_logits(x, t64), [randn(4, 3) * 5], device,
             torch_fn=lambda x: TF.binary_cross_entropy_with_logits(x, torch.tensor(target)) if TF else None)


def test_dropout_gradient_uses_the_same_mask(device):
    def fn(x):
        minigrad.manual_seed(7)  # the same mask for every evaluation
        return F.dropout(x, 0.3)
    check_op(fn, [randn(6, 7)], device)


def test_dropout_scales_survivors_and_is_identity_in_eval(device):
    x = minigrad.tensor(np.ones((200, 200)), device=device)
    y = F.dropout(x, 0.25).numpy()
    assert abs((y == 0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / 0.75], rtol=1e-6)
    assert F.dropout(x, 0.25, training=False) is x
    assert y.dtype == np.float32


def test_all_ops_keep_float32(device, op_version):
    x = minigrad.tensor(randn(2, 3, 8, 8), requires_grad=True, device=device)
    weight = minigrad.tensor(randn(4, 3, 3, 3), requires_grad=True, device=device)
    rm, rv = minigrad.tensor(np.zeros(4), device=device), minigrad.tensor(np.ones(4), device=device)
    h = F.batch_norm(F.conv2d(x, weight, padding=1), rm, rv, training=True)
    h = F.dropout(F.max_pool2d(F.relu(h), 2), 0.5)
    h = minigrad.cat([F.adaptive_avg_pool2d(h, 1), F.adaptive_max_pool2d(h, 1)], dim=1).flatten(1)
    loss = F.cross_entropy(h, np.array([0, 1]))
    assert h.dtype == np.float32 and loss.dtype == np.float32 and rm.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and weight.grad.dtype == np.float32


# ---- wrong shapes: one sentence naming the op, the shapes and what was expected ------------------

def test_conv2d_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input .* got shape \(8, 8\)"):
        F.conv2d(minigrad.tensor(np.ones((8, 8))), minigrad.tensor(np.ones((4, 3, 3, 3))))
    assert F.conv2d(minigrad.tensor(np.ones((3, 8, 8))), minigrad.tensor(np.ones((4, 3, 3, 3)))).shape == (4, 6, 6)
    with pytest.raises(ValueError, match=r"conv2d: input has 2 channels .* expects 3"):
        F.conv2d(minigrad.tensor(np.ones((1, 2, 8, 8))), minigrad.tensor(np.ones((4, 3, 3, 3))))
    with pytest.raises(ValueError, match=r"conv2d: kernel 7x7 \(dilation 1x1\) is larger than the padded input 6x6"):
        F.conv2d(minigrad.tensor(np.ones((1, 3, 4, 4))), minigrad.tensor(np.ones((4, 3, 7, 7))), padding=1)


def test_pool_linear_and_loss_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"max_pool2d: kernel 5x5 \(dilation 1x1\) is larger than the padded input 4x4"):
        F.max_pool2d(minigrad.tensor(np.ones((1, 1, 4, 4))), 5)
    with pytest.raises(ValueError, match=r"linear: input has 3 features .* expects 4"):
        F.linear(minigrad.tensor(np.ones((2, 3))), minigrad.tensor(np.ones((5, 4))))
    with pytest.raises(IndexError, match=r"nll_loss: target values must be class indices in \[0, 1\]"):
        F.cross_entropy(minigrad.tensor(np.ones((2, 2))), np.array([0, 2]))
    with pytest.raises(RuntimeError, match="integer class indices"):
        F.cross_entropy(minigrad.tensor(np.ones((2, 2))), np.array([0.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"running_mean should contain 3 elements not 4"):
        F.batch_norm(minigrad.tensor(np.ones((2, 3))), np.zeros(4), np.ones(4))


def test_conv2d_scratch_memory_is_not_shared_between_results(device, op_version):
    """Convolutions that share an input (1x1 and 3x3 branches, as in a resnet block) must not
    hand each other gradients that alias a scratch buffer."""
    w3a, w1, w3b = randn(4, 6, 3, 3), randn(4, 6, 1, 1), randn(4, 6, 3, 3) * 2
    consts = [minigrad.tensor(w, dtype=np.float64, device=device) for w in (w3a, w1, w3b)]
    big = minigrad.tensor(randn(2, 6, 9, 9), requires_grad=True, dtype=np.float64, device=device)
    F.conv2d(big, consts[0], padding=1).sum().backward()  # the scratch buffer is now large

    def branches(x):
        h = x.relu()
        # backward meets the 1x1 branch first, then the 3x3 ones reuse the scratch buffer
        return F.conv2d(h, consts[1]) + F.conv2d(h, consts[0], padding=1) + F.conv2d(h, consts[2], padding=1)
    check_op(branches, [randn(2, 6, 5, 5, away_from=0)], device)
