"""LAPGAN: a Laplacian pyramid of adversarial networks (Denton et al. 2015)."""

import dataclasses

import keras
import numpy as np
from keras import ops

from keras_gan import losses, pyramid
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import TrainConfig, field
from keras_gan.networks.lapgan import (
    band_discriminator,
    band_generator,
    coarse_discriminator,
    coarse_generator,
)
from keras_gan.registry import register


@dataclasses.dataclass
class LAPGANConfig(TrainConfig):
    dataset: str = field(
        "mnist",
        "MNIST-scale CPU default: 28x28 -> 14 -> 7, the 7x7 level an ordinary GAN. The "
        "paper's CIFAR-10 model is 32 -> 16 -> 8 (--paper).",
    )
    levels: int = field(
        3,
        "Pyramid images, finest included: K + 1 = 3 (two conditional GANs and the coarse GAN).",
    )
    latent_dim: int = field(
        100,
        "Size of z of the coarsest, fully connected GAN.",
    )
    coarse_units: int = field(
        600,
        "Hidden widths of the coarsest level's fully connected generator and discriminator.",
    )
    filters: int = field(
        32,
        "Feature maps of the conditional levels' convolutional generators and discriminators. "
        "CPU scale; the paper's CIFAR-10 networks are wider (--paper).",
    )
    optimizer: str = field(
        "adam",
        '"adam" (Adam(2e-4, 0.5): reliable on a CPU budget) or "sgd" (the paper: SGD with '
        "momentum).",
        choices=("adam", "sgd"),
    )
    learning_rate: float = field(
        2e-4,
        "Adam step size (DCGAN's); with optimizer=\"sgd\" the paper's initial rate is 0.02.",
    )
    beta_1: float = field(
        0.5,
        'Adam beta_1 (DCGAN\'s), or the SGD momentum with optimizer="sgd" (the paper starts at '
        "0.5).",
    )
    batch_size: int = field(64, "Minibatch size (DCGAN's 64); the paper's 128 (--paper).")

    PAPER = {
        "dataset": "cifar10", "levels": 3, "filters": 128, "optimizer": "sgd",
        "learning_rate": 0.02, "beta_1": 0.5, "batch_size": 128,
    }  # fmt: skip
    TRAINING_FIELDS = (*TrainConfig.TRAINING_FIELDS, "optimizer")
    # DCGAN's width for the pyramid's convolutional levels, between the CPU's 32 and the
    # paper's 128.
    PYTHON = {"filters": 64}


