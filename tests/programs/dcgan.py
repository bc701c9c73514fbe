"""A DCGAN step: a generator of ConvTranspose2d + BatchNorm2d + ReLU ending in Tanh, a discriminator of
Conv2d + BatchNorm2d + LeakyReLU ending in Sigmoid, weights set by `net.apply(weights_init)` with
nn.init on `m.weight.data`, BCELoss, two Adam optimizers, and the fakes detached for D's step."""
import numpy as np

nz, ngf, ndf = 8, 8, 8


def weights_init(lib):
    nn = lib.nn

    def init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)
    return init


def make_nets(lib):
    nn = lib.nn

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),    # 4x4
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),   # 8x8
                nn.BatchNorm2d(ngf),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),         # 16x16
                nn.Tanh())

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(1, ndf, 4, 2, 1, bias=False),                  # 8x8
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),            # 4x4
                nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
                nn.Sigmoid())

        def forward(self, input):
            return self.main(input).view(-1, 1).squeeze(1)

    return Generator(), Discriminator()


def run(lib, share, dtype="float64", steps=3, batch_size=8):
    torch, nn, optim = lib.torch, lib.nn, lib.optim
    netG, netD = make_nets(lib)
    netG.apply(weights_init(lib))
    netD.apply(weights_init(lib))
    init_std = [netG.main[0].weight.std().item(), netD.main[0].weight.std().item()]
    init_bn = [netG.main[1].weight.mean().item(), netG.main[1].bias.abs().max().item()]
    netG, netD = share(netG.to(getattr(torch, dtype))), share(netD.to(getattr(torch, dtype)))

    criterion = nn.BCELoss()
    real_label, fake_label = 1.0, 0.0
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    rng = np.random.default_rng(4)
    losses = []
    for i in range(steps):
        real_cpu = torch.from_numpy(rng.uniform(-1, 1, (batch_size, 1, 16, 16))).to(getattr(torch, dtype))
        noise = torch.from_numpy(rng.standard_normal((batch_size, nz, 1, 1))).to(real_cpu.dtype)
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype)
        output = netD(real_cpu)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()
        # (2) Update G network: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for generator cost
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()
        losses += [errD.item(), errG.item(), D_x, D_G_z1, D_G_z2]
    return {"losses": losses, "fake_shape": tuple(fake.shape), "init_std": init_std, "init_bn": init_bn,
            "running_mean": netG.main[1].running_mean.numpy().copy()}
