"""The DCGAN generator and discriminator (Radford et al. 2015, section 3).

The paper's architecture guidelines, each followed below:

1. No pooling: strided convolutions in the discriminator, fractionally strided (transposed)
   convolutions in the generator.
2. BatchNorm in both networks, except at the generator output and the discriminator input.
3. No fully connected hidden layers: the generator's first layer is a projection of z reshaped
   into a 4-D tensor, and the discriminator's last convolution is flattened into one logit.
4. ReLU in the generator (tanh at the output); LeakyReLU(0.2) in the discriminator.
5. Weights initialised from N(0, 0.02).

Every convolution has kernel 4 and stride 2, as in the authors' `dcgan.torch`, so each one halves
or doubles the spatial size. The number of stages follows from the image size: 64x64 (the paper's
LSUN/ImageNet network) starts the generator at 4x4 with 8x the base width; 32x32 at 4x4 with 4x;
28x28 (MNIST) at 7x7 with 2x.

Reference: https://arxiv.org/abs/1511.06434
"""

import itertools

import keras
from keras import layers

from keras_gan.layers import Conv2DTranspose

# DCGAN section 4: "All weights were initialized from a zero-centered Normal distribution
# with standard deviation 0.02."
_WEIGHTS = dict(mean=0.0, stddev=0.02)
# dcgan.torch initialises BatchNorm's scale from N(1, 0.02). Momentum and epsilon are PyTorch's
# defaults (Keras momentum 0.9 == PyTorch momentum 0.1), so the reference code computes the same.
_BATCHNORM = dict(momentum=0.9, epsilon=1e-5)


def _kernel_init(seed):
    return keras.initializers.RandomNormal(**_WEIGHTS, seed=seed)


def _batchnorm(seed, name):
    return layers.BatchNormalization(
        gamma_initializer=keras.initializers.RandomNormal(mean=1.0, stddev=0.02, seed=seed),
        name=name,
        **_BATCHNORM,
    )


def _seeds(seed):
    """One seed per initialiser (a shared int seed would give same-shaped layers equal weights)."""
    return itertools.count(seed) if seed is not None else itertools.repeat(None)


def _stages(image_size):
    """Returns (start size, number of stride-2 stages) for a square image size."""
    size, stages = image_size, 0
    while size % 2 == 0 and size > 7 and size // 2 >= 4:
        size, stages = size // 2, stages + 1
    if stages == 0:
        raise ValueError(
            "DCGAN networks need an image size that halves at least once down to 4..7 "
            f"(e.g. 28, 32, 64, 128). Received: image_size={image_size}"
        )
    return size, stages


def dcgan_generator(
    image_shape=(28, 28, 1), latent_dim=100, base_filters=64, seed=None, name="generator"
):
    """Builds the DCGAN generator: z -> projection -> transposed convolutions -> tanh image.

    Args:
        image_shape: tuple `(height, width, channels)` of the images, square, with a size that
            halves down to 4..7 (28, 32, 64, ...). Defaults to `(28, 28, 1)`.
        latent_dim: int, size of z. Defaults to 100 as in the paper.
        base_filters: int, width of the last hidden stage; earlier stages double it. The
            paper's 64x64 network uses 128 (the figure's 1024 channels at 4x4); 64 is the
            `dcgan.torch` default. Defaults to 64.
        seed: optional int, seed of the weight initialisers.
        name: string, model name. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` mapping `(batch, latent_dim)` to `(batch, *image_shape)`
        with values in [-1, 1].
    """
    height, width, channels = image_shape
    start, stages = _stages(height)
    seeds = _seeds(seed)
    filters = base_filters * 2 ** (stages - 1)
    z = keras.Input((latent_dim,), name="latent")
    # Project and reshape: (batch, latent_dim) -> (batch, start, start, filters)
    x = layers.Dense(
        start * start * filters,
        use_bias=False,
        kernel_initializer=_kernel_init(next(seeds)),
        name="project",
    )(z)
    x = layers.Reshape((start, start, filters))(x)
    x = _batchnorm(next(seeds), "project_bn")(x)
    x = layers.ReLU()(x)
    for stage in range(1, stages):
        filters //= 2
        # (batch, s, s, 2f) -> (batch, 2s, 2s, f)
        x = Conv2DTranspose(
            filters,
            4,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=_kernel_init(next(seeds)),
            name=f"up{stage}",
        )(x)
        x = _batchnorm(next(seeds), f"up{stage}_bn")(x)
        x = layers.ReLU()(x)
    # Output stage, no BatchNorm: (batch, s, s, f) -> (batch, 2s, 2s, channels) in [-1, 1]
    x = Conv2DTranspose(
        channels,
        4,
        strides=2,
        padding="same",
        kernel_initializer=_kernel_init(next(seeds)),
        name=f"up{stages}",
    )(x)
    images = layers.Activation("tanh", name="tanh")(x)
    return keras.Model(z, images, name=name)


