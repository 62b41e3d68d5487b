r"""Differentiable augmentation of the discriminator's inputs: DiffAugment and ADA.

A discriminator trained on few images memorises them, and the generator it guides degrades.
Augmenting the *training* images alone would teach the generator to produce augmented images.
DiffAugment (Zhao et al. 2020) and ADA (Karras et al. 2020) augment **every** image the
discriminator sees during training, real and generated, in the discriminator's update and in
the generator's, with transformations $T$ differentiable in the image, so the generator's
gradient flows through them:

$$\mathcal{L}_D = \mathbb{E}_x[f(D(T(x)))] + \mathbb{E}_z[h(D(T(G(z))))],\qquad
  \mathcal{L}_G = \mathbb{E}_z[g(D(T(G(z))))]$$

The transformations (a **policy** names them, comma-separated), for images in $[-1, 1]$ and a
batch of $m$ with a fresh draw per image:

- `color`: brightness $x + (u - \tfrac12)$, saturation $\bar x_c + 2u\,(x - \bar x_c)$
  (mean over channels), contrast $\bar x + (u + \tfrac12)(x - \bar x)$ (mean over the image),
  each with its own $u \sim U[0, 1)$: DiffAugment's `color`;
- `translation`: an integer shift of up to $\pm\lfloor 0.125\,s + \tfrac12\rfloor$ pixels per
  axis, zero (mid-grey) where the image moved away: DiffAugment's `translation`, ADA's integer
  translation;
- `cutout`: a square of half the image side set to zero at a random centre: DiffAugment's;
- `xflip`: a horizontal flip with probability 1/2; `rotate90`: a rotation by a random multiple
  of 90 degrees (square images): ADA's pixel blitting.

**DiffAugment** applies the policy to every image (probability $p = 1$; its paper's choice for
little data is `color,translation,cutout`). **ADA** applies each transformation to each image
with a probability $p$ that a controller adjusts: every $N$ steps,

$$r_t = \mathbb{E}[\operatorname{sign}(D(x_{real}))],\qquad
  p \leftarrow \operatorname{clip}\bigl(p + \operatorname{sign}(r_t - \text{target})
  \cdot \tfrac{m N}{S},\, 0,\, 1\bigr)$$

with the target 0.6 and $S$ = 500,000 images for $p$ to move by one. $r_t$ near 1 means the
discriminator is sure of every training image: it overfits, and $p$ rises. Applying each
transformation with probability $p < 1$ keeps the augmentation from leaking into the
generated images (ADA, section 2.2).

Here `translation` and `cutout` are DiffAugment's; of ADA's 18 transformations the pixel
blitting group is here (`xflip`, `rotate90`, integer `translation`), its colour group is replaced
by DiffAugment's `color`, and its geometric warps (scaling, arbitrary rotation, fractional
translation) and filtering are not implemented.

Every transformation is written with `keras.ops` and `keras.random` (translation as a product
with shifted identity matrices, rotations and flips as index reversals), so it runs inside the
compiled step on the three backends. The core applies it through `AugmentedDiscriminator`: a
model built with `augment=` holds its discriminator wrapped, and every `train_step` is unchanged.

References:
    DiffAugment (Zhao et al. 2020), "Differentiable Augmentation for Data-Efficient GAN
    Training", and `DiffAugment_pytorch.py` in mit-han-lab/data-efficient-gans:
    https://arxiv.org/abs/2006.10738;
    ADA (Karras et al. 2020), "Training Generative Adversarial Networks with Limited Data",
    section 2.3 and `training/training_loop.py` in NVlabs/stylegan2-ada-pytorch:
    https://arxiv.org/abs/2006.06676
"""

import keras
from keras import ops

#: The transformations a policy can name, in the order they are applied.
POLICIES = ("xflip", "rotate90", "translation", "color", "cutout")
#: DiffAugment's policy for little data (its paper's CIFAR-10 and few-shot runs).
DIFFAUGMENT = "color,translation,cutout"
# DiffAugment's magnitudes: shifts of up to 1/8 of the side, cutout squares of half the side.
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def parse_policy(policy):
    """The transformations a policy names, in application order.

    Args:
        policy: str of comma-separated names from `POLICIES` (`"color,translation,cutout"`),
            or a tuple of them.

    Returns:
        tuple of names, ordered as in `POLICIES`.

    Raises:
        ValueError: an empty policy, an unknown or repeated name.
    """
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    names = [str(name).strip() for name in names]
    unknown = [name for name in names if name not in POLICIES]
    if not names or unknown or "" in names:
        raise ValueError(
            f"An augmentation policy is one or more of {', '.join(POLICIES)}, comma-separated "
            f"(DiffAugment's: {DIFFAUGMENT!r}). Received: augment={policy!r}"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"An augmentation policy names each transformation once. Received: augment="
            f"{policy!r} (repeated: {', '.join(repeated)})"
        )
    return tuple(name for name in POLICIES if name in names)


