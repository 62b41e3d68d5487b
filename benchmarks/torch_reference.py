"""Plain-PyTorch DCGAN (28x28): the reference the Keras backends are timed and checked against.

The two networks are exactly those of `keras_gan.networks.dcgan` for `image_shape=(28, 28, 1)`
(or any size and width the builders take), and `AdversarialStep` is the adversarial step of
pytorch/examples' `dcgan/main.py`:

1. Discriminator: BCE-with-logits on a real batch and on a detached fake batch, as two separate
   forward passes (so BatchNorm sees two separate batches, as in the DCGAN reference), one
   Adam update.
2. Generator: non-saturating loss -log D(G(z)), one Adam update.

Latents are drawn from U(-1, 1) as keras_gan's DCGAN does (the paper's prior; pytorch/examples
draws N(0, 1): the cost is the same).

pytorch/examples reuses the D step's fake batch in the G step. keras_gan's Keras step instead
generates the fake once for the D step (gradient stopped) and again, from fresh latents, inside
the G step's loss, which costs one more generator forward pass. `AdversarialStep` does the same
by default so that timings compare like with like; `reuse_fake=True` (`--reuse-fake`) gives the
pytorch/examples step.

Adam uses lr 2e-4, betas (0.5, 0.999) (the DCGAN paper) and eps 1e-7 (Keras' default; PyTorch's
is 1e-8).

`load_keras_weights` copies the weights of Keras networks built by `keras_gan.networks.dcgan`
into these modules; the weights come from any backend. Usage:

    python benchmarks/torch_reference.py --check          # converted outputs equal Keras' (1e-4)
    python benchmarks/torch_reference.py --steps 20       # ms per adversarial step, batch 64
    KERAS_BACKEND=jax python benchmarks/torch_reference.py --check
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

# Keras' BatchNormalization(momentum=0.9, epsilon=1e-5) == PyTorch's (momentum=0.1, eps=1e-5).
_BN = dict(momentum=0.1, eps=1e-5)
# Adam as keras_gan's DCGAN compiles it: the paper's lr and beta_1, Keras' default epsilon.
ADAM = dict(lr=2e-4, betas=(0.5, 0.999), eps=1e-7)


def _stages(image_size):
    """Returns (start size, number of stride-2 stages), as `keras_gan.networks.dcgan`."""
    size, stages = image_size, 0
    while size % 2 == 0 and size > 7 and size // 2 >= 4:
        size, stages = size // 2, stages + 1
    if stages == 0:
        raise ValueError(f"No DCGAN stages for this image size. Received: image_size={image_size}")
    return size, stages


class Generator(nn.Module):
    """z -> Linear (no bias) -> view -> BN -> ReLU -> [ConvT(4, 2, 1) -> BN -> ReLU]* -> ConvT -> tanh.

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        latent_dim: int, size of z. Defaults to 100.
        base_filters: int, width of the last hidden stage. Defaults to 64.
    """

    def __init__(self, image_shape=(28, 28, 1), latent_dim=100, base_filters=64):
        super().__init__()
        height, _, channels = image_shape
        self.start, stages = _stages(height)
        self.filters = base_filters * 2 ** (stages - 1)
        self.project = nn.Linear(latent_dim, self.start * self.start * self.filters, bias=False)
        self.project_bn = nn.BatchNorm2d(self.filters, **_BN)
        blocks, filters = [], self.filters
        for _ in range(1, stages):
            # (batch, 2f, s, s) -> (batch, f, 2s, 2s); k=4, s=2, p=1 == Keras padding="same"
            blocks += [
                nn.ConvTranspose2d(filters, filters // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(filters // 2, **_BN),
                nn.ReLU(),
            ]
            filters //= 2
        # (batch, f, s, s) -> (batch, channels, 2s, 2s)
        blocks += [nn.ConvTranspose2d(filters, channels, 4, 2, 1), nn.Tanh()]
        self.blocks = nn.Sequential(*blocks)

    def forward(self, z):
        # (batch, latent_dim) -> (batch, f, s, s), NCHW
        x = self.project(z).view(-1, self.filters, self.start, self.start)
        x = F.relu(self.project_bn(x))
        return self.blocks(x)


class Discriminator(nn.Module):
    """image -> Conv(4, 2, 1) -> LeakyReLU(0.2) -> [Conv (no bias) -> BN -> LeakyReLU]* -> Linear.

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        base_filters: int, width of the first convolution. Defaults to 64.
    """

    def __init__(self, image_shape=(28, 28, 1), base_filters=64):
        super().__init__()
        height, _, channels = image_shape
        end, stages = _stages(height)
        blocks, filters, previous = [], base_filters, channels
        for stage in range(1, stages + 1):
            # (batch, c, s, s) -> (batch, filters, s/2, s/2)
            blocks.append(nn.Conv2d(previous, filters, 4, 2, 1, bias=stage == 1))
            if stage > 1:
                blocks.append(nn.BatchNorm2d(filters, **_BN))
            blocks.append(nn.LeakyReLU(0.2))
            previous, filters = filters, filters * 2
        self.blocks = nn.Sequential(*blocks)
        # (batch, f * s * s) NCHW-flattened -> (batch, 1) logit
        self.logit = nn.Linear(previous * end * end, 1)

    def forward(self, images):
        return self.logit(torch.flatten(self.blocks(images), 1))


def init_weights(module):
    """DCGAN initialisation: weights N(0, 0.02), BatchNorm scale N(1, 0.02), biases 0."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(layer.weight, 0.0, 0.02)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm2d):
            nn.init.normal_(layer.weight, 1.0, 0.02)
            nn.init.zeros_(layer.bias)