def dcgan_discriminator(
    image_shape=(28, 28, 1), base_filters=64, batchnorm=True, seed=None, name="discriminator"
):
    """Builds the DCGAN discriminator: image -> strided convolutions -> one logit.

    Args:
        image_shape: tuple `(height, width, channels)`, as for `dcgan_generator`.
            Defaults to `(28, 28, 1)`.
        base_filters: int, width of the first convolution; each later one doubles it.
            Defaults to 64.
        batchnorm: bool, BatchNorm after every convolution but the first (the paper's rule).
            WGAN-GP's critic sets it to False. Defaults to True.
        seed: optional int, seed of the weight initialisers.
        name: string, model name. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` mapping `(batch, *image_shape)` to logits `(batch, 1)`
        (no sigmoid: the losses take logits).
    """
    height, _, _ = image_shape
    _, stages = _stages(height)
    seeds = _seeds(seed)
    images = keras.Input(image_shape, name="images")
    x = images
    filters = base_filters
    for stage in range(1, stages + 1):
        # (batch, s, s, c) -> (batch, s/2, s/2, filters)
        x = layers.Conv2D(
            filters,
            4,
            strides=2,
            padding="same",
            use_bias=not (batchnorm and stage > 1),
            kernel_initializer=_kernel_init(next(seeds)),
            name=f"down{stage}",
        )(x)
        if batchnorm and stage > 1:  # no BatchNorm at the discriminator input
            x = _batchnorm(next(seeds), f"down{stage}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
        filters *= 2
    # (batch, s, s, f) -> (batch, 1): the last convolution flattened into a single logit
    x = layers.Flatten()(x)
    logits = layers.Dense(1, kernel_initializer=_kernel_init(next(seeds)), name="logit")(x)
    return keras.Model(images, logits, name=name)


def dcgan_networks(
    image_shape, latent_dim, base_filters, seed=None, generator=None, discriminator=None
):
    """A DCGAN generator and discriminator for `image_shape`, each built unless given.

    The default networks of the variants that keep DCGAN's architecture and change its
    objective (DCGAN, LSGAN, WGAN). The discriminator's initialisers are seeded with
    `seed + 1000`, so the two networks do not start from the same random numbers.

    Args:
        image_shape: tuple `(height, width, channels)`.
        latent_dim: int, size of z.
        base_filters: int, width of both networks.
        seed: optional int, seed of the generator's initialisers.
        generator: optional `keras.Model`, used as is.
        discriminator: optional `keras.Model`, used as is.

    Returns:
        `(generator, discriminator)`.
    """
    image_shape = tuple(image_shape)
    generator = generator or dcgan_generator(image_shape, latent_dim, base_filters, seed=seed)
    discriminator = discriminator or dcgan_discriminator(
        image_shape, base_filters, seed=None if seed is None else seed + 1000
    )
    return generator, discriminator


_NORMALIZATIONS = (None, "layer")


def wgan_gp_critic(
    image_shape=(28, 28, 1), base_filters=64, normalization=None, seed=None, name="discriminator"
):
    """DCGAN's discriminator without BatchNorm, optionally with layer normalisation.

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        base_filters: int, width of the first convolution. Defaults to 64.
        normalization: `None` (no normalisation, `dcgan_discriminator(batchnorm=False)`) or
            `"layer"` (LayerNormalization over each sample's height, width and channels after
            every convolution but the first). Defaults to `None`.
        seed: optional int, seed of the initialisers.
        name: string. Defaults to `"discriminator"`.

    Returns:
        A `keras.Model` mapping images to one score per sample.
    """
    if normalization not in _NORMALIZATIONS:
        raise ValueError(
            "`critic_normalization` must be None or 'layer' (batch normalisation would make "
            "the penalty's per-sample gradients depend on the rest of the batch). "
            f"Received: critic_normalization={normalization!r}"
        )
    if normalization is None:
        return dcgan_discriminator(image_shape, base_filters, batchnorm=False, seed=seed, name=name)
    reference = dcgan_discriminator(image_shape, base_filters, batchnorm=False, seed=seed)
    images = keras.Input(tuple(image_shape), name="images")
    x, stage = images, 0
    for layer in reference.layers[1:]:
        layer_copy = layer.__class__.from_config(layer.get_config())
        x = layer_copy(x)
        if isinstance(layer, layers.Conv2D):
            layer_copy.set_weights(layer.get_weights())
            stage += 1
            if stage > 1:  # as BatchNorm in DCGAN: not at the critic's input
                x = layers.LayerNormalization(axis=(1, 2, 3), epsilon=1e-5, name=f"down{stage}_ln")(
                    x
                )
        elif isinstance(layer, layers.Dense):
            layer_copy.set_weights(layer.get_weights())
    return keras.Model(images, x, name=name)
