"""Training configs: one dataclass per variant, every default with its reason.

Each field is declared once, with `field(default, help)`: its default, and one sentence giving
the paper's reason for it, which is also the field's help on the command line
(`python -m keras_gan.train dcgan --help`) and in `field_help`. A field with a fixed set of
values names them (`choices=`), and `TrainConfig.validate` rejects any other.
Where a model is scaled down to run on a CPU, the field holds the CPU value and the class's
`PAPER` dict holds the paper's, applied with `--paper`.

The fields that are not settings of the training loop (`TRAINING_FIELDS`) are the model's
hyperparameters, and their defaults are the model constructor's too
(`constructor_defaults`): the constructors write none of their own.
"""

import dataclasses
import math
import numbers
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
    "num_categories",
    "num_continuous",
    "ema_start",
    "unrolling_steps",
    "minibatch_kernels",
    "attention_resolution",
    "shared_generator_layers",
    "shared_discriminator_layers",
    "stable_images",
)
# Float fields that must be finite and >= 0 (besides loss weights `*_weight` and `*_gamma`):
# penalty strengths, 0 turning the penalty off.
_NON_NEGATIVE = ("weight_decay", "orthogonal_regularization", "latent_step_size")
# Float fields that must be finite and > 0: dampings that a division needs.
_POSITIVE = ("latent_damping",)
# Float fields in [0, 1]: probabilities, shares and interpolation weights.
_UNIT_INTERVAL = (
    "dropout", "interpolation_beta", "augment_probability", "latent_optimised_share",
    "negative_slope", "style_mixing_probability", "path_length_decay", "latent_average_decay",
)  # fmt: skip


def field(default, help, *, choices=None):
    """Declares a config field: its default, its help sentence and, optionally, its values.

    Args:
        default: the default value (a tuple for sequences; never a list).
        help: str, what the field is and the paper's reason for its default, in one or two
            sentences. It is the field's `--help` text.
        choices: optional tuple of the accepted values; `TrainConfig.validate` rejects others.

    Returns:
        A `dataclasses.field` carrying `help` (and `choices`) in its metadata.
    """
    if isinstance(default, (list, dict, set)):
        raise TypeError(f"Config defaults must be immutable (use a tuple). Received: {default!r}")
    metadata = {"help": " ".join(help.split())}
    if choices is not None:
        metadata["choices"] = tuple(choices)
    return dataclasses.field(default=default, metadata=metadata)


def constructor_defaults(config_class):
    """The model's hyperparameters and their Python constructor defaults, by field name.

    Every field of the config that is not in `TRAINING_FIELDS` is a hyperparameter of the
    model. Its constructor default is the field's default (the command line's), the paper's
    value for the fields of `PYTHON_FROM_PAPER`, or the value `PYTHON` gives. This is the only
    place those defaults come from: the constructors declare no default of their own
    (`keras_gan.adversarial.AdversarialBase` fills them in, and shows them in the class's
    signature).

    Raises:
        TypeError: where `PYTHON` or `PYTHON_FROM_PAPER` names a field that is not a model
            hyperparameter, or `PYTHON_FROM_PAPER` one that `PAPER` lacks.
    """
    training = set(config_class.TRAINING_FIELDS)
    fields = [f for f in dataclasses.fields(config_class) if f.name not in training]
    names = {f.name for f in fields}
    named = {"PYTHON": config_class.PYTHON, "PYTHON_FROM_PAPER": config_class.PYTHON_FROM_PAPER}
    for what, given in named.items():
        unknown = sorted(set(given) - names)
        if unknown:
            raise TypeError(
                f"{config_class.__name__}.{what} names fields that are not model "
                f"hyperparameters: {unknown}. Accepted: {sorted(names)}"
            )
    missing = sorted(set(config_class.PYTHON_FROM_PAPER) - set(config_class.PAPER))
    if missing:
        raise TypeError(
            f"{config_class.__name__}.PYTHON_FROM_PAPER names fields without a paper value "
            f"in PAPER: {missing}"
        )
    defaults = {}
    for f in fields:
        if f.name in config_class.PYTHON:
            defaults[f.name] = config_class.PYTHON[f.name]
        elif f.name in config_class.PYTHON_FROM_PAPER:
            defaults[f.name] = config_class.PAPER[f.name]
        else:
            defaults[f.name] = f.default
    return defaults


