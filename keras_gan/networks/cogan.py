"""CoGAN's coupled networks (Liu & Tuzel 2016): two generators and two discriminators that share
layers.

The generators decode z from high-level concepts (the first layers) to pixels (the last
layers); the discriminators encode images from pixels (the first layers) to concepts (the last
layers). Sharing the high-level layers -- the generators' first ones and the discriminators' last
ones -- is the one constraint that makes the pair of GANs learn a *joint* distribution: both
generators must decode the same z through the same concepts, so their two images correspond.

A shared layer is one Keras layer applied to both domains' tensors (one set of weights, the
gradients of both domains added); an unshared layer is two layers, one per domain. Each network
is one `keras.Model`: the generator maps z to `[image_a, image_b]`, the discriminator maps
`[image_a, image_b]` to `[logit_a, logit_b]`.

The layers follow the authors' PyTorch code for digits and edges (`cogan_pytorch/src/
net_cogan_mnistedge.py` in mingyuliutw/CoGAN), where the generators share four of five layers
and the discriminators three of four:

* generator: z -> transposed convolution to 4x4 (8b channels) -> three 3x3 stride-2
  transposed convolutions (4b, 2b, b channels), each with batch norm without scale or shift and
  PReLU -> the per-domain output layer, a 6x6 transposed convolution (tanh here, a sigmoid in
  the authors' [0, 1] images). b is `base_filters`: the authors' 128 (1024 channels at 4x4).
* discriminator: the per-domain 5x5 convolution (20 channels) and 2x2 max-pooling -> 5x5
  convolution (50) and max-pooling -> a convolution over the whole remaining map (500 channels)
  with PReLU -> a 1x1 convolution to the logit. The authors' network has no activation after
  the first two convolutions (the max-pooling is its non-linearity) and two softmax logits; one
  sigmoid logit is the same classifier (a two-way softmax depends only on the logits'
  difference).
* weights: Xavier-uniform with gain sqrt(2), biases 0.1 (the authors' `xavier_weights_init`);
  PReLU slopes start at 0.25, one per layer (PyTorch's `nn.PReLU()`).

The authors' sizes are for 28x28: 4 -> 7 -> 13 -> 25 -> 28 in the generator (PyTorch's
`padding=1` crops one pixel at each border of a transposed convolution), 28 -> 24 -> 12 -> 8 ->
4 -> 1 in the discriminator. Other square sizes that are multiples of 4 keep every layer and
change two numbers: the generator starts at `(size + 4) // 8` and its output kernel grows to
reach the size; the discriminator's third convolution spans the map that is left.

Reference: https://arxiv.org/abs/1606.07536
"""

import keras
from keras import layers

from keras_gan.layers import Conv2DTranspose

#: Layers of each generator, from z to pixels; the first `shared_layers` are shared.
GENERATOR_LAYERS = 5
#: Layers of each discriminator, from pixels to the logit; the last `shared_layers` are shared.
DISCRIMINATOR_LAYERS = 4
# The authors' discriminator widths (LeNet's 20 and 50, then 500).
_DISCRIMINATOR_WIDTHS = (20, 50, 500)
# PyTorch's nn.PReLU(): one slope per layer, initialised at 0.25.
_PRELU_SLOPE = 0.25
# The authors' `xavier_weights_init`: xavier_uniform(gain=sqrt(2)) kernels, biases 0.1.
_BIAS = 0.1


def _kernel_init(seed):
    # xavier_uniform with gain g has limit g sqrt(6 / (fan_in + fan_out)); VarianceScaling
    # (fan_avg, uniform) has limit sqrt(3 scale / fan_avg) = sqrt(6 scale / (fan_in + fan_out)):
    # scale = g^2 = 2.
    return keras.initializers.VarianceScaling(2.0, "fan_avg", "uniform", seed=seed)


