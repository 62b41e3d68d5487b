"""BigGAN: Large Scale GAN Training for High Fidelity Natural Image Synthesis (Brock et al. 2019)."""

import dataclasses

import keras
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel, check_accumulation_steps
from keras_gan.config import AugmentConfig, field
from keras_gan.models.cgan import BothConditioned
from keras_gan.models.sagan import SelfAttending, attention_gains, attention_layers
from keras_gan.models.sngan import SNGAN
from keras_gan.networks.biggan import (
    INITIALIZERS,
    ClassEmbedding,
    biggan_discriminator,
    biggan_generator,
)
from keras_gan.registry import register


@dataclasses.dataclass
class BigGANConfig(AugmentConfig):
    image_size: int | None = field(
        32,
        "Images resized to 32x32, the authors' CIFAR networks (BigGAN-PyTorch G_arch[32]); "
        "MNIST's 28 gives a three-slot latent.",
    )
    latent_dim: int = field(
        120,
        "Size of z ~ N(0, I), split into one chunk per generator layer: the paper's 120, 6 x 20 "
        "at 128x128 (the authors' --dim_z 120), which also divides into 4 x 30 at 32x32 and "
        "3 x 40 at 28x28.",
    )
    base_filters: int = field(
        16,
        "The authors' ch: at 32x32 every block has 4 ch channels (64 here; their CIFAR runs "
        "64, so 256), at 128x128 16 ch down to ch. The paper's 96 with --paper.",
    )
    shared_dim: int = field(
        128,
        "Size of the class embedding shared by every conditional batch norm: the authors' "
        "--shared_dim 128 (their I128 launch script).",
    )
    hierarchical: bool = field(
        True,
        "Hierarchical latents (section 3): a chunk of z to each block's batch norms, with the "
        "shared embedding. False: all of z to the first layer, the embedding alone to the blocks.",
    )
    attention_resolution: int | None = field(
        None,
        "The feature-map size at which both networks attend. None: half the image size (16 at "
        "32x32); the authors' 128x128 networks attend at 64 (--G_attn 64); 0: none (the "
        "authors' CIFAR runs).",
    )
    negative_slope: float = field(
        0.0,
        "Slope of every ReLU below zero in both networks: 0, the paper's ReLU (LoGAN's leaky "
        "0.2 gives the latent step a smoother gradient).",
    )
    initializer: str = field(
        "glorot_uniform",
        "Initialiser of every weight but the attention block's and the projection head's: "
        "glorot_uniform, the authors' CIFAR launch scripts' (--G_init xavier --D_init xavier), "
        "measured to learn MNIST's classes faster at 32x32 (on average 60% label agreement "
        "against 46% after 2,000 steps, two seeds each); orthogonal, the paper's and their "
        "ImageNet runs' (--G_init ortho), with --paper and from Python.",
        choices=tuple(INITIALIZERS),
    )
    orthogonal_regularization: float = field(
        1e-4,
        "beta of the generator's orthogonal regularisation (section 3.1): 1e-4, which makes "
        "the generator amenable to truncation. The authors' released launch scripts use 0.",
    )
    accumulation_steps: int = field(
        1,
        "Gradient accumulation: each update sums the gradients of this many micro-batches of "
        "--batch-size / k images. The paper's batch of 2048 is the authors' 256 x 8 with --paper.",
    )
    learning_rate: float = field(
        1e-4,
        "The generator's Adam step size: the authors' code (SAGAN's, BigGAN-PyTorch README); "
        "the paper's 5e-5 came with two D steps per G step.",
    )
    d_learning_rate: float | None = field(
        4e-4,
        "TTUR: the discriminator's 4e-4 with the generator's 1e-4 (the authors' code; the "
        "paper's 2e-4 with 5e-5).",
    )
    beta_1: float = field(
        0.0,
        "Adam beta_1 = 0, the paper's and the authors' code's (BigGAN-PyTorch launch scripts).",
    )
    beta_2: float = field(
        0.999,
        "Adam beta_2 = 0.999, the paper's and the authors' code's.",
    )
    discriminator_steps: int = field(
        1,
        "One discriminator step per generator step, as the authors' ImageNet launch script "
        "(the paper's two came with its lower learning rates).",
    )
    ema_decay: float | None = field(
        0.99,
        "The generator's moving average, which the samples come from (the authors' decay "
        "0.9999 with --paper). 0.99 averages about the last 100 steps: at 0.999 the average of "
        "a CPU-length run lagged its raw weights by 40 points of label agreement (55% against "
        "96% after 2,507 steps); at 0.99 it read within a point of them after ~1,700 steps "
        "(docs/variants/biggan.md).",
    )
    ema_start: int = field(
        500,
        "Steps before the average starts (the authors' 20,000 at ImageNet scale with --paper, "
        "1,000 on CIFAR): early weights are not worth averaging.",
    )
    batch_size: int = field(
        64,
        "Minibatch size on a CPU; the paper's 2048 as 256 x 8 accumulated with --paper.",
    )
    epochs: int = field(
        10,
        "Epochs of --steps-per-epoch steps: 2,000 steps on a CPU.",
    )

    PAPER = {
        "base_filters": 96,
        "batch_size": 256,
        "accumulation_steps": 8,
        "ema_decay": 0.9999,
        "ema_start": 20_000,
        "initializer": "orthogonal",
    }
    PYTHON_FROM_PAPER = ("base_filters", "initializer")


