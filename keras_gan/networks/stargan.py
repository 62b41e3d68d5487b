"""StarGAN's networks (Choi et al. 2018, appendix 7.2; the authors' `model.py`).

Generator: the image and the target domain label c (tiled over the image, one channel per
attribute) concatenated, then

    c7s1-64, d128, d256, R256 x 6, u128, u64, c7s1-3 (tanh)

with zero padding, convolutions without bias, and instance normalisation with a learned scale
and shift after every convolution but the last (`dk`: 4x4 convolution, stride 2; `uk`: 4x4
transposed convolution, stride 1/2; `Rk`: two 3x3 convolutions added to their input).

Discriminator: 4x4 stride-2 convolutions doubling from 64 filters, each followed by a leaky ReLU
of slope 0.01 and no normalisation (the gradient penalty is per sample, as in WGAN-GP), then
two heads on the last feature map:
D_src, a 3x3 convolution to one score per patch (PatchGAN), and D_cls, a convolution as large
as the map, to one logit per attribute.

Keras has no instance normalisation layer: `GroupNormalization(groups=-1)` (one group per
channel) with `center` and `scale` is the reference code's `InstanceNorm2d(affine=True)`. The
reference also sets `track_running_stats=True`, whose running averages PyTorch reads only in
`eval()` mode, which the authors' training and test code never enter: the statistics here are
always the image's own. The authors keep PyTorch's default initialisation, U(-b, b) with
b = 1/sqrt(fan_in) (`torch_default_initializer`); the biases start at zero here.

Reference: https://arxiv.org/abs/1711.09020 (code: yunjey/stargan, `model.py`).
"""

import itertools

import keras
from keras import layers, ops

from keras_gan.layers import Conv2DTranspose


def default_discriminator_layers(image_size):
    """Stride-2 layers that keep the last feature map at least 2x2: 6 at 128x128 (the paper's
    2x2 map), 3 at 28x28 (3x3)."""
    size, count = int(image_size), 0
    while (size + 2 - 4) // 2 + 1 >= 2:
        size, count = (size + 2 - 4) // 2 + 1, count + 1
    return count


@keras.saving.register_keras_serializable(package="keras_gan")
class TiledLabel(layers.Layer):
    """Concatenates a label vector to every pixel: `(b, h, w, c)`, `(b, k)` -> `(b, h, w, c + k)`.

    StarGAN's generator input: "the target domain label ... spatially replicated and
    concatenated with the input image".
    """

    def call(self, images, labels):
        shape = ops.shape(images)
        # (b, k) -> (b, 1, 1, k) -> (b, h, w, k)
        tiled = ops.broadcast_to(
            ops.cast(labels, images.dtype)[:, None, None, :],
            (shape[0], shape[1], shape[2], ops.shape(labels)[-1]),
        )
        return ops.concatenate([images, tiled], axis=-1)

    def compute_output_shape(self, images_shape, labels_shape):
        return (*images_shape[:-1], images_shape[-1] + labels_shape[-1])


def torch_default_initializer(seed=None):
    """PyTorch's default convolution weights, U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    `kaiming_uniform_(a=sqrt(5))` has gain sqrt(1/3), so its bound sqrt(3) gain / sqrt(fan_in)
    is 1/sqrt(fan_in): a `VarianceScaling` of scale 1/3, uniform, over fan_in.
    """
    return keras.initializers.VarianceScaling(1.0 / 3.0, "fan_in", "uniform", seed=seed)


def _instance_norm(name):
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=f"{name}_in")


def _check_shape(image_shape, multiple, what):
    height, width, _ = image_shape
    if height % multiple or width % multiple or height < multiple:
        raise ValueError(f"{what} Received: image_shape={tuple(image_shape)}")