def check_image_shape(image_shape):
    """Returns `image_shape` as a tuple after checking the coupled networks can be built for it.

    Raises:
        ValueError: a shape that is not `(size, size, channels)` with a size that is a multiple
            of 4 and at least 16.
    """
    shape = tuple(image_shape)
    if (
        len(shape) != 3
        or shape[0] != shape[1]
        or not all(isinstance(s, int) and s > 0 for s in shape)
        or shape[0] % 4
        or shape[0] < 16
    ):
        raise ValueError(
            "CoGAN's networks need square images whose size is a multiple of 4, at least 16 "
            f"(e.g. (28, 28, 1)). Received: image_shape={shape}"
        )
    return shape


def check_shared_layers(shared_layers, total, network, argument="shared_layers"):
    """Returns `shared_layers` as an int after checking it lies in [0, total - 1].

    `argument` is the name the value was given as, for the message."""
    if (
        isinstance(shared_layers, bool)
        or not isinstance(shared_layers, int)
        or not 0 <= shared_layers < total
    ):
        raise ValueError(
            f"The {network} has {total} layers and each domain keeps at least its own "
            f"{'last' if network == 'generator' else 'first'} one, so it can share 0 to "
            f"{total - 1}. Received: {argument}={shared_layers!r}"
        )
    return shared_layers


def _seeds(seed):
    """One seed per initialiser (a shared int seed would give same-shaped layers equal weights)."""
    return iter(range(seed, seed + 1000)) if seed is not None else iter(lambda: None, 0)


def _prelu(name):
    return layers.PReLU(keras.initializers.Constant(_PRELU_SLOPE), shared_axes=[1, 2, 3], name=name)


def cogan_generator(
    image_shape=(28, 28, 1), latent_dim=100, base_filters=128, shared_layers=4, seed=None,
    name="generator",
):  # fmt: skip
    """Builds CoGAN's two generators as one model: z -> `[image_a, image_b]` in [-1, 1].

    Args:
        image_shape: tuple `(size, size, channels)` of both domains, a size that is a multiple
            of 4, at least 16. Defaults to `(28, 28, 1)`.
        latent_dim: int, size of z. Defaults to 100 (the authors').
        base_filters: int, width b of the last hidden layer; the hidden layers have 8b, 4b, 2b,
            b channels. Defaults to 128 (the authors' 1024, 512, 256, 128).
        shared_layers: int in [0, 4], how many of the five layers, from z on, the two generators
            share. Defaults to 4 (the authors': all but the output layer).
        seed: optional int, seed of the weight initialisers.
        name: str. Defaults to `"generator"`.

    Returns:
        A `keras.Model` with two outputs.
    """
    size, _, channels = check_image_shape(image_shape)
    check_shared_layers(shared_layers, GENERATOR_LAYERS, "generator")
    start = (size + 4) // 8  # the authors' 4 at 28x28
    # Three stride-2 layers take `start` to 8 start - 7; the output layer (PyTorch padding 1)
    # adds kernel - 3: kernel = size - 8 start + 10, the authors' 6 at 28x28.
    output_kernel = size - 8 * start + 10
    seeds = _seeds(seed)

    def transposed(filters, kernel, strides, crop, layer_name):
        # PyTorch's ConvTranspose2d(padding=p) is the "valid" transposed convolution with p
        # pixels cropped at each border.
        return [
            Conv2DTranspose(
                filters, kernel, strides=strides, padding="valid",
                kernel_initializer=_kernel_init(next(seeds)),
                bias_initializer=keras.initializers.Constant(_BIAS), name=f"{layer_name}_conv",
            ),
            layers.Cropping2D(crop, name=f"{layer_name}_crop"),
        ]  # fmt: skip

    def hidden(filters, kernel, strides, crop):
        # transposed convolution -> batch norm without gain or shift -> PReLU
        def make(layer_name):
            return keras.Sequential(
                [
                    *transposed(filters, kernel, strides, crop, layer_name),
                    layers.BatchNormalization(
                        center=False,
                        scale=False,
                        momentum=0.9,
                        epsilon=1e-5,
                        name=f"{layer_name}_norm",
                    ),
                    _prelu(f"{layer_name}_prelu"),
                ],  # fmt: skip
                name=layer_name,
            )

        return make

    def output(layer_name):
        return keras.Sequential(
            transposed(channels, output_kernel, 1, 1, layer_name), name=layer_name
        )

    plan = [
        hidden(8 * base_filters, start, 1, 0),  # 1x1 -> start x start
        hidden(4 * base_filters, 3, 2, 1),  # -> 2 start - 1
        hidden(2 * base_filters, 3, 2, 1),
        hidden(base_filters, 3, 2, 1),  # -> 8 start - 7
        output,  # -> size
    ]
    z = keras.Input((latent_dim,), name="z")
    shared = layers.Reshape((1, 1, latent_dim), name="z_as_map")(z)
    # The first layers: one for both domains (high-level concepts, shared) ...
    for index in range(shared_layers):
        shared = plan[index](f"layer{index + 1}_shared")(shared)
    # ... the rest: each domain its own (low-level details).
    images = []
    for domain in "ab":
        x = shared
        for index in range(shared_layers, GENERATOR_LAYERS):
            x = plan[index](f"layer{index + 1}_{domain}")(x)
        images.append(layers.Activation("tanh", dtype="float32", name=f"image_{domain}")(x))
    return keras.Model(z, images, name=name)