def _numpy(variable):
    import keras

    return keras.ops.convert_to_numpy(variable)


def _copy(parameter, value):
    value = torch.as_tensor(np.ascontiguousarray(value), dtype=parameter.dtype)
    if tuple(value.shape) != tuple(parameter.shape):
        raise ValueError(
            f"Shape mismatch while converting Keras weights: torch expects {tuple(parameter.shape)}. "
            f"Received: {tuple(value.shape)}"
        )
    with torch.no_grad():
        parameter.copy_(value)


def _copy_batchnorm(torch_bn, keras_bn):
    # gamma, beta, moving mean, moving variance -> weight, bias, running_mean, running_var
    _copy(torch_bn.weight, _numpy(keras_bn.gamma))
    _copy(torch_bn.bias, _numpy(keras_bn.beta))
    _copy(torch_bn.running_mean, _numpy(keras_bn.moving_mean))
    _copy(torch_bn.running_var, _numpy(keras_bn.moving_variance))


def _copy_conv(torch_conv, keras_conv):
    # Conv2D (kh, kw, in, out) -> Conv2d (out, in, kh, kw);
    # Conv2DTranspose (kh, kw, out, in) -> ConvTranspose2d (in, out, kh, kw): the same permutation.
    # Neither flips the kernel: both frameworks' transposed convolution is the adjoint of their
    # (cross-correlation) convolution.
    _copy(torch_conv.weight, _numpy(keras_conv.kernel).transpose(3, 2, 0, 1))
    if torch_conv.bias is not None:
        _copy(torch_conv.bias, _numpy(keras_conv.bias))


