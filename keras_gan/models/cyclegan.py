"""CycleGAN: unpaired image-to-image translation with cycle-consistent adversarial networks (Zhu et al. 2017)."""

import dataclasses
import os

import keras
import numpy as np
from keras import ops

from keras_gan import losses, schedules
from keras_gan.adversarial import JointNetworks, TranslationModel
from keras_gan.config import TrainConfig, field
from keras_gan.image_pool import ImagePool
from keras_gan.losses import l1_loss
from keras_gan.networks.patchgan import patchgan_discriminator
from keras_gan.networks.resnet import resnet_generator
from keras_gan.pairs import check_pair_data, check_pair_info, unpack_pair
from keras_gan.registry import register
from keras_gan.schedules import LinearDecay

DIRECTIONS = ("a_to_b", "b_to_a")
# The built-in sets of digit pairs, which take `paired=` (keras_gan.datasets.load).
_DERIVED_PAIRS = ("mnist_edges", "mnist_colour", "mnist_color", "mnist_negative", "mnist_superres")


@dataclasses.dataclass
class CycleGANConfig(TrainConfig):
    dataset: str = field(
        "mnist_edges",
        "Edge maps (domain A) and digits (domain B) from different MNIST digits: a CPU-sized "
        "stand-in for horse2zebra (`paired=False` is passed to keras_gan.datasets.load).",
    )
    paired: bool = field(
        False,
        "Unpaired: the two sides of a batch come from different, independently shuffled "
        "images. --paired asks the digit pair sets (and a folder of side-by-side files) for "
        "aligned pairs, whose pairing the losses ignore.",
    )
    image_size: int | None = field(
        32,
        "Multiple of 4 for the ResNet generator; the paper's 256 (--paper).",
    )
    source_channels: int | None = field(
        None,
        "Channels of domain A; None: the same as domain B.",
    )
    base_filters: int = field(
        16,
        "ResNet generator width (c7s1-64). The paper's 64 (--paper); 16 on a CPU.",
    )
    resnet_blocks: int | None = field(
        None,
        "Residual blocks; None applies the paper's rule: 6 below 256x256, 9 from 256x256.",
    )
    discriminator_filters: int = field(
        16,
        "PatchGAN width. The paper's 64 (--paper); 16 on a CPU.",
    )
    receptive_field: int = field(
        34,
        "PatchGAN patch size: the paper's 70 is for 256x256 (--paper); 34 on 32x32 digits.",
    )
    cycle_weight: float = field(
        10.0,
        'lambda of the cycle loss: "we set lambda = 10 in Equation 3" (section 7.1).',
    )
    identity_weight: float = field(
        0.5,
        "Identity loss weight relative to lambda: 0.5 lambda, the reference code's "
        "lambda_identity.",
    )
    pool_size: int = field(
        50,
        '"an image buffer that stores the 50 previously created images" (section 4).',
    )
    constant_epochs: int | None = field(
        None,
        '"learning rate of 0.0002 ... keep the same learning rate for the first 100 epochs '
        'and linearly decay the rate to zero over the next 100 epochs": None splits `epochs` '
        "in half.",
    )
    decay_epochs: int | None = field(
        None, "Epochs of linear decay to zero after the constant ones; None: the other half."
    )
    learning_rate: float = field(2e-4, 'Adam step size: "learning rate of 0.0002" (section 7.1).')
    beta_1: float = field(
        0.5,
        "Adam beta_1 0.5, as the reference code (pix2pix's setting).",
    )
    batch_size: int = field(
        16,
        '"We use a batch size of 1"; 16 keeps a CPU epoch short.',
    )

    PAPER = {
        "image_size": 256, "base_filters": 64, "discriminator_filters": 64,
        "receptive_field": 70, "batch_size": 1, "epochs": 200, "constant_epochs": 100,
        "decay_epochs": 100,
    }  # fmt: skip
    TRAINING_FIELDS = (*TrainConfig.TRAINING_FIELDS, "paired", "constant_epochs", "decay_epochs")
    PYTHON_FROM_PAPER = ("base_filters", "discriminator_filters", "receptive_field")


