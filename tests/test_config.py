"""The config dataclass is where a hyperparameter is declared, documented and checked."""

import dataclasses
import inspect

import pytest

from keras_gan import registry
from keras_gan.config import TrainConfig, check_value, field, field_help


@pytest.mark.parametrize("name", registry.available())
def test_every_field_has_its_help_in_its_metadata(name):
    config_class = registry.get(name).config_class
    helps = field_help(config_class)
    missing = [field_name for field_name, text in helps.items() if len(text.split()) < 3]
    assert missing == [], f"{name}: fields without a help sentence: {missing}"
    # The help is data, not a comment: it survives where the source is unavailable.
    assert all(f.metadata["help"] == helps[f.name] for f in dataclasses.fields(config_class))


def test_choices_are_checked_with_the_accepted_values_named():
    @dataclasses.dataclass
    class Config(TrainConfig):
        mode: str = field("a", "Which mode.", choices=("a", "b"))

    assert Config(mode="b").mode == "b"
    with pytest.raises(ValueError, match=r"--mode must be one of 'a', 'b'. Received: mode='c'"):
        Config(mode="c")
    with pytest.raises(TypeError, match="immutable"):
        field([1, 2], "A list default would be shared between configs.")


@pytest.mark.parametrize(
    "name, argument, value, accepted",
    [
        ("wgan_gp", "gp_weight", -1.0, "a finite number >= 0"),
        ("dcgan", "base_filters", 0, "a positive integer"),
        ("cgan", "conditioning", "film", "one of 'onehot', 'embedding'"),
        ("lapgan", "levels", 1.5, "a positive integer"),
        ("cyclegan", "cycle_weight", float("nan"), "a finite number >= 0"),
        ("gan_int_cls", "interpolation_beta", 1.5, "a number in [0, 1]"),
    ],
)
def test_the_constructor_and_the_command_line_reject_a_value_in_one_place(
    name, argument, value, accepted
):
    variant = registry.get(name)
    # The command line's config and the Python constructor give the same message, naming the
    # setting as each user wrote it.
    with pytest.raises(ValueError) as from_config:
        variant.config_class(**{argument: value})
    with pytest.raises(ValueError) as from_constructor:
        variant.model_class(**{argument: value})
    flag = "--" + argument.replace("_", "-")
    received = f"Received: {argument}={value!r}"
    assert str(from_config.value) == f"{flag} must be {accepted}. {received}"
    assert str(from_constructor.value) == f"`{argument}` must be {accepted}. {received}"


def test_a_renamed_argument_is_checked_under_its_own_name():
    # Pix2PixConfig.unet_depth is Pix2Pix(depth=...).
    model_class = registry.get("pix2pix").model_class
    with pytest.raises(ValueError, match=r"`depth` must be a positive integer. Received: depth=0"):
        model_class(depth=0)
    check_value(registry.get("pix2pix").config_class, "unet_depth", 3)  # valid: no error


# Where a constructor's default is neither the command line's nor the paper's value, and why.
_PYTHON_DEFAULTS = {
    # dcgan.torch's width (ngf = ndf = 64); --paper gives the paper's 1024-channel 4x4 (128).
    ("dcgan", "base_filters"): 64,
    # The Unrolled GAN builds DCGAN's networks with DCGAN's constructor default.
    ("unrolled_gan", "base_filters"): 64,
    # DCGAN's width for the pyramid's convolutional levels; the CPU's 32, the paper's 128.
    ("lapgan", "filters"): 64,
    # Pretraining is asked for from Python (`pretrain_steps=`), done by default on the command line.
    ("gan_int_cls", "text_pretrain_steps"): 0,
    ("srgan", "pretrain_steps"): 0,
}


@pytest.mark.parametrize("name", registry.available())
def test_constructor_defaults_come_from_the_config(name):
    # A constructor's keyword default is the config's default (the command line's) or the
    # paper's value from the config's `PAPER`; a default changed in the config and not in the
    # constructor (or the reverse) fails here, unless `_PYTHON_DEFAULTS` says why.
    variant = registry.get(name)
    model_class = variant.model_class
    config, paper = variant.config_class(), variant.config_class().with_paper_settings()
    renamed = {argument: field for field, argument in model_class.config_arguments.items()}
    checked, seen = 0, set()
    for klass in model_class.__mro__:
        if "__init__" not in klass.__dict__ or klass.__module__ == "keras_gan.adversarial":
            continue
        for parameter in inspect.signature(klass.__init__).parameters.values():
            field = renamed.get(parameter.name, parameter.name)
            if parameter.name in seen:  # a subclass's own default overrides its base's
                continue
            seen.add(parameter.name)
            if not hasattr(config, field) or parameter.default in (None, inspect.Parameter.empty):
                continue
            if (name, parameter.name) in _PYTHON_DEFAULTS:
                accepted = [_PYTHON_DEFAULTS[name, parameter.name]]
            else:
                accepted = [getattr(config, field), getattr(paper, field)]
            accepted = [list(a) if isinstance(a, tuple) else a for a in accepted]
            default = parameter.default
            default = list(default) if isinstance(default, tuple) else default
            assert default in accepted, (
                f"{model_class.__name__}({parameter.name}={default!r}), but the config says "
                f"{accepted[0]!r}" + (f" (the paper {accepted[1]!r})" if len(accepted) > 1 else "")
            )
            checked += 1
    assert checked >= 1
