"""SAGAN: Self-Attention Generative Adversarial Networks (Zhang et al. 2019)."""

import dataclasses
import math

import keras
import numpy as np
from keras import ops

from keras_gan import augment as augmentation
from keras_gan import losses
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import AugmentConfig, field
from keras_gan.models.cgan import BothConditioned
from keras_gan.models.sngan import SNGAN
from keras_gan.networks.sagan import SelfAttention, sagan_discriminator, sagan_generator
from keras_gan.registry import register


@dataclasses.dataclass
class SAGANConfig(AugmentConfig):
    latent_dim: int = field(
        128,
        "Size of z ~ N(0, I): 128, as the authors' code (--z_dim 128).",
    )
    base_filters: int = field(
        32,
        "Width of both residual networks: the generator's last block and the discriminator's "
        "first (each other block doubles it). CPU scale 32; 64 with --paper (the authors' "
        "gf_dim = df_dim = 64).",
    )
    attention_resolution: int | None = field(
        None,
        "The feature-map size at which both networks attend (one self-attention block each). "
        "None: half the image size (16 at 32x32, StudioGAN's 32px setting; the paper's "
        "128x128 networks attend at 32x32, section 5.1); 0: no attention (SNGAN's ResNets).",
    )
    learning_rate: float = field(
        1e-4,
        'The generator\'s Adam step size, TTUR (section 4): "lr 0.0001 for the generator".',
    )
    d_learning_rate: float | None = field(
        4e-4,
        'TTUR (section 4): "0.0004 for the discriminator", four times the generator\'s.',
    )
    beta_1: float = field(
        0.0,
        'Adam beta_1 = 0: "beta_1 = 0 and beta_2 = 0.9" (section 5).',
    )
    beta_2: float = field(
        0.9,
        "Adam beta_2 = 0.9 (section 5), with beta_1 = 0.",
    )
    discriminator_steps: int = field(
        1,
        "One discriminator step per generator step: TTUR replaces SNGAN's five (section 4).",
    )
    batch_size: int = field(
        64,
        "Minibatch size: 64 on a CPU; the paper's 256 with --paper (section 5).",
    )

    PAPER = {"base_filters": 64, "batch_size": 256}
    PYTHON_FROM_PAPER = ("base_filters",)


class SelfAttending:
    """What a model whose networks attend (SAGAN, BigGAN, LoGAN) offers to read the attention:
    the learned gains, the generator's maps and their figure."""

    def attention_gains(self):
        """Each network's learned attention gain gamma, `{"g_attention_gain": ..., ...}`, for
        the networks that attend (the first self-attention block of each)."""
        return attention_gains(self)

    def attention_maps(self, labels, latents=None, seed=0):
        """Generated images and the generator's attention maps for them (see
        `generator_attention_maps`)."""
        return generator_attention_maps(self, labels, latents, seed)

    def plot_attention(self, path, labels, queries=None, latents=None, seed=0):
        """Saves the figure of where chosen query positions of the generator attend (the SAGAN
        paper's Figure 1 idea; see `plot_generator_attention`)."""
        return plot_generator_attention(self, path, labels, queries, latents, seed)


