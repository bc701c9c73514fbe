"""super_resolution's sub-pixel network: Conv2d layers ending in PixelShuffle, orthogonal_ init scaled by
calculate_gain('relu'), MSELoss and Adam; then the whole model saved with torch.save and loaded back
inside serialization.safe_globals, as its main.py does with checkpoints."""
import numpy as np

UPSCALE = 2


def make_net(lib):
    nn, init = lib.nn, lib.nn.init

    class Net(nn.Module):
        def __init__(self, upscale_factor):
            super().__init__()
            self.relu = nn.ReLU()
            self.conv1 = nn.Conv2d(1, 8, (5, 5), (1, 1), (2, 2))
            self.conv2 = nn.Conv2d(8, 8, (3, 3), (1, 1), (1, 1))
            self.conv3 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
            self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
            self._initialize_weights()

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = self.relu(self.conv2(x))
            return self.pixel_shuffle(self.conv3(x))

        def _initialize_weights(self):
            init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
            init.orthogonal_(self.conv3.weight)

    # torch.save pickles a model by its class's module and name: the class defined for each library
    # is given a name of its own at this module's top level, where a load finds it
    Net.__name__ = Net.__qualname__ = f"Net_{lib.name}"
    globals()[Net.__name__] = Net
    return Net


def run(lib, share, dtype="float64", steps=4, model_path=None):
    torch, nn = lib.torch, lib.nn
    Net = make_net(lib)
    model = Net(upscale_factor=UPSCALE)
    w = model.conv1.weight.detach().view(8, -1)
    gram = (w @ w.t()).numpy()  # orthogonal_ rows, times gain**2 = 2
    model = share(model.to(getattr(torch, dtype)))
    criterion = nn.MSELoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=0.01)

    rng = np.random.default_rng(10)
    losses = []
    for step in range(steps):
        target = rng.random((4, 1, 12, 12))
        input = target.reshape(4, 1, 6, 2, 6, 2).mean(axis=(3, 5))  # the low-resolution image
        input = torch.from_numpy(input).to(getattr(torch, dtype))
        target = torch.from_numpy(target).to(getattr(torch, dtype))
        optimizer.zero_grad()
        loss = criterion(model(input), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    out = {"losses": losses, "gram": gram, "out_shape": tuple(model(input).shape)}
    if model_path is not None:
        torch.save(model, model_path)
        with torch.serialization.safe_globals([Net, nn.Conv2d, nn.ReLU, nn.PixelShuffle]):
            loaded = torch.load(model_path)
        with torch.no_grad():
            out["reloaded_type"] = type(loaded).__name__
            out["reloaded_parameter"] = [isinstance(loaded.conv1.weight, nn.Parameter), loaded.training,
                                         len(list(loaded.parameters()))]
            out["reloaded_gap"] = (loaded(input) - model(input)).abs().max().item()
            out["reloaded_loss"] = criterion(loaded(input), target).item()
    return out
