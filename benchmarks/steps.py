"""One resnet training step (forward, cross-entropy, backward, SGD), written once per
framework with its own optimizer, for run.py, memory.py and data.py."""


def minigrad_step(model, x, y, lr, momentum=0.0):
    """A function running one minigrad training step on (x, y) with minigrad.optim.SGD."""
    import minigrad.nn.functional as F
    from minigrad.optim import SGD
    opt = SGD(model.parameters(), lr=lr, momentum=momentum)

    def step():
        model.train()
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def torch_step(model, x, y, lr, momentum=0.0):
    """The same step in PyTorch, with torch.optim.SGD."""
    import torch
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)

    def step():
        model.train()
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return step
