"""StyleGAN: the style-based generator (Karras et al. 2019), as trained in StyleGAN2 (Karras et
al. 2020)."""

import contextlib
import dataclasses
import math
import numbers

import keras
import numpy as np
from keras import ops

from keras_gan import backend, losses
from keras_gan.adversarial import AdversarialModel, lazily_regularized
from keras_gan.config import AugmentConfig, check_minibatch_groups, field
from keras_gan.networks.stylegan import (
    StyledConv2D,
    stylegan_discriminator,
    stylegan_generator,
)
from keras_gan.registry import register


@dataclasses.dataclass
class StyleGANConfig(AugmentConfig):
    image_size: int | None = field(
        32,
        "Image size, a power of two >= 4 (the synthesis network doubles from 4x4): 32 (MNIST "
        "resized; CIFAR-10's size); the paper's FFHQ is 1024.",
    )
    latent_dim: int = field(
        128,
        "Size of z ~ N(0, I) and of w: 128 on a CPU; the paper's 512 with --paper.",
    )
    mapping_layers: int = field(
        2,
        "Depth of the mapping network z -> w: 2, the authors' CIFAR-10 configuration; the "
        "paper's 8 with --paper (StyleGAN section 2).",
    )
    max_filters: int = field(
        64,
        "Feature maps of the widest (lowest-resolution) blocks: 64 on a CPU; the paper's 512 "
        "with --paper.",
    )
    filter_base: int = field(
        512,
        "Blocks at resolution r have min(max_filters, filter_base / r) feature maps: 512 on a "
        "CPU (64, 64, 32, 16 from 4x4 to 32x32); the authors' 32,768 with --paper (512 up to "
        "64x64, halving per doubling above).",
    )
    minibatch_group_size: int = field(
        4,
        "Samples per group of the discriminator's minibatch standard deviation: 4 (the "
        "authors' default; their CIFAR-10 configuration uses 32). The batch size must be a "
        "multiple of it.",
    )
    style_mixing_probability: float = field(
        0.9,
        "Share of the training batches generated from two latents, the second taking over "
        "from a random layer on (StyleGAN section 3.1: 90%). 0: off (the authors' CIFAR-10 "
        "configuration).",
    )
    path_length_weight: float = field(
        2.0,
        "Weight of the path-length penalty on the generator (StyleGAN2 section 3.2; the "
        "authors' pl_weight = 2). 0: off (their CIFAR-10 configuration).",
    )
    path_length_interval: int = field(
        4,
        "Lazy regularisation of the generator: the path-length step every k steps, its loss "
        "times k, the generator's Adam rate and betas raised to k/(k+1) (StyleGAN2 appendix "
        "B: 4).",
    )
    path_length_decay: float = field(
        0.01,
        "How fast the path-length target a follows the lengths measured: a moves 1% of the "
        "way each time (the authors' pl_decay).",
    )
    path_length_batch_shrink: int = field(
        2,
        "The path-length step uses batch / this many samples, to save time (the authors' "
        "pl_batch_shrink = 2).",
    )
    latent_average_decay: float = field(
        0.995,
        "Decay of the tracked average w-bar, which the truncation trick pulls toward (the "
        "authors' w_avg_beta).",
    )
    r1_gamma: float = field(
        0.01,
        "R1 penalty gamma/2 E||grad D(x)||^2 on real images, lazily every "
        "--regularization-interval steps: 0.01, the authors' CIFAR-10 gamma (their heuristic "
        "0.0002 * 32^2 / batch 32 gives 0.0064); the paper's FFHQ 10 at 1024x1024.",
    )
    ema_half_life: int | None = field(
        10_000,
        "The generator's moving average, which the samples come from, with a half-life of "
        "10,000 images (StyleGAN2's ema_kimg = 10).",
    )
    ema_rampup: float | None = field(
        0.05,
        "The half-life grows as 0.05 x images seen up to --ema-half-life (StyleGAN2-ADA's "
        "ema_rampup): over a CPU run's first 25,000 images a fixed 10,000-image half-life kept "
        "the average near the first weights (FID 2,133 against the raw generator's 1,297; "
        "docs/variants/stylegan.md). The paper's (--paper and Python): none.",
    )
    learning_rate: float = field(
        0.002,
        "Adam step size for both networks: 0.002 (StyleGAN2 appendix B; before the lazy "
        "regularisation's k/(k+1)).",
    )
    beta_1: float = field(
        0.0,
        'Adam "beta_1 = 0, beta_2 = 0.99, epsilon = 10^-8" (StyleGAN appendix C).',
    )
    beta_2: float = field(
        0.99,
        "Adam beta_2 = 0.99.",
    )
    batch_size: int = field(
        32,
        "Minibatch size on a CPU; the paper's 32 (on 8 GPUs) with --paper.",
    )
    epochs: int = field(
        10,
        "Epochs of --steps-per-epoch steps.",
    )

    PAPER = {
        "latent_dim": 512,
        "mapping_layers": 8,
        "max_filters": 512,
        "filter_base": 32_768,
        "r1_gamma": 10.0,
        "ema_rampup": None,
    }
    PYTHON_FROM_PAPER = (
        "latent_dim", "mapping_layers", "max_filters", "filter_base", "ema_rampup",
    )  # fmt: skip

    def validate(self):
        super().validate()
        check_minibatch_groups(self.batch_size, self.minibatch_group_size)