def least_squares_generator_objective(fake_outputs):
    """LSGAN generator loss as the reference code: `MSE(D(G(x)), 1)` over the patch grid."""
    return ops.mean(ops.square(fake_outputs - 1.0))


def cycle_objective(real_a, reconstructed_a, real_b, reconstructed_b, weight=10.0):
    r"""$\lambda (\|F(G(a)) - a\|_1 + \|G(F(b)) - b\|_1)$, each a mean over pixels (equation 2)."""
    return weight * (l1_loss(real_a, reconstructed_a) + l1_loss(real_b, reconstructed_b))


def identity_objective(real_a, identity_a, real_b, identity_b, weight=5.0):
    r"""$w (\|F(a) - a\|_1 + \|G(b) - b\|_1)$: CycleGAN's identity loss (section 5.2), $w = 0.5\lambda$."""
    return weight * (l1_loss(real_a, identity_a) + l1_loss(real_b, identity_b))


def check_domain_shapes(back_input, back_output, shape_a, shape_b, identity_weight):
    """Refuses a translator B -> A of other shapes than the domains', and an identity loss
    between domains of different channels (it feeds domain B images to G: A -> B).

    Args:
        back_input, back_output: the shapes of one input and one output image of B -> A.
        shape_a, shape_b: the shapes of one image of domain A and of domain B.
        identity_weight: the identity loss's weight (0: none).

    Raises:
        ValueError: naming the shapes (and the fix, for the identity loss).
    """
    if tuple(back_input) != tuple(shape_b) or tuple(back_output) != tuple(shape_a):
        raise ValueError(
            f"generator_ba must map domain B images {tuple(shape_b)} to domain A images "
            f"{tuple(shape_a)}. Received: {tuple(back_input)} -> {tuple(back_output)}"
        )
    if identity_weight and shape_a[-1] != shape_b[-1]:
        raise ValueError(
            "The identity loss feeds domain B images to G: A -> B, so it needs the same "
            f"channels in both domains. Received: {shape_a[-1]} (A) and {shape_b[-1]} (B); "
            "set identity_weight=0."
        )


