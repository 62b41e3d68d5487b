"""Callbacks: the NaN guard keeps the last good checkpoint; sample grids at fixed latents."""

import io
import os
import signal
import types

import numpy as np

from keras_gan import callbacks, checkpoints, plotting, testing
from keras_gan.models import DCGAN


def tiny_dcgan():
    model = DCGAN(latent_dim=8, image_shape=(16, 16, 1), base_filters=4, seed=0)
    model.compile()
    return model


def test_nan_guard_stops_at_the_bad_step_and_keeps_the_last_good_checkpoint(tmp_path):
    images = testing.random_images((16, 16, 1), 32)
    images[16:24] = np.nan  # the third batch of 8
    model = tiny_dcgan()
    path = str(tmp_path / "last.keras")
    guard = callbacks.NaNGuard()
    saver = callbacks.GANCheckpoint(path, every_steps=1)
    model.fit(
        images,
        batch_size=8,
        epochs=1,
        steps_per_epoch=4,
        shuffle=False,
        verbose=0,
        callbacks=[guard, saver],
    )
    step, name, value = guard.failure
    assert step == 3 and name == "d_loss" and np.isnan(value)
    assert "step 3" in guard.message and "'d_loss'" in guard.message
    assert saver.last_saved_step == 2
    restored = checkpoints.load(path)
    assert checkpoints.step_of(restored) == 2 and checkpoints.all_finite(restored)
    assert not checkpoints.all_finite(model)


def test_sample_grid_uses_the_same_latents_every_epoch_and_writes_a_gif(tmp_path):
    model = tiny_dcgan()
    grid = callbacks.SampleGrid(
        tmp_path, num_samples=9, seed=5, tensorboard_dir=str(tmp_path / "tb")
    )
    model.fit(
        testing.random_images((16, 16, 1), 16),
        batch_size=8,
        epochs=2,
        steps_per_epoch=1,
        verbose=0,
        callbacks=[grid],
    )
    latents = np.load(tmp_path / "fixed_inputs.npz")["latents"]
    assert latents.shape == (9, 8)
    np.testing.assert_allclose(grid.samples(), model.generate(latents=latents), atol=1e-6)
    from PIL import Image

    first = np.asarray(Image.open(tmp_path / "epoch_0002.png"))
    expected = plotting.image_grid(model.generate(latents=latents))
    np.testing.assert_array_equal(first[::2, ::2], expected)  # saved at scale 2
    gif = Image.open(tmp_path / "progress.gif")
    assert gif.n_frames == 2
    assert os.listdir(tmp_path / "tb")


def test_fixed_inputs_give_a_row_per_class_to_conditional_models():
    class Conditional:
        data_kind = "labelled"
        num_classes = 3

        def generate(self, latents=None, labels=None):
            return latents

        def sample_latent(self, n, seed=None):
            return np.zeros((n, 2), "float32")

    inputs = callbacks.fixed_inputs(Conditional(), num_samples=7, seed=0)
    np.testing.assert_array_equal(inputs["labels"], [0, 0, 1, 1, 2, 2])
    assert inputs["latents"].shape == (6, 2)


def test_image_grid_layout():
    images = np.stack([np.full((2, 2, 1), v, "float32") for v in (-1.0, 1.0, 0.0)])
    grid = plotting.image_grid(images, rows=1, padding=1)
    assert grid.shape == (4, 10)
    assert grid[1, 1] == 0 and grid[1, 4] == 255 and grid[1, 7] == 128


def test_an_interrupted_image_write_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    # A run killed while writing epoch_0004.png must not leave half a PNG for the resumed
    # run's GIF (SampleGrid.on_train_end reads every epoch_*.png back).
    import pytest
    from PIL import Image

    path = str(tmp_path / "epoch_0004.png")
    plotting.save_image(np.zeros((4, 4), "uint8"), path)

    def killed_mid_write(self, target, *args, **kwargs):
        with open(target, "wb") as file:
            file.write(b"\x89PNG\r\n")  # the first bytes, then the process dies
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", killed_mid_write)
    with pytest.raises(KeyboardInterrupt):
        plotting.save_image(np.full((4, 4), 255, "uint8"), path)
    monkeypatch.undo()
    assert np.asarray(Image.open(path)).max() == 0  # the previous image, whole
    # An exception removes the temporary file; a SIGKILL would leave it, hidden from the
    # `epoch_*.png` pattern the GIF is built from.
    assert sorted(os.listdir(tmp_path)) == ["epoch_0004.png"]
    plotting.gif_from_files([path], str(tmp_path / "progress.gif"))


def test_the_signal_handler_leaves_the_model_alone_until_the_step_ends():
    # The handler can run inside Keras' JAX train function, between taking the trainer's state
    # and donating it; reading `callback.model` there writes that state back into the variables
    # (on JAX), and the next read of a weight finds a deleted array (CI11, CI13, CI14).
    class Model:
        stop_training = False
        syncs = 0

        def jax_state_sync(self):
            self.syncs += 1

    model = Model()
    stop = callbacks.StopOnSignal()
    stop.set_model(model)
    with stop:  # the installed handler, sent a real signal
        os.kill(os.getpid(), signal.SIGTERM)
    assert stop.signal_name == "SIGTERM"
    assert model.syncs == 0 and not model.stop_training
    stop.on_train_batch_end(0)  # between steps: now the run stops
    assert model.stop_training
    model.stop_training = False
    stop.on_epoch_end(0)
    assert model.stop_training


def test_progress_and_tensorboard_report_a_state_log_as_its_latest_value(tmp_path, monkeypatch):
    # ProGAN's resolution is the step's stage, not a loss: a window of steps reports the last
    # one, where the losses report the mean of the window's own step values
    model = types.SimpleNamespace(state_log_names=("resolution",))
    monkeypatch.setattr(callbacks, "_step", lambda model: 0)
    monkeypatch.setattr(callbacks, "learning_rates", lambda model: {"d_optimizer": 0.5})
    written = []
    monkeypatch.setattr(callbacks.tensorboard, "summary_writer", lambda log_dir: object())
    monkeypatch.setattr(
        callbacks.tensorboard,
        "write_scalars",
        lambda writer, scalars, step: written.append((step, scalars)),
    )
    # step values d_loss 1, 3, 5 arrive as Keras' running means 1, 2, 3; resolution as is
    logs = [
        {"d_loss": 1.0, "resolution": 4.0},
        {"d_loss": 2.0, "resolution": 4.0},
        {"d_loss": 3.0, "resolution": 8.0},
    ]
    stream = io.StringIO()
    progress = callbacks.ProgressLog(total_steps=3, every=3, stream=stream)
    board = callbacks.TensorBoardScalars(tmp_path, every=3)
    for callback in (progress, board):
        callback.set_model(model)
        callback.on_train_begin()
        callback.on_epoch_begin(0)
        for batch, values in enumerate(logs):
            callback.on_train_batch_end(batch, values)
    line = stream.getvalue()
    assert "d_loss 3.0000" in line and "resolution 8.0000" in line, line
    assert written == [
        (3, {"loss/d_loss": 3.0, "training/resolution": 8.0, "learning_rate/d_optimizer": 0.5})
    ]
