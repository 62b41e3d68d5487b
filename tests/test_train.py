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
from keras_gan.config import field, field_help
from keras_gan.registry import Variant

TINY = [
    "--dataset",
    "digits",
    "--image-size",
    "16",
    "--batch-size",
    "8",
    "--base-filters",
    "4",
    "--latent-dim",
    "8",
    "--steps-per-epoch",
    "3",
    "--verbose",
    "0",
]


def run(*argv):
    return train.main(["dcgan", *TINY, *argv])


def weights(path):
    model = checkpoints.load(path)
    return testing.snapshot(
        list(model.weights) + list(model.optimizer.variables) + model._seed_states()
    )


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("runs") / "straight")
    assert run("--steps", "4", "--output", out) == 0
    return out


def test_a_run_writes_samples_history_config_tensorboard_and_a_checkpoint(straight):
    files = set(os.listdir(straight))
    assert {
        "config.json",
        "history.json",
        "losses.png",
        "checkpoints",
        "samples",
        "tensorboard",
    } <= files
    config = json.load(open(os.path.join(straight, "config.json")))
    assert config["variant"] == "dcgan" and config["backend"] == os.environ.get(
        "KERAS_BACKEND", config["backend"]
    )
    assert config["keras_gan_version"] and config["config"]["base_filters"] == 4
    assert config["total_steps"] == 4 and config["steps_per_epoch"] == 3
    samples = sorted(os.listdir(os.path.join(straight, "samples")))
    # 4 steps at 3 per epoch: epoch 1 and the partial epoch 2
    assert samples == ["epoch_0001.png", "epoch_0002.png", "fixed_inputs.npz", "progress.gif"]
    history = json.load(open(os.path.join(straight, "history.json")))
    assert history["steps"]["step"] == [1, 2, 3, 4] and len(history["steps"]["g_loss"]) == 4
    assert history["epochs"]["step"] == [3, 4]
    # The epoch mean equals the mean of the recovered per-step values.
    np.testing.assert_allclose(
        np.mean(history["steps"]["d_loss"][:3]), history["epochs"]["d_loss"][0], rtol=1e-4
    )
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
    assert (
        "32 (dcgan.torch: 64) makes the CPU step cheap" in help_text and "Default: 32." in help_text
    )
    assert "--paper" in help_text and "--resume" in help_text


def test_flags_follow_field_types():
    @dataclasses.dataclass
    class Config:
        units: tuple = field((8, 16), "Widths.")
        flag: bool = field(True, "Use it.")
        size: int | None = field(None, "Maybe a size.")
        rate: float = field(0.5, "A rate.")

    parser = train.build_parser(Variant("toy", object, Config, "toy"))
    args = parser.parse_args(
        ["toy", "--units", "1", "2", "3", "--no-flag", "--size", "none", "--rate", "2"]
    )
    assert (args.units, args.flag, args.size, args.rate) == ([1, 2, 3], False, None, 2.0)
    assert not hasattr(parser.parse_args(["toy"]), "units")  # unset flags keep the config's value
    assert field_help(Config) == {
        "units": "Widths.",
        "flag": "Use it.",
        "size": "Maybe a size.",
        "rate": "A rate.",
    }
    assert "Maybe a size. Default: None." in " ".join(parser.format_help().split())


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
    assert_refused(argv, message, tmp_path, capsys)


def assert_refused(argv, message, tmp_path, capsys):
    """`python -m keras_gan.train ARGV` exits with status 2, `message` in its error, and writes
    no output folder."""
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


