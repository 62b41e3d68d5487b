"""Runs saved by earlier code still load to the same model and still resume.

`tests/fixtures/checkpoints/VARIANT/` is a 2-step command-line run of every variant, written by
`scripts/make_legacy_checkpoints.py` with the code of 2026-12-01 (before the configuration and
base-class refactor of issue 21), with the generator's outputs at the run's fixed inputs. Never
regenerate them to make this test pass: a user's `.keras` files are not regenerated either.
"""

import importlib.util
import json
import os
import shutil

import keras
import numpy as np
import pytest

from keras_gan import checkpoints, registry, train

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "checkpoints")
NAMES = sorted(os.listdir(FIXTURES))

# `generate` draws from the backend's random stream: LAPGAN's noise planes, pix2pix's
# test-time dropout. On another backend the same seed gives other numbers.
RANDOM_ACROSS_BACKENDS = ("lapgan", "pix2pix")

_spec = importlib.util.spec_from_file_location(
    "make_legacy_checkpoints",
    os.path.join(os.path.dirname(__file__), "..", "scripts", "make_legacy_checkpoints.py"),
)
make_legacy_checkpoints = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_legacy_checkpoints)


def test_every_variant_of_that_day_has_a_saved_run():
    assert NAMES == [
        "acgan", "cgan", "cyclegan", "dcgan", "gan", "gan_int_cls", "infogan", "lapgan", "lsgan",
        "pix2pix", "sngan", "srgan", "wgan", "wgan_gp",
    ]  # fmt: skip
    assert set(NAMES) <= set(registry.available())


@pytest.mark.parametrize("name", NAMES)
def test_an_old_checkpoint_loads_to_the_same_generator(name):
    run = os.path.join(FIXTURES, name)
    model = checkpoints.load(os.path.join(run, "checkpoints", "last.keras"), variant=name)
    assert type(model) is registry.get(name).model_class
    assert checkpoints.step_of(model) == 2
    with np.load(os.path.join(run, "samples", "fixed_inputs.npz")) as stored:
        inputs = {k: stored[k] for k in stored.files}
    with np.load(os.path.join(run, "expected.npz")) as stored:
        expected = {k: stored[k] for k in stored.files}
    # Every weight came back, by path, with its saved value.
    weights = {v.path: keras.ops.convert_to_numpy(v) for v in model.weights}
    assert sorted(weights) == sorted(k for k in expected if k != "outputs")
    for path, value in weights.items():
        np.testing.assert_array_equal(value, expected[path], err_msg=path)
    outputs = np.asarray(model.generate(**inputs, **make_legacy_checkpoints.fixed_seed(model)))
    assert outputs.shape == expected["outputs"].shape
    if name in RANDOM_ACROSS_BACKENDS and keras.backend.backend() != "tensorflow":
        return  # same weights, other random numbers
    # Written on TensorFlow; the other backends' kernels round differently.
    np.testing.assert_allclose(outputs, expected["outputs"], atol=1e-4, rtol=0)
    # Its optimizers came back with it: every one has taken its steps.
    for optimizer_name in model.optimizer_targets:
        optimizer = getattr(model, optimizer_name)
        assert int(keras.ops.convert_to_numpy(optimizer.iterations)) >= 2, optimizer_name


@pytest.mark.slow
@pytest.mark.spread_over_backends(
    reason="a run folder is the same on every backend: each old run is resumed once"
)
@pytest.mark.parametrize("name", NAMES)
def test_an_old_run_resumes_from_the_command_line(name, tmp_path, monkeypatch):
    # The runs were made on data every machine has (MNIST-derived sets fall back to digits).
    monkeypatch.delenv("KERAS_GAN_DATA_DIR", raising=False)
    run = tmp_path / name
    shutil.copytree(os.path.join(FIXTURES, name), run)
    status = train.main([name, "--output", str(run), "--resume", "--steps", "3", "--verbose", "0"])
    assert status == 0
    model = checkpoints.load(checkpoints.latest(run), variant=name)
    assert checkpoints.step_of(model) == 3
    with open(run / "history.json") as file:
        assert json.load(file)["steps"]["step"] == [1, 2, 3]
