"""The losses beyond the lesson's and the classification losses' corner cases, against torch 2.13:
cross_entropy with probability targets, ignored rows with -inf logits, every target ignored, int32
and out-of-range class indices, huber, kl_div, cosine_similarity, pairwise_distance, the margin
losses, poisson and gaussian nll, binary cross-entropy's checks and target gradients. Values,
dtypes, errors and every input's gradient are compared with torch; each new loss is also
gradient-checked in float64 with a random upstream gradient."""
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from helpers import check_op, host, torch

TF = torch.nn.functional if torch is not None else None
needs_torch = pytest.mark.skipif(torch is None, reason="needs torch==2.13.0 as the oracle")
rs = np.random.default_rng(0)


def R(*shape, dtype=np.float32):
    return rs.standard_normal(shape).astype(dtype)


def P(*shape):
    return rs.random(shape).astype(np.float32)


def _run(lib, fn, arrays, kinds, device):
    """fn(functional module, *tensors) -> (dtype, values, gradients) or (exception type, message)."""
    inputs = []
    for a, kind in zip(arrays, kinds):
        if lib == "torch":
            inputs.append(torch.tensor(a, requires_grad=kind == "g"))
        else:
            inputs.append(minigrad.tensor(a, dtype=a.dtype, device=device, requires_grad=kind == "g"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(TF if lib == "torch" else F, *inputs)
        out.sum().backward()
    except Exception as error:  # noqa: BLE001 - the exception is what is compared
        return type(error), str(error).replace("minigrad.", "torch.")
    grads = [None if x.grad is None else np.asarray(x.grad.tolist()) for x in inputs]
    return str(out.dtype).replace("torch.", ""), np.asarray(out.tolist()), grads


Y = np.array([1.0, -1, 1, -1], np.float32)
# name, fn(F, *inputs), input arrays, which need a gradient ('g') or are constants ('c')
CASES = [
    # cross_entropy / nll_loss: the silent differences of issue 22
    ("ce ignored row with -inf", lambda f, x, t: f.cross_entropy(x, t),
     [np.array([[-np.inf, 1., 2.], [.5, .1, -1.]], np.float32), np.array([-100, 2])], "gc"),
    ("ce every target ignored", lambda f, x, t: f.cross_entropy(x, t), [R(2, 3), np.array([-100, -100])], "gc"),
    ("ce every target ignored sum", lambda f, x, t: f.cross_entropy(x, t, reduction="sum"),
     [R(2, 3), np.array([-100, -100])], "gc"),
    ("nll zero class weights", lambda f, x, t, w: f.nll_loss(x, t, weight=w),
     [R(2, 3), np.array([0, 0]), np.array([0., 1, 1], np.float32)], "gcc"),
    ("ce int32 targets", lambda f, x, t: f.cross_entropy(x, t), [R(2, 3), np.array([0, 1], np.int32)], "gc"),
    ("ce uint8 targets", lambda f, x, t: f.cross_entropy(x, t), [R(2, 3), np.array([0, 1], np.uint8)], "gc"),
    ("ce target -1", lambda f, x, t: f.cross_entropy(x, t), [R(2, 3), np.array([-1, 1])], "gc"),
    ("ce target 3 of 3", lambda f, x, t: f.cross_entropy(x, t), [R(2, 3), np.array([3, 1])], "gc"),
    ("ce spatial target 3", lambda f, x, t: f.cross_entropy(x, t), [R(2, 3, 4), np.array([[3, 1, 0, 0]] * 2)], "gc"),
    ("ce unbatched", lambda f, x, t: f.cross_entropy(x, t), [R(3), np.array(1)], "gc"),
    ("ce unbatched none", lambda f, x, t: f.cross_entropy(x, t, reduction="none"), [R(3), np.array(1)], "gc"),
    ("nll unbatched (1,) none", lambda f, x, t: f.nll_loss(x, t, reduction="none"), [R(3), np.array([1])], "gc"),
    ("nll 0-d input", lambda f, x, t: f.nll_loss(x, t), [R(), np.array(0)], "gc"),
    ("nll batch mismatch", lambda f, x, t: f.nll_loss(x, t), [R(2, 3), np.array([0, 1, 1])], "gc"),
    ("nll multi-target", lambda f, x, t: f.nll_loss(x, t), [R(2, 3), np.zeros((2, 3), np.int64)], "gc"),
    ("nll spatial target shape", lambda f, x, t: f.nll_loss(x, t), [R(2, 3, 4), np.zeros((2, 3), np.int64)], "gc"),
    ("nll int input", lambda f, x, t: f.nll_loss(x, t), [np.array([[1, 2, 3]]), np.array([0])], "cc"),
    ("nll float64 weight", lambda f, x, t, w: f.nll_loss(x, t, weight=w), [R(2, 3), np.array([0, 1]), np.ones(3)],
     "gcc"),
    ("ce empty mean", lambda f, x, t: f.cross_entropy(x, t), [np.zeros((0, 3), np.float32), np.zeros(0, np.int64)],
     "gc"),
    ("ce transposed", lambda f, x, t: f.cross_entropy(x.t(), t), [R(2, 3), np.array([0, 1, 1])], "gc"),
    ("ce smoothing, -inf ignored", lambda f, x, t: f.cross_entropy(x, t, label_smoothing=0.1),
     [np.array([[-np.inf, 1., 2.], [.5, .1, -1.]], np.float32), np.array([-100, 2])], "gc"),
    ("ce smoothing, every target ignored", lambda f, x, t: f.cross_entropy(x, t, label_smoothing=0.1),
     [R(2, 3), np.array([-100, -100])], "gc"),
    ("ce smoothing unbatched", lambda f, x, t: f.cross_entropy(x, t, label_smoothing=0.3), [R(3), np.array(2)], "gc"),
    ("ce avg reduction", lambda f, x, t: f.cross_entropy(x, t, reduction="avg"), [R(2, 3), np.array([0, 1])], "gc"),
    # cross_entropy with class probabilities
    ("ce probabilities", lambda f, x, t: f.cross_entropy(x, t),
     [R(2, 3), np.array([[.2, .3, .5], [1, 0, 0]], np.float32)], "gg"),
    ("ce probabilities none", lambda f, x, t: f.cross_entropy(x, t, reduction="none"), [R(2, 3), P(2, 3)], "gg"),
    ("ce probabilities weight smoothing sum",
     lambda f, x, t, w: f.cross_entropy(x, t, weight=w, reduction="sum", label_smoothing=0.2),
     [R(2, 3), P(2, 3), np.array([1., 2, 3], np.float32)], "ggc"),
    ("ce probabilities weight mean", lambda f, x, t, w: f.cross_entropy(x, t, weight=w),
     [R(2, 3), P(2, 3), np.array([1., 2, 3], np.float32)], "ggc"),
    ("ce probabilities float64 target", lambda f, x, t: f.cross_entropy(x, t), [R(2, 3), P(2, 3).astype(np.float64)],
     "gg"),
    ("ce probabilities spatial", lambda f, x, t: f.cross_entropy(x, t, label_smoothing=0.1), [R(2, 3, 4), P(2, 3, 4)],
     "gg"),
    ("ce probabilities unbatched", lambda f, x, t: f.cross_entropy(x, t), [R(3), P(3)], "gg"),
    ("ce probabilities int target", lambda f, x, t: f.cross_entropy(x, t), [R(2, 3), np.array([[0, 1, 0], [1, 0, 0]])],
     "gc"),
    ("ce probabilities ignore_index", lambda f, x, t: f.cross_entropy(x, t, ignore_index=1), [R(2, 3), P(2, 3)], "gc"),
    ("ce probabilities empty", lambda f, x, t: f.cross_entropy(x, t),
     [np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)], "gc"),
    ("ce probabilities bad weight", lambda f, x, t, w: f.cross_entropy(x, t, weight=w),
     [R(2, 3), P(2, 3), np.ones(4, np.float32)], "gcc"),
    # regression losses: dtypes as torch's promotion, integers refused
    ("mse float32 and int64", lambda f, a, b: f.mse_loss(a, b), [R(3), np.array([0, 1, 2])], "gc"),
    ("mse int64 pair", lambda f, a, b: f.mse_loss(a, b), [np.array([1, 2]), np.array([1, 3])], "cc"),
    ("l1 int64 pair sum", lambda f, a, b: f.l1_loss(a, b, reduction="sum"), [np.array([1, 2]), np.array([1, 3])], "cc"),
    ("l1 int64 pair mean", lambda f, a, b: f.l1_loss(a, b), [np.array([1, 2]), np.array([1, 3])], "cc"),
    ("smooth_l1 int64 pair", lambda f, a, b: f.smooth_l1_loss(a, b), [np.array([1, 2]), np.array([1, 3])], "cc"),
    ("huber", lambda f, a, b: f.huber_loss(a, b), [R(3, 4) * 2, R(3, 4)], "gg"),
    ("huber delta none", lambda f, a, b: f.huber_loss(a, b, "none", 0.5), [R(3, 4) * 2, R(3, 4)], "gg"),
    ("huber weight", lambda f, a, b, w: f.huber_loss(a, b, weight=w), [R(3, 4) * 2, R(3, 4), P(3, 4)], "ggc"),
    ("huber broadcast", lambda f, a, b: f.huber_loss(a, b), [R(3, 4) * 2, R(4)], "gg"),
    ("huber ints", lambda f, a, b: f.huber_loss(a, b), [np.array([1, 2]), np.array([1, 3])], "cc"),
    ("huber int input", lambda f, a, b: f.huber_loss(a, b), [np.array([1, 2]), R(2)], "cg"),
    ("huber delta 0", lambda f, a, b: f.huber_loss(a, b, delta=0.0), [R(2), R(2)], "gg"),
    # kl_div
    ("kl_div mean", lambda f, a, b: f.kl_div(a, b), [R(3, 4), P(3, 4)], "gg"),
    ("kl_div batchmean", lambda f, a, b: f.kl_div(a, b, reduction="batchmean"), [R(3, 4), P(3, 4)], "gg"),
    ("kl_div zero target", lambda f, a, b: f.kl_div(a, b, reduction="sum"),
     [R(4), np.array([0, .5, .5, 0], np.float32)], "gc"),
    ("kl_div target gradient at 0 and below", lambda f, a, b: f.kl_div(a, b, reduction="sum"),
     [R(4), np.array([0, .5, .5, -0.1], np.float32)], "gg"),
    ("kl_div log_target none", lambda f, a, b: f.kl_div(a, b, reduction="none", log_target=True), [R(3, 4), R(3, 4)],
     "gg"),
    ("kl_div batchmean 0-d", lambda f, a, b: f.kl_div(a, b, reduction="batchmean"), [R(), P()], "gg"),
    ("kl_div broadcast", lambda f, a, b: f.kl_div(a, b, reduction="sum"), [R(3, 4), P(4)], "gg"),
    ("kl_div float64 target", lambda f, a, b: f.kl_div(a, b, reduction="sum"), [R(3, 4), P(3, 4).astype(np.float64)],
     "gg"),
    ("kl_div ints", lambda f, a, b: f.kl_div(a, b), [np.array([1, 2]), P(2)], "cc"),
    # distances
    ("cosine_similarity", lambda f, a, b: f.cosine_similarity(a, b), [R(3, 4), R(3, 4)], "gg"),
    ("cosine_similarity dim 0 broadcast", lambda f, a, b: f.cosine_similarity(a, b, 0), [R(3, 4), R(3, 1)], "gg"),
    ("cosine_similarity zero and tiny vectors", lambda f, a, b: f.cosine_similarity(a, b),
     [np.array([[0, 0, 0], [1e-9, 0, 0], [1, 2, 3]], np.float32), R(3, 3)], "gg"),
    ("cosine_similarity eps clamps", lambda f, a, b: f.cosine_similarity(a, b, 1, 0.5), [R(3, 4) * .1, R(3, 4)], "gg"),
    ("cosine_similarity 1-D", lambda f, a, b: f.cosine_similarity(a, b, 0), [R(4), R(4)], "gg"),
    ("cosine_similarity int and float", lambda f, a, b: f.cosine_similarity(a, b), [np.array([[1, 2]]), R(1, 2)], "cg"),
    ("cosine_similarity ints", lambda f, a, b: f.cosine_similarity(a, b), [np.array([[1, 2]]), np.array([[1, 2]])],
     "cc"),
    ("cosine_similarity bad broadcast", lambda f, a, b: f.cosine_similarity(a, b), [R(3, 4), R(3, 5)], "gg"),
    ("cosine_similarity float64", lambda f, a, b: f.cosine_similarity(a, b), [R(3, 4), R(3, 4, dtype=np.float64)],
     "gg"),
    ("pairwise_distance", lambda f, a, b: f.pairwise_distance(a, b), [R(3, 4), R(3, 4)], "gg"),
    ("pairwise_distance of equal rows", lambda f, a, b: f.pairwise_distance(a, b),
     [np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)], "gg"),
    ("pairwise_distance p=1 keepdim", lambda f, a, b: f.pairwise_distance(a, b, 1., 1e-6, True), [R(3, 4), R(3, 4)],
     "gg"),
    ("pairwise_distance p=inf", lambda f, a, b: f.pairwise_distance(a, b, float("inf")), [R(3, 4), R(3, 4)], "gg"),
    ("pairwise_distance p=3 1-D", lambda f, a, b: f.pairwise_distance(a, b, 3), [R(4), R(4)], "gg"),
    ("pairwise_distance 0-d", lambda f, a, b: f.pairwise_distance(a, b), [R(), R()], "gg"),
    ("pairwise_distance broadcast", lambda f, a, b: f.pairwise_distance(a, b), [R(3, 4), R(4)], "gg"),
    # margin losses
    ("margin_ranking", lambda f, a, b, t: f.margin_ranking_loss(a, b, t, 0.5), [R(4), R(4), Y], "ggc"),
    ("margin_ranking at the margin", lambda f, a, b, t: f.margin_ranking_loss(a, b, t, reduction="none"),
     [np.array([1., 2.], np.float32), np.array([1., 2.], np.float32), np.array([1., -1.], np.float32)], "ggc"),
    ("margin_ranking dims", lambda f, a, b, t: f.margin_ranking_loss(a, b, t), [R(4), R(4), Y[:1].reshape(1, 1)],
     "ggc"),
    ("hinge_embedding", lambda f, a, t: f.hinge_embedding_loss(a, t), [R(4), Y], "gc"),
    ("hinge_embedding 2-D margin 2", lambda f, a, t: f.hinge_embedding_loss(a, t, 2., reduction="none"),
     [R(2, 4), np.array([[1, -1, 1, -1], [-1, -1, 1, 1]], np.float32)], "gc"),
    ("hinge_embedding other labels", lambda f, a, t: f.hinge_embedding_loss(a, t, reduction="none"),
     [R(4), np.array([1, -1, 0, 2], np.float32)], "gc"),
    ("soft_margin", lambda f, a, t: f.soft_margin_loss(a, t), [R(4), Y], "gc"),
    ("soft_margin large scores", lambda f, a, t: f.soft_margin_loss(a, t, reduction="none"),
     [np.array([100., -100, 0, 1], np.float32), Y], "gc"),
    ("cosine_embedding", lambda f, a, b, t: f.cosine_embedding_loss(a, b, t, 0.2), [R(4, 3), R(4, 3), Y], "ggc"),
    ("cosine_embedding 0-d target", lambda f, a, b, t: f.cosine_embedding_loss(a, b, t),
     [R(3), R(3), np.array(-1., np.float32)], "ggc"),
    ("cosine_embedding bad dims", lambda f, a, b, t: f.cosine_embedding_loss(a, b, t), [R(3), R(3), Y], "ggc"),
    ("cosine_embedding int target", lambda f, a, b, t: f.cosine_embedding_loss(a, b, t),
     [R(4, 3), R(4, 3), Y.astype(np.int64)], "ggc"),
    ("triplet_margin", lambda f, a, p, n: f.triplet_margin_loss(a, p, n), [R(4, 3), R(4, 3), R(4, 3)], "ggg"),
    ("triplet_margin swap p=1 none",
     lambda f, a, p, n: f.triplet_margin_loss(a, p, n, 0.5, 1, swap=True, reduction="none"),
     [R(4, 3), R(4, 3), R(4, 3)], "ggg"),
    ("triplet_margin margin 0", lambda f, a, p, n: f.triplet_margin_loss(a, p, n, 0), [R(4, 3), R(4, 3), R(4, 3)],
     "ggg"),
    ("triplet_margin dims", lambda f, a, p, n: f.triplet_margin_loss(a, p, n), [R(4, 3), R(4, 3), R(3)], "ggg"),
    ("triplet_margin 1-D", lambda f, a, p, n: f.triplet_margin_loss(a, p, n), [R(3), R(3), R(3)], "ggg"),
    ("triplet_margin_with_distance cosine",
     lambda f, a, p, n: f.triplet_margin_with_distance_loss(
         a, p, n, distance_function=lambda x, y: 1 - f.cosine_similarity(x, y)), [R(4, 3), R(4, 3), R(4, 3)], "ggg"),
    ("multi_margin", lambda f, a, t: f.multi_margin_loss(a, t), [R(4, 5), np.array([0, 4, 2, 1])], "gc"),
    ("multi_margin p=2 weight none", lambda f, a, t, w: f.multi_margin_loss(a, t, 2, 0.5, w, reduction="none"),
     [R(4, 5), np.array([0, 4, 2, 1]), P(5)], "gcc"),
    ("multi_margin 1-D", lambda f, a, t: f.multi_margin_loss(a, t), [R(5), np.array(3)], "gc"),
    ("multi_margin at the margin", lambda f, a, t: f.multi_margin_loss(a, t),
     [np.array([[1., 0., 3.]], np.float32), np.array([0])], "gc"),
    ("multi_margin target out of range", lambda f, a, t: f.multi_margin_loss(a, t), [R(4, 5), np.array([0, 5, 2, 1])],
     "gc"),
    ("multilabel_soft_margin", lambda f, a, t: f.multilabel_soft_margin_loss(a, t),
     [R(4, 5), (P(4, 5) > .5).astype(np.float32)], "gc"),
    ("multilabel_soft_margin weight none", lambda f, a, t, w: f.multilabel_soft_margin_loss(a, t, w, reduction="none"),
     [R(4, 5), (P(4, 5) > .5).astype(np.float32), P(5)], "gcc"),
    # likelihoods
    ("poisson_nll", lambda f, a, t: f.poisson_nll_loss(a, t), [R(3, 4), P(3, 4) * 3], "gc"),
    ("poisson_nll full, rates", lambda f, a, t: f.poisson_nll_loss(a, t, False, True, reduction="none"),
     [P(3, 4) + .1, P(3, 4) * 3], "gg"),
    ("gaussian_nll", lambda f, a, t, v: f.gaussian_nll_loss(a, t, v), [R(3, 4), R(3, 4), P(3, 4)], "ggg"),
    ("gaussian_nll var below eps", lambda f, a, t, v: f.gaussian_nll_loss(a, t, v, True, 0.1, "sum"),
     [R(3, 4), R(3, 4), P(3, 4) * .2], "ggg"),
    ("gaussian_nll one var per sample", lambda f, a, t, v: f.gaussian_nll_loss(a, t, v, reduction="none"),
     [R(3, 4), R(3, 4), P(3)], "ggg"),
    ("gaussian_nll shared var", lambda f, a, t, v: f.gaussian_nll_loss(a, t, v), [R(3, 4), R(3, 4), P(3, 1)], "ggg"),
    ("gaussian_nll var of a wrong size", lambda f, a, t, v: f.gaussian_nll_loss(a, t, v), [R(3, 4), R(3, 4), P(2, 4)],
     "ggg"),
    ("gaussian_nll negative var", lambda f, a, t, v: f.gaussian_nll_loss(a, t, v), [R(3, 4), R(3, 4), -P(3, 4)], "ggg"),
    # binary cross-entropy: its checks, broadcasting weights, target gradients
    ("bce", lambda f, p, t: f.binary_cross_entropy(p, t), [P(3, 4), P(3, 4)], "gg"),
    ("bce weight broadcast", lambda f, p, t, w: f.binary_cross_entropy(p, t, w), [P(3, 4), P(3, 4), P(4)], "ggc"),
    ("bce weight larger than input", lambda f, p, t, w: f.binary_cross_entropy(p, t, w), [P(4), P(4), P(3, 4)], "ggc"),
    ("bce target above 1", lambda f, p, t: f.binary_cross_entropy(p, t), [P(4), P(4) + 1], "gg"),
    ("bce input nan", lambda f, p, t: f.binary_cross_entropy(p, t), [np.array([np.nan, .5], np.float32), P(2)], "gg"),
    ("bce input above 1", lambda f, p, t: f.binary_cross_entropy(p, t), [P(2) + 1, P(2)], "gg"),
    ("bce float64 target", lambda f, p, t: f.binary_cross_entropy(p, t), [P(4), P(4).astype(np.float64)], "gg"),
    ("bce int input", lambda f, p, t: f.binary_cross_entropy(p, t), [np.array([1, 0]), np.array([0, 1])], "cc"),
    ("bce target shape", lambda f, p, t: f.binary_cross_entropy(p, t), [P(4), P(1, 4)], "gg"),
    ("bce at 0 and 1", lambda f, p, t: f.binary_cross_entropy(p, t, reduction="none"),
     [np.array([0., 1., 0., 1.], np.float32), np.array([0., 1., 1., 0.], np.float32)], "gg"),
    ("bce_with_logits", lambda f, x, t: f.binary_cross_entropy_with_logits(x, t), [R(3, 4), P(3, 4)], "gg"),
    ("bce_with_logits weight pos_weight",
     lambda f, x, t, w, pw: f.binary_cross_entropy_with_logits(x, t, w, pos_weight=pw),
     [R(3, 4), P(3, 4), P(3, 1), P(4) * 3], "ggcc"),
    ("bce_with_logits float64 target", lambda f, x, t: f.binary_cross_entropy_with_logits(x, t),
     [R(3, 4), P(3, 4).astype(np.float64)], "gg"),
    ("bce_with_logits int target", lambda f, x, t: f.binary_cross_entropy_with_logits(x, t),
     [R(4), np.array([0, 1, 1, 0])], "gc"),
    ("bce_with_logits bool target", lambda f, x, t: f.binary_cross_entropy_with_logits(x, t),
     [R(4), np.array([0, 1, 1, 0], bool)], "gc"),
    ("bce_with_logits int input", lambda f, x, t: f.binary_cross_entropy_with_logits(x, t),
     [np.array([0, 1, 1, 0]), P(4)], "cg"),
    ("bce_with_logits target shape", lambda f, x, t: f.binary_cross_entropy_with_logits(x, t), [R(4), P(1, 4)], "gg"),
    ("bce_with_logits weight of a wrong size", lambda f, x, t, w: f.binary_cross_entropy_with_logits(x, t, w),
     [R(3), P(3), P(2)], "ggc"),
    ("bce_with_logits weight larger than input", lambda f, x, t, w: f.binary_cross_entropy_with_logits(x, t, w),
     [R(3), P(3), P(2, 3)], "ggc"),
    ("bce_with_logits infinite targets", lambda f, x, t: f.binary_cross_entropy_with_logits(x, t, reduction="none"),
     [np.array([-np.inf, np.inf, .5], np.float32), np.array([np.inf, -np.inf, np.inf], np.float32)], "gg"),
    ("l1 at inf - inf", lambda f, a, b: f.l1_loss(a, b), [np.array([np.inf, 1.], np.float32),
                                                         np.array([np.inf, 2.], np.float32)], "gg"),
    ("bce_with_logits inf and nan", lambda f, x, t: f.binary_cross_entropy_with_logits(x, t, reduction="none"),
     [np.array([np.inf, -np.inf, np.nan, 100.], np.float32), P(4)], "gg"),
]


