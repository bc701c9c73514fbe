"""ConvLearner.pretrained: fastai 0.7's transfer-learning set-up in one call.

Take a resnet, keep its body (the pretrained feature extractor: fastai cuts at
child 8), put fastai's head on it for the new classes (models/head.py), and split
the whole into three layer groups (stem..layer2 / layer3..layer4 / head) so that
each can have its own learning rate. The body starts frozen: first the head learns
to use the pretrained features.

    learn = ConvLearner.pretrained(resnet34, data, precompute=True)
    learn = ConvLearner.pretrained(resnet34, data, ps=0.5, xtra_fc=[512], weights="resnet34.pth")

fastai downloads ImageNet weights by itself; minigrad reads them from `weights=` (any
file load_weights reads: `python -m minigrad.weights download resnet34` fetches them)
and, without it, starts the body from random initialisation.
"""
from models.head import FEATURE_LAYERS, fastai_head

from .learner import Learner

GROUP_NAMES = ["stem..layer2", "layer3..layer4", "head"]


class ConvLearner(Learner):
    @classmethod
    def pretrained(cls, f, data, ps=None, xtra_fc=None, precompute=False, weights=None, device="cpu",
                   out_dir=None, verbose=True, seed=None, **kwargs):
        """A Learner for `data` on the body of `f` (e.g. resnet34). ps: the head's dropout, a number
        for every layer or a list (default [0.25, 0.5]); xtra_fc: the hidden layers' widths ([512])."""
        if data.c < 2:
            raise ValueError(f"{data.path}: {data.c} class ({', '.join(data.classes)}): a classifier needs at "
                             "least 2 class folders (with one, every answer is right and nothing is learned)")
        model = f(weights=weights) if weights is not None else f()
        body = model.body()
        head = fastai_head(model.num_features, data.c, ps=ps, xtra_fc=xtra_fc)
        groups = [body[:6], body[6:], head]  # stem..layer2, layer3..layer4, head
        learner = cls(body, head, data, groups, device=device, out_dir=out_dir, feature_layers=FEATURE_LAYERS,
                      verbose=verbose, arch=getattr(f, "__name__", str(f)), seed=seed, group_names=GROUP_NAMES,
                      **kwargs)
        learner.pretrained_weights, learner.xtra_fc = weights, [512] if xtra_fc is None else list(xtra_fc)
        learner.precompute = precompute
        return learner
