"""Label-conditioned and code-conditioned networks: CGAN, ACGAN and InfoGAN.

- `conditional_generator` / `conditional_discriminator` (CGAN, Mirza & Osindero 2014): both
  networks see the label y. The generator concatenates y (one-hot, or a learned embedding) to z
  and decodes with the DCGAN generator; the discriminator broadcasts y to label maps stacked on the
  image's channels and runs the DCGAN discriminator. DCGAN's rules hold (strided convolutions,
  BatchNorm except at the generator output / discriminator input, ReLU / LeakyReLU(0.2),
  N(0, 0.02) weights).
- `acgan_discriminator` (Odena et al. 2017): an unconditional DCGAN-style body with dropout after
  every convolution and two heads, the source logit P(S | X) and the class logits P(C | X).
- `infogan_generator` / `infogan_discriminator` (Chen et al. 2016, appendix C, table 1): the
  paper's MNIST networks, with one discriminator body shared by the D head (one logit) and the
  Q head (FC 128 - BN - LeakyReLU - FC to the code parameters).

Labels enter the networks as integer class indices of shape `(batch,)`.

Reference: https://arxiv.org/abs/1411.1784, https://arxiv.org/abs/1610.09585,
https://arxiv.org/abs/1606.03657
"""

import keras
from keras import layers

from keras_gan.layers import Conv2DTranspose
from keras_gan.networks.dcgan import (
    _batchnorm,
    _kernel_init,
    _seeds,
    _stages,
    dcgan_discriminator,
    dcgan_generator,
)

CONDITIONINGS = ("onehot", "embedding")


def _label_vector(labels, num_classes, conditioning, embedding_dim, seed, name):
    """`(batch,)` int labels -> `(batch, d)`: one-hot (d = num_classes) or an embedding."""
    if conditioning == "onehot":
        return layers.CategoryEncoding(num_classes, output_mode="one_hot", name=f"{name}_onehot")(
            labels
        )
    if conditioning == "embedding":
        return layers.Embedding(
            num_classes,
            embedding_dim or num_classes,
            embeddings_initializer=_kernel_init(seed),
            name=f"{name}_embedding",
        )(labels)
    raise ValueError(
        f"`conditioning` must be one of {CONDITIONINGS}. Received: conditioning={conditioning!r}"
    )


def _label_size(num_classes, conditioning, embedding_dim):
    return num_classes if conditioning == "onehot" else (embedding_dim or num_classes)


def conditional_generator(
    image_shape=(28, 28, 1),
    latent_dim=100,
    num_classes=10,
    base_filters=64,
    conditioning="onehot",
    embedding_dim=None,
    seed=None,
    name="generator",
):
    """The CGAN generator G(z | y): `[z, y]` -> concatenation -> DCGAN generator -> tanh image.

    Args:
        image_shape: tuple `(size, size, channels)`: 28 (MNIST) or 32 (CIFAR-10), or any size
            `dcgan_generator` takes. Defaults to `(28, 28, 1)`.
        latent_dim: int, size of z. Defaults to 100.
        num_classes: int, number of labels. Defaults to 10.
        base_filters: int, width of the DCGAN body. Defaults to 64.
        conditioning: `"onehot"` (y concatenated as a one-hot vector, the paper's) or
            `"embedding"` (a learned `embedding_dim` vector). Defaults to `"onehot"`.
        embedding_dim: int, size of the embedding; `None` uses `num_classes`.
        seed: optional int, seed of the weight initialisers.
        name: string. Defaults to `"generator"`.

    Returns:
        A `keras.Model` mapping `[(batch, latent_dim) float, (batch,) int]` to images
        `(batch, *image_shape)` in [-1, 1].
    """
    z = keras.Input((latent_dim,), name="latent")
    labels = keras.Input((), dtype="int32", name="labels")
    y = _label_vector(labels, num_classes, conditioning, embedding_dim, seed, "label")
    # (batch, latent_dim + d): "y is fed into both the discriminator and generator as an
    # additional input layer" (section 3.2)
    zy = layers.Concatenate(name="latent_and_label")([z, y])
    body = dcgan_generator(
        image_shape,
        latent_dim + _label_size(num_classes, conditioning, embedding_dim),
        base_filters,
        seed=None if seed is None else seed + 1,
        name=f"{name}_body",
    )
    return keras.Model([z, labels], body(zy), name=name)


