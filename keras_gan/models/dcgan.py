"""DCGAN: deep convolutional GAN (Radford et al. 2015)."""

import dataclasses

import keras

from keras_gan.adversarial import check_latent_dim
from keras_gan.config import AugmentConfig, field
from keras_gan.models.gan import GAN
from keras_gan.networks import dcgan_networks
from keras_gan.registry import register


@dataclasses.dataclass
class DCGANConfig(AugmentConfig):
    latent_dim: int = field(
        100,
        '"A 100 dimensional uniform distribution Z" (figure 1).',
    )
    base_filters: int = field(
        32,
        "Width of the last generator stage / first discriminator stage. The paper's 64x64 "
        "figure (1024 channels at 4x4) is 128 (--paper); 32 (dcgan.torch: 64) makes the CPU "
        "step cheap enough for 2,400 steps in about 5 minutes on 2 cores "
        '(docs/variants/dcgan.md, "The first run").',
    )
    learning_rate: float = field(
        5e-4,
        'Adam step size. The paper: "we found the suggested learning rate of 0.001 to be too '
        'high, using 0.0002 instead" (--paper). In a short CPU run 5e-4 gets further: at step '
        "1,000, 53% of the samples read confidently against 46% with 2e-4 (both at width 64).",
    )
    beta_1: float = field(
        0.5,
        'Adam beta_1: "leaving the momentum term beta_1 at the suggested value of 0.9 '
        "resulted in training oscillation and instability while reducing it to 0.5 helped "
        'stabilize training".',
    )
    batch_size: int = field(
        64,
        '"All models were trained with mini-batch stochastic gradient descent (SGD) with a '
        'mini-batch size of 128." 64 keeps a CPU epoch short.',
    )
    epochs: int = field(
        12,
        "12 CPU epochs of 200 steps: 2,400 steps, where the share of confidently read samples "
        "levels off at this width and rate (about 60%).",
    )

    PAPER = {"base_filters": 128, "batch_size": 128, "image_size": 64, "learning_rate": 2e-4}
    # dcgan.torch's width (ngf = ndf = 64), between the CPU's 32 and the paper's 1024-channel
    # 4x4 (128).
    PYTHON = {"base_filters": 64}


@register(
    "dcgan",
    config=DCGANConfig,
    summary="Radford et al. 2015: the all-convolutional GAN and its architecture rules",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class DCGAN(GAN):
    r"""DCGAN: the GAN game played by convolutional networks built to the paper's rules.

    $$\min_G \max_D \; \mathbb{E}_{x}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))]$$

    The objective and `train_step` are GAN's (one discriminator update, then one generator
    update with the non-saturating loss); DCGAN's contribution is the architecture
    (`keras_gan.networks.dcgan_generator` / `dcgan_discriminator`: strided convolutions, no
    pooling, BatchNorm except at the generator output and discriminator input, ReLU/tanh in the
    generator, LeakyReLU(0.2) in the discriminator, N(0, 0.02) weights) and the optimisation
    settings: Adam with learning rate 2e-4 and beta_1 = 0.5, and a uniform prior on z.

    The hyperparameters are keyword arguments, with the defaults of `DCGANConfig` (from Python,
    `base_filters=64`): `help(keras_gan.models.DCGAN)` shows them all, the stabilisers every
    model shares included.

    Args:
        generator: optional `keras.Model`. Defaults to `dcgan_generator(image_shape,
            latent_dim, base_filters)`.
        discriminator: optional `keras.Model`. Defaults to `dcgan_discriminator(image_shape,
            base_filters)`.
        latent_dim: int.
        image_shape: tuple `(size, size, channels)` for the default networks: `(28, 28, 1)`
            (MNIST), `(32, 32, 3)` (CIFAR-10) or the paper's `(64, 64, 3)`.
            Defaults to `(28, 28, 1)`.
        base_filters: int, width of the default networks.
        latent_distribution: `"uniform"` (the paper's U(-1, 1)) or `"normal"`.
            Defaults to `"uniform"`.
        **kwargs: as in `GAN`.

    Example:

    ```python
    dcgan = keras_gan.models.DCGAN(image_shape=(28, 28, 1))
    dcgan.compile()  # Adam(2e-4, beta_1=0.5), the paper's
    dcgan.fit(keras_gan.datasets.load("mnist", batch_size=64), epochs=1)
    ```

    Reference: https://arxiv.org/abs/1511.06434
    """

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(28, 28, 1),
        latent_distribution="uniform",
        seed=None,
        *,
        latent_dim,
        base_filters,
        **kwargs,
    ):
        check_latent_dim(latent_dim)
        kwargs.pop("sample_shape", None)
        generator, discriminator = dcgan_networks(
            image_shape, latent_dim, base_filters, seed, generator, discriminator
        )
        super().__init__(
            generator,
            discriminator,
            latent_dim=latent_dim,
            latent_distribution=latent_distribution,
            seed=seed,
            **kwargs,
        )

    def default_optimizers(self):
        # Section 4: Adam, learning rate 0.0002, beta_1 0.5: the paper's settings, not the
        # CLI's CPU default rate (DCGANConfig.learning_rate).
        return self.optimizers_from_config(DCGANConfig().with_paper_settings())