def cogan_discriminator(image_shape=(28, 28, 1), shared_layers=3, seed=None, name="discriminator"):
    """Builds CoGAN's two discriminators as one model: `[image_a, image_b]` -> `[logit_a, logit_b]`.

    Args:
        image_shape: tuple `(size, size, channels)` of both domains, a size that is a multiple
            of 4, at least 16. Defaults to `(28, 28, 1)`.
        shared_layers: int in [0, 3], how many of the four layers, counted back from the logit,
            the two discriminators share. Defaults to 3 (the authors': all but the first).
        seed: optional int, seed of the weight initialisers.
        name: str. Defaults to `"discriminator"`.

    Returns:
        A `keras.Model` with two inputs and two outputs, one logit per image.
    """
    image_shape = check_image_shape(image_shape)
    check_shared_layers(shared_layers, DISCRIMINATOR_LAYERS, "discriminator")
    # 5x5 valid convolutions and 2x2 pooling: size -> (size - 4) / 2 -> ((size - 4) / 2 - 4) / 2,
    # the authors' 28 -> 12 -> 4; the third convolution spans what is left.
    remaining = ((image_shape[0] - 4) // 2 - 4) // 2
    seeds = _seeds(seed)

    def convolution(filters, kernel, pool=False, prelu=False):
        def make(layer_name):
            stack = [
                layers.Conv2D(
                    filters, kernel, kernel_initializer=_kernel_init(next(seeds)),
                    bias_initializer=keras.initializers.Constant(_BIAS), name=f"{layer_name}_conv",
                )
            ]  # fmt: skip
            if pool:
                stack.append(layers.MaxPooling2D(2, name=f"{layer_name}_pool"))
            if prelu:
                stack.append(_prelu(f"{layer_name}_prelu"))
            return keras.Sequential(stack, name=layer_name)

        return make

    plan = [
        convolution(_DISCRIMINATOR_WIDTHS[0], 5, pool=True),
        convolution(_DISCRIMINATOR_WIDTHS[1], 5, pool=True),
        convolution(_DISCRIMINATOR_WIDTHS[2], remaining, prelu=True),
        convolution(1, 1),
    ]
    images = [keras.Input(image_shape, name=f"image_{domain}") for domain in "ab"]
    first_shared = DISCRIMINATOR_LAYERS - shared_layers
    # The first layers: each domain its own (low-level features) ...
    features = []
    for domain, x in zip("ab", images):
        for index in range(first_shared):
            x = plan[index](f"layer{index + 1}_{domain}")(x)
        features.append(x)
    # ... the last: one for both domains (high-level concepts, shared), applied to each.
    for index in range(first_shared, DISCRIMINATOR_LAYERS):
        layer = plan[index](f"layer{index + 1}_shared")
        features = [layer(x) for x in features]
    logits = [
        layers.Flatten(dtype="float32", name=f"logit_{domain}")(x)
        for domain, x in zip("ab", features)
    ]
    return keras.Model(images, logits, name=name)