@register(
    "sagan",
    config=SAGANConfig,
    summary="Zhang et al. 2019: self-attention in both networks, spectral norm, hinge, TTUR",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class SAGAN(SelfAttending, BothConditioned, AdversarialModel):
    r"""SAGAN: class-conditional residual networks with self-attention, trained with the hinge loss.

    $$L_D = \mathbb{E}_{(x, y) \sim p_{data}}[\max(0, 1 - D(x, y))]
      + \mathbb{E}_{z \sim p_z, y \sim p_{data}}[\max(0, 1 + D(G(z, y), y))], \qquad
      L_G = -\mathbb{E}_{z, y}[D(G(z, y), y)]$$

    Convolutions see a small neighbourhood, so a convolutional GAN draws textures well but
    struggles with geometry that spans the image; a self-attention block in each network lets
    every position draw on every other, with a learned gain $\gamma$ (starting at 0) deciding
    how much. Both networks are spectrally normalised, and the two-timescale update rule (TTUR)
    lets the discriminator learn four times faster than the generator with one update each per
    step. The discriminator is a projection discriminator,
    $D(x, y) = \psi(\phi(x)) + y^\top V \phi(x)$; the generator takes the class through
    conditional batch normalisation (`keras_gan.networks.sagan`). `train_step` is SNGAN's with
    labels: a hinge-loss discriminator update on the real batch and generated images of the
    same labels, then a generator update. Logs: `d_loss`, `g_loss`, and, where the networks
    attend, each network's learned gain (`g_attention_gain`, `d_attention_gain`).

    The hyperparameters are keyword arguments, with the defaults of `SAGANConfig` (the paper's
    values for `base_filters`): `help(keras_gan.models.SAGAN)` shows them all, the stabilisers
    every model shares included.

    Args:
        generator: optional `keras.Model` `[z (batch, latent_dim), y (batch,) int]` -> images.
            Defaults to `sagan_generator(image_shape, latent_dim, num_classes, base_filters,
            attention_resolution)`.
        discriminator: optional `keras.Model` `[images, y]` -> one score. Defaults to
            `sagan_discriminator(image_shape, num_classes, base_filters,
            attention_resolution)`.
        num_classes: int >= 2, number of labels. Defaults to 10.
        image_shape: tuple `(size, size, channels)` for the default networks, a size that
            halves down to 4..7 (28, 32, 64, ...). Defaults to `(32, 32, 3)`.
        latent_distribution: `"normal"` (the authors') or `"uniform"`. Defaults to `"normal"`.
        seed: optional int, seed of the weights and the model's random stream.
        latent_dim: int, size of z.
        base_filters: int, width of the default networks.
        attention_resolution: optional int, the feature-map size where both default networks
            attend; None: half the image size; 0: no attention.
        **kwargs: `discriminator_steps`, `ema_decay`, ... as in `AdversarialModel`.

    Example:

    ```python
    sagan = keras_gan.models.SAGAN(image_shape=(32, 32, 3), num_classes=10)
    sagan.compile()  # TTUR: Adam(4e-4) for D, Adam(1e-4) for G, betas (0, 0.9)
    sagan.fit(keras_gan.datasets.load("cifar10", batch_size=64, with_labels=True), epochs=1)
    ```

    Reference: https://arxiv.org/abs/1805.08318
    """

    data_kind = "labelled"
    label_smoothing_refusal = SNGAN.label_smoothing_refusal

    def __init__(
        self,
        generator=None,
        discriminator=None,
        num_classes=10,
        image_shape=(32, 32, 3),
        latent_distribution="normal",
        seed=None,
        *,
        latent_dim,
        base_filters,
        attention_resolution,
        **kwargs,
    ):
        self.check_num_classes(num_classes)
        image_shape = tuple(image_shape)
        generator = generator or sagan_generator(
            image_shape, latent_dim, num_classes, base_filters, attention_resolution, seed=seed
        )
        discriminator = discriminator or sagan_discriminator(
            image_shape,
            num_classes,
            base_filters,
            attention_resolution,
            seed=None if seed is None else seed + 1000,
        )
        attending = [
            f"{short}_attention_gain"
            for short, network in (("g", generator), ("d", discriminator))
            if attention_layers(network)
        ]
        kwargs.setdefault("log_names", ("d_loss", "g_loss", *attending))
        super().__init__(
            generator,
            discriminator,
            latent_dim,
            latent_distribution=latent_distribution,
            seed=seed,
            **kwargs,
        )
        self.num_classes = int(num_classes)
        self.image_shape = image_shape
        self.base_filters = base_filters
        self.attention_resolution = attention_resolution

    def train_step(self, data):
        images, labels = self.unpack_labelled(data)
        # k minibatches of m labelled real samples, one per discriminator update (k = 1, TTUR)
        for real, y in zip(self.minibatches(images), self.minibatches(labels)):
            m = ops.shape(real)[0]
            z = self.sample_latent(m)

            def discriminator_loss():
                # G(z, y) with the real batch's labels; no gradient into the generator
                fake = ops.stop_gradient(self.generator([z, y], training=True))
                real_scores = self.discriminator([real, y], training=True)
                fake_scores = self.discriminator([fake, y], training=True)
                # E[max(0, 1 - D(x, y))] + E[max(0, 1 + D(G(z, y), y))]
                return losses.hinge_discriminator_loss(real_scores, fake_scores)

            d_loss, _ = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        # generator_steps generator updates (1 in the paper), each on fresh noise, for the
        # labels of the last minibatch
        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                fake_scores = self.discriminator(
                    [self.generator([z, y], training=True), y], training=True
                )
                # -E[D(G(z, y), y)]
                return losses.hinge_generator_loss(fake_scores)

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss, **attention_gains(self))


