"""CoGAN: Coupled Generative Adversarial Networks (Liu & Tuzel 2016)."""

import dataclasses
import os

import keras
import numpy as np
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import AugmentConfig, field
from keras_gan.networks.cogan import (
    DISCRIMINATOR_LAYERS,
    GENERATOR_LAYERS,
    check_image_shape,
    check_shared_layers,
    cogan_discriminator,
    cogan_generator,
)
from keras_gan.pairs import check_pair_data, unpack_pair
from keras_gan.registry import register

#: The built-in sets of digit pairs, which CoGAN reads unpaired (`paired=False`).
_DERIVED_PAIRS = ("mnist_edges", "mnist_colour", "mnist_color", "mnist_negative")
#: `generate(domain=...)`: both domains side by side, or one of them.
DOMAINS = ("both", "a", "b")


@dataclasses.dataclass
class CoGANConfig(AugmentConfig):
    dataset: str = field(
        "mnist_edges",
        "Two digit domains read unpaired, the paper's task A: edge maps (domain A) and digits "
        "(domain B), each batch's two sides from different digits. mnist_negative (digits and "
        "their negatives) is its task B.",
    )
    latent_dim: int = field(
        100,
        "Size of z ~ N(0, I): the authors' latent_dims 100 (cogan_pytorch).",
    )
    base_filters: int = field(
        32,
        "Width of the generators' last hidden layer (8x, 4x, 2x, 1x it from z on). The authors' "
        "128 (1024 channels at 4x4) with --paper; 32 makes a CPU step about 16 times cheaper.",
    )
    shared_generator_layers: int = field(
        4,
        "Generator layers, from z on, that the two generators share: the authors' 4 of 5 (all "
        "but the output layer). The paper finds pair agreement rises with this number "
        "(section 5); 0 trains two independent GANs.",
    )
    shared_discriminator_layers: int = field(
        3,
        "Discriminator layers, back from the logit, that the two discriminators share: the "
        "authors' 3 of 4. The paper finds it matters little for pair agreement; it halves the "
        "discriminators' parameters.",
    )
    weight_decay: float = field(
        5e-4,
        "L2 weight decay lambda, the authors' Adam(weight_decay=0.0005) in both networks: "
        "lambda/2 ||theta||^2 added to each network's loss (PyTorch's form, not AdamW's).",
    )
    learning_rate: float = field(
        2e-4,
        "Adam step size, the authors' lr=0.0002 for both networks.",
    )
    beta_1: float = field(
        0.5,
        "Adam beta_1, the authors' betas=(0.5, 0.999).",
    )
    beta_2: float = field(
        0.999,
        "Adam beta_2, the authors' 0.999.",
    )
    batch_size: int = field(
        64,
        "Images of each domain per step: the authors' batch_size 64 (cogan_pytorch).",
    )
    epochs: int = field(
        10,
        "10 CPU epochs of 200 steps: 2,000 steps (the authors train 5,000 at width 128; "
        "--paper: 5 passes over the 60,000 digits, 4,685 steps).",
    )

    PAPER = {"base_filters": 128, "epochs": 5}
    PYTHON_FROM_PAPER = ("base_filters",)


