"""`keras_gan.Run`: training from Python the way the command line does, resume, refusals.

The command line's own behaviour (messages, exit codes, the lock, SIGTERM) is pinned by
tests/test_train.py; these tests check that a `Run` built in Python gives the same run.
"""

import json
import os

import pytest

import keras_gan
from keras_gan import checkpoints, train
from keras_gan.models import DCGANConfig, GANConfig, WGANGPConfig
from keras_gan.run import ConfigError, RunError
from tests.test_train import TINY, assert_same_run, history_of

# TINY as keyword arguments: the same tiny DCGAN on scikit-learn's digits.
SMALL = dict(
    dataset="digits", image_size=16, batch_size=8, base_filters=4, latent_dim=8, steps_per_epoch=3
)


def test_a_run_from_python_is_the_command_lines_run(tmp_path, capsys):
    cli, python = str(tmp_path / "cli"), str(tmp_path / "python")
    assert train.main(["dcgan", *TINY, "--steps", "2", "--output", cli]) == 0
    result = keras_gan.Run("dcgan", output=python, **SMALL).train(steps=2, verbose=0)
    assert (result.status, result.step, result.done) == (0, 2, True)
    assert result.checkpoint_path == os.path.join(python, "checkpoints", "last.keras")
    assert result.history_path == os.path.join(python, "history.json")
    assert "Done: 2 steps" in capsys.readouterr().out
    assert sorted(os.listdir(python)) == sorted(os.listdir(cli))
    assert {"config.json", "history.json", "checkpoints"} <= set(os.listdir(python))
    records = [json.load(open(os.path.join(out, "config.json"))) for out in (cli, python)]
    assert records[0] == records[1]  # every field: config, variant, backend, steps, versions
    assert_same_run(cli, python)


def test_stopped_mid_epoch_then_resumed_equals_the_straight_run(tmp_path):
    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    settings = {**SMALL, "steps_per_epoch": 5}
    assert keras_gan.Run("dcgan", output=straight, **settings).train(steps=7, verbose=0).done
    run = keras_gan.Run("dcgan", output=pieces, **settings)
    assert run.train(steps=3, verbose=0).step == 3  # mid-epoch
    assert run.train(steps=4, verbose=0).step == 4  # the same object continues its run
    resumed = keras_gan.Run.resume(pieces)
    assert resumed.config == run.config and resumed.model.generate(2).shape == (2, 16, 16, 1)
    result = resumed.train(steps=7, verbose=0)
    assert result.step == checkpoints.step_of(resumed.model) == 7
    assert_same_run(straight, pieces)
    assert history_of(pieces)["epochs"]["step"] == [5, 7]
    assert json.load(open(os.path.join(pieces, "config.json")))["resumed_from"] == [3, 4]


def test_config_object_paper_settings_and_overrides(tmp_path):
    out = str(tmp_path / "out")
    config = WGANGPConfig(seed=5)
    assert keras_gan.Run("wgan_gp", config=config, output=out).config == config
    paper = keras_gan.Run("dcgan", paper=True, output=out, seed=3).config
    assert paper == DCGANConfig(seed=3).with_paper_settings()
    given = keras_gan.Run("dcgan", config=DCGANConfig(base_filters=8), epochs=2, output=out)
    assert (given.config.base_filters, given.config.epochs) == (8, 2)
    assert not os.path.exists(out)  # building a Run writes nothing


@pytest.mark.parametrize(
    "call, messages",
    [
        (
            lambda out: keras_gan.Run("dcgan", output=out, epoch=1),
            ["Unknown setting 'epoch'", "Did you mean 'epochs'?", "Accepted: dataset, "],
        ),
        (
            lambda out: keras_gan.Run("dcgan", output=out, epochs=0),
            ["--epochs must be a positive integer. Received: epochs=0"],
        ),
        (
            lambda out: keras_gan.Run("dcgn", output=out),
            ["Unknown variant 'dcgn'", "Did you mean 'dcgan'?", "Available: "],
        ),
        (
            lambda out: keras_gan.Run("dcgan", output=out, config=GANConfig()),
            ["config must be a DCGANConfig", "Received: config of type GANConfig"],
        ),
        (
            lambda out: keras_gan.Run("dcgan", output=out, **SMALL).train(steps=0),
            ["--steps must be a positive integer. Received: 0"],
        ),
    ],
    ids=["unknown-field", "bad-value", "unknown-variant", "wrong-config", "bad-steps"],
)
def test_bad_settings_name_the_value_and_what_is_accepted(call, messages, tmp_path):
    out = str(tmp_path / "out")
    with pytest.raises(ConfigError) as error:
        call(out)
    assert all(message in str(error.value) for message in messages), str(error.value)
    assert isinstance(error.value, ValueError) and not os.path.exists(out)


def test_a_resume_refuses_a_folder_without_a_run_and_a_changed_config(tmp_path):
    with pytest.raises(RunError, match="Nothing to resume"):
        keras_gan.Run.resume(str(tmp_path))
    out = str(tmp_path / "run")
    keras_gan.Run("dcgan", output=out, **SMALL).train(steps=1, verbose=0)
    with pytest.raises(RunError, match="already holds a 'dcgan' run"):
        keras_gan.Run("dcgan", output=out, **SMALL)
    with pytest.raises(RunError, match=r"--base-filters 8 \(the run has 4\)"):
        keras_gan.Run.resume(out, base_filters=8)