@register(
    "biggan",
    config=BigGANConfig,
    summary="Brock et al. 2019: hierarchical latents, shared embedding, ortho reg, large batches",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class BigGAN(SelfAttending, BothConditioned, AdversarialModel):
    r"""BigGAN: SAGAN scaled up, with a hierarchical latent, a shared class embedding, orthogonal
    regularisation and large batches through gradient accumulation.

    $$L_D = \mathbb{E}_{(x, y)}[\max(0, 1 - D(x, y))]
      + \mathbb{E}_{z, y}[\max(0, 1 + D(G(z, y), y))], \qquad
      L_G = -\mathbb{E}_{z, y}[D(G(z, y), y)]
      + \frac{\beta}{2}\sum_W \lVert W^\top W \odot (\mathbf{1} - I) \rVert_F^2$$

    The paper's finding is that GANs get much better when simply made bigger: batches eight
    times larger (2048), networks wider, with SAGAN's self-attention, spectral norm, hinge loss
    and TTUR kept. Three changes make that scale work: every block's batch norm takes its gains
    from the shared class embedding together with its own chunk of z (hierarchical latents);
    the generator's weights are pushed towards orthogonality, so that the truncation trick
    (`truncated_latents`) trades variety for fidelity smoothly; and the generator's moving
    average gives the samples. `train_step` is SAGAN's with gradient accumulation: each update
    sums the gradients of `accumulation_steps` micro-batches (`minimize(...,
    accumulation_steps=k)`), so a batch of N k images is reached with the memory of N (batch
    norm and the spectral norm's power iteration see each micro-batch in turn, as in the
    authors' code). Logs: `d_loss`, `g_loss` (the hinge term), `orthogonal_penalty` (when
    beta > 0) and each network's attention gain.

    The hyperparameters are keyword arguments, with the defaults of `BigGANConfig` (the paper's
    `base_filters`): `help(keras_gan.models.BigGAN)` shows them all.

    Args:
        generator: optional `keras.Model` `[z (batch, latent_dim), y (batch,) int]` -> images.
            Defaults to `biggan_generator(...)`.
        discriminator: optional `keras.Model` `[images, y]` -> one score. Defaults to
            `biggan_discriminator(...)`.
        num_classes: int >= 2, number of labels. Defaults to 10.
        image_shape: tuple `(size, size, channels)` for the default networks: a size that
            halves down to 4..7 in at most three stages (28, 32) or 64, 128, 256. Defaults to
            `(32, 32, 3)`.
        latent_distribution: `"normal"` (the paper's) or `"uniform"`. Defaults to `"normal"`.
        seed: optional int, seed of the weights and the model's random stream.
        latent_dim: int, size of z; with `hierarchical`, a multiple of the generator's stages
            plus one.
        base_filters: int, the authors' `ch`.
        shared_dim: int, size of the shared class embedding.
        hierarchical: bool, split z among the generator's layers.
        attention_resolution: optional int, the feature-map size where both default networks
            attend; None: half the image size; 0: none.
        negative_slope: float in [0, 1], the slope of the default networks' ReLUs below zero
            (0: the paper's ReLU).
        initializer: `"orthogonal"` or `"glorot_uniform"`, the default networks' initialiser.
        orthogonal_regularization: float beta >= 0 of the generator's orthogonal penalty.
        accumulation_steps: int k >= 1, micro-batches per update.
        **kwargs: `discriminator_steps`, `ema_decay`, `ema_start`, ... as in
            `AdversarialModel`.

    Example:

    ```python
    biggan = keras_gan.models.BigGAN(image_shape=(32, 32, 3), num_classes=10)
    biggan.compile()  # TTUR: Adam(4e-4) for D, Adam(1e-4) for G, betas (0, 0.999)
    biggan.fit(keras_gan.datasets.load("cifar10", batch_size=64, with_labels=True), epochs=1)
    z = biggan.truncated_latents(16, truncation=0.5)
    images = biggan.generate(latents=z, labels=[3] * 16)
    ```

    Reference: https://arxiv.org/abs/1809.11096
    """

    data_kind = "labelled"
    label_smoothing_refusal = SNGAN.label_smoothing_refusal
    # logs a subclass adds after d_loss and g_loss (LoGAN's transport cost)
    extra_log_names = ()

    def __init__(
        self,
        generator=None,
        discriminator=None,
        num_classes=10,
        image_shape=(32, 32, 3),
        latent_distribution="normal",
        seed=None,
        *,
        latent_dim,
        base_filters,
        shared_dim,
        hierarchical,
        attention_resolution,
        negative_slope,
        initializer,
        orthogonal_regularization,
        accumulation_steps,
        **kwargs,
    ):
        self.check_num_classes(num_classes)
        image_shape = tuple(image_shape)
        generator = generator or biggan_generator(
            image_shape,
            latent_dim,
            num_classes,
            base_filters,
            shared_dim,
            attention_resolution,
            hierarchical,
            negative_slope=negative_slope,
            initializer=initializer,
            seed=seed,
        )
        discriminator = discriminator or biggan_discriminator(
            image_shape,
            num_classes,
            base_filters,
            attention_resolution,
            negative_slope=negative_slope,
            initializer=initializer,
            seed=None if seed is None else seed + 1000,
        )
        attending = [
            f"{short}_attention_gain"
            for short, network in (("g", generator), ("d", discriminator))
            if attention_layers(network)
        ]
        penalty = ("orthogonal_penalty",) if orthogonal_regularization else ()
        kwargs.setdefault(
            "log_names", ("d_loss", "g_loss", *self.extra_log_names, *penalty, *attending)
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
        self.shared_dim = shared_dim
        self.hierarchical = bool(hierarchical)
        self.attention_resolution = attention_resolution
        self.negative_slope = float(negative_slope)
        self.initializer = initializer
        self.orthogonal_regularization = float(orthogonal_regularization)
        self.accumulation_steps = check_accumulation_steps(accumulation_steps)

    def train_step(self, data):
        images, labels = self.unpack_labelled(data)
        k = self.accumulation_steps
        # discriminator_steps minibatches of m labelled real samples (1 in the authors' code)
        for real, y in zip(self.minibatches(images), self.minibatches(labels)):
            z = self.sample_latent(ops.shape(real)[0])
            # the minibatch as k micro-batches of m / k: one gradient each, summed, one update
            reals, ys, zs = (self.micro_batches(tensor) for tensor in (real, y, z))

            def discriminator_loss(i):
                # G(z, y) with the real micro-batch's labels; no gradient into the generator
                fake = ops.stop_gradient(self.generator([zs[i], ys[i]], training=True))
                real_scores = self.discriminator([reals[i], ys[i]], training=True)
                fake_scores = self.discriminator([fake, ys[i]], training=True)
                # E[max(0, 1 - D(x, y))] + E[max(0, 1 + D(G(z, y), y))] over micro-batch i
                return losses.hinge_discriminator_loss(real_scores, fake_scores)

            d_loss, _ = self.minimize(
                discriminator_loss, self.discriminator, self.d_optimizer, accumulation_steps=k
            )

        # generator_steps generator updates (1 in the paper), each on fresh noise, for the
        # labels of the last minibatch
        for _ in self.generator_updates():
            zs = self.micro_batches(self.sample_latent(ops.shape(real)[0]))

            def generator_loss(i):
                fake_scores = self.discriminator(
                    [self.generator([zs[i], ys[i]], training=True), ys[i]], training=True
                )
                adversarial = losses.hinge_generator_loss(fake_scores)  # -E[D(G(z, y), y)]
                if not self.orthogonal_regularization:
                    return adversarial, {"g_loss": adversarial}
                # (beta/2) sum_W ||W^T W * (1 - I)||_F^2, section 3.1: filters pushed apart
                # (their norms left free); each micro-batch carries 1/k of it
                penalty = losses.orthogonal_regularization(
                    self.orthogonal_weights(), self.orthogonal_regularization
                )
                return adversarial + penalty, {"g_loss": adversarial, "orthogonal_penalty": penalty}

            _, g_logs = self.minimize(
                generator_loss, self.generator, self.g_optimizer, accumulation_steps=k
            )
        return self.update_logs(d_loss=d_loss, **g_logs, **attention_gains(self))

    def micro_batches(self, batch):
        """Splits a minibatch into `accumulation_steps` micro-batches, one gradient each."""
        if self.accumulation_steps == 1:
            return [batch]
        return ops.split(batch, self.accumulation_steps, axis=0)

    def orthogonal_weights(self):
        """The generator's weights the orthogonal penalty reads: every kernel with at least two
        axes (dense, convolution, the conditional batch norms' linear maps, attention), the raw
        weights inside the spectral norm as in the authors' code, without the shared class
        embedding (which they leave out too)."""
        embeddings = {
            id(layer.embeddings)
            for layer in getattr(self.generator, "layers", [])
            if isinstance(layer, ClassEmbedding)
        }
        return [
            weight
            for weight in self.generator.trainable_variables
            if len(weight.shape) >= 2 and id(weight) not in embeddings
        ]
