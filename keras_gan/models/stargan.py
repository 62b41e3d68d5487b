"""StarGAN: one generator translating among many domains (Choi et al. 2018)."""

import dataclasses
import os

import keras
import numpy as np
from keras import ops

from keras_gan import losses, schedules
from keras_gan.adversarial import TranslationModel
from keras_gan.config import TrainConfig, field
from keras_gan.datasets import canonical_name
from keras_gan.datasets.pipeline import is_dataset
from keras_gan.datasets.tfds_loader import DEFAULT_ATTRIBUTES, is_tfds_name
from keras_gan.losses import l1_loss
from keras_gan.networks.stargan import stargan_discriminator, stargan_generator
from keras_gan.pairs import unpack_pair
from keras_gan.registry import register
from keras_gan.schedules import LinearDecay

# CelebA's hair colours are one-hot among themselves: the authors' `create_labels` sets one of
# these to 1 and the others to 0 where it flips any other attribute.
HAIR_COLOURS = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair")

# The authors' CelebA preprocessing (`data_loader.py`): a centred 178x178 crop of the aligned
# 218x178 faces before resizing to image_size.
CELEBA_CENTER_CROP = 178


@dataclasses.dataclass
class StarGANConfig(TrainConfig):
    dataset: str = field(
        "mnist_attributes",
        "Digits with three binary attributes (thick strokes, outline, negative), each a known "
        "transform: 8 domains, a CPU-sized stand-in for CelebA's attributes.",
    )
    attributes: str | None = field(
        None,
        "The binary attributes to train on (comma-separated): the domain label c has one entry "
        "per attribute. None: the dataset's own, all three of mnist_attributes, or on celeb_a "
        "the paper's five (Black_Hair,Blond_Hair,Brown_Hair,Male,Young). On mnist_attributes, "
        "groups joined by '+' (thick,outline+negative) train on that many datasets with "
        "different labels through the paper's mask vector.",
    )
    image_size: int | None = field(
        28,
        "Multiple of 4 for the generator's two stride-2 levels; the paper's 128 (--paper).",
    )
    base_filters: int = field(
        16,
        "Generator width (the authors' g_conv_dim = 64, --paper); 16 on a CPU.",
    )
    resnet_blocks: int = field(
        6,
        "Residual blocks in the generator's bottleneck: the authors' g_repeat_num = 6.",
    )
    discriminator_filters: int = field(
        16,
        "Discriminator width (the authors' d_conv_dim = 64, --paper); 16 on a CPU.",
    )
    discriminator_layers: int | None = field(
        None,
        "Stride-2 layers of the discriminator; None: as many as keep the last map at least "
        "2x2 (the authors' d_repeat_num = 6 at 128x128, 3 at 28x28).",
    )
    classification_weight: float = field(
        1.0,
        "lambda_cls, the domain classification loss's weight in both losses: 1 in the paper.",
    )
    reconstruction_weight: float = field(
        10.0,
        "lambda_rec, the cycle reconstruction loss's weight: 10 in the paper.",
    )
    gp_weight: float = field(
        10.0,
        "lambda_gp of the WGAN-GP adversarial loss: 10 in the paper.",
    )
    identity_weight: float = field(
        0.0,
        "lambda_id, an identity loss |x - G(x, c')|_1 (the input translated into its own "
        "domain must come back unchanged), CycleGAN's and U-GAT-IT's term, not StarGAN's: 0 "
        "(none) in the paper; an option, measured on the StarGAN page.",
    )
    discriminator_steps: int = field(
        5,
        "Discriminator updates per generator update (n_critic = 5, as WGAN-GP); each on its own "
        "minibatch, so the command line loads batches of 5 x batch_size.",
    )
    learning_rate: float = field(1e-4, "Adam step size: 0.0001 in the paper.")
    beta_1: float = field(0.5, "Adam beta_1 = 0.5 in the paper.")
    beta_2: float = field(0.999, "Adam beta_2 = 0.999 in the paper.")
    constant_epochs: int | None = field(
        None,
        "Epochs at the full rate before the linear decay to zero (CelebA: 10 of 20); None: "
        "half of `epochs`.",
    )
    decay_epochs: int | None = field(
        None, "Epochs of linear decay to zero after the constant ones; None: the other half."
    )
    batch_size: int = field(16, "Minibatch size 16, as in the paper.")

    # The paper's CelebA experiment: 178x178 centre crops resized to 128x128, five attributes.
    PAPER = {
        "dataset": "celeb_a", "image_size": 128, "base_filters": 64, "discriminator_filters": 64,
        "epochs": 20, "constant_epochs": 10, "decay_epochs": 10,
    }  # fmt: skip
    TRAINING_FIELDS = (
        *TrainConfig.TRAINING_FIELDS,
        "attributes",
        "constant_epochs",
        "decay_epochs",
    )
    PYTHON_FROM_PAPER = ("base_filters", "discriminator_filters")


