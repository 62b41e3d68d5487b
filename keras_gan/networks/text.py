"""The networks of text-to-image GANs (GAN-INT-CLS): a small trainable text encoder, the
text-conditional generator G(z, phi(t)) and the matching-aware discriminator D(x, phi(t)).

Reed et al. 2016 encode captions with a character-level CNN-RNN (char-CNN-RNN, 1024-d)
pretrained with a structured joint embedding of images and text. keras_gan's captions have a
word vocabulary of a few dozen words, so the encoder here is word-level: an embedding of each
token, a GRU over the caption (padding masked), and a dense projection to the text embedding
$\\varphi(t)$. It has no pretrained weights: `pretrain_text_encoder` trains it on a joint
embedding with images (`JointEmbedding`), as the paper pretrains its encoder, and `GANINTCLS`
goes on training it with its discriminator.

Reference: https://arxiv.org/abs/1605.05396
"""

import sys

import keras
import numpy as np
from keras import layers, ops

from keras_gan.layers import Conv2DTranspose
from keras_gan.networks.dcgan import _stages


def text_encoder(
    vocabulary_size, max_len=12, token_dim=32, units=128, embedding_dim=128, name="text_encoder"
):
    """Builds the caption encoder: token ids -> text embedding $\\varphi(t)$.

    Args:
        vocabulary_size: int, number of token ids (id 0 pads and is masked).
        max_len: int, caption length in tokens. Defaults to 12.
        token_dim: int, size of each word vector. Defaults to 32.
        units: int, GRU width. Defaults to 128.
        embedding_dim: int, size of the text embedding. Defaults to 128.
        name: string. Defaults to `"text_encoder"`.

    Returns:
        A functional `keras.Model` mapping int32 `(batch, max_len)` to float
        `(batch, embedding_dim)`.
    """
    tokens = keras.Input((max_len,), dtype="int32", name="token_ids")
    # (b, max_len) -> (b, max_len, token_dim), padding masked
    x = layers.Embedding(vocabulary_size, token_dim, mask_zero=True, name="words")(tokens)
    # (b, max_len, token_dim) -> (b, units): the GRU's last state over the unmasked words
    x = layers.GRU(units, name="gru")(x)
    embedding = layers.Dense(embedding_dim, name="embedding")(x)
    return keras.Model(tokens, embedding, name=name)


def image_encoder(image_shape, embedding_dim=128, filters=32, seed=None, name="image_encoder"):
    """A small CNN image encoder for the joint embedding that pretrains `text_encoder`.

    Two stride-2 4x4 convolutions (`filters`, `2 filters`) with LeakyReLU(0.2), then a dense
    projection to `embedding_dim`.

    Args:
        image_shape: tuple `(height, width, channels)`.
        embedding_dim: int, the text embedding's size. Defaults to 128.
        filters: int, the first convolution's filters. Defaults to 32.
        seed: optional int, seed of the (Glorot uniform) weights.
        name: string. Defaults to `"image_encoder"`.

    Returns:
        A functional `keras.Model` mapping `(batch, *image_shape)` to `(batch, embedding_dim)`.
    """

    def init(offset):
        return keras.initializers.GlorotUniform(seed=None if seed is None else seed + offset)

    images = keras.Input(tuple(image_shape), name="images")
    # (b, h, w, c) -> (b, h / 2, w / 2, filters) -> (b, h / 4, w / 4, 2 filters)
    x = layers.Conv2D(filters, 4, strides=2, padding="same", kernel_initializer=init(0))(images)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(2 * filters, 4, strides=2, padding="same", kernel_initializer=init(1))(x)
    x = layers.LeakyReLU(0.2)(x)
    embedding = layers.Dense(embedding_dim, kernel_initializer=init(2), name="embedding")(
        layers.Flatten()(x)
    )
    return keras.Model(images, embedding, name=name)


