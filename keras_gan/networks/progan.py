"""ProGAN's growing generator and discriminator (Karras et al. 2018, section 3 and table 2).

Both networks are built at the full resolution from the start, with every block they will
grow, and read the schedule's level of detail $\\ell$ (`keras_gan.schedules.ProgressiveGrowing`)
from a non-trainable variable (`LevelOfDetail`). The authors' "linear" formulation: every block
always runs, and each doubling is blended with the upsampled (generator) or downsampled
(discriminator) lower resolution by a `FadeIn` whose weight comes from $\\ell$, so a block not
grown yet has weight 0 and gets no gradient. The step is compiled once for the whole schedule,
and the level of detail is saved and resumed with the weights; the cost is that the early
phases compute at the full resolution (the authors' "recursive" form skips the unused
blocks with conditionals, computing the same outputs).

Generator: z -> pixel norm -> dense to 4x4 -> conv 3x3, then per doubling nearest upsampling
and two 3x3 convolutions, each followed by leaky ReLU(0.2) and pixel norm; a 1x1 "toRGB" at
every resolution, linear. Discriminator: the mirror image, a 1x1 "fromRGB" at every
resolution, two 3x3 convolutions and 2x2 average pooling per halving, then at 4x4 the minibatch
standard deviation, a 3x3 convolution, a dense layer and the linear score. Every layer has the
equalised learning rate. Feature maps per resolution r: min(max_filters, filter_base / r)
(the paper's table 2: 512 up to 32x32, halving per doubling to 16 at 1024x1024, from
filter_base = 16,384, max_filters = 512).

Reference: https://arxiv.org/abs/1710.10196
"""

import keras
from keras import layers, ops

from keras_gan.layers import (
    EqualizedConv2D,
    EqualizedDense,
    MinibatchStandardDeviation,
    PixelNormalization,
)
from keras_gan.networks.dcgan import _seeds
from keras_gan.schedules import check_resolution

# ProGAN section 4 / appendix A.1: leaky ReLU with leakiness 0.2 in both networks.
_LEAK = 0.2


@keras.saving.register_keras_serializable(package="keras_gan")
class LevelOfDetail(keras.layers.Layer):
    """Holds the schedule's level of detail in a non-trainable variable and outputs it per sample.

    The model assigns it before each step (`ProGAN.train_step`); it is saved with the network,
    so the network generates (or judges) at the resolution it was trained at.

    Args:
        levels: int L, the doublings from 4x4 to the full resolution; the variable starts at L
            (4x4), where training starts.
        **kwargs: as for `keras.layers.Layer`.
    """

    def __init__(self, levels, **kwargs):
        super().__init__(**kwargs)
        self.levels = int(levels)
        self.level_of_detail = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(float(self.levels)),
            trainable=False,
            dtype="float32",
            name="level_of_detail",
        )

    def call(self, inputs):
        # (batch, 1), the same value for every sample
        ones = ops.ones((ops.shape(inputs)[0], 1), dtype=self.compute_dtype)
        return ones * ops.cast(self.level_of_detail, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1)

    def get_config(self):
        config = super().get_config()
        config.update(levels=self.levels)
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class FadeIn(keras.layers.Layer):
    r"""Blends a new block's output with the lower resolution's: ProGAN's fade-in (figure 2).

    $$y = \text{new} + (\text{old} - \text{new}) \cdot \mathrm{clip}(\ell - \ell_{block}, 0, 1)
      = \alpha\,\text{new} + (1 - \alpha)\,\text{old}$$

    where `old` is the lower resolution brought to the new one's size (upsampled in the
    generator, downsampled and passed through its fromRGB in the discriminator) and
    $\ell_{block}$ is the level of detail at which the block is fully grown. Before its fade-in
    the block has weight 0; after it, 1.

    Args:
        block_level_of_detail: int, $\ell_{block}$.
        **kwargs: as for `keras.layers.Layer`.
    """

    def __init__(self, block_level_of_detail, **kwargs):
        super().__init__(**kwargs)
        self.block_level_of_detail = int(block_level_of_detail)

    def call(self, inputs):
        new, old, level_of_detail = inputs
        weight = ops.clip(level_of_detail - self.block_level_of_detail, 0.0, 1.0)
        weight = ops.reshape(weight, (-1,) + (1,) * (len(new.shape) - 1))
        return new + (old - new) * ops.cast(weight, new.dtype)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self):
        config = super().get_config()
        config.update(block_level_of_detail=self.block_level_of_detail)
        return config