@needs_torch
@pytest.mark.parametrize("name, fn, arrays, kinds", CASES, ids=[c[0] for c in CASES])
def test_values_dtypes_errors_and_gradients_match_torch(name, fn, arrays, kinds, device):
    ours, theirs = _run("minigrad", fn, arrays, kinds, device), _run("torch", fn, arrays, kinds, device)
    if isinstance(theirs[0], type):  # torch refuses: the same exception type, its message first
        assert ours[0] is theirs[0], f"{name}: minigrad gave {ours}, torch raised {theirs}"
        assert ours[1].startswith(theirs[1][:40]), f"{name}: {ours[1]!r} vs torch's {theirs[1]!r}"
        return
    assert not isinstance(ours[0], type), f"{name}: minigrad raised {ours}, torch gave {theirs[:2]}"
    assert ours[0] == theirs[0], f"{name}: dtype {ours[0]} vs torch's {theirs[0]}"
    np.testing.assert_allclose(ours[1], theirs[1], rtol=2e-5, atol=1e-6, equal_nan=True)
    for k, (g, tg) in enumerate(zip(ours[2], theirs[2])):
        assert (g is None) == (tg is None), f"{name}: input {k} has a gradient in only one of the two"
        if g is not None:
            np.testing.assert_allclose(g, tg, rtol=2e-5, atol=1e-6, equal_nan=True, err_msg=f"{name}: input {k}")


