"""Whole-GAN checkpoints: what they hold, atomic saves, clear errors, cross-backend loading."""

import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import checkpoints, testing
from keras_gan.models import DCGAN, GAN


def tiny_dcgan(seed=0):
    model = DCGAN(latent_dim=8, image_shape=(16, 16, 1), base_filters=4, seed=seed)
    model.compile()
    return model


def trained_dcgan(steps=2):
    model = tiny_dcgan()
    model.fit(
        testing.random_images((16, 16, 1), 16),
        batch_size=8,
        epochs=1,
        steps_per_epoch=steps,
        verbose=0,
    )
    return model


def test_checkpoint_holds_networks_optimizers_step_and_random_state(tmp_path):
    model = trained_dcgan()
    path = checkpoints.save(model, tmp_path / "last.keras")
    restored = checkpoints.load(path, variant="dcgan")
    latents = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    np.testing.assert_allclose(
        restored.generate(latents=latents), model.generate(latents=latents), atol=1e-6
    )
    for name in model.optimizer_targets:
        assert int(getattr(restored, name).iterations.numpy()) == 2
        for a, b in zip(
            testing.snapshot(getattr(model, name).variables),
            testing.snapshot(getattr(restored, name).variables),
        ):
            np.testing.assert_array_equal(a, b)
    assert checkpoints.step_of(restored) == 2
    # The training random stream: its state moved during fit and comes back exactly.
    initial = keras.random.SeedGenerator(0).state.numpy()
    saved = testing.snapshot(model._seed_states())
    assert not np.array_equal(saved[0], initial)
    for a, b in zip(saved, testing.snapshot(restored._seed_states())):
        np.testing.assert_array_equal(a, b)


def test_dropout_seed_states_are_saved(tmp_path):
    model = GAN(latent_dim=4, sample_shape=(8, 8, 1), seed=3)
    model.compile()
    model.fit(
        testing.random_images((8, 8, 1), 8), batch_size=8, epochs=1, steps_per_epoch=1, verbose=0
    )
    states = model._seed_states()
    assert len(states) > 1  # the model's own stream and the discriminator's dropout layers
    restored = checkpoints.load(checkpoints.save(model, tmp_path / "gan.keras"))
    for a, b in zip(testing.snapshot(states), testing.snapshot(restored._seed_states())):
        np.testing.assert_array_equal(a, b)


def test_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    model = trained_dcgan(1)
    path = str(tmp_path / "last.keras")
    checkpoints.save(model, path)
    before = open(path, "rb").read()

    def broken_save(filepath, **kwargs):
        with open(filepath, "wb") as file:
            file.write(b"PK\x03\x04 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(model, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        checkpoints.save(model, path)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["last.keras"]  # no temporary left behind


def test_save_refuses_other_extensions(tmp_path):
    with pytest.raises(ValueError, match="must end in '.keras'"):
        checkpoints.save(tiny_dcgan(), tmp_path / "model.h5")


def test_bad_checkpoints_raise_clear_errors(tmp_path):
    model = trained_dcgan(1)
    good = checkpoints.save(model, tmp_path / "good.keras")
    with pytest.raises(checkpoints.CheckpointError, match="does not exist"):
        checkpoints.load(tmp_path / "missing.keras")
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(open(good, "rb").read()[: os.path.getsize(good) // 2])
    with pytest.raises(checkpoints.CheckpointError, match="truncated or corrupt"):
        checkpoints.load(truncated)
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"not a zip file at all")
    with pytest.raises(checkpoints.CheckpointError, match="truncated or corrupt"):
        checkpoints.load(garbage)
    with pytest.raises(checkpoints.CheckpointError, match="holds a 'dcgan' model .* not 'gan'"):
        checkpoints.load(good, variant="gan")
    assert checkpoints.latest(tmp_path) is None


# -- Cross-backend portability: runs once (in the jax pass), one subprocess per backend --------

BACKENDS = ("jax", "tensorflow", "torch")

_WRITE = textwrap.dedent(
    """
    import sys, numpy as np
    from keras_gan import checkpoints, testing
    from keras_gan.models import DCGAN
    out = sys.argv[1]
    model = DCGAN(latent_dim=8, image_shape=(16, 16, 1), base_filters=4, seed=0)
    model.compile()
    model.fit(testing.random_images((16, 16, 1), 16), batch_size=8, epochs=1, steps_per_epoch=2, verbose=0)
    checkpoints.save(model, out + ".keras")
    latents = np.random.default_rng(1).uniform(-1, 1, (6, 8)).astype("float32")
    np.save(out + ".npy", model.generate(latents=latents))
    """
)
_READ = textwrap.dedent(
    """
    import json, sys, numpy as np
    from keras_gan import checkpoints
    latents = np.random.default_rng(1).uniform(-1, 1, (6, 8)).astype("float32")
    errors = {}
    for path in sys.argv[2:]:
        model = checkpoints.load(path + ".keras", variant="dcgan")
        errors[path] = [float(np.abs(model.generate(latents=latents) - np.load(path + ".npy")).max()),
                        checkpoints.step_of(model)]
    json.dump(errors, open(sys.argv[1], "w"))
    """
)


def _python(code, backend, *args):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{backend}: {result.stderr[-3000:]}"


@pytest.mark.one_backend("jax", reason="runs every backend pairing once, in subprocesses")
def test_checkpoints_load_on_every_backend_with_the_same_images(tmp_path):
    written = {b: str(tmp_path / f"written_on_{b}") for b in BACKENDS}
    for backend, prefix in written.items():
        _python(_WRITE, backend, prefix)
    for reader in BACKENDS:
        report = str(tmp_path / f"read_on_{reader}.json")
        _python(_READ, reader, report, *written.values())
        for prefix, (error, step) in json.load(open(report)).items():
            assert error < 1e-4, f"{prefix} read on {reader}: max difference {error}"
            assert step == 2
    assert keras_gan.__version__


def test_a_lab_model_loads_in_a_process_that_never_imported_the_lab(tmp_path):
    # The mode-collapse lab's packed discriminator uses its own layer (Pack); a fresh process
    # loading the checkpoint (python -m keras_gan.evaluate ring_gan.keras) must know it.
    path = str(tmp_path / "ring_gan.keras")
    save = textwrap.dedent(
        """
        import sys
        from keras_gan.datasets import RING
        from keras_gan.lab import build_toy_gan
        model = build_toy_gan(packing=2, generator_units=8, discriminator_units=4)
        model.train_on_batch(RING.sample(16, seed=0)[0])
        model.save(sys.argv[1])
        """
    )
    load = textwrap.dedent(
        """
        import sys
        from keras_gan import checkpoints
        model = checkpoints.load(sys.argv[1])
        assert "keras_gan.lab" in sys.modules
        print(type(model).__name__, checkpoints.step_of(model))
        """
    )
    for code in (save, load):
        done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["GAN", "1"]
