"""A character language model as word_language_model trains one: Embedding, a 2-layer nn.LSTM,
a Linear decoder, batches cut from a batchified corpus, the hidden state detached between batches
(repackage_hidden), clip_grad_norm_, and plain SGD written by hand on `p.data`; then an evaluation
pass in eval mode."""

TEXT = ("the quick brown fox jumps over the lazy dog while a small grey cat naps by the warm "
        "stove and the old clock ticks slowly on the wall of the quiet kitchen ") * 2


def make_model(lib, ntoken, ninp=12, nhid=16, nlayers=2, dropout=0.0):
    nn = lib.nn

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            self.nhid, self.nlayers = nhid, nlayers
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)
            nn.init.uniform_(self.decoder.weight, -initrange, initrange)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output).view(-1, ntoken)
            return lib.F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))

    return RNNModel()


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, tuple):
        return tuple(repackage_hidden(v) for v in h)
    return h.detach()


def run(lib, share, dtype="float64", bptt=7, lr=5.0, clip=0.25):
    torch, nn = lib.torch, lib.nn
    vocab = sorted(set(TEXT))
    ids = torch.tensor([vocab.index(c) for c in TEXT], dtype=torch.int64)
    train_data, val_data = batchify(ids[:240], 4), batchify(ids[240:], 2)

    model = share(make_model(lib, len(vocab)).to(getattr(torch, dtype)))
    criterion = nn.NLLLoss()
    model.train()
    hidden = model.init_hidden(4)
    losses, norms = [], []
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i, bptt)
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), clip)))
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        losses.append(loss.item())

    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(2)
    with torch.no_grad():
        for i in range(0, val_data.size(0) - 1, bptt):
            data, targets = get_batch(val_data, i, bptt)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return {"losses": losses, "norms": norms, "val_loss": total_loss / (len(val_data) - 1),
            "hidden_shape": tuple(hidden[0].shape), "batches": batch + 1,
            "detached": [h.requires_grad for h in hidden] + [h.grad_fn is None for h in hidden]}
