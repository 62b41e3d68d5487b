"""Callbacks that make a GAN run watchable, stoppable and resumable.

They are ordinary `keras.callbacks.Callback`s, so they work with any `AdversarialModel.fit` on
every backend; `python -m keras_gan.train` uses all of them:

- `SampleGrid`: a grid of samples at fixed latent vectors (and fixed labels for conditional
  models) every epoch, as PNG and in TensorBoard, and an animated GIF of the grids at the end;
- `LossHistory`: every step's losses and every epoch's means as JSON, and the loss curves as PNG;
- `GANCheckpoint`: the whole GAN (networks, optimizers, step, random state) as one `.keras` file,
  written atomically, never with non-finite weights;
- `NaNGuard`: stops training at the first non-finite loss, naming the step and the loss.

Example:

```python
guard = keras_gan.callbacks.NaNGuard()
model.fit(dataset, epochs=5, callbacks=[
    guard,
    keras_gan.callbacks.GANCheckpoint("run/checkpoints/last.keras", every_steps=100),
    keras_gan.callbacks.SampleGrid("run/samples"),
    keras_gan.callbacks.LossHistory("run/history.json", plot_path="run/losses.png"),
])
if guard.failure:
    print(guard.message)
```
"""

import glob
import inspect
import json
import math
import os
import warnings

import keras
import numpy as np

from keras_gan import checkpoints, plotting


def _step(model):
    return checkpoints.step_of(model)


