"""The "pretrained" model of scripts 4 and 5: a small convnet laid out like a resnet, and its body
pretrained on other generated images (offline there are no ImageNet weights to start from)."""
import os

from common import (array_dataset, DataLoader, ImageFolder, make_shapes_dataset, minigrad, nn, seed_everything,
                    train_epoch, transforms_for)


class SmallNet(nn.Module):
    """A small convnet laid out like a resnet, so ConvLearner.pretrained can use it as `arch`:
    8 children before the pooling (stem conv, bn, relu, maxpool, layer1..layer4), `body()`
    returns them, and `num_features` is the width the head receives. The Learner splits it into
    the same three layer groups as a resnet: stem..layer2 / layer3..layer4 / head."""

    def __init__(self, num_classes=2, width=16):
        super().__init__()
        w = width

        def block(cin, cout, stride):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU())
        self.conv1, self.bn1, self.relu = nn.Conv2d(3, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU()
        self.maxpool = nn.MaxPool2d(2)
        self.layer1, self.layer2 = block(w, w, 1), block(w, 2 * w, 2)
        self.layer3, self.layer4 = block(2 * w, 4 * w, 2), block(4 * w, 4 * w, 1)
        self.avgpool, self.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(4 * w, num_classes)

    def body(self):
        return nn.Sequential(*list(self.children())[:8])

    @property
    def num_features(self):
        return self.fc.in_features

    def forward(self, x):
        return self.fc(self.avgpool(self.body()(x)).flatten(1))


def small_net(num_classes=2, weights=None):
    """SmallNet, with `weights` (a file minigrad.load_weights reads) for its body when given."""
    model = SmallNet(num_classes)
    if weights is not None:
        state = {k: v for k, v in minigrad.load_weights(weights).items() if not k.startswith("fc.")}
        model.load_state_dict(state, strict=False)
    return model


def pretrain_body(args, epochs):
    """Weights for SmallNet's body, trained (once, then reused) on OTHER generated images of the
    two shapes (seed 1): the stand-in for ImageNet, which also holds cats and dogs. Returns the file."""
    path = os.path.join(args.work, f"small_net_pretrained_{args.mode}_{args.size}px.npz")
    if os.path.exists(path):
        return path
    source = make_shapes_dataset(os.path.join(args.work, "source"), n_train=args.n_train, n_valid=args.n_valid,
                                 size=max(args.size, 16), seed=1)
    _, val_tfm = transforms_for(args.size)
    x, y = next(iter(DataLoader(ImageFolder(os.path.join(source, "train"), val_tfm), batch_size=10 ** 6)))
    seed_everything(1234)
    model = SmallNet()
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    loader = DataLoader(array_dataset(x.numpy(), y.numpy()), batch_size=32, shuffle=True)
    for _ in range(epochs):
        train_epoch(model, optimizer, loader)
    minigrad.save_weights(model.state_dict(), path)
    print(f"pretrained body: {epochs} epochs on {len(loader.dataset)} other generated images -> {path}")
    return path
