"""ConvLearner.pretrained: fastai 0.7's transfer-learning set-up in one call.

Take a resnet, keep its body (the pretrained feature extractor: fastai cuts at
child 8), put fastai's head on it for the new classes, and split the whole
into three layer groups (stem..layer2 / layer3..layer4 / head) so that each can
have its own learning rate. The body starts frozen: first the head learns to
use the pretrained features.
"""
from minigrad.learner import Learner

from .head import FEATURE_LAYERS, fastai_head


class ConvLearner:
    @staticmethod
    def pretrained(arch, data, weights=None, precompute=False, device="cpu", out_dir="runs/learner",
                   ps=(0.25, 0.5), verbose=True):
        """A Learner for `data` on the body of `arch` (e.g. models.resnet34), with ImageNet
        `weights` (a file load_weights reads) or, when None, random initialisation."""
        model = arch(weights=weights) if weights is not None else arch()
        body = model.body()
        head = fastai_head(model.num_features, data.c, ps)
        groups = [body[:6], body[6:], head]  # stem..layer2, layer3..layer4, head
        learner = Learner(body, head, data, groups, device=device, out_dir=out_dir,
                          feature_layers=FEATURE_LAYERS, verbose=verbose)
        learner.precompute = precompute
        return learner
