"""A variational autoencoder: Linear layers, the reparameterisation trick (here with a fixed eps, so
that both libraries add the same noise), binary_cross_entropy(reduction='sum') plus the KL term,
Adam, then a grid of reconstructions written with save_image."""
import numpy as np

PIXELS = 14 * 14


def make_vae(lib):
    nn, F, torch = lib.nn, lib.F, lib.torch

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(PIXELS, 48)
            self.fc21 = nn.Linear(48, 6)
            self.fc22 = nn.Linear(48, 6)
            self.fc3 = nn.Linear(6, 48)
            self.fc4 = nn.Linear(48, PIXELS)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar, eps):
            std = torch.exp(0.5 * logvar)
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x, eps):
            mu, logvar = self.encode(x.view(-1, PIXELS))
            z = self.reparameterize(mu, logvar, eps)
            return self.decode(z), mu, logvar

    return VAE()


def loss_function(lib, recon_x, x, mu, logvar):
    BCE = lib.F.binary_cross_entropy(recon_x, x.view(-1, PIXELS), reduction="sum")
    KLD = -0.5 * lib.torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def run(lib, share, dtype="float64", steps=4, image_path=None):
    torch = lib.torch
    rng = np.random.default_rng(3)
    images = rng.random((steps, 8, 1, 14, 14))  # pixels in [0, 1), as ToTensor gives
    noise = rng.standard_normal((steps, 8, 6))  # the eps of torch.randn_like(std), drawn once for both

    model = share(make_vae(lib).to(getattr(torch, dtype)))
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    losses = []
    for step in range(steps):
        data = torch.from_numpy(images[step]).to(getattr(torch, dtype))
        eps = torch.from_numpy(noise[step]).to(data.dtype)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data, eps)
        loss = loss_function(lib, recon_batch, data, mu, logvar)
        loss.backward()
        optimizer.step()
        losses.append(loss.item() / len(data))

    model.eval()
    with torch.no_grad():
        sample = model.decode(torch.from_numpy(noise[0]).to(getattr(torch, dtype))).view(8, 1, 14, 14)
    if image_path is not None and lib.save_image is not None:
        lib.save_image(sample.cpu(), image_path, nrow=4)
    return {"losses": losses, "sample": sample.numpy(), "sample_shape": tuple(sample.shape)}
