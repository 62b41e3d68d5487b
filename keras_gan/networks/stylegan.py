"""StyleGAN2's networks (Karras et al. 2020): the mapping network, the style-based synthesis
network and the residual discriminator, with StyleGAN1's ideas (Karras et al. 2019) on the way.

Generator (figure 2d of StyleGAN2): z is normalised and mapped by an MLP to an intermediate
latent w (`stylegan_mapping`). The synthesis network (`stylegan_synthesis`) starts from a
learned 4x4 constant, not from z; every convolution reads its own copy of w, turned by a learned
affine layer ("A") into one scale per input feature map, which modulates the kernel and is
divided back out of its outputs (`keras_gan.layers.ModulatedConv2D`, demodulation); then
per-pixel Gaussian noise scaled by a learned strength ("B", `NoiseInjection`), a bias and a
leaky ReLU. The image is the sum of one toRGB output per resolution, each upsampled to the
next (the "skip" generator, figure 7), upsampling with the [1, 3, 3, 1] filter
(`FIRUpsample2D`). Between the two, the tracked average of w and the truncation trick
(`TruncationTrick`). The full generator, z to images, holds the three as layers named
"mapping", "truncation" and "synthesis"; `keras_gan.models.StyleGAN` calls them separately for
style mixing and the path-length penalty.

Discriminator (the "resnet" discriminator, figure 7): fromRGB at the full resolution, then per
halving two 3x3 convolutions and a [1, 3, 3, 1] downsampling (`FIRDownsample2D`), added to a
shortcut (downsampling, then a 1x1 convolution without bias), the sum scaled by 1/sqrt(2); at
4x4 the minibatch standard deviation, a 3x3 convolution, a dense layer and the logit.

Every weight has the equalised learning rate (ProGAN's); leaky ReLU slope 0.2. The authors
apply the activation's gain sqrt(2) after the bias; here it is folded into the weights as in
ProGAN (`gain=sqrt(2)`), except in the synthesis network, where demodulation sets each
convolution's output scale and the gain follows the activation. The authors' downsampling
convolution blurs and then convolves with stride 2, activating after; this discriminator
convolves, activates and then downsamples with the same filter (ProGAN's order, StyleGAN2's
filter).

Feature maps per resolution r: min(max_filters, filter_base / r), as in `keras_gan.networks.progan`
(StyleGAN2: channel_base 32,768 (16,384 at 256x256 and below in config E-F's table), max 512).

Reference: https://arxiv.org/abs/1912.04958 (StyleGAN2), https://arxiv.org/abs/1812.04948
(StyleGAN)
"""

import math

import keras
from keras import layers, ops

from keras_gan.layers import (
    EqualizedConv2D,
    EqualizedDense,
    MinibatchStandardDeviation,
    ModulatedConv2D,
    PixelNormalization,
)
from keras_gan.networks.dcgan import _seeds
from keras_gan.networks.progan import _check_widths, filters_at
from keras_gan.schedules import check_resolution

# StyleGAN2's networks (networks.py): leaky ReLU with slope 0.2 ...
_LEAK = 0.2
# ... followed by the gain sqrt(2) that keeps the activations' scale (He et al. 2015).
_ACTIVATION_GAIN = math.sqrt(2.0)
# StyleGAN appendix C: the mapping network learns 100 times slower than the synthesis network.
_MAPPING_LR_MULTIPLIER = 0.01


def num_styles(resolution):
    """How many copies of w the synthesis network reads at `resolution`: one per convolution
    (1 at 4x4, 2 per doubling) and one for the last toRGB; every other toRGB shares the next
    block's first copy, as in the authors' code. 2 * log2(resolution) - 2: 8 at 32x32, 18 at
    1024x1024."""
    return 2 * _levels(resolution) + 2


def _levels(resolution):
    try:
        return check_resolution(resolution)
    except ValueError:
        raise ValueError(
            "StyleGAN's synthesis network starts at 4x4 and doubles, so the image size must be a "
            f"power of two >= 4 (4, 8, 16, 32, ..., 1024). Received: resolution={resolution!r}"
        ) from None


