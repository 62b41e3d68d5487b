r"""BigGAN's networks (Brock et al. 2019): SAGAN's residual networks, conditioned through a shared
class embedding and a hierarchical latent.

What BigGAN changes in the generator (section 3 of the paper, and the authors'
BigGAN-PyTorch `BigGAN.py` and `layers.py`):

- **A shared class embedding** $e(y)$ (`ClassEmbedding`, `shared_dim` wide, not spectrally
  normalised: the authors' comment says it cripples the generator), instead of a separate table
  of gains and biases per layer.
- **Hierarchical latents**: z is split into one chunk per resolution (`LatentChunks`), the
  first chunk to the dense layer that starts the image, each later chunk to one residual block,
  so the latent steers every scale directly. `latent_dim` must divide among the
  `stages + 1` slots (the paper's 120 = 6 x 20 at 128x128).
- **Linear conditional batch normalisation** (`LinearConditionalBatchNormalization`, the
  authors' `ccbn`): in each block, $\hat x \cdot (1 + W_\gamma c) + W_\beta c$ with
  $c = [e(y), z_i]$ and $W_\gamma$, $W_\beta$ spectrally normalised linear maps, so the gain
  starts at 1.

The discriminator is SAGAN's residual projection discriminator
(`keras_gan.networks.sagan.residual_projection_discriminator`) with BigGAN's widths. Both
networks have self-attention at one resolution and spectral normalisation on every weight but
the shared embedding; weights start orthogonal, as in the paper and the authors' ImageNet
runs, or Glorot-uniform, as in their CIFAR launch scripts (`initializer`).

Widths follow the authors' architecture tables (`G_arch`, `D_arch`), in multiples of
`base_filters` (their `ch`): at up to three stages (28x28, 32x32) their CIFAR networks,
4 `base_filters` throughout, the discriminator pooling all but its last stage and adding two
blocks that keep the size; at 64, 128 and 256 their ImageNet networks (128: the generator
16, 16, 8, 4, 2, 1 from 4x4 to 128x128; the discriminator 1, 2, 4, 8, 16, 16 from the image down
to 4x4).

Reference: https://arxiv.org/abs/1809.11096
"""

import keras
from keras import layers, ops

from keras_gan.networks.dcgan import _seeds, _stages
from keras_gan.networks.sagan import (
    SelfAttention,
    _conv,
    check_attention_resolution,
    residual_projection_discriminator,
)
from keras_gan.networks.sngan import SpectralNormalization

# The authors' batch normalisation: epsilon 1e-5, PyTorch momentum 0.1 (Keras' 0.9).
_BATCHNORM = dict(momentum=0.9, epsilon=1e-5)
# The weights' initialisers by name: orthogonal (Saxe et al. 2014), the paper's and the authors'
# ImageNet runs' (BigGAN-PyTorch --G_init ortho); Glorot-uniform, their CIFAR launch scripts'
# (--G_init xavier --D_init xavier) and SAGAN's.
INITIALIZERS = {
    "orthogonal": keras.initializers.Orthogonal,
    "glorot_uniform": keras.initializers.GlorotUniform,
}
# The ImageNet architectures' widths in multiples of base_filters, by number of stages: the
# generator's input width then each block's output; the discriminator's blocks (the last one
# keeping the size).
_GENERATOR_WIDTHS = {4: [16, 16, 8, 4, 2], 5: [16, 16, 8, 4, 2, 1], 6: [16, 16, 8, 8, 4, 2, 1]}
_DISCRIMINATOR_WIDTHS = {4: [1, 2, 4, 8, 16], 5: [1, 2, 4, 8, 16, 16], 6: [1, 2, 4, 8, 8, 16, 16]}


