"""ACGAN: GAN with an auxiliary classifier (Odena, Olah & Shlens 2017)."""

import dataclasses

import keras
import numpy as np
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import AugmentConfig, field
from keras_gan.models.cgan import LabelConditioned
from keras_gan.models.gan import GENERATOR_LOSSES
from keras_gan.networks.conditional import acgan_discriminator, conditional_generator
from keras_gan.registry import register


def class_loss(labels, class_logits):
    r"""The auxiliary classifier's loss: the negated class log-likelihood.

    $$-\mathbb{E}[\log P(C = c \mid X)] = -\frac1m \sum_i \log \operatorname{softmax}(\ell_i)_{c_i}$$

    Args:
        labels: int tensor `(batch,)`, the class c of each sample.
        class_logits: tensor `(batch, num_classes)`, the classifier head's logits.

    Returns:
        Scalar tensor (the mean cross-entropy).
    """
    log_probs = ops.log_softmax(class_logits, axis=-1)
    picked = ops.take_along_axis(log_probs, ops.expand_dims(ops.cast(labels, "int32"), -1), axis=-1)
    return -ops.mean(picked)


@dataclasses.dataclass
class ACGANConfig(AugmentConfig):
    latent_dim: int = field(
        100,
        "Size of the noise z; the class enters as a one-hot vector beside it (the paper's "
        "CIFAR-10 generator takes 110 = 100 noise + 10 class inputs).",
    )
    base_filters: int = field(
        64,
        "Width of the DCGAN-style networks. The paper has no MNIST network; 64 as dcgan.torch.",
    )
    dropout: float = field(
        0.5,
        '"Dropout 0.5" after every discriminator layer (appendix, tables of the architectures).',
    )
    generator_loss: str = field(
        "non_saturating",
        '"non_saturating" (the GAN paper\'s practical generator loss, used by the reference '
        'implementations) or "minimax" (L_C - L_S literally).',
        choices=tuple(GENERATOR_LOSSES),
    )
    learning_rate: float = field(
        2e-4,
        "Appendix: Adam, learning rate 0.0002, beta_1 0.5, for both networks.",
    )
    beta_1: float = field(0.5, "Adam beta_1: the appendix's 0.5.")
    batch_size: int = field(
        100,
        "Appendix: batch size 100.",
    )

    PAPER = {"batch_size": 100}


