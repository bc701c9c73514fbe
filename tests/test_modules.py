"""The Module system: registration, parameters, train/eval, state_dict with PyTorch's
key names, load_state_dict's errors, forward hooks, to(device), and small models
loaded from a torch state_dict giving torch's outputs and gradients."""
import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from helpers import host, torch


def grad_of(t):
    """t.grad as a numpy array, whether the core gives a Tensor or an array."""
    g = t.grad
    return host(g.array if isinstance(g, minigrad.Tensor) else g)


def small_net():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.MaxPool2d(3, 2, 1),
        nn.Conv2d(8, 8, 1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 5))


def torch_small_net():
    tnn = torch.nn
    return tnn.Sequential(
        tnn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False), tnn.BatchNorm2d(8), tnn.ReLU(),
        tnn.MaxPool2d(3, 2, 1),
        tnn.Conv2d(8, 8, 1), tnn.BatchNorm2d(8), tnn.ReLU(),
        tnn.AdaptiveAvgPool2d(1), tnn.Flatten(),
        tnn.BatchNorm1d(8), tnn.Dropout(0.5), tnn.Linear(8, 5))


def test_state_dict_keys_match_torch():
    if torch is None:
        pytest.skip("torch is not installed")
    ours, theirs = small_net().state_dict(), torch_small_net().state_dict()
    assert list(ours) == list(theirs)
    assert all(tuple(ours[k].shape) == tuple(theirs[k].shape) for k in ours)
    assert ours["1.num_batches_tracked"].dtype == np.int64


def test_parameters_children_modules_and_train_eval():
    net = small_net()
    assert len(list(net.children())) == 12
    assert sum(p.numel() for p in net.parameters()) == 3 * 8 * 9 + 16 + 72 + 16 + 16 + 40 + 5
    assert [n for n, _ in net.named_parameters()][:3] == ["0.weight", "1.weight", "1.bias"]
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


class Custom(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.scale = nn.Parameter(np.ones(2, dtype=np.float32))
        self.register_buffer("count", np.zeros((), dtype=np.int64))

    def forward(self, x):
        return self.fc(x) * self.scale


def test_custom_module_registers_parameters_buffers_and_children():
    m = Custom()
    assert list(m.state_dict()) == ["scale", "count", "fc.weight", "fc.bias"]  # torch's order
    assert [n for n, _ in m.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    m.fc = None
    assert [n for n, _ in m.named_parameters()] == ["scale"]


def test_initialisation_follows_pytorch():
    minigrad.manual_seed(0)
    conv, lin = nn.Conv2d(64, 64, 3), nn.Linear(512, 10)
    bound = 1 / np.sqrt(64 * 9)
    w = conv.weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound  # U(-b, b) has std b/sqrt(3)
    assert np.abs(lin.bias.numpy()).max() <= 1 / np.sqrt(512)
    bn = nn.BatchNorm2d(4)
    assert bn.weight.numpy().tolist() == [1] * 4 and bn.running_var.numpy().tolist() == [1] * 4


def test_manual_seed_makes_initialisation_repeatable():
    minigrad.manual_seed(3)
    a = nn.Linear(4, 4).weight.numpy()
    minigrad.manual_seed(3)
    assert (a == nn.Linear(4, 4).weight.numpy()).all()


def test_load_state_dict_names_every_problem_key_by_key():
    net = small_net()
    state = dict(net.state_dict())
    del state["1.running_var"]
    state["extra.weight"] = np.zeros(3)
    state["11.weight"] = np.zeros((4, 8))
    with pytest.raises(KeyError) as err:
        net.load_state_dict(state)
    message = str(err.value)
    assert "missing keys: 1.running_var" in message
    assert "unexpected keys: extra.weight" in message
    assert "11.weight: checkpoint (4, 8), model (5, 8)" in message


def test_load_state_dict_non_strict_reports_and_copies_in_place():
    net = small_net()
    weight = net[11].weight
    result = net.load_state_dict({"11.weight": np.full((5, 8), 2.0), "junk": np.zeros(1)}, strict=False)
    assert "junk" in result["unexpected_keys"] and "0.weight" in result["missing_keys"]
    assert net[11].weight is weight and (weight.numpy() == 2.0).all() and weight.dtype == np.float32


def test_forward_hooks_show_activations_and_can_be_removed():
    net = small_net().eval()
    seen = {}
    handle = net[2].register_forward_hook(lambda m, inputs, out: seen.setdefault("relu", out))
    net(minigrad.tensor(np.random.randn(2, 3, 16, 16)))
    assert seen["relu"].shape == (2, 8, 8, 8) and (seen["relu"].numpy() >= 0).all()
    handle.remove()
    seen.clear()
    net(minigrad.tensor(np.random.randn(2, 3, 16, 16)))
    assert seen == {}


def _hook_story(lib):
    """Pre-hooks and hooks as PyTorch code writes them: what ran, in order, and the result."""
    calls = []
    lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]]))
        lin.bias.zero_()
    lin.register_forward_pre_hook(lambda m, args: calls.append("pre") or args[0] * 2)  # one value: new args
    lin.register_forward_pre_hook(lambda m, args: calls.append("first"), prepend=True)
    lin.register_forward_pre_hook(lambda m, args, kwargs: (calls.append(sorted(kwargs)), (args[0] + 1,), {})[1:],
                                  with_kwargs=True)
    handle = lin.register_forward_hook(lambda m, args, out: out * 10)
    lin.register_forward_hook(lambda m, args, kwargs, out: calls.append(("post", len(args))), with_kwargs=True)
    first = lin(lib.tensor([[1.0, 0.0, 1.0]])).detach().numpy().tolist()
    with handle:
        pass  # leaving the block removes the hook
    second = lin(lib.tensor([[1.0, 0.0, 1.0]])).detach().numpy().tolist()
    return calls, first, second


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_forward_pre_hooks_and_hook_options_as_torch():
    assert _hook_story(minigrad) == _hook_story(torch)