def conditional_discriminator(
    image_shape=(28, 28, 1),
    num_classes=10,
    base_filters=64,
    conditioning="onehot",
    embedding_dim=None,
    seed=None,
    name="discriminator",
):
    """The CGAN discriminator D(x | y): label maps stacked on the image -> DCGAN discriminator.

    The label vector (one-hot or embedding, size d) is broadcast to a `(size, size, d)` map and
    concatenated with the image's channels, so every convolution sees it.

    Args:
        image_shape: tuple `(size, size, channels)`. Defaults to `(28, 28, 1)`.
        num_classes: int. Defaults to 10.
        base_filters: int, width of the first convolution. Defaults to 64.
        conditioning: `"onehot"` or `"embedding"`. Defaults to `"onehot"`.
        embedding_dim: int, size of the embedding; `None` uses `num_classes`.
        seed: optional int, seed of the weight initialisers.
        name: string. Defaults to `"discriminator"`.

    Returns:
        A `keras.Model` mapping `[(batch, *image_shape), (batch,) int]` to logits `(batch, 1)`.
    """
    height, width, channels = image_shape
    size = _label_size(num_classes, conditioning, embedding_dim)
    images = keras.Input(image_shape, name="images")
    labels = keras.Input((), dtype="int32", name="labels")
    y = _label_vector(labels, num_classes, conditioning, embedding_dim, seed, "label")
    # (batch, d) -> (batch, 1, 1, d) -> (batch, H, W, d)
    y = layers.Reshape((1, 1, size))(y)
    y = layers.UpSampling2D((height, width), name="label_maps")(y)
    x = layers.Concatenate(axis=-1, name="image_and_label")([images, y])
    body = dcgan_discriminator(
        (height, width, channels + size),
        base_filters,
        seed=None if seed is None else seed + 1,
        name=f"{name}_body",
    )
    return keras.Model([images, labels], body(x), name=name)