def stargan_generator(
    image_shape=(128, 128, 3), num_attributes=5, base_filters=64, num_blocks=6, seed=None,
    name="generator",
):  # fmt: skip
    """Builds StarGAN's generator G(x, c).

    Args:
        image_shape: tuple `(size, size, channels)`, the size a multiple of 4 (two stride-2
            levels). Defaults to `(128, 128, 3)`.
        num_attributes: int, the width of the domain label c. Defaults to 5 (the paper's
            CelebA attributes).
        base_filters: int, filters of the first layer (the paper's 64). Defaults to 64.
        num_blocks: int >= 0, residual blocks in the bottleneck (the paper's 6). Defaults to 6.
        seed: optional int, seed of the initialisers.
        name: string. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` `[(b, *image_shape), (b, num_attributes)]` ->
        `(b, *image_shape)` in [-1, 1].
    """
    image_shape = tuple(image_shape)
    _check_shape(
        image_shape, 4,
        "StarGAN's generator downsamples twice by 2 and upsamples back, so the image size must "
        "be a multiple of 4 (e.g. 28, 32, 128).",
    )  # fmt: skip
    if not isinstance(num_blocks, int) or isinstance(num_blocks, bool) or num_blocks < 0:
        raise ValueError(f"`num_blocks` must be an int >= 0. Received: num_blocks={num_blocks!r}")
    seeds = itertools.count(seed) if seed is not None else itertools.repeat(None)

    def conv(filters, kernel, strides=1, layer_name=None):
        return layers.Conv2D(
            filters, kernel, strides=strides, use_bias=False, name=layer_name,
            kernel_initializer=torch_default_initializer(next(seeds)),
        )  # fmt: skip

    images = keras.Input(image_shape, name="images")
    labels = keras.Input((num_attributes,), name="target_attributes")
    # [x, c tiled]: (b, h, w, channels + k)
    x = TiledLabel(name="tiled_label")(images, labels)
    # c7s1-64: 7x7, stride 1, zero padding 3
    x = layers.ZeroPadding2D(3, name="c7_pad")(x)
    x = layers.ReLU()(_instance_norm("c7")(conv(base_filters, 7, layer_name="c7")(x)))
    filters = base_filters
    for level in (1, 2):
        # d(2f): 4x4, stride 2, padding 1: (b, s, s, f) -> (b, s/2, s/2, 2f)
        filters *= 2
        x = layers.ZeroPadding2D(1, name=f"down{level}_pad")(x)
        x = conv(filters, 4, 2, f"down{level}")(x)
        x = layers.ReLU()(_instance_norm(f"down{level}")(x))
    for block in range(num_blocks):
        # R: x + IN(conv(ReLU(IN(conv(x))))), 3x3 with zero padding 1
        y = conv(filters, 3, layer_name=f"res{block}_a")(layers.ZeroPadding2D(1)(x))
        y = layers.ReLU()(_instance_norm(f"res{block}_a")(y))
        y = conv(filters, 3, layer_name=f"res{block}_b")(layers.ZeroPadding2D(1)(y))
        x = layers.Add(name=f"res{block}")([x, _instance_norm(f"res{block}_b")(y)])
    for level in (2, 1):
        # u(f/2): 4x4 transposed, stride 2, padding 1: (b, s, s, f) -> (b, 2s, 2s, f/2)
        filters //= 2
        x = Conv2DTranspose(
            filters, 4, strides=2, padding="same", use_bias=False, name=f"up{level}",
            kernel_initializer=torch_default_initializer(next(seeds)),
        )(x)  # fmt: skip
        x = layers.ReLU()(_instance_norm(f"up{level}")(x))
    # c7s1-channels with tanh
    x = layers.ZeroPadding2D(3, name="out_pad")(x)
    x = conv(image_shape[-1], 7, layer_name="out")(x)
    return keras.Model([images, labels], layers.Activation("tanh", name="tanh")(x), name=name)


def stargan_discriminator(
    image_shape=(128, 128, 3), num_attributes=5, base_filters=64, num_layers=None, seed=None,
    name="discriminator",
):  # fmt: skip
    """Builds StarGAN's discriminator D(x) = (D_src(x), D_cls(x)).

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to `(128, 128, 3)`.
        num_attributes: int, logits of D_cls. Defaults to 5.
        base_filters: int, filters of the first layer (the paper's 64). Defaults to 64.
        num_layers: optional int >= 1, stride-2 layers; None: `default_discriminator_layers`
            (6 at 128x128, as the paper).
        seed: optional int, seed of the initialisers.
        name: string. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` `(b, *image_shape)` -> `[(b, h', w', 1), (b,
        num_attributes)]`: the real/fake score of each patch and the attribute logits.
    """
    image_shape = tuple(image_shape)
    height = image_shape[0]
    if num_layers is None:
        num_layers = default_discriminator_layers(height)
    most = default_discriminator_layers(height) + 1
    if (
        not isinstance(num_layers, int)
        or isinstance(num_layers, bool)
        or not 1 <= num_layers <= most
    ):
        raise ValueError(
            f"`num_layers` must be an int from 1 to {most} for {height}x{height} images (each "
            f"halves the map). Received: num_layers={num_layers!r}"
        )
    seeds = itertools.count(seed) if seed is not None else itertools.repeat(None)

    def init():
        return torch_default_initializer(next(seeds))

    images = keras.Input(image_shape, name="images")
    x, filters = images, base_filters
    for layer in range(num_layers):
        # 4x4, stride 2, padding 1, leaky ReLU 0.01: the map halves, the filters double
        x = layers.ZeroPadding2D(1, name=f"conv{layer}_pad")(x)
        x = layers.Conv2D(filters, 4, strides=2, kernel_initializer=init(), name=f"conv{layer}")(x)
        x = layers.LeakyReLU(0.01)(x)
        filters *= 2
    # D_src: one score per patch, 3x3, stride 1, padding 1, no bias
    scores = layers.Conv2D(
        1, 3, padding="same", use_bias=False, kernel_initializer=init(), name="source_scores"
    )(x)
    # D_cls: a convolution as large as the map -> (b, 1, 1, k) -> (b, k)
    size = tuple(x.shape[1:3])
    logits = layers.Conv2D(
        num_attributes, size, use_bias=False, kernel_initializer=init(), name="attribute_logits"
    )(x)
    logits = layers.Reshape((num_attributes,), name="attribute_logits_flat")(logits)
    return keras.Model(images, [scores, logits], name=name)
