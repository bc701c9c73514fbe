"""Group and instance normalisation against PyTorch (functions and layers, running statistics included),
device= and dtype= on every layer constructor, and nn.init's functions (orthogonal_ as PyTorch's QR
with the sign correction, eye_, dirac_, trunc_normal_, sparse_, the deprecated names, the signatures)."""
import inspect
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from helpers import check_op, compare_with_torch, host, randn, torch
from op_versions import op_version  # noqa: F401  (fixture)

TF = torch.nn.functional if torch is not None else None
F64 = minigrad.float64


def needs_torch():
    if torch is None:
        pytest.skip("torch is not installed: `pip install torch==2.13.0` to compare with PyTorch")


@pytest.mark.parametrize("groups", [1, 2, 3, 6])
@pytest.mark.parametrize("shape", [(3, 6, 4, 5), (2, 6, 7), (4, 6)])
def test_group_norm(groups, shape, device):
    check_op(lambda x, w, b: F.group_norm(x, groups, w, b), [randn(*shape), randn(6), randn(6)], device,
             lambda x, w, b: TF.group_norm(x, groups, w, b))
    check_op(lambda x: F.group_norm(x, groups, eps=0.1), [randn(*shape)], device,
             lambda x: TF.group_norm(x, groups, eps=0.1))


@pytest.mark.parametrize("use_input_stats", [True, False])
@pytest.mark.parametrize("shape", [(3, 4, 5, 2), (2, 4, 6)])
def test_instance_norm_with_running_statistics(use_input_stats, shape, device, op_version):
    needs_torch()
    rng = np.random.default_rng(0)
    mean, var = rng.standard_normal(4), rng.random(4) + 0.5
    m_stats = [minigrad.tensor(a, dtype=F64, device=device) for a in (mean, var)]
    t_stats = [torch.tensor(a) for a in (mean, var)]
    compare_with_torch(lambda x, w, b: F.instance_norm(x, *m_stats, w, b, use_input_stats, 0.3),
                       lambda x, w, b: TF.instance_norm(x, *t_stats, w, b, use_input_stats, 0.3),
                       [randn(*shape), randn(4), randn(4)], device)
    for ours, theirs in zip(m_stats, t_stats):  # moved towards the mean over the samples, as torch
        np.testing.assert_allclose(host(ours.array), theirs.numpy(), rtol=1e-12)
    check_op(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [randn(*shape), randn(4), randn(4)], device,
             lambda x, w, b: TF.instance_norm(x, weight=w, bias=b))


@pytest.mark.parametrize("make,shape", [
    (lambda m: m.GroupNorm(2, 4), (3, 4, 5)), (lambda m: m.GroupNorm(4, 4, affine=False), (2, 4, 3, 3)),
    (lambda m: m.GroupNorm(1, 4, bias=False), (2, 4)), (lambda m: m.InstanceNorm1d(4), (2, 4, 5)),
    (lambda m: m.InstanceNorm1d(4, affine=True), (4, 5)),
    (lambda m: m.InstanceNorm2d(4, affine=True, track_running_stats=True), (2, 4, 3, 5)),
    (lambda m: m.InstanceNorm2d(4, track_running_stats=True, momentum=None), (4, 3, 5))])
def test_norm_layers_match_torch(make, shape):
    needs_torch()
    layer, t_layer = make(nn).double(), make(torch.nn).double()
    assert repr(layer) == repr(t_layer) and list(layer.state_dict()) == list(t_layer.state_dict())
    for train in (True, False, True):
        layer.train(train)
        t_layer.train(train)
        compare_with_torch(lambda x: layer(x), lambda x: t_layer(x), [randn(*shape)], "cpu")
    for key, value in t_layer.state_dict().items():
        np.testing.assert_allclose(host(layer.state_dict()[key].array), value.numpy(), rtol=1e-12, err_msg=key)


def test_norm_layer_refusals_and_warnings():
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError, match="Expected number of channels in input to be divisible by num_groups"):
        F.group_norm(minigrad.zeros(2, 6, 3), 4)
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        F.instance_norm(minigrad.zeros(2, 3, 1))
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(3\), but got: 4"):
        nn.InstanceNorm1d(3, affine=True)(minigrad.zeros(2, 4, 5))
    with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
        nn.InstanceNorm1d(3)(minigrad.zeros(2, 4, 5))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.InstanceNorm1d(3)(minigrad.zeros(2, 3, 4, 5))


FACTORIES = [lambda m, **k: m.Linear(3, 4, **k), lambda m, **k: m.Conv1d(2, 4, 3, **k),
             lambda m, **k: m.Conv2d(2, 4, 3, **k), lambda m, **k: m.ConvTranspose2d(2, 4, 3, **k),
             lambda m, **k: m.ConvTranspose1d(2, 4, 3, **k), lambda m, **k: m.BatchNorm1d(3, **k),
             lambda m, **k: m.BatchNorm2d(3, **k), lambda m, **k: m.LayerNorm((2, 3), **k),
             lambda m, **k: m.GroupNorm(2, 4, **k), lambda m, **k: m.InstanceNorm2d(3, affine=True, **k),
             lambda m, **k: m.Embedding(5, 3, **k), lambda m, **k: m.RNN(3, 4, **k), lambda m, **k: m.LSTM(3, 4, **k),
             lambda m, **k: m.GRU(3, 4, bidirectional=True, **k), lambda m, **k: m.LSTMCell(3, 4, **k),
             lambda m, **k: m.GRUCell(3, 4, **k), lambda m, **k: m.RNNCell(3, 4, **k)]


