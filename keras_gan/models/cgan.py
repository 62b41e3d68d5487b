"""Conditional GAN (Mirza & Osindero 2014): both networks conditioned on the class label."""

import dataclasses
import sys

import keras
import numpy as np
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import AugmentConfig, field
from keras_gan.models.gan import GENERATOR_LOSSES
from keras_gan.networks.conditional import (
    CONDITIONINGS,
    conditional_discriminator,
    conditional_generator,
)
from keras_gan.registry import register


class LabelConditioned:
    """What every label-conditioned variant shares: label checks, labelled data, `generate`.

    The host class sets `self.num_classes` and has a generator taking `[latents, labels]`.
    """

    #: Why the model needs labelled data, for the message refusing unlabelled data.
    labelled_data_reason = "is conditional"

    @staticmethod
    def check_num_classes(num_classes):
        """Raises a ValueError unless `num_classes` is an integer >= 2 (a bool is not one)."""
        if (
            isinstance(num_classes, bool)
            or not isinstance(num_classes, (int, np.integer))
            or num_classes < 2
        ):
            raise ValueError(
                f"`num_classes` must be an integer >= 2. Received: num_classes={num_classes!r}"
            )

    def _check_labels(self, labels, count=None, what="labels"):
        """Returns `labels` as an int32 vector `(n,)`, or raises a ValueError naming them."""
        name = type(self).__name__
        array = np.asarray(labels)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(
                f"{name} takes `{what}` as class indices of shape (n,). "
                f"Received: {what} of shape {array.shape}"
            )
        if array.size and not (
            np.issubdtype(array.dtype, np.integer)
            or (np.issubdtype(array.dtype, np.floating) and np.all(array == np.round(array)))
        ):
            raise ValueError(
                f"{name} takes integer class indices. Received: {what} of dtype {array.dtype}"
            )
        if array.size and (array.min() < 0 or array.max() >= self.num_classes):
            bad = array[(array < 0) | (array >= self.num_classes)]
            raise ValueError(
                f"{name} has {self.num_classes} classes: `{what}` must lie in "
                f"[0, {self.num_classes - 1}]. Received: {what} containing {bad[:5].tolist()}"
            )
        if count is not None and len(array) != count:
            raise ValueError(
                f"{name}: got {len(array)} {what} for {count} samples. Received: "
                f"{what} of shape {array.shape}"
            )
        return array.astype("int32")

    def _check_data(self, x, batch_size=None):
        """Labelled data: `(images, labels)` batches; the labels in range, one per image."""
        tf = sys.modules.get("tensorflow")
        name = type(self).__name__
        message = (
            f"{name} {self.labelled_data_reason}: it trains on (images, labels) batches, e.g. "
            "keras_gan.datasets.load(name, with_labels=True) or fit((images, labels)). "
        )
        if tf is not None and isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            if not isinstance(spec, (tuple, list)) or len(spec) < 2:
                raise ValueError(message + f"Received: a dataset of {spec}")
            super()._check_data(x, batch_size)
            first = next(iter(x.take(1)))
            images, labels = np.asarray(first[0]), np.asarray(first[1])
        elif isinstance(x, (tuple, list)) and len(x) >= 2:
            super()._check_data(x, batch_size)
            images, labels = np.asarray(x[0]), np.asarray(x[1])
        else:
            received = (
                f"an array of shape {np.shape(x)}" if hasattr(x, "shape") else type(x).__name__
            )
            raise ValueError(message + f"Received: {received}")
        self._check_labels(labels, count=len(images))

    def fit(self, x=None, y=None, **kwargs):
        # fit(images, labels) is fit((images, labels))
        if y is not None:
            x, y = (x, y), None
        return super().fit(x, y, **kwargs)

    @staticmethod
    def unpack_labelled(data):
        """`(images, labels)` of a batch, labels as an int32 vector `(batch,)`."""
        # fit((x, y)) gives ((x, y),), train_on_batch((x, y)) ((x, y), None, None)
        while (
            isinstance(data, (tuple, list))
            and len(data) >= 1
            and (len(data) == 1 or all(d is None for d in data[1:]))
        ):
            data = data[0]
        if isinstance(data, dict):
            images, labels = data["images"], data["labels"]
        else:
            images, labels = data[0], data[1]
        images = ops.convert_to_tensor(images)
        return images, ops.reshape(ops.cast(ops.convert_to_tensor(labels), "int32"), (-1,))

    def sample_labels(self, batch_size):
        """Uniform class labels `(batch_size,)` from the model's random stream."""
        return keras.random.randint(
            (batch_size,), 0, self.num_classes, dtype="int32", seed=self.seed_generator
        )

    def generate(self, num_samples=None, labels=None, latents=None, seed=None, batch_size=256):
        """Samples from the generator for the requested labels.

        Args:
            num_samples: int, how many samples. Optional when `labels` (or `latents`) fixes it.
            labels: optional int or array `(n,)` of class indices in `[0, num_classes)`; one int
                is repeated for every sample. `None` draws the labels uniformly.
            latents: optional array `(n, latent_dim)`; fresh latents when `None`.
            seed: optional int, seed of the fresh latents and labels.
            batch_size: int, generator batch size. Defaults to 256.

        Returns:
            numpy array `(n, *sample_shape)` in [-1, 1].

        Raises:
            ValueError: labels out of range, not integers, of the wrong shape, or a count that
                disagrees with `num_samples` / `latents`.
        """
        if labels is not None and np.ndim(labels) == 0:
            if num_samples is None:
                num_samples = 1 if latents is None else len(latents)
            labels = np.full((int(num_samples),), labels)
        if labels is not None:
            labels = self._check_labels(labels)
            expected = len(latents) if latents is not None else num_samples
            labels = self._check_labels(labels, count=expected)
            num_samples = len(labels)
        if latents is not None:
            num_samples = len(latents)
        latents = self._latents(num_samples, latents, seed)
        if labels is None:
            rng = np.random.default_rng(seed)
            labels = rng.integers(0, self.num_classes, len(latents)).astype("int32")
        return self._decode(
            lambda lo, hi: [latents[lo:hi], labels[lo:hi]], len(latents), batch_size
        )


