"""A tiny GPT in nanoGPT's shape: causal self-attention (F.scaled_dot_product_attention, or the manual
masked_fill(-inf) softmax over a registered tril buffer), a GELU MLP, LayerNorm, tied input and output
embeddings, AdamW with decay and no-decay parameter groups, cross_entropy over a flattened (B*T, V)
view, and generation by sampling with multinomial."""
import math

import numpy as np

VOCAB, BLOCK, EMBD, HEAD, LAYERS = 11, 8, 16, 2, 2


def make_gpt(lib, flash):
    nn, F, torch = lib.nn, lib.F, lib.torch

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(EMBD, 3 * EMBD)
            self.c_proj = nn.Linear(EMBD, EMBD)
            self.register_buffer("bias", torch.tril(torch.ones(BLOCK, BLOCK)).view(1, 1, BLOCK, BLOCK))

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(EMBD, dim=2)
            k = k.view(B, T, HEAD, C // HEAD).transpose(1, 2)  # (B, nh, T, hs)
            q = q.view(B, T, HEAD, C // HEAD).transpose(1, 2)
            v = v.view(B, T, HEAD, C // HEAD).transpose(1, 2)
            if flash:
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=True)
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
                att = F.softmax(att, dim=-1)
                y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.c_proj(y)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(EMBD)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(EMBD)
            self.mlp = nn.Sequential(nn.Linear(EMBD, 4 * EMBD), nn.GELU(), nn.Linear(4 * EMBD, EMBD))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(VOCAB, EMBD), wpe=nn.Embedding(BLOCK, EMBD),
                h=nn.ModuleList([Block() for _ in range(LAYERS)]), ln_f=nn.LayerNorm(EMBD)))
            self.lm_head = nn.Linear(EMBD, VOCAB, bias=False)
            self.transformer.wte.weight = self.lm_head.weight  # weight tying

        def forward(self, idx, targets=None):
            b, t = idx.size()
            pos = torch.arange(0, t, dtype=torch.long)
            x = self.transformer.wte(idx) + self.transformer.wpe(pos)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)
            if targets is None:
                return self.lm_head(x[:, [-1], :]), None
            logits = self.lm_head(x)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            return logits, loss

        def configure_optimizers(self, weight_decay, learning_rate, betas):
            param_dict = {pn: p for pn, p in self.named_parameters() if p.requires_grad}
            decay_params = [p for n, p in param_dict.items() if p.dim() >= 2]
            nodecay_params = [p for n, p in param_dict.items() if p.dim() < 2]
            optim_groups = [{"params": decay_params, "weight_decay": weight_decay},
                            {"params": nodecay_params, "weight_decay": 0.0}]
            return lib.optim.AdamW(optim_groups, lr=learning_rate, betas=betas)

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None):
            for _ in range(max_new_tokens):
                idx_cond = idx if idx.size(1) <= BLOCK else idx[:, -BLOCK:]
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :] / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("Inf")
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1, generator=generator)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    return GPT()


def run(lib, share, dtype="float64", steps=3, flash=True):
    torch = lib.torch
    model = share(make_gpt(lib, flash).to(getattr(torch, dtype)))
    optimizer = model.configure_optimizers(weight_decay=0.1, learning_rate=1e-2, betas=(0.9, 0.95))
    data = np.random.default_rng(6).integers(0, VOCAB, 400)
    rng = np.random.default_rng(7)
    model.train()
    losses = []
    for step in range(steps):
        ix = rng.integers(0, len(data) - BLOCK, 4)
        x = torch.from_numpy(np.stack([data[i:i + BLOCK] for i in ix]))
        y = torch.from_numpy(np.stack([data[i + 1:i + 1 + BLOCK] for i in ix]))
        logits, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    norms = [optimizer.param_groups[g]["params"][0].norm().item() for g in (0, 1)]
    return {"losses": losses, "logits_shape": tuple(logits.shape), "norms": norms,
            "group_sizes": [len(g["params"]) for g in optimizer.param_groups]}


def sample(lib, generator, new_tokens=10):
    """Generation only: prompts of two lengths through a fresh model, drawn with `generator`."""
    torch = lib.torch
    model = make_gpt(lib, flash=True).eval()
    idx = torch.zeros((2, 1), dtype=torch.long)
    out = model.generate(idx, new_tokens, temperature=0.8, top_k=5, generator=generator)
    return out
