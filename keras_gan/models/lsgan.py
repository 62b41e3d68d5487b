"""LSGAN: least squares generative adversarial networks (Mao et al. 2017)."""

import dataclasses

import keras
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import AugmentConfig, field
from keras_gan.networks import dcgan_networks
from keras_gan.registry import register

#: The two codings of the paper: equation 9 (0-1, used in its experiments) and equation 8
#: (b - c = 1 and b - a = 2, under which the objective minimises the Pearson chi^2 divergence).
CODINGS = {"0-1": (0.0, 1.0, 1.0), "pearson": (-1.0, 1.0, 0.0)}


@dataclasses.dataclass
class LSGANConfig(AugmentConfig):
    latent_dim: int = field(
        100,
        "Size of z; the paper follows DCGAN (100-dimensional, uniform).",
    )
    base_filters: int = field(
        64,
        "Width of the DCGAN-style networks (64 as dcgan.torch). The paper's LSUN nets are "
        "VGG-like at 112x112, far beyond a CPU budget.",
    )
    a: float = field(
        0.0,
        "Target for fake samples (equation 9: a = 0).",
    )
    b: float = field(
        1.0,
        "Target for real samples (equation 9: b = 1).",
    )
    c: float = field(
        1.0,
        "What G wants D to believe about fakes (equation 9: c = 1).",
    )
    learning_rate: float = field(
        2e-4,
        "Adam step size 2e-4 (the DCGAN value the paper's setup follows; the paper lists 1e-3 "
        "for its LSUN scene runs, --paper).",
    )
    beta_1: float = field(
        0.5,
        'Adam beta_1 = 0.5: "Following DCGAN, beta_1 for Adam optimizer is set to 0.5".',
    )

    PAPER = {"learning_rate": 1e-3, "image_size": 64}
    # From Python the targets follow the `coding` argument unless given ("0-1": equation 9's
    # a = 0, b = c = 1; "pearson": equation 8's a = -1, b = 1, c = 0): None is the coding's.
    PYTHON = {"a": None, "b": None, "c": None}


@register(
    "lsgan", config=LSGANConfig, summary="Mao et al. 2017: least-squares losses (Pearson chi^2)"
)
@keras.saving.register_keras_serializable(package="keras_gan")
class LSGAN(AdversarialModel):
    r"""LSGAN: the discriminator is a least-squares regressor instead of a classifier.

    $$\min_D \tfrac12\mathbb{E}_{x}[(D(x) - b)^2] + \tfrac12\mathbb{E}_{z}[(D(G(z)) - a)^2],
      \qquad \min_G \tfrac12\mathbb{E}_{z}[(D(G(z)) - c)^2]$$

    The discriminator regresses real samples to $b$ and generated ones to $a$; the generator
    pulls its samples' scores to $c$. Unlike the sigmoid cross-entropy, the squared error keeps
    penalising generated samples that are on the "real" side of the decision boundary but far
    from the data, so the generator's gradients do not vanish. The default is the 0-1 coding of
    the paper's equation 9 ($a=0$, $b=c=1$), which its experiments use; `coding="pearson"`
    gives equation 8 ($a=-1$, $b=1$, $c=0$), under which training minimises the Pearson
    $\chi^2$ divergence between $p_{data} + p_g$ and $2p_g$. The discriminator outputs an
    unbounded score (no sigmoid). One discriminator update, then one generator update.

    The hyperparameters are keyword arguments, with the defaults of `LSGANConfig` (from Python,
    `a=None`, `b=None`, `c=None`): `help(keras_gan.models.LSGAN)` shows them all, the
    stabilisers every model shares included.

    Args:
        generator: optional `keras.Model`. Defaults to `dcgan_generator(image_shape,
            latent_dim, base_filters)`.
        discriminator: optional `keras.Model` to one score per sample. Defaults to
            `dcgan_discriminator(image_shape, base_filters)`.
        latent_dim: int.
        image_shape: tuple, for the default networks. Defaults to `(28, 28, 1)`.
        base_filters: int, width of the default networks.
        coding: `"0-1"` (equation 9) or `"pearson"` (equation 8); sets a, b, c unless they are
            given. Defaults to `"0-1"`.
        a: optional float, target of generated samples for D.
        b: optional float, target of real samples for D.
        c: optional float, target of generated samples for G.
        latent_distribution: `"uniform"` (DCGAN's, which the paper follows) or `"normal"`.
            Defaults to `"uniform"`.
        **kwargs: `discriminator_steps`, `seed`, ... as in `AdversarialModel`.

    Example:

    ```python
    lsgan = keras_gan.models.LSGAN(image_shape=(28, 28, 1))
    lsgan.compile()  # Adam(2e-4, beta_1=0.5)
    lsgan.fit(keras_gan.datasets.load("mnist", batch_size=64), epochs=1)
    ```

    Reference: https://arxiv.org/abs/1611.04076
    """

    label_smoothing_refusal = (
        "one-sided label smoothing moves the real target of the cross-entropy; LSGAN's real "
        "target is its own b (set b, e.g. 0.9, to regress real samples to less than 1)"
    )

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(28, 28, 1),
        coding="0-1",
        latent_distribution="uniform",
        seed=None,
        *,
        latent_dim,
        base_filters,
        a,
        b,
        c,
        **kwargs,
    ):
        if coding not in CODINGS:
            raise ValueError(
                f"Unknown LSGAN coding. Accepted: {', '.join(CODINGS)}. Received: coding={coding!r}"
            )
        default_a, default_b, default_c = CODINGS[coding]
        a, b, c = (
            default_a if a is None else a,
            default_b if b is None else b,
            default_c if c is None else c,
        )
        if a == b:
            raise ValueError(
                f"The real and fake targets must differ (b != a). Received: a={a}, b={b}"
            )
        generator, discriminator = dcgan_networks(
            image_shape, latent_dim, base_filters, seed, generator, discriminator
        )
        super().__init__(
            generator,
            discriminator,
            latent_dim,
            latent_distribution=latent_distribution,
            seed=seed,
            **kwargs,
        )
        self.coding = coding
        self.a, self.b, self.c = float(a), float(b), float(c)

    @property
    def realness_threshold(self):
        """Halfway between the fake and real targets, (a + b) / 2: ADA counts
        sign(D(x) - (a + b) / 2) for a least-squares discriminator."""
        return (self.a + self.b) / 2.0

    def train_step(self, data):
        for real_samples in self.minibatches(self.unpack_images(data)):
            m = ops.shape(real_samples)[0]
            z = self.sample_latent(m)

            def discriminator_loss():
                fake_samples = ops.stop_gradient(self.generator(z, training=True))
                real_scores = self.discriminator(real_samples, training=True)
                fake_scores = self.discriminator(fake_samples, training=True)
                # 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]
                return losses.least_squares_discriminator_loss(
                    real_scores, fake_scores, self.a, self.b
                )

            d_loss, _ = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        # generator_steps generator updates (1 in the paper), each on fresh noise
        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                fake_scores = self.discriminator(self.generator(z, training=True), training=True)
                # 1/2 E[(D(G(z)) - c)^2]
                return losses.least_squares_generator_loss(fake_scores, self.c)

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss)
