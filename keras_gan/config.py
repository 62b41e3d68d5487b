"""Training configs: one dataclass per variant, every default with its reason.

The command line derives its flags from these fields (`python -m keras_gan.train dcgan --help`).
Where a model is scaled down to run on a CPU, the field holds the CPU value and the class's
`PAPER` dict holds the paper's, applied with `--paper`.
"""

import dataclasses
import math
import types
import typing
from typing import ClassVar

# Integer fields that may be 0 (0 turns the feature off); every other count must be >= 1.
_MAY_BE_ZERO = (
    "seed",
    "pool_size",
    "pretrain_steps",
    "text_pretrain_steps",
    "constant_epochs",
    "decay_epochs",
)
# Float fields in [0, 1]: probabilities and interpolation weights.
_UNIT_INTERVAL = ("dropout", "interpolation_beta", "label_smoothing")


def _bounds(name, kind):
    """`(low, high, low_inclusive, text)` for a numeric config field, from its name and type."""
    if kind is int:
        if name in _MAY_BE_ZERO:
            return 0, None, True, "an integer >= 0"
        return 1, None, True, "a positive integer"
    if "learning_rate" in name or name == "clip_value":
        return 0.0, None, False, "a finite number > 0"
    if name.startswith("beta"):
        return 0.0, 1.0, True, "a number in [0, 1)"
    if name in _UNIT_INTERVAL:
        return 0.0, 1.0, True, "a number in [0, 1]"
    if name.endswith("_weight"):
        return 0.0, None, True, "a finite number >= 0"
    return None, None, True, "a finite number"


@dataclasses.dataclass
class TrainConfig:
    """Fields every variant has."""

    # Dataset name for keras_gan.datasets.load (or a folder of images).
    dataset: str = "mnist"
    # Resize images to this square size; None keeps the dataset's own size.
    image_size: int | None = None
    # Minibatch size m of the paper's algorithm.
    batch_size: int = 64
    # Passes over the training set.
    epochs: int = 5
    # Steps per epoch: a CPU-sized epoch (a sample grid and a checkpoint each); None makes an
    # epoch a full pass over the dataset, as in the papers (--paper).
    steps_per_epoch: int | None = 200
    # Seed of the weights, the model's random stream and the data order.
    seed: int = 0

    # The paper's settings where the defaults above scale it down for a CPU.
    PAPER: ClassVar[dict] = {}

    def __post_init__(self):
        self.validate()

    def validate(self):
        """Checks every numeric field; raises `ValueError` naming the field and the bad value.

        Counts (sizes, steps, epochs, widths) must be positive integers, learning rates finite
        and > 0, `beta_*` in [0, 1), probabilities in [0, 1], loss weights finite and >= 0, and
        every other float finite. `None` is accepted where the field's type allows it.
        """
        hints = typing.get_type_hints(type(self))
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            kind = hints.get(field.name)
            if typing.get_origin(kind) in (typing.Union, types.UnionType):
                if value is None and type(None) in typing.get_args(kind):
                    continue
                kind = next((a for a in typing.get_args(kind) if a is not type(None)), kind)
            if (kind is tuple or typing.get_origin(kind) is tuple) and isinstance(
                value, (tuple, list)
            ):
                if not value or any(
                    isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value
                ):
                    flag = "--" + field.name.replace("_", "-")
                    raise ValueError(
                        f"{flag} must be one or more positive integers. Received: "
                        f"{field.name}={tuple(value)!r}"
                    )
                continue
            if kind not in (int, float):
                continue
            low, high, inclusive, text = _bounds(field.name, kind)
            flag = "--" + field.name.replace("_", "-")
            if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{flag} must be {text}. Received: {field.name}={value!r}")
            if kind is float:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"{flag} must be {text}. Received: {field.name}={value!r}")
                if not math.isfinite(value):
                    raise ValueError(f"{flag} must be {text}. Received: {field.name}={value!r}")
            too_low = low is not None and (value < low or (value == low and not inclusive))
            too_high = high is not None and (
                value > high or (value == high and field.name.startswith("beta"))
            )
            if too_low or too_high:
                raise ValueError(f"{flag} must be {text}. Received: {field.name}={value!r}")

    def with_paper_settings(self):
        """A copy with the paper's settings applied (epochs are full passes over the data)."""
        return dataclasses.replace(self, **{"steps_per_epoch": None, **self.PAPER})

    def to_dict(self):
        return dataclasses.asdict(self)