def attention_gains(model):
    """A model's learned attention gains gamma, `{"g_attention_gain": ...,
    "d_attention_gain": ...}`, for the networks that attend (the first self-attention block of
    each; the discriminator found inside DiffAugment/ADA's wrapper)."""
    gains = {}
    discriminator = augmentation.unwrapped(model.discriminator)
    for short, network in (("g", model.generator), ("d", discriminator)):
        attention = attention_layers(network)
        if attention:
            gains[f"{short}_attention_gain"] = ops.convert_to_tensor(attention[0].gain)
    return gains


def attention_layers(network):
    """The `SelfAttention` layers of a functional network (none for a custom one)."""
    return [layer for layer in getattr(network, "layers", []) if isinstance(layer, SelfAttention)]


def generator_attention_maps(model, labels, latents=None, seed=0):
    """A class-conditional model's generated images and its generator's attention maps.

    The maps are those of the generator's first `SelfAttention` block, read in the same call
    that draws the images, from the weights `generate` samples with (the generator's moving
    average where the model keeps one).

    Args:
        model: a model whose generator takes `[z, y]` and attends (SAGAN, BigGAN, LoGAN).
        labels: sequence of integer class labels, one per image.
        latents: optional array `(n, latent_dim)`; fresh latents from `seed` when `None`.
        seed: int, seed of the fresh latents. Defaults to 0.

    Returns:
        `(images, maps)`: numpy arrays `(n, height, width, channels)` in [-1, 1] and
        `(n, N, N / 4)`, row i of a map being how much query position i (row-major over the
        attention block's feature map) attends to each 2x2-pooled key position.

    Raises:
        ValueError: the generator has no self-attention block (`attention_resolution=0`).
    """
    attention = attention_layers(model.generator)
    if not attention:
        raise ValueError(
            f"{type(model).__name__}'s generator has no self-attention block "
            f"(attention_resolution={getattr(model, 'attention_resolution', None)!r}): there "
            "is no attention map to read. Build it with an attention_resolution the networks "
            "have (None: half the image size)."
        )
    labels = model._check_labels(labels)
    latents = model._latents(len(labels), latents, seed)
    # the attention block's input and the images, from one forward pass
    probe = keras.Model(model.generator.inputs, [attention[0].input, model.generator.output])
    with model.averaged_generator():
        features, images = probe([latents, labels], training=False)
        maps = attention[0].attention(features)
    return ops.convert_to_numpy(images), ops.convert_to_numpy(maps)


def plot_generator_attention(model, path, labels, queries=None, latents=None, seed=0):
    """Saves a figure of where chosen query positions of a model's generator attend: each row
    a generated image, then one panel per query with the query marked and its attention map
    over the image (`keras_gan.plotting.plot_attention_maps`).

    Args:
        model: a model whose generator takes `[z, y]` and attends (SAGAN, BigGAN, LoGAN).
        path: output file (`.png`).
        labels: sequence of integer class labels, one row each.
        queries: optional sequence of `(row, column)` positions on the attention block's
            feature map. Defaults to three positions down its middle column.
        latents: optional array `(n, latent_dim)`; fresh latents from `seed` when `None`.
        seed: int, seed of the fresh latents. Defaults to 0.

    Returns:
        `path`.
    """
    from keras_gan import plotting

    images, maps = generator_attention_maps(model, labels, latents, seed)
    if queries is None:
        side = math.isqrt(maps.shape[1])
        queries = [(side // 4, side // 2), (side // 2, side // 2), (3 * side // 4, side // 2)]
    return plotting.plot_attention_maps(
        images, maps, queries, path, titles=[f"class {int(y)}" for y in np.asarray(labels)]
    )