# -- Resampling with the [1, 3, 3, 1] filter ------------------------------------------------------


def _shift(x, axis, offset):
    """`x` moved by `offset` (+1 or -1) along a spatial `axis`, zeros coming in at the edge."""
    pad = [[0, 0]] * 4
    pad[axis] = [1, 0] if offset > 0 else [0, 1]
    padded = ops.pad(x, pad)
    length = x.shape[axis]
    index = [slice(None)] * 4
    index[axis] = slice(0, length) if offset > 0 else slice(1, length + 1)
    return padded[tuple(index)]


@keras.saving.register_keras_serializable(package="keras_gan")
class FIRUpsample2D(keras.layers.Layer):
    r"""Doubles height and width with StyleGAN2's [1, 3, 3, 1] filter (the authors' `upfirdn2d`).

    Along each axis, zeros are inserted between the samples and the result is filtered with
    $[1, 3, 3, 1] / 4$ (the filter normalised to sum 1, times the upsampling factor 2), which
    is bilinear interpolation with zero padding at the edges:

    $$y_{2i} = \tfrac14 x_{i-1} + \tfrac34 x_i, \qquad y_{2i+1} = \tfrac34 x_i + \tfrac14 x_{i+1}$$

    Nearest-neighbour upsampling (ProGAN's) repeats pixels and leaves a 2x2 block pattern that
    the next convolution must undo; the low-pass filter does not (StyleGAN section 4.1 after
    Zhang 2019).
    """

    def call(self, inputs):
        x = inputs
        for axis in (1, 2):
            # y_2i = x_{i-1}/4 + 3 x_i/4, y_2i+1 = 3 x_i/4 + x_{i+1}/4, interleaved
            even = 0.25 * _shift(x, axis, +1) + 0.75 * x
            odd = 0.75 * x + 0.25 * _shift(x, axis, -1)
            shape = list(x.shape)
            shape[0], shape[axis] = -1, 2 * shape[axis]
            x = ops.reshape(ops.stack([even, odd], axis=axis + 1), shape)
        return x

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, 2 * height, 2 * width, channels)


@keras.saving.register_keras_serializable(package="keras_gan")
class FIRDownsample2D(keras.layers.Layer):
    r"""Halves height and width with StyleGAN2's [1, 3, 3, 1] filter (the authors' `upfirdn2d`).

    Along each axis, the low-pass filter $[1, 3, 3, 1] / 8$ (zero padding), then every other
    sample:

    $$y_i = \tfrac18\,(x_{2i-1} + 3 x_{2i} + 3 x_{2i+1} + x_{2i+2})$$

    Average pooling (ProGAN's) is the filter $[1, 1] / 2$; the longer filter aliases less.
    """

    def call(self, inputs):
        x = inputs
        for axis in (1, 2):
            shape = list(x.shape)
            shape[0], shape[axis] = -1, shape[axis] // 2
            pairs = ops.reshape(x, shape[: axis + 1] + [2] + shape[axis + 1 :])
            index = [slice(None)] * (axis + 1)
            even = pairs[(*index, 0)]  # x_2i
            odd = pairs[(*index, 1)]  # x_2i+1
            # (x_{2i-1} + 3 x_2i + 3 x_2i+1 + x_{2i+2}) / 8
            x = (_shift(odd, axis, +1) + 3.0 * even + 3.0 * odd + _shift(even, axis, -1)) / 8.0
        return x

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, height // 2, width // 2, channels)

    def build(self, input_shape):
        if input_shape[1] % 2 or input_shape[2] % 2:
            raise ValueError(
                "FIRDownsample2D halves the height and width, which must be even. "
                f"Received: input_shape={tuple(input_shape)}"
            )


# -- The synthesis network's layers ---------------------------------------------------------------


