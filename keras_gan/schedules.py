"""Learning-rate schedules of the papers, serialisable so a checkpoint resumes them exactly."""

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