def coerce_value(config_class, name, value):
    """`value` as the type of the config's field `name` (an int given for a float field becomes
    a float, a list for a tuple field a tuple); `None` stays `None`."""
    if value is None:
        return None
    kind = typing.get_type_hints(config_class).get(name)
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        kind = next((a for a in typing.get_args(kind) if a is not type(None)), kind)
    if kind is float and isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if kind is int and _is_integer(value):
        return int(value)
    if (kind is tuple or typing.get_origin(kind) is tuple) and isinstance(value, list):
        return tuple(value)
    return value


def field_help(config_class):
    """The help text of every field of a config class, by field name (empty where none)."""
    return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(config_class)}


def check_value(config_class, name, value, argument=None):
    """Raises a `ValueError` unless `value` is acceptable for the field `name` of a config.

    The one place a hyperparameter is checked, whether it comes from the command line, a config
    or a model's constructor (`AdversarialBase` calls it for every argument that is a config
    field). A field with `choices` takes only those; counts (sizes, steps, epochs, widths) must
    be positive integers (the fields of `_MAY_BE_ZERO` may be 0), learning rates finite and
    > 0, `beta_*` in [0, 1), probabilities in [0, 1], loss weights and `weight_decay` finite
    and >= 0, every other float finite; `None` where the field's type allows it.

    Args:
        config_class: the config dataclass.
        name: str, the field's name.
        value: the value to check.
        argument: optional str, the constructor argument the value was given as (a field may
            be renamed, see `AdversarialBase.config_arguments`); the message names it instead
            of the flag `--field-name`.

    Raises:
        ValueError: naming the setting, the value and what is accepted.
    """
    field = {f.name: f for f in dataclasses.fields(config_class)}[name]
    label = f"`{argument}`" if argument else "--" + name.replace("_", "-")
    received = f"Received: {argument or name}={value!r}"
    choices = field.metadata.get("choices")
    if choices is not None:
        if value not in choices:
            accepted = ", ".join(repr(c) for c in choices)
            raise ValueError(f"{label} must be one of {accepted}. {received}")
        return
    kind = typing.get_type_hints(config_class).get(name)
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        if value is None and type(None) in typing.get_args(kind):
            return
        kind = next((a for a in typing.get_args(kind) if a is not type(None)), kind)
    if (kind is tuple or typing.get_origin(kind) is tuple) and isinstance(value, (tuple, list)):
        if not value or any(not _is_integer(v) or v < 1 for v in value):
            raise ValueError(
                f"{label} must be one or more positive integers. "
                f"Received: {argument or name}={tuple(value)!r}"
            )
        return
    if kind not in (int, float):
        return
    low, high, low_inclusive, high_inclusive, text = _bounds(name, kind)
    if kind is int and not _is_integer(value):
        raise ValueError(f"{label} must be {text}. {received}")
    if kind is float and (
        isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
    ):
        raise ValueError(f"{label} must be {text}. {received}")
    too_low = low is not None and (value < low or (value == low and not low_inclusive))
    too_high = high is not None and (value > high or (value == high and not high_inclusive))
    if too_low or too_high:
        raise ValueError(f"{label} must be {text}. {received}")


def _is_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _bounds(name, kind):
    """`(low, high, low_inclusive, high_inclusive, text)` for a numeric config field, from its
    name and type."""
    if kind is int:
        if name in _MAY_BE_ZERO:
            return 0, None, True, True, "an integer >= 0"
        return 1, None, True, True, "a positive integer"
    if "learning_rate" in name or name in ("clip_value", "ema_rampup", *_POSITIVE):
        return 0.0, None, False, True, "a finite number > 0"
    if name.startswith("beta"):
        return 0.0, 1.0, True, False, "a number in [0, 1)"
    if name in ("ema_decay", "ada_target"):
        return 0.0, 1.0, False, False, "a number in (0, 1)"
    if name == "label_smoothing":  # the real target 1 - alpha must stay above 1/2
        return 0.0, 0.5, True, False, "a number in [0, 0.5)"
    if name in _UNIT_INTERVAL:
        return 0.0, 1.0, True, True, "a number in [0, 1]"
    if name.endswith("_weight") or name.endswith("_gamma") or name in _NON_NEGATIVE:
        return 0.0, None, True, True, "a finite number >= 0"
    return None, None, True, True, "a finite number"