def _check_attribute_names(names, num_attributes):
    """`names` as a tuple of `num_attributes` distinct str; a clear ValueError otherwise."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",")]
    valid = isinstance(names, (tuple, list)) and all(isinstance(n, str) and n for n in names)
    if not valid or len(set(names)) != len(names) or len(names) != num_attributes:
        raise ValueError(
            f"`attribute_names` must be {num_attributes} distinct names, one per attribute "
            f"(num_attributes={num_attributes}). Received: attribute_names={names!r}"
        )
    return tuple(names)


def _check_label_groups(label_groups, num_attributes):
    """`label_groups` as a tuple of two or more ints >= 1 summing to `num_attributes`, or None."""
    if label_groups is None:
        return None
    groups = tuple(label_groups) if isinstance(label_groups, (tuple, list)) else None
    valid = groups is not None and all(
        isinstance(g, (int, np.integer)) and not isinstance(g, bool) and g >= 1 for g in groups
    )
    if not valid or len(groups) < 2 or sum(groups) != num_attributes:
        raise ValueError(
            "`label_groups` must be two or more ints >= 1, each dataset's number of attributes, "
            f"summing to num_attributes={num_attributes} (None for one dataset). Received: "
            f"label_groups={label_groups!r}"
        )
    return tuple(int(g) for g in groups)


def domain_classification_loss(logits, labels, known=None):
    r"""StarGAN's domain classification loss for binary attributes.

    $$\mathcal{L}_{cls} = \mathbb{E}\Big[\sum_i -c_i \log \sigma(D_{cls}(x)_i)
      - (1 - c_i) \log(1 - \sigma(D_{cls}(x)_i))\Big]$$

    the cross-entropy of each attribute's logit with its label, summed over the attributes and
    averaged over the batch (the authors' code divides the summed binary cross-entropy by the
    batch size). With the real images' labels c' it trains D_cls ($\mathcal{L}^r_{cls}$); with
    the target labels c of translations it trains G ($\mathcal{L}^f_{cls}$). Trained on
    several datasets with different labels (the mask vector), each example's sum runs over the
    attributes its dataset has (`known`): "D tries to minimize only the classification error
    associated to the known label" (Sec. 3.2).

    Args:
        logits: `(batch, k)` attribute logits D_cls(x).
        labels: `(batch, k)` 0/1 attributes.
        known: optional `(batch, k)` 0/1, which attributes each example's dataset labels.
            Defaults to None (all of them).

    Returns:
        Scalar tensor.
    """
    labels = ops.cast(labels, logits.dtype)
    # -log sigma(t) = softplus(-t), -log(1 - sigma(t)) = softplus(t)
    per_attribute = labels * ops.softplus(-logits) + (1.0 - labels) * ops.softplus(logits)
    if known is not None:
        per_attribute = per_attribute * ops.cast(known, logits.dtype)
    return ops.mean(ops.sum(per_attribute, axis=-1))


@register(
    "stargan",
    config=StarGANConfig,
    summary="Choi et al. 2018: one generator among many domains, WGAN-GP + domain classifier",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class StarGAN(TranslationModel):
    r"""StarGAN: one generator G(x, c) translating an image x into any target domain c.

    $$\mathcal{L}_D = -\mathcal{L}_{adv} + \lambda_{cls}\,\mathcal{L}^r_{cls}, \qquad
      \mathcal{L}_G = \mathcal{L}_{adv} + \lambda_{cls}\,\mathcal{L}^f_{cls}
      + \lambda_{rec}\,\mathbb{E}_{x,c,c'}\big[\lVert x - G(G(x, c), c')\rVert_1\big]$$

    with the WGAN-GP adversarial loss $\mathcal{L}_{adv} = \mathbb{E}_x[D_{src}(x)]
    - \mathbb{E}_{x,c}[D_{src}(G(x, c))] - \lambda_{gp}\,\mathbb{E}_{\hat x}[(\lVert
    \nabla_{\hat x} D_{src}(\hat x)\rVert_2 - 1)^2]$ and the domain classification losses
    $\mathcal{L}^r_{cls}$ (D_cls on real images and their labels c') and
    $\mathcal{L}^f_{cls}$ (D_cls on translations and their targets c). The discriminator
    learns to tell real from fake and to read an image's domain; the generator must fool it,
    be read as the target domain, and keep enough of the input to translate it back
    (cycle reconstruction). `train_step` follows the authors' `solver.py`: n_critic = 5
    discriminator updates, each on its own minibatch whose target labels are the minibatch's
    own labels in a random order, then one generator update on the last minibatch with its
    targets.

    Several datasets with different labels (`label_groups`, Sec. 3.2 of the paper): the
    domain label becomes $\tilde c = [c_1, \ldots, c_n, m]$, every dataset's attributes
    (zero where an example's dataset has no such label) and a one-hot mask vector $m$ naming
    the example's dataset. G reads $\tilde c$; D_cls has a logit for each of the
    $k = \sum_i k_i$ attributes and each example's classification losses count only its own
    dataset's attributes; targets are drawn within the example's dataset. The authors alternate
    the datasets from one iteration to the next; here a batch may hold examples of every
    dataset, each with its own mask: the same objective in expectation. At test time a target
    of another dataset (its mask, its labels) translates across datasets.

    The hyperparameters are keyword arguments, with the defaults of `StarGANConfig` (the
    paper's values for `base_filters` and `discriminator_filters`): `help(keras_gan.models.
    StarGAN)` shows them all.

    Args:
        generator: optional `keras.Model` `[images, target_attributes] -> images`. Defaults to
            `stargan_generator`.
        discriminator: optional `keras.Model` `images -> [patch scores, attribute logits]`.
            Defaults to `stargan_discriminator`.
        image_shape: tuple `(size, size, channels)`, for the default networks. Defaults to
            `(128, 128, 3)`.
        num_attributes: int >= 1, the width k of the domain label c. Defaults to 5 (the
            paper's CelebA attributes); `python -m keras_gan.train` takes it from the dataset.
        label_groups: optional sequence of two or more ints, the number of attributes of each
            dataset when training on several with different labels (the mask vector), summing
            to `num_attributes`: labels are then `[c_1, ..., c_n, m]`, `num_attributes + n`
            wide (`joint_labels` builds them). The command line takes them from the
            dataset's `attribute_groups`. Defaults to None (one dataset).
        attribute_names: optional sequence of `num_attributes` str, what each column of c is
            (`DatasetInfo.attribute_names`; the command line passes the dataset's). CelebA's
            hair colours among them (`HAIR_COLOURS`) are one-hot in the sample grids, as in
            the authors' `create_labels`. Defaults to None (unnamed, each flipped alone).
        base_filters: int, generator width (the paper's 64).
        num_blocks: int, residual blocks (6).
        discriminator_filters: int, discriminator width (the paper's 64).
        discriminator_layers: optional int, stride-2 layers of the discriminator.
        classification_weight: float, lambda_cls.
        reconstruction_weight: float, lambda_rec.
        gp_weight: float, lambda_gp.
        identity_weight: float >= 0, lambda_id of an optional identity loss
            $\lVert x - G(x, c')\rVert_1$ (not in the paper, whose value is 0; CycleGAN and
            U-GAT-IT have one).
        discriminator_steps: int >= 1, n_critic.
        seed: optional int, seed of the weights and the model's random stream.
        **kwargs: as in `keras.Model` (`name`).

    Example:

    ```python
    model = keras_gan.models.StarGAN(image_shape=(28, 28, 1), num_attributes=3)
    model.compile()  # Adam(1e-4, beta_1=0.5, beta_2=0.999) for both networks
    model.fit(keras_gan.datasets.load("mnist_attributes", batch_size=5 * 16), epochs=1)
    thick = model.translate(images, [1, 0, 0])  # every image to (thick, not outline, not negative)
    ```

    Reference: https://arxiv.org/abs/1711.09020
    """

    log_names = (
        "d_loss", "g_loss", "wasserstein", "gradient_penalty", "d_classification_loss",
        "g_adversarial_loss", "g_classification_loss", "reconstruction_loss", "identity_loss",
    )  # fmt: skip
    # --resnet-blocks on the command line; `num_blocks` in Python.
    config_arguments = {"resnet_blocks": "num_blocks"}
    #: What the CLI loads for it (keras_gan.train): `(images, attributes)` batches.
    data_kind = "attributed"
    suggested_datasets = ("mnist_attributes", "celeb_a")
    # StarGAN keeps its n_critic (TranslationModel drops it from configs of old models).
    _LEGACY_ARGUMENTS = ("latent_dim", "latent_distribution")

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(128, 128, 3),
        num_attributes=5,
        seed=None,
        *,
        label_groups=None,
        attribute_names=None,
        base_filters,
        num_blocks,
        discriminator_filters,
        discriminator_layers,
        discriminator_steps,
        **kwargs,
    ):
        if (
            isinstance(num_attributes, bool)
            or not isinstance(num_attributes, (int, np.integer))
            or num_attributes < 1
        ):
            raise ValueError(
                f"`num_attributes` must be an int >= 1. Received: num_attributes={num_attributes!r}"
            )
        if attribute_names is not None:
            attribute_names = _check_attribute_names(attribute_names, num_attributes)
        label_groups = _check_label_groups(label_groups, int(num_attributes))
        image_shape = tuple(image_shape)
        # G reads the joint label [c, m]: the attributes and the mask vector, if any.
        label_width = int(num_attributes) + len(label_groups or ())
        generator = generator or stargan_generator(
            image_shape, label_width, base_filters, num_blocks, seed=seed
        )
        discriminator = discriminator or stargan_discriminator(
            image_shape, int(num_attributes), discriminator_filters, discriminator_layers,
            seed=None if seed is None else seed + 1000,
        )  # fmt: skip
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        self.num_attributes = int(num_attributes)
        self.label_groups = label_groups
        self.attribute_names = attribute_names
        self.discriminator_steps = int(discriminator_steps)

    @property
    def label_width(self):
        """Columns of a domain label: `num_attributes`, plus one mask entry per dataset."""
        return self.num_attributes + len(self.label_groups or ())

    def dataset_of_attribute(self):
        """numpy `(num_attributes,)`: the dataset (index into `label_groups`) of each column."""
        groups = self.label_groups or (self.num_attributes,)
        return np.repeat(np.arange(len(groups)), groups)

    def known_attributes(self, labels):
        """Splits domain labels into attributes and which of them each example's dataset has.

        Args:
            labels: `(m, label_width)` domain labels (`[c, m]` with `label_groups`).

        Returns:
            `(attributes, known)`: `(m, num_attributes)` each; `known` is None without
            `label_groups` (every attribute is known).
        """
        k = self.num_attributes
        if not self.label_groups:
            return labels, None
        # known_ij = m_i . e_{dataset(j)}: attribute j is labelled where example i's dataset has it
        membership = np.eye(len(self.label_groups), dtype="float32")[self.dataset_of_attribute()]
        return labels[:, :k], ops.matmul(labels[:, k:], ops.convert_to_tensor(membership.T))

    def joint_labels(self, attributes, dataset):
        """The joint labels [c_1, ..., c_n, m] of examples of one dataset (the mask vector).

        Args:
            attributes: `(n, label_groups[dataset])` 0/1, the dataset's own attributes, or one
                such row for every example.
            dataset: int, which dataset (index into `label_groups`).

        Returns:
            float32 numpy `(n, label_width)`: the attributes in their dataset's columns, zeros
            in the other datasets' columns, and the one-hot mask `e_dataset`.

        Example:

        ```python
        model = StarGAN(image_shape=(28, 28, 1), num_attributes=3, label_groups=(2, 1))
        model.joint_labels([[1, 0]], dataset=0)  # [[1, 0, 0, 1, 0]]: thick, via dataset 0
        model.joint_labels([1], dataset=1)       # [[0, 0, 1, 0, 1]]: negative, via dataset 1
        ```
        """
        if not self.label_groups:
            raise ValueError(
                f"{type(self).__name__} was built for one dataset (label_groups=None): its "
                "labels are the attributes themselves."
            )
        n = len(self.label_groups)
        if (
            isinstance(dataset, bool)
            or not isinstance(dataset, (int, np.integer))
            or not (0 <= dataset < n)
        ):
            raise ValueError(f"`dataset` must be an int in [0, {n}). Received: dataset={dataset!r}")
        attributes = np.atleast_2d(np.asarray(attributes, "float32"))
        size = self.label_groups[dataset]
        if attributes.ndim != 2 or attributes.shape[1] != size:
            raise ValueError(
                f"Dataset {dataset} has {size} attributes: pass rows of {size}. Received: shape "
                f"{attributes.shape}"
            )
        joint = np.zeros((len(attributes), self.label_width), "float32")
        columns = np.flatnonzero(self.dataset_of_attribute() == dataset)
        joint[:, columns] = attributes
        joint[:, self.num_attributes + dataset] = 1.0
        return self.check_attributes(joint)

    @property
    def source_shape(self):
        """Shape of one input image (the generator's first input)."""
        return tuple(self.generator.input_shape[0][1:])

    def train_step(self, data):
        images, attributes = unpack_pair(data, ("images", "attributes"))
        attributes = ops.cast(attributes, "float32")
        # n_critic minibatches, one per discriminator update (Algorithm 1 of WGAN-GP)
        for real, original in zip(self.minibatches(images), self.minibatches(attributes)):
            m = ops.shape(real)[0]
            # c: the target labels, the minibatch's own labels c' in a random order
            target = self.target_attributes(original)
            # With the mask vector: the attributes of c' and c, and which each example's
            # dataset labels (known = None: all of them)
            labels, known = self.known_attributes(original)
            target_labels, target_known = self.known_attributes(target)
            # epsilon ~ U[0, 1], one per image, for the gradient penalty's interpolates
            epsilon = keras.random.uniform((m,), seed=self.seed_generator)

            def discriminator_loss():
                fake = ops.stop_gradient(self.generator([real, target], training=True))
                real_scores, real_logits = self.discriminator(real, training=True)
                fake_scores, _ = self.discriminator(fake, training=True)
                # -L_adv without the penalty: E[D_src(G(x, c))] - E[D_src(x)]
                wasserstein = losses.wasserstein_critic_loss(real_scores, fake_scores)
                # E[(||grad D_src(x^)||_2 - 1)^2] at x^ = eps x + (1 - eps) G(x, c)
                penalty = losses.gradient_penalty(
                    lambda x: self.discriminator(x, training=True)[0], real, fake, epsilon
                )
                # L^r_cls: D_cls reads the real images' own labels c'
                classification = domain_classification_loss(real_logits, labels, known)
                total = (
                    wasserstein
                    + self.gp_weight * penalty
                    + self.classification_weight * classification
                )
                return total, {
                    "wasserstein": -wasserstein, "gradient_penalty": penalty,
                    "classification": classification,
                }  # fmt: skip

            d_loss, d_logs = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        def generator_loss():
            fake = self.generator([real, target], training=True)  # G(x, c)
            fake_scores, fake_logits = self.discriminator(fake, training=True)
            # L_adv for G: -E[D_src(G(x, c))]
            adversarial = losses.wasserstein_generator_loss(fake_scores)
            # L^f_cls: the translation must be read as its target c
            classification = domain_classification_loss(fake_logits, target_labels, target_known)
            # L_rec: ||x - G(G(x, c), c')||_1, back to the original domain
            reconstruction = l1_loss(real, self.generator([fake, original], training=True))
            total = (
                adversarial
                + self.classification_weight * classification
                + self.reconstruction_weight * reconstruction
            )
            # Optional, not in the paper: L_id = ||x - G(x, c')||_1, into its own domain unchanged
            identity = ops.zeros(())
            if self.identity_weight:
                identity = l1_loss(real, self.generator([real, original], training=True))
                total = total + self.identity_weight * identity
            return total, {
                "adversarial": adversarial, "classification": classification,
                "reconstruction": reconstruction, "identity": identity,
            }  # fmt: skip

        g_loss, g_logs = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(
            d_loss=d_loss, g_loss=g_loss, wasserstein=d_logs["wasserstein"],
            gradient_penalty=d_logs["gradient_penalty"],
            d_classification_loss=d_logs["classification"],
            g_adversarial_loss=g_logs["adversarial"],
            g_classification_loss=g_logs["classification"],
            reconstruction_loss=g_logs["reconstruction"], identity_loss=g_logs["identity"],
        )  # fmt: skip

    def target_attributes(self, original):
        """The target domain labels c of a minibatch: its own labels c' in a random order,
        as the authors' `solver.py` (`label_org[torch.randperm(n)]`), drawn from the model's
        random stream. With `label_groups`, each row's target is a row of its own dataset (the
        order is random within each dataset).

        Args:
            original: `(m, label_width)` domain labels of the minibatch's images.

        Returns:
            `(m, label_width)`: the rows of `original`, permuted.
        """
        m = ops.shape(original)[0]
        noise = keras.random.uniform((m,), seed=self.seed_generator)
        if not self.label_groups:
            return ops.take(original, ops.argsort(noise), axis=0)
        # The rows sorted by dataset, in a random order within each (noise < 1), and sorted by
        # dataset in their own order: the i-th row of one order takes the i-th of the other's
        # labels, so each dataset's rows share out that dataset's labels.
        dataset = ops.cast(ops.argmax(original[:, self.num_attributes :], axis=-1), "float32")
        shuffled = ops.argsort(dataset + noise)
        in_order = ops.argsort(dataset * ops.cast(m, "float32") + ops.arange(m, dtype="float32"))
        return ops.take(original, ops.take(shuffled, ops.argsort(in_order)), axis=0)

    def minibatches(self, samples):
        """Splits a batch into `discriminator_steps` minibatches, one per discriminator update."""
        if self.discriminator_steps == 1:
            return [samples]
        return ops.split(samples, self.discriminator_steps, axis=0)

    def get_config(self):
        names = None if self.attribute_names is None else list(self.attribute_names)
        return {
            **super().get_config(),
            "discriminator_steps": self.discriminator_steps,
            "label_groups": None if self.label_groups is None else list(self.label_groups),
            "attribute_names": names,
        }

    # -- Data checks -------------------------------------------------------------------------

    def _check_data(self, x, batch_size=None):
        name = type(self).__name__
        if is_dataset(x):
            spec = x.element_spec
            if not isinstance(spec, (tuple, list)) or len(spec) != 2:
                raise ValueError(
                    f"{name} trains on (images, attributes) batches; the dataset yields {spec}. "
                    "Load an attributed set (e.g. keras_gan.datasets.load('mnist_attributes'))."
                )
            first = next(iter(x.take(1)), None)
            if first is None:
                raise ValueError("The dataset passed to fit() is empty.")
            images, attributes = (np.asarray(a) for a in first)
            shape = (spec[0].shape[0], *images.shape[1:])
        elif isinstance(x, (tuple, list)) and len(x) == 2:
            images, attributes = (np.asarray(a) for a in x)
            shape = (batch_size, *images.shape[1:])
            if len(images) != len(attributes):
                raise ValueError(
                    f"{name} needs one row of attributes per image. Received: {len(images)} "
                    f"images and {len(attributes)} rows of attributes"
                )
        else:
            raise ValueError(
                f"{name} trains on (images, attributes): pass fit((images, attributes)) or a "
                f"dataset of such batches. Received: {type(x).__name__}"
            )
        self.check_samples(shape, images.dtype.name, (images.min(), images.max()))
        self.check_attributes(attributes, len(images))

    def check_attributes(self, attributes, num_images=None):
        """Returns `attributes` as float32 `(n, label_width)`, checked: columns of 0/1; with
        `label_groups`, a one-hot mask vector and zeros in the other datasets' columns.

        Args:
            attributes: array `(n, label_width)`, or one row (`(label_width,)` or
                `(1, label_width)`) for every image.
            num_images: optional int, the images they go with (a `(k,)` row is repeated).

        Raises:
            ValueError: naming the shape or the values received and what is accepted.
        """
        attributes = np.asarray(attributes)
        if attributes.ndim == 2 and len(attributes) == 1 and num_images is not None:
            attributes = attributes[0]  # one row for every image
        if attributes.ndim == 1 and num_images is not None:
            attributes = np.broadcast_to(attributes, (num_images, len(attributes)))
        if attributes.ndim != 2 or attributes.shape[-1] != self.label_width:
            groups = (
                f" of {len(self.label_groups)} datasets plus their mask vector"
                if self.label_groups
                else ""
            )
            raise ValueError(
                f"{type(self).__name__} was built for {self.num_attributes} attributes{groups}: "
                f"the domain labels must have shape (n, {self.label_width}). Received: shape "
                f"{attributes.shape}"
            )
        if num_images is not None and len(attributes) != num_images:
            raise ValueError(
                f"One row of attributes per image: {num_images} images, {len(attributes)} rows."
            )
        if not np.isin(attributes, (0, 1)).all():
            bad = np.unique(attributes[~np.isin(attributes, (0, 1))])[:5]
            raise ValueError(
                "Domain labels are binary attributes: every value must be 0 or 1. Received: "
                f"{bad.tolist()}"
            )
        if self.label_groups:
            k = self.num_attributes
            mask = attributes[:, k:]
            if not (mask.sum(axis=1) == 1).all():
                row = int(np.flatnonzero(mask.sum(axis=1) != 1)[0])
                raise ValueError(
                    f"The last {len(self.label_groups)} columns are the mask vector: exactly one "
                    f"1, naming the example's dataset. Received: row {row} has mask "
                    f"{mask[row].tolist()}"
                )
            own = mask.argmax(axis=1)[:, None] == self.dataset_of_attribute()[None, :]
            if (attributes[:, :k] * ~own).any():
                row = int(np.flatnonzero((attributes[:, :k] * ~own).any(axis=1))[0])
                raise ValueError(
                    "An example's labels for the other datasets' attributes must be 0 (the "
                    f"paper's zero vector; `joint_labels` builds these rows). Received: row {row} "
                    f"= {attributes[row].tolist()}, of dataset {int(mask[row].argmax())}"
                )
        return attributes.astype("float32")

    # -- Translation -------------------------------------------------------------------------

    def translate(self, images, attributes, batch_size=256):
        """Translates images into the domains of `attributes`.

        Args:
            images: array `(n, h, w, c)` in [-1, 1].
            attributes: the target domain labels, 0/1 `(n, label_width)`, or one row for
                every image (with `label_groups`: `joint_labels(...)`; a target in another
                dataset than the image's translates across datasets).
            batch_size: int. Defaults to 256.

        Returns:
            numpy array `(n, h, w, c)` in [-1, 1].
        """
        images = np.asarray(images, dtype="float32")
        if images.ndim != 4 or images.shape[1:] != self.source_shape:
            raise ValueError(
                f"{type(self).__name__} translates images of shape {self.source_shape}. "
                f"Received: images.shape={images.shape}"
            )
        attributes = self.check_attributes(attributes, len(images))
        outputs = []
        for lo in range(0, len(images), batch_size):
            batch = [images[lo : lo + batch_size], attributes[lo : lo + batch_size]]
            outputs.append(ops.convert_to_numpy(self.generator(batch, training=False)))
        return np.concatenate(outputs, axis=0)

    def generate(self, images=None, attributes=None, batch_size=256, **kwargs):
        """Same as `translate(images, attributes)`: StarGAN has no prior to sample from."""
        if images is None or attributes is None or kwargs:
            raise ValueError(
                "StarGAN generates from images and target attributes: call "
                "translate(images, attributes). "
                f"Received: {sorted(kwargs) or 'no images or no attributes'}"
            )
        return self.translate(images, attributes, batch_size)

    def call(self, inputs, training=False):
        """Called on `[images, target_attributes]`, returns the generator's translations."""
        return self.generator(inputs, training=training)

    def sample_inputs(self, num_samples, seed=0, batch=None):
        """`generate()` keywords for the CLI's sample grids: each of `num_samples // (k + 1)`
        images of a training batch to its own attributes (a reconstruction), then with each
        attribute flipped in turn; a hair colour (`HAIR_COLOURS`, when the attributes are
        named) is set to 1 with the other hair colours 0 instead, as in the authors' code.
        With `label_groups`, an attribute of another dataset than the image's is set alone,
        under that dataset's mask (a translation across datasets)."""
        if batch is None:
            raise NotImplementedError("StarGAN translates images: pass a batch of its data.")
        images, attributes = (
            ops.convert_to_numpy(a) for a in unpack_pair(batch, ("images", "attributes"))
        )
        k = self.num_attributes
        count = max(1, min(len(images), num_samples // (k + 1)))
        names = self.attribute_names or ()
        hair = [i for i, name in enumerate(names) if name in HAIR_COLOURS]
        dataset_of = self.dataset_of_attribute()
        targets = []
        for row in attributes[:count]:
            targets.append(row)
            own = int(np.argmax(row[k:])) if self.label_groups else 0
            for j in range(k):
                flipped = np.array(row, "float32")
                if dataset_of[j] != own:
                    # Across datasets: attribute j alone, under its dataset's mask
                    flipped = np.zeros_like(flipped)
                    flipped[j] = 1.0
                    flipped[k + dataset_of[j]] = 1.0
                elif j in hair:
                    flipped[hair] = 0.0
                    flipped[j] = 1.0
                else:
                    flipped[j] = 1.0 - flipped[j]
                targets.append(flipped)
        return {
            "images": np.repeat(images[:count], k + 1, axis=0),
            "attributes": np.stack(targets).astype("float32"),
        }

    def default_optimizers(self):
        config = self.config_class()
        return {
            name: keras.optimizers.Adam(config.learning_rate, config.beta_1, config.beta_2)
            for name in self.optimizer_targets
        }

    # -- Command line ------------------------------------------------------------------------

    @classmethod
    def dataset_options(cls, config):
        """The `keras_gan.datasets.load` options of a `StarGANConfig`'s dataset.

        `mnist_attributes`: `attributes=config.attributes` when given (else all three; groups
        joined by `+` give datasets with different labels and the mask vector). A
        tensorflow-datasets name: `attributes=config.attributes`, or the dataset's StarGAN
        default (`celeb_a`: the paper's five, with the authors' 178x178 centre crop). Anything
        else (a folder, an unknown name): nothing; `check_dataset` refuses it.

        Raises:
            ValueError: attribute groups (`+`) on another dataset than `mnist_attributes`.
        """
        name = canonical_name(config.dataset)
        if name == "mnist_attributes":
            return {"attributes": config.attributes} if config.attributes else {}
        if config.attributes and "+" in config.attributes:
            raise ValueError(
                "Attribute groups joined by '+' (several datasets, the mask vector) are built "
                f"from mnist_attributes only; dataset '{config.dataset}' has one set of labels. "
                f"Received: --attributes {config.attributes}"
            )
        if os.path.isdir(os.path.expanduser(name)) or not is_tfds_name(name):
            return {}
        attributes = config.attributes or DEFAULT_ATTRIBUTES.get(name)
        options = {"attributes": attributes} if attributes else {}
        if name == "celeb_a":
            # The authors' solver: CenterCrop(178), then Resize(image_size).
            options["center_crop"] = CELEBA_CENTER_CROP
        return options

    @classmethod
    def check_dataset_info(cls, config, info):
        """Refuses a dataset without attribute names (the domain labels' width)."""
        if not info.attribute_names:
            raise ValueError(
                f"StarGAN needs binary attributes as domain labels, but dataset "
                f"'{config.dataset}' names none. Choose --dataset mnist_attributes, or celeb_a "
                "(--attributes picks among its 40)."
            )

    def optimizers_from_config(self, config):
        """Adam(learning_rate, beta_1, beta_2) per network, each rate held for
        `constant_epochs`, then decayed linearly to zero over `decay_epochs` (`LinearDecay`).

        An epoch is one pass of `batch_size x discriminator_steps` images per step: the
        discriminator's optimizer steps `discriminator_steps` times per step, the generator's
        once, and each schedule counts its own optimizer's steps.
        """
        constant, decay = schedules.decay_epochs(config)
        steps = schedules.steps_per_epoch(
            type(self), config, config.batch_size * self.discriminator_steps
        )
        updates = {"d_optimizer": self.discriminator_steps, "g_optimizer": 1}
        rates = self.learning_rates(config)  # learning_rate, or TTUR's two rates
        return {
            name: keras.optimizers.Adam(
                LinearDecay(rates[name], constant, decay, steps * updates[name]),
                beta_1=config.beta_1, beta_2=config.beta_2,
            )
            for name in self.optimizer_targets
        }  # fmt: skip
