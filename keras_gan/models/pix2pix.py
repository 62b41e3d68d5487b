"""pix2pix: image-to-image translation with conditional adversarial networks (Isola et al. 2017)."""

import dataclasses
import os

import keras
import numpy as np
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import TranslationModel
from keras_gan.config import TrainConfig, field
from keras_gan.losses import l1_loss
from keras_gan.networks.patchgan import patchgan_discriminator
from keras_gan.networks.unet import unet_generator
from keras_gan.pairs import check_pair_data, check_pair_info, unpack_pair
from keras_gan.registry import register


@dataclasses.dataclass
class Pix2PixConfig(TrainConfig):
    dataset: str = field(
        "mnist_edges",
        "(edge map, digit) pairs derived from MNIST: a CPU-sized stand-in for edges2shoes.",
    )
    image_size: int | None = field(
        32,
        "The U-Net halves down to a 1x1 bottleneck, so a power of two: MNIST's 28 resized to "
        "32. The paper's 256 with --paper.",
    )
    source_channels: int | None = field(
        None,
        "Channels of the source images; None: the same as the targets (true of mnist_edges).",
    )
    base_filters: int = field(
        16,
        "U-Net width of the first level (C64-C128-...). The paper's 64 (--paper); 16 on a CPU.",
    )
    unet_depth: int | None = field(
        None,
        "U-Net levels; None derives them from the image size, down to 1x1 (8 for 256x256).",
    )
    dropout: float = field(
        0.5,
        "Dropout in the first three decoder blocks, the generator's only noise (section 2.2).",
    )
    paper_inference: bool = field(
        True,
        "Dropout on and BatchNorm with the test batch's statistics at inference (section 3.3).",
    )
    discriminator_filters: int = field(
        16,
        "PatchGAN width of the first level. The paper's 64 (--paper); 16 on a CPU.",
    )
    receptive_field: int = field(
        34,
        "Patch size each logit judges. The paper's 70 is for 256x256 images (--paper); 34 "
        "keeps a 6x6 grid of patches on 32x32 digits, where a 70x70 patch would see the whole "
        "image.",
    )
    l1_weight: float = field(
        100.0,
        'lambda of L_cGAN + lambda L_L1: "we use lambda = 100" (section 4).',
    )
    learning_rate: float = field(
        2e-4,
        '"minibatch SGD and apply the Adam solver, with a learning rate of 0.0002, and '
        'momentum parameters beta_1 = 0.5, beta_2 = 0.999" (section 3.3).',
    )
    beta_1: float = field(0.5, "Adam beta_1 = 0.5 (section 3.3).")
    batch_size: int = field(
        64,
        "The paper uses batch sizes 1-10 (1 for facades); 64 keeps a CPU epoch short.",
    )
    direction: str = field(
        "a_to_b",
        'For a --dataset folder of side-by-side pair files (A on the left): "a_to_b" '
        'translates the left half into the right one, "b_to_a" the right into the left '
        "(pix2pix's facades files are photo|labels, so labels -> photo is b_to_a). Ignored by "
        "the built-in pair sets.",
    )

    PAPER = {
        "image_size": 256, "base_filters": 64, "discriminator_filters": 64,
        "receptive_field": 70, "batch_size": 1, "epochs": 200,
    }  # fmt: skip
    TRAINING_FIELDS = (*TrainConfig.TRAINING_FIELDS, "direction")
    PYTHON_FROM_PAPER = ("base_filters", "discriminator_filters", "receptive_field")


def generator_objective(fake_logits, target, fake, l1_weight=100.0):
    r"""pix2pix's generator loss: $-\log D(x, G(x)) + \lambda\,\|y - G(x)\|_1$ (equation 4).

    Args:
        fake_logits: tensor, the discriminator's patch logits for `(source, fake)`.
        target: tensor, the real target images y.
        fake: tensor, the translated images G(x).
        l1_weight: float, lambda. Defaults to 100.

    Returns:
        `(total, gan, l1)` scalars; `gan` is the non-saturating BCE averaged over the patches.
    """
    gan = losses.non_saturating_generator_loss(fake_logits)
    l1 = l1_loss(target, fake)
    return gan + l1_weight * l1, gan, l1


