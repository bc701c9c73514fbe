"""An MNIST-style CNN classifier: Conv2d, MaxPool2d, Dropout, log_softmax + nll_loss, Adadelta with
StepLR, a DataLoader over a TensorDataset, then a test loop that counts correct predictions the two
usual ways (`pred.eq(target.view_as(pred)).sum().item()` and `torch.max(out.data, 1)`)."""
import numpy as np


def make_net(lib, dropout):
    nn, F, torch = lib.nn, lib.F, lib.torch

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, 1)
            self.conv2 = nn.Conv2d(8, 16, 3, 1)
            self.dropout1 = nn.Dropout(dropout)
            self.dropout2 = nn.Dropout(2 * dropout)
            self.fc1 = nn.Linear(16 * 5 * 5, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = self.dropout2(x)
            return F.log_softmax(self.fc2(x), dim=1)

    return Net()


def images(n, seed):
    """Stand-in 14x14 digits: raw 0..255 pixels normalised as MNIST's transform does, and labels."""
    rng = np.random.default_rng(seed)
    x = (rng.integers(0, 256, (n, 1, 14, 14)) / 255.0 - 0.1307) / 0.3081
    return x, rng.integers(0, 10, n)


def run(lib, share, dtype="float64", steps=4, dropout=0.0):
    torch, F, optim, data = lib.torch, lib.F, lib.optim, lib.data
    x, y = images(16 * steps, seed=1)
    train_set = data.TensorDataset(torch.from_numpy(x).to(getattr(torch, dtype)), torch.from_numpy(y))
    train_loader = data.DataLoader(train_set, batch_size=16, shuffle=False)
    x, y = images(40, seed=2)
    test_loader = data.DataLoader(data.TensorDataset(torch.tensor(x, dtype=getattr(torch, dtype)),
                                                     torch.tensor(y)), batch_size=16)

    model = share(make_net(lib, dropout).to(getattr(torch, dtype)))
    optimizer = optim.Adadelta(model.parameters(), lr=0.5)
    scheduler = lib.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)

    losses, lrs = [], []
    model.train()
    for batch_idx, (data_, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(data_)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        scheduler.step()  # per batch here (main.py: per epoch), to see the schedule move
        losses.append(loss.item())
        lrs.append(scheduler.get_last_lr()[0])

    model.eval()
    test_loss, correct, correct_max, predicted = 0, 0, 0, []
    with torch.no_grad():
        for data_, target in test_loader:
            output = model(data_)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
            _, best = torch.max(output.data, 1)
            correct_max += (best == target).sum().item()
            predicted += best.tolist()
    return {"losses": losses, "lrs": lrs, "test_loss": test_loss / len(test_loader.dataset),
            "correct": correct, "correct_max": correct_max, "predicted": predicted,
            "batches": len(train_loader), "out_dtype": str(output.dtype)}