def _check_num_classes(num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(
            f"`num_classes` must be an integer >= 2. Received: num_classes={num_classes!r}"
        )


def initializer_class(name):
    """The initialiser class of one of `INITIALIZERS`' names.

    Raises:
        ValueError: naming the bad value and the accepted ones.
    """
    if name not in INITIALIZERS:
        raise ValueError(
            f"`initializer` must be one of {sorted(INITIALIZERS)}. Received: initializer={name!r}"
        )
    return INITIALIZERS[name]


def architecture(size):
    """BigGAN's widths at an image size, in multiples of `base_filters`.

    Returns:
        `(generator_widths, discriminator_widths, discriminator_downsample)`: the generator's
        input width and each block's output width (one block per stage), the discriminator's
        block widths, and which of its blocks pool.

    Raises:
        ValueError: a size with neither the CIFAR nor an ImageNet architecture, naming the
            accepted ones.
    """
    _, stages = _stages(size)
    if stages <= 3:  # the CIFAR networks: 4 ch throughout, D pools all stages but the last
        return [4] * (stages + 1), [4] * (stages + 1), [True] * (stages - 1) + [False] * 2
    if stages in _GENERATOR_WIDTHS and size == 4 * 2**stages:
        widths = _DISCRIMINATOR_WIDTHS[stages]
        return _GENERATOR_WIDTHS[stages], widths, [True] * stages + [False]
    raise ValueError(
        "BigGAN's networks are the authors' CIFAR ones (sizes that halve down to 4..7 in at most "
        f"three stages: 16 to 56, e.g. 28, 32) or their ImageNet ones (64, 128, 256). Received: "
        f"image size {size}"
    )


def check_latent_chunks(latent_dim, image_size, hierarchical=True):
    """Returns the size of each latent chunk, or raises a `ValueError` unless `latent_dim`
    divides among the generator's `stages + 1` slots (with `hierarchical`)."""
    if not hierarchical:
        return latent_dim
    _, stages = _stages(image_size)
    slots = stages + 1
    if latent_dim % slots:
        below, above = latent_dim - latent_dim % slots, latent_dim + slots - latent_dim % slots
        raise ValueError(
            f"BigGAN's hierarchical latent is split into {slots} equal chunks at "
            f"{image_size}x{image_size} (one for the first layer, one for each of the "
            f"{stages} blocks), so latent_dim must be a multiple of {slots}, e.g. {below} or "
            f"{above} (or hierarchical=False). Received: latent_dim={latent_dim}"
        )
    return latent_dim // slots


@keras.saving.register_keras_serializable(package="keras_gan")
class ClassEmbedding(layers.Layer):
    """A learned vector per class, `e(y)`: BigGAN's shared class embedding.

    Held as a `(num_classes, dim)` table looked up by a one-hot product (a dense gradient, the
    same update on every backend; a gather gives TensorFlow a sparse one that Keras' Adam treats
    differently).

    Args:
        num_classes: int >= 2.
        dim: int >= 1, the embedding's size.
        seed: optional int, seed of the table's initialiser.
        initializer: `"orthogonal"` or `"glorot_uniform"`, the table's initialiser. Defaults to
            `"orthogonal"`.
        **kwargs: base layer arguments (`name`).

    Input: labels `(batch,)`, integers in `[0, num_classes)`. Output: `(batch, dim)`.
    """

    def __init__(self, num_classes, dim, seed=None, initializer="orthogonal", **kwargs):
        super().__init__(**kwargs)
        _check_num_classes(num_classes)
        initializer_class(initializer)
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise ValueError(f"`dim` must be a positive integer. Received: dim={dim!r}")
        self.num_classes = num_classes
        self.dim = dim
        self.seed = seed
        self.initializer = initializer

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(self.num_classes, self.dim),
            initializer=initializer_class(self.initializer)(seed=self.seed),
            name="embeddings",
        )

    def call(self, labels):
        one_hot = ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"), self.num_classes)
        return ops.matmul(ops.cast(one_hot, self.embeddings.dtype), self.embeddings)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.dim)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "dim": self.dim,
            "seed": self.seed,
            "initializer": self.initializer,
        }


@keras.saving.register_keras_serializable(package="keras_gan")
class LatentChunks(layers.Layer):
    """Splits z `(batch, latent_dim)` into `num_chunks` equal chunks: the hierarchical latent.

    Args:
        num_chunks: int >= 1, dividing the input's size.
        **kwargs: base layer arguments (`name`).
    """

    def __init__(self, num_chunks, **kwargs):
        super().__init__(**kwargs)
        self.num_chunks = int(num_chunks)

    def build(self, input_shape):
        if input_shape[-1] % self.num_chunks:
            raise ValueError(
                f"LatentChunks splits z into {self.num_chunks} equal chunks: its size must be a "
                f"multiple of {self.num_chunks}. Received: size {input_shape[-1]}"
            )

    def call(self, z):
        return ops.split(z, self.num_chunks, axis=-1)

    def compute_output_shape(self, input_shape):
        size = input_shape[-1] // self.num_chunks
        return [(input_shape[0], size)] * self.num_chunks

    def get_config(self):
        return {**super().get_config(), "num_chunks": self.num_chunks}