@keras.saving.register_keras_serializable(package="keras_gan")
class NoiseInjection(keras.layers.Layer):
    r"""Per-pixel Gaussian noise scaled by a learned strength: StyleGAN's "B" (section 3.2).

    $$y = x + b\,n, \qquad n \sim N(0, 1) \text{ per sample and pixel, shared by the maps}$$

    The strength b starts at 0 (the authors' code), so the generator learns how much
    stochastic detail (hair, pores, freckles) to draw from the noise instead of from w. A
    non-trainable switch turns it off (`StyleGAN.generate(noise=False)`): the same latent then
    always gives the same image.

    Args:
        seed: optional int, seed of the noise draws (the layer's own random stream).
        **kwargs: as for `keras.layers.Layer`.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="noise_seed")
        self.strength = self.add_weight(shape=(), initializer="zeros", name="strength")
        self.enabled = self.add_weight(
            shape=(), initializer="ones", trainable=False, name="enabled"
        )

    def call(self, inputs):
        shape = ops.shape(inputs)
        noise = keras.random.normal(
            (shape[0], shape[1], shape[2], 1), dtype=inputs.dtype, seed=self.seed_generator
        )
        return inputs + noise * ops.cast(self.strength * self.enabled, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(seed=self.seed)
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class ConstantInput(keras.layers.Layer):
    """The synthesis network's learned 4x4 input, the same for every sample (StyleGAN section
    2: "we simplify the architecture by omitting the input layer altogether and starting from
    a learned constant"). Takes the styles only for their batch size.

    Args:
        filters: int, the constant's feature maps.
        seed: optional int, seed of its N(0, 1) initial value.
        **kwargs: as for `keras.layers.Layer`.
    """

    def __init__(self, filters, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.seed = seed
        self.constant = self.add_weight(
            shape=(1, 4, 4, self.filters),
            initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=seed),
            name="constant",
        )

    def call(self, styles):
        return ops.repeat(ops.cast(self.constant, self.compute_dtype), ops.shape(styles)[0], 0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 4, 4, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, seed=self.seed)
        return config


class _Styled(keras.layers.Layer):
    """A layer reading copy `style_index` of w, through its own affine layer "A"."""

    def __init__(self, style_index, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.style_index = int(style_index)
        self.seed = seed

    def style(self, ws):
        # s = A(w_i): one scale per input feature map, starting near 1 (bias 1)
        return self.affine(ws[:, self.style_index])

    def get_config(self):
        config = super().get_config()
        config.update(style_index=self.style_index, seed=self.seed)
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class StyledConv2D(_Styled):
    r"""One convolution of the synthesis network (StyleGAN2 figure 2c-d), upsampling first where
    it starts a resolution:

    $$y = \mathrm{lrelu}\big(\mathrm{demod}(\mathrm{conv}(x, s \odot W)) + b\,n + \beta\big)
      \cdot \sqrt2, \qquad s = A(w_i)$$

    Inputs: `[features (batch, h, w, C_in), ws (batch, num_styles, w_dim)]`.

    Args:
        filters: int, output feature maps.
        style_index: int i, the copy of w it reads.
        upsample: bool, double the resolution first (`FIRUpsample2D`). Defaults to False.
        seed: optional int, seed of its weights and its noise.
        **kwargs: as for `keras.layers.Layer`.
    """

    def __init__(self, filters, style_index, upsample=False, seed=None, **kwargs):
        super().__init__(style_index, seed, **kwargs)
        self.filters = int(filters)
        self.upsample = bool(upsample)
        self.upsampling = FIRUpsample2D(name="upsample") if self.upsample else None
        self.convolution = ModulatedConv2D(self.filters, 3, seed=seed, name="modulated_conv")
        self.noise = NoiseInjection(seed=None if seed is None else seed + 1, name="noise")

    def build(self, input_shape):
        features_shape, ws_shape = input_shape
        channels = features_shape[-1]
        # A: w -> one scale per input map, bias 1 so that s starts near 1 (the authors' code)
        self.affine = EqualizedDense(
            channels, gain=1.0, bias_initializer=1.0, seed=self.seed, name="affine"
        )
        self.affine.build((ws_shape[0], ws_shape[-1]))
        if self.upsample:
            self.upsampling.build(features_shape)
            batch, height, width, _ = self.upsampling.compute_output_shape(features_shape)
            features_shape = (batch, height, width, channels)
        self.convolution.build([features_shape, (ws_shape[0], channels)])
        self.noise.build(self.convolution.compute_output_shape([features_shape, None]))
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")

    def call(self, inputs):
        features, ws = inputs
        if self.upsample:
            features = self.upsampling(features)
        # modulated and demodulated 3x3 convolution with the style s = A(w_i)
        x = self.convolution([features, self.style(ws)])
        # + per-pixel noise times its learned strength, + bias
        x = self.noise(x) + self.bias
        # leaky ReLU, times sqrt(2)
        return ops.leaky_relu(x, _LEAK) * _ACTIVATION_GAIN

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape[0]
        factor = 2 if self.upsample else 1
        return (batch, factor * height, factor * width, self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(filters=self.filters, upsample=self.upsample)
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class StyledToRGB(_Styled):
    r"""A toRGB output: a 1x1 modulated convolution without demodulation, plus a bias, linear.

    $$\text{rgb} = \mathrm{conv}_{1\times1}(x, s \odot W) + \beta, \qquad s = A(w_i)$$

    Args:
        channels: int, image channels.
        style_index: int i, the copy of w it reads.
        seed: optional int, seed of its weights.
        **kwargs: as for `keras.layers.Layer`.
    """

    def __init__(self, channels, style_index, seed=None, **kwargs):
        super().__init__(style_index, seed, **kwargs)
        self.channels = int(channels)
        self.convolution = ModulatedConv2D(
            self.channels, 1, demodulate=False, seed=seed, name="modulated_conv"
        )

    def build(self, input_shape):
        features_shape, ws_shape = input_shape
        # bias 1, as the authors' (their toRGB scales the styles by 1/sqrt(C_in): here the kernel)
        self.affine = EqualizedDense(
            features_shape[-1], gain=1.0, bias_initializer=1.0, seed=self.seed, name="affine"
        )
        self.affine.build((ws_shape[0], ws_shape[-1]))
        self.convolution.build([features_shape, (ws_shape[0], features_shape[-1])])
        self.bias = self.add_weight(shape=(self.channels,), initializer="zeros", name="bias")

    def call(self, inputs):
        features, ws = inputs
        return self.convolution([features, self.style(ws)]) + self.bias

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.channels)

    def get_config(self):
        config = super().get_config()
        config.update(channels=self.channels)
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class TruncationTrick(keras.layers.Layer):
    r"""The tracked average latent $\bar w$ and the truncation trick (StyleGAN section 2.1,
    appendix B):

    $$w' = \bar w + \psi\,(w - \bar w)$$

    $\psi = 1$ leaves w unchanged (training); $\psi < 1$ pulls every sample toward the average
    image, trading variety for quality; 0 gives the average image itself. $\bar w$ is a
    moving average of the mapping network's outputs over training (`track`, decay 0.995 in
    the authors' code); both are non-trainable variables saved with the generator.

    Args:
        **kwargs: as for `keras.layers.Layer`.
    """

    def build(self, input_shape):
        self.average = self.add_weight(
            shape=(input_shape[-1],), initializer="zeros", trainable=False, name="w_average"
        )
        self.psi = self.add_weight(shape=(), initializer="ones", trainable=False, name="psi")

    def call(self, w):
        average = ops.cast(self.average, w.dtype)
        # w' = w_bar + psi (w - w_bar)
        return average + ops.cast(self.psi, w.dtype) * (w - average)

    def track(self, w, decay):
        """Moves $\\bar w$ toward the batch's mean w: $\\bar w \\leftarrow \\bar{w}_{batch} +
        \\beta(\\bar w - \\bar{w}_{batch})$, $\\beta$ = `decay`."""
        batch_mean = ops.cast(ops.mean(ops.stop_gradient(w), axis=0), self.average.dtype)
        self.average.assign(batch_mean + decay * (self.average - batch_mean))

    def compute_output_shape(self, input_shape):
        return input_shape


# -- The networks ---------------------------------------------------------------------------------


def stylegan_mapping(latent_dim, w_dim, num_layers, seed=None, name="mapping"):
    """StyleGAN's mapping network f: z -> w (section 2): z normalised to unit second moment,
    then `num_layers` equalised dense layers with leaky ReLU, each learning 100x slower
    (learning-rate multiplier 0.01, appendix C).

    Args:
        latent_dim: int, the size of z.
        w_dim: int, the size of w (the paper: 512, as z).
        num_layers: int >= 1 (the paper: 8; the authors' CIFAR-10 configuration: 2).
        seed: optional int, seed of the weights.
        name: the model's name.

    Returns:
        A `keras.Model` from `(batch, latent_dim)` to `(batch, w_dim)`.
    """
    for label, value in (("latent_dim", latent_dim), ("w_dim", w_dim), ("num_layers", num_layers)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{label}` must be a positive integer. Received: {label}={value!r}")
    seeds = _seeds(seed)
    latents = keras.Input((latent_dim,), name="latents")
    x = PixelNormalization(name="normalize_z")(latents)  # z / sqrt(mean(z^2))
    for i in range(num_layers):
        x = EqualizedDense(
            w_dim, lr_multiplier=_MAPPING_LR_MULTIPLIER, seed=next(seeds), name=f"dense_{i}"
        )(x)
        x = layers.LeakyReLU(_LEAK, name=f"lrelu_{i}")(x)
    return keras.Model(latents, x, name=name)


def stylegan_synthesis(
    resolution, channels, w_dim, max_filters, filter_base, seed=None, name="synthesis"
):
    """StyleGAN2's synthesis network g: ws -> images (the skip generator, figure 7).

    Args:
        resolution: int, the image size, a power of two >= 4.
        channels: int, image channels.
        w_dim: int, the size of w.
        max_filters: int, the widest blocks' feature maps.
        filter_base: int, blocks at resolution r have min(max_filters, filter_base // r).
        seed: optional int, seed of the weights and of the noise layers.
        name: the model's name.

    Returns:
        A `keras.Model` from `(batch, num_styles(resolution), w_dim)` (one copy of w per
        layer, `num_styles`) to images `(batch, resolution, resolution, channels)`, linear.
    """
    levels = _levels(resolution)
    _check_widths(max_filters, filter_base)
    seeds = _seeds(None if seed is None else seed * 1000)

    def width(size):
        return filters_at(size, max_filters, filter_base)

    ws = keras.Input((num_styles(resolution), w_dim), name="ws")
    x = ConstantInput(width(4), seed=next(seeds), name="constant")(ws)
    x = StyledConv2D(width(4), 0, seed=_pair(seeds), name="4x4_conv")([x, ws])
    images = StyledToRGB(channels, 1, seed=next(seeds), name="4x4_to_rgb")([x, ws])
    for level in range(1, levels + 1):
        size = 4 * 2**level
        # upsample + convolution (w_{2l-1}), convolution (w_{2l})
        x = StyledConv2D(
            width(size),
            2 * level - 1,
            upsample=True,
            seed=_pair(seeds),
            name=f"{size}x{size}_conv0",
        )([x, ws])
        x = StyledConv2D(width(size), 2 * level, seed=_pair(seeds), name=f"{size}x{size}_conv1")(
            [x, ws]
        )
        # skip: the images so far, upsampled, plus this resolution's toRGB (w_{2l+1})
        upsampled = FIRUpsample2D(name=f"images_{size}_up")(images)
        rgb = StyledToRGB(channels, 2 * level + 1, seed=next(seeds), name=f"{size}x{size}_to_rgb")(
            [x, ws]
        )
        images = layers.Add(name=f"images_{size}")([upsampled, rgb])
    return keras.Model(ws, images, name=name)


def _pair(seeds):
    """A seed for a layer that uses two (its weights, its noise): the next even one."""
    first = next(seeds)
    next(seeds)
    return first


def stylegan_generator(
    resolution,
    channels,
    latent_dim,
    max_filters,
    filter_base,
    mapping_layers,
    seed=None,
    name="generator",
):
    """StyleGAN2's generator, z -> images: the mapping network, the truncation trick and the
    synthesis network, as layers named "mapping", "truncation" and "synthesis" (w has the size
    of z, as in the paper).

    Args:
        resolution: int, the image size, a power of two >= 4.
        channels: int, image channels.
        latent_dim: int, the size of z and of w.
        max_filters: int, as in `stylegan_synthesis`.
        filter_base: int, as in `stylegan_synthesis`.
        mapping_layers: int, the mapping network's depth.
        seed: optional int, seed of the weights and of the noise.
        name: the model's name.

    Returns:
        A `keras.Model` from `(batch, latent_dim)` to `(batch, resolution, resolution,
        channels)`; every copy of w is the same one (style mixing calls the parts).
    """
    mapping = stylegan_mapping(latent_dim, latent_dim, mapping_layers, seed=seed)
    synthesis = stylegan_synthesis(
        resolution, channels, latent_dim, max_filters, filter_base,
        seed=None if seed is None else seed + 1,
    )  # fmt: skip
    latents = keras.Input((latent_dim,), name="latents")
    w = TruncationTrick(name="truncation")(mapping(latents))
    # one copy of w per layer of the synthesis network
    ws = layers.RepeatVector(num_styles(resolution), name="broadcast")(w)
    return keras.Model(latents, synthesis(ws), name=name)


def stylegan_discriminator(
    resolution,
    channels,
    max_filters,
    filter_base,
    group_size=4,
    seed=None,
    name="discriminator",
):
    """StyleGAN2's residual discriminator (figure 7, "resnet").

    Args:
        resolution: int, the image size, a power of two >= 4.
        channels: int, image channels.
        max_filters: int, as in `stylegan_synthesis`.
        filter_base: int, as in `stylegan_synthesis`.
        group_size: int, the minibatch standard deviation's group (StyleGAN2: 4; its CIFAR-10
            configuration: 32). Defaults to 4.
        seed: optional int, seed of the weights.
        name: the model's name.

    Returns:
        A `keras.Model` from images to one logit per image.
    """
    levels = _levels(resolution)
    _check_widths(max_filters, filter_base)
    seeds = _seeds(seed)

    def width(size):
        return filters_at(size, max_filters, filter_base)

    def conv(x, filters, label, kernel_size=3):
        x = EqualizedConv2D(filters, kernel_size, seed=next(seeds), name=f"{label}_conv")(x)
        return layers.LeakyReLU(_LEAK, name=f"{label}_lrelu")(x)

    images = keras.Input((resolution, resolution, channels), name="images")
    x = conv(images, width(resolution), "from_rgb", kernel_size=1)
    for level in range(levels, 0, -1):
        size = 4 * 2**level
        # shortcut: downsample, 1x1 convolution without bias
        shortcut = FIRDownsample2D(name=f"{size}x{size}_skip_down")(x)
        shortcut = EqualizedConv2D(
            width(size // 2), 1, gain=1.0, use_bias=False, seed=next(seeds),
            name=f"{size}x{size}_skip",
        )(shortcut)  # fmt: skip
        # residual: two 3x3 convolutions, downsample
        x = conv(x, width(size), f"{size}x{size}_a")
        x = conv(x, width(size // 2), f"{size}x{size}_b")
        x = FIRDownsample2D(name=f"{size}x{size}_down")(x)
        # (shortcut + residual) / sqrt(2): the variance stays that of one branch
        x = layers.Add(name=f"{size}x{size}_add")([shortcut, x])
        x = layers.Rescaling(math.sqrt(0.5), name=f"{size}x{size}_scale")(x)
    # 4x4: minibatch standard deviation, a 3x3 convolution, dense, the logit
    x = MinibatchStandardDeviation(group_size, name="minibatch_stddev")(x)
    x = conv(x, width(4), "4x4")
    x = layers.Flatten(name="4x4_flatten")(x)
    x = EqualizedDense(width(4), seed=next(seeds), name="4x4_dense")(x)
    x = layers.LeakyReLU(_LEAK, name="4x4_dense_lrelu")(x)
    logit = EqualizedDense(1, gain=1.0, seed=next(seeds), name="logit")(x)
    return keras.Model(images, logit, name=name)
