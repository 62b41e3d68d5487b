r"""SAGAN's networks (Zhang et al. 2019): residual blocks, self-attention, class conditioning.

Three layers that later class-conditional variants (BigGAN) reuse:

- `SelfAttention`, the paper's section 3 block: from a feature map $x$ with $C$ channels,
  queries $f(x)$ and keys $g(x)$ at $C/8$ channels, values $h(x)$ at $C/2$, each a 1x1
  spectrally normalised convolution without bias; keys and values are 2x2 max-pooled (the
  authors' `sn_non_local_block_sim`), so each of the $N$ positions attends over $N/4$;
  $\beta = \mathrm{softmax}(f(x)\, g(x)^\top)$ over the keys, $o = v(\beta\, h(x))$ back to $C$
  channels by a fourth 1x1 convolution, and the output $y = x + \gamma\, o$ with a learned scalar
  gain $\gamma$ that starts at 0, so the network first relies on local evidence and learns how
  much non-local evidence to add.
- `ConditionalBatchNormalization`: batch normalisation without its own scale and offset,
  followed by a gain $\gamma_y$ and a bias $\beta_y$ looked up for each sample's class $y$
  (the generator's class conditioning, as the authors' `ConditionalBatchNorm`).
- `ClassProjection`: the projection discriminator's class term $y^\top V \phi(x)$ (Miyato &
  Koyama 2018), the inner product of the class's embedding row $V_y$ (spectrally normalised as
  the authors' `sn_embedding`) with the discriminator's pooled features $\phi(x)$; the
  discriminator's score is $\psi(\phi(x)) + y^\top V \phi(x)$ (`projection_score`).

`sagan_generator` and `sagan_discriminator` build the authors' residual networks (their
`generator.py`/`discriminator.py` blocks: nearest-neighbour upsampling and conditional batch
normalisation in the generator's blocks, average pooling in the discriminator's, a 1x1
convolution on the shortcut), at any square size that halves down to 4..7 (28, 32, 64, ...),
with one self-attention block at `attention_resolution` in each network and spectral
normalisation on every convolution and dense layer of both (section 4: "we use spectral
normalization for the layers in both the generator and the discriminator").

Reference: https://arxiv.org/abs/1805.08318
"""

import keras
from keras import layers, ops

from keras_gan.networks.dcgan import _seeds, _stages
from keras_gan.networks.sngan import SpectralNormalization

# The authors' ops.py batch normalisation: decay 0.9, epsilon 1e-5.
_BATCHNORM = dict(momentum=0.9, epsilon=1e-5)


def _conv(filters, kernel, seed, name, use_bias=True, initializer=keras.initializers.GlorotUniform):
    """A spectrally normalised `kernel`x`kernel` stride-1 convolution (by default the SAGAN
    authors' Xavier initialisation)."""
    return SpectralNormalization(
        layers.Conv2D(
            filters,
            kernel,
            padding="same",
            use_bias=use_bias,
            kernel_initializer=initializer(seed=seed),
        ),
        name=name,
    )