def _finite_logs(logs):
    for name, value in (logs or {}).items():
        value = float(np.asarray(keras.ops.convert_to_numpy(value)))
        if not math.isfinite(value):
            return name, value
    return None


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def write_json(data, path):
    """Writes `data` as JSON atomically (temporary file + `os.replace`)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    temporary = f"{path}.tmp"
    with open(temporary, "w") as file:
        json.dump(data, file, indent=2, default=_json_default)
    os.replace(temporary, path)
    return path


def fixed_inputs(model, num_samples=64, seed=0, batch=None):
    """The keyword arguments of `model.generate` for a fixed preview grid.

    Unconditional models get `latents`; models whose `generate` takes `labels` (conditional
    variants) also get `labels`, one row per class. A variant whose `generate` needs something
    else (a source image, a caption) defines `sample_inputs(num_samples, seed, batch)` returning
    its own keyword arguments, where `batch` is one batch of its training data.

    Args:
        model: an `AdversarialModel`.
        num_samples: int, grid size. For conditional models it is rounded down to a multiple of
            the number of classes (at least one sample per class).
        seed: int, seed of the latents (does not touch the model's training random stream).
        batch: optional batch of training data, for variants that condition on data.

    Returns:
        dict of numpy arrays, e.g. `{"latents": (n, latent_dim), "labels": (n,)}`.
    """
    hook = getattr(model, "sample_inputs", None)
    if hook is not None:
        return {k: np.asarray(v) for k, v in hook(num_samples, seed=seed, batch=batch).items()}
    kind = getattr(model, "data_kind", "images")
    parameters = inspect.signature(model.generate).parameters
    num_classes = getattr(model, "num_classes", None)
    inputs = {}
    if "labels" in parameters and num_classes:
        per_class = max(1, num_samples // num_classes)
        num_samples = per_class * num_classes
        inputs["labels"] = np.repeat(np.arange(num_classes, dtype="int32"), per_class)
    elif kind not in ("images", "labelled"):
        raise NotImplementedError(
            f"{type(model).__name__} (data_kind={kind!r}) generates from more than latent "
            "vectors; define `sample_inputs(num_samples, seed, batch)` on it to get sample grids."
        )
    latents = keras.ops.convert_to_numpy(model.sample_latent(num_samples, seed=seed))
    inputs["latents"] = np.asarray(latents, dtype="float32")
    return inputs


class SampleGrid(keras.callbacks.Callback):
    """Saves a grid of samples at fixed inputs every `every` epochs, and a GIF at the end.

    The fixed inputs (latents, labels) are drawn once and stored in `fixed_inputs.npz` in the
    folder; a resumed run reuses them, so every grid of a run shows the same latent vectors.

    Args:
        directory: folder for `epoch_0001.png`, ..., `fixed_inputs.npz` and `progress.gif`.
        num_samples: int, samples per grid. Defaults to 64.
        seed: int, seed of the fixed latents. Defaults to 0.
        every: int, epochs between grids. Defaults to 1.
        tensorboard_dir: optional folder where the grids are also written as TensorBoard
            images (`tf.summary.image`, tag `samples`), at the model's step.
        batch: optional batch of training data, for variants that sample from data (see
            `fixed_inputs`).
        scale: int, pixel enlargement of the saved PNGs. Defaults to 2.
    """

    def __init__(self, directory, num_samples=64, seed=0, every=1, tensorboard_dir=None,
                 batch=None, scale=2):
        super().__init__()
        self.directory = os.fspath(directory)
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.every = int(every)
        self.tensorboard_dir = tensorboard_dir
        self.batch = batch
        self.scale = int(scale)
        self.inputs = None
        self._writer = None
        self._disabled = False

    def on_train_begin(self, logs=None):
        if self.inputs is not None or self._disabled:
            return
        path = os.path.join(self.directory, "fixed_inputs.npz")
        if os.path.exists(path):
            with np.load(path) as stored:
                self.inputs = {k: stored[k] for k in stored.files}
            return
        try:
            self.inputs = fixed_inputs(self.model, self.num_samples, self.seed, self.batch)
        except NotImplementedError as error:
            warnings.warn(f"No sample grids: {error}", stacklevel=2)
            self._disabled = True
            return
        os.makedirs(self.directory, exist_ok=True)
        np.savez(path, **self.inputs)

    def samples(self):
        """The model's samples at the fixed inputs, numpy."""
        return self.model.generate(**self.inputs)

    def on_epoch_end(self, epoch, logs=None):
        if self._disabled or (epoch + 1) % self.every:
            return
        checkpoints._sync(self.model)
        samples = self.samples()
        path = os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png")
        if samples.ndim == 2:  # 2-D points of the toy sets
            plotting.scatter_points(samples, path, title=f"epoch {epoch + 1}")
            return
        rows = None
        if "labels" in self.inputs:
            rows = len(np.unique(self.inputs["labels"]))
        grid = plotting.image_grid(samples, rows=rows)
        plotting.save_image(grid, path, scale=self.scale)
        if self.tensorboard_dir:
            self._write_tensorboard(grid)

    def _write_tensorboard(self, grid):
        import tensorflow as tf

        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.tensorboard_dir)
        image = grid[..., None] if grid.ndim == 2 else grid
        with self._writer.as_default():
            tf.summary.image("samples", image[None], step=_step(self.model))
        self._writer.flush()

    def on_train_end(self, logs=None):
        frames = sorted(glob.glob(os.path.join(self.directory, "epoch_*.png")))
        if frames:
            plotting.gif_from_files(frames, os.path.join(self.directory, "progress.gif"))