def test_a_pre_hook_with_kwargs_must_return_args_and_kwargs():
    lin = nn.Linear(3, 2)
    lin.register_forward_pre_hook(lambda m, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"tuple of \(new_args, new_kwargs\)"):
        lin(minigrad.ones(1, 3))


def test_sequential_indexing_and_slicing():
    net = small_net()
    body = net[:9]
    assert isinstance(body, nn.Sequential) and len(body) == 9
    assert body[0] is net[0]
    assert body(minigrad.tensor(np.random.randn(1, 3, 16, 16))).shape == (1, 8)


@pytest.mark.parametrize("training", [False, True])
def test_small_model_from_a_torch_state_dict_matches_torch(training, device):
    """Same weights and statistics, same logits; in training also the same loss, gradients
    and updated running statistics (dropout off, since the two draw different masks)."""
    if torch is None:
        pytest.skip("torch is not installed: `pip install torch==2.13.0` to compare with PyTorch")
    torch.manual_seed(0)
    theirs = torch_small_net().double()
    theirs[10].p = 0.0
    with torch.no_grad():  # non-trivial running statistics
        for m in theirs.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.BatchNorm1d)):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    ours = small_net()
    ours[10].p = 0.0
    for _, t in list(ours.named_parameters()) + list(ours.named_buffers()):
        if t.dtype == np.float32:  # float64, so the comparison can be tight
            t.array = t.array.astype(np.float64)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.to(device)
    ours.train(training)
    theirs.train(training)
    x = np.random.default_rng(0).standard_normal((4, 3, 16, 16))
    y = np.array([0, 4, 2, 1])
    out = ours(minigrad.tensor(x, dtype=np.float64, device=device))
    t_out = theirs(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-9, atol=1e-10)
    loss = F.cross_entropy(out, y)
    t_loss = torch.nn.functional.cross_entropy(t_out, torch.tensor(y))
    assert loss.item() == pytest.approx(t_loss.item(), rel=1e-10)
    loss.backward()
    t_loss.backward()
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(host(p.grad), t_params[name].grad.numpy(), rtol=1e-10,
                                   atol=1e-10, err_msg=name)
    t_state = theirs.state_dict()
    for name, b in ours.named_buffers():
        np.testing.assert_allclose(b.numpy(), t_state[name].numpy(), rtol=1e-10, err_msg=name)


def test_to_moves_every_parameter_and_buffer(device):
    net = small_net()
    params = list(net.parameters())
    net.to(device)
    assert list(net.parameters()) == params  # the same objects: an optimizer keeps working
    assert all(p.device == device for p in net.parameters())
    assert all(b.device == device for _, b in net.named_buffers())
    out = net(minigrad.tensor(np.random.randn(2, 3, 16, 16), device=device))
    assert out.device == device


def test_super_init_forgotten_is_explained():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match=r"super\(\).__init__\(\)"):
        Broken()


# ---- the Module API a PyTorch script reaches for -----------------------------------------------