class BothConditioned(LabelConditioned):
    """A label-conditioned model whose two networks both take the label: the generator
    `[z, y]`, the discriminator `[images, y]` (CGAN, SAGAN's projection discriminator). What the
    core asks of such a model's discriminator inputs, and `model([z, y])`."""

    def discriminator_inputs(self, data):
        """The discriminator's input for a batch's real images: `[images, labels]`."""
        return list(self.unpack_labelled(data))

    def generated_discriminator_inputs(self, data):
        """The discriminator's input for generated images (R2): `[G(z | y), y]` with the
        batch's labels y."""
        images, labels = self.unpack_labelled(data)
        fake = self.generator([self.sample_latent(ops.shape(images)[0]), labels], training=True)
        return [fake, labels]

    def call(self, inputs, training=False):
        """`model([latents, labels])` returns the generator's samples."""
        return self.generator(inputs, training=training)


@dataclasses.dataclass
class ConditionalGANConfig(AugmentConfig):
    latent_dim: int = field(
        100,
        '"Noise prior z with dimensionality 100 was drawn from a uniform distribution" '
        "(section 4.1).",
    )
    base_filters: int = field(
        64,
        "Width of the DCGAN-style conditional networks. The paper's MNIST nets are MLPs "
        "(maxout D); convolutional CGANs are the modern form; 64 as dcgan.torch.",
    )
    conditioning: str = field(
        "onehot",
        'How y enters both networks: "onehot" concatenation (the paper\'s) or a learned '
        '"embedding".',
        choices=CONDITIONINGS,
    )
    generator_loss: str = field(
        "non_saturating",
        '"non_saturating" (GAN paper, section 3) or "minimax" (equation 2 literally).',
        choices=tuple(GENERATOR_LOSSES),
    )
    learning_rate: float = field(
        2e-4,
        "Adam(2e-4, 0.5) as in DCGAN: the paper's SGD schedule (lr 0.1 decayed by 1.00004 per "
        "step, momentum 0.5 -> 0.7) was tuned for its maxout MLPs, not for convolutional "
        "networks.",
    )
    beta_1: float = field(0.5, "Adam beta_1: DCGAN's 0.5, with its learning rate.")
    batch_size: int = field(
        100,
        '"mini-batch stochastic gradient descent with mini-batches of size 100" (section 4.1).',
    )

    PAPER = {"batch_size": 100}


