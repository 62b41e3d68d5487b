"""The config dataclass is where a hyperparameter is declared, documented and checked."""

import dataclasses
import inspect

import pytest

from keras_gan import registry
from keras_gan.config import TrainConfig, check_value, constructor_defaults, field, field_help
from keras_gan.models import DCGAN, DCGANConfig


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


@pytest.mark.parametrize("name", registry.available())
def test_no_constructor_repeats_a_default_of_its_config(name):
    # A hyperparameter's default is declared once, on its config field (or the config's
    # PYTHON_FROM_PAPER / PYTHON): a variant's constructor names the ones it uses, without a
    # default, and AdversarialBase fills them in.
    model_class = registry.get(name).model_class
    checked = 0
    for klass in model_class.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or not klass.__module__.startswith("keras_gan.models"):
            continue
        hyperparameters = klass.hyperparameter_defaults()
        source = inspect.signature(init.__wrapped__).parameters.values()
        repeated = [
            p.name for p in source if p.name in hyperparameters and p.default is not p.empty
        ]
        assert repeated == [], f"{klass.__name__}.__init__ repeats the defaults of {repeated}"
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("name", registry.available())
def test_the_signature_shows_every_hyperparameter_with_its_config_default(name):
    variant = registry.get(name)
    parameters = inspect.signature(variant.model_class).parameters
    config = variant.config_class
    for field_name, default in constructor_defaults(config).items():
        argument = variant.model_class.config_arguments.get(field_name, field_name)
        assert parameters[argument].default == default, argument
        if field_name in config.PYTHON:
            assert default == config.PYTHON[field_name]
        elif field_name in config.PYTHON_FROM_PAPER:
            assert default == config.PAPER[field_name]
        else:
            assert default == config.__dataclass_fields__[field_name].default
    # The training loop's settings are not the model's.
    assert "learning_rate" not in parameters and "batch_size" not in parameters
    # The docstring says where the defaults come from, and the Python-only ones exactly.
    doc = " ".join(variant.model_class.__doc__.split())
    assert f"with the defaults of `{config.__name__}`" in doc
    for field_name, value in config.PYTHON.items():
        assert f"`{field_name}={value!r}`" in doc


def test_constructor_defaults_resolve_the_field_the_paper_and_the_python_value():
    @dataclasses.dataclass
    class Config(TrainConfig):
        width: int = field(8, "CPU width.")
        depth: int = field(2, "CPU depth.")
        weight: float = field(1.0, "A loss weight.")
        PAPER = {"width": 64, "depth": 5, "batch_size": 128}
        PYTHON_FROM_PAPER = ("width",)
        PYTHON = {"depth": 3}

    defaults = constructor_defaults(Config)
    assert {k: defaults[k] for k in ("width", "depth", "weight")} == {
        "width": 64, "depth": 3, "weight": 1.0,
    }  # fmt: skip
    assert "batch_size" not in defaults and "seed" not in defaults  # the training loop's
    assert defaults["ema_decay"] is None  # TrainConfig's stabilisers are the model's

    @dataclasses.dataclass
    class Wrong(Config):
        PYTHON = {"learning_rate": 0.1}

    with pytest.raises(TypeError, match=r"Wrong.PYTHON names fields that are not model "):
        constructor_defaults(Wrong)

    @dataclasses.dataclass
    class NoPaperValue(Config):
        PYTHON_FROM_PAPER = ("weight",)

    with pytest.raises(TypeError, match=r"without a paper value in PAPER: \['weight'\]"):
        constructor_defaults(NoPaperValue)


def test_a_new_hyperparameter_is_declared_once_in_the_config():
    # Adding a hyperparameter touches the config and the train_step that reads it: the model
    # takes it as an argument, checks it, keeps it typed as its field and saves it.
    @dataclasses.dataclass
    class WeightedConfig(DCGANConfig):
        extra_weight: float = field(2.0, "A weight a train_step would read.")

    class WeightedDCGAN(DCGAN):
        config_class = WeightedConfig

    model = WeightedDCGAN(base_filters=4)
    assert model.extra_weight == 2.0
    model = WeightedDCGAN(base_filters=4, extra_weight=3)
    assert model.extra_weight == 3.0 and isinstance(model.extra_weight, float)
    assert model.get_config()["extra_weight"] == 3.0
    assert WeightedDCGAN(base_filters=4, extra_weight=None).extra_weight == 2.0  # the default
    assert WeightedDCGAN.from_config(model.get_config()).extra_weight == 3.0
    with pytest.raises(ValueError, match=r"`extra_weight` must be a finite number >= 0"):
        WeightedDCGAN(base_filters=4, extra_weight=-1)
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments .*extra_wieght"):
        WeightedDCGAN(base_filters=4, extra_wieght=1)


_SHAPES = {
    "images": (28, 28, 1),
    "labelled": (28, 28, 1),
    "captioned": (28, 28, 1),
    "unpaired": (28, 28, 1),
    "progan": (16, 16, 1),  # by variant: ProGAN grows by doubling from 4x4
    "stylegan": (16, 16, 1),  # StyleGAN's synthesis network doubles from 4x4
}


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in registry.available()
        if "latent_dim" in registry.get(n).model_class.hyperparameter_defaults()
    ],
)
def test_a_given_hyperparameter_reaches_the_model_through_every_constructor(name):
    # A constructor passing a hyperparameter on positionally to one whose signature changed
    # would lose it to another argument and let the parent fill in its own default.
    # 9: no variant's default; a multiple of the 3 chunks of BigGAN's latent at 28x28.
    variant = registry.get(name)
    config = dataclasses.replace(variant.config_class(), latent_dim=9)
    model = variant.model_class.from_train_config(
        config, _SHAPES.get(name, _SHAPES[variant.model_class.data_kind]), num_classes=10
    )
    assert model.latent_dim == 9
    assert any(tensor.shape[-1] == 9 for tensor in model.generator.inputs)  # z itself


@pytest.mark.parametrize("name", ["progan", "stylegan"])
def test_a_batch_the_minibatch_stddev_groups_cannot_split_is_refused_naming_both(name):
    config_class = registry.get(name).config_class
    assert config_class(batch_size=8, minibatch_group_size=4).batch_size == 8
    with pytest.raises(ValueError, match="--minibatch-group-size=4: .*batch_size=30"):
        config_class(batch_size=30, minibatch_group_size=4)
    with pytest.raises(ValueError, match="--minibatch-group-size=8: .*batch_size=12"):
        config_class(batch_size=12, minibatch_group_size=8)
