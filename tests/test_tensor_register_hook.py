"""Tensor.register_hook with PyTorch's rules: the hook sees the whole gradient with respect to
the tensor (a leaf's before it reaches .grad), a tensor it returns replaces that gradient
upstream, retain_grad keeps the replaced one, handles remove hooks. Each story runs through
minigrad and torch and must tell the same numbers."""
import numpy as np
import pytest

import minigrad

try:
    import torch
except ImportError:
    torch = None


def _story_nonleaf_doubled(lib):
    a = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = a * a
    b.retain_grad()
    b.register_hook(lambda g: g * 2)
    (b * 3).sum().backward()
    return a.grad.tolist(), b.grad.tolist()


def _story_leaf_seen_then_clipped(lib):
    w = lib.tensor([0.5, -4.0], requires_grad=True)
    seen = []
    w.register_hook(lambda g: seen.append(g.tolist()))
    w.register_hook(lambda g: g.clamp(-1, 1))  # runs second, sees what the first saw
    (w * w * 10).sum().backward()
    return seen, w.grad.tolist()


def _story_fan_in_and_removal(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    handle = y.register_hook(lambda g: seen.append(g.tolist()))
    (y * y + y).sum().backward(retain_graph=True)  # y used twice: the hook sees the sum
    handle.remove()
    (y * y + y).sum().backward()
    return seen, x.grad.tolist()


def _story_every_backward_on_a_leaf(lib):
    w = lib.tensor([2.0], requires_grad=True)
    count = []
    w.register_hook(lambda g: count.append(1))
    for _ in range(3):
        (w * 5).sum().backward()
    return len(count), w.grad.tolist()


STORIES = [_story_nonleaf_doubled, _story_leaf_seen_then_clipped, _story_fan_in_and_removal,
           _story_every_backward_on_a_leaf]


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("story", STORIES, ids=lambda s: s.__name__)
def test_register_hook_tells_torchs_story(story):
    assert story(minigrad) == story(torch)


def test_expected_numbers_without_torch():
    assert _story_nonleaf_doubled(minigrad) == ([12.0, -24.0, 36.0], [6.0, 6.0, 6.0])
    assert _story_leaf_seen_then_clipped(minigrad) == ([[10.0, -80.0]], [1.0, -1.0])


def test_a_hook_needs_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        minigrad.tensor([1.0]).register_hook(lambda g: g)


def test_a_hook_may_not_change_the_gradients_shape():
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    b.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match="changed the size"):
        b.sum().backward()


def test_a_gradient_a_hook_returns_stays_the_callers():
    """A leaf's .grad never aliases the tensor a hook returned: the next backward adds into .grad."""
    kept = []
    w = minigrad.tensor(np.ones(3), requires_grad=True)
    w.register_hook(lambda g: kept.append(g * 1) or kept[-1])
    for _ in range(2):
        (w * 2).sum().backward()
    np.testing.assert_array_equal(kept[0].numpy(), [2, 2, 2])
    np.testing.assert_array_equal(w.grad.numpy(), [4, 4, 4])