def acgan_discriminator(
    image_shape=(28, 28, 1),
    num_classes=10,
    base_filters=64,
    dropout=0.5,
    seed=None,
    name="discriminator",
):
    """The ACGAN discriminator: one body, a source head and an auxiliary classifier head.

    The body is DCGAN's (kernel 4, stride 2 convolutions, BatchNorm but on the first,
    LeakyReLU(0.2)) with Dropout after each stage, as in the paper's discriminators (appendix,
    "Dropout 0.5" after every convolution). The image alone goes in: ACGAN's discriminator is
    not given the label, it predicts it.

    Args:
        image_shape: tuple `(size, size, channels)`. Defaults to `(28, 28, 1)`.
        num_classes: int, classes of the auxiliary classifier. Defaults to 10.
        base_filters: int, width of the first convolution. Defaults to 64.
        dropout: float in [0, 1), dropout rate after each stage. Defaults to 0.5.
        seed: optional int, seed of the weight initialisers and of the dropout.
        name: string. Defaults to `"discriminator"`.

    Returns:
        A `keras.Model` mapping images to `[source_logits (batch, 1),
        class_logits (batch, num_classes)]`.
    """
    _, stages = _stages(image_shape[0])
    seeds = _seeds(seed)
    images = keras.Input(image_shape, name="images")
    x, filters = images, base_filters
    for stage in range(1, stages + 1):
        # (batch, s, s, c) -> (batch, s/2, s/2, filters)
        x = layers.Conv2D(
            filters,
            4,
            strides=2,
            padding="same",
            use_bias=stage == 1,
            kernel_initializer=_kernel_init(next(seeds)),
            name=f"down{stage}",
        )(x)
        if stage > 1:
            x = _batchnorm(next(seeds), f"down{stage}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
        if dropout:
            x = layers.Dropout(dropout, seed=seed, name=f"down{stage}_dropout")(x)
        filters *= 2
    x = layers.Flatten()(x)
    # P(S = real | X) as a logit, and P(C | X) as class logits
    source = layers.Dense(1, kernel_initializer=_kernel_init(next(seeds)), name="source")(x)
    classes = layers.Dense(
        num_classes, kernel_initializer=_kernel_init(next(seeds)), name="classes"
    )(x)
    return keras.Model(images, [source, classes], name=name)


def infogan_generator(
    image_shape=(28, 28, 1),
    input_dim=74,
    hidden_units=1024,
    base_filters=64,
    seed=None,
    name="generator",
):
    """InfoGAN's MNIST generator (table 1): FC 1024 - FC (s/4)^2 x 128 - upconv 64 - upconv.

    Every layer but the output has BatchNorm and ReLU; the output is tanh (images in [-1, 1];
    the paper's code models pixels as Bernoulli means, i.e. a sigmoid on [0, 1] data).

    Args:
        image_shape: tuple `(size, size, channels)` with size divisible by 4 (28, 32).
            Defaults to `(28, 28, 1)`.
        input_dim: int, size of the generator input `[z, c]`: 62 + 10 + 2 = 74 on MNIST.
        hidden_units: int, width of the first fully connected layer. Defaults to 1024.
        base_filters: int, channels of the upconvolution; the projection has twice as many.
            Defaults to 64 (the paper's 64 and 128).
        seed: optional int, seed of the weight initialisers.
        name: string. Defaults to `"generator"`.

    Returns:
        A `keras.Model` mapping `(batch, input_dim)` to `(batch, *image_shape)`.
    """
    height, width, channels = image_shape
    if height % 4 or width % 4:
        raise ValueError(
            f"InfoGAN networks need sizes divisible by 4. Received: image_shape={image_shape}"
        )
    seeds = _seeds(seed)
    inputs = keras.Input((input_dim,), name="latent_and_codes")
    x = layers.Dense(
        hidden_units, use_bias=False, kernel_initializer=_kernel_init(next(seeds)), name="fc1"
    )(inputs)
    x = layers.ReLU()(_batchnorm(next(seeds), "fc1_bn")(x))
    # (batch, hidden) -> (batch, s/4, s/4, 2 * base_filters)
    x = layers.Dense(
        (height // 4) * (width // 4) * 2 * base_filters,
        use_bias=False,
        kernel_initializer=_kernel_init(next(seeds)),
        name="fc2",
    )(x)
    x = layers.ReLU()(_batchnorm(next(seeds), "fc2_bn")(x))
    x = layers.Reshape((height // 4, width // 4, 2 * base_filters))(x)
    # (batch, s/4, s/4, 2f) -> (batch, s/2, s/2, f)
    x = Conv2DTranspose(
        base_filters,
        4,
        strides=2,
        padding="same",
        use_bias=False,
        kernel_initializer=_kernel_init(next(seeds)),
        name="up1",
    )(x)
    x = layers.ReLU()(_batchnorm(next(seeds), "up1_bn")(x))
    # (batch, s/2, s/2, f) -> (batch, s, s, channels) in [-1, 1]
    x = Conv2DTranspose(
        channels,
        4,
        strides=2,
        padding="same",
        kernel_initializer=_kernel_init(next(seeds)),
        name="up2",
    )(x)
    return keras.Model(inputs, layers.Activation("tanh", name="tanh")(x), name=name)


def infogan_discriminator(
    image_shape=(28, 28, 1),
    code_params=12,
    hidden_units=1024,
    base_filters=64,
    q_units=128,
    seed=None,
    name="discriminator",
):
    """InfoGAN's MNIST discriminator with the Q head sharing its body (table 1).

    Shared body: conv 4x4/2 64 - LeakyReLU - conv 4x4/2 128 - BN - LeakyReLU - FC 1024 - BN -
    LeakyReLU, with the paper's leaky rate 0.1 (appendix C; the authors' code uses 0.01).
    D head: FC to one logit. Q head: FC 128 - BN - LeakyReLU - FC to the code parameters
    (categorical logits, then the means of the continuous codes).

    Args:
        image_shape: tuple `(size, size, channels)`. Defaults to `(28, 28, 1)`.
        code_params: int, outputs of the Q head: `num_categories + num_continuous`.
            Defaults to 12.
        hidden_units: int, width of the shared fully connected layer. Defaults to 1024.
        base_filters: int, channels of the first convolution (the second has twice as many).
            Defaults to 64.
        q_units: int, width of the Q head's hidden layer. Defaults to 128.
        seed: optional int, seed of the weight initialisers.
        name: string. Defaults to `"discriminator"`.

    Returns:
        A `keras.Model` mapping images to `[logits (batch, 1), q_params (batch, code_params)]`.
    """
    seeds = _seeds(seed)
    images = keras.Input(image_shape, name="images")
    # (batch, s, s, c) -> (batch, s/2, s/2, f), no BatchNorm at the input
    x = layers.Conv2D(
        base_filters,
        4,
        strides=2,
        padding="same",
        kernel_initializer=_kernel_init(next(seeds)),
        name="down1",
    )(images)
    x = layers.LeakyReLU(0.1)(x)
    # (batch, s/2, s/2, f) -> (batch, s/4, s/4, 2f)
    x = layers.Conv2D(
        2 * base_filters,
        4,
        strides=2,
        padding="same",
        use_bias=False,
        kernel_initializer=_kernel_init(next(seeds)),
        name="down2",
    )(x)
    x = layers.LeakyReLU(0.1)(_batchnorm(next(seeds), "down2_bn")(x))
    x = layers.Flatten()(x)
    x = layers.Dense(
        hidden_units, use_bias=False, kernel_initializer=_kernel_init(next(seeds)), name="shared_fc"
    )(x)
    shared = layers.LeakyReLU(0.1)(_batchnorm(next(seeds), "shared_fc_bn")(x))
    # D head: one logit
    logits = layers.Dense(1, kernel_initializer=_kernel_init(next(seeds)), name="d_logit")(shared)
    # Q head: parameters of Q(c | x)
    q = layers.Dense(
        q_units, use_bias=False, kernel_initializer=_kernel_init(next(seeds)), name="q_fc"
    )(shared)
    q = layers.LeakyReLU(0.1)(_batchnorm(next(seeds), "q_fc_bn")(q))
    q = layers.Dense(code_params, kernel_initializer=_kernel_init(next(seeds)), name="q_params")(q)
    return keras.Model(images, [logits, q], name=name)