class LossHistory(keras.callbacks.Callback):
    """Records every step's losses and every epoch's means; writes JSON and a loss plot.

    Keras reports each log as a running mean over the epoch; this callback recovers each
    step's own value from consecutive means (`x_t = t m_t - (t - 1) m_{t-1}`).

    The JSON file holds `{"steps": {"step": [...], "<log>": [...]}, "epochs": {"epoch": [...],
    "step": [...], "<log>": [...]}}`. It is rewritten at every epoch end and at the end.

    Args:
        path: the JSON file.
        plot_path: optional PNG of the per-step loss curves, redrawn with the JSON.
        history: optional dict in the format above to continue (a resumed run); records after
            `resume_step` are dropped.
        resume_step: int, step of the checkpoint the run resumed from.
    """

    def __init__(self, path, plot_path=None, history=None, resume_step=None):
        super().__init__()
        self.path = os.fspath(path)
        self.plot_path = plot_path
        self.history = {"steps": {"step": []}, "epochs": {"epoch": [], "step": []}}
        if history:
            self.history = _truncate(history, resume_step)
        self._count = 0
        self._previous = {}
        self._step = 0

    def on_train_begin(self, logs=None):
        self._step = _step(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        self._count, self._previous = 0, {}

    def on_train_batch_end(self, batch, logs=None):
        self._count += 1
        self._step += 1
        record = self.history["steps"]
        record["step"].append(self._step)
        for name, value in (logs or {}).items():
            mean = float(np.asarray(keras.ops.convert_to_numpy(value)))
            value = self._count * mean - (self._count - 1) * self._previous.get(name, 0.0)
            self._previous[name] = mean
            record.setdefault(name, []).append(value)

    def on_epoch_end(self, epoch, logs=None):
        record = self.history["epochs"]
        record["epoch"].append(epoch + 1)
        record["step"].append(self._step)
        for name, value in (logs or {}).items():
            record.setdefault(name, []).append(float(np.asarray(keras.ops.convert_to_numpy(value))))
        self.write()

    def on_train_end(self, logs=None):
        self.write()

    def write(self, plot=True):
        """Writes the JSON file, and the loss plot when `plot`."""
        write_json(self.history, self.path)
        steps = self.history["steps"]
        losses = {k: v for k, v in steps.items() if k != "step"}
        if plot and self.plot_path and steps["step"] and losses:
            plotting.plot_losses(steps["step"], losses, self.plot_path)


def _truncate(history, step):
    history = json.loads(json.dumps(history))
    if step is None:
        return history
    for part in ("steps", "epochs"):
        record = history.setdefault(part, {"step": []})
        keep = [i for i, s in enumerate(record.get("step", [])) if s <= step]
        for name in record:
            record[name] = [record[name][i] for i in keep if i < len(record[name])]
    history["epochs"].setdefault("epoch", [])
    return history


class GANCheckpoint(keras.callbacks.Callback):
    """Saves the whole GAN to one `.keras` file at every epoch end and every `every_steps`.

    The save is atomic (`keras_gan.checkpoints.save`), and a model with a non-finite loss or
    weight is never saved, so the file always holds the last good state.

    Args:
        path: the `.keras` file, overwritten by each save.
        every_steps: optional int, also save every this many steps.
        on_save: optional callable `(step)` run after each save (the CLI writes the history).
    """

    def __init__(self, path, every_steps=None, on_save=None):
        super().__init__()
        self.path = os.fspath(path)
        self.every_steps = every_steps
        self.on_save = on_save
        self.last_saved_step = None
        self._step = 0
        self._bad = False

    def on_train_begin(self, logs=None):
        self._step = _step(self.model)

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if _finite_logs(logs) is not None:
            self._bad = True
        if self.every_steps and self._step % self.every_steps == 0:
            self.save(logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.last_saved_step != self._step:
            self.save(logs)

    def save(self, logs=None):
        """Saves now, unless a loss or a weight is not finite. Returns whether it saved."""
        if self._bad or _finite_logs(logs) is not None or not checkpoints.all_finite(self.model):
            self._bad = True
            return False
        checkpoints.save(self.model, self.path)
        self.last_saved_step = self._step
        if self.on_save is not None:
            self.on_save(self._step)
        return True


class NaNGuard(keras.callbacks.Callback):
    """Stops training at the first step whose loss is not finite.

    Unlike `keras.callbacks.TerminateOnNaN`, it names the step and the loss, and leaves the
    reporting to the caller: after `fit`, `failure` is `(step, log_name, value)` or None and
    `message` a sentence for the user. Put it before `GANCheckpoint` in the callback list.
    """

    def __init__(self):
        super().__init__()
        self.failure = None
        self._step = 0

    @property
    def message(self):
        if self.failure is None:
            return None
        step, name, value = self.failure
        return (
            f"Training stopped at step {step}: the loss '{name}' is {value}. The weights after "
            "this step were not saved; the last checkpoint holds the last good state."
        )

    def on_train_begin(self, logs=None):
        self._step = _step(self.model)

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        bad = _finite_logs(logs)
        if bad is not None and self.failure is None:
            self.failure = (self._step, *bad)
            self.model.stop_training = True
