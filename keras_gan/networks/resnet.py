"""CycleGAN's ResNet generator (Zhu et al. 2017, appendix 7.2; Johnson et al. 2016).

    c7s1-64, d128, d256, R256 x n, u128, u64, c7s1-3

`c7s1-k`: 7x7 convolution, stride 1, k filters, instance norm, ReLU (reflection padding 3);
`dk`: 3x3 convolution, stride 2, instance norm, ReLU; `Rk`: a residual block of two 3x3
convolutions (reflection padding 1, instance norm, ReLU between them) added to its input;
`uk`: 3x3 transposed convolution, stride 1/2, instance norm, ReLU. The last layer ends in tanh
without normalisation. "We use 6 residual blocks for 128x128 training images, and 9 residual
blocks for 256x256 or higher-resolution training images": `num_blocks=None` follows that rule.

Keras has no instance normalisation layer: `GroupNormalization(groups=-1)` (one group per
channel) is exactly it, and with `center=False, scale=False` it matches the reference code's
`InstanceNorm2d(affine=False)`.

Reference: https://arxiv.org/abs/1703.10593 (code: junyanz/pytorch-CycleGAN-and-pix2pix,
`ResnetGenerator`).
"""

import itertools

import keras
from keras import layers, ops

from keras_gan.layers import Conv2DTranspose


@keras.saving.register_keras_serializable(package="keras_gan")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by mirroring the image at its border (no edge pixel repeated).

    Args:
        padding: int, pixels added on each side.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, inputs):
        p = self.padding
        # (batch, h, w, c) -> (batch, h + 2p, w + 2p, c)
        return ops.pad(inputs, ((0, 0), (p, p), (p, p), (0, 0)), mode="reflect")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        grow = lambda n: None if n is None else n + 2 * self.padding  # noqa: E731
        return (b, grow(h), grow(w), c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def default_blocks(image_size):
    """The paper's rule: 9 residual blocks for 256x256 and larger, 6 below."""
    return 9 if image_size >= 256 else 6


def resnet_generator(
    input_shape=(256, 256, 3),
    output_channels=3,
    base_filters=64,
    num_blocks=None,
    seed=None,
    name="generator",
):
    """Builds CycleGAN's ResNet generator.

    Args:
        input_shape: tuple `(size, size, channels)`, the size a multiple of 4 (two stride-2
            levels). Defaults to `(256, 256, 3)`.
        output_channels: int. Defaults to 3.
        base_filters: int, filters of the first layer (the paper's 64); the two downsampling
            levels double it twice. Defaults to 64.
        num_blocks: optional int, residual blocks; None applies the paper's rule (6 below
            256x256, 9 from 256x256). Defaults to None.
        seed: optional int, seed of the N(0, 0.02) initialisers.
        name: string. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` `(batch, *input_shape)` -> `(batch, h, w, output_channels)`
        in [-1, 1].
    """
    height, width, _ = input_shape
    if height % 4 or width % 4 or height < 4:
        raise ValueError(
            "The ResNet generator downsamples twice by 2 and upsamples back, so the image size "
            f"must be a multiple of 4 (e.g. 16, 32, 128, 256). Received: input_shape={tuple(input_shape)}"
        )
    num_blocks = default_blocks(height) if num_blocks is None else num_blocks
    if not isinstance(num_blocks, int) or num_blocks < 0:
        raise ValueError(f"`num_blocks` must be an int >= 0. Received: num_blocks={num_blocks!r}")
    seeds = itertools.count(seed) if seed is not None else itertools.repeat(None)

    def init():
        return keras.initializers.RandomNormal(0.0, 0.02, seed=next(seeds))

    def instance_norm(layer_name):
        return layers.GroupNormalization(
            groups=-1, center=False, scale=False, epsilon=1e-5, name=f"{layer_name}_in"
        )

    source = keras.Input(tuple(input_shape), name="source")
    # c7s1-64: (batch, s, s, c) -> (batch, s, s, f)
    x = ReflectionPadding2D(3, name="c7_pad")(source)
    x = layers.Conv2D(base_filters, 7, kernel_initializer=init(), name="c7")(x)
    x = layers.ReLU()(instance_norm("c7")(x))
    filters = base_filters
    for level in (1, 2):
        # d(2f): (batch, s, s, f) -> (batch, s/2, s/2, 2f)
        filters *= 2
        x = layers.ZeroPadding2D(1, name=f"down{level}_pad")(x)
        x = layers.Conv2D(filters, 3, strides=2, kernel_initializer=init(), name=f"down{level}")(x)
        x = layers.ReLU()(instance_norm(f"down{level}")(x))
    for block in range(num_blocks):
        # R(4f): x + conv(relu(norm(conv(x)))), shapes unchanged
        y = ReflectionPadding2D(1, name=f"res{block}_pad_a")(x)
        y = layers.Conv2D(filters, 3, kernel_initializer=init(), name=f"res{block}_a")(y)
        y = layers.ReLU()(instance_norm(f"res{block}_a")(y))
        y = ReflectionPadding2D(1, name=f"res{block}_pad_b")(y)
        y = layers.Conv2D(filters, 3, kernel_initializer=init(), name=f"res{block}_b")(y)
        y = instance_norm(f"res{block}_b")(y)
        x = layers.Add(name=f"res{block}")([x, y])
    for level in (2, 1):
        # u(f/2): (batch, s, s, f) -> (batch, 2s, 2s, f/2); 3x3, stride 2, output 2s as the
        # reference's ConvTranspose2d(3, stride=2, padding=1, output_padding=1)
        filters //= 2
        x = Conv2DTranspose(
            filters, 3, strides=2, padding="same", kernel_initializer=init(), name=f"up{level}"
        )(x)
        x = layers.ReLU()(instance_norm(f"up{level}")(x))
    # c7s1-3 with tanh: (batch, s, s, f) -> (batch, s, s, output_channels) in [-1, 1]
    x = ReflectionPadding2D(3, name="out_pad")(x)
    x = layers.Conv2D(output_channels, 7, kernel_initializer=init(), name="out")(x)
    images = layers.Activation("tanh", name="tanh")(x)
    return keras.Model(source, images, name=name)