def test_state_dict_gives_tensors_that_share_memory_with_the_parameters():
    lin = nn.Linear(3, 2)
    state = lin.state_dict()
    assert isinstance(state["weight"], minigrad.Tensor) and not state["weight"].requires_grad
    lin.weight.array[0, 0] = 7.0
    assert state["weight"].numpy()[0, 0] == 7.0  # the same memory, as PyTorch's
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight
    other = nn.Linear(3, 2)
    other.load_state_dict(state)  # Tensors load as well as arrays
    np.testing.assert_array_equal(other.weight.numpy(), lin.weight.numpy())
    result = other.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []


def test_sequential_slices_keep_the_child_names_as_torch():
    net = small_net()
    assert list(net[9:].state_dict())[:2] == ["9.weight", "9.bias"]
    if torch is not None:
        assert list(net[9:].state_dict()) == list(torch_small_net()[9:].state_dict())


class Tower(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        self.heads = nn.ModuleDict({"cls": nn.Linear(4, 2), "box": nn.Linear(4, 1)})
        self.scales = nn.ParameterList([nn.Parameter(np.ones(4, dtype=np.float32)) for _ in range(2)])
        self.skip = nn.Identity(54, unused_argument=0.1)

    def forward(self, x):
        for block, scale in zip(self.blocks, self.scales):
            x = F.relu(block(x)) * scale
        return {k: head(self.skip(x)) for k, head in self.heads.items()}


def torch_tower():
    tnn = torch.nn

    class T(tnn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = tnn.ModuleList([tnn.Linear(4, 4) for _ in range(3)])
            self.heads = tnn.ModuleDict({"cls": tnn.Linear(4, 2), "box": tnn.Linear(4, 1)})
            self.scales = tnn.ParameterList([tnn.Parameter(torch.ones(4)) for _ in range(2)])
            self.skip = tnn.Identity(54, unused_argument=0.1)
    return T()


def test_containers_register_what_they_hold_with_torchs_names():
    tower = Tower()
    names = [n for n, _ in tower.named_parameters()]
    assert names[:2] == ["blocks.0.weight", "blocks.0.bias"] and "heads.box.bias" in names
    assert "scales.1" in names
    if torch is not None:
        assert list(tower.state_dict()) == list(torch_tower().state_dict())
        assert [n for n, _ in tower.named_modules()] == [n for n, _ in torch_tower().named_modules()]
    out = tower(minigrad.tensor(np.ones((2, 4))))
    assert out["cls"].shape == (2, 2) and out["box"].shape == (2, 1)
    assert len(tower.blocks) == 3 and isinstance(tower.blocks[1:], nn.ModuleList)
    assert tower.blocks[-1] is tower.blocks[2]
    tower.blocks.append(nn.Linear(4, 4))
    del tower.blocks[0]
    assert [n for n, _ in tower.blocks.named_children()] == ["0", "1", "2"]
    assert "cls" in tower.heads and list(tower.heads) == ["cls", "box"]
    tower.heads.pop("box")
    assert [n for n, _ in tower.named_parameters() if n.startswith("heads")] == ["heads.cls.weight", "heads.cls.bias"]


def test_shared_modules_and_parameters_are_listed_once_as_torch():
    shared = nn.Linear(2, 2)
    net = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in net.named_modules()] == ["", "0", "1"]
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(net.children())) == 2
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # every name, as torch
    if torch is not None:
        t_shared = torch.nn.Linear(2, 2)
        assert list(net.state_dict()) == list(torch.nn.Sequential(t_shared, torch.nn.ReLU(), t_shared).state_dict())
    net.load_state_dict({k: np.full(v.shape, 3.0) for k, v in net.state_dict().items()})
    assert (shared.weight.numpy() == 3.0).all()


def test_apply_add_module_register_parameter_and_requires_grad():
    net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1))
    seen = []

    def init_weights(m):
        seen.append(type(m).__name__)
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)
    assert net.apply(init_weights) is net
    assert seen == ["Linear", "ReLU", "Linear", "Sequential"]  # children first, as PyTorch
    assert not net[0].weight.numpy().any()
    m = nn.Module()
    m.add_module("body", net)
    m.register_parameter("temperature", nn.Parameter(np.ones(1, dtype=np.float32)))
    m.register_parameter("bias", None)
    assert [n for n, _ in m.named_parameters()][0] == "temperature" and m.bias is None
    assert m.get_submodule("body.2") is net[2]
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        m.register_parameter("w", minigrad.tensor([1.0]))
    assert m.requires_grad_(False) is m and not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    assert all(p.requires_grad for p in m.parameters())


def test_zero_grad_sets_to_none_or_zeros():
    lin = nn.Linear(2, 2)
    lin(minigrad.tensor(np.ones((1, 2)))).sum().backward()
    lin.zero_grad(set_to_none=False)
    grad = lin.weight.grad
    assert grad is not None and not grad_of(lin.weight).any()
    lin.zero_grad()
    assert lin.weight.grad is None