def filters_at(resolution, max_filters, filter_base):
    """Feature maps of the blocks at `resolution`: min(max_filters, filter_base // resolution)."""
    return max(1, min(max_filters, filter_base // resolution))


def _check_widths(max_filters, filter_base):
    for name, value in (("max_filters", max_filters), ("filter_base", filter_base)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


def progan_generator(
    resolution, channels, latent_dim, max_filters, filter_base, seed=None, name="generator"
):
    """ProGAN's generator at its full resolution, every block built, growing by its level of detail.

    Args:
        resolution: int, the final image size, a power of two >= 4.
        channels: int, image channels.
        latent_dim: int, the size of z.
        max_filters: int, the widest blocks' feature maps (the paper: 512).
        filter_base: int, blocks at resolution r have min(max_filters, filter_base // r)
            feature maps (the paper: 16,384).
        seed: optional int, seed of the weights' N(0, 1) draws.
        name: the model's name.

    Returns:
        A `keras.Model` from z, `(batch, latent_dim)`, to images `(batch, resolution,
        resolution, channels)`, with a `LevelOfDetail` layer named "level_of_detail".
    """
    levels = check_resolution(resolution)
    _check_widths(max_filters, filter_base)
    seeds = _seeds(seed)

    def width(size):
        return filters_at(size, max_filters, filter_base)

    def conv(x, filters, label):
        x = EqualizedConv2D(filters, 3, seed=next(seeds), name=f"{label}_conv")(x)
        x = layers.LeakyReLU(_LEAK, name=f"{label}_lrelu")(x)
        return PixelNormalization(name=f"{label}_pixel_norm")(x)

    def to_rgb(x, size):
        # 1x1, gain 1, linear: the images at this resolution
        return EqualizedConv2D(channels, 1, gain=1.0, seed=next(seeds), name=f"to_rgb_{size}")(x)

    latents = keras.Input((latent_dim,), name="latents")
    level_of_detail = LevelOfDetail(levels, name="level_of_detail")(latents)
    # 4x4: z normalised, projected (gain sqrt(2)/4, the authors' code), then one convolution
    x = PixelNormalization(name="latent_pixel_norm")(latents)
    x = EqualizedDense(16 * width(4), gain=2.0**0.5 / 4, seed=next(seeds), name="4x4_dense")(x)
    x = layers.Reshape((4, 4, width(4)), name="4x4_reshape")(x)
    x = layers.LeakyReLU(_LEAK, name="4x4_dense_lrelu")(x)
    x = PixelNormalization(name="4x4_dense_pixel_norm")(x)
    x = conv(x, width(4), "4x4")
    images = to_rgb(x, 4)
    for level in range(1, levels + 1):
        size = 4 * 2**level
        # the block that doubles: nearest upsampling, two 3x3 convolutions
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"{size}x{size}_upsample")(x)
        x = conv(x, width(size), f"{size}x{size}_a")
        x = conv(x, width(size), f"{size}x{size}_b")
        # the lower resolution's images, upsampled, blended with the new block's (alpha)
        upsampled = layers.UpSampling2D(2, interpolation="nearest", name=f"images_{size}_up")(
            images
        )
        images = FadeIn(levels - level, name=f"fade_in_{size}")(
            [to_rgb(x, size), upsampled, level_of_detail]
        )
    return keras.Model(latents, images, name=name)


def progan_discriminator(
    resolution,
    channels,
    max_filters,
    filter_base,
    group_size=4,
    seed=None,
    name="discriminator",
):
    """ProGAN's discriminator (critic) at its full resolution, every block built.

    Args:
        resolution: int, the image size, a power of two >= 4.
        channels: int, image channels.
        max_filters: int, as in `progan_generator`.
        filter_base: int, as in `progan_generator`.
        group_size: int, the minibatch standard deviation's group. Defaults to 4.
        seed: optional int, seed of the weights' N(0, 1) draws.
        name: the model's name.

    Returns:
        A `keras.Model` from images to one linear score per image, with a `LevelOfDetail`
        layer named "level_of_detail".
    """
    levels = check_resolution(resolution)
    _check_widths(max_filters, filter_base)
    seeds = _seeds(seed)

    def width(size):
        return filters_at(size, max_filters, filter_base)

    def conv(x, filters, label, kernel_size=3):
        x = EqualizedConv2D(filters, kernel_size, seed=next(seeds), name=f"{label}_conv")(x)
        return layers.LeakyReLU(_LEAK, name=f"{label}_lrelu")(x)

    inputs = keras.Input((resolution, resolution, channels), name="images")
    level_of_detail = LevelOfDetail(levels, name="level_of_detail")(inputs)
    x = conv(inputs, width(resolution), f"from_rgb_{resolution}", kernel_size=1)
    images = inputs
    for level in range(levels, 0, -1):
        size = 4 * 2**level
        # the block that halves: two 3x3 convolutions, 2x2 average pooling
        x = conv(x, width(size), f"{size}x{size}_a")
        x = conv(x, width(size // 2), f"{size}x{size}_b")
        x = layers.AveragePooling2D(2, name=f"{size}x{size}_downsample")(x)
        # the image at half this resolution through its own fromRGB, blended (alpha)
        images = layers.AveragePooling2D(2, name=f"images_{size // 2}")(images)
        lower = conv(images, width(size // 2), f"from_rgb_{size // 2}", kernel_size=1)
        x = FadeIn(levels - level, name=f"fade_in_{size}")([x, lower, level_of_detail])
    # 4x4: minibatch standard deviation, a 3x3 convolution, dense, the linear score
    x = MinibatchStandardDeviation(group_size, name="minibatch_stddev")(x)
    x = conv(x, width(4), "4x4")
    x = layers.Flatten(name="4x4_flatten")(x)
    x = EqualizedDense(width(4), seed=next(seeds), name="4x4_dense")(x)
    x = layers.LeakyReLU(_LEAK, name="4x4_dense_lrelu")(x)
    score = EqualizedDense(1, gain=1.0, seed=next(seeds), name="score")(x)
    return keras.Model(inputs, score, name=name)


def real_images_at(images, level_of_detail, levels):
    r"""Real images shown at the resolution being trained, as ProGAN's discriminator sees them.

    Section 3: "we feed in real images that are downscaled to match the current resolution of
    the network. During a resolution transition, we interpolate between two resolutions of the
    real images, similarly to how the generator output combines two resolutions." With
    $p_j$ the images average-pooled $j$ times and upsampled back (nearest) to full size,

    $$x_\ell = \textstyle\sum_j \max(0, 1 - |\ell - j|)\, p_j$$

    which is $p_\ell$ at a whole level of detail and the blend $(1 - t) p_{\lfloor\ell\rfloor}
    + t\, p_{\lfloor\ell\rfloor + 1}$ between, $t = \ell - \lfloor\ell\rfloor = 1 - \alpha$.

    Args:
        images: `(batch, H, W, C)` real images at the full resolution.
        level_of_detail: scalar tensor, $\ell$.
        levels: int L, the number of levels above 4x4.

    Returns:
        Images of the same shape.
    """
    shown = ops.zeros_like(images)
    pooled = images
    level_of_detail = ops.cast(level_of_detail, images.dtype)
    for j in range(levels + 1):
        if j:
            pooled = ops.average_pool(pooled, 2, strides=2)
        full_size = ops.repeat(ops.repeat(pooled, 2**j, axis=1), 2**j, axis=2) if j else pooled
        weight = ops.maximum(0.0, 1.0 - ops.abs(level_of_detail - j))
        shown = shown + weight * full_size
    return shown
