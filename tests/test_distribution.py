"""`Run(devices=N)` / `--devices N`: data-parallel training, equal to one device's.

On JAX the runs use CPU devices made with `XLA_FLAGS=--xla_force_host_platform_device_count`,
which must be set before JAX starts: they run in a subprocess. TensorFlow and PyTorch train on
one device, and refuse more with the reason (tested on those backends).
"""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan.run import ConfigError
from tests.test_train import TINY, history_of, weights

ON_JAX = keras.backend.backend() == "jax"
SMALL = dict(
    dataset="digits", image_size=16, batch_size=8, base_filters=4, latent_dim=8, steps_per_epoch=3
)

# Runs in a subprocess with 4 CPU devices; prints one JSON line of what the parent checks.
RUNS = textwrap.dedent(
    """
    import json, sys
    import keras_gan
    small, out = json.loads(sys.argv[1]), sys.argv[2]

    def train(name, steps, variant="dcgan", resume=False, **settings):
        folder = f"{out}/{name}"
        if resume:
            run = keras_gan.Run.resume(folder, **settings)
        else:
            run = keras_gan.Run(variant, output=folder, **small, **settings)
        run.train(steps=steps, verbose=0)
        return run

    layouts = {}
    for devices in (1, 2, 4):
        run = train(f"dcgan_{devices}", 4, devices=devices)
        model = run.model
        variables = model.weights + model.optimizer.variables
        layouts[devices] = sorted({len(v.value.sharding.device_set) for v in variables})
    for devices in (1, 2):  # 5 critic steps of 8 a step, and a gradient penalty
        train(f"wgan_gp_{devices}", 2, variant="wgan_gp", devices=devices)
    train("two_then_one", 2, devices=2)
    train("two_then_one", 4, resume=True, devices=1)
    train("one_then_four", 2, devices=1)
    train("one_then_four", 4, resume=True, devices=4)
    print("LAYOUTS " + json.dumps(layouts))
    """
)


def _assert_same(a, b, atol=1e-5):
    for x, y in zip(weights(f"{a}/checkpoints/last.keras"), weights(f"{b}/checkpoints/last.keras")):
        np.testing.assert_allclose(y, x, atol=atol)
    for name in ("d_loss", "g_loss"):
        np.testing.assert_allclose(
            history_of(b)["steps"][name], history_of(a)["steps"][name], atol=atol
        )


@pytest.mark.skipif(not ON_JAX, reason="data parallelism is JAX's (refusals tested below)")
def test_two_and_four_devices_train_as_one_device_and_checkpoints_move_between_them(tmp_path):
    env = dict(
        os.environ, KERAS_BACKEND="jax", XLA_FLAGS="--xla_force_host_platform_device_count=4"
    )
    result = subprocess.run(
        [sys.executable, "-c", RUNS, json.dumps(SMALL), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    layouts = json.loads(result.stdout.split("LAYOUTS ")[1].splitlines()[0])
    # every weight and optimizer variable replicated on all the run's devices
    assert layouts == {"1": [1], "2": [2], "4": [4]}
    one = tmp_path / "dcgan_1"
    for devices in (2, 4):  # the global batch's BatchNorm moments, the same random draws
        _assert_same(one, tmp_path / f"dcgan_{devices}")
    _assert_same(tmp_path / "wgan_gp_1", tmp_path / "wgan_gp_2")
    _assert_same(one, tmp_path / "two_then_one")
    _assert_same(one, tmp_path / "one_then_four")
    records = [json.load(open(tmp_path / name / "config.json")) for name in ("dcgan_4", "dcgan_1")]
    assert records[0]["devices"] == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]
    assert records[1]["devices"] == ["cpu:0"]


@pytest.mark.skipif(not ON_JAX, reason="JAX's device count")
def test_more_devices_than_there_are_is_refused_with_how_to_get_them(tmp_path):
    run = keras_gan.Run("dcgan", output=str(tmp_path / "run"), devices=64, **SMALL)
    with pytest.raises(ConfigError, match="devices=64 asks for more devices than JAX sees: 1 "):
        run.train(steps=1, verbose=0)
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.skipif(not ON_JAX, reason="JAX only")
def test_a_batch_the_devices_cannot_split_is_refused_naming_both(tmp_path):
    script = textwrap.dedent(
        """
        import sys, keras_gan
        from keras_gan.run import ConfigError
        try:
            keras_gan.Run("dcgan", output=sys.argv[1], devices=4, dataset="digits",
                          batch_size=30).train(steps=1, verbose=0)
        except ConfigError as error:
            print(error)
        """
    )
    env = dict(
        os.environ, KERAS_BACKEND="jax", XLA_FLAGS="--xla_force_host_platform_device_count=4"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "run")], env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert (
        "batch_size=30 does not split evenly over 4 devices: a step reads 30 examples. Use a "
        "batch size that is a multiple of 4 (e.g. 28 or 32)."
    ) in result.stdout, result.stderr[-2000:]
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.skipif(ON_JAX, reason="JAX trains on several devices")
def test_tensorflow_and_torch_refuse_several_devices_saying_why(tmp_path):
    run = keras_gan.Run("dcgan", output=str(tmp_path / "run"), devices=2, **SMALL)
    why = "keras-team/keras#20164" if keras.backend.backend() == "tensorflow" else "PyTorch"
    with pytest.raises(ConfigError, match=f"devices=2: .*{why}.*KERAS_BACKEND=jax"):
        run.train(steps=1, verbose=0)
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.parametrize("bad", [0, -2, 1.5, "two", True])
def test_a_bad_device_count_is_refused_by_name(bad):
    with pytest.raises(ConfigError, match="devices"):
        keras_gan.Run("dcgan", devices=bad, **SMALL)