@pytest.mark.parametrize("make", FACTORIES)
def test_device_and_dtype_keywords(make, device):
    layer = make(nn, device=device, dtype=F64)
    for name, t in list(layer.named_parameters()) + list(layer.named_buffers()):
        assert t.device.type == device if hasattr(t.device, "type") else str(t.device) == device, name
        if name != "num_batches_tracked":
            assert t.dtype == np.float64, name
    assert all(p.dtype == np.float32 for p in make(nn).parameters())
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        make(nn, dtype=minigrad.int64)


def test_embedding_arguments_as_torch():
    needs_torch()
    e = nn.Embedding(5, 2, padding_idx=-1, dtype=F64)
    assert e.padding_idx == 4 and not e.weight.numpy()[4].any() and e.weight.dtype == np.float64
    for kwargs in (dict(padding_idx=5), dict(padding_idx=-6)):
        with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
            nn.Embedding(5, 2, **kwargs)
    table = torch.randn(4, 3)
    ours, theirs = nn.Embedding.from_pretrained(minigrad.tensor(table.numpy())), torch.nn.Embedding.from_pretrained(table)
    assert repr(ours) == repr(theirs) and ours.weight.requires_grad is False
    np.testing.assert_array_equal(ours(minigrad.tensor([3, 0])).numpy(), theirs(torch.tensor([3, 0])).numpy())
    with pytest.raises(NotImplementedError, match="sparse=True"):
        nn.Embedding(5, 2, sparse=True)


@pytest.mark.parametrize("shape,gain", [((5, 3), 1.0), ((3, 5), 2.0), ((4, 2, 3, 3), 1.0), ((6, 6), 0.5)])
def test_orthogonal_is_torchs_qr_with_the_sign_correction(shape, gain):
    """Given the same Gaussian draw, the same matrix as torch's algorithm (numpy's and torch's QR are
    both LAPACK's Householder QR; the sign correction makes Q unique)."""
    needs_torch()
    minigrad.manual_seed(3)
    w = nn.init.orthogonal_(minigrad.empty(*shape), gain=gain)
    minigrad.manual_seed(3)
    rows, cols = shape[0], int(np.prod(shape[1:]))
    flat = torch.tensor(minigrad.random_source.rng().normal(0.0, 1.0, (rows, cols)))
    flat = flat.t() if rows < cols else flat
    q, r = torch.linalg.qr(flat)
    q = q * torch.diag(r, 0).sign()
    expected = (q.t() if rows < cols else q).reshape(shape) * gain
    np.testing.assert_allclose(w.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
    m = w.numpy().reshape(rows, cols) / gain
    small = m @ m.T if rows <= cols else m.T @ m
    np.testing.assert_allclose(small, np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        nn.init.orthogonal_(minigrad.empty(3))


def test_eye_dirac_trunc_normal_and_sparse():
    needs_torch()
    np.testing.assert_array_equal(nn.init.eye_(minigrad.empty(3, 4)).numpy(), torch.nn.init.eye_(torch.empty(3, 4)))
    for shape, groups in (((4, 2, 3), 2), ((6, 3, 3, 3), 1), ((4, 4, 1, 3, 3), 2)):
        np.testing.assert_array_equal(nn.init.dirac_(minigrad.empty(*shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(shape), groups).numpy())
    values = nn.init.trunc_normal_(minigrad.empty(200, 100), mean=0.5, std=1.0, a=-1.0, b=1.5).numpy()
    theirs = torch.nn.init.trunc_normal_(torch.empty(200, 100), mean=0.5, std=1.0, a=-1.0, b=1.5).numpy()
    assert values.min() >= -1.0 and values.max() <= 1.5
    assert abs(values.mean() - 0.3548) < 0.02 and abs(theirs.mean() - 0.3548) < 0.02  # mu + (phi(a') - phi(b')) / Z
    assert abs(values.std() - theirs.std()) < 0.02
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        nn.init.trunc_normal_(minigrad.empty(3), mean=10)
    s = nn.init.sparse_(minigrad.empty(10, 6), sparsity=0.3).numpy()
    assert ((s == 0).sum(axis=0) == 3).all() and np.abs(s).max() < 0.1


def test_init_names_and_signatures_are_torchs():
    needs_torch()
    for name in ("uniform_", "normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_", "xavier_uniform_",
                 "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_", "sparse_",
                 "calculate_gain"):
        ours, theirs = inspect.signature(getattr(nn.init, name)), inspect.signature(getattr(torch.nn.init, name))
        assert list(ours.parameters) == list(theirs.parameters), name
        assert [p.default for p in ours.parameters.values()] == [p.default for p in theirs.parameters.values()], name
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.init.xavier_uniform(minigrad.empty(3, 4))
    assert "`nn.init.xavier_uniform` is now deprecated in favor of `nn.init.xavier_uniform_`" in str(caught[0].message)
    assert caught[0].category is FutureWarning