def test_the_issue_rows_for_cross_entropy():
    x = minigrad.tensor([[float("-inf"), 1., 2.], [.5, .1, -1.]], requires_grad=True)
    loss = F.cross_entropy(x, minigrad.tensor([-100, 2]))
    assert loss.item() == pytest.approx(2.1384, abs=1e-4)  # was nan: 0 * (-inf) for the ignored row
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all() and x.grad[0].tolist() == [0.0, 0.0, 0.0]
    y = minigrad.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    every_ignored = F.cross_entropy(y, minigrad.tensor([-100]))
    every_ignored.backward()
    assert np.isnan(every_ignored.item()) and y.grad.tolist() == [[0.0, 0.0, 0.0]]  # was NaN
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Int"):
        F.cross_entropy(y, minigrad.tensor([0], dtype=minigrad.int32))
    for bad in (-1, 3):
        with pytest.raises(IndexError, match=f"Target {bad} is out of bounds"):
            F.cross_entropy(y, minigrad.tensor([bad]))


# ---- float64 gradient checks of every new loss, with a random upstream gradient -------------

def _away_from_zero(*shape, seed=7):
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.where(np.abs(x) < 0.1, x + 0.3, x)


GRADCHECKS = [
    ("ce probabilities", lambda x, t: F.cross_entropy(x, t), [(2, 3), "probs"]),
    ("ce probabilities spatial, weighted, smoothed", lambda x, t: F.cross_entropy(
        x, t, weight=minigrad.tensor([1., 2., 3.], dtype=minigrad.float64, device=x.device), label_smoothing=0.2),
     [(2, 3, 4), "probs"]),
    ("huber", lambda a, b: F.huber_loss(a, b, delta=0.7), [(3, 4), (3, 4)]),
    ("kl_div", lambda a, b: F.kl_div(a, b, reduction="batchmean"), [(3, 4), "probs"]),
    ("kl_div log_target", lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True), [(3, 4), (3, 4)]),
    ("cosine_similarity", lambda a, b: F.cosine_similarity(a, b), [(3, 4), (3, 4)]),
    ("pairwise_distance", lambda a, b: F.pairwise_distance(a, b), [(3, 4), (3, 4)]),
    ("pairwise_distance p=1", lambda a, b: F.pairwise_distance(a, b, 1.0), [(3, 4), (3, 4)]),
    ("pairwise_distance p=3", lambda a, b: F.pairwise_distance(a, b, 3.0), [(3, 4), (3, 4)]),
    ("soft_margin", lambda a: F.soft_margin_loss(a, minigrad.tensor([1., -1, 1, -1], dtype=minigrad.float64,
                                                                      device=a.device)), [(4,)]),
    ("cosine_embedding", lambda a, b: F.cosine_embedding_loss(
        a, b, minigrad.tensor([1., -1, 1, -1], dtype=minigrad.float64, device=a.device), margin=-0.5),
     [(4, 3), (4, 3)]),
    ("triplet_margin swap", lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=3.0, swap=True),
     [(4, 3), (4, 3), (4, 3)]),
    ("multilabel_soft_margin", lambda a, t: F.multilabel_soft_margin_loss(a, t), [(4, 5), "probs"]),
    ("poisson_nll", lambda a, t: F.poisson_nll_loss(a, t), [(3, 4), "probs"]),
    ("gaussian_nll", lambda a, t, v: F.gaussian_nll_loss(a, t, v), [(3, 4), (3, 4), "probs"]),
    ("bce target gradient", lambda p, t: F.binary_cross_entropy(p, t), ["probs", "probs"]),
    ("bce_with_logits target gradient", lambda x, t: F.binary_cross_entropy_with_logits(
        x, t, pos_weight=minigrad.tensor([2.0, 0.5, 1.0, 3.0], dtype=minigrad.float64, device=x.device)),
     [(3, 4), "probs"]),
]


