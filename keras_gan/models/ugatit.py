"""U-GAT-IT: unsupervised image-to-image translation with attention and AdaLIN (Kim et al. 2020)."""

import dataclasses

import keras
import numpy as np
from keras import ops

from keras_gan.adversarial import JointNetworks, TranslationModel
from keras_gan.config import TrainConfig, field
from keras_gan.losses import l1_loss
from keras_gan.models.cyclegan import CycleGAN, check_domain_shapes
from keras_gan.networks.ugatit import (
    default_discriminator_layers,
    ugatit_discriminator,
    ugatit_generator,
)
from keras_gan.pairs import unpack_pair
from keras_gan.registry import register


@dataclasses.dataclass
class UGATITConfig(TrainConfig):
    dataset: str = field(
        "mnist_edges",
        "Outlines (domain A) and digits (domain B) from different MNIST digits, unpaired: a "
        "change of shape and texture, a CPU-sized stand-in for selfie2anime.",
    )
    paired: bool = field(
        False,
        "Unpaired: the two sides of a batch come from different, independently shuffled images "
        "(--paired asks the digit pair sets for aligned pairs, whose pairing the losses ignore).",
    )
    image_size: int | None = field(
        28,
        "Multiple of 4 for the generator's two stride-2 levels; the paper's 256 (--paper).",
    )
    source_channels: int | None = field(None, "Channels of domain A; None: as domain B.")
    light: bool = field(
        True,
        "U-GAT-IT-light: AdaLIN's gamma and beta from the pooled attention maps, not the "
        "flattened ones (the authors' --light; the full model with --paper).",
    )
    base_filters: int = field(16, "Generator width (the authors' ch = 64, --paper); 16 on a CPU.")
    resnet_blocks: int = field(
        4,
        "Residual blocks in the encoder, and AdaLIN blocks in the decoder: the authors' n_res = 4.",
    )
    discriminator_filters: int = field(
        16, "Discriminator width (the authors' ch = 64, --paper); 16 on a CPU."
    )
    global_layers: int | None = field(
        None,
        "Layers of the global discriminators; None: the fewest whose receptive field covers the "
        "image (the authors' 7 at 256x256, 4 at 28x28).",
    )
    local_layers: int | None = field(
        None,
        "Layers of the local discriminators; None: two fewer than the global ones, at least 3 "
        "(the authors' 5 at 256x256: a 70-pixel receptive field).",
    )
    adversarial_weight: float = field(1.0, "lambda_1, the adversarial losses' weight: 1.")
    cycle_weight: float = field(10.0, "lambda_2, the cycle loss's weight: 10.")
    identity_weight: float = field(10.0, "lambda_3, the identity loss's weight: 10.")
    cam_weight: float = field(
        1000.0, "lambda_4, the generators' CAM loss weight: 1000 (the auxiliary classifiers')."
    )
    learning_rate: float = field(1e-4, "Adam step size: 0.0001 in the paper.")
    beta_1: float = field(
        0.5, "Adam beta_1 = 0.5 (and beta_2 = 0.999, Keras' default) in the paper."
    )
    weight_decay: float = field(
        1e-4,
        "L2 weight decay 0.0001 (the paper's; PyTorch Adam's weight_decay, which adds "
        "weight_decay * w to each gradient: the loss + weight_decay / 2 * ||w||^2 here).",
    )
    constant_epochs: int | None = field(
        None,
        "Epochs at the full rate before the linear decay to zero (the authors decay over the "
        "second half of their iterations); None: half of `epochs`.",
    )
    decay_epochs: int | None = field(
        None, "Epochs of linear decay to zero after the constant ones; None: the other half."
    )
    batch_size: int = field(16, '"batch size of one"; 16 keeps a CPU epoch short.')

    PAPER = {
        "image_size": 256, "base_filters": 64, "discriminator_filters": 64, "light": False,
        "batch_size": 1,
    }  # fmt: skip
    TRAINING_FIELDS = (*TrainConfig.TRAINING_FIELDS, "paired", "constant_epochs", "decay_epochs")
    PYTHON_FROM_PAPER = ("base_filters", "discriminator_filters")


def least_squares_loss(outputs, target):
    r"""$\mathbb{E}[(D(x) - t)^2]$: the mean squared distance of scores (or logits) to 0 or 1."""
    return ops.mean(ops.square(outputs - target))


