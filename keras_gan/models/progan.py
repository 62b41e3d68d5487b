"""ProGAN: Progressive Growing of GANs (Karras et al. 2018)."""

import dataclasses

import keras
import numpy as np
from keras import ops

from keras_gan import augment as augmentation
from keras_gan import losses
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import AugmentConfig, check_minibatch_groups, field
from keras_gan.models.wgan import WGAN
from keras_gan.networks.progan import progan_discriminator, progan_generator, real_images_at
from keras_gan.registry import register
from keras_gan.schedules import ProgressiveGrowing


@dataclasses.dataclass
class ProGANConfig(AugmentConfig):
    image_size: int | None = field(
        32,
        "Final resolution, a power of two reached from 4x4 by doubling: 32 (MNIST resized; "
        "the paper's CIFAR-10 size); the paper's CelebA-HQ reaches 1024.",
    )
    latent_dim: int = field(
        128,
        "Size of z ~ N(0, I), normalised to the unit hypersphere by the first pixel norm: "
        "128 on a CPU; the paper's 512 with --paper (appendix A.1).",
    )
    max_filters: int = field(
        64,
        "Feature maps of the widest (lowest-resolution) blocks: 64 on a CPU; the paper's 512 "
        "with --paper (table 2).",
    )
    filter_base: int = field(
        512,
        "Blocks at resolution r have min(max_filters, filter_base / r) feature maps: 512 on a "
        "CPU (64, 64, 32, 16 from 4x4 to 32x32); the paper's 16,384 with --paper (table 2: "
        "512 up to 32x32, then halving to 16 at 1024x1024).",
    )
    fade_images: int = field(
        12_000,
        "Images shown while each new resolution fades in, alpha rising linearly from 0 to 1: "
        "12,000 on a CPU; the paper's 600,000 with --paper (appendix A.1: 800k with the "
        "authors' first setting, 600k in their code).",
    )
    stable_images: int = field(
        12_000,
        "Images shown at each resolution before the next fades in: 12,000 on a CPU; the "
        "paper's 600,000 with --paper.",
    )
    gp_weight: float = field(
        10.0,
        "WGAN-GP's penalty coefficient lambda = 10 (appendix A.1, after Gulrajani et al.).",
    )
    drift_weight: float = field(
        0.001,
        "epsilon_drift = 0.001 in the extra critic term epsilon_drift E[D(x)^2], which keeps "
        "the real scores from drifting far from zero (appendix A.1).",
    )
    minibatch_group_size: int = field(
        4,
        "Samples per group of the minibatch standard deviation layer: 4, as the authors' code "
        "(section 3); the batch size must be a multiple of it.",
    )
    learning_rate: float = field(
        1e-3,
        'Adam step size for both networks: "alpha = 0.001" (appendix A.1).',
    )
    beta_1: float = field(
        0.0,
        'Adam "beta_1 = 0, beta_2 = 0.99, epsilon = 10^-8" (appendix A.1).',
    )
    beta_2: float = field(
        0.99,
        "Adam beta_2 = 0.99 (appendix A.1).",
    )
    ema_decay: float | None = field(
        0.99,
        "The generator's moving average, which the samples come from: 0.99 on a CPU; the "
        'paper\'s "decay 0.999" (appendix A.1) with --paper. 0.999 averages about 1,000 '
        "steps, half a CPU run and two resolutions: its samples still carry a third of the "
        "initial weights after 1,000 steps.",
    )
    batch_size: int = field(
        32,
        "Minibatch size on a CPU; the paper's 16 with --paper (appendix A.1, up to 128x128).",
    )
    epochs: int = field(
        10,
        "Epochs of --steps-per-epoch steps: 2,000 steps of 32 images, 64,000 images, which "
        "grow 4x4 to 32x32 (60,000 images) and train 32x32 briefly.",
    )

    # The image size stays --image-size's: the paper grows CIFAR-10 to 32x32, LSUN to 256x256
    # and CelebA-HQ to 1024x1024 with the same schedule.
    PAPER = {
        "latent_dim": 512,
        "max_filters": 512,
        "filter_base": 16_384,
        "fade_images": 600_000,
        "stable_images": 600_000,
        "batch_size": 16,
        "ema_decay": 0.999,
    }
    PYTHON_FROM_PAPER = (
        "latent_dim", "max_filters", "filter_base", "fade_images", "stable_images", "ema_decay",
    )  # fmt: skip

    def validate(self):
        super().validate()
        check_minibatch_groups(self.batch_size, self.minibatch_group_size)