def discriminator_objective(real_logits, fake_logits):
    """pix2pix's discriminator loss, divided by 2 (section 3.3): BCE over the patch grid."""
    # (BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)) / 2
    return 0.5 * losses.minimax_discriminator_loss(real_logits, fake_logits)


@register(
    "pix2pix",
    config=Pix2PixConfig,
    summary="Isola et al. 2017: U-Net + PatchGAN conditional GAN with an L1 term, paired translation",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class Pix2Pix(TranslationModel):
    r"""pix2pix: a conditional GAN that translates a source image x into a target image y.

    $$G^* = \arg\min_G \max_D \; \mathbb{E}_{x,y}[\log D(x, y)]
      + \mathbb{E}_{x,z}[\log(1 - D(x, G(x, z)))] + \lambda\, \mathbb{E}_{x,y,z}\|y - G(x, z)\|_1$$

    The generator (a U-Net with skips) learns to produce the target of a source; the
    discriminator (a 70x70 PatchGAN) sees the source beside a real or a translated target and
    calls each patch real or fake; the L1 term with $\lambda = 100$ keeps the output close to the
    target, leaving the discriminator to enforce sharp, high-frequency detail. The noise z is
    dropout, kept on at test time. `train_step` follows the reference code: one discriminator
    update with its loss halved, then one generator update with the non-saturating loss.

    The hyperparameters are keyword arguments, with the defaults of `Pix2PixConfig` (the paper's
    values for `base_filters`, `discriminator_filters`, `receptive_field`):
    `help(keras_gan.models.Pix2Pix)` shows them all, the stabilisers every model shares
    included.

    Args:
        generator: optional `keras.Model` from source images to target images. Defaults to
            `unet_generator(source_shape, channels, base_filters, depth, dropout, ...)`.
        discriminator: optional `keras.Model` from `[source, target]` to patch logits.
            Defaults to `patchgan_discriminator(image_shape, source_channels, ...)`.
        image_shape: tuple `(size, size, channels)` of the targets, for the default networks.
            Defaults to `(256, 256, 3)`, the paper's.
        source_channels: optional int, channels of the sources; None: as the targets.
        base_filters: int, U-Net width (the paper's 64).
        discriminator_filters: int, PatchGAN width (the paper's 64).
        receptive_field: int, PatchGAN patch size: 16, 34, 70, 142 or 286.
        depth: optional int, U-Net levels; None derives them from the image size.
        dropout: float, dropout of the first three decoder blocks.
        paper_inference: bool, dropout on and batch statistics at inference.
        l1_weight: float, lambda.
        seed: optional int, seed of the weights and the model's random stream.
        **kwargs: as in `keras.Model` (`name`).

    Example:

    ```python
    model = keras_gan.models.Pix2Pix(image_shape=(32, 32, 1), base_filters=16,
                                     discriminator_filters=16, receptive_field=34)
    model.compile()  # Adam(2e-4, beta_1=0.5) for both networks
    model.fit(keras_gan.datasets.load("mnist_edges", image_size=32), epochs=1)
    digits = model.translate(edge_maps)
    ```

    Reference: https://arxiv.org/abs/1611.07004
    """

    # --unet-depth on the command line; `depth` in Python.
    config_arguments = {"unet_depth": "depth"}
    log_names = ("d_loss", "g_loss", "g_gan_loss", "g_l1_loss")
    #: What the CLI loads for it (keras_gan.train): aligned (source, target) pairs.
    data_kind = "paired"
    #: The datasets the CLI suggests when `--dataset` is of another kind.
    suggested_datasets = ("mnist_edges", "mnist_colour", "a folder of side-by-side pairs")

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(256, 256, 3),
        seed=None,
        *,
        source_channels,
        base_filters,
        discriminator_filters,
        receptive_field,
        depth,
        dropout,
        paper_inference,
        **kwargs,
    ):
        image_shape = tuple(image_shape)
        if generator is None:
            channels = source_channels or image_shape[-1]
            generator = unet_generator(
                (*image_shape[:2], channels), image_shape[-1], base_filters, depth, dropout,
                paper_inference=paper_inference, seed=seed,
            )  # fmt: skip
        if discriminator is None:
            discriminator = patchgan_discriminator(
                tuple(generator.output_shape[1:]), generator.input_shape[-1],
                discriminator_filters, receptive_field, norm="batch",
                seed=None if seed is None else seed + 1000,
            )  # fmt: skip
        super().__init__(generator, discriminator, seed=seed, **kwargs)

    def train_step(self, data):
        source, target = unpack_pair(data)

        def discriminator_loss():
            # G(x): the discriminator update must not reach the generator
            fake = ops.stop_gradient(self.generator(source, training=True))
            # Patch logits (batch, h', w', 1) of D(x, y) and D(x, G(x))
            real_logits = self.discriminator([source, target], training=True)
            fake_logits = self.discriminator([source, fake], training=True)
            return discriminator_objective(real_logits, fake_logits)

        d_loss, _ = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        def generator_loss():
            fake = self.generator(source, training=True)
            fake_logits = self.discriminator([source, fake], training=True)
            # -log D(x, G(x)) + lambda |y - G(x)|_1
            total, gan, l1 = generator_objective(fake_logits, target, fake, self.l1_weight)
            return total, {"gan": gan, "l1": l1}

        g_loss, extra = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(
            d_loss=d_loss, g_loss=g_loss, g_gan_loss=extra["gan"], g_l1_loss=extra["l1"]
        )

    # -- Data checks -------------------------------------------------------------------------

    def _check_data(self, x, batch_size=None):
        check_pair_data(self, x, ("source", "target"), same_size=True)

    # -- Translation -------------------------------------------------------------------------

    def translate(self, source_images, batch_size=256):
        """Translates source images into target images.

        With `paper_inference=True` (the default) dropout stays on and BatchNorm uses the
        batch's statistics, so two calls differ, as in the paper's test-time setting.

        Args:
            source_images: array `(n, *source_shape)` in [-1, 1].
            batch_size: int. Defaults to 256.

        Returns:
            numpy array `(n, *sample_shape)` in [-1, 1].
        """
        source_images = np.asarray(source_images, dtype="float32")
        if source_images.shape[1:] != self.source_shape:
            raise ValueError(
                f"{type(self).__name__} translates source images of shape {self.source_shape}. "
                f"Received: source_images.shape={source_images.shape}"
            )
        return self._decode(lambda lo, hi: source_images[lo:hi], len(source_images), batch_size)

    def generate(self, source_images=None, batch_size=256, **kwargs):
        """Same as `translate(source_images)`: pix2pix has no prior to sample from."""
        if source_images is None or kwargs:
            raise ValueError(
                "Pix2Pix generates from source images: call generate(source_images) or "
                f"translate(source_images). Received: {sorted(kwargs) or 'no source_images'}"
            )
        return self.translate(source_images, batch_size)

    # -- Command line ------------------------------------------------------------------------

    @classmethod
    def dataset_options(cls, config):
        """Extra `keras_gan.datasets.load` arguments for a `Pix2PixConfig`'s dataset.

        A folder is read as pix2pix's side-by-side pair files (`paired=True`, in
        `config.direction`); the built-in pair sets need nothing more.
        """
        if os.path.isdir(os.path.expanduser(config.dataset)):
            return {"paired": True, "direction": config.direction}
        return {}

    @classmethod
    def check_dataset_info(cls, config, info):
        """Refuses pairs a `Pix2PixConfig` cannot train on, before anything is built.

        Args:
            config: a `Pix2PixConfig`.
            info: the dataset's `keras_gan.datasets.DatasetInfo` (paired batches).

        Raises:
            ValueError: sources and targets of different sizes (e.g. `mnist_superres`), or
                sources with other channels than `config.source_channels`.
        """
        check_pair_info(cls, config, info, ("source", "target"), "--source-channels")

    def sample_inputs(self, num_samples, seed=0, batch=None):
        """`generate()` keywords for the CLI's sample grids: the sources of a training batch."""
        if batch is None:
            raise NotImplementedError("Pix2Pix translates source images: pass a batch of pairs.")
        source, _ = unpack_pair(batch)
        return {"source_images": ops.convert_to_numpy(source)[:num_samples]}