@keras.saving.register_keras_serializable(package="keras_gan")
class JointEmbedding(keras.Model):
    r"""Pretrains a text encoder on a joint embedding of images and their captions.

    Reed et al. 2016 do not train their text encoder with the GAN: they pretrain it on a
    structured joint embedding of captions and images (Reed et al. 2016a, "Learning deep
    representations of fine-grained visual descriptions"), where a caption must score higher
    with its own image than with the others. Here, with unit-normalised embeddings
    $v_i = f(x_i) / \lVert f(x_i) \rVert$ and $u_j = \varphi(t_j) / \lVert \varphi(t_j) \rVert$
    over a minibatch, the compatibility is $s_{ij} = v_i^\top u_j / \tau$ and the loss is

    $$\mathcal{L} = \tfrac12 \Big( \mathrm{CE}\big(y_i, \mathrm{softmax}_j\, s_{ij}\big)
        + \mathrm{CE}\big(y_j, \mathrm{softmax}_i\, s_{ij}\big) \Big)$$

    where the target $y_i$ is uniform over the captions of the batch identical to $t_i$ (two
    images with the same caption are both right for it). In words: each image must pick out its
    caption among the batch's captions, and each caption its images.

    Args:
        text_encoder: `keras.Model`, token ids -> text embedding (trained).
        image_encoder: `keras.Model`, images -> embedding of the same size (trained).
        temperature: float > 0, $\tau$. Defaults to 0.1.

    Reference: https://arxiv.org/abs/1605.05395
    """

    def __init__(self, text_encoder, image_encoder, temperature=0.1, **kwargs):
        super().__init__(**kwargs)
        if temperature <= 0:
            raise ValueError(f"`temperature` must be > 0. Received: temperature={temperature!r}")
        self.text_encoder = text_encoder
        self.image_encoder = image_encoder
        self.temperature = float(temperature)

    def call(self, inputs, training=False):
        images, tokens = inputs
        v = self.image_encoder(images, training=training)
        u = self.text_encoder(tokens, training=training)
        v = v / ops.sqrt(ops.sum(ops.square(v), axis=-1, keepdims=True) + 1e-12)
        u = u / ops.sqrt(ops.sum(ops.square(u), axis=-1, keepdims=True) + 1e-12)
        # (b, d) x (d, b) -> (b, b): image i against caption j
        return ops.matmul(v, ops.transpose(u)) / self.temperature

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        tokens = x[1]
        # (b, b): 1 where captions i and j are the same token sequence
        same = ops.cast(
            ops.all(ops.equal(tokens[:, None, :], tokens[None, :, :]), axis=-1), "float32"
        )
        targets = same / ops.sum(same, axis=1, keepdims=True)  # symmetric rows, each sums to 1
        image_to_text = keras.losses.categorical_crossentropy(targets, y_pred, from_logits=True)
        text_to_image = keras.losses.categorical_crossentropy(
            targets, ops.transpose(y_pred), from_logits=True
        )
        return 0.5 * (ops.mean(image_to_text) + ops.mean(text_to_image))

    def retrieval_accuracy(self, images, tokens):
        """The share of images whose best-scoring caption (among `tokens`) is their own."""
        scores = ops.convert_to_numpy(self((images, tokens), training=False))
        tokens = np.asarray(tokens)
        best = scores.argmax(axis=1)
        return float(np.mean(np.all(tokens[best] == tokens, axis=1)))


def caption_batches(images, tokens, batch_size, seed=0):
    """Endless shuffled `((images, token_ids),)` minibatches from arrays, for `JointEmbedding.fit`."""
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(len(images))
        for lo in range(0, len(order) - batch_size + 1, batch_size):
            index = np.sort(order[lo : lo + batch_size])
            yield ((images[index], tokens[index]),)


def pretrain_text_encoder(
    text_encoder, data, steps, image_shape=None, batch_size=64, learning_rate=1e-3,
    temperature=0.1, verbose=0, seed=0,
):  # fmt: skip
    """Trains `text_encoder` (in place) on the joint embedding of `JointEmbedding`.

    Args:
        text_encoder: the `keras.Model` to pretrain.
        data: a `tf.data.Dataset` of `(images, token_ids[, ...])` batches, or a tuple
            `(images, token_ids)` of arrays.
        steps: int > 0, optimizer steps.
        image_shape: tuple, the images' shape (read from `data` when omitted).
        batch_size: int, for array data. Defaults to 64.
        learning_rate: float, Adam's. Defaults to 1e-3.
        temperature: float, see `JointEmbedding`. Defaults to 0.1.
        verbose: passed to `fit`. Defaults to 0.
        seed: int, weights of the image encoder and order of array data. Defaults to 0.

    Returns:
        The trained `JointEmbedding` (its `history` holds the loss per step).
    """
    if not isinstance(steps, (int, np.integer)) or steps <= 0:
        raise ValueError(f"`steps` must be a positive integer. Received: steps={steps!r}")
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(data, tf.data.Dataset):
        image_shape = image_shape or tuple(data.element_spec[0].shape[1:])
        # (images, tokens[, labels]) -> ((images, tokens),): both are inputs, there is no target
        stream = data.map(lambda *element: ((element[0], element[1]),)).repeat()
    else:
        images, tokens = np.asarray(data[0], "float32"), np.asarray(data[1], "int32")
        image_shape = image_shape or images.shape[1:]
        stream = caption_batches(images, tokens, min(batch_size, len(images)), seed)
    embedding_dim = text_encoder.output_shape[-1]
    model = JointEmbedding(
        text_encoder, image_encoder(image_shape, embedding_dim, seed=seed), temperature
    )
    model.compile(keras.optimizers.Adam(learning_rate))
    model.fit(stream, epochs=1, steps_per_epoch=int(steps), verbose=verbose)
    return model