def test_one_device_and_all_train_on_every_backend(tmp_path):
    for devices in (1, "all"):
        out = str(tmp_path / str(devices))
        result = keras_gan.Run("dcgan", output=out, devices=devices, **SMALL).train(
            steps=1, verbose=0
        )
        assert result.status == 0
        assert len(json.load(open(os.path.join(out, "config.json")))["devices"]) == 1


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _train_as_processes(count, argv, timeout=300):
    """`python -m keras_gan.train dcgan ARGV` launched as `count` processes on this machine."""
    port = _free_port()
    launched = []
    for index in range(count):
        env = dict(os.environ, KERAS_BACKEND="jax")
        env.pop("XLA_FLAGS", None)
        if count > 1:
            env.update(
                KERAS_DISTRIBUTION_NUM_PROCESSES=str(count),
                KERAS_DISTRIBUTION_PROCESS_ID=str(index),
                KERAS_DISTRIBUTION_JOB_ADDRESSES=f"localhost:{port}",
            )
        launched.append(
            subprocess.Popen(
                [sys.executable, "-m", "keras_gan.train", "dcgan", *TINY, *argv],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
        )
    outputs = [process.communicate(timeout=timeout)[0] for process in launched]
    for process, output in zip(launched, outputs):
        assert process.returncode == 0, output[-3000:]
    return outputs


@pytest.mark.skipif(not ON_JAX, reason="a run of several processes is JAX's")
def test_two_processes_train_as_one_and_a_run_moves_between_process_counts(tmp_path):
    straight, two, grown = (str(tmp_path / name) for name in ("straight", "two", "grown"))
    _train_as_processes(1, ["--steps", "4", "--output", straight])
    outputs = _train_as_processes(2, ["--steps", "4", "--output", two])
    assert "process 1 of 2; process 0 writes" in outputs[1]
    assert "data parallel on 2 devices" in outputs[0]
    # process 0 writes the run's folder, process 1 its own copy; both are the one-process run
    _assert_same(straight, two)
    _assert_same(straight, two + ".process1")
    assert json.load(open(os.path.join(two, "config.json")))["processes"] == 2
    # one process for 2 steps, then resumed as two (process 1 starts from process 0's folder)
    _train_as_processes(1, ["--steps", "2", "--output", grown])
    _train_as_processes(2, ["--steps", "4", "--output", grown, "--resume"])
    _assert_same(straight, grown)
    # and back: a run of two processes resumed as one
    _train_as_processes(1, ["--steps", "6", "--output", two, "--resume"])
    _train_as_processes(1, ["--steps", "6", "--output", straight, "--resume"])
    _assert_same(straight, two)


def test_a_run_of_several_processes_needs_all_of_keras_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "2")
    monkeypatch.delenv("KERAS_DISTRIBUTION_PROCESS_ID", raising=False)
    monkeypatch.delenv("KERAS_DISTRIBUTION_JOB_ADDRESSES", raising=False)
    run = keras_gan.Run("dcgan", output=str(tmp_path / "run"), **SMALL)
    with pytest.raises(ConfigError, match="each also needs KERAS_DISTRIBUTION_PROCESS_ID and "):
        run.train(steps=1, verbose=0)
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "many")
    with pytest.raises(ConfigError, match="must be a positive int. Received: .*'many'"):
        run.train(steps=1, verbose=0)
    assert not os.path.exists(tmp_path / "run")


@pytest.mark.skipif(ON_JAX, reason="JAX runs several processes")
def test_tensorflow_and_torch_refuse_a_run_of_several_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "2")
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "0")
    monkeypatch.setenv("KERAS_DISTRIBUTION_JOB_ADDRESSES", "localhost:1234")
    run = keras_gan.Run("dcgan", output=str(tmp_path / "run"), **SMALL)
    with pytest.raises(ConfigError, match="several processes is JAX's.*KERAS_BACKEND=jax"):
        run.train(steps=1, verbose=0)