@register(
    "cyclegan",
    config=CycleGANConfig,
    summary="Zhu et al. 2017: two generators, LSGAN + cycle consistency, unpaired translation",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class CycleGAN(TranslationModel):
    r"""CycleGAN: two translators G: A -> B and F: B -> A, trained on unpaired images.

    $$\mathcal{L}(G, F, D_A, D_B) = \mathcal{L}_{LSGAN}(G, D_B) + \mathcal{L}_{LSGAN}(F, D_A)
      + \lambda\,\big(\mathbb{E}_a\|F(G(a)) - a\|_1 + \mathbb{E}_b\|G(F(b)) - b\|_1\big)
      + 0.5\lambda\,\big(\mathbb{E}_b\|G(b) - b\|_1 + \mathbb{E}_a\|F(a) - a\|_1\big)$$

    with the least-squares adversarial terms $\mathbb{E}_a[(D_B(G(a)) - 1)^2]$ for the
    generator and $\frac{1}{2}(\mathbb{E}_b[(D_B(b) - 1)^2] + \mathbb{E}_a[D_B(G(a))^2])$ for the
    discriminator. Each generator must fool its domain's discriminator, and translating there
    and back must give the input again (cycle consistency), which ties each image to its
    translation without paired examples. `train_step` follows the reference code: the two
    generators are updated jointly by one optimizer (`g_optimizer`); then the two
    discriminators, by one optimizer (`d_optimizer`), on the step's translations passed through
    a history pool of 50 images each.

    The hyperparameters are keyword arguments, with the defaults of `CycleGANConfig` (the
    paper's values for `base_filters`, `discriminator_filters`, `receptive_field`):
    `help(keras_gan.models.CycleGAN)` shows them all, the stabilisers every model shares
    included.

    Args:
        generator_ab: optional `keras.Model` G from domain A to B. Defaults to
            `resnet_generator`. Also available as `model.generator`.
        generator_ba: optional `keras.Model` F from domain B to A.
        discriminator_a: optional `keras.Model`, D_A: real A images vs F(b).
        discriminator_b: optional `keras.Model`, D_B: real B images vs G(a). Also
            `model.discriminator`.
        image_shape: tuple `(size, size, channels)` of domain B, for the default networks.
            Defaults to `(256, 256, 3)`.
        source_channels: optional int, channels of domain A; None: as domain B.
        base_filters: int, generator width (the paper's 64).
        num_blocks: optional int, residual blocks; None: 6 below 256x256, 9 from 256.
        discriminator_filters: int, PatchGAN width (the paper's 64).
        receptive_field: int, PatchGAN patch size.
        cycle_weight: float, lambda.
        identity_weight: float, identity loss weight relative to lambda (0 disables it; it needs
            the same channels in both domains).
        pool_size: int, images in each discriminator's history pool (0: none).
        seed: optional int, seed of the weights and the model's random stream.
        **kwargs: as in `keras.Model` (`name`).

    Example:

    ```python
    model = keras_gan.models.CycleGAN(image_shape=(32, 32, 1), base_filters=16,
                                      discriminator_filters=16, receptive_field=34)
    model.compile()  # Adam(2e-4, beta_1=0.5) for the generators and for the discriminators
    model.fit(keras_gan.datasets.load("mnist_edges", image_size=32, paired=False), epochs=1)
    digits = model.translate(edge_maps, direction="a_to_b")
    ```

    Reference: https://arxiv.org/abs/1703.10593
    """

    optimizer_targets = {"d_optimizer": "discriminators", "g_optimizer": "generators"}
    network_names = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
    # --resnet-blocks on the command line; `num_blocks` in Python.
    config_arguments = {"resnet_blocks": "num_blocks"}
    # its networks go to TranslationModel as `generator` and `discriminator`
    filled_arguments = ("generator", "discriminator")
    log_names = (
        "d_loss", "g_loss", "d_a_loss", "d_b_loss", "g_adversarial_loss", "cycle_loss",
        "identity_loss",
    )  # fmt: skip
    #: What the CLI loads for it (keras_gan.train): two image domains, one batch of each.
    data_kind = "unpaired"
    #: The datasets the CLI suggests when `--dataset` is of another kind.
    suggested_datasets = (
        "mnist_edges",
        "mnist_colour",
        "cycle_gan/horse2zebra (or another cycle_gan/*)",
    )

    def __init__(
        self,
        generator_ab=None,
        generator_ba=None,
        discriminator_a=None,
        discriminator_b=None,
        image_shape=(256, 256, 3),
        seed=None,
        *,
        source_channels,
        base_filters,
        num_blocks,
        discriminator_filters,
        receptive_field,
        identity_weight,
        pool_size,
        **kwargs,
    ):
        shape_b = tuple(image_shape)
        shape_a = (*shape_b[:2], source_channels or shape_b[-1])
        seeds = (None,) * 4 if seed is None else (seed, seed + 1000, seed + 2000, seed + 3000)
        generator_ab = generator_ab or resnet_generator(
            shape_a, shape_b[-1], base_filters, num_blocks, seed=seeds[0], name="generator_ab"
        )
        generator_ba = generator_ba or resnet_generator(
            shape_b, shape_a[-1], base_filters, num_blocks, seed=seeds[1], name="generator_ba"
        )
        shape_a, shape_b = tuple(generator_ab.input_shape[1:]), tuple(generator_ab.output_shape[1:])

        def discriminator(shape, seed_, name):
            return patchgan_discriminator(
                shape, 0, discriminator_filters, receptive_field, norm="instance", seed=seed_,
                name=name,
            )  # fmt: skip

        discriminator_a = discriminator_a or discriminator(shape_a, seeds[2], "discriminator_a")
        discriminator_b = discriminator_b or discriminator(shape_b, seeds[3], "discriminator_b")
        check_domain_shapes(
            generator_ba.input_shape[1:], generator_ba.output_shape[1:], shape_a, shape_b,
            identity_weight,
        )  # fmt: skip
        # The base class's generator/discriminator are G: A -> B and D_B.
        super().__init__(generator_ab, discriminator_b, seed=seed, **kwargs)
        self.generator_ab = generator_ab
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.discriminator_b = discriminator_b
        self.identity_weight = float(identity_weight)
        self.pool_size = int(pool_size)
        # Histories of F(b) for D_A and of G(a) for D_B
        self.pool_a = ImagePool(shape_a, pool_size, name="pool_a")
        self.pool_b = ImagePool(shape_b, pool_size, name="pool_b")

    @property
    def generators(self):
        """G and F together: what `g_optimizer` updates (the reference's `optimizer_G`)."""
        return JointNetworks(self.generator_ab, self.generator_ba)

    @property
    def discriminators(self):
        """D_A and D_B together: what `d_optimizer` updates (the reference's `optimizer_D`)."""
        return JointNetworks(self.discriminator_a, self.discriminator_b)

    def train_step(self, data):
        real_a, real_b = unpack_pair(data, ("a", "b"))

        def generator_loss():
            fake_b = self.generator_ab(real_a, training=True)  # G(a)
            fake_a = self.generator_ba(real_b, training=True)  # F(b)
            # LSGAN: (D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2, averaged over patches
            adversarial = least_squares_generator_objective(
                self.discriminator_b(fake_b, training=True)
            ) + least_squares_generator_objective(self.discriminator_a(fake_a, training=True))
            # lambda (|F(G(a)) - a|_1 + |G(F(b)) - b|_1)
            cycle = cycle_objective(
                real_a, self.generator_ba(fake_b, training=True),
                real_b, self.generator_ab(fake_a, training=True), self.cycle_weight,
            )  # fmt: skip
            identity = ops.zeros(())
            if self.identity_weight:
                # 0.5 lambda (|F(a) - a|_1 + |G(b) - b|_1)
                identity = identity_objective(
                    real_a, self.generator_ba(real_a, training=True),
                    real_b, self.generator_ab(real_b, training=True),
                    self.identity_weight * self.cycle_weight,
                )  # fmt: skip
            total = adversarial + cycle + identity
            return total, {
                "adversarial": adversarial, "cycle": cycle, "identity": identity,
                "fake_a": fake_a, "fake_b": fake_b,
            }  # fmt: skip

        g_loss, g_logs = self.minimize(generator_loss, self.generators, self.g_optimizer)

        # The discriminators see this step's translations (made before the generator update,
        # as in the reference code) through the history pools.
        fake_b = self.pool_b.query(ops.stop_gradient(g_logs["fake_b"]), self.seed_generator)
        fake_a = self.pool_a.query(ops.stop_gradient(g_logs["fake_a"]), self.seed_generator)

        def discriminator_loss():
            # (1/2)[(D(real) - 1)^2 + D(fake)^2] for each discriminator
            d_a = losses.least_squares_discriminator_loss(
                self.discriminator_a(real_a, training=True),
                self.discriminator_a(fake_a, training=True),
            )
            d_b = losses.least_squares_discriminator_loss(
                self.discriminator_b(real_b, training=True),
                self.discriminator_b(fake_b, training=True),
            )
            return d_a + d_b, {"d_a": d_a, "d_b": d_b}

        d_loss, d_logs = self.minimize(discriminator_loss, self.discriminators, self.d_optimizer)
        return self.update_logs(
            d_loss=d_loss, g_loss=g_loss, d_a_loss=d_logs["d_a"], d_b_loss=d_logs["d_b"],
            g_adversarial_loss=g_logs["adversarial"], cycle_loss=g_logs["cycle"],
            identity_loss=g_logs["identity"],
        )  # fmt: skip

    # -- Data checks -------------------------------------------------------------------------

    def _check_data(self, x, batch_size=None):
        check_pair_data(self, x, ("domain A", "domain B"), same_size=True)

    # -- Translation -------------------------------------------------------------------------

    def _translator(self, images, direction):
        """The generator of `direction` and `images` as a float32 array, both checked."""
        if direction not in DIRECTIONS:
            raise ValueError(
                f"`direction` must be one of {DIRECTIONS}. Received: direction={direction!r}"
            )
        network = self.generator_ab if direction == "a_to_b" else self.generator_ba
        images = np.asarray(images, dtype="float32")
        expected = tuple(network.input_shape[1:])
        if images.ndim != 4 or images.shape[1:] != expected:
            raise ValueError(
                f"{direction} translates images of shape {expected}. Received: images.shape="
                f"{images.shape}"
            )
        return network, images

    def translate(self, images, direction="a_to_b", batch_size=256):
        """Translates images from one domain to the other.

        Args:
            images: array `(n, h, w, c)` in [-1, 1], of domain A (`"a_to_b"`) or B (`"b_to_a"`).
            direction: `"a_to_b"` (G) or `"b_to_a"` (F). Defaults to `"a_to_b"`.
            batch_size: int. Defaults to 256.

        Returns:
            numpy array of the other domain's images, in [-1, 1].
        """
        network, images = self._translator(images, direction)
        outputs = []
        for lo in range(0, len(images), batch_size):
            batch = images[lo : lo + batch_size]
            outputs.append(ops.convert_to_numpy(network(batch, training=False)))
        return np.concatenate(outputs, axis=0)

    def generate(self, images=None, direction="a_to_b", batch_size=256, **kwargs):
        """Same as `translate(images, direction)`: CycleGAN has no prior to sample from."""
        if images is None or kwargs:
            raise ValueError(
                "CycleGAN generates from images of the other domain: call "
                "translate(images, direction='a_to_b' | 'b_to_a'). "
                f"Received: {sorted(kwargs) or 'no images'}"
            )
        return self.translate(images, direction, batch_size)

    def default_optimizers(self):
        # Without a run's epochs there is no decay to schedule: the config's constant rate.
        config = self.config_class()
        return {
            name: keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1)
            for name in self.optimizer_targets
        }

    # -- Command line ------------------------------------------------------------------------

    @classmethod
    def dataset_options(cls, config):
        """Extra `keras_gan.datasets.load` arguments for a `CycleGANConfig`'s dataset.

        The digit pair sets (and a folder) take `paired=config.paired`: unpaired domains by
        default. `cycle_gan/*` sets are unpaired already.
        """
        name = config.dataset
        if name in _DERIVED_PAIRS or os.path.isdir(os.path.expanduser(name)):
            return {"paired": bool(config.paired)}
        return {}

    @classmethod
    def check_dataset_info(cls, config, info):
        """Refuses domains of different sizes, or a domain A of other channels than the config's.

        Args:
            config: a `CycleGANConfig`.
            info: the dataset's `keras_gan.datasets.DatasetInfo` (unpaired or paired batches).

        Raises:
            ValueError: one line, naming the shapes and the fix.
        """
        check_pair_info(cls, config, info, ("domain A", "domain B"), "--source-channels")

    def sample_inputs(self, num_samples, seed=0, batch=None):
        """`generate()` keywords for the CLI's sample grids: domain A images of a training batch."""
        if batch is None:
            raise NotImplementedError("CycleGAN translates images: pass a batch of both domains.")
        images, _ = unpack_pair(batch, ("a", "b"))
        return {"images": ops.convert_to_numpy(images)[:num_samples]}

    def optimizers_from_config(self, config):
        """Adam per network, its learning rate following `LinearDecay`.

        `constant_epochs` at `learning_rate`, then `decay_epochs` of linear decay (None: half
        of `epochs` each). The schedule counts optimizer steps, so it needs `steps_per_epoch`;
        when the config leaves it None, it is read from the dataset's `keras_gan.datasets.info`.
        """
        constant, decay = schedules.decay_epochs(config)
        steps = schedules.steps_per_epoch(type(self), config)
        rates = self.learning_rates(config)  # learning_rate, or TTUR's two rates
        return {
            name: keras.optimizers.Adam(
                LinearDecay(rates[name], constant, decay, steps), beta_1=config.beta_1
            )
            for name in self.optimizer_targets
        }  # fmt: skip