_INIT = dict(mean=0.0, stddev=0.02)


def text_conditional_generator(
    image_shape=(28, 28, 1), latent_dim=100, embedding_dim=128, compressed_dim=128,
    base_filters=32, name="generator",
):  # fmt: skip
    """G(z, phi(t)): phi(t) -> dense(128) -> LeakyReLU, concatenated with z, then DCGAN's stack.

    Returns:
        A `keras.Model` mapping `[z (b, latent_dim), phi(t) (b, embedding_dim)]` to images in
        [-1, 1].
    """
    start, stages = _stages(image_shape[0])
    z = keras.Input((latent_dim,), name="latent")
    text = keras.Input((embedding_dim,), name="text_embedding")
    # phi(t) -> (b, 128) -> LeakyReLU, then [z, compressed text] (b, latent_dim + 128)
    compressed = layers.LeakyReLU(0.2)(layers.Dense(compressed_dim, name="compress_text")(text))
    x = layers.Concatenate()([z, compressed])
    filters = base_filters * 2 ** (stages - 1)
    x = layers.Dense(
        start * start * filters,
        use_bias=False,
        kernel_initializer=keras.initializers.RandomNormal(**_INIT),
    )(x)
    x = layers.Reshape((start, start, filters))(x)
    x = layers.ReLU()(layers.BatchNormalization()(x))
    for _ in range(1, stages):
        filters //= 2
        x = Conv2DTranspose(
            filters,
            4,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=keras.initializers.RandomNormal(**_INIT),
        )(x)
        x = layers.ReLU()(layers.BatchNormalization()(x))
    x = Conv2DTranspose(
        image_shape[-1],
        4,
        strides=2,
        padding="same",
        kernel_initializer=keras.initializers.RandomNormal(**_INIT),
    )(x)
    return keras.Model([z, text], layers.Activation("tanh")(x), name=name)


def matching_discriminator(
    image_shape=(28, 28, 1), embedding_dim=128, compressed_dim=128, base_filters=32,
    name="discriminator",
):  # fmt: skip
    """D(x, phi(t)): stride-2 convolutions down to 4x4, the compressed text replicated over the
    4x4 grid and depth-concatenated, a 1x1 convolution, then a 4x4 convolution to one logit.
    """
    images = keras.Input(image_shape, name="images")
    text = keras.Input((embedding_dim,), name="text_embedding")
    x, size, filters, first = images, image_shape[0], base_filters, True
    while size > 4:
        # (b, s, s, c) -> (b, ceil(s / 2), ceil(s / 2), filters)
        x = layers.Conv2D(
            filters,
            4,
            strides=2,
            padding="same",
            use_bias=first,
            kernel_initializer=keras.initializers.RandomNormal(**_INIT),
        )(x)
        if not first:  # no BatchNorm at the input, as in DCGAN
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        size, filters, first = (size + 1) // 2, filters * 2, False
    if size != 4:
        raise ValueError(
            "The GAN-CLS discriminator halves the image down to 4x4; the image size must reach "
            f"exactly 4 (e.g. 16, 28, 32, 64). Received: image_shape={image_shape}"
        )
    # phi(t) -> (b, 128), rectified, replicated spatially to (b, 4, 4, 128)
    compressed = layers.LeakyReLU(0.2)(layers.Dense(compressed_dim, name="compress_text")(text))
    tiled = layers.UpSampling2D(4)(layers.Reshape((1, 1, compressed_dim))(compressed))
    x = layers.Concatenate()([x, tiled])
    # 1x1 convolution with rectification, then a 4x4 convolution to the score
    x = layers.Conv2D(
        filters // 2, 1, use_bias=False, kernel_initializer=keras.initializers.RandomNormal(**_INIT)
    )(x)
    x = layers.LeakyReLU(0.2)(layers.BatchNormalization()(x))
    x = layers.Conv2D(
        1, 4, padding="valid", kernel_initializer=keras.initializers.RandomNormal(**_INIT)
    )(x)
    return keras.Model([images, text], layers.Flatten()(x), name=name)
