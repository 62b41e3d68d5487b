"""Schedules of the papers (learning rates, ProGAN's resolutions), serialisable or stateless so a
checkpoint resumes them exactly."""

import math

import keras
import numpy as np
from keras import ops


def decay_epochs(config):
    """`(constant_epochs, decay_epochs)` of a config: None halves `config.epochs`."""
    constant = config.constant_epochs
    constant = config.epochs // 2 if constant is None else constant
    decay = config.decay_epochs
    return constant, (config.epochs - constant if decay is None else decay)


def steps_per_epoch(model_class, config, batch_size=None):
    """Steps in one epoch of a config's dataset: `config.steps_per_epoch`, else the dataset's.

    Args:
        model_class: the variant's class (its `dataset_options` and name).
        config: its config.
        batch_size: the examples of one step; defaults to `config.batch_size`.

    Raises:
        ValueError: the dataset could not be read, asking for `steps_per_epoch`.
    """
    if config.steps_per_epoch is not None:
        return int(config.steps_per_epoch)
    from keras_gan import datasets

    options = getattr(model_class, "dataset_options", None)
    try:
        return datasets.info(
            config.dataset,
            batch_size=batch_size or config.batch_size,
            image_size=config.image_size,
            seed=config.seed,
            **(options(config) if options else {}),
        ).steps_per_epoch
    except Exception as error:  # noqa: BLE001 (any loading problem: ask for the number)
        raise ValueError(
            f"{model_class.__name__}'s learning rate schedule counts steps: set steps_per_epoch "
            f"(could not read it from dataset {config.dataset!r}: {error})"
        ) from error


@keras.saving.register_keras_serializable(package="keras_gan")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    r"""A learning rate held for some epochs, then decayed linearly to zero (CycleGAN, section 7.1).

    The reference code's `lambda_rule`, with epoch $e = \lfloor step / steps\_per\_epoch \rfloor$
    (0-based, constant within an epoch):

    $$\eta(e) = \eta_0 \left(1 - \frac{\max(0,\, e + 1 - n_{const})}{n_{decay} + 1}\right)$$

    so the rate is $\eta_0$ for the first `constant_epochs`, falls by $\eta_0 / (n_{decay} + 1)$
    at every later epoch, reaches $\eta_0 / (n_{decay} + 1)$ in the last and 0 after training.

    Args:
        initial_learning_rate: float, $\eta_0$.
        constant_epochs: int >= 0, epochs at $\eta_0$ (the paper's 100).
        decay_epochs: int >= 0, epochs of linear decay (the paper's 100).
        steps_per_epoch: int > 0, optimizer steps per epoch.
    """

    def __init__(self, initial_learning_rate, constant_epochs, decay_epochs, steps_per_epoch):
        if not isinstance(steps_per_epoch, (int, np.integer)) or steps_per_epoch < 1:
            raise ValueError(
                f"`steps_per_epoch` must be a positive int. Received: steps_per_epoch={steps_per_epoch!r}"
            )
        if constant_epochs < 0 or decay_epochs < 0:
            raise ValueError(
                "`constant_epochs` and `decay_epochs` must be >= 0. Received: "
                f"constant_epochs={constant_epochs}, decay_epochs={decay_epochs}"
            )
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_epochs = int(constant_epochs)
        self.decay_epochs = int(decay_epochs)
        self.steps_per_epoch = int(steps_per_epoch)

    def __call__(self, step):
        epoch = ops.floor(ops.cast(step, "float32") / self.steps_per_epoch)
        # 1 - max(0, e + 1 - n_const) / (n_decay + 1), floored at 0 after training
        decayed = ops.maximum(0.0, epoch + 1.0 - self.constant_epochs) / (self.decay_epochs + 1.0)
        return self.initial_learning_rate * ops.maximum(1.0 - decayed, 0.0)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "constant_epochs": self.constant_epochs,
            "decay_epochs": self.decay_epochs,
            "steps_per_epoch": self.steps_per_epoch,
        }


