"""Improved GAN: semi-supervised learning with a K+1-class discriminator (Salimans et al. 2016)."""

import dataclasses
import sys

import keras
import numpy as np
from keras import ops

from keras_gan import augment as augmentation
from keras_gan import losses
from keras_gan.adversarial import AdversarialModel, check_latent_dim
from keras_gan.config import AugmentConfig, field
from keras_gan.models.acgan import class_loss
from keras_gan.models.cgan import LabelConditioned
from keras_gan.networks.improved_gan import (
    GENERATOR_OUTPUTS,
    improved_gan_discriminator,
    improved_gan_generator,
    initialize_weight_norm,
)
from keras_gan.registry import register

# The authors initialise the weight-normalised layers on 500 training images.
_INITIALIZATION_IMAGES = 500
# Batches read, at most, to find `labelled_per_class` images of every class.
_MAX_SCANNED_BATCHES = 1000
# Batches in a row with no image not seen before, after which a repeating stream has shown
# all it holds.
_REPEATS_TO_STOP = 3


@dataclasses.dataclass
class ImprovedGANConfig(AugmentConfig):
    latent_dim: int = field(
        100,
        "Size of z, drawn uniformly: the authors' code draws 100 uniform numbers.",
    )
    labelled_per_class: int = field(
        10,
        "Labelled training images per class, chosen once from the shuffled training set: the "
        "paper's Table 1 uses 100 labels on MNIST, 10 per class.",
    )
    generator_loss: str = field(
        "feature_matching",
        '"feature_matching" (section 3.1, the paper\'s semi-supervised results) or '
        '"non_saturating" (-E log D(G(z)), with D(x) = Z(x) / (Z(x) + 1)).',
        choices=("feature_matching", "non_saturating"),
    )
    generator_output: str = field(
        "softplus",
        "The generator's last activation: \"softplus\" (2 softplus(a) - 1, the PyTorch port's "
        'fix) or "tanh" (the authors\' sigmoid, on [-1, 1]; --paper), which collapsed to one '
        "saturated blob within 10 steps on MNIST (docs/variants/improved_gan.md).",
        choices=GENERATOR_OUTPUTS,
    )
    unlabelled_weight: float = field(
        0.5,
        "Weight of the unsupervised (real/fake) term in the discriminator's loss, beside the "
        "supervised cross-entropy: 0.5 in the authors' code.",
    )
    minibatch_kernels: int = field(
        0,
        "B of minibatch discrimination between the discriminator's features and its logits "
        "(section 3.2: better samples, worse semi-supervised classification). 0: off, as in "
        "the paper's MNIST classifier.",
    )
    historical_weight: float = field(
        0.0,
        "Weight of historical averaging, ||theta - mean of past theta||^2 added to each "
        "player's cost (section 3.3). 0: off, as in the authors' MNIST code.",
    )
    learning_rate: float = field(
        3e-3,
        "Adam step size of both networks: 0.003 in the authors' MNIST code.",
    )
    beta_1: float = field(
        0.5,
        "Adam beta_1: 0.5 in the authors' code.",
    )
    batch_size: int = field(
        100,
        "Unlabelled, labelled and generated images per step: 100 each in the authors' code.",
    )
    epochs: int = field(
        10,
        "CPU scale: 10 passes over MNIST's 60,000 images; the paper trains 300 (--paper).",
    )
    steps_per_epoch: int | None = field(
        600,
        "600 steps of 100 images: one pass over MNIST's training set.",
    )

    # The authors' sigmoid output is the paper's network; it is not the default because it
    # collapses (docs/variants/improved_gan.md).
    PAPER = {"epochs": 300, "generator_output": "tanh"}
    # Runs and `.keras` files written before `generator_output` existed had the tanh output.
    OLDER_DEFAULTS = {"generator_output": "tanh"}


