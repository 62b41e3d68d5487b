"""WGAN-GP: Wasserstein GAN with a gradient penalty (Gulrajani et al. 2017)."""

import dataclasses

import keras
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import AugmentConfig, field
from keras_gan.models.wgan import WGAN
from keras_gan.networks.dcgan import _NORMALIZATIONS, dcgan_generator, wgan_gp_critic
from keras_gan.registry import register


@dataclasses.dataclass
class WGANGPConfig(AugmentConfig):
    latent_dim: int = field(
        128,
        "Size of z; the authors' code draws 128-dimensional N(0, 1) noise.",
    )
    base_filters: int = field(
        64,
        "Width of the DCGAN-style networks (the authors' MNIST critic: 64, 128, 256 filters).",
    )
    gp_weight: float = field(
        10.0,
        'Algorithm 1: "the gradient penalty coefficient lambda = 10".',
    )
    discriminator_steps: int = field(
        5,
        'Algorithm 1: "n_critic = 5".',
    )
    learning_rate: float = field(
        1e-4,
        'Algorithm 1: "alpha = 0.0001" with Adam.',
    )
    beta_1: float = field(
        0.0,
        'Algorithm 1: "beta_1 = 0".',
    )
    beta_2: float = field(
        0.9,
        'Algorithm 1: "beta_2 = 0.9".',
    )
    critic_normalization: str | None = field(
        None,
        'None (no normalisation in the critic) or "layer" (section 4: "we recommend layer '
        'normalization as a drop-in replacement for batch normalization").',
    )
    batch_size: int = field(
        64,
        "Algorithm 1's minibatch size m = 64. The command line loads batches of n_critic * m "
        "samples, one minibatch per critic update.",
    )


@register(
    "wgan_gp",
    config=WGANGPConfig,
    summary="Gulrajani et al. 2017: Wasserstein critic with a gradient penalty",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class WGANGP(AdversarialModel):
    r"""WGAN-GP: the Lipschitz constraint enforced by a penalty on the critic's gradient norm.

    $$L = \mathbb{E}_{\tilde x \sim P_g}[D(\tilde x)] - \mathbb{E}_{x \sim P_r}[D(x)]
      + \lambda\, \mathbb{E}_{\hat x}\big[(\lVert\nabla_{\hat x} D(\hat x)\rVert_2 - 1)^2\big],
      \quad \hat x = \epsilon x + (1 - \epsilon)\tilde x,\ \epsilon \sim U[0, 1]$$

    Weight clipping (WGAN) biases the critic towards simple functions and makes training
    sensitive to the clipping bound; instead, the critic is penalised where its gradient norm
    departs from 1 at random points between real and generated samples, where the optimal
    critic has unit gradient norm. `train_step` is the paper's Algorithm 1: n_critic = 5 Adam
    updates of the critic (each on its own real minibatch, its own noise and its own
    per-sample $\epsilon$), then one of the generator with loss $-\mathbb{E}[D(G(z))]$. The
    critic has no BatchNorm (the penalty is per sample); `critic_normalization="layer"` gives
    the paper's suggested layer normalisation. Logs: `d_loss` (the whole critic loss),
    `wasserstein` (the estimate $\mathbb{E}[D(x)] - \mathbb{E}[D(\tilde x)]$), and
    `gradient_penalty` (the unweighted penalty), from the last critic update.

    The hyperparameters are keyword arguments, with the defaults of `WGANGPConfig`:
    `help(keras_gan.models.WGANGP)` shows them all, the stabilisers every model shares included.

    Args:
        generator: optional `keras.Model`. Defaults to `dcgan_generator(image_shape,
            latent_dim, base_filters)`.
        discriminator: optional critic `keras.Model`. Defaults to `wgan_gp_critic(image_shape,
            base_filters, critic_normalization)`.
        latent_dim: int.
        image_shape: tuple, for the default networks. Defaults to `(28, 28, 1)`.
        base_filters: int, width of the default networks.
        gp_weight: float >= 0, the penalty coefficient lambda.
        discriminator_steps: int >= 1, n_critic.
        critic_normalization: `None` or `"layer"`, for the default critic.
        **kwargs: `latent_distribution`, `seed`, ... as in `AdversarialModel`.

    Example:

    ```python
    wgan_gp = keras_gan.models.WGANGP(image_shape=(28, 28, 1))
    wgan_gp.compile()  # Adam(1e-4, beta_1=0, beta_2=0.9) for both networks
    wgan_gp.fit(keras_gan.datasets.load("mnist", batch_size=5 * 64), epochs=1)
    ```

    Reference: https://arxiv.org/abs/1704.00028
    """

    log_names = ("d_loss", "g_loss", "wasserstein", "gradient_penalty")
    #: A Wasserstein critic, as WGAN's: neither ADA's sign heuristic nor label smoothing
    #: applies to it (see `WGAN`).
    ada_refusal = WGAN.ada_refusal
    label_smoothing_refusal = WGAN.label_smoothing_refusal

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(28, 28, 1),
        seed=None,
        *,
        latent_dim,
        base_filters,
        critic_normalization,
        **kwargs,
    ):
        image_shape = tuple(image_shape)
        if discriminator is None:
            discriminator = wgan_gp_critic(
                image_shape,
                base_filters,
                critic_normalization,
                seed=None if seed is None else seed + 1000,
            )
        elif critic_normalization not in _NORMALIZATIONS:
            raise ValueError(
                "`critic_normalization` must be None or 'layer'. "
                f"Received: critic_normalization={critic_normalization!r}"
            )
        generator = generator or dcgan_generator(image_shape, latent_dim, base_filters, seed=seed)
        super().__init__(
            generator,
            discriminator,
            latent_dim,
            seed=seed,
            **kwargs,
        )
        self.critic_normalization = critic_normalization

    def train_step(self, data):
        for real_samples in self.minibatches(self.unpack_images(data)):
            m = ops.shape(real_samples)[0]
            z = self.sample_latent(m)
            # epsilon ~ U[0, 1], one per sample (Algorithm 1, line 4)
            epsilon = keras.random.uniform((m,), seed=self.seed_generator)

            def critic_loss():
                fake_samples = ops.stop_gradient(self.generator(z, training=True))
                real_scores = self.discriminator(real_samples, training=True)
                fake_scores = self.discriminator(fake_samples, training=True)
                # E[D(x~)] - E[D(x)]
                wasserstein_loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
                # E[(||grad D(x^)||_2 - 1)^2] at x^ = eps x + (1 - eps) x~
                penalty = losses.gradient_penalty(
                    lambda x: self.discriminator(x, training=True),
                    real_samples,
                    fake_samples,
                    epsilon,
                )
                return wasserstein_loss + self.gp_weight * penalty, {
                    "wasserstein": -wasserstein_loss,
                    "gradient_penalty": penalty,
                }

            d_loss, extra = self.minimize(critic_loss, self.discriminator, self.d_optimizer)

        # generator_steps generator updates (1 in the paper), each on fresh noise
        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                # -E[D(G(z))]
                fake_scores = self.discriminator(self.generator(z, training=True), training=True)
                return losses.wasserstein_generator_loss(fake_scores)

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss, **extra)