@pytest.mark.parametrize(
    "variant, offline",
    [("dcgan", "digits"), ("acgan", "digits"), ("cyclegan", "mnist_edges"),
     ("gan_int_cls", "mnist_captions"), ("stargan", "mnist_attributes")],
)  # fmt: skip
def test_missing_offline_data_names_the_fix(variant, offline, tmp_path, capsys, monkeypatch):
    # The offline set suggested is one the variant can train on.
    from keras_gan import datasets, registry

    def unavailable(*args, **kwargs):
        raise datasets.DataNotFoundError("MNIST is not available offline: set KERAS_GAN_DATA_DIR")

    monkeypatch.setattr(datasets, "info", unavailable)
    with pytest.raises(SystemExit):
        train.main([variant, "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert "KERAS_GAN_DATA_DIR" in err and f"--dataset {offline}.)" in err
    assert registry.get(variant).data_kind in {
        kind for kind, name in registry.OFFLINE_DATASETS.items() if name == offline
    }
    assert not (tmp_path / "out").exists()


def test_sigkill_loses_only_the_steps_since_the_last_checkpoint(tmp_path):
    out = str(tmp_path / "killed")
    command = [
        sys.executable,
        "-m",
        "keras_gan.train",
        "dcgan",
        *TINY,
        "--steps",
        "100000",
        "--checkpoint-every",
        "2",
        "--output",
        out,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
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


# -- Exact resume at any step -----------------------------------------------------------------------


def history_of(out):
    return json.load(open(os.path.join(out, "history.json")))


def assert_same_run(a, b):
    for x, y in zip(weights(checkpoints.latest(a)), weights(checkpoints.latest(b))):
        np.testing.assert_allclose(y, x, atol=1e-6)
    ha, hb = history_of(a), history_of(b)
    assert ha["steps"]["step"] == hb["steps"]["step"]
    for part in ("steps", "epochs"):
        assert ha[part]["step"] == hb[part]["step"]
        for name in ("d_loss", "g_loss"):
            # A few float32 ulps, also for losses in the tens (Improved GAN's feature matching:
            # 30.174019 against 30.174034 after a resume on JAX, its weights equal to 1e-6)
            np.testing.assert_allclose(hb[part][name], ha[part][name], rtol=1e-6, atol=1e-5)


def test_resume_mid_epoch_several_times_equals_the_straight_run(tmp_path):
    # 3 steps per epoch: stops at 4 and 8 are mid-epoch, each segment reaches a new epoch.
    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    assert run("--steps", "10", "--output", straight) == 0
    assert run("--steps", "4", "--output", pieces) == 0
    assert run("--steps", "8", "--output", pieces, "--resume") == 0
    assert run("--steps", "10", "--output", pieces, "--resume") == 0
    assert_same_run(straight, pieces)
    assert history_of(pieces)["epochs"]["step"] == [3, 6, 9, 10]
    assert json.load(open(os.path.join(pieces, "config.json")))["resumed_from"] == [4, 8]


def test_sigterm_saves_and_the_resumed_run_equals_the_straight_run(tmp_path):
    out = str(tmp_path / "stopped")
    command = [
        sys.executable,
        "-m",
        "keras_gan.train",
        "dcgan",
        *TINY,
        "--steps",
        "100000",
        "--checkpoint-every",
        "1000",
        "--output",
        out,
        "--verbose",
        "2",
        "--log-every",
        "1",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    line = ""
    while time.time() < deadline and not line.startswith("step"):
        line = process.stdout.readline()
    assert line.startswith("step"), "training did not start before the deadline"
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, f"stdout:\n{stdout[-2000:]}\nstderr:\n{stderr[-4000:]}"
    assert (
        "Stopped by SIGTERM at step" in stderr
        and "--resume" in stderr
        and "Traceback" not in stderr
    )
    step = checkpoints.step_of(checkpoints.load(checkpoints.latest(out)))
    assert history_of(out)["steps"]["step"] == list(range(1, step + 1))
    straight = str(tmp_path / "straight")
    assert run("--steps", str(step + 4), "--output", straight) == 0
    assert run("--steps", str(step + 4), "--output", out, "--resume") == 0
    assert_same_run(straight, out)


# -- One run per folder; a resume never silently changes the run -----------------------------------


def test_a_folder_in_use_is_refused_at_once(tmp_path, capsys):
    from keras_gan.runlock import RunLock

    out = tmp_path / "busy"
    with RunLock(out):
        with pytest.raises(SystemExit) as exit_info:
            run("--steps", "1", "--output", str(out))
        assert exit_info.value.code == 2
        assert f"Another run (pid {os.getpid()}" in capsys.readouterr().err
    assert os.listdir(out) == [".lock"]  # nothing written by the refused run
    # The lock file a finished (or killed) run leaves behind does not block the next one.
    assert run("--steps", "1", "--output", str(out)) == 0


def test_a_run_that_never_saved_is_started_over_not_resumed(tmp_path, capsys):
    out = tmp_path / "crashed"
    out.mkdir()
    (out / "config.json").write_text(json.dumps({"variant": "dcgan", "config": {}}))
    with pytest.raises(SystemExit):
        run("--steps", "1", "--output", str(out), "--resume")
    assert "stopped before its first checkpoint" in capsys.readouterr().err
    assert run("--steps", "1", "--output", str(out)) == 0
    assert "starting it again" in capsys.readouterr().out
    assert checkpoints.step_of(checkpoints.load(checkpoints.latest(out))) == 1


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert run("--steps", "1", "--output", out, "--base-filters", "8") == 0
    config_path = os.path.join(out, "config.json")
    record = json.load(open(config_path))
    record["config"]["base_filters"] = 4  # config.json no longer describes the checkpoint
    json.dump(record, open(config_path, "w"))
    with pytest.raises(SystemExit):
        run("--steps", "2", "--output", out, "--resume")
    err = capsys.readouterr().err
    assert "--base-filters 8 (config.json says 4)" in err
    assert json.load(open(config_path))["config"]["base_filters"] == 4


def test_steps_change_on_resume_is_recorded(straight, tmp_path):
    out = str(tmp_path / "longer")
    assert run("--steps", "2", "--output", out) == 0
    assert run("--steps", "3", "--output", out, "--resume") == 0
    assert json.load(open(os.path.join(out, "config.json")))["total_steps"] == 3


# -- Validation and one-line failures ---------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "--epochs must be a positive integer. Received: epochs=0"),
        (["--epochs", "-2"], "--epochs must be a positive integer"),
        (["--steps-per-epoch", "-3"], "--steps-per-epoch must be a positive integer"),
        (["--steps-per-epoch", "0"], "--steps-per-epoch must be a positive integer"),
        (
            ["--learning-rate", "nan"],
            "--learning-rate must be a finite number > 0. Received: learning_rate=nan",
        ),
        (["--learning-rate", "inf"], "--learning-rate must be a finite number > 0"),
        (["--learning-rate", "-1"], "--learning-rate must be a finite number > 0"),
        (["--beta-1", "1.5"], "--beta-1 must be a number in [0, 1)"),
        (["--base-filters", "0"], "--base-filters must be a positive integer"),
        (["--log-every", "0"], "--log-every must be a positive integer"),
    ],
)
def test_bad_numbers_are_refused_before_anything_is_written(argv, message, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        run("--steps", "1", "--output", str(out), *argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_config_validation_for_every_variant():
    from keras_gan import registry

    for name in registry.available():
        config_class = registry.get(name).config_class
        config_class()  # every default is valid
        config_class().with_paper_settings()
        with pytest.raises(ValueError, match="--batch-size must be a positive integer"):
            config_class(batch_size=0)
        with pytest.raises(ValueError, match="--seed must be an integer >= 0"):
            config_class(seed=-1)


def test_output_that_is_a_file_or_unwritable_is_one_line(tmp_path, capsys, monkeypatch):
    file = tmp_path / "file"
    file.write_text("x")
    for out, message in [(file, "is a file, not a folder"), (file / "run", "which is a file")]:
        with pytest.raises(SystemExit):
            run("--steps", "1", "--output", str(out))
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    # Permissions cannot be taken away from root (CI runs as root): ask os.access.
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(SystemExit):
        run("--steps", "1", "--output", str(tmp_path / "ro" / "run"))
    assert "permission denied" in capsys.readouterr().err


def test_a_full_disk_is_one_line_and_leaves_no_temporary_files(tmp_path, capsys, monkeypatch):
    import errno

    from keras_gan import callbacks

    out = tmp_path / "full"
    real_dump = json.dump

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(json, "dump", full)
    assert run("--steps", "1", "--output", str(out)) == 2
    monkeypatch.setattr(json, "dump", real_dump)
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Free some space" in err and "Traceback" not in err
    leftovers = [
        f for _, _, files in os.walk(out) for f in files if f.startswith(".") and f != ".lock"
    ]
    assert leftovers == []
    monkeypatch.setattr(json, "dump", full)
    with pytest.raises(OSError):
        callbacks.write_json({"a": 1}, str(tmp_path / "x.json"))
    assert not [f for f in os.listdir(tmp_path) if "x.json" in f]


# -- What a newcomer sees ---------------------------------------------------------------------------


def test_redirected_output_shows_overall_progress_device_and_where_to_look(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert (
        train.main(
            [
                "dcgan",
                *[a for a in TINY if a not in ("--verbose", "0")],
                "--steps",
                "4",
                "--log-every",
                "2",
                "--output",
                out,
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "step 2/4 ( 50%)" in printed and "step 4/4 (100%)" in printed and "steps/s" in printed
    assert "device: " in printed and "tensorboard --logdir" in printed
    assert "\x1b[" not in printed and "\b" not in printed  # no terminal control characters


def test_tensorboard_has_losses_and_real_learning_rates_at_the_global_step(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = str(tmp_path / "run")
    assert run("--steps", "4", "--log-every", "2", "--learning-rate", "3e-4", "--output", out) == 0
    assert run("--steps", "6", "--output", out, "--resume") == 0
    events = EventAccumulator(os.path.join(out, "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    tags = events.Tags()["tensors"]
    assert {
        "loss/d_loss",
        "loss/g_loss",
        "learning_rate/d_optimizer",
        "learning_rate/g_optimizer",
    } <= set(tags)
    steps = [e.step for e in events.Tensors("loss/d_loss")]
    assert steps == [2, 4, 6]
    rates = [float(np.asarray(tf_value(e))) for e in events.Tensors("learning_rate/g_optimizer")]
    np.testing.assert_allclose(rates, 3e-4, rtol=1e-6)  # the run's rate, not a placeholder


def tf_value(event):
    from tensorboard.util import tensor_util

    return tensor_util.make_ndarray(event.tensor_proto)


def test_a_missing_backend_names_the_extra_to_install():
    hide_torch = (
        "import importlib.util as u; real = u.find_spec; "
        "u.find_spec = lambda name, *a: None if name == 'torch' else real(name, *a); "
    )
    env = dict(os.environ, KERAS_BACKEND="torch")
    library = subprocess.run(
        [sys.executable, "-c", hide_torch + "import keras_gan"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert library.returncode == 1 and "ImportError" in library.stderr
    assert "pip install 'keras_gan[torch]'" in library.stderr
    command = subprocess.run(
        [sys.executable, "-c", hide_torch + "import sys; sys.argv = ['-m']; import keras_gan"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert command.returncode == 2 and "Traceback" not in command.stderr
    assert "pip install 'keras_gan[torch]'" in command.stderr


def test_importing_keras_gan_keeps_tensorflows_start_up_info_lines_out_of_stderr():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    quiet = subprocess.run(
        [sys.executable, "-c", "import keras_gan"], env=env, capture_output=True, text=True
    )
    assert quiet.returncode == 0, quiet.stderr
    assert "oneDNN custom operations" not in quiet.stderr
    assert "absl::InitializeLog" not in quiet.stderr


def test_the_quiet_tensorflow_import_drops_only_info_lines(tmp_path):
    # A stand-in `tensorflow` that writes, as the real one's C++ does, straight to descriptor 2:
    # absl's preamble and an INFO line (dropped), a warning line (kept); and a Python warning.
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "import os, warnings\n"
        "os.write(2, b'WARNING: All log messages before absl::InitializeLog() is called are "
        "written to STDERR\\n')\n"
        "os.write(2, b'I0000 00:00:1796487378.679178   18528 port.cc:153] oneDNN custom "
        "operations are on.\\n')\n"
        "os.write(2, b'W0000 00:00:1796487378.7   18528 gpu.cc:9] a real warning\\n')\n"
        "warnings.warn('a Python warning')\n"
    )
    import keras_gan

    script = (
        "import ast, sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        f"source = open({keras_gan.__file__!r}).read()\n"
        "(quiet,) = [n for n in ast.parse(source).body "
        "if getattr(n, 'name', '') == '_import_tensorflow_quietly']\n"
        "space = {}\n"
        "exec(compile(ast.Module([quiet], []), 'keras_gan', 'exec'), space)\n"
        "space['_import_tensorflow_quietly']()\n"
        "print('tensorflow' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr
    assert "a real warning" in out.stderr and "a Python warning" in out.stderr
    assert "InitializeLog" not in out.stderr and "oneDNN" not in out.stderr
    everything = subprocess.run(
        [sys.executable, "-c", script], env=dict(env, TF_CPP_MIN_LOG_LEVEL="0"),
        capture_output=True, text=True,
    )  # fmt: skip
    assert "oneDNN" in everything.stderr and "InitializeLog" in everything.stderr


# -- The NaN guard on a resumed run -------------------------------------------------------------------


def test_nan_on_a_resumed_run_names_the_checkpoint_and_stays_out_of_samples_and_history(
    tmp_path, capsys, monkeypatch
):
    from keras_gan import datasets

    out = str(tmp_path / "run")
    assert run("--steps", "3", "--output", out) == 0
    grids = sorted(os.listdir(os.path.join(out, "samples")))
    real_load = datasets.load

    def poisoned(*args, **kwargs):
        result = real_load(*args, **kwargs)
        if isinstance(result, tuple):  # with_info=True, as datasets.info asks
            return (result[0].map(lambda images: images * np.nan), *result[1:])
        return result.map(lambda images: images * np.nan)

    monkeypatch.setattr(datasets, "load", poisoned)
    assert run("--steps", "6", "--output", out, "--resume") == 1
    err = capsys.readouterr().err
    assert "Training stopped at step 4" in err
    assert f"Last good checkpoint: {os.path.join(out, 'checkpoints', 'last.keras')} (step 3)" in err
    history = history_of(out)
    assert history["steps"]["step"] == [1, 2, 3]
    assert all(np.isfinite(v) for name, values in history["steps"].items() for v in values)
    assert all(np.isfinite(v) for name, values in history["epochs"].items() for v in values)
    assert sorted(os.listdir(os.path.join(out, "samples"))) == grids
