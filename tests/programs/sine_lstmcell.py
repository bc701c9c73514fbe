"""time_sequence_prediction's idea: two stacked LSTMCells unrolled by hand over sine waves, trained
with LBFGS through a closure, then asked to continue the waves `future` steps past their end."""
import numpy as np

HIDDEN = 12


def make_sequence(lib):
    nn, torch = lib.nn, lib.torch

    class Sequence(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm1 = nn.LSTMCell(1, HIDDEN)
            self.lstm2 = nn.LSTMCell(HIDDEN, HIDDEN)
            self.linear = nn.Linear(HIDDEN, 1)

        def forward(self, input, future=0):
            outputs = []
            h_t = torch.zeros(input.size(0), HIDDEN, dtype=input.dtype)
            c_t = torch.zeros(input.size(0), HIDDEN, dtype=input.dtype)
            h_t2 = torch.zeros(input.size(0), HIDDEN, dtype=input.dtype)
            c_t2 = torch.zeros(input.size(0), HIDDEN, dtype=input.dtype)
            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for i in range(future):  # if we should predict the future
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            return torch.cat(outputs, dim=1)

    return Sequence()


def sine_waves(n=6, length=24, period=8.0):
    shift = np.random.default_rng(5).integers(-8, 8, (n, 1))
    return np.sin((np.arange(length) + shift) / period).astype(np.float64)


def run(lib, share, dtype="float64", steps=2, future=5):
    torch, nn, optim = lib.torch, lib.nn, lib.optim
    data = sine_waves()
    input = torch.from_numpy(data[2:, :-1]).to(getattr(torch, dtype))
    target = torch.from_numpy(data[2:, 1:]).to(getattr(torch, dtype))
    test_input = torch.from_numpy(data[:2, :-1]).to(getattr(torch, dtype))
    test_target = torch.from_numpy(data[:2, 1:]).to(getattr(torch, dtype))

    seq = share(make_sequence(lib).to(getattr(torch, dtype)))
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8, max_iter=6)
    losses, step_losses = [], []
    for i in range(steps):
        def closure():
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            losses.append(loss.item())
            loss.backward()
            return loss
        step_losses.append(optimizer.step(closure).item())
        with torch.no_grad():  # begin to predict, no need to track gradient here
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            losses.append(loss.item())
    y = pred.detach().numpy()
    return {"losses": losses, "step_losses": step_losses, "prediction": y, "pred_shape": y.shape,
            "state": len(optimizer.state[optimizer.param_groups[0]["params"][0]]["old_dirs"])}