def check_resolution(resolution):
    """Returns log2(resolution) - 2, the doublings from ProGAN's 4x4 start to `resolution`.

    Raises:
        ValueError: `resolution` is not a power of two >= 4 (reachable from 4x4 by doubling).
    """
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, (int, np.integer))
        or resolution < 4
        or resolution & (resolution - 1)
    ):
        raise ValueError(
            "Progressive growing starts at 4x4 and doubles the resolution, so the image size "
            "must be a power of two >= 4 (4, 8, 16, 32, ..., 1024). "
            f"Received: resolution={resolution!r}"
        )
    return int(resolution).bit_length() - 3


class ProgressiveGrowing:
    r"""ProGAN's resolution schedule, measured in training images shown (Karras et al. 2018).

    Training starts at 4x4. Each phase is a stable stretch of `stable_images` at the current
    resolution, then a fade-in of `fade_images` during which the next resolution's blocks are
    blended in with $\alpha$ rising linearly from 0 to 1 (section 3, figure 2); after the last
    fade the full resolution trains on. The state is one number, the level of detail
    $\ell \in [0, L]$ (L doublings from 4x4 to the full resolution), as in the authors' code:

    $$\ell(n) = \max\Big(0,\; L - \lfloor n / (s + f) \rfloor
      - \mathrm{clip}\big((n \bmod (s + f) - s) / f,\, 0,\, 1\big)\Big)$$

    for n images shown, s stable and f fade images. The resolution being trained is
    $4 \cdot 2^{L - \lfloor \ell \rfloor}$ and its blend weight is $\alpha = 1 - (\ell -
    \lfloor \ell \rfloor)$ (1 in a stable stretch). A network block that doubles to level
    $l$ is weighted by $\mathrm{clip}(\ell - (L - l), 0, 1)$ toward the upsampled lower
    resolution (see `keras_gan.networks.progan.FadeIn`).

    Args:
        resolution: int, the final image size, a power of two >= 4.
        fade_images: int >= 1, images shown during each fade-in (the paper: 600,000).
        stable_images: int >= 0, images shown at each resolution before the next fades in
            (the paper: 600,000).

    Reference: https://arxiv.org/abs/1710.10196 (section 3, appendix A.1)
    """

    def __init__(self, resolution, fade_images, stable_images):
        self.levels = check_resolution(resolution)
        self.resolution = int(resolution)
        for name, value, least in (
            ("fade_images", fade_images, 1),
            ("stable_images", stable_images, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
                raise ValueError(
                    f"`{name}` must be an integer >= {least} (images shown"
                    f"{', a fade-in needs at least one' if least else ''}). "
                    f"Received: {name}={value!r}"
                )
        self.fade_images = int(fade_images)
        self.stable_images = int(stable_images)

    @property
    def images_to_full_resolution(self):
        """Images shown until the last fade-in ends (the full resolution trains on after)."""
        return self.levels * (self.stable_images + self.fade_images)

    def level_of_detail(self, images_seen):
        """$\\ell(n)$ for `images_seen` (a number or a tensor), as a float32 tensor."""
        images = ops.cast(images_seen, "float32")
        phase_length = float(self.stable_images + self.fade_images)
        phase = ops.floor(images / phase_length)
        into_phase = images - phase * phase_length
        fading = ops.clip((into_phase - self.stable_images) / self.fade_images, 0.0, 1.0)
        return ops.maximum(self.levels - phase - fading, 0.0)

    def stage(self, images_seen):
        """`(resolution, alpha)` after `images_seen` images: the resolution trained (or faded
        in) and its blend weight alpha in (0, 1], 1 when stable."""
        level_of_detail = float(ops.convert_to_numpy(self.level_of_detail(images_seen)))
        whole = math.floor(level_of_detail)
        return 4 * 2 ** (self.levels - whole), 1.0 - (level_of_detail - whole)