@pytest.mark.parametrize("name, fn, shapes", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_new_losses_pass_a_float64_gradient_check(name, fn, shapes, device):
    first = next(s for s in shapes if s != "probs") if any(s != "probs" for s in shapes) else (3, 4)
    arrays = [np.random.default_rng(k).uniform(0.1, 0.9, first) if s == "probs" else _away_from_zero(*s, seed=k)
              for k, s in enumerate(shapes)]
    check_op(fn, arrays, device)


@pytest.mark.parametrize("margin_loss, args", [
    (F.margin_ranking_loss, ((4,), (4,))), (F.hinge_embedding_loss, ((4,),)),
])
def test_margin_losses_pass_a_float64_gradient_check(margin_loss, args, device):
    target = minigrad.tensor([1., -1., 1., -1.], dtype=minigrad.float64, device=device)
    arrays = [_away_from_zero(*shape, seed=k) * 3 for k, shape in enumerate(args)]
    check_op(lambda *xs: margin_loss(*xs, target, margin=0.5) if len(xs) == 2 else margin_loss(xs[0], target),
             arrays, device)


@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss_passes_a_float64_gradient_check(p, device):
    target = minigrad.tensor([0, 4, 2, 1], device=device)
    weight = minigrad.tensor([0.5, 1., 2., 1., 3.], dtype=minigrad.float64, device=device)
    check_op(lambda x: F.multi_margin_loss(x, target, p=p, weight=weight), [_away_from_zero(4, 5) * 2], device)


# ---- the modules ------------------------------------------------------------------------------

MODULES = [
    ("HuberLoss(delta=0.5)", 2), ("KLDivLoss(reduction='batchmean')", 2), ("PoissonNLLLoss()", 2),
    ("MarginRankingLoss(0.3)", 3), ("CosineEmbeddingLoss(0.1)", 3), ("HingeEmbeddingLoss(1.5)", 2),
    ("SoftMarginLoss()", 2), ("TripletMarginLoss(swap=True)", 3), ("TripletMarginWithDistanceLoss()", 3),
    ("MultiLabelSoftMarginLoss()", 2), ("CosineSimilarity()", 2), ("PairwiseDistance(p=1.0)", 2),
    ("GaussianNLLLoss()", 3), ("MultiMarginLoss(margin=0.5)", 2), ("MSELoss(reduction='sum')", 2),
]


@needs_torch
@pytest.mark.parametrize("spec, n_inputs", MODULES, ids=[m[0] for m in MODULES])
def test_loss_modules_print_and_compute_as_torch(spec, n_inputs):
    ours, theirs = eval("nn." + spec), eval("torch.nn." + spec)
    assert repr(ours) == repr(theirs)
    arrays = [R(4, 3), R(4, 3), R(4, 3)][:n_inputs]
    if spec.startswith(("MarginRanking", "CosineEmbedding", "HingeEmbedding", "SoftMargin")):
        arrays[-1] = Y if not spec.startswith(("MarginRanking", "HingeEmbedding", "SoftMargin")) else \
            np.broadcast_to(Y[:, None], (4, 3)).copy()
        if spec.startswith("MarginRanking"):
            arrays = [R(4), R(4), Y]
    if spec.startswith(("KLDiv", "PoissonNLL", "MultiLabel", "GaussianNLL")):
        arrays[-1] = P(4, 3)
    if spec.startswith("MultiMargin"):
        arrays[-1] = np.array([0, 2, 1, 1])
    out = ours(*[minigrad.tensor(a, dtype=a.dtype) for a in arrays])
    expected = theirs(*[torch.tensor(a) for a in arrays])
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=2e-5, atol=1e-6)