@register(
    "stylegan",
    config=StyleGANConfig,
    summary="Karras et al. 2019/2020: mapping network, modulated convolutions, noise, style "
    "mixing, path-length and lazy R1 regularisation",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class StyleGAN(AdversarialModel):
    r"""StyleGAN2: a generator driven by styles, trained with the non-saturating loss, lazy R1
    on the discriminator and the path-length penalty on the generator.

    $$L_D = \mathbb{E}_z[\mathrm{softplus}(D(G(z)))] + \mathbb{E}_x[\mathrm{softplus}(-D(x))]
      + \tfrac{\gamma}{2}\,\mathbb{E}_x\lVert\nabla_x D(x)\rVert^2, \qquad
      L_G = \mathbb{E}_z[\mathrm{softplus}(-D(G(z)))]
      + w_{pl}\,\mathbb{E}_{w,y}\big(\lVert\mathbf{J}_w^\top y\rVert_2 - a\big)^2$$

    The generator does not take z as its input: a mapping network turns z into an
    intermediate latent w, whose copies set the scales ("styles") of every convolution of a
    synthesis network that starts from a learned constant; per-pixel noise adds the stochastic
    detail (`keras_gan.networks.stylegan`). Training is StyleGAN2's: both losses are the
    GAN's non-saturating pair (written with softplus); in 90% of the batches two latents
    share the layers of the synthesis network, the second from a random layer on (style
    mixing, which keeps neighbouring styles from depending on each other); every 16 steps a
    discriminator step on R1 alone (the core's lazy `r1_gamma`), every 4 steps a generator
    step on the path-length penalty, whose target $a$ is the running mean of the lengths
    (`losses.path_lengths`), each times its interval, with the Adam rates and betas adjusted
    (`lazily_regularized`). The mapping network's outputs are averaged into $\bar w$ for the
    truncation trick, and the samples come from the generator's moving average
    (half-life 10,000 images). Logs: `d_loss`, `g_loss`, `r1_penalty`, and with the
    path-length penalty on `path_length_penalty` (as last computed) and `path_length_mean`
    (the target $a$).

    Built from Python, the networks are the paper's (512-wide, 8 mapping layers);
    `python -m keras_gan.train stylegan` uses CPU-sized ones at 32x32 and `--paper` the
    paper's. Not built: the authors' mixed precision with clamped activations, and their
    conditional (class-embedding) mapping.

    The hyperparameters are keyword arguments, with the defaults of `StyleGANConfig`:
    `help(keras_gan.models.StyleGAN)` shows them all.

    Args:
        generator: optional `keras.Model` from z to images with layers named "mapping",
            "truncation" (`TruncationTrick`) and "synthesis". Defaults to `stylegan_generator`.
        discriminator: optional `keras.Model` from images to logits. Defaults to
            `stylegan_discriminator`.
        image_shape: tuple `(resolution, resolution, channels)`, a power of two >= 4.
            Defaults to `(32, 32, 1)`.
        latent_dim: int, the size of z and w.
        mapping_layers: int >= 1.
        max_filters: int, the widest blocks' feature maps.
        filter_base: int, blocks at resolution r have min(max_filters, filter_base // r).
        minibatch_group_size: int >= 1.
        style_mixing_probability: float in [0, 1].
        path_length_weight: float >= 0 (0: off).
        path_length_interval: int >= 1.
        path_length_decay: float in [0, 1].
        path_length_batch_shrink: int >= 1.
        latent_average_decay: float in [0, 1].
        **kwargs: `r1_gamma`, `regularization_interval`, `ema_half_life`, `seed`, ... as in
            `AdversarialModel`.

    Example:

    ```python
    stylegan = keras_gan.models.StyleGAN(image_shape=(32, 32, 1), latent_dim=128,
                                         mapping_layers=2, max_filters=64, filter_base=512)
    stylegan.compile()  # Adam(0.002, 0, 0.99), adjusted for the lazy steps
    stylegan.fit(keras_gan.datasets.load("mnist", image_size=32, batch_size=32), epochs=1)
    images = stylegan.generate(16, truncation_psi=0.7)
    ```

    Reference: https://arxiv.org/abs/1912.04958 (StyleGAN2), https://arxiv.org/abs/1812.04948
    (StyleGAN)
    """

    log_names = ("d_loss", "g_loss", "path_length_penalty", "path_length_mean")
    state_log_names = ("path_length_mean",)

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(32, 32, 1),
        seed=None,
        *,
        latent_dim,
        mapping_layers,
        max_filters,
        filter_base,
        minibatch_group_size,
        style_mixing_probability,
        path_length_weight,
        path_length_interval,
        path_length_decay,
        path_length_batch_shrink,
        latent_average_decay,
        log_names=None,
        **kwargs,
    ):
        image_shape = tuple(image_shape)
        if len(image_shape) != 3 or image_shape[0] != image_shape[1]:
            raise ValueError(
                "StyleGAN's synthesis network makes square images: image_shape must be "
                f"(resolution, resolution, channels). Received: image_shape={image_shape!r}"
            )
        resolution, channels = image_shape[0], image_shape[2]
        generator = generator or stylegan_generator(
            resolution, channels, latent_dim, max_filters, filter_base, mapping_layers, seed=seed
        )
        discriminator = discriminator or stylegan_discriminator(
            resolution, channels, max_filters, filter_base, minibatch_group_size,
            seed=None if seed is None else seed + 1000,
        )  # fmt: skip
        for part in ("mapping", "truncation", "synthesis"):
            try:
                generator.get_layer(part)
            except ValueError:
                raise ValueError(
                    f"StyleGAN's generator must have a layer named '{part}' (style mixing and "
                    "the path-length penalty call the mapping and synthesis networks apart; "
                    "see keras_gan.networks.stylegan.stylegan_generator)."
                ) from None
        if log_names is None and not path_length_weight:
            log_names = ("d_loss", "g_loss")
        super().__init__(
            generator, discriminator, latent_dim, seed=seed, log_names=log_names, **kwargs
        )
        self.image_shape = image_shape
        self.mapping_layers = mapping_layers
        self.max_filters = max_filters
        self.filter_base = filter_base
        self.minibatch_group_size = minibatch_group_size
        self.style_mixing_probability = style_mixing_probability
        self.path_length_weight = path_length_weight
        self.path_length_interval = path_length_interval
        self.path_length_decay = path_length_decay
        self.path_length_batch_shrink = path_length_batch_shrink
        self.latent_average_decay = latent_average_decay
        #: The path-length target a: the running mean of the lengths, saved and resumed.
        self.path_length_mean = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="path_length_mean"
        )
        #: The last path-length penalty, logged at every step (computed every k-th).
        self.path_length_value = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="path_length_value"
        )

    # -- The generator's parts ---------------------------------------------------------------------

    @property
    def mapping(self):
        """The mapping network f: z -> w."""
        return self.generator.get_layer("mapping")

    @property
    def truncation(self):
        """The `TruncationTrick` layer: the tracked average w-bar and psi."""
        return self.generator.get_layer("truncation")

    @property
    def synthesis(self):
        """The synthesis network g: ws `(batch, num_styles, w_dim)` -> images."""
        return self.generator.get_layer("synthesis")

    @property
    def num_styles(self):
        """How many copies of w the synthesis network reads (one per layer)."""
        return self.synthesis.input_shape[1]

    def mixed_styles(self, z, training=False):
        r"""The synthesis network's styles for latents z, with style mixing during training
        (StyleGAN section 3.1): with probability `style_mixing_probability`, a second latent
        z2 takes over from a random layer c ~ U{1, ..., N-1} on, the same c for the batch
        (the authors' code):

        $$\mathbf{w} = (\underbrace{f(z), \ldots, f(z)}_{c},\ f(z_2), \ldots, f(z_2))$$

        Returns:
            `(ws, w)`: the styles `(batch, N, w_dim)` and f(z) `(batch, w_dim)`.
        """
        w = self.mapping(z, training=training)
        layer = ops.arange(self.num_styles)[None, :, None]
        ws = ops.repeat(w[:, None, :], self.num_styles, axis=1)
        if not training or not self.style_mixing_probability:
            return ws, w
        w2 = self.mapping(self.sample_latent(ops.shape(z)[0]), training=training)
        # c ~ U{1, ..., N-1} with probability p, else N (no mixing)
        cutoff = keras.random.randint((), 1, self.num_styles, seed=self.seed_generator)
        mixing = keras.random.uniform((), seed=self.seed_generator) < self.style_mixing_probability
        cutoff = ops.where(mixing, cutoff, self.num_styles)
        return ops.where(layer < cutoff, ws, w2[:, None, :]), w

    # -- Training ------------------------------------------------------------------------------------

    def train_step(self, data):
        real_images = self.unpack_images(data)
        m = ops.shape(real_images)[0]

        # 1. The discriminator: softplus(D(G(z))) + softplus(-D(x)) (R1 comes lazily, from
        #    the core's end_step, every regularization_interval steps)
        z = self.sample_latent(m)

        def discriminator_loss():
            ws, _ = self.mixed_styles(z, training=True)
            fake_images = ops.stop_gradient(self.synthesis(ws, training=True))
            real_logits = self.discriminator(real_images, training=True)
            fake_logits = self.discriminator(fake_images, training=True)
            return losses.minimax_discriminator_loss(real_logits, fake_logits)

        d_loss, _ = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        # 2. The generator: softplus(-D(G(z))), G(z) = g(w) with mixed styles
        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                ws, w = self.mixed_styles(z, training=True)
                fake_logits = self.discriminator(self.synthesis(ws, training=True), training=True)
                return losses.non_saturating_generator_loss(fake_logits), {"w": w}

            g_loss, outputs = self.minimize(generator_loss, self.generator, self.g_optimizer)
            # w-bar <- mean(w) + beta (w-bar - mean(w)): the truncation trick's centre
            self.truncation.track(outputs["w"], self.latent_average_decay)

        # 3. Every k steps, a generator step on the path-length penalty alone, times k
        logs = {}
        if self.path_length_weight:
            due = ops.equal(ops.mod(self.optimizer.iterations, self.path_length_interval), 0)
            backend.run_if(due, lambda: self.regularize_path_length(m))
            logs = {"path_length_penalty": self.path_length_value,
                    "path_length_mean": self.path_length_mean}  # fmt: skip
        return self.update_logs(d_loss=d_loss, g_loss=g_loss, **logs)

    def regularize_path_length(self, batch_size):
        r"""StyleGAN2's lazy path-length step (section 3.2, appendix B) on
        batch / `path_length_batch_shrink` fresh latents:

        $$k\, w_{pl}\,\mathbb{E}\big(\lVert\mathbf{J}_w^\top y\rVert_2 - a\big)^2, \qquad
          a \leftarrow a + \beta_{pl}\,(\mathbb{E}\lVert\mathbf{J}_w^\top y\rVert_2 - a)$$

        with $y \sim N(0, I)/\sqrt{HW}$ a random image direction, $\beta_{pl}$ =
        `path_length_decay` and k = `path_length_interval`. `train_step` runs it every k-th
        step, from the first.
        """
        m = batch_size // self.path_length_batch_shrink
        m = max(m, 1) if isinstance(m, int) else ops.maximum(m, 1)
        z = self.sample_latent(m)
        height, width = self.sample_shape[0], self.sample_shape[1]
        directions = keras.random.normal((m, *self.sample_shape), seed=self.seed_generator)
        # y ~ N(0, I) / sqrt(H W): the image-space direction, its scale independent of size
        directions = directions / math.sqrt(height * width)

        def penalty_loss():
            ws, _ = self.mixed_styles(z, training=True)
            lengths = losses.path_lengths(
                lambda ws: self.synthesis(ws, training=True), ws, directions
            )
            # a <- a + beta (E[length] - a), then (length - a)^2
            target = self.path_length_mean + self.path_length_decay * (
                ops.mean(ops.stop_gradient(lengths)) - self.path_length_mean
            )
            penalty = losses.path_length_penalty(lengths, target)
            # lazy: every k steps, k times the penalty
            loss = penalty * self.path_length_weight * self.path_length_interval
            return loss, {"penalty": penalty, "target": target}

        _, logs = self.minimize(penalty_loss, self.generator, self.g_optimizer)
        self.path_length_mean.assign(logs["target"])
        self.path_length_value.assign(logs["penalty"])

    def lazy_regularization_optimizers(self, optimizers):
        """The core's adjustment for lazy R1 (the discriminator's optimizer), and the same for
        the generator's with the path-length step every `path_length_interval` steps."""
        optimizers = super().lazy_regularization_optimizers(optimizers)
        if not self.path_length_weight:
            return optimizers
        return {
            name: lazily_regularized(optimizer, self.path_length_interval)
            if name.startswith("g_optimizer") else optimizer
            for name, optimizer in optimizers.items()
        }  # fmt: skip

    # -- Sampling ------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def sampling(self, truncation_psi=1.0, noise=True):
        """Within the block, the generator truncates with `truncation_psi` and draws noise or
        not; both come back afterwards.

        Args:
            truncation_psi: float psi: 1 leaves w unchanged, 0 gives the average image,
                between them fewer, better samples; above 1 extrapolates away from the average
                (more variety, more artifacts) and below 0 crosses to the opposite side of it
                (StyleGAN figure 8 shows -1 to 1). Defaults to 1.
            noise: bool, draw the per-pixel noise (`True`) or leave it out (`False`: the same
                latent always gives the same image). Defaults to True.
        """
        if isinstance(truncation_psi, bool) or not (
            isinstance(truncation_psi, numbers.Real) and math.isfinite(truncation_psi)
        ):
            raise ValueError(
                "`truncation_psi` must be a finite number: 1 (no truncation), 0 (the average "
                "image), between them a truncated sample; above 1 and below 0 extrapolate. "
                f"Received: truncation_psi={truncation_psi!r}"
            )
        if not isinstance(noise, bool):
            raise ValueError(f"`noise` must be True or False. Received: noise={noise!r}")
        switches = [
            layer.noise.enabled
            for layer in self.synthesis.layers
            if isinstance(layer, StyledConv2D)
        ]
        psi_before = float(ops.convert_to_numpy(self.truncation.psi))
        self.truncation.psi.assign(float(truncation_psi))
        for switch in switches:
            switch.assign(1.0 if noise else 0.0)
        try:
            yield
        finally:
            self.truncation.psi.assign(psi_before)
            for switch in switches:
                switch.assign(1.0)

    def generate(
        self,
        num_samples=None,
        latents=None,
        seed=None,
        batch_size=256,
        truncation_psi=1.0,
        noise=True,
        **conditions,
    ):
        """Samples, as `AdversarialModel.generate`, truncated and clipped to [-1, 1].

        The toRGB layers are linear, so the outputs can leave [-1, 1]; they are clipped, as
        the authors' code does when it saves images. Training sees the unclipped outputs.

        Args:
            num_samples: int, how many samples to draw with fresh latents.
            latents: optional array `(n, latent_dim)` of latent vectors to decode.
            seed: optional int, seed of the fresh latents (the noise comes from the noise
                layers' own streams).
            batch_size: int, generator batch size. Defaults to 256.
            truncation_psi: float, the truncation trick's psi (`sampling`). Defaults to 1.
            noise: bool, draw the per-pixel noise. Defaults to True.
            **conditions: none (StyleGAN is unconditional here).

        Returns:
            numpy array `(n, resolution, resolution, channels)` in [-1, 1].
        """
        with self.sampling(truncation_psi, noise):
            unclipped = AdversarialModel.generate.__wrapped__(
                self, num_samples, latents, seed, batch_size, **conditions
            )
        return np.clip(unclipped, -1.0, 1.0)

    def mix_styles(self, coarse_latents, fine_latents, cutoff, truncation_psi=1.0, noise=True):
        """Style mixing of two sets of latents (StyleGAN figure 3): image i takes the styles of
        layers 0..cutoff-1 from `coarse_latents[i]` and the rest from `fine_latents[i]`.

        At 32x32 (8 styles), cutoff 2 takes the 4x4 layers from the first latent (pose, shape
        in the paper's faces) and cutoff 6 everything but the 32x32 layers (the colour
        scheme and the finest detail come from the second).

        Args:
            coarse_latents: array `(n, latent_dim)`.
            fine_latents: array `(n, latent_dim)`.
            cutoff: int in [0, num_styles]: 0 is `fine_latents`' image, num_styles
                `coarse_latents`'.
            truncation_psi: float, applied to both. Defaults to 1.
            noise: bool. Defaults to True.

        Returns:
            numpy array `(n, resolution, resolution, channels)` in [-1, 1], from the generator's
            moving average where there is one.
        """
        coarse = self._latents(None, coarse_latents, None)
        fine = self._latents(None, fine_latents, None)
        if len(coarse) != len(fine):
            raise ValueError(
                "`coarse_latents` and `fine_latents` pair up: they must have as many rows. "
                f"Received: {len(coarse)} and {len(fine)}"
            )
        if (
            isinstance(cutoff, bool)
            or not isinstance(cutoff, numbers.Integral)
            or not (0 <= cutoff <= self.num_styles)
        ):
            raise ValueError(
                f"`cutoff` must be an integer in [0, {self.num_styles}] (this synthesis network "
                f"reads {self.num_styles} styles). Received: cutoff={cutoff!r}"
            )
        with self.averaged_generator(), self.sampling(truncation_psi, noise):
            w_coarse = self.truncation(self.mapping(coarse))
            w_fine = self.truncation(self.mapping(fine))
            layer = np.arange(self.num_styles)[None, :, None]
            ws = ops.where(layer < cutoff, w_coarse[:, None, :], w_fine[:, None, :])
            images = ops.convert_to_numpy(self.synthesis(ws))
        return np.clip(images, -1.0, 1.0)
