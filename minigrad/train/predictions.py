"""What a trained Learner answers, with fastai 0.7's return types (mixed into Learner):

    learn.predict(is_test=False)      log-probabilities (n, classes) of the validation (or test) set
    learn.predict_with_targs()        (log-probabilities, targets)
    learn.TTA(n_aug=4, is_test=False) (log_preds, y): log_preds stacked (n_aug + 1, n, classes), the
                                      un-augmented images first, then n_aug augmented passes; average
                                      the PROBABILITIES: probs = np.mean(np.exp(log_preds), 0)
    learn.predict_array(arr)          log-probabilities for a batch of prepared images (n, 3, H, W)
    learn.summary()                   each layer's output shape and parameter count

fastai's ConvLearner ends its model in LogSoftmax, so its outputs are log-probabilities;
here the head ends in the last Linear (as PyTorch's models) and log_softmax is applied on the way
out. (fastai repeats the un-augmented predictions ceil(n_aug / 4) times; with the default n_aug=4
that is the same (5, n, classes) stack.)
"""
import copy
from collections import OrderedDict

import numpy as np

from ..data.loader import DataLoader
from ..data.base import TensorDataset
from ..nn import functional as F
from ..autograd import no_grad
from ..tensor import Tensor
from ..utils.summary import summary as model_summary
from . import plots


def _labels(y):
    return y.numpy() if isinstance(y, Tensor) else np.asarray(y)


class Predictions:
    def _evaluate(self, loader, images=False):
        """(log-probabilities, targets, mean cross-entropy) over `loader`. images=True runs the whole
        model on images even while precompute is on. The loss is F.cross_entropy, the very function
        training minimises, averaged over every image. Data-parallel, each process predicts its share of
        the images and self.parallel gathers all of them, in order, on every process."""
        self.model.eval()
        loader = self.parallel.evaluation_shard(loader)
        outs, targets, total = [], [], 0.0
        forward = self.model if images else self.forward
        with no_grad():
            for x, y in loader:
                logits = forward(self._on_device(x))
                total += F.cross_entropy(logits, y).item() * len(_labels(y))
                outs.append(F.log_softmax(logits, dim=1).numpy())
                targets.append(_labels(y))
        targets = np.concatenate(targets)
        return self.parallel.gather_predictions(loader, np.concatenate(outs), targets, total / max(len(targets), 1))

    def _loader(self, is_test):
        if not is_test:
            return self.val_batches()
        if self.data.test_dl is None:
            raise ValueError(f"is_test=True needs test images: {self.data.path} has no test/ folder of images")
        if self._precompute:
            return DataLoader(TensorDataset(*self.activations(self.data.test_dl)), self.data.bs)
        return self.data.test_dl

    def predict_with_targs(self, is_test=False):
        log_preds, targets, _ = self._evaluate(self._loader(is_test))
        return log_preds, targets

    def predict(self, is_test=False):
        """Log-probabilities (n, classes) of the validation images (or the test images)."""
        return self.predict_with_targs(is_test)[0]

    def validate(self):
        """(validation loss, accuracy): the same cross-entropy as the training loss."""
        log_preds, targets, loss = self._evaluate(self.val_batches())
        return loss, float((log_preds.argmax(1) == targets).mean())

    def aug_loader(self, is_test=False):
        """The validation (or test) images through the TRAINING transforms: fastai's data.aug_dl."""
        named = getattr(self.data, "test_aug_dl" if is_test else "aug_dl", None)
        if named is not None:
            return named
        dataset = copy.copy(self.data.test_ds if is_test else self.data.val_ds)
        dataset.transform = self.data.train_tfm
        return DataLoader(dataset, self.data.bs, num_workers=getattr(self.data, "num_workers", 0))

    def TTA(self, n_aug=4, is_test=False):
        """Test-time augmentation, fastai 0.7's: (log_preds (n_aug + 1, n, classes), y)."""
        plain, targets, _ = self._evaluate(self.data.test_dl if is_test else self.data.val_dl, images=True)
        loader = self.aug_loader(is_test)  # one loader, iterated n_aug times: a new epoch's augmentations each pass
        augmented = [self._evaluate(loader, images=True)[0] for _ in range(n_aug)]
        return np.stack([plain] + augmented), targets

    def predict_array(self, arr):
        """Log-probabilities (n, classes) for images already prepared as the validation set's
        (an array (n, 3, H, W), e.g. `data.val_ds[i][0][None]`). Always the whole model, on images."""
        self.model.eval()
        with no_grad():
            logits = self.model(self._on_device(np.asarray(arr, dtype=np.float32)))
            return F.log_softmax(logits, dim=1).numpy()

    def summary(self):
        """Each layer's input and output shape and parameter count, on one image of the data's size
        (fastai's model_summary); printed, and returned as an OrderedDict. The leaf rows of
        minigrad.utils.summary.summary (torchinfo's table, for any Module), in fastai's layout."""
        size = getattr(self.data, "size", 224)
        image = Tensor(np.zeros((1, 3, size, size), np.float32), device=self.device)
        rows = OrderedDict()
        for layer in model_summary(self.model, input_data=image, verbose=0).summary_list:
            if layer.is_leaf_layer:  # leaves only: containers would repeat their children
                rows[f"{layer.class_name}-{len(rows) + 1}"] = OrderedDict(
                    input_shape=[-1] + layer.input_size[1:], output_shape=[-1] + layer.output_size[1:],
                    nb_params=layer.num_params, trainable=layer.trainable_params > 0)
        for key, row in rows.items():
            print(f"{key:<22} {str(row['output_shape']):<22} {row['nb_params']:>10,}  "
                  f"{'trainable' if row['trainable'] else ''}")
        print(f"total parameters: {sum(r['nb_params'] for r in rows.values()):,}")
        return rows

    # ---- pictures of the predictions -------------------------------------------------------------
    def plot_confusion_matrix(self, log_preds, targets, name="confusion_matrix.png"):
        from .metrics import confusion_matrix
        matrix = confusion_matrix(targets, np.argmax(log_preds, 1), self.data.c)
        return plots.plot_confusion_matrix(matrix, self.data.classes, path=self.path(name))

    def plot_most_confident_wrong(self, log_preds, targets, name="most_confident_wrong.png", k=8):
        """The validation images the model got wrong with the highest confidence."""
        from ..data.transforms import denormalize
        probs = np.exp(log_preds)
        predicted = probs.argmax(axis=1)
        wrong = np.flatnonzero(predicted != targets)
        if not len(wrong):
            self.log("no validation image was misclassified: nothing to show")
            return None
        worst = wrong[np.argsort(-probs[wrong, predicted[wrong]])][:k]
        images = [denormalize(self.data.val_ds[i][0]) for i in worst]
        titles = [f"predicted {self.data.classes[predicted[i]]} ({probs[i, predicted[i]]:.2f}), "
                  f"is {self.data.classes[targets[i]]}" for i in worst]
        return plots.plot_images(images, titles, self.path(name), "most confidently wrong")