def test_layer_arguments_as_torch():
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    x = minigrad.tensor(np.arange(24.0).reshape(2, 3, 4) - 12)
    assert nn.ReLU()(x).numpy().min() == 0 and x.numpy().min() == -12  # a new tensor
    assert nn.ReLU(inplace=True)(x) is x and x.numpy().min() == 0  # x itself, changed, as PyTorch
    assert nn.Flatten()(x).shape == (2, 12) and nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Identity()(x) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


ACTIVATIONS = [
    (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    (lambda: nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    (lambda: nn.SiLU(), lambda: torch.nn.SiLU()),
    (lambda: nn.GELU(), lambda: torch.nn.GELU()),
    (lambda: nn.GELU(approximate="tanh"), lambda: torch.nn.GELU(approximate="tanh")),
    (lambda: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1)),
    (lambda: nn.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0)),
]


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS)
def test_activation_modules_gradcheck_and_match_torch(ours, theirs, device):
    from helpers import check_op, randn
    check_op(lambda x: ours()(x), [randn(3, 5, away_from=0)], device,
             torch_fn=(lambda x: theirs()(x)) if torch is not None else None)


def test_leaky_relu_gradient_at_zero_is_the_slope_as_torch():
    x = minigrad.tensor(np.zeros(2), requires_grad=True)
    F.leaky_relu(x, 0.1).sum().backward()
    np.testing.assert_allclose(grad_of(x), [0.1, 0.1])


# ---- nn.utils: gradient clipping -------------------------------------------------------------