@register(
    "progan",
    config=ProGANConfig,
    summary="Karras et al. 2018: WGAN-GP networks grown from 4x4, each resolution faded in",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class ProGAN(AdversarialModel):
    r"""ProGAN: a WGAN-GP whose networks grow from 4x4, each new resolution faded in smoothly.

    $$L_D = \mathbb{E}[D(\tilde x)] - \mathbb{E}[D(x_\ell)]
      + \lambda\, \mathbb{E}\big[(\lVert\nabla_{\hat x} D(\hat x)\rVert_2 - 1)^2\big]
      + \epsilon_{drift}\, \mathbb{E}[D(x_\ell)^2],\qquad L_G = -\mathbb{E}[D(G(z))]$$

    Training large images directly is unstable and slow; ProGAN starts both networks at 4x4,
    where the coarse structure is learned quickly, and adds a block to each network at every
    doubling. A new block fades in: the output (and the discriminator's input) blends the new
    resolution with the upsampled lower one by a weight $\alpha$ rising from 0 to 1 over
    `fade_images` images, then the resolution trains stably for `stable_images`; the real
    images $x_\ell$ are shown at the same blend of resolutions (`real_images_at`). The schedule
    is measured in images shown and lives in the model's state (`images_seen`), so it is
    compiled into the step, saved with the model and resumed in the middle of a fade
    (`keras_gan.schedules.ProgressiveGrowing`). The rest is section 4's: the equalised
    learning rate, pixelwise feature normalisation in the generator, the minibatch standard
    deviation in the discriminator, the WGAN-GP loss with the drift term, one critic step per
    generator step, Adam(1e-3, 0, 0.99) and the generator's moving average (decay 0.999).
    Logs: `d_loss`, `g_loss`, `wasserstein` (E[D(x)] - E[D(G(z))]), `gradient_penalty`,
    `drift` (E[D(x)^2]), and the stage the step trained at: `resolution` and `alpha`.

    Built from Python, the schedule and widths are the paper's (600k images per phase, 512
    feature maps); `python -m keras_gan.train progan` uses a CPU-sized schedule at 32x32 and
    `--paper` the paper's. The authors' minibatch sizes shrink with the resolution and their
    learning rate ramps at 1024x1024; here both are constant.

    The hyperparameters are keyword arguments, with the defaults of `ProGANConfig`:
    `help(keras_gan.models.ProGAN)` shows them all, the stabilisers every model shares included.

    Args:
        generator: optional `keras.Model` from z to images, with a `LevelOfDetail` layer named
            "level_of_detail". Defaults to `progan_generator`.
        discriminator: optional critic, likewise. Defaults to `progan_discriminator`.
        image_shape: tuple `(resolution, resolution, channels)`, the final resolution a power
            of two >= 4. Defaults to `(32, 32, 1)`.
        latent_dim: int.
        max_filters: int, the widest blocks' feature maps.
        filter_base: int, blocks at resolution r have min(max_filters, filter_base // r).
        fade_images: int >= 1, images per fade-in.
        stable_images: int >= 0, images per stable phase.
        gp_weight: float >= 0, lambda.
        drift_weight: float >= 0, epsilon_drift.
        minibatch_group_size: int >= 1.
        **kwargs: `ema_decay`, `seed`, ... as in `AdversarialModel`.

    Example:

    ```python
    progan = keras_gan.models.ProGAN(image_shape=(32, 32, 1), fade_images=12_000,
                                     stable_images=12_000, max_filters=64, filter_base=512)
    progan.compile()  # Adam(1e-3, beta_1=0, beta_2=0.99) for both networks
    progan.fit(keras_gan.datasets.load("mnist", image_size=32, batch_size=32), epochs=1)
    progan.stage()  # (resolution, alpha) reached
    ```

    Reference: https://arxiv.org/abs/1710.10196
    """

    log_names = (
        "d_loss", "g_loss", "wasserstein", "gradient_penalty", "drift", "resolution", "alpha",
    )  # fmt: skip
    state_log_names = ("resolution", "alpha")
    #: A Wasserstein critic, as WGAN's: neither ADA's sign heuristic nor label smoothing
    #: applies to it (see `WGAN`).
    ada_refusal = WGAN.ada_refusal
    label_smoothing_refusal = WGAN.label_smoothing_refusal

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(32, 32, 1),
        seed=None,
        *,
        latent_dim,
        max_filters,
        filter_base,
        fade_images,
        stable_images,
        minibatch_group_size,
        **kwargs,
    ):
        image_shape = tuple(image_shape)
        if len(image_shape) != 3 or image_shape[0] != image_shape[1]:
            raise ValueError(
                "ProGAN grows square images: image_shape must be (resolution, resolution, "
                f"channels). Received: image_shape={image_shape!r}"
            )
        resolution, channels = image_shape[0], image_shape[2]
        # raises for a resolution not reachable from 4x4, or a schedule without a fade
        self.schedule = ProgressiveGrowing(resolution, fade_images, stable_images)
        generator = generator or progan_generator(
            resolution, channels, latent_dim, max_filters, filter_base, seed=seed
        )
        discriminator = discriminator or progan_discriminator(
            resolution,
            channels,
            max_filters,
            filter_base,
            minibatch_group_size,
            seed=None if seed is None else seed + 1000,
        )
        super().__init__(generator, discriminator, latent_dim, seed=seed, **kwargs)
        self.image_shape = image_shape
        self.max_filters = max_filters
        self.filter_base = filter_base
        self.fade_images = fade_images
        self.stable_images = stable_images
        self.minibatch_group_size = minibatch_group_size
        for name, network in (("generator", self.generator), ("discriminator", self.discriminator)):
            self._level_of_detail(network, name)
        #: Images the critic has been shown: the schedule's clock, saved with the model.
        self.images_seen = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="images_seen"
        )

    @staticmethod
    def _level_of_detail(network, name):
        try:
            return augmentation.unwrapped(network).get_layer("level_of_detail").level_of_detail
        except ValueError:
            raise ValueError(
                f"ProGAN's {name} must read the schedule from a LevelOfDetail layer named "
                "'level_of_detail' (see keras_gan.networks.progan)."
            ) from None

    def stage(self):
        """`(resolution, alpha)` the model has reached: the resolution trained or faded in and
        its blend weight (1 once stable)."""
        return self.schedule.stage(ops.convert_to_numpy(self.images_seen))

    def generate(self, num_samples=None, latents=None, seed=None, batch_size=256, **conditions):
        """Samples at the resolution reached, as `AdversarialModel.generate`, clipped to [-1, 1].

        The generator's toRGB is linear (the paper's), so its outputs can leave [-1, 1]; they
        are clipped, as the authors' code does when it saves or scores images. Training sees
        the unclipped outputs. A model still growing generates at its current resolution,
        upsampled to the full size.

        Args:
            num_samples: int, how many samples to draw with fresh latents.
            latents: optional array `(n, latent_dim)` of latent vectors to decode.
            seed: optional int, seed of the fresh latents.
            batch_size: int, generator batch size. Defaults to 256.
            **conditions: none (ProGAN is unconditional).

        Returns:
            numpy array `(n, resolution, resolution, channels)` in [-1, 1].
        """
        # AdversarialModel.generate's own body: this method samples from the average already
        unclipped = AdversarialModel.generate.__wrapped__(
            self, num_samples, latents, seed, batch_size, **conditions
        )
        return np.clip(unclipped, -1.0, 1.0)

    def train_step(self, data):
        real_images = self.unpack_images(data)
        m = ops.shape(real_images)[0]
        # The level of detail l for the images shown so far, in both networks (the fade-in's
        # alpha = 1 - (l - floor(l)))
        level_of_detail = self.schedule.level_of_detail(self.images_seen)
        for network in (self.generator, self.discriminator):
            self._level_of_detail(network, "network").assign(level_of_detail)
        # Real images at the resolution being trained, blended as the generator's output is
        real_images = real_images_at(real_images, level_of_detail, self.schedule.levels)
        z = self.sample_latent(m)
        # epsilon ~ U[0, 1], one per sample, for WGAN-GP's interpolates
        epsilon = keras.random.uniform((m,), seed=self.seed_generator)

        def critic_loss():
            fake_images = ops.stop_gradient(self.generator(z, training=True))
            real_scores = self.discriminator(real_images, training=True)
            fake_scores = self.discriminator(fake_images, training=True)
            # E[D(x~)] - E[D(x)]
            wasserstein_loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
            # E[(||grad D(x^)||_2 - 1)^2] at x^ = eps x + (1 - eps) x~
            penalty = losses.gradient_penalty(
                lambda x: self.discriminator(x, training=True), real_images, fake_images, epsilon
            )
            # E[D(x)^2]: the drift term keeps the real scores near zero
            drift = ops.mean(ops.square(real_scores))
            loss = wasserstein_loss + self.gp_weight * penalty + self.drift_weight * drift
            return loss, {"wasserstein": -wasserstein_loss, "gradient_penalty": penalty,
                          "drift": drift}  # fmt: skip

        d_loss, extra = self.minimize(critic_loss, self.discriminator, self.d_optimizer)

        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                # -E[D(G(z))]
                fake_scores = self.discriminator(self.generator(z, training=True), training=True)
                return losses.wasserstein_generator_loss(fake_scores)

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        # the clock moves by the images the critic was shown
        self.images_seen.assign(self.images_seen + ops.cast(m, "int32"))
        resolution, alpha = self._stage_tensors(level_of_detail)
        return self.update_logs(
            d_loss=d_loss, g_loss=g_loss, resolution=resolution, alpha=alpha, **extra
        )

    def _stage_tensors(self, level_of_detail):
        whole = ops.floor(level_of_detail)
        return 4.0 * ops.power(2.0, self.schedule.levels - whole), 1.0 - (level_of_detail - whole)