@register(
    "lapgan",
    config=LAPGANConfig,
    summary="Denton et al. 2015: a Laplacian pyramid of conditional GANs, sampled coarse to fine",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class LAPGAN(AdversarialModel):
    r"""LAPGAN: one GAN per level of a Laplacian pyramid, sampled coarse to fine.

    With $d$/$u$ the blur-and-decimate and upsample operators (`keras_gan.pyramid`),
    $I_{k+1} = d(I_k)$, the low-pass conditioning image $l_k = u(I_{k+1})$ and the band-pass
    image $h_k = I_k - l_k$, level $k < K$ is a conditional GAN on $h_k$ given $l_k$ and the
    coarsest level $K$ an ordinary GAN on $I_K$:

    $$\min_{G_k}\max_{D_k}\; \mathbb{E}_{h_k, l_k}[\log D_k(h_k, l_k)]
      + \mathbb{E}_{z_k, l_k}[\log(1 - D_k(G_k(z_k, l_k), l_k))].$$

    Sampling runs the inverse pyramid: $\tilde I_K = G_K(z_K)$, then
    $\tilde I_k = u(\tilde I_{k+1}) + G_k(z_k, u(\tilde I_{k+1}))$ down to $k = 0$. Each level
    learns only the detail its coarser image is missing, so every GAN solves an easier problem.

    As in the paper, the levels are trained independently: each level's pair sees the real
    pyramid of the batch (its $l_k$ is computed from the real $I_{k+1}$, never from samples).
    One `LAPGAN` holds every level's networks and optimizers and `train_step` updates all
    levels on the same minibatch, one discriminator then one generator update per level; the
    levels share no weights and no loss, so this is the same as training them one by one.

    Networks: the coarsest generator `generator` and discriminator `discriminator` (fully
    connected, as the paper's coarse CIFAR-10 model), and for each finer level $k$
    `generator_{k}` / `discriminator_{k}` (convolutional; the noise $z_k$ is an extra input
    plane next to $l_k$, and $D_k$ adds $l_k$ to $h_k$ before its first convolution). Each
    network has its own optimizer: `d_optimizer`, `g_optimizer` for the coarsest level,
    `d_optimizer_{k}`, `g_optimizer_{k}` for level $k$. Logs: `d_loss_{k}`, `g_loss_{k}` per
    level ($k = K$ the coarsest) and their sums `d_loss`, `g_loss`.

    The hyperparameters are keyword arguments, with the defaults of `LAPGANConfig` (from Python,
    `filters=64`): `help(keras_gan.models.LAPGAN)` shows them all, the stabilisers every model
    shares included.

    Args:
        image_shape: tuple `(size, size, channels)`, the finest images. Defaults to
            `(28, 28, 1)`.
        levels: int >= 2, pyramid images $K + 1$ (finest included); the size must be divisible
            by `2 ** (levels - 1)` and the coarsest level at least 4x4.
        latent_dim: int, size of the coarsest GAN's z.
        coarse_units: int, hidden width of the coarsest networks.
        filters: int, feature maps of the conditional networks.
        generators: optional list of `levels` generators, finest first (the last maps z to the
            coarsest image; the others map `[noise, low_pass]` to a residual).
        discriminators: optional list of `levels` discriminators, finest first (the others
            map `[residual, low_pass]` to a logit).
        latent_distribution: prior of z. Defaults to `"uniform"` (U(-1, 1); the noise planes
            are always U(-1, 1)).
        seed: optional int, seed of the model's random stream.
        **kwargs: passed to `keras.Model`.

    Example:

    ```python
    lapgan = keras_gan.models.LAPGAN(image_shape=(28, 28, 1), levels=3)  # 28 -> 14 -> 7
    lapgan.compile()  # Adam(2e-4, 0.5) for each of the six networks
    lapgan.fit(keras_gan.datasets.load("mnist", batch_size=64), epochs=1)
    images, pyramid = lapgan.generate(16, return_levels=True)
    ```

    Reference: https://arxiv.org/abs/1506.05751
    """

    #: Each level's discriminator judges a band-pass image given its low-pass conditioning
    #: image; an augmentation of one without the other breaks the pair.
    augmentation_refusal = (
        "its discriminators judge band-pass images h_k against a conditioning image l_k, which "
        "an augmentation would have to transform alike, and no LAPGAN paper or reference code "
        "augments them"
    )
    regularization_refusal = (
        "its discriminators score band-pass images given a conditioning image, one network "
        "per pyramid level; R1/R2 are defined for one discriminator of whole images"
    )
    # the finest level's networks and the logs of every level go to AdversarialModel
    filled_arguments = ("generator", "discriminator", "log_names")

    def __init__(
        self,
        image_shape=(28, 28, 1),
        generators=None,
        discriminators=None,
        latent_distribution="uniform",
        seed=None,
        *,
        levels,
        latent_dim,
        coarse_units,
        filters,
        **kwargs,
    ):
        for unused in ("discriminator_steps", "log_names", "generator", "discriminator"):
            kwargs.pop(unused, None)
        image_shape = tuple(image_shape)
        sizes = pyramid.check_levels(image_shape[:2], levels)
        shapes = [(h, w, image_shape[2]) for h, w in sizes]
        if generators is None:
            generators = [
                band_generator(s, filters, f"generator_{k}") for k, s in enumerate(shapes[:-1])
            ]
            generators.append(coarse_generator(shapes[-1], latent_dim, coarse_units))
        if discriminators is None:
            discriminators = [
                band_discriminator(s, filters, f"discriminator_{k}")
                for k, s in enumerate(shapes[:-1])
            ]
            discriminators.append(coarse_discriminator(shapes[-1], coarse_units))
        for what, networks in (("generators", generators), ("discriminators", discriminators)):
            if len(networks) != levels:
                raise ValueError(
                    f"LAPGAN needs one of each network per level: {levels} {what}. "
                    f"Received: {len(networks)}"
                )
        names = [f"d_loss_{k}" for k in range(levels)] + [f"g_loss_{k}" for k in range(levels)]
        super().__init__(
            generators[-1], discriminators[-1], latent_dim, latent_distribution=latent_distribution,
            seed=seed, log_names=("d_loss", "g_loss", *names), **kwargs,
        )  # fmt: skip
        self.image_shape = image_shape
        self.levels = int(levels)
        self.level_shapes = shapes
        targets, network_names = {}, []
        for k in range(levels - 1):
            setattr(self, f"generator_{k}", generators[k])
            setattr(self, f"discriminator_{k}", discriminators[k])
            targets[f"d_optimizer_{k}"] = f"discriminator_{k}"
            targets[f"g_optimizer_{k}"] = f"generator_{k}"
            network_names += [f"generator_{k}", f"discriminator_{k}"]
        # The coarsest level, an ordinary GAN, keeps the base class's names.
        targets.update(d_optimizer="discriminator", g_optimizer="generator")
        self.optimizer_targets = targets
        self.network_names = (*network_names, "generator", "discriminator")

    # -- The networks of each level --------------------------------------------------------------

    def level_generator(self, k):
        """G_k: level 0 is the finest, level `levels - 1` the coarsest (an ordinary GAN)."""
        return self.generator if k == self.levels - 1 else getattr(self, f"generator_{k}")

    def level_discriminator(self, k):
        return self.discriminator if k == self.levels - 1 else getattr(self, f"discriminator_{k}")

    def _optimizers(self, k):
        suffix = "" if k == self.levels - 1 else f"_{k}"
        return getattr(self, f"d_optimizer{suffix}"), getattr(self, f"g_optimizer{suffix}")

    def sample_noise_plane(self, batch_size, k, seed=None):
        """z_k for level k < K: one U(-1, 1) plane `(batch, h_k, w_k, 1)`."""
        height, width, _ = self.level_shapes[k]
        seed = self.seed_generator if seed is None else seed
        return keras.random.uniform((batch_size, height, width, 1), -1.0, 1.0, seed=seed)

    # -- Training --------------------------------------------------------------------------------

    def train_step(self, data):
        images = self.unpack_images(data)
        m = ops.shape(images)[0]
        # The real Gaussian pyramid [I_0, ..., I_K]
        gaussian = pyramid.gaussian_pyramid(images, self.levels)
        logs = {}
        for k in range(self.levels):
            generator, discriminator = self.level_generator(k), self.level_discriminator(k)
            d_optimizer, g_optimizer = self._optimizers(k)
            if k == self.levels - 1:
                # The coarsest level: an ordinary GAN on I_K
                real, condition = gaussian[k], None
                z = self.sample_latent(m)
            else:
                # l_k = u(I_{k+1}) from the real coarser image; h_k = I_k - l_k
                condition = pyramid.upsample(gaussian[k + 1])
                real = gaussian[k] - condition
                z = self.sample_noise_plane(m, k)

            def generate(z, generator=generator, condition=condition):
                if condition is None:
                    return generator(z, training=True)
                return generator([z, condition], training=True)

            def score(samples, discriminator=discriminator, condition=condition):
                if condition is None:
                    return discriminator(samples, training=True)
                return discriminator([samples, condition], training=True)

            def discriminator_loss(z=z, real=real, generate=generate, score=score):
                fake = ops.stop_gradient(generate(z))
                # -[log D_k(h_k, l_k) + log(1 - D_k(G_k(z_k, l_k), l_k))]
                return losses.minimax_discriminator_loss(score(real), score(fake))

            d_loss, _ = self.minimize(discriminator_loss, discriminator, d_optimizer)
            z = self.sample_latent(m) if condition is None else self.sample_noise_plane(m, k)

            def generator_loss(z=z, generate=generate, score=score):
                # -log D_k(G_k(z_k, l_k), l_k), the non-saturating generator loss
                return losses.non_saturating_generator_loss(score(generate(z)))

            g_loss, _ = self.minimize(generator_loss, generator, g_optimizer)
            logs[f"d_loss_{k}"], logs[f"g_loss_{k}"] = d_loss, g_loss
        total_d = sum(logs[f"d_loss_{k}"] for k in range(self.levels))
        total_g = sum(logs[f"g_loss_{k}"] for k in range(self.levels))
        return self.update_logs(d_loss=total_d, g_loss=total_g, **logs)

    def optimizers_from_config(self, config):
        """Per network, Adam(`learning_rate`, `beta_1`) or, with `optimizer="sgd"`, the paper's
        SGD with momentum `beta_1`."""

        def make(rate):
            if config.optimizer == "sgd":
                return keras.optimizers.SGD(learning_rate=rate, momentum=config.beta_1)
            return keras.optimizers.Adam(learning_rate=rate, beta_1=config.beta_1)

        rates = self.learning_rates(config)  # learning_rate, or TTUR's two rates
        return {name: make(rates[name]) for name in self.optimizer_targets}

    def compile(self, jit_compile="auto", **kwargs):
        """Configures training: pass every optimizer by name (see `optimizer_targets`) or none.

        Args:
            jit_compile: as in `AdversarialModel.compile`.
            **kwargs: one optimizer per name in `optimizer_targets` (`d_optimizer`,
                `g_optimizer`, `d_optimizer_0`, `g_optimizer_0`, ...), `run_eagerly`,
                `steps_per_execution`.
        """
        optimizers = {name: kwargs.pop(name, None) for name in self.optimizer_targets}
        self._compile_optimizers(optimizers, jit_compile, **kwargs)

    # -- Sampling --------------------------------------------------------------------------------

    @property
    def sample_shape(self):
        return self.image_shape

    def call(self, latents, training=False):
        """The coarsest level's samples for latents z (the full cascade is `generate`)."""
        return self.generator(latents, training=training)

    def generate(
        self, num_samples=None, latents=None, seed=None, batch_size=256, return_levels=False
    ):
        """Samples the cascade coarse to fine: $\\tilde I_k = u(\\tilde I_{k+1}) + G_k(z_k, u(\\tilde I_{k+1}))$.

        Args:
            num_samples: int, how many images (ignored when `latents` is given).
            latents: optional array `(n, latent_dim)`, z of the coarsest GAN.
            seed: optional int, seed of the latents and noise planes.
            batch_size: int. Defaults to 256.
            return_levels: bool, also return every level's images. Defaults to False.

        Returns:
            numpy `(n, *image_shape)`, or `(images, [I_0, ..., I_K])` (finest first) when
            `return_levels=True`.
        """
        seed = seed if seed is not None else int(np.random.randint(2**31 - 1))
        latents = self._latents(num_samples, latents, seed)
        noise_seed = keras.random.SeedGenerator(seed + 1)
        per_level = [[] for _ in range(self.levels)]
        for lo in range(0, len(latents), batch_size):
            z = latents[lo : lo + batch_size]
            image = self.generator(z, training=False)
            images = [image]
            for k in reversed(range(self.levels - 1)):
                low_pass = pyramid.upsample(image)
                noise = self.sample_noise_plane(len(z), k, seed=noise_seed)
                image = low_pass + self.level_generator(k)([noise, low_pass], training=False)
                images.append(image)
            for k, level_images in enumerate(reversed(images)):
                per_level[k].append(ops.convert_to_numpy(level_images))
        levels = [np.concatenate(parts) for parts in per_level]
        return (levels[0], levels) if return_levels else levels[0]

    # -- Serialisation ---------------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        for name in self.network_names:
            config.pop(name)
        config.update(
            image_shape=self.image_shape, levels=self.levels,
            generators=[keras.saving.serialize_keras_object(self.level_generator(k)) for k in range(self.levels)],
            discriminators=[
                keras.saving.serialize_keras_object(self.level_discriminator(k)) for k in range(self.levels)
            ],
        )  # fmt: skip
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generators", "discriminators"):
            if config.get(key) is not None:
                config[key] = [keras.saving.deserialize_keras_object(c) for c in config[key]]
        return cls(**config)