def test_huber_loss_keeps_the_inputs_dtype_as_torchs_kernel():
    loss = F.huber_loss(minigrad.tensor([0.5, 3.0]), minigrad.tensor([0.0, 0.0], dtype=minigrad.float64))
    assert loss.dtype == minigrad.float32 and loss.item() == pytest.approx((0.125 + 2.5) / 2)
    if torch is not None:  # (torch's backward of this mix raises; its forward is float32)
        assert TF.huber_loss(torch.tensor([0.5, 3.0]), torch.zeros(2, dtype=torch.float64)).dtype == torch.float32


def test_a_loss_prints_no_options_as_torch():
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss()" and repr(nn.CrossEntropyLoss(label_smoothing=0.1)) == \
        "CrossEntropyLoss()"


def test_kl_div_mean_warns_as_torch():
    x, q = minigrad.tensor(R(2, 3)), minigrad.tensor(P(2, 3))
    with pytest.warns(UserWarning, match="reduction: 'mean' divides the total loss by both the batch size"):
        F.kl_div(x, q)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(x, q, reduction="batchmean")


def test_float32_stays_float32_through_the_new_losses(device):
    x = minigrad.tensor(R(3, 4), requires_grad=True, device=device)
    q = minigrad.tensor(P(3, 4), device=device)
    for loss in (F.huber_loss(x, q), F.kl_div(x, q, reduction="batchmean"), F.cross_entropy(x, q),
                 F.cosine_similarity(x, q).sum(), F.pairwise_distance(x, q).sum(), F.poisson_nll_loss(x, q),
                 F.triplet_margin_loss(x, q, q * 2), F.gaussian_nll_loss(x, q, q + 0.1)):
        x.grad = None
        loss.backward()
        assert loss.dtype == minigrad.float32 and x.grad.dtype == minigrad.float32
    assert host(x.grad.array).shape == (3, 4)