@keras.saving.register_keras_serializable(package="keras_gan")
class LinearConditionalBatchNormalization(layers.Layer):
    r"""Batch normalisation whose gain and bias are linear in a conditioning vector c (BigGAN's
    `ccbn`): $\hat x \cdot (1 + W_\gamma c) + W_\beta c$.

    In BigGAN, c is the shared class embedding concatenated with the block's chunk of z, so the
    class and the latent set every block's gains; $W_\gamma$ and $W_\beta$ are bias-free and
    spectrally normalised, and the gain is 1 plus their output, so it starts near 1.

    Args:
        momentum: float, the moving statistics' momentum. Defaults to 0.9 (PyTorch's 0.1).
        epsilon: float. Defaults to 1e-5 (the authors').
        spectral_norm: bool, spectrally normalise $W_\gamma$ and $W_\beta$. Defaults to True.
        seed: optional int, seed of the two maps' initialisers (`seed`, `seed + 1`).
        initializer: `"orthogonal"` or `"glorot_uniform"`, the two maps' initialiser. Defaults
            to `"orthogonal"`.
        **kwargs: base layer arguments (`name`).

    Inputs: `[features (batch, ..., channels), conditioning (batch, d)]`. Output: the features'
    shape.
    """

    def __init__(
        self,
        momentum=0.9,
        epsilon=1e-5,
        spectral_norm=True,
        seed=None,
        initializer="orthogonal",
        **kwargs,
    ):
        super().__init__(**kwargs)
        initializer_class(initializer)
        self.initializer = initializer
        self.momentum = momentum
        self.epsilon = epsilon
        self.spectral_norm = bool(spectral_norm)
        self.seed = seed
        self.normalization = layers.BatchNormalization(
            center=False, scale=False, momentum=momentum, epsilon=epsilon, name="normalization"
        )

    def build(self, input_shape):
        features_shape, conditioning_shape = input_shape
        channels = features_shape[-1]
        self.normalization.build(features_shape)

        def linear(name, offset):
            dense = layers.Dense(
                channels,
                use_bias=False,
                kernel_initializer=initializer_class(self.initializer)(
                    seed=None if self.seed is None else self.seed + offset
                ),
                name=name,
            )
            return SpectralNormalization(dense, name=name) if self.spectral_norm else dense

        self.gain = linear("gain", 0)
        self.bias = linear("bias", 1)
        for map_ in (self.gain, self.bias):
            map_.build(tuple(conditioning_shape))

    def call(self, inputs, training=False):
        features, conditioning = inputs
        normalized = self.normalization(features, training=training)
        # (batch, channels), broadcast over the spatial axes
        shape = (-1,) + (1,) * (len(features.shape) - 2) + (features.shape[-1],)
        gain = 1.0 + ops.reshape(self.gain(conditioning, training=training), shape)
        bias = ops.reshape(self.bias(conditioning, training=training), shape)
        return normalized * gain + bias

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "spectral_norm": self.spectral_norm,
            "seed": self.seed,
            "initializer": self.initializer,
        }


