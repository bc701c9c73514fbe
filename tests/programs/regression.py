"""pytorch/examples' regression idea: fit a polynomial with one Linear layer on features written in tensor
ops (`torch.cat([x ** i ...], 1)`), smooth_l1_loss, a hand-written SGD step on `param.data`, and the
fitted polynomial printed with format specs applied to 0-d tensors."""
import numpy as np

POLY_DEGREE = 4


def make_features(lib, x):
    """Builds features i.e. a matrix with columns [x, x^2, x^3, x^4]."""
    x = x.unsqueeze(1)
    return lib.torch.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)


def poly_desc(W, b):
    """Creates a string description of a polynomial."""
    result = "y = "
    for i, w in enumerate(W):
        result += "{:+.2f} x^{} ".format(w, i + 1)
    result += "{:+.2f}".format(b[0])
    return result


def run(lib, share, dtype="float64", steps=20, batch_size=16):
    torch, F = lib.torch, lib.F
    rng = np.random.default_rng(11)
    W_target = torch.from_numpy(rng.standard_normal((POLY_DEGREE, 1)) * 5).to(getattr(torch, dtype))
    b_target = torch.from_numpy(rng.standard_normal(1) * 5).to(getattr(torch, dtype))

    def f(x):
        """Approximated function."""
        return x.mm(W_target) + b_target.item()

    def get_batch():
        """Builds a batch i.e. (x, f(x)) pair."""
        random = torch.from_numpy(rng.standard_normal(batch_size)).to(getattr(torch, dtype))
        x = make_features(lib, random)
        return x, f(x)

    fc = share(torch.nn.Linear(W_target.size(0), 1).to(getattr(torch, dtype)))
    losses = []
    for batch_idx in range(steps):
        batch_x, batch_y = get_batch()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        losses.append(loss)
    return {"losses": losses, "learned": poly_desc(fc.weight.view(-1), fc.bias),
            "actual": poly_desc(W_target.view(-1), b_target), "features": tuple(batch_x.shape)}
