"""WGAN: Wasserstein GAN with weight clipping (Arjovsky et al. 2017)."""

import dataclasses

import keras
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import AugmentConfig, field
from keras_gan.networks import dcgan_networks
from keras_gan.registry import register


@dataclasses.dataclass
class WGANConfig(AugmentConfig):
    latent_dim: int = field(
        100,
        "Size of z; the authors' code draws 100-dimensional N(0, 1) noise.",
    )
    base_filters: int = field(
        64,
        "Width of the DCGAN networks the paper's experiments use (64 as dcgan.torch).",
    )
    clip_value: float = field(
        0.01,
        'Algorithm 1: "c, the clipping parameter. c = 0.01".',
    )
    discriminator_steps: int = field(
        5,
        'Algorithm 1: "n_critic, the number of iterations of the critic per generator '
        'iteration. n_critic = 5".',
    )
    learning_rate: float = field(
        5e-5,
        'Algorithm 1: "alpha, the learning rate. alpha = 0.00005", with RMSProp.',
    )
    batch_size: int = field(
        64,
        "Algorithm 1's minibatch size m = 64. The command line loads batches of n_critic * m "
        "samples, one minibatch per critic update.",
    )


@register(
    "wgan",
    config=WGANConfig,
    summary="Arjovsky et al. 2017: Wasserstein critic with weight clipping, RMSProp",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class WGAN(AdversarialModel):
    r"""WGAN: a critic estimates the Wasserstein-1 distance, the generator minimises it.

    $$\min_G \max_{\lVert f\rVert_L \le K} \mathbb{E}_{x \sim P_r}[f(x)]
      - \mathbb{E}_{z}[f(G(z))]$$

    By the Kantorovich-Rubinstein duality the maximum is $K \cdot W(P_r, P_g)$, which is
    continuous in the generator's parameters and gives useful gradients where the JS divergence
    saturates. `train_step` is the paper's Algorithm 1: `discriminator_steps` (n_critic = 5)
    RMSProp updates of the critic, each on its own minibatch of real samples and noise, each
    followed by clipping every critic weight to $[-c, c]$ (c = 0.01) to keep $f$ K-Lipschitz;
    then one RMSProp update of the generator. The critic outputs an unbounded score (no
    sigmoid). It keeps DCGAN's BatchNorm, as in the paper's DCGAN experiments and the authors'
    code. The log `wasserstein` is the critic's estimate $\mathbb{E}[f(x)] - \mathbb{E}[f(G(z))]$
    (minus the last critic loss), the quantity the paper shows to correlate with sample quality.

    The hyperparameters are keyword arguments, with the defaults of `WGANConfig`:
    `help(keras_gan.models.WGAN)` shows them all, the stabilisers every model shares included.

    Args:
        generator: optional `keras.Model`. Defaults to `dcgan_generator(image_shape,
            latent_dim, base_filters)`.
        discriminator: optional critic `keras.Model` (one score per sample). Defaults to
            `dcgan_discriminator(image_shape, base_filters)`, BatchNorm included.
        latent_dim: int.
        image_shape: tuple, for the default networks. Defaults to `(28, 28, 1)`.
        base_filters: int, width of the default networks.
        clip_value: float > 0, the clipping bound c.
        discriminator_steps: int >= 1, n_critic. A fit batch of `n_critic * m` samples gives
            each critic update its own m.
        latent_distribution: `"normal"` (the authors' code) or `"uniform"`. Defaults to
            `"normal"`.
        **kwargs: `seed`, ... as in `AdversarialModel`.

    Example:

    ```python
    wgan = keras_gan.models.WGAN(image_shape=(28, 28, 1))
    wgan.compile()  # RMSprop(5e-5) for the critic and the generator
    wgan.fit(keras_gan.datasets.load("mnist", batch_size=5 * 64), epochs=1)
    ```

    Reference: https://arxiv.org/abs/1701.07875
    """

    log_names = ("d_loss", "g_loss", "wasserstein")
    #: ADA reads sign(D(x_real)); a critic's score has no meaningful sign (only differences of
    #: scores matter, its offset is free), so only DiffAugment's fixed probability applies.
    ada_refusal = (
        "ADA's heuristic r_t = E[sign(D(x_real))] needs a discriminator whose sign says real or "
        "fake; a Wasserstein critic's score is defined up to a constant, so its sign says nothing"
    )
    label_smoothing_refusal = (
        "one-sided label smoothing moves the real target of the cross-entropy; a Wasserstein "
        "critic's scores are unbounded, with no target to smooth"
    )

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(28, 28, 1),
        latent_distribution="normal",
        seed=None,
        *,
        latent_dim,
        base_filters,
        **kwargs,
    ):
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

    def train_step(self, data):
        c = self.clip_value
        # n_critic minibatches of m real samples, one per critic update
        for real_samples in self.minibatches(self.unpack_images(data)):
            m = ops.shape(real_samples)[0]
            z = self.sample_latent(m)

            def critic_loss():
                fake_samples = ops.stop_gradient(self.generator(z, training=True))
                real_scores = self.discriminator(real_samples, training=True)
                fake_scores = self.discriminator(fake_samples, training=True)
                # -(E[f(x)] - E[f(G(z))]): ascend the Wasserstein estimate
                return losses.wasserstein_critic_loss(real_scores, fake_scores)

            d_loss, _ = self.minimize(critic_loss, self.discriminator, self.d_optimizer)
            # w <- clip(w, -c, c) after every critic update (Algorithm 1, line 7)
            for weight in self.discriminator.trainable_variables:
                weight.assign(ops.clip(weight, -c, c))

        # generator_steps generator updates (1 in the paper), each on fresh noise
        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                # -E[f(G(z))]
                fake_scores = self.discriminator(self.generator(z, training=True), training=True)
                return losses.wasserstein_generator_loss(fake_scores)

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss, wasserstein=-d_loss)

    def optimizers_from_config(self, config):
        """RMSProp at the config's rate. rho = 0.99 and epsilon = 1e-8 are the PyTorch RMSprop
        defaults the authors' code ran with (the paper states neither)."""
        rates = self.learning_rates(config)  # learning_rate, or TTUR's two rates
        return {
            name: keras.optimizers.RMSprop(learning_rate=rates[name], rho=0.99, epsilon=1e-8)
            for name in self.optimizer_targets
        }