def _generator(seed):
    """A `keras.random.SeedGenerator` for `seed`: an int seed drawn from directly would give
    every draw the same values."""
    if isinstance(seed, keras.random.SeedGenerator):
        return seed
    return keras.random.SeedGenerator(seed)


def _per_image(images, seed, minval=0.0, maxval=1.0):
    """One uniform draw per image, shaped to broadcast over `(height, width, channels)`."""
    batch = ops.shape(images)[0]
    return keras.random.uniform((batch, 1, 1, 1), minval, maxval, seed=seed)


def brightness(images, seed):
    """$x + (u - 1/2)$, $u \\sim U[0, 1)$ per image."""
    images, seed = ops.convert_to_tensor(images), _generator(seed)
    return images + (_per_image(images, seed) - 0.5)


def saturation(images, seed):
    """$\\bar x_c + 2u (x - \\bar x_c)$, the pixel's mean over channels $\\bar x_c$ (a no-op
    on one channel)."""
    images, seed = ops.convert_to_tensor(images), _generator(seed)
    mean = ops.mean(images, axis=-1, keepdims=True)
    return (images - mean) * (2.0 * _per_image(images, seed)) + mean


def contrast(images, seed):
    """$\\bar x + (u + 1/2)(x - \\bar x)$, the image's mean $\\bar x$."""
    images, seed = ops.convert_to_tensor(images), _generator(seed)
    mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
    return (images - mean) * (_per_image(images, seed) + 0.5) + mean


def _shift_matrices(shifts, size, dtype):
    """`(batch, size, size)` matrices $S$ with $S_{ik} = 1$ where $k = i - t$: $S x$ moves a
    column of pixels by $t$, with zeros where it moved away."""
    rows = ops.arange(size)[None, :, None]
    columns = ops.arange(size)[None, None, :]
    return ops.cast(ops.equal(columns, rows - shifts[:, None, None]), dtype)


def translation(images, seed, ratio=TRANSLATION_RATIO):
    """Each image shifted by integers $(t_y, t_x)$, $|t| \\le \\lfloor r s + 1/2 \\rfloor$ for a
    side $s$, zero where it moved away."""
    images, seed = ops.convert_to_tensor(images), _generator(seed)
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    reach_y, reach_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    shift_y = keras.random.randint((batch,), -reach_y, reach_y + 1, seed=seed)
    shift_x = keras.random.randint((batch,), -reach_x, reach_x + 1, seed=seed)
    rows = _shift_matrices(shift_y, height, images.dtype)
    columns = _shift_matrices(shift_x, width, images.dtype)
    moved = ops.einsum("bik,bkwc->biwc", rows, images)
    return ops.einsum("bjl,bilc->bijc", columns, moved)


