r"""The PatchGAN discriminator of pix2pix and CycleGAN (Isola et al. 2017, section 3.2.2).

Instead of one real/fake score per image, a fully convolutional network outputs a grid of logits,
each judging one N x N patch of the input (its receptive field); the loss averages over the grid.
The paper's 70x70 discriminator (appendix 6.1.2) is C64-C128-C256-C512 (4x4 convolutions, the
first three stride 2, the fourth stride 1, LeakyReLU 0.2, no normalisation on C64) and a final
4x4 stride-1 convolution to one channel. With `n` stride-2 levels the receptive field is

$$r = 1 \to 4 \to 7 \to 16 \to 34 \to 70 \to 142 \to 286, \qquad r_{in} = (r_{out} - 1)\,s + k$$

read from the output back to the input: 16 (n = 1), 34 (n = 2), 70 (n = 3, the paper's default),
142 (n = 4), 286 (n = 5, the "ImageGAN" of a 256x256 image). `receptive_field` picks it.

pix2pix's discriminator is conditional: it sees the source and the (real or translated) target
concatenated along the channels, and uses BatchNorm. CycleGAN's is unconditional and uses instance
normalisation. Reference code: junyanz/pytorch-CycleGAN-and-pix2pix, `NLayerDiscriminator`.

Reference: https://arxiv.org/abs/1611.07004
"""

import itertools

import keras
from keras import layers

#: Receptive field (pixels) -> number of stride-2 convolutions.
RECEPTIVE_FIELDS = {16: 1, 34: 2, 70: 3, 142: 4, 286: 5}


def receptive_field(layer_specs):
    """The receptive field of a stack of convolutions, from `(kernel, stride)` pairs.

    Walks from the output back to the input: one output pixel sees `r_in = (r_out - 1) * s + k`
    input pixels through a layer of kernel k and stride s.

    Args:
        layer_specs: list of `(kernel_size, stride)`, input layer first.

    Returns:
        int, the side of the square input patch one output value depends on.
    """
    field = 1
    for kernel, stride in reversed(list(layer_specs)):
        field = (field - 1) * stride + kernel
    return field


def conv_specs(model):
    """`(kernel, stride)` of every `Conv2D` of a model, input first (for `receptive_field`)."""
    return [
        (layer.kernel_size[0], layer.strides[0])
        for layer in model.layers
        if isinstance(layer, layers.Conv2D)
    ]


def output_size(image_size, levels):
    """Side of the logit grid for `image_size` inputs and `levels` stride-2 convolutions.

    Stride-2 4x4 convolutions with one pixel of padding halve the size (rounding down); the two
    stride-1 4x4 convolutions with one pixel of padding each remove one pixel.
    """
    size = int(image_size)
    for _ in range(levels):
        size = (size + 2 - 4) // 2 + 1
    return size - 2


def patchgan_discriminator(
    image_shape=(256, 256, 3),
    condition_channels=0,
    base_filters=64,
    receptive_field=70,
    norm="batch",
    seed=None,
    name="discriminator",
):
    """Builds a PatchGAN discriminator: image(s) -> grid of patch logits.

    Args:
        image_shape: tuple `(height, width, channels)` of the judged images.
            Defaults to `(256, 256, 3)`.
        condition_channels: int, channels of a conditioning image (pix2pix's source), taken as
            a second input and concatenated with the judged image; 0 for an unconditional
            discriminator with one input (CycleGAN). Defaults to 0.
        base_filters: int, filters of the first convolution; later ones double up to 8x.
            Defaults to 64, the paper's.
        receptive_field: int, side of the patch each logit judges: 16, 34, 70, 142 or 286.
            Defaults to 70, the paper's.
        norm: `"batch"` (pix2pix), `"instance"` (CycleGAN) or `"none"`. Defaults to `"batch"`.
        seed: optional int, seed of the weight initialisers.
        name: string. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` mapping images `(batch, h, w, c)` (or `[source, images]`
        when conditional) to logits `(batch, h', w', 1)`, no sigmoid.

    Raises:
        ValueError: for an unknown receptive field or norm, or images too small to leave at
            least one patch.
    """
    if receptive_field not in RECEPTIVE_FIELDS:
        raise ValueError(
            f"`receptive_field` must be one of {sorted(RECEPTIVE_FIELDS)} (4x4 convolutions, "
            f"1..5 of stride 2). Received: receptive_field={receptive_field!r}"
        )
    if norm not in ("batch", "instance", "none"):
        raise ValueError(f"`norm` must be 'batch', 'instance' or 'none'. Received: norm={norm!r}")
    height, width, channels = image_shape
    levels = RECEPTIVE_FIELDS[receptive_field]
    if min(output_size(height, levels), output_size(width, levels)) < 1:
        smallest = 3 * 2**levels
        raise ValueError(
            f"A {receptive_field}x{receptive_field} PatchGAN ({levels} stride-2 convolutions and two "
            f"stride-1) needs images of at least {smallest}x{smallest}. Received: image_shape="
            f"{tuple(image_shape)}. Use a smaller receptive_field "
            f"({', '.join(str(r) for r, n in RECEPTIVE_FIELDS.items() if 3 * 2**n <= min(height, width)) or 'none fits'})."
        )
    seeds = itertools.count(seed) if seed is not None else itertools.repeat(None)

    def conv(filters, stride, use_bias, layer_name):
        # 4x4 convolution with one pixel of zero padding, as the reference code's padding=1
        return [
            layers.ZeroPadding2D(1, name=f"{layer_name}_pad"),
            layers.Conv2D(
                filters, 4, strides=stride, padding="valid", use_bias=use_bias,
                kernel_initializer=keras.initializers.RandomNormal(0.0, 0.02, seed=next(seeds)),
                name=layer_name,
            ),
        ]  # fmt: skip

    def normalise(layer_name):
        if norm == "batch":
            return layers.BatchNormalization(
                momentum=0.9, epsilon=1e-5, name=f"{layer_name}_bn",
                gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02, seed=next(seeds)),
            )  # fmt: skip
        # Instance norm: per-sample, per-channel statistics over space; no affine parameters,
        # as the reference code's InstanceNorm2d(affine=False).
        return layers.GroupNormalization(
            groups=-1, center=False, scale=False, epsilon=1e-5, name=f"{layer_name}_in"
        )

    images = keras.Input(tuple(image_shape), name="images")
    inputs = images
    x = images
    if condition_channels:
        source = keras.Input((height, width, condition_channels), name="source")
        inputs = [source, images]
        # The conditional discriminator sees (x, y): (batch, h, w, c_x + c_y)
        x = layers.Concatenate(name="condition")([source, images])
    # Instance norm has no shift, so those convolutions keep their bias (reference: use_bias =
    # norm is InstanceNorm); BatchNorm's beta replaces the bias.
    use_bias = norm != "batch"
    stack = []
    filters = base_filters
    for level in range(levels + 1):
        # Levels 0..n-1: stride 2, halving the size; level n: stride 1. No norm on level 0.
        stride = 2 if level < levels else 1
        stack += conv(filters, stride, level == 0 or use_bias, f"conv{level}")
        if level > 0 and norm != "none":
            stack.append(normalise(f"conv{level}"))
        stack.append(layers.LeakyReLU(0.2, name=f"conv{level}_lrelu"))
        filters = min(filters * 2, 8 * base_filters)
    # One logit per patch: (batch, h', w', f) -> (batch, h' - 1, w' - 1, 1)
    stack += conv(1, 1, True, "logits")
    for layer in stack:
        x = layer(x)
    return keras.Model(inputs, x, name=name)