@keras.saving.register_keras_serializable(package="keras_gan")
class SelfAttention(layers.Layer):
    r"""SAGAN's self-attention block: $y = x + \gamma\, v\big(\mathrm{softmax}(f(x)\,
    g(x)^\top)\, h(x)\big)$, $\gamma$ initialised at 0.

    Args:
        key_ratio: int, queries and keys have `channels // key_ratio` channels (at least 1).
            Defaults to 8 (the paper's $C/8$).
        value_ratio: int, values have `channels // value_ratio` channels (at least 1). Defaults
            to 2 (the authors' code).
        pool_size: int, keys and values are max-pooled by this factor in both directions, so
            each position attends over `N / pool_size**2` positions. 1 disables pooling.
            Defaults to 2 (the authors' code).
        spectral_norm: bool, spectrally normalise the four 1x1 convolutions. Defaults to True.
        seed: optional int, seed of the 1x1 convolutions' initialisers.
        **kwargs: base layer arguments (`name`).

    Input: a feature map `(batch, height, width, channels)`, its height and width divisible by
    `pool_size`. Output: the same shape.
    """

    def __init__(
        self, key_ratio=8, value_ratio=2, pool_size=2, spectral_norm=True, seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        for name, value in (
            ("key_ratio", key_ratio),
            ("value_ratio", value_ratio),
            ("pool_size", pool_size),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
        self.key_ratio = key_ratio
        self.value_ratio = value_ratio
        self.pool_size = pool_size
        self.spectral_norm = bool(spectral_norm)
        self.seed = seed

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(
                "SelfAttention takes feature maps (batch, height, width, channels). Received: "
                f"input of shape {tuple(input_shape)}"
            )
        _, height, width, channels = input_shape
        if height % self.pool_size or width % self.pool_size:
            raise ValueError(
                f"SelfAttention max-pools keys and values by pool_size={self.pool_size}: the "
                f"height and width must be divisible by it. Received: {height}x{width}"
            )
        seeds = _seeds(self.seed)

        def conv(filters, name):
            conv_layer = layers.Conv2D(
                filters,
                1,
                use_bias=False,
                kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
                name=name,
            )
            return (
                SpectralNormalization(conv_layer, name=name) if self.spectral_norm else conv_layer
            )

        # At least one channel each, for networks narrower than the ratios
        key_channels = max(1, channels // self.key_ratio)
        value_channels = max(1, channels // self.value_ratio)
        self.query = conv(key_channels, "query")  # f(x)
        self.key = conv(key_channels, "key")  # g(x)
        self.value = conv(value_channels, "value")  # h(x)
        self.output_conv = conv(channels, "output")  # v(.)
        self.query.build(input_shape)
        self.key.build(input_shape)
        self.value.build(input_shape)
        self.output_conv.build((*input_shape[:3], value_channels))
        # gamma: the non-local evidence's weight, 0 at the start (section 3)
        self.gain = self.add_weight(shape=(), initializer="zeros", name="gain")

    def _pool(self, x):
        if self.pool_size == 1:
            return x
        return ops.max_pool(x, self.pool_size, self.pool_size, padding="valid")

    def attention(self, inputs, training=False):
        r"""The attention map $\beta$ `(batch, N, N / pool_size**2)`: row $i$ is how much query
        position $i$ (row-major over height and width) attends to each pooled key position."""
        batch = ops.shape(inputs)[0]
        queries = self.query(inputs, training=training)
        keys = self._pool(self.key(inputs, training=training))
        queries = ops.reshape(queries, (batch, -1, queries.shape[-1]))  # (batch, N, C/8)
        keys = ops.reshape(keys, (batch, -1, keys.shape[-1]))  # (batch, N/4, C/8)
        # beta_{j,i} = softmax_i(s_ij), s_ij = f(x_i)^T g(x_j), over the key positions
        return ops.softmax(ops.matmul(queries, ops.transpose(keys, (0, 2, 1))), axis=-1)

    def call(self, inputs, training=False):
        batch = ops.shape(inputs)[0]
        height, width = inputs.shape[1], inputs.shape[2]
        beta = self.attention(inputs, training=training)
        values = self._pool(self.value(inputs, training=training))
        values = ops.reshape(values, (batch, -1, values.shape[-1]))  # (batch, N/4, C/2)
        attended = ops.matmul(beta, values)  # (batch, N, C/2): sum_i beta_ji h(x_i)
        attended = ops.reshape(attended, (batch, height, width, attended.shape[-1]))
        # y = x + gamma * v(o)
        return inputs + self.gain * self.output_conv(attended, training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "key_ratio": self.key_ratio,
            "value_ratio": self.value_ratio,
            "pool_size": self.pool_size,
            "spectral_norm": self.spectral_norm,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="keras_gan")
class ConditionalBatchNormalization(layers.Layer):
    r"""Batch normalisation with a class-dependent gain and bias: $\gamma_y \hat x + \beta_y$.

    Args:
        num_classes: int >= 2, the number of classes.
        momentum: float, the moving statistics' momentum. Defaults to 0.9 (the authors').
        epsilon: float. Defaults to 1e-5 (the authors').
        **kwargs: base layer arguments (`name`).

    Inputs: `[features (batch, ..., channels), labels (batch,)]` with integer labels in
    `[0, num_classes)`. Output: the features' shape. The gains start at 1 and the biases at 0,
    so at initialisation the layer is a plain batch normalisation.
    """

    def __init__(self, num_classes, momentum=0.9, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(
                f"`num_classes` must be an integer >= 2. Received: num_classes={num_classes!r}"
            )
        self.num_classes = num_classes
        self.momentum = momentum
        self.epsilon = epsilon
        self.normalization = layers.BatchNormalization(
            center=False, scale=False, momentum=momentum, epsilon=epsilon, name="normalization"
        )

    def build(self, input_shape):
        features_shape = input_shape[0]
        channels = features_shape[-1]
        self.normalization.build(features_shape)
        self.gains = self.add_weight(
            shape=(self.num_classes, channels), initializer="ones", name="gains"
        )
        self.biases = self.add_weight(
            shape=(self.num_classes, channels), initializer="zeros", name="biases"
        )

    def call(self, inputs, training=False):
        features, labels = inputs
        normalized = self.normalization(features, training=training)
        labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
        # gamma_y, beta_y: (batch, channels), broadcast over the spatial axes
        shape = (-1,) + (1,) * (len(features.shape) - 2) + (features.shape[-1],)
        # gamma_y = onehot(y) @ gains: a dense gradient. A gather (`ops.take`) gives TensorFlow
        # a sparse gradient with one slice per sample, and Keras' Adam then updated the table
        # differently from JAX and PyTorch (7e-4 apart in the loss after two steps).
        one_hot = ops.one_hot(labels, self.num_classes, dtype=features.dtype)
        gain = ops.reshape(ops.matmul(one_hot, self.gains), shape)
        bias = ops.reshape(ops.matmul(one_hot, self.biases), shape)
        return normalized * gain + bias

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
        }


@keras.saving.register_keras_serializable(package="keras_gan")
class ClassProjection(layers.Layer):
    r"""The projection discriminator's class term $y^\top V \phi(x) = \langle V_y, \phi(x)
    \rangle$ (Miyato & Koyama 2018, equation 3).

    $V$ is a `(num_classes, features)` embedding, held as a bias-free `Dense` layer applied to
    the one-hot label, so that `spectral_norm=True` normalises it as the authors'
    `sn_embedding` does.

    Args:
        num_classes: int >= 2, the number of classes.
        spectral_norm: bool, spectrally normalise $V$. Defaults to True.
        seed: optional int, seed of $V$'s initialiser.
        **kwargs: base layer arguments (`name`).

    Inputs: `[features (batch, F), labels (batch,)]`. Output: `(batch, 1)`.
    """

    def __init__(self, num_classes, spectral_norm=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(
                f"`num_classes` must be an integer >= 2. Received: num_classes={num_classes!r}"
            )
        self.num_classes = num_classes
        self.spectral_norm = bool(spectral_norm)
        self.seed = seed

    def build(self, input_shape):
        features = input_shape[0][-1]
        embedding = layers.Dense(
            features,
            use_bias=False,
            kernel_initializer=keras.initializers.GlorotUniform(seed=self.seed),
            name="embedding",
        )
        self.embedding = (
            SpectralNormalization(embedding, name="embedding") if self.spectral_norm else embedding
        )
        self.embedding.build((None, self.num_classes))

    def call(self, inputs, training=False):
        features, labels = inputs
        one_hot = ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"), self.num_classes)
        rows = self.embedding(ops.cast(one_hot, features.dtype), training=training)  # V_y
        return ops.sum(rows * features, axis=-1, keepdims=True)  # <V_y, phi(x)>

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 1)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "spectral_norm": self.spectral_norm,
            "seed": self.seed,
        }


def projection_score(features, labels, num_classes, seed=None, name="score"):
    r"""The projection discriminator's score from pooled features $\phi(x)$ `(batch, F)`:
    $\psi(\phi(x)) + y^\top V \phi(x)$, with $\psi$ a spectrally normalised dense layer to one
    output and the class term a `ClassProjection`. For functional models.

    Args:
        features: symbolic tensor `(batch, F)`.
        labels: symbolic tensor `(batch,)` of class indices.
        num_classes: int >= 2.
        seed: optional int, seed of the two initialisers (`seed`, `seed + 1`).
        name: str, prefix of the two layers' names. Defaults to `"score"`.

    Returns:
        A symbolic tensor `(batch, 1)`.
    """
    psi = SpectralNormalization(
        layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=seed)),
        name=f"{name}_psi",
    )
    projection = ClassProjection(
        num_classes, seed=None if seed is None else seed + 1, name=f"{name}_projection"
    )
    return layers.Add(name=name)([psi(features), projection([features, labels])])


def check_attention_resolution(image_size, attention_resolution, model="SAGAN"):
    """Returns the attention resolution to build with (None: half the image size; 0: none), or
    raises a ValueError naming the resolutions the networks have (`model`: whose networks)."""
    if attention_resolution is None:
        return image_size // 2
    if attention_resolution == 0:
        return 0
    start, stages = _stages(image_size)
    sizes = [start * 2**k for k in range(1, stages)]  # inside both networks, not the image
    if attention_resolution not in sizes:
        accepted = ", ".join(str(size) for size in sizes) or "none"
        raise ValueError(
            f"{model}'s networks at {image_size}x{image_size} attend at one of their inner "
            f"feature-map sizes: {accepted} (or 0 for no attention). Received: "
            f"attention_resolution={attention_resolution}"
        )
    return attention_resolution


def sagan_generator(
    image_shape=(32, 32, 3),
    latent_dim=128,
    num_classes=10,
    base_filters=64,
    attention_resolution=None,
    seed=None,
    name="generator",
):
    """Builds SAGAN's class-conditional residual generator.

    z -> spectrally normalised dense -> (start, start, 2**stages * base_filters) -> one up-block
    per stage, each halving the channels (conditional batch norm, ReLU, 2x nearest upsampling,
    3x3 conv, conditional batch norm, ReLU, 3x3 conv; shortcut: upsampling and a 1x1 conv) ->
    self-attention after the block whose output is `attention_resolution` -> batch norm, ReLU,
    3x3 conv to the image's channels, tanh.

    Args:
        image_shape: tuple `(size, size, channels)`, a size that halves down to 4..7. Defaults to
            `(32, 32, 3)`.
        latent_dim: int, size of z. Defaults to 128.
        num_classes: int >= 2. Defaults to 10.
        base_filters: int, the last block's channels; each earlier block has twice its
            successor's. Defaults to 64.
        attention_resolution: optional int, where the self-attention block sits (one of the
            inner feature-map sizes, see `check_attention_resolution`); None: half the image
            size; 0: none. Defaults to None.
        seed: optional int, seed of the initialisers.
        name: str. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` mapping `[z (batch, latent_dim), labels (batch,)]` to
        images `(batch, *image_shape)` in [-1, 1].
    """
    size, _, channels = image_shape
    start, stages = _stages(size)
    attend_at = check_attention_resolution(size, attention_resolution)
    seeds = _seeds(seed)
    filters = base_filters * 2**stages
    z = keras.Input((latent_dim,), name="latent")
    labels = keras.Input((), dtype="int32", name="labels")
    # Every layer that feeds a batch normalisation has no bias: the normalisation subtracts
    # the mean, so a bias there changes nothing and its gradient is zero up to float noise (which
    # Adam's first steps can scale up to full-size updates of noise).
    x = SpectralNormalization(
        layers.Dense(
            start * start * filters,
            use_bias=False,
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        ),
        name="project",
    )(z)
    x = layers.Reshape((start, start, filters))(x)
    for block in range(1, stages + 1):
        filters //= 2
        # (batch, s, s, 2f) -> (batch, 2s, 2s, f)
        shortcut = layers.UpSampling2D(2, interpolation="nearest")(x)
        shortcut = _conv(filters, 1, next(seeds), f"block{block}_shortcut", use_bias=False)(
            shortcut
        )
        h = ConditionalBatchNormalization(num_classes, **_BATCHNORM, name=f"block{block}_cbn1")(
            [x, labels]
        )
        h = layers.ReLU()(h)
        h = layers.UpSampling2D(2, interpolation="nearest")(h)
        h = _conv(filters, 3, next(seeds), f"block{block}_conv1", use_bias=False)(h)
        h = ConditionalBatchNormalization(num_classes, **_BATCHNORM, name=f"block{block}_cbn2")(
            [h, labels]
        )
        h = layers.ReLU()(h)
        h = _conv(filters, 3, next(seeds), f"block{block}_conv2", use_bias=False)(h)
        x = layers.Add(name=f"block{block}")([shortcut, h])
        if x.shape[1] == attend_at:
            x = SelfAttention(seed=next(seeds), name="attention")(x)
    x = layers.BatchNormalization(**_BATCHNORM, name="output_bn")(x)
    x = layers.ReLU()(x)
    x = _conv(channels, 3, next(seeds), "output_conv")(x)
    images = layers.Activation("tanh", name="tanh")(x)
    return keras.Model([z, labels], images, name=name)


def sagan_discriminator(
    image_shape=(32, 32, 3),
    num_classes=10,
    base_filters=64,
    attention_resolution=None,
    seed=None,
    name="discriminator",
):
    """Builds SAGAN's projection discriminator.

    One down-block per stage (the first without the leading ReLU, the authors'
    `optimized_block`), each doubling the channels from `base_filters` (ReLU, 3x3 conv, ReLU,
    3x3 conv, 2x2 average pooling; shortcut: 1x1 conv and pooling), self-attention after the
    block whose output is `attention_resolution`, one more block without pooling, ReLU, a sum
    over positions $\\phi(x)$, and the projection score $\\psi(\\phi(x)) + y^\\top V \\phi(x)$.

    Args:
        image_shape: tuple `(size, size, channels)`. Defaults to `(32, 32, 3)`.
        num_classes: int >= 2. Defaults to 10.
        base_filters: int, the first block's channels. Defaults to 64.
        attention_resolution: as in `sagan_generator`. Defaults to None.
        seed: optional int, seed of the initialisers.
        name: str. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` mapping `[images, labels (batch,)]` to scores `(batch, 1)`.
    """
    size = image_shape[0]
    _, stages = _stages(size)
    attend_at = check_attention_resolution(size, attention_resolution)
    images = keras.Input(tuple(image_shape), name="images")
    labels = keras.Input((), dtype="int32", name="labels")
    # each block doubles the channels up to the last pooling one; the extra block keeps them
    widths = [base_filters * 2 ** min(block, stages - 1) for block in range(stages + 1)]
    downsample = [True] * stages + [False]
    scores = residual_projection_discriminator(
        images, labels, num_classes, widths, downsample, attend_at, _seeds(seed)
    )
    return keras.Model([images, labels], scores, name=name)


def residual_projection_discriminator(
    images,
    labels,
    num_classes,
    widths,
    downsample,
    attend_at,
    seeds,
    initializer=keras.initializers.GlorotUniform,
    negative_slope=0.0,
):
    """The residual projection discriminator's graph, SAGAN's and BigGAN's, for functional models.

    One residual block per entry of `widths` (the first without the leading ReLU, the authors'
    `optimized_block`): ReLU, 3x3 conv, ReLU, 3x3 conv, and 2x2 average pooling where
    `downsample` says so; the shortcut a 1x1 conv (where the block pools or changes the width)
    and the same pooling. Self-attention after the pooling block whose output is `attend_at`
    (0: none). Then ReLU, the sum over positions $\\phi(x)$, and the projection score.

    Args:
        images: symbolic images `(batch, size, size, channels)`.
        labels: symbolic labels `(batch,)`.
        num_classes: int >= 2.
        widths: list of ints, each block's channels.
        downsample: list of bools, one per block.
        attend_at: int, the feature-map size of the self-attention block, 0 for none.
        seeds: iterator of initialiser seeds (`keras_gan.networks.dcgan._seeds`).
        initializer: the convolutions' kernel initialiser class. Defaults to Glorot uniform.
        negative_slope: float, the slope of the ReLUs below zero (LoGAN's leaky 0.2). Defaults
            to 0, the plain ReLU.

    Returns:
        Symbolic scores `(batch, 1)`.
    """
    x = images
    for block, (filters, pool) in enumerate(zip(widths, downsample), start=1):
        # (batch, s, s, c) -> (batch, s/2, s/2, f), or the same size where it does not pool
        h = x if block == 1 else layers.ReLU(negative_slope=negative_slope)(x)
        h = _conv(filters, 3, next(seeds), f"block{block}_conv1", initializer=initializer)(h)
        h = layers.ReLU(negative_slope=negative_slope)(h)
        h = _conv(filters, 3, next(seeds), f"block{block}_conv2", initializer=initializer)(h)
        shortcut = x
        if pool or x.shape[-1] != filters:
            shortcut = _conv(
                filters, 1, next(seeds), f"block{block}_shortcut", initializer=initializer
            )(shortcut)
        if pool:
            h = layers.AveragePooling2D(2)(h)
            shortcut = layers.AveragePooling2D(2)(shortcut)
        x = layers.Add(name=f"block{block}")([shortcut, h])
        if pool and x.shape[1] == attend_at:
            x = SelfAttention(seed=next(seeds), name="attention")(x)
    x = layers.ReLU(negative_slope=negative_slope)(x)
    features = layers.GlobalAveragePooling2D()(x)
    # phi(x): the sum over positions, as the authors' reduce_sum
    features = layers.Rescaling(float(x.shape[1] * x.shape[2]), name="sum_pool")(features)
    return projection_score(features, labels, num_classes, seed=next(seeds))