@register(
    "cogan",
    config=CoGANConfig,
    summary="Liu & Tuzel 2016: two GANs sharing layers learn a joint distribution, unpaired",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class CoGAN(AdversarialModel):
    r"""CoGAN: a pair of GANs whose generators share their first layers and whose
    discriminators share their last, trained on two unpaired image domains.

    $$\max_{g_1, g_2} \min_{f_1, f_2} V(f_1, f_2, g_1, g_2) =
      \mathbb{E}_{x_1 \sim p_{X_1}}[-\log f_1(x_1)] + \mathbb{E}_{z}[-\log(1 - f_1(g_1(z)))]
      + \mathbb{E}_{x_2 \sim p_{X_2}}[-\log f_2(x_2)] + \mathbb{E}_{z}[-\log(1 - f_2(g_2(z)))]$$

    subject to $\theta_{g_1^{(i)}} = \theta_{g_2^{(i)}}$ for the generators' first layers and
    $\theta_{f_1^{(n_1 - i)}} = \theta_{f_2^{(n_2 - i)}}$ for the discriminators' last layers.
    Each GAN learns one domain from its own images, with no pair of corresponding images
    anywhere; because both generators decode the same z through the same first layers (the
    high-level concepts: which digit, its slant and stroke) and differ only in their last
    layers (the rendering: ink or outline), one z gives two images that correspond.
    `train_step` follows the authors' code: one update of both discriminators on a batch of
    each domain and generated images of both (from one z), then one update of both
    generators with the non-saturating loss; each loss is the mean over the two domains (the
    cross-entropy over the authors' concatenated batch), plus the authors' L2 weight decay.
    Logs: `d_loss`, `g_loss` (the adversarial terms, without the decay).

    The hyperparameters are keyword arguments, with the defaults of `CoGANConfig` (the
    authors' value for `base_filters`): `help(keras_gan.models.CoGAN)` shows them all, the
    stabilisers every model shares included.

    Args:
        generator: optional `keras.Model` z `(batch, latent_dim)` -> `[images_a, images_b]`.
            Defaults to `cogan_generator(image_shape, latent_dim, base_filters,
            shared_generator_layers)`.
        discriminator: optional `keras.Model` `[images_a, images_b]` -> `[logits_a,
            logits_b]`. Defaults to `cogan_discriminator(image_shape,
            shared_discriminator_layers)`.
        image_shape: tuple `(size, size, channels)` of both domains, square, a size that is a
            multiple of 4 and at least 16. Defaults to `(28, 28, 1)`.
        latent_distribution: `"normal"` (the authors') or `"uniform"`. Defaults to `"normal"`.
        seed: optional int, seed of the weights and the model's random stream.
        latent_dim: int, size of z.
        base_filters: int, width of the default generator.
        shared_generator_layers: int in [0, 4], layers the default generators share.
        shared_discriminator_layers: int in [0, 3], layers the default discriminators share.
        weight_decay: float >= 0, the L2 weight decay lambda of both networks.
        **kwargs: `generator_steps`, `ema_decay`, `label_smoothing`, ... as in
            `AdversarialModel`.

    Example:

    ```python
    cogan = keras_gan.models.CoGAN(image_shape=(28, 28, 1))
    cogan.compile()  # Adam(2e-4, 0.5, 0.999) for both networks, the authors'
    cogan.fit(keras_gan.datasets.load("mnist_edges", paired=False), epochs=1)
    edges, digits = cogan.generate_pairs(16)  # one z -> an edge map and its digit
    ```

    Reference: https://arxiv.org/abs/1606.07536
    """

    #: Two image domains, one batch of each (`(domain_a, domain_b)`), read unpaired.
    data_kind = "unpaired"
    #: The datasets the CLI suggests when `--dataset` is of another kind.
    suggested_datasets = ("mnist_edges", "mnist_negative", "mnist_colour", "two folders")
    augmentation_refusal = (
        "its discriminator takes one image of each domain, and an augmentation of the first "
        "input alone would change one domain's images only; the CoGAN paper and code do not "
        "augment"
    )
    regularization_refusal = (
        "its two discriminators score two domains through shared layers; R1/R2 are defined for "
        "one discriminator of one kind of image"
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
        shared_generator_layers,
        shared_discriminator_layers,
        **kwargs,
    ):
        image_shape = check_image_shape(image_shape)
        check_shared_layers(
            shared_generator_layers, GENERATOR_LAYERS, "generator", "shared_generator_layers"
        )
        check_shared_layers(
            shared_discriminator_layers, DISCRIMINATOR_LAYERS, "discriminator",
            "shared_discriminator_layers",
        )  # fmt: skip
        generator = generator or cogan_generator(
            image_shape, latent_dim, base_filters, shared_generator_layers, seed=seed
        )
        discriminator = discriminator or cogan_discriminator(
            image_shape, shared_discriminator_layers, seed=None if seed is None else seed + 1000
        )
        shapes = [tuple(shape[1:]) for shape in _shapes(generator.output_shape)]
        if len(shapes) != 2 or shapes[0] != shapes[1]:
            raise ValueError(
                "CoGAN's generator must map z to two images of the same shape, one per domain "
                f"([images_a, images_b]). Received outputs of shapes {shapes}"
            )
        super().__init__(
            generator, discriminator, latent_dim, latent_distribution=latent_distribution,
            seed=seed, **kwargs,
        )  # fmt: skip
        self.image_shape = shapes[0]
        self.base_filters = base_filters
        self.shared_generator_layers = shared_generator_layers
        self.shared_discriminator_layers = shared_discriminator_layers

    def train_step(self, data):
        # a minibatch of m images of each domain, x_1 ~ p_X1 and x_2 ~ p_X2, not paired
        real_a, real_b = unpack_pair(data, ("a", "b"))
        m = ops.shape(real_a)[0]
        z = self.sample_latent(m)

        def discriminator_loss():
            # g_1(z), g_2(z): one z, both domains; no gradient into the generators
            fake_a, fake_b = (
                ops.stop_gradient(image) for image in self.generator(z, training=True)
            )
            real_logits = self.discriminator([real_a, real_b], training=True)
            fake_logits = self.discriminator([fake_a, fake_b], training=True)
            # 1/2 sum_i -[log f_i(x_i) + log(1 - f_i(g_i(z)))]: the cross-entropy over both
            # domains' images, as the authors' batch of 2m
            adversarial = 0.5 * sum(
                losses.minimax_discriminator_loss(real, fake)
                for real, fake in zip(real_logits, fake_logits)
            )
            # + lambda/2 ||theta_f||^2, the authors' Adam weight decay
            decay = losses.weight_decay_penalty(
                self.discriminator.trainable_variables, self.weight_decay
            )
            return adversarial + decay, {"adversarial": adversarial}

        _, d_logs = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        # generator_steps generator updates (1 in the paper), each on fresh noise
        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                fake_logits = self.discriminator(self.generator(z, training=True), training=True)
                # 1/2 sum_i -log f_i(g_i(z)) (non-saturating), + lambda/2 ||theta_g||^2
                adversarial = 0.5 * sum(
                    losses.non_saturating_generator_loss(logits) for logits in fake_logits
                )
                decay = losses.weight_decay_penalty(
                    self.generator.trainable_variables, self.weight_decay
                )
                return adversarial + decay, {"adversarial": adversarial}

            _, g_logs = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_logs["adversarial"], g_loss=g_logs["adversarial"])

    # -- Data checks -------------------------------------------------------------------------

    @property
    def pair_shapes(self):
        """The image shapes of the two domains (the same)."""
        return (self.image_shape, self.image_shape)

    @property
    def sample_shape(self):
        """Shape of one `generate()` sample: the two domains' images side by side."""
        height, width, channels = self.image_shape
        return (height, 2 * width, channels)

    def _check_data(self, x, batch_size=None):
        check_pair_data(self, x, ("domain A", "domain B"), same_size=True)

    # -- Sampling ----------------------------------------------------------------------------

    def generate_pairs(self, num_samples=None, latents=None, seed=None, batch_size=256):
        """Draws corresponding pairs: one z, an image of each domain.

        Args:
            num_samples: int, pairs to draw with fresh latents. Ignored when `latents` is given.
            latents: optional array `(n, latent_dim)`.
            seed: optional int, seed of the fresh latents.
            batch_size: int, generator batch size. Defaults to 256.

        Returns:
            A tuple `(images_a, images_b)` of numpy arrays `(n, *image_shape)` in [-1, 1].
        """
        latents = self._latents(num_samples, latents, seed)
        sides = ([], [])
        for lo in range(0, len(latents), batch_size):
            images = self.generator(latents[lo : lo + batch_size], training=False)
            for side, image in zip(sides, images):
                side.append(ops.convert_to_numpy(image))
        return tuple(np.concatenate(side, axis=0) for side in sides)

    def generate(
        self, num_samples=None, latents=None, seed=None, batch_size=256, domain="both",
        **conditions,
    ):  # fmt: skip
        """Samples pairs from the two generators, as the sample grids show them.

        Args:
            num_samples, latents, seed, batch_size: as in `AdversarialModel.generate`.
            domain: `"both"`: each pair as one image, domain A on the left and domain B on the
                right (the authors' snapshots); `"a"` or `"b"`: that domain's images only.
                Defaults to `"both"`.

        Returns:
            numpy array `(n, height, 2 * width, channels)` for `"both"`, else
            `(n, height, width, channels)`, in [-1, 1].
        """
        if domain not in DOMAINS:
            raise ValueError(f"`domain` must be one of {DOMAINS}. Received: domain={domain!r}")
        if conditions:
            super().generate(num_samples, latents, seed, batch_size, **conditions)  # refuses
        images_a, images_b = self.generate_pairs(num_samples, latents, seed, batch_size)
        if domain == "a":
            return images_a
        if domain == "b":
            return images_b
        return np.concatenate([images_a, images_b], axis=2)

    def pair_agreement(self, dataset, num_samples=10_000, seed=0):
        """The paper's pair agreement of `num_samples` generated pairs on a digit pair set.

        Args:
            dataset: str, the digit pair set the model was trained on (`"mnist_edges"`,
                `"mnist_negative"`, `"mnist_colour"`).
            num_samples: int >= 2. Defaults to 10,000.
            seed: int, seed of the latents. Defaults to 0.

        Returns:
            dict, see `keras_gan.metrics.pair_agreement`.
        """
        from keras_gan.metrics import pair_agreement

        images_a, images_b = self.generate_pairs(num_samples, seed=seed)
        return pair_agreement(images_a, images_b, dataset)

    # -- Command line ------------------------------------------------------------------------

    @classmethod
    def dataset_options(cls, config):
        """Extra `keras_gan.datasets.load` arguments: the digit pair sets (and a folder of
        side-by-side pairs) read unpaired, `paired=False`, as CoGAN learns them."""
        name = config.dataset
        if name in _DERIVED_PAIRS or os.path.isdir(os.path.expanduser(name)):
            return {"paired": False}
        return {}

    @classmethod
    def check_dataset_info(cls, config, info):
        """Refuses two domains of different image shapes, naming them.

        Raises:
            ValueError: one line, naming the shapes and the datasets that fit.
        """
        target = tuple(info.image_shape)
        source = tuple(info.source_shape or target)
        if source != target:
            raise ValueError(
                f"CoGAN generates one image of each domain from the same layers, so both "
                f"domains must have the same image shape, but dataset '{config.dataset}' has "
                f"domain A images of {source} and domain B images of {target}. Choose a dataset "
                f"with --dataset: {', '.join(cls.suggested_datasets)}."
            )

    def sample_inputs(self, num_samples, seed=0, batch=None):
        """`generate()` keywords for the CLI's sample grids: fixed latents (pairs side by side)."""
        latents = ops.convert_to_numpy(self.sample_latent(num_samples, seed=seed))
        return {"latents": np.asarray(latents, dtype="float32")}


def _shapes(output_shape):
    """The output shapes of a model, as a list (one per output)."""
    if (
        isinstance(output_shape, (list, tuple))
        and output_shape
        and isinstance(output_shape[0], (list, tuple))
    ):
        return list(output_shape)
    return [output_shape]