@pytest.mark.parametrize("max_norm, norm_type", [(0.5, 2.0), (100.0, 2.0), (0.3, 1.0), (0.2, float("inf"))])
def test_clip_grad_norm_matches_torch(max_norm, norm_type, device):
    if torch is None:
        pytest.skip("torch is not installed")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    ours = [nn.Parameter(minigrad.tensor(np.zeros(g.shape), dtype=np.float64, device=device)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, t, g in zip(ours, theirs, grads):
        p.grad, t.grad = minigrad.tensor(g, dtype=np.float64, device=device).array, torch.tensor(g)
    ours.append(nn.Parameter(np.zeros(2)))  # no gradient: skipped
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    t_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, minigrad.Tensor) and total.item() == pytest.approx(t_total.item(), rel=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(grad_of(p), t.grad.numpy(), rtol=1e-12)


def test_clip_grad_value_and_nonfinite_norms():
    p = nn.Parameter(np.zeros(3, dtype=np.float32))
    p.grad = np.array([-3.0, 0.5, 2.0], dtype=np.float32)
    nn.utils.clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(grad_of(p), [-1.0, 0.5, 1.0])
    p.grad = np.array([np.inf, 0.0, 0.0], dtype=np.float32)
    with pytest.raises(RuntimeError, match="cannot be clipped"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


# ---- nn.init: PyTorch's signatures and defaults --------------------------------------------------

@pytest.mark.parametrize("nonlinearity, param", [("relu", None), ("tanh", None), ("leaky_relu", None),
                                                 ("leaky_relu", 0.2), ("sigmoid", None), ("conv2d", None),
                                                 ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    if torch is None:
        pytest.skip("torch is not installed")
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert nn.init.calculate_gain(nonlinearity, param) == pytest.approx(expected)


INITS = [
    ("kaiming_uniform_", {}), ("kaiming_uniform_", dict(a=np.sqrt(5))), ("kaiming_uniform_", dict(mode="fan_out")),
    ("kaiming_normal_", {}), ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu")),
    ("xavier_uniform_", {}), ("xavier_normal_", dict(gain=2.0)), ("uniform_", dict(a=-0.5, b=2.0)),
    ("normal_", dict(mean=1.0, std=0.1)),
]


@pytest.mark.parametrize("name, kwargs", INITS)
def test_init_draws_from_torchs_distribution(name, kwargs):
    """The same defaults as PyTorch: the samples' mean, std and range agree with torch's."""
    if torch is None:
        pytest.skip("torch is not installed")
    shape = (64, 32, 3, 3)  # fan_in 288, fan_out 576: a wrong mode shows
    ours = getattr(nn.init, name)(nn.Parameter(np.empty(shape, dtype=np.float32)), **kwargs).numpy()
    torch.manual_seed(0)
    theirs = getattr(torch.nn.init, name)(torch.empty(shape), **kwargs).numpy()
    assert ours.dtype == np.float32
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)
    assert abs(ours.mean() - theirs.mean()) < 0.03 * theirs.std()
    if "uniform" in name:  # the same interval
        span = theirs.max() - theirs.min()
        assert abs(ours.min() - theirs.min()) < 0.01 * span and abs(ours.max() - theirs.max()) < 0.01 * span


def test_kaiming_normal_defaults_to_fan_in_as_torch():
    w = nn.init.kaiming_normal_(nn.Parameter(np.empty((16, 400), dtype=np.float32))).numpy()
    assert w.std() == pytest.approx(np.sqrt(2 / 400), rel=0.03)  # fan_in = 400, not fan_out = 16


def test_constant_zeros_ones_and_their_errors():
    w = nn.Parameter(np.empty((2, 3), dtype=np.float32))
    assert nn.init.constant_(w, 0.5).numpy().tolist() == [[0.5] * 3] * 2
    assert not nn.init.zeros_(w).numpy().any() and nn.init.ones_(w).numpy().all()
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(nn.Parameter(np.empty(3, dtype=np.float32)))
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        nn.init.kaiming_uniform_(w, mode="fan_avg")
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")


def test_init_uses_minigrads_seed():
    minigrad.manual_seed(5)
    a = nn.init.normal_(nn.Parameter(np.empty(5, dtype=np.float32))).numpy()
    minigrad.manual_seed(5)
    assert (a == nn.init.normal_(nn.Parameter(np.empty(5, dtype=np.float32))).numpy()).all()


def test_to_dtype_and_load_state_dict_assign():
    lin = nn.Linear(2, 3)
    weight = lin.weight
    assert lin.to(np.float64) is lin and lin.weight is weight and weight.dtype == np.float64
    assert lin.float().weight.dtype == np.float32 and lin.double().bias.dtype == np.float64
    new = np.full((3, 2), 4.0)
    lin.load_state_dict({"weight": new, "bias": np.zeros(3)}, assign=True)
    assert lin.weight is weight and (weight.numpy() == 4.0).all()
    with pytest.raises(TypeError, match="expected a device or a dtype"):
        lin.to(object())


def test_dropout2d_drops_whole_channels_and_scales_the_rest(device):
    x = minigrad.tensor(np.ones((40, 50, 3, 3)), requires_grad=True, device=device)
    y = nn.Dropout2d(0.3)(x)
    per_channel = y.numpy().reshape(40, 50, 9)
    assert (per_channel == per_channel[:, :, :1]).all()  # a channel is all kept or all dropped
    assert abs((per_channel[:, :, 0] == 0).mean() - 0.3) < 0.03
    np.testing.assert_allclose(np.unique(per_channel), [0.0, 1 / 0.7], rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(grad_of(x), y.numpy())  # d(sum)/dx is the mask itself
    drop = nn.Dropout2d(0.3).eval()
    assert drop(x) is x and repr(drop) == "Dropout2d(p=0.3, inplace=False)"
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        F.dropout2d(minigrad.tensor(np.ones((2, 3))))


def test_resnet_convs_keep_torchvisions_kaiming_normal_fan_out():
    """kaiming_normal_'s default is fan_in now (PyTorch's); models/resnet.py passes mode='fan_out'
    as torchvision does, so its conv weights keep std = sqrt(2 / (out_channels * k * k))."""
    import models
    minigrad.manual_seed(0)
    w = models.resnet18().layer2[0].conv1.weight.numpy()  # 128 x 64 x 3 x 3: fan_out 1152, fan_in 576
    assert w.std() == pytest.approx(np.sqrt(2 / (128 * 9)), rel=0.02)


def test_gelu_at_large_and_tiny_inputs_matches_torch():
    if torch is None:
        pytest.skip("torch is not installed")
    x = np.array([-40.0, -20.0, -8.0, -1e-8, 0.0, 1e-8, 3.0, 40.0])
    for approximate in ("none", "tanh"):
        ours = F.gelu(minigrad.tensor(x, dtype=np.float64), approximate=approximate).numpy()
        theirs = torch.nn.functional.gelu(torch.tensor(x), approximate=approximate).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)  # torch rounds 1 + erf near -1
    assert F.gelu(minigrad.tensor(x)).dtype == np.float32


def test_replacing_a_child_keeps_its_place_as_torch():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    seq[2] = nn.Linear(2, 3)  # torch's Sequential.__setitem__
    setattr(seq, "0", nn.Identity())
    assert [name for name, _ in seq.named_children()] == ["0", "1", "2"]
    assert isinstance(seq[0], nn.Identity) and [k for k in seq.state_dict()] == ["2.weight", "2.bias"]