def biggan_generator(
    image_shape=(32, 32, 3),
    latent_dim=128,
    num_classes=10,
    base_filters=64,
    shared_dim=128,
    attention_resolution=None,
    hierarchical=True,
    negative_slope=0.0,
    initializer="orthogonal",
    seed=None,
    name="generator",
):
    """Builds BigGAN's class-conditional residual generator.

    z -> chunks z_0..z_S (hierarchical) -> spectrally normalised dense of z_0 ->
    `(start, start, width)` -> one up-block per stage with c = [e(y), z_i] (linear conditional
    batch norm, ReLU, 2x nearest upsampling, 3x3 conv, linear conditional batch norm, ReLU, 3x3
    conv; shortcut: upsampling and a 1x1 conv) -> self-attention after the block whose output
    is `attention_resolution` -> batch norm, ReLU, 3x3 conv to the image's channels, tanh.

    Args:
        image_shape: tuple `(size, size, channels)`, a size `architecture` accepts. Defaults to
            `(32, 32, 3)`.
        latent_dim: int, size of z; with `hierarchical`, a multiple of the number of stages
            plus one. Defaults to 128.
        num_classes: int >= 2. Defaults to 10.
        base_filters: int, the authors' `ch`. Defaults to 64.
        shared_dim: int, size of the shared class embedding. Defaults to 128 (the authors').
        attention_resolution: optional int, where the self-attention block sits (an inner
            feature-map size); None: half the image size; 0: none. Defaults to None.
        hierarchical: bool, split z among the layers; False gives all of z to the first layer
            and only e(y) to the blocks. Defaults to True.
        negative_slope: float, the slope of every ReLU below zero: 0 the paper's ReLU, 0.2
            LoGAN's leaky ReLU (a smoother gradient with respect to z). Defaults to 0.
        initializer: `"orthogonal"` (the paper's) or `"glorot_uniform"` (the authors' CIFAR
            runs'), the initialiser of every weight but the attention block's. Defaults to
            `"orthogonal"`.
        seed: optional int, seed of the initialisers.
        name: str. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` mapping `[z (batch, latent_dim), labels (batch,)]` to
        images `(batch, *image_shape)` in [-1, 1].
    """
    size, _, channels = image_shape
    start, stages = _stages(size)
    widths, _, _ = architecture(size)
    _check_num_classes(num_classes)
    check_latent_chunks(latent_dim, size, hierarchical)
    attend_at = check_attention_resolution(size, attention_resolution, model="BigGAN")
    init = initializer_class(initializer)
    seeds = _seeds(seed)
    z = keras.Input((latent_dim,), name="latent")
    labels = keras.Input((), dtype="int32", name="labels")
    shared = ClassEmbedding(
        num_classes, shared_dim, seed=next(seeds), initializer=initializer, name="shared_embedding"
    )(labels)
    chunks = LatentChunks(stages + 1, name="latent_chunks")(z) if hierarchical else None
    # Every layer that feeds a batch normalisation has no bias (the authors' have one): the
    # normalisation subtracts the mean, so such a bias changes nothing, and Adam would scale its
    # float-noise gradient up to full-size steps. Every block's output feeds one.
    x = SpectralNormalization(
        layers.Dense(
            start * start * widths[0] * base_filters,
            use_bias=False,
            kernel_initializer=init(seed=next(seeds)),
        ),
        name="project",
    )(chunks[0] if hierarchical else z)
    x = layers.Reshape((start, start, widths[0] * base_filters))(x)
    for block in range(1, stages + 1):
        filters = widths[block] * base_filters
        # c = [e(y), z_block]: the class and this block's chunk of the latent
        conditioning = (
            layers.Concatenate(name=f"block{block}_conditioning")([shared, chunks[block]])
            if hierarchical
            else shared
        )

        def batch_norm(features, which):
            layer = LinearConditionalBatchNormalization(
                **_BATCHNORM,
                seed=next(seeds),
                initializer=initializer,
                name=f"block{block}_ccbn{which}",
            )
            return layer([features, conditioning])

        # (batch, s, s, w_in) -> (batch, 2s, 2s, w_out)
        shortcut = layers.UpSampling2D(2, interpolation="nearest")(x)
        shortcut = _conv(
            filters, 1, next(seeds), f"block{block}_shortcut", use_bias=False, initializer=init
        )(shortcut)
        h = layers.ReLU(negative_slope=negative_slope)(batch_norm(x, 1))
        h = layers.UpSampling2D(2, interpolation="nearest")(h)
        h = _conv(filters, 3, next(seeds), f"block{block}_conv1", use_bias=False, initializer=init)(
            h
        )
        h = layers.ReLU(negative_slope=negative_slope)(batch_norm(h, 2))
        h = _conv(filters, 3, next(seeds), f"block{block}_conv2", use_bias=False, initializer=init)(
            h
        )
        x = layers.Add(name=f"block{block}")([shortcut, h])
        if x.shape[1] == attend_at:
            x = SelfAttention(seed=next(seeds), name="attention")(x)
    x = layers.BatchNormalization(**_BATCHNORM, name="output_bn")(x)
    x = layers.ReLU(negative_slope=negative_slope)(x)
    x = _conv(channels, 3, next(seeds), "output_conv", initializer=init)(x)
    images = layers.Activation("tanh", name="tanh")(x)
    return keras.Model([z, labels], images, name=name)


def biggan_discriminator(
    image_shape=(32, 32, 3),
    num_classes=10,
    base_filters=64,
    attention_resolution=None,
    negative_slope=0.0,
    initializer="orthogonal",
    seed=None,
    name="discriminator",
):
    """Builds BigGAN's projection discriminator: SAGAN's residual blocks with the authors'
    widths (`architecture`), self-attention after the pooling block whose output is
    `attention_resolution`, ReLU, the sum over positions, $\\psi(\\phi(x)) + y^\\top V\\phi(x)$.

    Args:
        image_shape: tuple `(size, size, channels)`. Defaults to `(32, 32, 3)`.
        num_classes: int >= 2. Defaults to 10.
        base_filters: int, the authors' `ch`. Defaults to 64.
        attention_resolution: as in `biggan_generator`. Defaults to None.
        negative_slope: float, as in `biggan_generator`. Defaults to 0.
        initializer: as in `biggan_generator`, for the residual blocks (the projection head is
            Glorot-uniform, SAGAN's). Defaults to `"orthogonal"`.
        seed: optional int, seed of the initialisers.
        name: str. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` mapping `[images, labels (batch,)]` to scores `(batch, 1)`.
    """
    size = image_shape[0]
    _, widths, downsample = architecture(size)
    _check_num_classes(num_classes)
    attend_at = check_attention_resolution(size, attention_resolution, model="BigGAN")
    images = keras.Input(tuple(image_shape), name="images")
    labels = keras.Input((), dtype="int32", name="labels")
    scores = residual_projection_discriminator(
        images,
        labels,
        num_classes,
        [width * base_filters for width in widths],
        downsample,
        attend_at,
        _seeds(seed),
        initializer=initializer_class(initializer),
        negative_slope=negative_slope,
    )
    return keras.Model([images, labels], scores, name=name)
