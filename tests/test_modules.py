"""The Module system: registration, parameters, train/eval, state_dict with PyTorch's
key names, load_state_dict's errors, forward hooks, to(device), and small models
loaded from a torch state_dict giving torch's outputs and gradients."""
import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from helpers import host, torch


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
            t.data = t.data.astype(np.float64)
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
