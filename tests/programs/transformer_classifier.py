"""A sequence classifier on nn.TransformerEncoder: token embeddings plus word_language_model's
sinusoidal PositionalEncoding (a buffer built with tensor ops), padded batches with a
src_key_padding_mask, a mean over the real tokens only, cross_entropy and Adam; the model stays in
eval mode so that dropout draws nothing, then scores held-out sequences under no_grad (where torch's
fast path gives 0 at the padded positions)."""
import math

import numpy as np

VOCAB, D_MODEL, CLASSES, PAD = 13, 16, 3, 0


def make_classifier(lib):
    nn, torch = lib.nn, lib.torch

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, max_len=64):
            super().__init__()
            pe = torch.zeros(max_len, d_model)
            position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
            pe[:, 0::2] = torch.sin(position * div_term)
            pe[:, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe.unsqueeze(0))  # (1, max_len, d_model): batch first

        def forward(self, x):
            return x + self.pe[:, :x.size(1)]

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, D_MODEL, padding_idx=PAD)
            self.pos = PositionalEncoding(D_MODEL)
            layer = nn.TransformerEncoderLayer(D_MODEL, nhead=2, dim_feedforward=32, dropout=0.1,
                                               batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=2)
            self.head = nn.Linear(D_MODEL, CLASSES)

        def forward(self, tokens):
            padding = tokens == PAD                            # True where there is no token
            x = self.pos(self.embed(tokens) * math.sqrt(D_MODEL))
            x = self.encoder(x, src_key_padding_mask=padding)
            keep = (~padding).unsqueeze(-1).to(x.dtype)
            pooled = (x * keep).sum(dim=1) / keep.sum(dim=1)
            return self.head(pooled), x

    return Classifier()


def sequences(n, seed, longest=9):
    """Token ids 1.. padded with 0 to the longest; the class is the most frequent token mod 3."""
    rng = np.random.default_rng(seed)
    tokens = np.zeros((n, longest), dtype=np.int64)
    labels = np.zeros(n, dtype=np.int64)
    for i in range(n):
        length = rng.integers(3, longest + 1)
        tokens[i, :length] = rng.integers(1, VOCAB, length)
        labels[i] = np.bincount(tokens[i, :length]).argmax() % CLASSES
    return tokens, labels


def run(lib, share, dtype="float64", steps=3):
    torch, F = lib.torch, lib.F
    model = share(make_classifier(lib).to(getattr(torch, dtype)))
    model.eval()  # dropout off: both libraries' dropout would draw different masks
    optimizer = lib.optim.Adam(model.parameters(), lr=3e-3)
    tokens, labels = sequences(6 * steps, seed=8)
    losses = []
    for step in range(steps):
        x = torch.from_numpy(tokens[6 * step:6 * step + 6])
        y = torch.from_numpy(labels[6 * step:6 * step + 6])
        optimizer.zero_grad()
        logits, _ = model(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    tokens, labels = sequences(8, seed=9)
    with torch.no_grad():
        logits, states = model(torch.from_numpy(tokens))
    correct = (logits.argmax(1) == torch.from_numpy(labels)).sum().item()
    return {"losses": losses, "test_logits": logits.numpy(), "states": states.numpy(), "correct": correct}
