"""GAN: the original generative adversarial network (Goodfellow et al. 2014)."""

import dataclasses

import keras
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel, check_latent_dim
from keras_gan.config import AugmentConfig, check_value, field
from keras_gan.networks import mlp_discriminator, mlp_generator
from keras_gan.registry import register

GENERATOR_LOSSES = {
    "non_saturating": losses.non_saturating_generator_loss,
    "minimax": losses.minimax_generator_loss,
}


@dataclasses.dataclass
class GANConfig(AugmentConfig):
    latent_dim: int = field(
        100,
        "Size of z. The paper does not fix it; 100 is the convention since DCGAN.",
    )
    generator_units: tuple = field(
        (256, 512),
        "Generator hidden widths. CPU scale; the paper's MNIST net has two layers of 1200 "
        "(--paper).",
    )
    discriminator_units: tuple = field(
        (240, 240),
        "Maxout units per discriminator layer (the paper's pylearn2 MNIST model: 240 x 5 pieces).",
    )
    maxout_pieces: int = field(
        5,
        "Linear pieces per maxout unit.",
    )
    dropout: float = field(
        0.5,
        'Dropout before each discriminator layer ("dropout was applied in training the '
        'discriminator").',
    )
    generator_loss: str = field(
        "non_saturating",
        '"non_saturating" (the paper\'s practical choice, section 3) or "minimax" (equation 1).',
        choices=tuple(GENERATOR_LOSSES),
    )
    discriminator_steps: int = field(
        1,
        'k of Algorithm 1: "we used k = 1, the least expensive option".',
    )
    learning_rate: float = field(
        2e-4,
        "Adam step size. The paper used SGD with momentum; Adam(2e-4, 0.5) trains these MLPs "
        "reliably on a CPU budget.",
    )
    beta_1: float = field(
        0.5,
        "Adam beta_1, as in DCGAN.",
    )

    PAPER = {"generator_units": (1200, 1200), "batch_size": 100}
    PYTHON_FROM_PAPER = ("generator_units",)


@register(
    "gan", config=GANConfig, summary="Goodfellow et al. 2014: MLPs, the minimax game, Algorithm 1"
)
@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(AdversarialModel):
    r"""The original GAN: a generator and a discriminator playing a minimax game.

    $$\min_G \max_D V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)]
      + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))]$$

    The discriminator learns to tell real samples from generated ones; the generator learns to
    make samples the discriminator calls real. `train_step` is the paper's Algorithm 1: k
    discriminator updates, each on a fresh minibatch of noise and of data, then one generator
    update. With `generator_loss="non_saturating"` (the default, as the paper recommends in
    practice) the generator maximises $\log D(G(z))$ instead of minimising $\log(1 - D(G(z)))$.

    The hyperparameters are keyword arguments, with the defaults of `GANConfig` (the paper's
    values for `generator_units`): `help(keras_gan.models.GAN)` shows them all, the stabilisers
    every model shares included.

    Args:
        generator: optional `keras.Model` from `(batch, latent_dim)` to samples. Defaults to
            the paper's fully connected generator (`keras_gan.networks.mlp_generator`).
        discriminator: optional `keras.Model` from samples to one logit per sample. Defaults
            to the paper's maxout discriminator with dropout.
        latent_dim: int, size of z.
        sample_shape: tuple, shape of one sample, used only to build the default networks.
            Defaults to `(28, 28, 1)`.
        generator_loss: `"non_saturating"` or `"minimax"`.
        generator_units: tuple of ints, hidden widths of the default generator.
        discriminator_units: tuple of ints, maxout units per layer of the default discriminator.
        maxout_pieces: int, linear pieces per maxout unit of the default discriminator.
        dropout: float in [0, 1], dropout before each layer of the default discriminator.
        **kwargs: `latent_distribution`, `discriminator_steps` (the paper's k), `seed`, ...
            as in `AdversarialModel`.

    Example:

    ```python
    gan = keras_gan.models.GAN(sample_shape=(28, 28, 1))
    gan.compile()  # Adam(2e-4, beta_1=0.5) for both networks
    gan.fit(keras_gan.datasets.load("mnist", batch_size=64), epochs=1)
    images = gan.generate(16)
    ```

    Reference: https://arxiv.org/abs/1406.2661
    """

    def __init__(
        self,
        generator=None,
        discriminator=None,
        sample_shape=(28, 28, 1),
        *,
        latent_dim,
        generator_loss,
        generator_units,
        discriminator_units,
        maxout_pieces,
        dropout,
        **kwargs,
    ):
        check_latent_dim(latent_dim)
        # Subclasses whose config has no generator_loss field (DCGAN) are checked here.
        check_value(GANConfig, "generator_loss", generator_loss, argument="generator_loss")
        generator = generator or mlp_generator(tuple(sample_shape), latent_dim, generator_units)
        discriminator = discriminator or mlp_discriminator(
            tuple(sample_shape), discriminator_units, maxout_pieces, dropout
        )
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        self.generator_loss = generator_loss

    # --8<-- [start:train_step]
    def train_step(self, data):
        # k minibatches of m real samples, one per discriminator update
        real_batches = self.minibatches(self.unpack_images(data))
        for real_samples in real_batches:
            m = ops.shape(real_samples)[0]
            z = self.sample_latent(m)

            def discriminator_loss():
                # Samples from p_g; the discriminator update must not reach the generator.
                fake_samples = ops.stop_gradient(self.generator(z, training=True))
                real_logits = self.discriminator(real_samples, training=True)
                fake_logits = self.discriminator(fake_samples, training=True)
                # -[log D(x) + log(1 - D(G(z)))]: ascend V by descending its negation
                return losses.minimax_discriminator_loss(real_logits, fake_logits)

            d_loss, _ = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        # generator_steps generator updates (1 in the paper), each on fresh noise
        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                fake_logits = self.discriminator(self.generator(z, training=True), training=True)
                # log(1 - D(G(z))) (minimax) or -log D(G(z)) (non-saturating)
                return GENERATOR_LOSSES[self.generator_loss](fake_logits)

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss)

    # --8<-- [end:train_step]
