"""pix2pix's U-Net generator (Isola et al. 2017, section 3.2.1 and appendix 6.1.1).

An encoder-decoder whose decoder block i also receives the encoder's block n - i through a skip
connection (channel concatenation), so low-level detail (edges, positions) reaches the output
without squeezing through the bottleneck.

The paper's 256x256 generator (`Ck`: 4x4 convolution, stride 2, k filters, BatchNorm, ReLU;
`CDk`: the same with dropout 0.5; encoder ReLUs leaky with slope 0.2; no BatchNorm on the first
encoder layer):

    encoder: C64-C128-C256-C512-C512-C512-C512-C512           (256 -> 1)
    decoder: CD512-CD1024-CD1024-C1024-C1024-C512-C256-C128  (input channels, skips included)

followed by a convolution to the output channels and tanh. The encoder halves the size at every
level, down to 1x1 for the paper's 256x256 (8 levels): here the number of levels is derived from
the image size the same way (`depth=None`), so 32x32 images get 5 levels, 256x256 the paper's 8.

"Dropout as noise" (section 2.2 and 3.3): the generator has no z; its only noise is dropout,
"applied at both training and test time", and BatchNorm uses "the statistics of the test batch,
rather than aggregated statistics of the training batch". `paper_inference=True` (the default)
builds the network that way: `generator(x, training=False)` is stochastic.

Reference: https://arxiv.org/abs/1611.07004 (code: junyanz/pytorch-CycleGAN-and-pix2pix,
`models/networks.py`, `UnetGenerator`).
"""

import itertools

import keras
from keras import layers, ops

from keras_gan.layers import Conv2DTranspose

# Appendix 6.2: "Weights were initialized from a Gaussian distribution with mean 0 and standard
# deviation 0.02." BatchNorm scales N(1, 0.02) as in the reference code's init_weights.
_WEIGHTS = dict(mean=0.0, stddev=0.02)
# PyTorch's BatchNorm2d defaults (Keras momentum 0.9 == PyTorch momentum 0.1).
_BATCHNORM = dict(momentum=0.9, epsilon=1e-5)


def _init(seed):
    return keras.initializers.RandomNormal(**_WEIGHTS, seed=seed)


@keras.saving.register_keras_serializable(package="keras_gan")
class NoiseDropout(layers.Dropout):
    """Dropout that can stay on at inference: pix2pix's "dropout as noise".

    Args:
        rate: float in [0, 1), fraction of units dropped.
        at_inference: bool, also drop units when called with `training=False` (the paper's
            test-time noise). Defaults to True.
        **kwargs: as in `keras.layers.Dropout` (e.g. `seed`).
    """

    def __init__(self, rate, at_inference=True, **kwargs):
        super().__init__(rate, **kwargs)
        self.at_inference = bool(at_inference)

    def call(self, inputs, training=False):
        return super().call(inputs, training=bool(training) or self.at_inference)

    def get_config(self):
        return {**super().get_config(), "at_inference": self.at_inference}


@keras.saving.register_keras_serializable(package="keras_gan")
class BatchStatsNormalization(layers.BatchNormalization):
    """BatchNorm that can normalise with the current batch's statistics at inference.

    Training is plain BatchNorm (batch statistics, moving averages updated). At inference,
    `at_inference=True` normalises with the statistics of the batch being translated (pix2pix
    section 3.3) and leaves the moving averages untouched; `False` uses the moving averages.

    Args:
        at_inference: bool. Defaults to True.
        **kwargs: as in `keras.layers.BatchNormalization`.
    """

    def __init__(self, at_inference=True, **kwargs):
        super().__init__(**kwargs)
        self.at_inference = bool(at_inference)

    def call(self, inputs, training=None, mask=None):
        if training or not self.at_inference:
            return super().call(inputs, training=training, mask=mask)
        # (x - mean_batch) / sqrt(var_batch + eps) * gamma + beta, per channel
        mean, variance = ops.moments(inputs, axes=(0, 1, 2), keepdims=True)
        outputs = (inputs - mean) * ops.rsqrt(variance + self.epsilon)
        if self.scale:
            outputs = outputs * self.gamma
        if self.center:
            outputs = outputs + self.beta
        return outputs

    def get_config(self):
        return {**super().get_config(), "at_inference": self.at_inference}


def unet_depth(image_size, depth=None):
    """The number of U-Net levels for square images of `image_size`.

    Args:
        image_size: int, height (= width) of the images.
        depth: optional int, an explicit number of levels. Defaults to None: halve down to 1x1
            (log2 of the size, the paper's 8 levels for 256x256) or, for sizes that are not a
            power of two, as long as the size stays even (28 -> 14 -> 7: 2 levels).

    Returns:
        int >= 1.

    Raises:
        ValueError: when the size cannot be halved `depth` times.
    """
    size = int(image_size)
    if depth is None:
        if size < 2 or size % 2:
            raise ValueError(
                "The U-Net halves the image size at every level, so it needs an even image size "
                f"(e.g. 16, 28, 32, 256). Received: image_size={image_size}"
            )
        depth = 0
        while size % 2 == 0 and size > 1:
            size, depth = size // 2, depth + 1
        return depth
    if not isinstance(depth, int) or depth < 1 or size % (2**depth):
        raise ValueError(
            f"A U-Net of depth {depth} halves the image {depth} times, so the image size must be a "
            f"multiple of {2**depth if isinstance(depth, int) and depth > 0 else '2**depth'}. "
            f"Received: image_size={image_size}, depth={depth}"
        )
    return depth


