"""The training command line: flags from configs, what a run writes, resume, refusals, SIGKILL."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from keras_gan import checkpoints, testing, train
from keras_gan.registry import Variant

TINY = ["--dataset", "digits", "--image-size", "16", "--batch-size", "8", "--base-filters", "4",
        "--latent-dim", "8", "--steps-per-epoch", "3", "--verbose", "0"]


def run(*argv):
    return train.main(["dcgan", *TINY, *argv])


def weights(path):
    model = checkpoints.load(path)
    return testing.snapshot(list(model.weights) + list(model.optimizer.variables) + model._seed_states())


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("runs") / "straight")
    assert run("--steps", "4", "--output", out) == 0
    return out


def test_a_run_writes_samples_history_config_tensorboard_and_a_checkpoint(straight):
    files = set(os.listdir(straight))
    assert {"config.json", "history.json", "losses.png", "checkpoints", "samples", "tensorboard"} <= files
    config = json.load(open(os.path.join(straight, "config.json")))
    assert config["variant"] == "dcgan" and config["backend"] == os.environ.get("KERAS_BACKEND", config["backend"])
    assert config["keras_gan_version"] and config["config"]["base_filters"] == 4
    assert config["total_steps"] == 4 and config["steps_per_epoch"] == 3
    samples = sorted(os.listdir(os.path.join(straight, "samples")))
    # 4 steps at 3 per epoch: epoch 1 and the partial epoch 2
    assert samples == ["epoch_0001.png", "epoch_0002.png", "fixed_inputs.npz", "progress.gif"]
    history = json.load(open(os.path.join(straight, "history.json")))
    assert history["steps"]["step"] == [1, 2, 3, 4] and len(history["steps"]["g_loss"]) == 4
    assert history["epochs"]["step"] == [3, 4]
    # The epoch mean equals the mean of the recovered per-step values.
    np.testing.assert_allclose(np.mean(history["steps"]["d_loss"][:3]), history["epochs"]["d_loss"][0], rtol=1e-4)
    events = [f for _, _, fs in os.walk(os.path.join(straight, "tensorboard")) for f in fs]
    assert len([f for f in events if f.startswith("events.out.tfevents")]) >= 2  # scalars + images
    model = checkpoints.load(checkpoints.latest(straight), variant="dcgan")
    assert checkpoints.step_of(model) == 4


def test_resume_gives_identical_weights_optimizer_state_and_random_stream(straight, tmp_path):
    out = str(tmp_path / "resumed")
    assert run("--steps", "2", "--output", out) == 0
    assert run("--steps", "4", "--output", out, "--resume") == 0
    for a, b in zip(weights(checkpoints.latest(straight)), weights(checkpoints.latest(out))):
        np.testing.assert_allclose(b, a, atol=1e-6)
    config = json.load(open(os.path.join(out, "config.json")))
    assert config["resumed_from"] == [2]
    history = json.load(open(os.path.join(out, "history.json")))
    assert history["steps"]["step"] == [1, 2, 3, 4]


def test_plan_splits_partial_epochs():
    assert train.plan(0, 4, 3) == [(0, 1, 3), (1, 2, 1)]
    assert train.plan(2, 4, 3) == [(0, 1, 1), (1, 2, 1)]
    assert train.plan(3, 9, 3) == [(1, 3, 3)]
    assert train.plan(5, 5, 3) == []


def test_list_and_help(capsys):
    assert train.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert any(line.startswith("dcgan ") and "Radford" in line for line in out.splitlines())
    with pytest.raises(SystemExit) as exit_info:
        train.main(["dcgan", "--help"])
    assert exit_info.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "KERAS_BACKEND=jax python -m keras_gan.train dcgan" in help_text
    # the field's comment and default, from DCGANConfig's source
    assert "64 is dcgan.torch's default" in help_text and "Default: 64." in help_text
    assert "--paper" in help_text and "--resume" in help_text


def test_flags_follow_field_types():
    @dataclasses.dataclass
    class Config:
        # Widths.
        units: tuple = (8, 16)
        # Use it.
        flag: bool = True
        # Maybe a size.
        size: int | None = None
        # A rate.
        rate: float = 0.5

    parser = train.build_parser(Variant("toy", object, Config, "toy"))
    args = parser.parse_args(["toy", "--units", "1", "2", "3", "--no-flag", "--size", "none", "--rate", "2"])
    assert (args.units, args.flag, args.size, args.rate) == ([1, 2, 3], False, None, 2.0)
    assert not hasattr(parser.parse_args(["toy"]), "units")  # unset flags keep the config's value
    assert train.field_comments(Config) == {"units": "Widths.", "flag": "Use it.", "size": "Maybe a size.", "rate": "A rate."}


@pytest.mark.parametrize(
    "argv, message",
    [
        (["dcgn"], "Did you mean 'dcgan'?"),
        (["dcgan", "--epoch", "2"], "--epoch: did you mean --epochs?"),
        (["dcgan", "--batch-size", "x"], "invalid int value"),
        (["dcgan", "--steps", "0"], "--steps must be a positive integer"),
        (["dcgan", "--dataset", "mnsit"], "Did you mean 'mnist'?"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(argv, message, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        train.main([*argv, "--output", str(out)])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_output_folder_of_another_run_is_refused_untouched(straight, tmp_path, capsys):
    before = {f: os.path.getmtime(os.path.join(straight, f)) for f in os.listdir(straight)}
    for argv, message in [
        ([], "already holds a 'dcgan' run. Pass --resume"),
        (["--resume", "--base-filters", "8"], "--base-filters 8 (the run has 4)"),
    ]:
        with pytest.raises(SystemExit):
            run("--output", straight, *argv)
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train.main(["gan", "--dataset", "digits", "--output", straight, "--resume"])
    assert "holds a run of 'dcgan', not 'gan'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run("--output", str(tmp_path), "--resume")
    assert "Nothing to resume" in capsys.readouterr().err
    assert {f: os.path.getmtime(os.path.join(straight, f)) for f in os.listdir(straight)} == before


def test_missing_offline_data_names_the_fix(tmp_path, capsys, monkeypatch):
    from keras_gan import datasets

    def unavailable(*args, **kwargs):
        raise datasets.DataNotFoundError("MNIST is not available offline: set KERAS_GAN_DATA_DIR")

    monkeypatch.setattr(datasets, "info", unavailable)
    with pytest.raises(SystemExit):
        train.main(["dcgan", "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert "KERAS_GAN_DATA_DIR" in err and "--dataset digits" in err
    assert not (tmp_path / "out").exists()


def test_sigkill_loses_only_the_steps_since_the_last_checkpoint(tmp_path):
    out = str(tmp_path / "killed")
    command = [sys.executable, "-m", "keras_gan.train", "dcgan", *TINY, "--steps", "100000",
               "--checkpoint-every", "2", "--output", out]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    path = os.path.join(out, "checkpoints", checkpoints.LAST)
    deadline = time.time() + 240
    while time.time() < deadline and not os.path.exists(path):
        time.sleep(0.5)
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert os.path.exists(path), "no checkpoint was written before the deadline"
    step = checkpoints.step_of(checkpoints.load(path, variant="dcgan"))
    # saves happen every 2 steps and at each epoch end (3 steps per epoch)
    assert step > 0 and (step % 2 == 0 or step % 3 == 0)
    assert train.main(["dcgan", *TINY, "--steps", str(step + 1), "--output", out, "--resume"]) == 0
    assert checkpoints.step_of(checkpoints.load(path)) == step + 1
    assert not [f for f in os.listdir(os.path.dirname(path)) if f.startswith(".tmp-")]
