"""TTUR, each network at its own learning rate: the optimizers every kind of variant builds from
a config with `d_learning_rate` / `g_learning_rate`, from Python and from the command line, and
bad values."""

import json
import os

import keras
import pytest

from keras_gan import checkpoints, train
from keras_gan.models import (
    DCGAN,
    LAPGAN,
    WGAN,
    CycleGAN,
    CycleGANConfig,
    DCGANConfig,
    InfoGAN,
    InfoGANConfig,
    LAPGANConfig,
    WGANConfig,
)
from tests.test_train import TINY, assert_refused


def rate(optimizer, step=0):
    """An optimizer's learning rate (a schedule's at `step`)."""
    value = optimizer.learning_rate
    if isinstance(optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        value = optimizer._learning_rate(step)
    return float(keras.ops.convert_to_numpy(value))


def test_each_network_takes_its_own_rate_and_the_other_the_shared_one():
    config = DCGANConfig(d_learning_rate=4e-4, g_learning_rate=1e-4)
    model = DCGAN.from_train_config(config, (16, 16, 1))
    assert rate(model.d_optimizer) == pytest.approx(4e-4)
    assert rate(model.g_optimizer) == pytest.approx(1e-4)
    model = DCGAN.from_train_config(DCGANConfig(d_learning_rate=4e-4), (16, 16, 1))
    assert rate(model.d_optimizer) == pytest.approx(4e-4)
    assert rate(model.g_optimizer) == pytest.approx(DCGANConfig().learning_rate)


def test_variants_with_their_own_optimizers_take_the_two_rates():
    wgan = WGAN.from_train_config(
        WGANConfig(d_learning_rate=1e-4, g_learning_rate=2e-5), (16, 16, 1)
    )
    assert isinstance(wgan.d_optimizer, keras.optimizers.RMSprop)
    assert (rate(wgan.d_optimizer), rate(wgan.g_optimizer)) == pytest.approx((1e-4, 2e-5))
    # LAPGAN: every level's discriminator and generator
    lapgan = LAPGAN.from_train_config(
        LAPGANConfig(d_learning_rate=3e-4, g_learning_rate=1e-4), (16, 16, 1)
    )
    for name in lapgan.optimizer_targets:
        expected = 3e-4 if name.startswith("d_") else 1e-4
        assert rate(getattr(lapgan, name)) == pytest.approx(expected), name
    # CycleGAN: the linear decay starts from each network's rate
    config = CycleGANConfig(d_learning_rate=1e-4, g_learning_rate=3e-4, steps_per_epoch=10)
    cyclegan = CycleGAN.from_train_config(config, (16, 16, 1))
    assert (rate(cyclegan.d_optimizer), rate(cyclegan.g_optimizer)) == pytest.approx((1e-4, 3e-4))


def test_infogan_keeps_the_two_rates_of_its_paper():
    model = InfoGAN.from_train_config(InfoGANConfig(), (16, 16, 1), num_classes=10)
    assert (rate(model.d_optimizer), rate(model.g_optimizer)) == pytest.approx((2e-4, 1e-3))


def test_the_command_line_trains_and_saves_with_the_two_rates(tmp_path):
    output = str(tmp_path / "run")
    flags = ["--d-learning-rate", "4e-4", "--g-learning-rate", "1e-4", "--steps", "2"]
    assert train.main(["dcgan", *TINY, *flags, "--output", output]) == 0
    model = checkpoints.load(checkpoints.latest(output))
    assert (rate(model.d_optimizer), rate(model.g_optimizer)) == pytest.approx((4e-4, 1e-4))
    config = json.load(open(os.path.join(output, "config.json")))["config"]
    assert (config["d_learning_rate"], config["g_learning_rate"]) == (4e-4, 1e-4)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--d-learning-rate", "0"], "--d-learning-rate must be a finite number > 0"),
        (["--g-learning-rate", "nan"], "--g-learning-rate must be a finite number > 0"),
    ],
)
def test_bad_rates_are_refused_before_anything_is_written(flags, message, tmp_path, capsys):
    assert_refused(["dcgan", *flags], message, tmp_path, capsys)
