"""GAN-INT-CLS: generative adversarial text-to-image synthesis (Reed et al. 2016)."""

import dataclasses
import sys

import keras
import numpy as np
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel, JointNetworks
from keras_gan.config import AugmentConfig, field
from keras_gan.datasets.captions import DIGIT_VOCABULARY, Vocabulary
from keras_gan.networks.text import (
    matching_discriminator,
    pretrain_text_encoder,
    text_conditional_generator,
)
from keras_gan.networks.text import text_encoder as build_text_encoder
from keras_gan.registry import register


@dataclasses.dataclass
class GANINTCLSConfig(AugmentConfig):
    dataset: str = field(
        "mnist_captions",
        "Captioned digits: captions name the digit and measured thickness/size/slant.",
    )
    latent_dim: int = field(
        100,
        '"The generator noise was sampled from a 100-dimensional unit normal distribution."',
    )
    embedding_dim: int = field(
        128,
        "Size of the text embedding phi(t); the paper's char-CNN-RNN gives 1024.",
    )
    compressed_dim: int = field(
        128,
        '"compressed using a fully-connected layer to a small dimension (in practice we used '
        '128)".',
    )
    base_filters: int = field(
        32,
        "Width of the last generator stage / first discriminator stage (DCGAN-style networks).",
    )
    interpolation: bool = field(
        True,
        "GAN-INT: also train G on interpolated embeddings (the paper's GAN-INT-CLS has it).",
    )
    interpolation_beta: float = field(
        0.5,
        '"In practice we found that fixing beta = 0.5 works well."',
    )
    text_pretrain_steps: int = field(
        1000,
        "Joint-embedding pretraining steps of the text encoder before the GAN (the paper "
        "pretrains its encoder; keras_gan.networks.text.JointEmbedding). 0 skips it.",
    )
    learning_rate: float = field(
        2e-4,
        '"base learning rate of 0.0002, and used the ADAM solver with momentum 0.5".',
    )
    beta_1: float = field(0.5, 'Adam beta_1: "ADAM solver with momentum 0.5".')
    batch_size: int = field(
        64,
        '"We used a minibatch size of 64".',
    )

    PAPER = {"embedding_dim": 1024, "base_filters": 64, "image_size": 64, "epochs": 600}
    # Pretraining is asked for from Python (`text_pretrain_steps=`), done by default on the
    # command line.
    PYTHON = {"text_pretrain_steps": 0}


def matching_aware_discriminator_loss(real_right, real_wrong, fake_right):
    r"""The GAN-CLS discriminator loss (Algorithm 1), to be minimised.

    $$\mathcal{L}_D = -\log s_r - \tfrac{1}{2}\big(\log(1 - s_w) + \log(1 - s_f)\big)$$

    with $s_r = D(x, h)$ (real image, right text), $s_w = D(x, \hat h)$ (real image, wrong
    text) and $s_f = D(\hat x, h)$ (fake image, right text), each a sigmoid of a logit.

    Args:
        real_right: logits of {real image, right text}, `(batch, 1)`.
        real_wrong: logits of {real image, wrong text}.
        fake_right: logits of {fake image, right text}.

    Returns:
        Scalar tensor (means over the batch).
    """
    # -log sigma(s_r) (its target 1 - alpha with one-sided label smoothing, `real_sample_loss`);
    # -log(1 - sigma(s)) = softplus(s)
    return losses.real_sample_loss(real_right) + 0.5 * (
        ops.mean(ops.softplus(real_wrong)) + ops.mean(ops.softplus(fake_right))
    )


def interpolate_embeddings(t1, t2, beta=0.5):
    r"""GAN-INT's interpolated text embedding $\beta t_1 + (1 - \beta) t_2$."""
    return beta * t1 + (1.0 - beta) * t2