@register(
    "cgan",
    config=ConditionalGANConfig,
    summary="Mirza & Osindero 2014: G(z|y) and D(x|y), label-conditioned",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class ConditionalGAN(BothConditioned, AdversarialModel):
    r"""Conditional GAN: generator and discriminator both receive the class label y.

    $$\min_G \max_D V(D, G) = \mathbb{E}_{x, y \sim p_{data}}[\log D(x \mid y)]
      + \mathbb{E}_{z \sim p_z, y \sim p_{data}}[\log(1 - D(G(z \mid y) \mid y))]$$

    The GAN game played per class: the discriminator judges whether an image is a real example
    *of label y*, so the generator must produce images that match the label it was given.
    `train_step` is GAN's Algorithm 1 with y fed to both networks (the fake samples of a step use
    the real batch's labels, i.e. y drawn from the data's label distribution); the generator
    maximises $\log D(G(z \mid y) \mid y)$ (non-saturating) by default.

    The hyperparameters are keyword arguments, with the defaults of `ConditionalGANConfig`:
    `help(keras_gan.models.ConditionalGAN)` shows them all, the stabilisers every model shares
    included.

    Args:
        generator: optional `keras.Model` `[z (batch, latent_dim), y (batch,) int]` -> images.
            Defaults to `conditional_generator` (y concatenated to z, DCGAN decoder).
        discriminator: optional `keras.Model` `[images, y]` -> one logit. Defaults to
            `conditional_discriminator` (label maps stacked on the image, DCGAN encoder).
        latent_dim: int, size of z.
        num_classes: int, number of labels. Defaults to 10.
        image_shape: tuple for the default networks: `(28, 28, 1)` or `(32, 32, 3)`.
            Defaults to `(28, 28, 1)`.
        base_filters: int, width of the default networks.
        conditioning: `"onehot"` (the paper's) or `"embedding"`.
        generator_loss: `"non_saturating"` or `"minimax"`.
        latent_distribution: `"uniform"` (the paper's) or `"normal"`. Defaults to `"uniform"`.
        **kwargs: `discriminator_steps`, `seed`, ... as in `AdversarialModel`.

    Example:

    ```python
    cgan = keras_gan.models.ConditionalGAN(num_classes=10)
    cgan.compile()
    cgan.fit(keras_gan.datasets.load("mnist", batch_size=100, with_labels=True), epochs=1)
    sevens = cgan.generate(labels=[7] * 16)
    ```

    Reference: https://arxiv.org/abs/1411.1784
    """

    data_kind = "labelled"

    def __init__(
        self,
        generator=None,
        discriminator=None,
        num_classes=10,
        image_shape=(28, 28, 1),
        latent_distribution="uniform",
        seed=None,
        *,
        latent_dim,
        base_filters,
        conditioning,
        **kwargs,
    ):
        self.check_num_classes(num_classes)
        image_shape = tuple(image_shape)
        generator = generator or conditional_generator(
            image_shape, latent_dim, num_classes, base_filters, conditioning, seed=seed
        )
        discriminator = discriminator or conditional_discriminator(
            image_shape,
            num_classes,
            base_filters,
            conditioning,
            seed=None if seed is None else seed + 1000,
        )
        super().__init__(
            generator,
            discriminator,
            latent_dim,
            latent_distribution=latent_distribution,
            seed=seed,
            **kwargs,
        )
        self.num_classes = int(num_classes)
        self.image_shape = image_shape
        self.base_filters = base_filters
        self.conditioning = conditioning

    def train_step(self, data):
        images, labels = self.unpack_labelled(data)
        # k minibatches of m labelled real samples, one per discriminator update
        for real, y in zip(self.minibatches(images), self.minibatches(labels)):
            m = ops.shape(real)[0]
            z = self.sample_latent(m)

            def discriminator_loss():
                # G(z | y) with the real batch's labels; no gradient into the generator
                fake = ops.stop_gradient(self.generator([z, y], training=True))
                real_logits = self.discriminator([real, y], training=True)
                fake_logits = self.discriminator([fake, y], training=True)
                # -[log D(x|y) + log(1 - D(G(z|y)|y))]
                return losses.minimax_discriminator_loss(real_logits, fake_logits)

            d_loss, _ = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        # generator_steps generator updates (1 in the paper), each on fresh noise, for the
        # labels of the last minibatch
        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                fake_logits = self.discriminator(
                    [self.generator([z, y], training=True), y], training=True
                )
                # -log D(G(z|y)|y) (non-saturating) or log(1 - D(G(z|y)|y)) (minimax)
                return GENERATOR_LOSSES[self.generator_loss](fake_logits)

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss)
