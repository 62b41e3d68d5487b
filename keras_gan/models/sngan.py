"""SNGAN: spectral normalisation for GANs (Miyato et al. 2018)."""

import dataclasses

import keras
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import AugmentConfig, field
from keras_gan.networks import dcgan_generator
from keras_gan.networks.sngan import sngan_discriminator
from keras_gan.registry import register


@dataclasses.dataclass
class SNGANConfig(AugmentConfig):
    latent_dim: int = field(
        128,
        'Table 3: "z in R^128 ~ N(0, I)".',
    )
    base_filters: int = field(
        32,
        "Discriminator width (Table 3(b): 64, ..., 512). CPU scale 32; the paper's 64 with "
        "--paper.",
    )
    generator_filters: int = field(
        32,
        "Generator width (dcgan_generator's last hidden stage). CPU scale 32; 64 with --paper.",
    )
    learning_rate: float = field(
        2e-4,
        "The authors' released hinge-loss setting (pfnet-research/sngan_projection, "
        "configs/sn_cifar10_unconditional.yml): Adam(alpha = 0.0002, beta_1 = 0, beta_2 = "
        "0.9), n_dis = 5. Table 1's setting C (beta_1 = 0.5, beta_2 = 0.999, n_dis = 1) is "
        "the authors' setting for the *standard* loss; with the hinge loss on MNIST its "
        "momentum traps the generator "
        "(benchmarks/results/quality_lsgan_wgan_sngan_cpu1_tensorflow.json).",
    )
    beta_1: float = field(
        0.0, "Adam beta_1 = 0: the authors' CIFAR-10 setting (see learning_rate)."
    )
    beta_2: float = field(
        0.9, "Adam beta_2 = 0.9: the authors' CIFAR-10 setting (see learning_rate)."
    )
    discriminator_steps: int = field(
        1,
        "CPU scale: one discriminator step per generator step (5x cheaper); 5 with --paper.",
    )
    batch_size: int = field(
        64,
        '"batch size 64" (section 4).',
    )

    PAPER = {"base_filters": 64, "generator_filters": 64, "discriminator_steps": 5}
    PYTHON_FROM_PAPER = ("base_filters", "generator_filters")


@register(
    "sngan",
    config=SNGANConfig,
    summary="Miyato et al. 2018: spectrally normalised discriminator, hinge loss",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class SNGAN(AdversarialModel):
    r"""SNGAN: every discriminator layer divided by its spectral norm, trained with the hinge loss.

    $$\bar W_{SN}(W) = W / \sigma(W), \qquad
      \mathcal{L}_D = \mathbb{E}_x[\max(0, 1 - D(x))] + \mathbb{E}_z[\max(0, 1 + D(G(z)))],
      \qquad \mathcal{L}_G = -\mathbb{E}_z[D(G(z))]$$

    Dividing each layer's weight by its largest singular value $\sigma(W)$ makes every layer,
    and so the whole discriminator (with 1-Lipschitz activations), at most 1-Lipschitz, with no
    penalty term and no extra forward pass. $\sigma(W)$ is estimated by one power iteration per
    training call, carrying the vector $\tilde u$ from step to step (a non-trainable variable,
    updated in training mode). The discriminator is the paper's standard CNN (Table 3(b)) built
    with `keras_gan.networks.sngan.SpectralNormalization` on every Conv2D and Dense layer, no
    BatchNorm. The default optimisers are the authors' released hinge-loss setting,
    Adam(2e-4, beta_1 = 0, beta_2 = 0.9); pass `discriminator_steps=5` for their n_dis = 5
    (the default here is 1, the CPU-scaled setting of `SNGANConfig`). Table 1's setting C
    (beta_1 = 0.5, beta_2 = 0.999) is the authors' setting for the standard GAN loss: with the
    hinge loss on MNIST it drives the discriminator past both margins within 200 steps; its
    loss is then 0 on most steps and the generator stays collapsed (docs/variants/sngan.md).

    The hyperparameters are keyword arguments, with the defaults of `SNGANConfig` (the paper's
    values for `base_filters`, `generator_filters`): `help(keras_gan.models.SNGAN)` shows them
    all, the stabilisers every model shares included.

    Args:
        generator: optional `keras.Model`. Defaults to `dcgan_generator(image_shape,
            latent_dim, generator_filters)`, close to Table 3(a) (BatchNorm, ReLU, tanh).
        discriminator: optional `keras.Model`. Defaults to `sngan_discriminator(image_shape,
            base_filters)`.
        latent_dim: int.
        image_shape: tuple, for the default networks. Defaults to `(32, 32, 3)`.
        base_filters: int, width of the default discriminator.
        generator_filters: int, width of the default generator.
        **kwargs: `discriminator_steps` (n_dis), `latent_distribution`, `seed`, ... as in
            `AdversarialModel`.

    Example:

    ```python
    sngan = keras_gan.models.SNGAN(image_shape=(32, 32, 3))
    sngan.compile()  # Adam(2e-4, beta_1=0, beta_2=0.9), n_dis = 1
    sngan.fit(keras_gan.datasets.load("cifar10", batch_size=64), epochs=1)
    ```

    Reference: https://arxiv.org/abs/1802.05957
    """

    label_smoothing_refusal = (
        "one-sided label smoothing moves the real target of the cross-entropy; the hinge loss "
        "has a margin (D(x) >= 1), not a target"
    )

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(32, 32, 3),
        seed=None,
        *,
        latent_dim,
        base_filters,
        generator_filters,
        **kwargs,
    ):
        image_shape = tuple(image_shape)
        generator = generator or dcgan_generator(
            image_shape, latent_dim, generator_filters, seed=seed
        )
        discriminator = discriminator or sngan_discriminator(
            image_shape, base_filters, seed=None if seed is None else seed + 1000
        )
        super().__init__(generator, discriminator, latent_dim, seed=seed, **kwargs)

    def train_step(self, data):
        for real_samples in self.minibatches(self.unpack_images(data)):
            m = ops.shape(real_samples)[0]
            z = self.sample_latent(m)

            def discriminator_loss():
                fake_samples = ops.stop_gradient(self.generator(z, training=True))
                real_scores = self.discriminator(real_samples, training=True)
                fake_scores = self.discriminator(fake_samples, training=True)
                # E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]
                return losses.hinge_discriminator_loss(real_scores, fake_scores)

            d_loss, _ = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        # generator_steps generator updates (1 in the paper), each on fresh noise
        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                # -E[D(G(z))]
                fake_scores = self.discriminator(self.generator(z, training=True), training=True)
                return losses.hinge_generator_loss(fake_scores)

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss)