@register(
    "acgan",
    config=ACGANConfig,
    summary="Odena et al. 2017: G(z, c), a discriminator with an auxiliary class head",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class ACGAN(LabelConditioned, AdversarialModel):
    r"""ACGAN: the discriminator also classifies, and the generator makes samples of a given class.

    $$L_S = \mathbb{E}[\log P(S = real \mid X_{real})] + \mathbb{E}[\log P(S = fake \mid X_{fake})]$$
    $$L_C = \mathbb{E}[\log P(C = c \mid X_{real})] + \mathbb{E}[\log P(C = c \mid X_{fake})]$$

    with $X_{fake} = G(c, z)$ and $c \sim p_c$ (uniform over the classes). The discriminator
    maximises $L_S + L_C$; the generator maximises $L_C - L_S$.

    The generator takes noise and a class label; the discriminator sees only the image and
    outputs both a real/fake logit and class logits. Its class loss is taken on real *and*
    generated samples, so the generator is pushed to make images the classifier recognises as
    the requested class. By default the generator's $-L_S$ term is the non-saturating
    $-\log P(S = real \mid X_{fake})$ (GAN paper, section 3); `generator_loss="minimax"` uses
    $\log P(S = fake \mid X_{fake})$ as written.

    The hyperparameters are keyword arguments, with the defaults of `ACGANConfig`:
    `help(keras_gan.models.ACGAN)` shows them all, the stabilisers every model shares included.

    Args:
        generator: optional `keras.Model` `[z, c]` -> images. Defaults to
            `conditional_generator` (one-hot c concatenated to z, DCGAN decoder).
        discriminator: optional `keras.Model` images -> `[source_logit (batch, 1),
            class_logits (batch, num_classes)]`. Defaults to `acgan_discriminator`.
        latent_dim: int, size of z.
        num_classes: int. Defaults to 10.
        image_shape: tuple for the default networks. Defaults to `(28, 28, 1)`.
        base_filters: int, width of the default networks.
        dropout: float, dropout of the default discriminator.
        generator_loss: `"non_saturating"` or `"minimax"`.
        latent_distribution: `"normal"` or `"uniform"`. Defaults to `"normal"`.
        **kwargs: `discriminator_steps`, `seed`, ... as in `AdversarialModel`.

    Example:

    ```python
    acgan = keras_gan.models.ACGAN(num_classes=10)
    acgan.compile()  # Adam(2e-4, beta_1=0.5), the paper's
    acgan.fit(keras_gan.datasets.load("mnist", batch_size=100, with_labels=True), epochs=1)
    threes = acgan.generate(labels=np.full(16, 3))
    ```

    Reference: https://arxiv.org/abs/1610.09585
    """

    data_kind = "labelled"
    log_names = ("d_loss", "g_loss", "class_loss_real", "class_loss_fake")

    def __init__(
        self,
        generator=None,
        discriminator=None,
        num_classes=10,
        image_shape=(28, 28, 1),
        latent_distribution="normal",
        seed=None,
        *,
        latent_dim,
        base_filters,
        dropout,
        **kwargs,
    ):
        self.check_num_classes(num_classes)
        image_shape = tuple(image_shape)
        generator = generator or conditional_generator(
            image_shape, latent_dim, num_classes, base_filters, "onehot", seed=seed
        )
        discriminator = discriminator or acgan_discriminator(
            image_shape,
            num_classes,
            base_filters,
            dropout,
            seed=None if seed is None else seed + 1000,
        )
        outputs = getattr(discriminator, "outputs", None)
        if outputs is not None and (len(outputs) != 2 or outputs[1].shape[-1] != num_classes):
            raise ValueError(
                "ACGAN's discriminator must output [source_logits (batch, 1), class_logits "
                f"(batch, {num_classes})]. Received outputs: {[tuple(o.shape) for o in outputs]}"
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
        self.dropout = dropout

    def train_step(self, data):
        images, labels = self.unpack_labelled(data)
        for real, c_real in zip(self.minibatches(images), self.minibatches(labels)):
            m = ops.shape(real)[0]
            z = self.sample_latent(m)
            c_fake = self.sample_labels(m)  # c ~ p_c

            def discriminator_loss():
                fake = ops.stop_gradient(self.generator([z, c_fake], training=True))
                source_real, classes_real = self.discriminator(real, training=True)
                source_fake, classes_fake = self.discriminator(fake, training=True)
                # -L_S = -[log P(S=real|X_real) + log P(S=fake|X_fake)]
                source = losses.minimax_discriminator_loss(source_real, source_fake)
                # -L_C, on real and on generated samples
                class_real = class_loss(c_real, classes_real)
                class_fake = class_loss(c_fake, classes_fake)
                # D maximises L_S + L_C: minimise -(L_S + L_C)
                return source + class_real + class_fake, {
                    "class_loss_real": class_real,
                    "class_loss_fake": class_fake,
                }

            d_loss, d_logs = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        # generator_steps generator updates (1 in the paper), each on fresh noise
        for _ in self.generator_updates():
            z = self.sample_latent(m)
            c = self.sample_labels(m)

            def generator_loss():
                source_fake, classes_fake = self.discriminator(
                    self.generator([z, c], training=True), training=True
                )
                # G maximises L_C - L_S: minimise -L_C + (-log P(S=real|X_fake), non-saturating)
                return GENERATOR_LOSSES[self.generator_loss](source_fake) + class_loss(
                    c, classes_fake
                )

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss, **d_logs)

    def generated_discriminator_inputs(self, data):
        """The discriminator's input for generated images (R2): G(z, c) with c ~ p_c, as in
        the training step."""
        m = ops.shape(self.unpack_labelled(data)[0])[0]
        return self.generator([self.sample_latent(m), self.sample_labels(m)], training=True)

    def call(self, inputs, training=False):
        """`model([latents, labels])` returns the generator's samples."""
        return self.generator(inputs, training=training)

    def classify(self, images, batch_size=256):
        """The auxiliary classifier's class probabilities for `images`, numpy `(n, num_classes)`."""
        images = np.asarray(images, dtype="float32")
        outputs = []
        for lo in range(0, len(images), batch_size):
            _, logits = self.discriminator(images[lo : lo + batch_size], training=False)
            outputs.append(ops.convert_to_numpy(ops.softmax(logits, axis=-1)))
        return np.concatenate(outputs, axis=0)