def load_keras_weights(generator_torch, discriminator_torch, keras_generator, keras_discriminator):
    """Copies Keras DCGAN weights (any backend) into the PyTorch modules, in place.

    The Keras networks are those of `keras_gan.networks.dcgan_generator` and
    `dcgan_discriminator` (layers named `project`, `project_bn`, `up1`, `up1_bn`, ..., and
    `down1`, `down2`, `down2_bn`, ..., `logit`), built with the same shapes as the modules.
    Either pair may be `None` to convert only the other network.

    Layouts: Dense kernels `(in, out)` are transposed to `(out, in)`; convolution kernels are
    permuted as in `_copy_conv`; and the two Dense layers that meet a reshape or flatten have
    their rows or columns permuted from NHWC order (Keras) to NCHW order (PyTorch).

    Args:
        generator_torch: `Generator` or `None`.
        discriminator_torch: `Discriminator` or `None`.
        keras_generator: the Keras generator, or `None`.
        keras_discriminator: the Keras discriminator, or `None`.

    Returns:
        `(generator_torch, discriminator_torch)`, with the Keras weights.
    """
    if generator_torch is not None:
        g = keras_generator
        s, f = generator_torch.start, generator_torch.filters
        # Keras: output j = (h * s + w) * f + c reshaped NHWC; torch: row c * s*s + h * s + w.
        # kernel (latent, s*s*f) -> (s, s, f, latent) -> (f, s, s, latent) -> (f*s*s, latent)
        kernel = _numpy(g.get_layer("project").kernel)
        latent = kernel.shape[0]
        _copy(
            generator_torch.project.weight,
            kernel.T.reshape(s, s, f, latent).transpose(2, 0, 1, 3).reshape(-1, latent),
        )
        _copy_batchnorm(generator_torch.project_bn, g.get_layer("project_bn"))
        convs = [m for m in generator_torch.blocks if isinstance(m, nn.ConvTranspose2d)]
        norms = [m for m in generator_torch.blocks if isinstance(m, nn.BatchNorm2d)]
        for stage, conv in enumerate(convs, start=1):
            _copy_conv(conv, g.get_layer(f"up{stage}"))
        for stage, norm in enumerate(norms, start=1):
            _copy_batchnorm(norm, g.get_layer(f"up{stage}_bn"))
    if discriminator_torch is not None:
        d = keras_discriminator
        convs = [m for m in discriminator_torch.blocks if isinstance(m, nn.Conv2d)]
        norms = [m for m in discriminator_torch.blocks if isinstance(m, nn.BatchNorm2d)]
        for stage, conv in enumerate(convs, start=1):
            _copy_conv(conv, d.get_layer(f"down{stage}"))
        for stage, norm in enumerate(norms, start=2):  # no BatchNorm after the first conv
            _copy_batchnorm(norm, d.get_layer(f"down{stage}_bn"))
        # Keras flattens NHWC: row (h * s + w) * f + c; torch flattens NCHW: c * s*s + h * s + w.
        # kernel (s*s*f, 1) -> (s, s, f, 1) -> (f, s, s, 1) -> (1, f*s*s)
        kernel = _numpy(d.get_layer("logit").kernel)
        f = convs[-1].out_channels
        s = int(round((kernel.shape[0] // f) ** 0.5))
        _copy(
            discriminator_torch.logit.weight,
            kernel.reshape(s, s, f, 1).transpose(2, 0, 1, 3).reshape(-1, 1).T,
        )
        _copy(discriminator_torch.logit.bias, _numpy(d.get_layer("logit").bias))
    return generator_torch, discriminator_torch


class AdversarialStep:
    """One DCGAN step: a discriminator update, then a generator update (pytorch/examples).

    Args:
        generator: `Generator`.
        discriminator: `Discriminator`.
        latent_dim: int, size of z. Defaults to 100.
        reuse_fake: bool. `False` (default) regenerates the fake batch from fresh latents inside
            the generator update, as keras_gan's Keras step does; `True` reuses the
            discriminator step's fake batch, as pytorch/examples does (one generator forward
            pass fewer).
    """

    def __init__(self, generator, discriminator, latent_dim=100, reuse_fake=False):
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.reuse_fake = latent_dim, reuse_fake
        self.d_optimizer = torch.optim.Adam(discriminator.parameters(), **ADAM)
        self.g_optimizer = torch.optim.Adam(generator.parameters(), **ADAM)

    def sample_latent(self, batch, device):
        """z ~ U(-1, 1)^latent_dim, the DCGAN paper's prior and keras_gan DCGAN's default."""
        return torch.rand(batch, self.latent_dim, device=device) * 2 - 1

    def __call__(self, real):
        """Runs one step on a batch of NCHW images in [-1, 1]; returns (d_loss, g_loss) tensors."""
        g, d = self.generator, self.discriminator
        g.train()
        d.train()
        batch = real.shape[0]
        ones = torch.ones(batch, 1, device=real.device)
        zeros = torch.zeros(batch, 1, device=real.device)

        # Discriminator: -log D(x) - log(1 - D(G(z))), real and fake as separate BN batches
        self.d_optimizer.zero_grad(set_to_none=True)
        d_real = F.binary_cross_entropy_with_logits(d(real), ones)
        d_real.backward()
        fake = g(self.sample_latent(batch, real.device))
        d_fake = F.binary_cross_entropy_with_logits(d(fake.detach()), zeros)
        d_fake.backward()
        self.d_optimizer.step()

        # Generator, non-saturating: -log D(G(z))
        self.g_optimizer.zero_grad(set_to_none=True)
        if not self.reuse_fake:
            fake = g(self.sample_latent(batch, real.device))
        g_loss = F.binary_cross_entropy_with_logits(d(fake), ones)
        g_loss.backward()
        self.g_optimizer.step()
        return (d_real + d_fake).detach(), g_loss.detach()


def time_steps(batch_size=64, steps=20, warmup=3, device="cpu", reuse_fake=False, seed=0):
    """Times the plain-PyTorch adversarial step.

    Args:
        batch_size: int, images per step. Defaults to 64.
        steps: int, timed steps. Defaults to 20.
        warmup: int, untimed steps first. Defaults to 3.
        device: `"cpu"` or `"cuda"`. Defaults to `"cpu"`.
        reuse_fake: bool, see `AdversarialStep`. Defaults to False.
        seed: int, torch seed. Defaults to 0.

    Returns:
        dict with `times_ms` (one per timed step) and `first_step_ms`.
    """
    torch.manual_seed(seed)
    generator, discriminator = Generator().to(device), Discriminator().to(device)
    init_weights(generator)
    init_weights(discriminator)
    step = AdversarialStep(generator, discriminator, reuse_fake=reuse_fake)
    # One fixed batch in [-1, 1], NCHW, as the Keras rows use one repeated batch
    real = torch.rand(batch_size, 1, 28, 28, device=device) * 2 - 1

    def sync():
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    times = []
    for _ in range(warmup + steps):
        start = time.perf_counter()
        d_loss, g_loss = step(real)
        # Reading the losses, as Keras' train_on_batch does, ends the step on every device
        float(d_loss), float(g_loss)
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    return {"times_ms": times[warmup:], "first_step_ms": times[0]}


def check(atol=1e-4, batch_size=8, seed=0):
    """Builds Keras DCGAN networks, converts them, and compares outputs with PyTorch's.

    Compares in inference mode (BatchNorm moving statistics, set to random values first so
    that they are checked too) and in training mode (batch statistics).

    Returns:
        dict of maximum absolute differences; raises `AssertionError` above `atol`.
    """
    import keras

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator

    # Compare in full float32: Keras' torch backend may run on a GPU, where cuDNN would
    # otherwise use TF32 for the convolutions (about 1e-3 relative error).
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    rng = np.random.default_rng(seed)
    keras_g, keras_d = dcgan_generator(seed=seed), dcgan_discriminator(seed=seed)
    for network in (keras_g, keras_d):
        for layer in network.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                shape = layer.moving_mean.shape
                layer.moving_mean.assign(rng.normal(0.0, 0.1, shape).astype("float32"))
                layer.moving_variance.assign(rng.uniform(0.5, 1.5, shape).astype("float32"))
    torch_g, torch_d = load_keras_weights(Generator(), Discriminator(), keras_g, keras_d)

    z = rng.normal(size=(batch_size, 100)).astype("float32")
    images = rng.uniform(-1, 1, size=(batch_size, 28, 28, 1)).astype("float32")
    results = {}
    for training in (False, True):
        torch_g.train(training)
        torch_d.train(training)
        with torch.no_grad():
            # Keras NHWC vs torch NCHW
            g_torch = torch_g(torch.from_numpy(z)).permute(0, 2, 3, 1).numpy()
            d_torch = torch_d(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()).numpy()
        g_keras = keras.ops.convert_to_numpy(keras_g(z, training=training))
        d_keras = keras.ops.convert_to_numpy(keras_d(images, training=training))
        mode = "training" if training else "inference"
        results[f"generator_{mode}"] = float(np.abs(g_torch - g_keras).max())
        results[f"discriminator_{mode}"] = float(np.abs(d_torch - d_keras).max())
    results["keras_backend"] = keras.backend.backend()
    results["atol"] = atol
    bad = {k: v for k, v in results.items() if isinstance(v, float) and k != "atol" and v > atol}
    if bad:
        raise AssertionError(
            f"Converted PyTorch outputs differ from Keras' by more than {atol}: {bad}"
        )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the Keras networks")
    parser.add_argument("--steps", type=int, default=20, help="timed steps (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3)")
    parser.add_argument("--batch-size", type=int, default=64, help="default 64")
    parser.add_argument("--device", default="cpu", choices=["cpu", "gpu"], help="default cpu")
    parser.add_argument(
        "--reuse-fake",
        action="store_true",
        help="reuse the D step's fake batch in the G step (pytorch/examples) instead of "
        "regenerating it (keras_gan's Keras step)",
    )
    args = parser.parse_args(argv)
    if args.check:
        print(json.dumps(check(), indent=2))
        return
    device = "cuda" if args.device == "gpu" else "cpu"
    result = time_steps(args.batch_size, args.steps, args.warmup, device, args.reuse_fake)
    times = result["times_ms"]
    print(
        json.dumps(
            {
                "ms_per_step_median": round(statistics.median(times), 2),
                "first_step_ms": round(result["first_step_ms"], 2),
                "torch_threads": torch.get_num_threads(),
                "device": device,
                "reuse_fake": args.reuse_fake,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