def cam_loss(source_logits, target_logits):
    r"""The generator's CAM loss: its auxiliary classifier $\eta_s$ tells the two domains apart.

    $$\mathcal{L}_{cam}^{s \to t} = -\mathbb{E}_{x \sim X_s}[\log \eta_s(x)]
      - \mathbb{E}_{x \sim X_t}[\log(1 - \eta_s(x))]$$

    G_{s->t}'s classifier should read its own source domain's images as 1 and images already
    in the target domain (the identity inputs) as 0: what it attends to is what differs between
    the domains. Binary cross-entropy on logits, a mean over images and the two poolings.

    Args:
        source_logits: `(b, 2)` logits of $\eta_s$ on source-domain images.
        target_logits: `(b, 2)` logits on target-domain images.

    Returns:
        Scalar tensor.
    """
    # -log sigma(t) = softplus(-t); -log(1 - sigma(t)) = softplus(t)
    return ops.mean(ops.softplus(-source_logits)) + ops.mean(ops.softplus(target_logits))


@register(
    "ugatit",
    config=UGATITConfig,
    summary="Kim et al. 2020: CAM attention + AdaLIN, two scales of LSGAN critics, unpaired",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class UGATIT(CycleGAN):
    r"""U-GAT-IT: unpaired translation guided by class activation maps, with AdaLIN.

    For each direction $s \to t$ (A to B with G_{A->B}, B to A with G_{B->A}):

    $$\mathcal{L}_G = \lambda_1 \mathcal{L}_{lsgan} + \lambda_2 \mathcal{L}_{cycle}
      + \lambda_3 \mathcal{L}_{identity} + \lambda_4 \mathcal{L}_{cam}$$

    with $\mathcal{L}_{lsgan} = \mathbb{E}[(D_t(G_{s\to t}(x)) - 1)^2]$ for each of $D_t$'s
    outputs (its patch scores and its auxiliary classifier's logits) at each of two scales
    (global and local), $\mathcal{L}_{cycle} = \mathbb{E}|x - G_{t\to s}(G_{s\to t}(x))|$,
    $\mathcal{L}_{identity} = \mathbb{E}|x_t - G_{s\to t}(x_t)|$ and the CAM loss (`cam_loss`)
    of the generator's own classifier $\eta_s$. Each discriminator minimises
    $\mathbb{E}[(D_t(x_t) - 1)^2] + \mathbb{E}[D_t(G_{s\to t}(x_s))^2]$ on its two outputs.
    Like CycleGAN, two generators translate there and back; unlike it, each network attends to
    where the domains differ (its classifier's CAM weights its feature maps), and the
    generator's decoder normalises with AdaLIN, whose learned rho picks between instance and
    layer normalisation (how much of the shape and texture to change). `train_step` follows
    the authors' code: the four discriminators updated together, on this step's translations
    (no image pool), then the two generators, then rho clipped to [0, 1].

    The hyperparameters are keyword arguments, with the defaults of `UGATITConfig` (the
    paper's values for `base_filters` and `discriminator_filters`): `help(keras_gan.models.
    UGATIT)` shows them all.

    Args:
        generator_ab: optional `keras.Model` from domain A images to `[images, cam_logits,
            heatmap]`. Defaults to `ugatit_generator`. Also `model.generator`.
        generator_ba: optional `keras.Model` from domain B images, the same outputs.
        discriminator_a: optional global discriminator of domain A, `images -> [scores,
            cam_logits, heatmap]` (`ugatit_discriminator`).
        discriminator_b: optional global discriminator of domain B. Also `model.discriminator`.
        local_discriminator_a: optional local discriminator of domain A.
        local_discriminator_b: optional local discriminator of domain B.
        image_shape: tuple `(size, size, channels)` of domain B, for the default networks.
            Defaults to `(256, 256, 3)`.
        source_channels: optional int, channels of domain A; None: as domain B.
        light: bool, U-GAT-IT-light.
        base_filters: int, generator width (the paper's 64).
        num_blocks: int, residual blocks (4).
        discriminator_filters: int, discriminator width (the paper's 64).
        global_layers: optional int, layers of the global discriminators.
        local_layers: optional int, layers of the local discriminators.
        seed: optional int, seed of the weights and the model's random stream.
        **kwargs: as in `keras.Model` (`name`).

    Example:

    ```python
    model = keras_gan.models.UGATIT(image_shape=(28, 28, 1), light=True, base_filters=16,
                                    discriminator_filters=16)
    model.compile()  # Adam(1e-4, beta_1=0.5) (beta_2 = 0.999) for the generators, the critics
    model.fit(keras_gan.datasets.load("mnist_edges", image_size=28, paired=False), epochs=1)
    digits = model.translate(outlines, direction="a_to_b")
    heatmaps = model.attention_maps(outlines, direction="a_to_b")
    ```

    Reference: https://arxiv.org/abs/1907.10830
    """

    network_names = (
        "generator_ab", "generator_ba", "discriminator_a", "discriminator_b",
        "local_discriminator_a", "local_discriminator_b",
    )  # fmt: skip
    log_names = (
        "d_loss", "g_loss", "d_a_loss", "d_b_loss", "d_cam_loss", "g_adversarial_loss",
        "cycle_loss", "identity_loss", "cam_loss",
    )  # fmt: skip
    suggested_datasets = ("mnist_edges", "mnist_colour", "cycle_gan/horse2zebra (or another)")
    # builds its own networks and calls TranslationModel's constructor, not CycleGAN's (no
    # image pool, no receptive field), handing it generator_ab and discriminator_b
    kwargs_go_to = TranslationModel
    filled_arguments = ("generator", "discriminator")

    def __init__(
        self,
        generator_ab=None,
        generator_ba=None,
        discriminator_a=None,
        discriminator_b=None,
        local_discriminator_a=None,
        local_discriminator_b=None,
        image_shape=(256, 256, 3),
        seed=None,
        *,
        source_channels,
        light,
        base_filters,
        num_blocks,
        discriminator_filters,
        global_layers,
        local_layers,
        identity_weight,
        **kwargs,
    ):
        shape_b = tuple(image_shape)
        shape_a = (*shape_b[:2], source_channels or shape_b[-1])
        seeds = [None] * 6 if seed is None else [seed + 1000 * i for i in range(6)]
        default_global, default_local = default_discriminator_layers(min(shape_b[:2]))
        global_layers = global_layers or default_global
        local_layers = local_layers or default_local

        def generator(shape, channels, seed_, name):
            return ugatit_generator(
                shape, channels, base_filters, num_blocks, light=light, seed=seed_, name=name
            )

        def discriminator(shape, layers_, seed_, name):
            return ugatit_discriminator(shape, discriminator_filters, layers_, seed_, name)

        generator_ab = generator_ab or generator(shape_a, shape_b[-1], seeds[0], "generator_ab")
        generator_ba = generator_ba or generator(shape_b, shape_a[-1], seeds[1], "generator_ba")
        shape_a = tuple(generator_ab.input_shape[1:])
        shape_b = tuple(generator_ab.output_shape[0][1:])
        discriminator_a = discriminator_a or discriminator(
            shape_a, global_layers, seeds[2], "discriminator_a"
        )
        discriminator_b = discriminator_b or discriminator(
            shape_b, global_layers, seeds[3], "discriminator_b"
        )
        local_discriminator_a = local_discriminator_a or discriminator(
            shape_a, local_layers, seeds[4], "local_discriminator_a"
        )
        local_discriminator_b = local_discriminator_b or discriminator(
            shape_b, local_layers, seeds[5], "local_discriminator_b"
        )
        check_domain_shapes(
            generator_ba.input_shape[1:], generator_ba.output_shape[0][1:], shape_a, shape_b,
            identity_weight,
        )  # fmt: skip
        # CycleGAN's constructor builds ResNet generators and PatchGANs: skip to the base's.
        TranslationModel.__init__(self, generator_ab, discriminator_b, seed=seed, **kwargs)
        self.generator_ab, self.generator_ba = generator_ab, generator_ba
        self.discriminator_a, self.discriminator_b = discriminator_a, discriminator_b
        self.local_discriminator_a = local_discriminator_a
        self.local_discriminator_b = local_discriminator_b
        self.identity_weight = float(identity_weight)
        self.light = bool(light)

    @property
    def discriminators(self):
        """The four discriminators, global and local of each domain: what `d_optimizer` updates
        (the authors' `D_optim`)."""
        return JointNetworks(
            self.discriminator_a, self.discriminator_b,
            self.local_discriminator_a, self.local_discriminator_b,
        )  # fmt: skip

    def weight_penalty(self, networks):
        r"""$\frac{w_d}{2}\sum_\theta \lVert\theta\rVert^2$ over `networks`' trainable weights:
        its gradient $w_d\,\theta$ is PyTorch Adam's `weight_decay`, the authors' L2."""
        if not self.weight_decay:
            return ops.zeros(())
        squares = [
            ops.sum(ops.square(ops.cast(v, "float32"))) for v in networks.trainable_variables
        ]
        return 0.5 * self.weight_decay * ops.sum(ops.stack(squares))

    def train_step(self, data):
        real_a, real_b = unpack_pair(data, ("a", "b"))
        # Per domain: its real images and its two critics (global, local)
        critics = {
            "a": (real_a, (self.discriminator_a, self.local_discriminator_a)),
            "b": (real_b, (self.discriminator_b, self.local_discriminator_b)),
        }

        # 1. The discriminators, on this step's translations G_{B->A}(b), G_{A->B}(a)
        fakes = {
            "a": ops.stop_gradient(self.generator_ba(real_b, training=True)[0]),
            "b": ops.stop_gradient(self.generator_ab(real_a, training=True)[0]),
        }

        def discriminator_loss():
            domain_losses, cam_terms = {}, []
            for domain, (real, networks) in critics.items():
                total = ops.zeros(())
                for critic in networks:  # global, then local
                    real_scores, real_cam, _ = critic(real, training=True)
                    fake_scores, fake_cam, _ = critic(fakes[domain], training=True)
                    # (D(x_t) - 1)^2 + D(G(x_s))^2, on the patch scores and the CAM logits
                    cam = least_squares_loss(real_cam, 1.0) + least_squares_loss(fake_cam, 0.0)
                    total += least_squares_loss(real_scores, 1.0)
                    total += least_squares_loss(fake_scores, 0.0) + cam
                    cam_terms.append(cam)
                domain_losses[domain] = self.adversarial_weight * total
            loss = domain_losses["a"] + domain_losses["b"]
            logs = {"d_a": domain_losses["a"], "d_b": domain_losses["b"], "loss": loss,
                    "cam": self.adversarial_weight * ops.sum(ops.stack(cam_terms))}  # fmt: skip
            # the L2 weight decay joins the gradient, not the reported loss
            return loss + self.weight_penalty(self.discriminators), logs

        _, d_logs = self.minimize(discriminator_loss, self.discriminators, self.d_optimizer)

        # 2. The generators, against the updated discriminators
        def generator_loss():
            fake_b, b_cam_of_a, _ = self.generator_ab(real_a, training=True)  # G_{A->B}(a)
            fake_a, a_cam_of_b, _ = self.generator_ba(real_b, training=True)  # G_{B->A}(b)
            translations = {"a": fake_a, "b": fake_b}
            adversarial = ops.zeros(())
            for domain, (_, networks) in critics.items():
                for critic in networks:
                    scores, cam_logits, _ = critic(translations[domain], training=True)
                    # (D_t(G(x_s)) - 1)^2 on both outputs, global and local
                    adversarial += least_squares_loss(scores, 1.0)
                    adversarial += least_squares_loss(cam_logits, 1.0)
            # |x - G_{t->s}(G_{s->t}(x))|: there and back
            cycle = l1_loss(real_a, self.generator_ba(fake_b, training=True)[0]) + l1_loss(
                real_b, self.generator_ab(fake_a, training=True)[0]
            )
            # |x_t - G_{s->t}(x_t)|: an image already in the target domain stays as it is
            identity_a, a_cam_of_a, _ = self.generator_ba(real_a, training=True)
            identity_b, b_cam_of_b, _ = self.generator_ab(real_b, training=True)
            identity = l1_loss(real_a, identity_a) + l1_loss(real_b, identity_b)
            # eta_s reads its source domain as 1 and the target domain (identity inputs) as 0
            cam = cam_loss(b_cam_of_a, b_cam_of_b) + cam_loss(a_cam_of_b, a_cam_of_a)
            total = (
                self.adversarial_weight * adversarial
                + self.cycle_weight * cycle
                + self.identity_weight * identity
                + self.cam_weight * cam
            )
            logs = {"loss": total, "adversarial": adversarial, "cycle": cycle,
                    "identity": identity, "cam": cam}  # fmt: skip
            return total + self.weight_penalty(self.generators), logs

        # 3. rho of every AdaLIN/LIN is clipped to [0, 1] by its constraint after the update
        _, g_logs = self.minimize(generator_loss, self.generators, self.g_optimizer)
        return self.update_logs(
            d_loss=d_logs["loss"], g_loss=g_logs["loss"], d_a_loss=d_logs["d_a"],
            d_b_loss=d_logs["d_b"], d_cam_loss=d_logs["cam"],
            g_adversarial_loss=g_logs["adversarial"], cycle_loss=g_logs["cycle"],
            identity_loss=g_logs["identity"], cam_loss=g_logs["cam"],
        )  # fmt: skip

    # -- Translation and attention ---------------------------------------------------------------

    @property
    def sample_shape(self):
        """Shape of one translated image (the generator's first output), e.g. `(28, 28, 1)`."""
        return tuple(self.generator.output_shape[0][1:])

    def call(self, source_images, training=False):
        """The translations G_{A->B}(a) (the generator's first output)."""
        return self.generator(source_images, training=training)[0]

    def _run(self, images, direction, batch_size):
        network, images = self._translator(images, direction)
        outputs = [[], [], []]
        for lo in range(0, len(images), batch_size):
            for kept, value in zip(outputs, network(images[lo : lo + batch_size], training=False)):
                kept.append(ops.convert_to_numpy(value))
        return [np.concatenate(kept, axis=0) for kept in outputs]

    def translate(self, images, direction="a_to_b", batch_size=256):
        """Translates images from one domain to the other.

        Args:
            images: array `(n, h, w, c)` in [-1, 1], of domain A (`"a_to_b"`) or B (`"b_to_a"`).
            direction: `"a_to_b"` or `"b_to_a"`. Defaults to `"a_to_b"`.
            batch_size: int. Defaults to 256.

        Returns:
            numpy array of the other domain's images, in [-1, 1].
        """
        return self._run(images, direction, batch_size)[0]

    def attention_maps(self, images, direction="a_to_b", batch_size=256):
        """The generator's attention heatmaps, as the authors draw them.

        The sum over channels of the CAM-weighted feature maps (after the 1x1 convolution and
        ReLU), resized (bilinear) to the image size and scaled to [0, 1] per image (the
        authors' `cam()`): where the generator attends to change the image.

        Args:
            images: array `(n, h, w, c)` in [-1, 1], of domain A (`"a_to_b"`) or B.
            direction: `"a_to_b"` or `"b_to_a"`. Defaults to `"a_to_b"`.
            batch_size: int. Defaults to 256.

        Returns:
            `(translations, heatmaps, source_probability)`: numpy arrays `(n, h, w, c)`,
            `(n, h, w)` in [0, 1], and `(n,)`, the classifier's mean probability over its two
            poolings that the image is from the source domain.
        """
        translations, logits, heatmaps = self._run(images, direction, batch_size)
        size = translations.shape[1:3]
        resized = ops.convert_to_numpy(ops.image.resize(heatmaps, size, "bilinear"))[..., 0]
        low = resized.min(axis=(1, 2), keepdims=True)
        spread = resized.max(axis=(1, 2), keepdims=True) - low
        heat = (resized - low) / np.where(spread > 0, spread, 1.0)
        probability = (1.0 / (1.0 + np.exp(-logits.astype("float64")))).mean(axis=-1)
        return translations, heat.astype("float32"), probability.astype("float32")

    def generate(self, images=None, direction="a_to_b", batch_size=256, **kwargs):
        """Same as `translate(images, direction)`: U-GAT-IT has no prior to sample from."""
        if images is None or kwargs:
            raise ValueError(
                "UGATIT generates from images of the other domain: call "
                "translate(images, direction='a_to_b' | 'b_to_a'). "
                f"Received: {sorted(kwargs) or 'no images'}"
            )
        return self.translate(images, direction, batch_size)