@register(
    "improved_gan",
    config=ImprovedGANConfig,
    summary="Salimans et al. 2016: semi-supervised K+1-class discriminator, feature matching",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class ImprovedGAN(LabelConditioned, AdversarialModel):
    r"""Improved GAN: the discriminator is a K-class classifier whose (K+1)-th class is
    "generated", trained on a few labelled images and many unlabelled ones; the generator
    matches the discriminator's features.

    $$\mathcal{L}_D = \underbrace{-\mathbb{E}_{x,y \sim p_{lab}}\log p(y \mid x, y \le K)}
      _{\text{supervised}} \;+\; w\,\underbrace{\Big(-\mathbb{E}_{x \sim p_{data}}\log D(x)
      - \mathbb{E}_z \log\big(1 - D(G(z))\big)\Big)}_{\text{unsupervised}},\qquad
      D(x) = \frac{Z(x)}{Z(x) + 1},\ Z(x) = \sum_{k=1}^{K} e^{\ell_k(x)}$$

    $$\mathcal{L}_G = \big\lVert \mathbb{E}_x f(x) - \mathbb{E}_z f(G(z)) \big\rVert_2^2$$

    In words: the discriminator learns the classes from the labelled images and, from the
    unlabelled ones, where real data lies (a high total class evidence Z); the generator's
    samples teach it where data does not lie, which is what helps the classifier. Fixing the
    "generated" logit at 0 makes $D$ the sigmoid of $\log Z$ (`losses.class_realness`), so the
    unsupervised term is the GAN discriminator loss. The generator matches the mean of the
    discriminator's last hidden layer $f$ (feature matching, section 3.1).

    Training data are `(images, labels)` batches of the whole training set: their images are
    the unlabelled data, and their labels are never read by the step. The labelled set, with
    `labelled_per_class` images of each class, is chosen once from the first batches `fit`
    sees (the shuffled training set) and kept in the model (`labelled_images`,
    `labelled_labels`), so a saved or resumed model trains on the same labels. Every step uses
    the whole labelled set, or a random `batch_size` of it when it is larger (the authors tile
    their 100 labelled images into each batch of 100). On the same first batches, the
    discriminator's weight-normalised layers get the authors' data-dependent initialisation.

    The other techniques of the paper are options: minibatch discrimination
    (`minibatch_kernels`, a `keras_gan.layers.MinibatchDiscrimination` layer), historical
    averaging (`historical_weight`, `losses.historical_averaging_penalty`) and one-sided label
    smoothing (`label_smoothing`, on the unsupervised real term); virtual batch normalisation
    is a layer, `keras_gan.layers.VirtualBatchNormalization`, for generators of your own.

    The hyperparameters are keyword arguments, with the defaults of `ImprovedGANConfig`:
    `help(keras_gan.models.ImprovedGAN)` shows them all, the stabilisers every model shares
    included.

    Args:
        generator: optional `keras.Model` from `(batch, latent_dim)` to images. Defaults to
            `keras_gan.networks.improved_gan.improved_gan_generator`.
        discriminator: optional `keras.Model` from images to `[class_logits (batch, K),
            features (batch, F)]`. Defaults to `improved_gan_discriminator`.
        latent_dim: int, size of z.
        image_shape: tuple, the shape of one image, to build the default networks. Defaults
            to `(28, 28, 1)`.
        num_classes: int >= 2, K. Defaults to 10.
        labelled_per_class: int >= 1, labelled images per class.
        generator_loss: `"feature_matching"` or `"non_saturating"`.
        unlabelled_weight: float >= 0, w.
        generator_output: `"softplus"` or `"tanh"` (the authors' sigmoid), the default
            generator's last activation (`improved_gan_generator`'s `output`). Defaults to
            `"softplus"`: the authors' output collapses (docs/variants/improved_gan.md).
        minibatch_kernels: int >= 0, B of minibatch discrimination in the default discriminator;
            0 leaves it out.
        historical_weight: float >= 0, the weight of historical averaging.
        latent_distribution: `"uniform"` (U(-1, 1), as the authors' uniform z) or
            `"normal"`. Defaults to `"uniform"`.
        **kwargs: `seed`, `label_smoothing`, `ema_decay`, `augment`, ... as in
            `AdversarialModel`.

    Example:

    ```python
    model = keras_gan.models.ImprovedGAN(labelled_per_class=10)
    model.compile()  # Adam(3e-3, beta_1=0.5) for both networks
    model.fit(keras_gan.datasets.load("mnist", batch_size=100, with_labels=True), epochs=1)
    errors = model.classification_errors(test_images, test_labels)
    ```

    Reference: https://arxiv.org/abs/1606.03498
    """

    #: What one batch of its data is: `(images, labels)` of the whole training set.
    data_kind = "labelled"
    log_names = ("d_loss", "g_loss", "supervised_loss")
    labelled_data_reason = "is semi-supervised"
    #: ADA counts sign(D(x)) of one realness logit; this discriminator's first output is K
    #: class logits.
    ada_refusal = (
        "its discriminator outputs K class logits, whose realness log Z(x) ADA's heuristic "
        "does not read"
    )
    regularization_refusal = (
        "its discriminator outputs K class logits; the R1/R2 penalties take the gradient of "
        "one realness logit"
    )

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(28, 28, 1),
        num_classes=10,
        latent_distribution="uniform",
        *,
        latent_dim,
        labelled_per_class,
        minibatch_kernels,
        historical_weight,
        generator_output,
        **kwargs,
    ):
        check_latent_dim(latent_dim)
        self.check_num_classes(num_classes)
        generator = generator or improved_gan_generator(
            tuple(image_shape), latent_dim, output=generator_output
        )
        discriminator = discriminator or improved_gan_discriminator(
            tuple(image_shape), num_classes, minibatch_kernels=minibatch_kernels
        )
        outputs = discriminator.output if hasattr(discriminator, "output") else None
        if not isinstance(outputs, (list, tuple)) or len(outputs) != 2:
            raise ValueError(
                "ImprovedGAN's discriminator returns [class_logits (batch, num_classes), "
                f"features (batch, F)]. Received: a discriminator with outputs {outputs!r}"
            )
        if outputs[0].shape[-1] != num_classes:
            raise ValueError(
                f"ImprovedGAN's discriminator must give {num_classes} class logits "
                f"(num_classes). Received: class logits of shape {outputs[0].shape}"
            )
        super().__init__(
            generator, discriminator, latent_dim, latent_distribution=latent_distribution, **kwargs
        )
        self.num_classes = int(num_classes)
        self.labelled_per_class = int(labelled_per_class)
        self.minibatch_kernels = int(minibatch_kernels)
        self.historical_weight = float(historical_weight)
        self.generator_output = generator_output
        size = self.num_classes * self.labelled_per_class
        #: The labelled set, chosen on the first `fit` (`choose_labelled_set`) and saved.
        self.labelled_images = self.add_weight(
            shape=(size, *self.sample_shape), initializer="zeros", trainable=False,
            name="labelled_images",
        )  # fmt: skip
        self.labelled_labels = self.add_weight(
            shape=(size,), initializer="zeros", dtype="int32", trainable=False,
            name="labelled_labels",
        )  # fmt: skip
        #: 1 once the labelled set is chosen and the weight norm initialised, else 0.
        self.prepared = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="prepared"
        )
        #: Historical averaging: the running mean of each player's past weights.
        self.historical_averages = {}
        if self.historical_weight:
            for name in ("discriminator", "generator"):
                self.historical_averages[name] = [
                    self.add_weight(
                        shape=v.shape,
                        initializer="zeros",
                        trainable=False,
                        name=f"{name}_historical_average_{i}",
                    )  # fmt: skip
                    for i, v in enumerate(getattr(self, name).trainable_variables)
                ]

    # --8<-- [start:train_step]
    def train_step(self, data):
        # The unlabelled images x ~ p_data: the batch's labels are not read
        unlabelled, _ = self.unpack_labelled(data)
        m = ops.shape(unlabelled)[0]
        # The labelled images (x, y) ~ p_lab: the labelled set, or m of them
        labelled, labels = self.labelled_minibatch(unlabelled.shape[0])
        if self.historical_weight:
            self.update_historical_averages()
        z = self.sample_latent(m)

        def discriminator_loss():
            fake = ops.stop_gradient(self.generator(z, training=True))
            labelled_logits, _ = self.discriminator(labelled, training=True)
            unlabelled_logits, _ = self.discriminator(unlabelled, training=True)
            fake_logits, _ = self.discriminator(fake, training=True)
            # -E log p(y | x, y <= K): the K-class cross-entropy on the labelled images
            supervised = class_loss(labels, labelled_logits)
            # -E log D(x) - E log(1 - D(G(z))), D = sigmoid(log Z): the GAN loss on log Z
            unsupervised = losses.minimax_discriminator_loss(
                losses.class_realness(unlabelled_logits), losses.class_realness(fake_logits)
            )
            loss = supervised + self.unlabelled_weight * unsupervised
            if self.historical_weight:
                loss = loss + self.historical_weight * self.historical_penalty("discriminator")
            return loss, {"supervised_loss": supervised}

        d_loss, logs = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        for _ in self.generator_updates():
            z = self.sample_latent(m)

            def generator_loss():
                fake_logits, fake_features = self.discriminator(
                    self.generator(z, training=True), training=True
                )
                if self.generator_loss == "feature_matching":
                    _, real_features = self.discriminator(unlabelled, training=True)
                    # ||E f(x) - E f(G(z))||^2, f the discriminator's last hidden layer
                    loss = losses.feature_matching_loss(
                        ops.stop_gradient(real_features), fake_features
                    )
                else:
                    # -E log D(G(z))
                    loss = losses.non_saturating_generator_loss(losses.class_realness(fake_logits))
                if self.historical_weight:
                    loss = loss + self.historical_weight * self.historical_penalty("generator")
                return loss

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss, **logs)

    # --8<-- [end:train_step]

    # -- The labelled set ----------------------------------------------------------------------

    def labelled_minibatch(self, batch_size):
        """The labelled images and labels of a step: the whole labelled set when it has at
        most `batch_size` images (or `batch_size` is None), else `batch_size` of them drawn
        without replacement from the model's random stream."""
        size = self.num_classes * self.labelled_per_class
        images = ops.convert_to_tensor(self.labelled_images)
        labels = ops.convert_to_tensor(self.labelled_labels)
        if batch_size is None or size <= int(batch_size):
            return images, labels
        order = keras.random.shuffle(ops.arange(size, dtype="int32"), seed=self.seed_generator)
        picked = order[: int(batch_size)]
        return ops.take(images, picked, axis=0), ops.take(labels, picked, axis=0)

    def choose_labelled_set(self, images, labels):
        """Keeps the first `labelled_per_class` images of each class of `images` as the labelled
        set, and initialises the discriminator's weight norm on up to 500 of `images`.

        Called by `fit` and `train_on_batch` on the first batches of their data, once (a
        reloaded model keeps its set); call it yourself to choose another set.

        Args:
            images: array `(n, *image_shape)` in [-1, 1], in the order to choose from.
            labels: int array `(n,)`.

        Raises:
            ValueError: a class with fewer than `labelled_per_class` images, naming it.
        """
        images, labels = np.asarray(images, "float32"), self._check_labels(labels)
        chosen = []
        for k in range(self.num_classes):
            found = np.flatnonzero(labels == k)[: self.labelled_per_class]
            if len(found) < self.labelled_per_class:
                raise ValueError(
                    f"ImprovedGAN needs {self.labelled_per_class} labelled images of each of its "
                    f"{self.num_classes} classes (labelled_per_class), but found {len(found)} of "
                    f"class {k} in {len(labels)} training images. Received: "
                    f"labelled_per_class={self.labelled_per_class}"
                )
            chosen.append(found)
        chosen = np.concatenate(chosen)
        self.labelled_images.assign(images[chosen])
        self.labelled_labels.assign(labels[chosen])
        initialize_weight_norm(self.discriminator_network, images[:_INITIALIZATION_IMAGES])
        self.prepared.assign(1)

    @property
    def discriminator_network(self):
        """The discriminator without its augmentation wrapper, if any."""
        return augmentation.unwrapped(self.discriminator)

    def _check_data(self, x, batch_size=None):
        super()._check_data(x, batch_size)
        # Read the first batches every time (the same reads on a fresh and a resumed run, so
        # the data order after them does not depend on whether the set is chosen already).
        images, labels = self._first_examples(x)
        if not int(ops.convert_to_numpy(self.prepared)):
            self.choose_labelled_set(images, labels)

    def _first_examples(self, x):
        """Enough of the data's first distinct examples to hold `labelled_per_class` of each
        class, and at least 500 (the weight norm's initialisation).

        A stream may repeat its data (the command line's does): an image met again is skipped,
        so the labelled set never holds one image twice, and the scan ends once the stream
        brings nothing new for `_REPEATS_TO_STOP` batches (or after `_MAX_SCANNED_BATCHES`).
        """
        tf = sys.modules.get("tensorflow")
        if tf is not None and isinstance(x, tf.data.Dataset):
            images, labels, seen = [], [], set()
            counts, batches_without_news = np.zeros(self.num_classes, int), 0
            for i, batch in enumerate(x):
                batch_images, batch_labels = self.unpack_labelled(batch)
                batch_images = np.asarray(batch_images)
                batch_labels = self._check_labels(np.asarray(batch_labels))
                new = []
                for j, (image, label) in enumerate(zip(batch_images, batch_labels)):
                    key = (int(label), image.tobytes())
                    if key not in seen:
                        seen.add(key)
                        new.append(j)
                batches_without_news = 0 if new else batches_without_news + 1
                images.append(batch_images[new])
                labels.append(batch_labels[new])
                counts += np.bincount(labels[-1], minlength=self.num_classes)
                full = counts.min() >= self.labelled_per_class
                if (
                    (full and len(seen) >= _INITIALIZATION_IMAGES)
                    or batches_without_news >= _REPEATS_TO_STOP
                    or i + 1 >= _MAX_SCANNED_BATCHES
                ):
                    break
            return np.concatenate(images), np.concatenate(labels)
        images, labels = self.unpack_labelled(x)
        images, labels = ops.convert_to_numpy(images), ops.convert_to_numpy(labels)
        # Arrays are in their given order: pick at random, by the model's seed
        order = np.random.default_rng(self.seed or 0).permutation(len(images))
        return images[order], labels[order]

    # -- Historical averaging ------------------------------------------------------------------

    def update_historical_averages(self):
        r"""$\bar\theta_t = \frac1t\sum_{i=1}^{t}\theta[i]$, updated with this step's weights
        before they move: $\bar\theta \leftarrow \bar\theta + (\theta - \bar\theta)/t$."""
        t = ops.cast(self.optimizer.iterations + 1, "float32")
        for name, averages in self.historical_averages.items():
            for average, weight in zip(averages, getattr(self, name).trainable_variables):
                average.assign(average + (weight - average) / t)

    def historical_penalty(self, name):
        """`losses.historical_averaging_penalty` of the network `name` against its average."""
        return losses.historical_averaging_penalty(
            getattr(self, name).trainable_variables, self.historical_averages[name]
        )

    # -- The classifier ----------------------------------------------------------------------

    def classify(self, images, batch_size=500):
        """The discriminator's class for each image (the argmax of its K logits, without noise).

        Args:
            images: array `(n, *image_shape)` in [-1, 1].
            batch_size: int. Defaults to 500.

        Returns:
            int numpy array `(n,)`.
        """
        images = np.asarray(images, "float32")
        self.check_samples((None, *images.shape[1:]), images.dtype.name)
        network = self.discriminator_network
        predictions = []
        for lo in range(0, len(images), batch_size):
            logits, _ = network(images[lo : lo + batch_size], training=False)
            predictions.append(np.argmax(ops.convert_to_numpy(logits), axis=-1))
        return np.concatenate(predictions).astype("int32")

    def classification_errors(self, images, labels, batch_size=500):
        """How many of `images` the discriminator misclassifies: the paper's Table 1 counts
        them on MNIST's 10,000 test images."""
        labels = self._check_labels(labels, count=len(images))
        return int(np.sum(self.classify(images, batch_size) != labels))

    # -- Sampling ------------------------------------------------------------------------------

    def sample_inputs(self, num_samples, seed=0, batch=None):
        """`generate()` keywords for the CLI's sample grids: fixed latents (the generator is
        unconditional, though the model trains on labelled data)."""
        return {"latents": ops.convert_to_numpy(self.sample_latent(num_samples, seed=seed))}

    def generate(self, num_samples=None, latents=None, seed=None, batch_size=256):
        """Samples from the generator, which is unconditional: as `AdversarialModel.generate`."""
        return AdversarialModel.generate(
            self, num_samples, latents=latents, seed=seed, batch_size=batch_size
        )