def cutout(images, seed, ratio=CUTOUT_RATIO):
    """A square of side $\\lfloor r s + 1/2 \\rfloor$ set to zero in each image, centred at a
    random pixel (clipped at the borders)."""
    images, seed = ops.convert_to_tensor(images), _generator(seed)
    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    # DiffAugment's centres: 0 .. side (inclusive when the square's side is even)
    centre_y = keras.random.randint((batch,), 0, height + 1 - size_y % 2, seed=seed)
    centre_x = keras.random.randint((batch,), 0, width + 1 - size_x % 2, seed=seed)
    top = (centre_y - size_y // 2)[:, None]
    left = (centre_x - size_x // 2)[:, None]
    rows, columns = ops.arange(height)[None, :], ops.arange(width)[None, :]
    inside_y = ops.logical_and(rows >= top, rows < top + size_y)  # (batch, height)
    inside_x = ops.logical_and(columns >= left, columns < left + size_x)  # (batch, width)
    inside = ops.logical_and(inside_y[:, :, None], inside_x[:, None, :])
    return images * ops.cast(ops.logical_not(inside), images.dtype)[..., None]


def xflip(images, seed):
    """Each image mirrored left to right with probability 1/2."""
    images, seed = ops.convert_to_tensor(images), _generator(seed)
    flip = _per_image(images, seed) < 0.5
    return ops.where(flip, ops.flip(images, axis=2), images)


def rotate90(images, seed):
    """Each (square) image rotated by 0, 90, 180 or 270 degrees, each with probability 1/4."""
    images, seed = ops.convert_to_tensor(images), _generator(seed)
    turns = ops.floor(_per_image(images, seed) * 4.0)
    quarter = ops.flip(ops.transpose(images, (0, 2, 1, 3)), axis=1)  # 90 degrees
    half = ops.flip(ops.flip(images, axis=1), axis=2)
    three_quarters = ops.flip(ops.transpose(images, (0, 2, 1, 3)), axis=2)
    rotated = ops.where(turns == 1.0, quarter, images)
    rotated = ops.where(turns == 2.0, half, rotated)
    return ops.where(turns == 3.0, three_quarters, rotated)


#: Each policy name's transformations; ADA's probability p gates each one on its own.
TRANSFORMS = {
    "xflip": (xflip,),
    "rotate90": (rotate90,),
    "translation": (translation,),
    "color": (brightness, saturation, contrast),
    "cutout": (cutout,),
}


def augment(images, policy, probability=None, seed=None):
    """Applies a policy's transformations to a batch of images `(batch, height, width, c)`.

    Args:
        images: float tensor of images.
        policy: str or tuple, see `parse_policy`.
        probability: optional float or scalar tensor $p$: each transformation is applied to
            each image with probability $p$ (ADA). `None` applies all of them to every image
            (DiffAugment).
        seed: `keras.random.SeedGenerator` or int, for every random draw.

    Returns:
        The augmented images, same shape and dtype, differentiable with respect to `images`.
    """
    images, seed = ops.convert_to_tensor(images), _generator(seed)
    for name in parse_policy(policy):
        for transform in TRANSFORMS[name]:
            transformed = transform(images, seed)
            if probability is None:
                images = transformed
            else:
                applied = _per_image(images, seed) < ops.cast(probability, images.dtype)
                images = ops.where(applied, transformed, images)
    return images


def ada_step(probability, mean_sign, images_per_adjustment, target, speed_images):
    """ADA's adjustment of $p$: $\\operatorname{clip}(p + \\operatorname{sign}(r_t - target)
    \\cdot n / S, 0, 1)$ for $n$ images since the last adjustment and speed $S$.

    StyleGAN2-ADA clips at 0 only; $p$ is a probability here, so it stops at 1 too.
    """
    step = ops.sign(mean_sign - target) * (images_per_adjustment / float(speed_images))
    return ops.clip(probability + step, 0.0, 1.0)


@keras.saving.register_keras_serializable(package="keras_gan")
class AugmentedDiscriminator(keras.Model):
    """A discriminator that sees its inputs augmented while it trains: $D(T(x))$.

    In training mode (`training=True`, every call in a `train_step`) the images, the first
    input where the discriminator takes several (`[images, labels]`), go through `augment`
    first; in inference mode the discriminator sees them as they are. Its trainable weights are
    the discriminator's. With ADA it keeps $p$ and the sign statistics as (saved) weights.

    Args:
        network: the discriminator `keras.Model`.
        policy: str, the transformations (see `parse_policy`).
        probability: optional float in [0, 1], the fixed probability $p$ of each
            transformation, or ADA's starting $p$. Defaults to `None`: 1 without ADA (every
            image, DiffAugment), 0 with ADA (StyleGAN2-ADA's start).
        ada_target: optional float in (0, 1): turns ADA's controller on, with this target for
            $r_t$ (ADA: 0.6). Defaults to `None` (a fixed $p$).
        ada_interval: int >= 1, steps between ADA's adjustments (ADA: 4). Defaults to 4.
        ada_speed: int >= 1, images for $p$ to move by one (ADA: 500,000). Defaults to 500,000.
        seed: optional int, seed of the augmentation's random draws.
        **kwargs: passed to `keras.Model`.
    """

    def __init__(
        self,
        network,
        policy,
        probability=None,
        ada_target=None,
        ada_interval=4,
        ada_speed=500_000,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.network = network
        self.policy = parse_policy(policy)
        self.ada_target = ada_target
        self.ada_interval = int(ada_interval)
        self.ada_speed = int(ada_speed)
        self.initial_probability = probability
        if probability is None:
            probability = 0.0 if ada_target is not None else 1.0
        #: p, the probability of each transformation; ADA moves it.
        self.probability = self.add_weight(
            shape=(), initializer=keras.initializers.Constant(float(probability)),
            trainable=False, name="augment_probability",
        )  # fmt: skip
        #: ADA's running sums since the last adjustment: sum of sign(D(x_real)), images seen.
        self.sign_sum = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="ada_sign_sum"
        )
        self.sign_count = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="ada_sign_count"
        )
        self.seed_generator = keras.random.SeedGenerator(seed, name="augment_seed_generator")
        self.built = True

    @property
    def adaptive(self):
        return self.ada_target is not None

    def augment(self, images):
        """The policy applied to a batch of images, at the current $p$ (all of them at p = 1
        without ADA)."""
        fixed = not self.adaptive and self.initial_probability in (None, 1, 1.0)
        probability = None if fixed else self.probability
        return augment(images, self.policy, probability, seed=self.seed_generator)

    def _augment_images(self, inputs):
        """The inputs with the images augmented: the first one of several (`[images, labels]`)."""
        if isinstance(inputs, (list, tuple)):
            return [self.augment(inputs[0]), *inputs[1:]]
        return self.augment(inputs)

    def call(self, inputs, training=False):
        if training:
            inputs = self._augment_images(inputs)
        return self.network(inputs, training=training)

    def real_scores(self, inputs):
        """ADA's view of the real images: the discriminator's first output on them, augmented
        at the current $p$, in training mode, as its own update scores them (StyleGAN2-ADA
        reads $r_t$ from that update's real logits). With BatchNorm this matters: training mode
        normalises with the batch's statistics, inference mode with the moving ones, and the
        two can disagree in sign (see the stabilisers page). The pass leaves no trace
        (`training_mode_outputs`)."""
        outputs = training_mode_outputs(self.network, self._augment_images(inputs))
        return ops.stop_gradient(keras.tree.flatten(outputs)[0])

    def observe(self, scores, threshold, step):
        """ADA's controller, called once per training step with the real images' scores.

        Adds $\\sum \\operatorname{sign}(D(x) - threshold)$ to the running sums; every
        `ada_interval` steps (after step `step`, counted from 0) moves $p$ by `ada_step` and
        starts the sums again.

        Returns:
            `(p, r)`: $p$ after the step and this step's mean sign.
        """
        probability = ops.convert_to_tensor(self.probability)
        scores = ops.cast(scores, "float32")
        batch = ops.shape(scores)[0]
        # one sign per image (the mean over a patch discriminator's outputs)
        signs = ops.mean(ops.reshape(ops.sign(scores - threshold), (batch, -1)), axis=1)
        total = ops.convert_to_tensor(self.sign_sum) + ops.sum(signs)
        count = ops.convert_to_tensor(self.sign_count) + ops.cast(batch, "float32")
        mean_sign = total / count
        adjust = ops.equal(ops.mod(ops.cast(step, "int32") + 1, self.ada_interval), 0)
        probability = ops.where(
            adjust, ada_step(probability, mean_sign, count, self.ada_target, self.ada_speed),
            probability,
        )  # fmt: skip
        self.probability.assign(probability)
        self.sign_sum.assign(ops.where(adjust, ops.zeros_like(total), total))
        self.sign_count.assign(ops.where(adjust, ops.zeros_like(count), count))
        return probability, ops.mean(signs)

    def get_config(self):
        return {
            **super().get_config(),
            "network": keras.saving.serialize_keras_object(self.network),
            "policy": ",".join(self.policy),
            "probability": self.initial_probability,
            "ada_target": self.ada_target,
            "ada_interval": self.ada_interval,
            "ada_speed": self.ada_speed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)


def training_mode_outputs(network, inputs):
    """`network(inputs, training=True)`, as a training step computes it, leaving no trace: the
    network's non-trainable state (BatchNorm's moving statistics, spectral normalisation's
    power-iteration vector, dropout's seeds) is put back as it was. ADA scores the real images
    this way."""
    state = [(variable, ops.copy(variable.value)) for variable in network.non_trainable_variables]
    outputs = network(inputs, training=True)
    for variable, value in state:
        variable.assign(value)
    return outputs


def unwrapped(network):
    """The discriminator inside an `AugmentedDiscriminator`, or `network` itself."""
    return network.network if isinstance(network, AugmentedDiscriminator) else network