def check_minibatch_groups(batch_size, group_size):
    """Refuses a `--batch-size` that the minibatch standard deviation (ProGAN, StyleGAN) cannot
    split into groups of `--minibatch-group-size`.

    Raises:
        ValueError: naming both values.
    """
    if batch_size % group_size:
        raise ValueError(
            "The minibatch standard deviation splits each batch into groups of "
            f"--minibatch-group-size={group_size}: --batch-size must be a "
            f"multiple of it. Received: batch_size={batch_size}"
        )


def check_ema(decay=None, half_life=None, rampup=None, start=0, *, flags=False):
    """Raises a `ValueError` unless the generator-EMA settings make one schedule.

    `check_value` checks each value on its own; this checks that they fit together (see
    `keras_gan.ema`): a decay or a half-life, not both; a ramp-up only with a half-life; a
    start step only with one of them.

    Args:
        decay: `ema_decay`, or None.
        half_life: `ema_half_life`, or None.
        rampup: `ema_rampup`, or None.
        start: `ema_start`.
        flags: bool, name the command-line flags (`--ema-decay`) rather than the arguments.
    """

    def name(setting):
        return "--" + setting.replace("_", "-") if flags else f"`{setting}`"

    if decay is not None and half_life is not None:
        raise ValueError(
            f"The generator's EMA takes a decay ({name('ema_decay')}, ProGAN, BigGAN) or a "
            f"half-life in images ({name('ema_half_life')}, StyleGAN2), not both. "
            f"Received: ema_decay={decay!r}, ema_half_life={half_life!r}"
        )
    if rampup is not None and half_life is None:
        raise ValueError(
            f"{name('ema_rampup')} ramps up a half-life: give {name('ema_half_life')} too. "
            f"Received: ema_rampup={rampup!r}, ema_half_life=None"
        )
    if start and decay is None and half_life is None:
        raise ValueError(
            f"{name('ema_start')} delays the generator's EMA, which is off: give "
            f"{name('ema_decay')} or {name('ema_half_life')} too. Received: ema_start={start!r}"
        )


def check_augment(
    policy=None, probability=None, ada_target=None, ada_interval=None, ada_speed=None, *,
    flags=False,
):  # fmt: skip
    """Raises a `ValueError` unless the augmentation settings make one (see `keras_gan.augment`).

    `check_value` checks each number on its own; this checks the policy's names
    (`keras_gan.augment.parse_policy`) and that the settings fit together: a probability or
    ADA only with a policy; ADA's interval and speed, other than `AugmentConfig`'s defaults,
    only with ADA.

    Args:
        policy: `augment`, a policy string, or None.
        probability: `augment_probability`, or None.
        ada_target: `ada_target`, or None.
        ada_interval: `ada_interval`, or None (the default).
        ada_speed: `ada_speed`, or None (the default).
        flags: bool, name the command-line flags (`--augment`) rather than the arguments.
    """
    from keras_gan.augment import parse_policy  # keras_gan.augment imports keras

    def name(setting):
        return "--" + setting.replace("_", "-") if flags else f"`{setting}`"

    if policy is not None:
        parse_policy(policy)
    for setting, value in (("augment_probability", probability), ("ada_target", ada_target)):
        if value is not None and policy is None:
            raise ValueError(
                f"{name(setting)} sets how the discriminator's inputs are augmented, but no "
                f"transformation is named: give {name('augment')} too (DiffAugment's "
                f"'color,translation,cutout'). Received: {setting}={value!r}, augment=None"
            )
    if ada_target is None:
        defaults = {f.name: f.default for f in dataclasses.fields(AugmentConfig)}
        for setting, value in (("ada_interval", ada_interval), ("ada_speed", ada_speed)):
            if value is not None and value != defaults[setting]:
                raise ValueError(
                    f"{name(setting)} sets ADA's controller, which is off: give "
                    f"{name('ada_target')} (ADA: 0.6) and {name('augment')} too. "
                    f"Received: {setting}={value!r}, ada_target=None"
                )