def unet_generator(
    input_shape=(256, 256, 3),
    output_channels=3,
    base_filters=64,
    depth=None,
    dropout=0.5,
    dropout_blocks=3,
    paper_inference=True,
    seed=None,
    name="generator",
):
    """Builds pix2pix's U-Net generator.

    Args:
        input_shape: tuple `(size, size, channels)` of the source images.
            Defaults to `(256, 256, 3)`, the paper's.
        output_channels: int, channels of the translated images. Defaults to 3.
        base_filters: int, filters of the first encoder level; level i has
            `min(base_filters * 2**i, 8 * base_filters)` (C64-C128-C256-C512-C512-...).
            Defaults to 64, the paper's.
        depth: optional int, number of encoder (and decoder) levels; None derives it from the
            image size (see `unet_depth`). Defaults to None.
        dropout: float, dropout rate of the first `dropout_blocks` decoder blocks.
            Defaults to 0.5, the paper's.
        dropout_blocks: int, how many decoder blocks (from the bottleneck) have dropout; never
            the output block. Defaults to 3, the paper's "CD512-CD1024-CD1024".
        paper_inference: bool, keep dropout on and normalise with the batch's statistics when
            called with `training=False` (section 3.3). Defaults to True.
        seed: optional int, seed of the initialisers and the dropout masks.
        name: string. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` mapping `(batch, *input_shape)` to
        `(batch, size, size, output_channels)` in [-1, 1].
    """
    height, width, _ = input_shape
    if height != width:
        raise ValueError(
            f"The U-Net takes square images. Received: input_shape={tuple(input_shape)}"
        )
    depth = unet_depth(height, depth)
    seeds = itertools.count(seed) if seed is not None else itertools.repeat(None)
    widths = [min(base_filters * 2**i, 8 * base_filters) for i in range(depth)]

    def norm(name):
        return BatchStatsNormalization(
            at_inference=paper_inference, name=name,
            gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02, seed=next(seeds)),
            **_BATCHNORM,
        )  # fmt: skip

    source = keras.Input(tuple(input_shape), name="source")
    x = source
    skips = []
    for level, filters in enumerate(widths):
        # (batch, s, s, c) -> (batch, s/2, s/2, filters). No BatchNorm on the first level
        # (appendix 6.1.1) nor at the 1x1 bottleneck (the reference code's innermost block).
        if level > 0:
            x = layers.LeakyReLU(0.2, name=f"down{level}_lrelu")(x)
        innermost = level == depth - 1
        use_norm = 0 < level and not innermost
        # No bias, as the reference code (use_bias is False for BatchNorm networks).
        x = layers.Conv2D(
            filters, 4, strides=2, padding="same", use_bias=False,
            kernel_initializer=_init(next(seeds)), name=f"down{level}",
        )(x)  # fmt: skip
        if use_norm:
            x = norm(f"down{level}_bn")(x)
        skips.append(x)
    # Decoder: level depth-1 (the bottleneck) up to 1; each output is concatenated with the
    # encoder output of the same size.
    for block, level in enumerate(range(depth - 1, 0, -1)):
        x = layers.ReLU(name=f"up{level}_relu")(x)
        # (batch, s, s, c) -> (batch, 2s, 2s, widths[level - 1])
        x = Conv2DTranspose(
            widths[level - 1], 4, strides=2, padding="same", use_bias=False,
            kernel_initializer=_init(next(seeds)), name=f"up{level}",
        )(x)  # fmt: skip
        x = norm(f"up{level}_bn")(x)
        if block < dropout_blocks and dropout > 0:
            x = NoiseDropout(
                dropout, at_inference=paper_inference, seed=next(seeds), name=f"up{level}_dropout"
            )(x)
        # Skip: (batch, 2s, 2s, f) + (batch, 2s, 2s, f) -> (batch, 2s, 2s, 2f)
        x = layers.Concatenate(name=f"skip{level}")([x, skips[level - 1]])
    x = layers.ReLU(name="up0_relu")(x)
    # Output level: (batch, s/2, s/2, 2f) -> (batch, s, s, output_channels) in [-1, 1]
    x = Conv2DTranspose(
        output_channels, 4, strides=2, padding="same", kernel_initializer=_init(next(seeds)),
        name="up0",
    )(x)  # fmt: skip
    images = layers.Activation("tanh", name="tanh")(x)
    return keras.Model(source, images, name=name)