@register(
    "gan_int_cls",
    config=GANINTCLSConfig,
    summary="Reed et al. 2016: text-to-image GAN, matching-aware D (CLS) and embedding interpolation (INT)",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class GANINTCLS(AdversarialModel):
    r"""GAN-INT-CLS: images generated from captions.

    With the text embedding $h = \varphi(t)$, mismatching text $\hat h$, $\hat x = G(z, h)$,
    $s_r = D(x, h)$, $s_w = D(x, \hat h)$, $s_f = D(\hat x, h)$ (Algorithm 1):

    $$\mathcal{L}_D = -\log s_r - \tfrac12\big(\log(1 - s_w) + \log(1 - s_f)\big), \qquad
      \mathcal{L}_G = -\log s_f - \mathbb{E}_{t_1, t_2}\big[\log D(G(z, \beta t_1 + (1-\beta)t_2),
      \beta t_1 + (1-\beta)t_2)\big]$$

    The matching-aware discriminator (CLS) must reject real images paired with the wrong
    caption as well as fakes, so it learns whether image and text agree, and the generator
    must follow the text. The interpolation term (INT, $\beta = 0.5$) trains the generator on
    embeddings between two captions, filling the gaps of the text manifold.

    Text encoder: the paper pretrains a char-CNN-RNN on a structured joint embedding with an
    image encoder and keeps it fixed. Here `text_encoder` (`keras_gan.networks.text`,
    word-level embedding + GRU) is pretrained the same way for `text_pretrain_steps` steps
    (`keras_gan.networks.text.JointEmbedding`: each image must pick out its caption in the
    batch), which `fit()` runs first. It then goes on training with the discriminator, on the
    matching-aware loss (`d_optimizer` updates both): distinguishing right from wrong captions
    is what keeps its embedding discriminative. The generator's updates do not reach it (its
    embedding enters G as a constant). Wrong captions are the batch's embeddings rolled by one
    (each image gets its neighbour's caption; batches are shuffled).

    The hyperparameters are keyword arguments, with the defaults of `GANINTCLSConfig` (from
    Python, `text_pretrain_steps=0`): `help(keras_gan.models.GANINTCLS)` shows them all, the
    stabilisers every model shares included.

    Args:
        generator: optional `keras.Model` `[z, phi(t)] -> images`.
        discriminator: optional `keras.Model` `[images, phi(t)] -> logit`.
        text_encoder: optional `keras.Model` `token_ids -> phi(t)`.
        vocabulary: a `keras_gan.datasets.Vocabulary` (the captions' words and length).
            Defaults to `DIGIT_VOCABULARY` (`mnist_captions`).
        image_shape: tuple. Defaults to `(28, 28, 1)`.
        latent_dim: int.
        embedding_dim: int, size of phi(t).
        compressed_dim: int, the compressed text in G and D.
        base_filters: int.
        interpolation: bool, the GAN-INT term.
        interpolation_beta: float, beta.
        text_pretrain_steps: int >= 0, joint-embedding pretraining steps of the text encoder
            that `fit()` takes first (once: the count, `text_pretrained_steps`, is saved with
            the model).
        **kwargs: `seed`, `latent_distribution` (default `"normal"`), as in `AdversarialModel`.

    Example:

    ```python
    data = keras_gan.datasets.load("mnist_captions", batch_size=64)  # (images, token_ids)
    model = keras_gan.models.GANINTCLS(image_shape=(28, 28, 1), text_pretrain_steps=1000)
    model.compile()  # Adam(2e-4, beta_1=0.5)
    model.fit(data, epochs=5)  # 1000 text-encoder pretraining steps, then the GAN
    images = model.generate(["a thick seven", "a small thin 2"])
    ```

    Reference: https://arxiv.org/abs/1605.05396
    """

    network_names = ("generator", "discriminator", "text_encoder")
    #: What the CLI loads for it (keras_gan.train): captioned batches.
    data_kind = "captioned"
    optimizer_targets = {
        "d_optimizer": "discriminator_and_text_encoder",
        "g_optimizer": "generator",
    }

    def __init__(
        self,
        generator=None,
        discriminator=None,
        text_encoder=None,
        vocabulary=None,
        image_shape=(28, 28, 1),
        *,
        latent_dim,
        embedding_dim,
        compressed_dim,
        base_filters,
        **kwargs,
    ):
        kwargs.pop("log_names", None)
        if isinstance(vocabulary, dict):
            vocabulary = Vocabulary.from_config(vocabulary)
        vocabulary = vocabulary or DIGIT_VOCABULARY
        image_shape = tuple(image_shape)
        text_encoder = text_encoder or build_text_encoder(
            vocabulary.vocabulary_size, vocabulary.max_len, embedding_dim=embedding_dim
        )
        embedding_dim = text_encoder.output_shape[-1]
        generator = generator or text_conditional_generator(
            image_shape, latent_dim, embedding_dim, compressed_dim, base_filters
        )
        discriminator = discriminator or matching_discriminator(
            image_shape, embedding_dim, compressed_dim, base_filters
        )
        kwargs.setdefault("latent_distribution", "normal")
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        self.text_encoder = text_encoder
        self.vocabulary = vocabulary
        # Pretraining steps taken, saved with the weights: a reloaded model does not redo them.
        self.text_pretrained_steps = self.add_weight(
            name="text_pretrained_steps",
            shape=(),
            dtype="int32",
            initializer="zeros",
            trainable=False,
        )

    @property
    def discriminator_and_text_encoder(self):
        """The discriminator's optimizer target: D and the text encoder, trained together."""
        return JointNetworks(self.discriminator, self.text_encoder)

    @staticmethod
    def unpack_captions(data):
        """`(images, token_ids)` from a batch `(images, token_ids[, labels])`."""
        if isinstance(data, (tuple, list)) and isinstance(data[0], (tuple, list)):
            data = data[0]  # fit((a, b)) and train_on_batch((a, b)) arrive as ((a, b), ...)
        return data[0], data[1]

    def train_step(self, data):
        images, tokens = self.unpack_captions(data)
        images = ops.convert_to_tensor(images)  # a list input to D must not mix numpy and tensors
        m = ops.shape(images)[0]
        z = self.sample_latent(m)

        def discriminator_loss():
            h = self.text_encoder(tokens, training=True)  # phi(t), right text
            h_wrong = ops.roll(h, 1, axis=0)  # each image's neighbour's caption: wrong text
            fake = ops.stop_gradient(self.generator([z, ops.stop_gradient(h)], training=True))
            s_r = self.discriminator([images, h], training=True)  # {real image, right text}
            s_w = self.discriminator([images, h_wrong], training=True)  # {real image, wrong text}
            s_f = self.discriminator([fake, h], training=True)  # {fake image, right text}
            return matching_aware_discriminator_loss(s_r, s_w, s_f)

        d_loss, _ = self.minimize(
            discriminator_loss, self.discriminator_and_text_encoder, self.d_optimizer
        )

        # The generator sees the embedding as a constant: its updates do not reach the encoder.
        h = ops.stop_gradient(self.text_encoder(tokens, training=True))
        # generator_steps generator updates (1 in the paper), each on fresh noise
        for _ in self.generator_updates():
            z = self.sample_latent(m)
            z_int = self.sample_latent(m)

            def generator_loss():
                # -log D(G(z, h), h)
                loss = losses.non_saturating_generator_loss(
                    self.discriminator([self.generator([z, h], training=True), h], training=True)
                )
                if self.interpolation:
                    # GAN-INT: -log D(G(z, h_int), h_int), h_int = beta h_1 + (1 - beta) h_2
                    h_int = interpolate_embeddings(
                        h, ops.roll(h, 1, axis=0), self.interpolation_beta
                    )
                    fake = self.generator([z_int, h_int], training=True)
                    loss = loss + losses.non_saturating_generator_loss(
                        self.discriminator([fake, h_int], training=True)
                    )
                return loss

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss)

    def discriminator_inputs(self, data):
        """The discriminator's input for a batch's real images: `[images, phi(t)]`, their
        captions' embeddings."""
        images, tokens = self.unpack_captions(data)
        return [ops.convert_to_tensor(images), self.text_encoder(tokens, training=False)]

    def generated_discriminator_inputs(self, data):
        """The discriminator's input for generated images (R2): `[G(z, phi(t)), phi(t)]` with
        the batch's captions."""
        images, h = self.discriminator_inputs(data)
        fake = self.generator([self.sample_latent(ops.shape(images)[0]), h], training=True)
        return [fake, h]

    # -- Text ------------------------------------------------------------------------------------

    def pretrain_text_encoder(self, x, steps, batch_size=64, verbose=0):
        """Pretrains the text encoder on the joint embedding (`keras_gan.networks.text`).

        Args:
            x: `(images, token_ids)` data, as for `fit()`.
            steps: int > 0, optimizer steps (Adam 1e-3, its own optimizer).
            batch_size: int, for array data. Defaults to 64.
            verbose: passed to `fit`. Defaults to 0.

        Returns:
            The trained `JointEmbedding` (its `history` has the loss).
        """
        if isinstance(x, (tuple, list)) and len(x) >= 2:
            x = (x[0], x[1])
        embedding = pretrain_text_encoder(
            self.text_encoder, x, int(steps), image_shape=self.generator.output_shape[1:],
            batch_size=batch_size, verbose=verbose, seed=self.seed if self.seed is not None else 0,
        )  # fmt: skip
        self.text_pretrained_steps.assign(self.text_pretrained_steps + int(steps))
        return embedding

    def fit(self, x=None, y=None, **kwargs):
        """Pretrains the text encoder first (while fewer than `text_pretrain_steps` steps were
        taken), then runs the adversarial training."""
        self._check_compiled()
        self._check_data(x, kwargs.get("batch_size"))
        remaining = self.text_pretrain_steps - int(ops.convert_to_numpy(self.text_pretrained_steps))
        if remaining > 0:
            self.pretrain_text_encoder(x, remaining, kwargs.get("batch_size") or 64)
        return super().fit(x, y, **kwargs)

    def encode_captions(self, captions):
        """Token ids `(n, max_len)` of caption strings, with the model's vocabulary.

        Raises:
            ValueError: for a caption with no known word, naming its words.
        """
        if isinstance(captions, str):
            captions = [captions]
        ids = self.vocabulary.encode(list(captions))
        for caption, row in zip(captions, ids):
            if not np.any(row > self.vocabulary.unknown_id):
                words = Vocabulary.tokenize(caption)
                known = ", ".join(self.vocabulary.words[2:])
                raise ValueError(
                    f"The caption {caption!r} has no word the vocabulary knows (unknown: "
                    f"{', '.join(words) or 'none, it is empty'}). Known words: {known}"
                )
        return ids

    def embed(self, token_ids):
        """phi(t) of token ids, as numpy."""
        return ops.convert_to_numpy(
            self.text_encoder(np.asarray(token_ids, "int32"), training=False)
        )

    def sample_inputs(self, num_samples, seed=0, batch=None):
        """`generate()` keywords for the CLI's sample grids: a training batch's captions, fixed z."""
        if batch is None:
            raise NotImplementedError("GANINTCLS samples from captions: pass a batch.")
        tokens = np.asarray(self.unpack_captions(batch)[1])[:num_samples]
        return {"token_ids": tokens, "latents": self._latents(len(tokens), None, seed)}

    def generate(
        self,
        captions=None,
        num_samples=None,
        latents=None,
        seed=None,
        token_ids=None,
        batch_size=256,
    ):
        """Images for captions: one per caption (or per row of `latents`).

        Args:
            captions: str or list of str, encoded with the model's vocabulary.
            num_samples: optional int, samples per caption when `latents` is not given.
                Defaults to 1.
            latents: optional array `(n, latent_dim)`, one per caption.
            seed: optional int, seed of fresh latents.
            token_ids: optional int array `(n, max_len)` instead of `captions`.
            batch_size: int. Defaults to 256.

        Returns:
            numpy `(n, *image_shape)`, captions repeated `num_samples` times each in order.
        """
        if token_ids is None:
            if captions is None:
                raise ValueError("generate() needs `captions` (a list of strings) or `token_ids`.")
            token_ids = self.encode_captions(captions)
        token_ids = np.asarray(token_ids, "int32")
        if latents is None:
            token_ids = np.repeat(token_ids, int(num_samples or 1), axis=0)
            latents = self._latents(len(token_ids), None, seed)
        else:
            latents = self._latents(None, latents, seed)
            if len(latents) != len(token_ids):
                raise ValueError(
                    f"generate() needs one latent per caption: {len(token_ids)} captions. "
                    f"Received: latents of shape {latents.shape}"
                )
        embeddings = self.embed(token_ids)
        return self._decode(
            lambda lo, hi: [latents[lo:hi], embeddings[lo:hi]], len(latents), batch_size
        )

    def _check_data(self, x, batch_size=None):
        tf = sys.modules.get("tensorflow")  # tf.data implies TensorFlow is imported
        if tf is not None and isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            if not isinstance(spec, tuple) or len(spec) < 2:
                raise ValueError(
                    "GANINTCLS trains on (images, token_ids) batches, e.g. "
                    f"keras_gan.datasets.load('mnist_captions'). Received a dataset of {spec}"
                )
            images_shape, tokens_shape, tokens_dtype = (
                spec[0].shape,
                spec[1].shape,
                spec[1].dtype.name,
            )
            first = next(iter(x.take(1)), None)
            if first is None:
                raise ValueError("The dataset passed to fit() is empty.")
            images = np.asarray(first[0])
        elif isinstance(x, (tuple, list)) and len(x) >= 2:
            images, tokens = np.asarray(x[0]), np.asarray(x[1])
            images_shape, tokens_shape, tokens_dtype = (
                (None, *images.shape[1:]),
                tokens.shape,
                tokens.dtype.name,
            )
        else:
            raise ValueError(
                "GANINTCLS trains on (images, token_ids) pairs: pass a tuple of two arrays or a "
                f"dataset of them. Received: {type(x).__name__}"
            )
        self.check_samples(images_shape, images.dtype.name, (images.min(), images.max()))
        expected = self.text_encoder.input_shape[-1]
        if len(tokens_shape) != 2 or tokens_shape[-1] != expected or "int" not in tokens_dtype:
            raise ValueError(
                f"Captions must be integer token ids of shape (batch, {expected}) (the "
                f"vocabulary's max_len). Received: shape {tuple(tokens_shape)}, dtype {tokens_dtype}"
            )

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary.get_config()}