def check_regularization(r1_gamma=0.0, r2_gamma=0.0, interval=None, *, flags=False):
    """Raises a `ValueError` unless the lazy-regularisation settings make one: an interval other
    than `AugmentConfig`'s default only with a penalty (`r1_gamma` or `r2_gamma` > 0).

    Args:
        r1_gamma: `r1_gamma`.
        r2_gamma: `r2_gamma`.
        interval: `regularization_interval`, or None (the default).
        flags: bool, name the command-line flags rather than the arguments.
    """

    def name(setting):
        return "--" + setting.replace("_", "-") if flags else f"`{setting}`"

    default = {f.name: f.default for f in dataclasses.fields(AugmentConfig)}
    if interval is not None and interval != default["regularization_interval"]:
        if not r1_gamma and not r2_gamma:
            raise ValueError(
                f"{name('regularization_interval')} sets how often the R1/R2 penalty is "
                f"applied, but both are off: give {name('r1_gamma')} or {name('r2_gamma')} "
                f"too (StyleGAN2: r1_gamma=10 on FFHQ). Received: regularization_interval="
                f"{interval!r}, r1_gamma={r1_gamma!r}, r2_gamma={r2_gamma!r}"
            )


@dataclasses.dataclass
class TrainConfig:
    """Fields every variant has."""

    dataset: str = field(
        "mnist",
        "Dataset name for keras_gan.datasets.load (or a folder of images).",
    )
    image_size: int | None = field(
        None,
        "Resize images to this square size; None keeps the dataset's own size.",
    )
    batch_size: int = field(
        64,
        "Minibatch size m of the paper's algorithm.",
    )
    epochs: int = field(
        5,
        "Passes over the training set.",
    )
    steps_per_epoch: int | None = field(
        200,
        "Steps per epoch: a CPU-sized epoch (a sample grid and a checkpoint each); None makes "
        "an epoch a full pass over the dataset, as in the papers (--paper).",
    )
    seed: int = field(
        0,
        "Seed of the weights, the model's random stream and the data order.",
    )
    # The generator's exponential moving average (keras_gan.ema), a stabiliser every variant
    # can turn on; off by default, as in the papers of the variants built so far.
    ema_decay: float | None = field(
        None,
        "Generator EMA with a fixed decay beta: after each step average = beta * average + "
        "(1 - beta) * weights, and samples come from the average (ProGAN 0.999, BigGAN "
        "0.9999). None: off.",
    )
    ema_half_life: int | None = field(
        None,
        "Generator EMA with a half-life in images: beta = 0.5 ** (batch / half-life), "
        "StyleGAN2's 10,000 images. None: off.",
    )
    ema_rampup: float | None = field(
        None,
        "Ramp-up of --ema-half-life: the half-life is min(half-life, ramp-up x images seen), "
        "so the average follows the weights closely at first (StyleGAN2-ADA: 0.05). None: off.",
    )
    ema_start: int = field(
        0,
        "Steps before the EMA starts averaging; until then it copies the weights (BigGAN "
        "starts after 20,000).",
    )
    # TTUR (Heusel et al. 2017): each network at its own learning rate. Off by default, as in
    # the papers of the variants built so far (InfoGAN declares its two rates itself).
    d_learning_rate: float | None = field(
        None,
        "TTUR (Heusel et al. 2017): the discriminator's own learning rate instead of "
        "--learning-rate (SAGAN and BigGAN's code: 4e-4, with 1e-4 for the generator). "
        "None: --learning-rate.",
    )
    g_learning_rate: float | None = field(
        None,
        "TTUR: the generator's own learning rate instead of --learning-rate. "
        "None: --learning-rate.",
    )

    # The paper's settings where the defaults above scale it down for a CPU.
    PAPER: ClassVar[dict] = {}
    # The fields the training loop reads (data, optimizers, schedule); every other field is a
    # hyperparameter of the model, taken by its constructor under the same name.
    TRAINING_FIELDS: ClassVar[tuple] = (
        "dataset", "image_size", "batch_size", "epochs", "steps_per_epoch", "seed",
        "learning_rate", "d_learning_rate", "g_learning_rate", "beta_1", "beta_2",
    )  # fmt: skip
    # Model fields whose Python constructor default is the paper's value (from `PAPER`), not
    # the command line's: built from Python, the model is the paper's; the command line's
    # defaults are sized for a CPU.
    PYTHON_FROM_PAPER: ClassVar[tuple] = ()
    # Python constructor defaults that are neither the command line's nor the paper's, each
    # with its reason.
    PYTHON: ClassVar[dict] = {}
    # The value each field added later had, in effect, before it existed: a run's config.json
    # or a `.keras` file written then, which lacks the field, is read with this value rather
    # than today's default, so a resumed or reloaded model is the one that was saved.
    OLDER_DEFAULTS: ClassVar[dict] = {}

    def __post_init__(self):
        self.validate()

    def validate(self):
        """Checks every field with `check_value`; raises `ValueError` naming the first bad one."""
        for field in dataclasses.fields(self):
            check_value(type(self), field.name, getattr(self, field.name))
        check_ema(self.ema_decay, self.ema_half_life, self.ema_rampup, self.ema_start, flags=True)

    def with_paper_settings(self):
        """A copy with the paper's settings applied (epochs are full passes over the data)."""
        return dataclasses.replace(self, **{"steps_per_epoch": None, **self.PAPER})

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass
class AugmentConfig(TrainConfig):
    """`TrainConfig` with the stabilisers of a latent model: the discriminator's augmentation
    (`keras_gan.augment`, DiffAugment and ADA), generator updates per step, one-sided label
    smoothing and lazy R1/R2 regularisation. The config of every variant generating images from
    a latent, where they apply."""

    # Off by default, as in the papers of the variants built so far; DiffAugment and ADA are
    # for little data.
    augment: str | None = field(
        None,
        "Augment every image the discriminator trains on, real and generated: comma-separated "
        "transformations from xflip, rotate90, translation, color, cutout (DiffAugment, for "
        "little data: 'color,translation,cutout'). None: off.",
    )
    augment_probability: float | None = field(
        None,
        "Probability of each transformation per image: DiffAugment applies all (1, the "
        "default); with --ada-target, ADA's starting p (default 0).",
    )
    ada_target: float | None = field(
        None,
        "Turn on ADA: p rises while E[sign(D(real))] is above this target and falls below it "
        "(ADA: 0.6). None: a fixed p.",
    )
    ada_interval: int = field(
        4,
        "Steps between ADA's adjustments of p (ADA: 4).",
    )
    ada_speed: int = field(
        500_000,
        "Training images for ADA's p to move by 1 (ADA: 500,000; a 2,400-step CPU run at "
        "batch 64 sees 153,600, so p can reach at most 0.31 at this speed).",
    )

    generator_steps: int = field(
        1,
        "Generator updates per step, each on fresh noise: 1 in the papers; the DCGAN-tensorflow "
        "and PacGAN code take 2 'to make sure that d_loss does not go to zero'.",
    )
    # One-sided label smoothing (Salimans et al. 2016, section 3.4); off by default, as in the
    # papers of the variants that have it.
    label_smoothing: float = field(
        0.0,
        "One-sided label smoothing alpha: the discriminator's target for real samples is "
        "1 - alpha, for generated ones still 0 (Improved GAN: alpha = 0.1, a target of 0.9). "
        "Cross-entropy discriminators only. 0: off.",
    )
    # Lazy R1/R2 (Mescheder et al. 2018; StyleGAN2's lazy schedule); off by default.
    r1_gamma: float = field(
        0.0,
        "R1 penalty gamma/2 E||grad D(x)||^2 on real images, its own discriminator step every "
        "--regularization-interval steps (StyleGAN2: 10 on FFHQ). 0: off.",
    )
    r2_gamma: float = field(
        0.0,
        "R2 penalty gamma/2 E||grad D(G(z))||^2 on generated images, applied with R1's "
        "schedule (Mescheder et al. 2018). 0: off.",
    )
    regularization_interval: int = field(
        16,
        "Lazy regularisation: the penalty's step every k steps, its loss times k, and the "
        "discriminator's Adam rate and betas raised to k/(k+1) (StyleGAN2: 16). 1: every step.",
    )

    def validate(self):
        super().validate()
        check_augment(
            self.augment, self.augment_probability, self.ada_target, self.ada_interval,
            self.ada_speed, flags=True,
        )  # fmt: skip
        check_regularization(self.r1_gamma, self.r2_gamma, self.regularization_interval, flags=True)
