"""Callbacks that make a GAN run watchable, stoppable and resumable.

They are ordinary `keras.callbacks.Callback`s, so they work with any `AdversarialModel.fit` on
every backend; `python -m keras_gan.train` uses all of them:

- `SampleGrid`: a grid of samples at fixed latent vectors (and fixed labels for conditional
  models) every epoch, as PNG and in TensorBoard, and an animated GIF of the grids at the end;
- `LossHistory`: every step's losses and every epoch's means as JSON, and the loss curves as PNG;
- `GANCheckpoint`: the whole GAN (networks, optimizers, step, random state) as one `.keras` file,
  written atomically, never with non-finite weights;
- `NaNGuard`: stops training at the first non-finite loss, naming the step and the loss;
- `StopOnSignal`: turns Ctrl-C (SIGINT) and SIGTERM into a clean stop after the current step;
- `ProgressLog`: one line every N steps with the overall step, the losses, the speed and the ETA;
- `TensorBoardScalars`: every N steps, the losses and each optimizer's learning rate, at the
  global step.

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
import json
import math
import os
import signal
import sys
import tempfile
import time
import warnings

import keras
import numpy as np

from keras_gan import backend, checkpoints, plotting
from keras_gan.backend import tensorboard


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


_UMASK = os.umask(0)
os.umask(_UMASK)


def write_json(data, path):
    """Writes `data` as JSON atomically (a temporary file of its own + `os.replace`).

    A failed write (a full disk, an interrupt) leaves the previous file and no temporary file.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=folder)
    try:
        os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp's 0600, widened to a plain file's mode
        with os.fdopen(handle, "w") as file:
            json.dump(data, file, indent=2, default=_json_default)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


class _StepValues:
    """Each step's own log values, recovered from Keras' running means over the epoch.

    Keras reports each log as a running mean since the epoch (or the `fit` call) began; the
    value of step t is `x_t = t m_t - (t - 1) m_{t-1}`. A model's `state_log_names` (ProGAN's
    resolution and alpha) are reported as they are: each is already the step's value.
    """

    def __init__(self):
        self.reset()

    def reset(self):
        self._count, self._previous = 0, {}

    def __call__(self, logs, model=None):
        self._count += 1
        values = {}
        state = getattr(model, "state_log_names", ())
        for name, value in (logs or {}).items():
            mean = float(np.asarray(keras.ops.convert_to_numpy(value)))
            if name in state:
                values[name] = mean
                continue
            values[name] = self._count * mean - (self._count - 1) * self._previous.get(name, 0.0)
            self._previous[name] = mean
        return values


def fixed_inputs(model, num_samples=64, seed=0, batch=None):
    """The keyword arguments of `model.generate` for a fixed preview grid.

    Unconditional models get `latents`; models of `data_kind` `"labelled"` (conditional
    variants, whose `generate` takes `labels`) also get `labels`, one row per class. A variant whose `generate` needs something
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
    num_classes = getattr(model, "num_classes", None)
    inputs = {}
    if kind == "labelled" and num_classes:
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

    def __init__(
        self, directory, num_samples=64, seed=0, every=1, tensorboard_dir=None, batch=None, scale=2
    ):
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
        if _finite_logs(logs) is not None:
            return  # a diverged epoch: no grid of NaN samples in the folder, the GIF or TensorBoard
        backend.sync_state(self.model)
        samples = self.samples()
        if not np.all(np.isfinite(samples)):
            warnings.warn(
                f"No sample grid for epoch {epoch + 1}: the generator's outputs are not finite.",
                stacklevel=2,
            )
            return
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
        if self._writer is None:
            self._writer = tensorboard.summary_writer(self.tensorboard_dir) or False
        if self._writer:
            tensorboard.write_image(self._writer, "samples", grid, step=_step(self.model))

    def on_train_end(self, logs=None):
        frames = sorted(glob.glob(os.path.join(self.directory, "epoch_*.png")))
        if frames:
            plotting.gif_from_files(frames, os.path.join(self.directory, "progress.gif"))


class LossHistory(keras.callbacks.Callback):
    """Records every step's losses and every epoch's means; writes JSON and a loss plot.

    Keras reports each log as a running mean over the epoch; this callback recovers each
    step's own value from consecutive means (`x_t = t m_t - (t - 1) m_{t-1}`). A model's
    `state_log_names` are recorded as reported, and an epoch's record of them is their value at
    its end. A step whose losses are not finite is not recorded (`NaNGuard` stops the run
    there), so the history and its plot hold only the good steps.

    The JSON file holds `{"steps": {"step": [...], "<log>": [...]}, "epochs": {"epoch": [...],
    "step": [...], "<log>": [...]}}`. It is rewritten at every epoch end and at the end.

    Args:
        path: the JSON file.
        plot_path: optional PNG of the per-step loss curves, redrawn with the JSON.
        history: optional dict in the format above to continue (a resumed run); records after
            `resume_step` are dropped, and so is the record of an epoch that `resume_step`
            left unfinished.
        resume_step: int, step of the checkpoint the run resumed from.
        steps_per_epoch: optional int. When given, an epoch's means are computed from the
            recorded steps of that epoch, so they are the same whether the epoch ran in one
            `fit` call or was stopped and resumed in the middle; otherwise they are Keras'
            epoch logs.
    """

    def __init__(self, path, plot_path=None, history=None, resume_step=None, steps_per_epoch=None):
        super().__init__()
        self.path = os.fspath(path)
        self.plot_path = plot_path
        self.steps_per_epoch = steps_per_epoch
        self.history = {"steps": {"step": []}, "epochs": {"epoch": [], "step": []}}
        if history:
            self.history = _truncate(history, resume_step, steps_per_epoch)
        self._values = _StepValues()
        self._step = 0
        self._stopped = False

    def on_train_begin(self, logs=None):
        self._step = _step(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        self._values.reset()

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        values = self._values(logs, self.model)
        if self._stopped or not all(math.isfinite(v) for v in values.values()):
            self._stopped = True
            return
        record = self.history["steps"]
        record["step"].append(self._step)
        for name, value in values.items():
            record.setdefault(name, []).append(value)

    def on_epoch_end(self, epoch, logs=None):
        if self._stopped:
            self.write()
            return
        record = self.history["epochs"]
        if self.steps_per_epoch:
            steps = self.history["steps"]
            first = epoch * self.steps_per_epoch
            keep = [i for i, s in enumerate(steps["step"]) if first < s <= self._step]
            state = getattr(self.model, "state_log_names", ())
            means = {
                # the training state (ProGAN's resolution, alpha) at the epoch's end
                name: float(values[keep[-1]] if name in state else np.mean([values[i] for i in keep]))
                for name, values in steps.items() if name != "step" and keep
            }  # fmt: skip
        else:
            means = {
                name: float(np.asarray(keras.ops.convert_to_numpy(value)))
                for name, value in (logs or {}).items()
            }
        if record["step"] and record["step"][-1] == self._step:
            return  # this epoch's record is already there
        record["epoch"].append(epoch + 1)
        record["step"].append(self._step)
        for name, value in means.items():
            record.setdefault(name, []).append(value)
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


def _truncate(history, step, steps_per_epoch=None):
    history = json.loads(json.dumps(history))
    if step is None:
        return history
    for part in ("steps", "epochs"):
        record = history.setdefault(part, {"step": []})
        steps = record.get("step", [])
        keep = [i for i, s in enumerate(steps) if s <= step]
        if part == "epochs" and steps_per_epoch:
            # An epoch the checkpoint left unfinished is recorded again when it ends.
            keep = [i for i in keep if steps[i] % steps_per_epoch == 0]
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
        run_info: optional dict stored in each checkpoint (`keras_gan.checkpoints.save`); the
            CLI stores the run's variant and config there.
        last_saved_step: optional int, the step of a checkpoint already at `path` (a resumed
            run), reported by `last_saved_step` until this callback saves.
    """

    def __init__(self, path, every_steps=None, on_save=None, run_info=None, last_saved_step=None):
        super().__init__()
        self.path = os.fspath(path)
        self.every_steps = every_steps
        self.on_save = on_save
        self.run_info = run_info
        self.last_saved_step = last_saved_step
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
        checkpoints.save(self.model, self.path, run_info=self.run_info)
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


class StopOnSignal(keras.callbacks.Callback):
    """Turns Ctrl-C (SIGINT) and SIGTERM into a clean stop after the current step.

    Use it as a context manager around one or more `fit` calls, and pass it in their callback
    list: while the `with` block runs, the first signal asks `fit` to stop after the step it is
    running (so `GANCheckpoint` saves and the history is written as at an epoch end); a second
    Ctrl-C raises `KeyboardInterrupt` at once. Afterwards `signal_name` is `"SIGINT"`,
    `"SIGTERM"` or None. Signal handlers can only be installed from the main thread; elsewhere
    the callback does nothing.

    Example:

    ```python
    stop = keras_gan.callbacks.StopOnSignal()
    with stop:
        model.fit(dataset, epochs=5, callbacks=[stop, checkpoint])
    if stop.signal_name:
        print(f"stopped by {stop.signal_name}")
    ```
    """

    SIGNALS = ("SIGINT", "SIGTERM")

    def __init__(self):
        super().__init__()
        self.signal_name = None
        self._previous = {}

    def _handle(self, number, frame):
        # The handler runs wherever the main thread is, also inside Keras' JAX train function
        # between taking the state and donating it. It must not touch `self.model`: on JAX that
        # property writes the trainer's state back into the variables, which the step then
        # donates, and the next read of a weight fails ("Array has been deleted"). It only
        # records the signal; `on_train_batch_end` stops the run after the step.
        if self.signal_name == "SIGINT" and number == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now, without saving
        self.signal_name = signal.Signals(number).name

    def __enter__(self):
        for name in self.SIGNALS:
            number = getattr(signal, name, None)
            if number is None:
                continue
            try:
                self._previous[number] = signal.signal(number, self._handle)
            except ValueError:  # not the main thread
                pass
        return self

    def __exit__(self, *exc_info):
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}

    def on_train_batch_end(self, batch, logs=None):
        if self.signal_name is not None:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.signal_name is not None:  # a signal during the epoch's last callbacks
            self.model.stop_training = True


def _duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


class ProgressLog(keras.callbacks.Callback):
    """One line every `every` steps: overall step, the losses, speed and time left.

    Unlike Keras' progress bar, which counts the steps of the current epoch and redraws itself
    with terminal control characters, each line is plain text, so it reads well in a log file,
    a notebook or CI. Example line:

    `step 400/1000 (40%)  d_loss 1.2031  g_loss 0.9120  | 5.1 steps/s, 1m18s elapsed, ETA 1m57s`

    Args:
        total_steps: int, the step at which the run ends.
        every: int, steps between lines. Defaults to 50. A line is also printed at the last step.
        stream: file to print to. Defaults to `sys.stdout`.
    """

    def __init__(self, total_steps, every=50, stream=None):
        super().__init__()
        self.total_steps = int(total_steps)
        self.every = max(1, int(every))
        self.stream = stream
        self._values = _StepValues()
        self._sums = {}
        self._count = 0
        self._step = 0
        self._start_step = None
        self._start_time = None

    def on_train_begin(self, logs=None):
        self._step = _step(self.model)
        if self._start_step is None:  # the first `fit` of the run: speed counts from here
            self._start_step, self._start_time = self._step, time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._values.reset()

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        values = self._values(logs, self.model)
        for name, value in values.items():
            self._sums[name] = self._sums.get(name, 0.0) + value
        for name in set(values) & set(getattr(self.model, "state_log_names", ())):
            self._sums[name] = values[name] * (self._count + 1)  # the latest, not a mean
        self._count += 1
        if self._step % self.every == 0 or self._step >= self.total_steps:
            self._print()

    def _print(self):
        done = self._step - self._start_step
        elapsed = time.perf_counter() - self._start_time
        rate = done / elapsed if elapsed > 0 else 0.0
        losses = "  ".join(f"{k} {v / self._count:.4f}" for k, v in self._sums.items())
        left = self.total_steps - self._step
        eta = f", ETA {_duration(left / rate)}" if rate > 0 and left > 0 else ""
        width = len(str(self.total_steps))
        print(
            f"step {self._step:>{width}}/{self.total_steps} ({100 * self._step / self.total_steps:3.0f}%)"
            f"  {losses}  | {rate:.1f} steps/s, {_duration(elapsed)} elapsed{eta}",
            file=self.stream or sys.stdout, flush=True,
        )  # fmt: skip
        self._sums, self._count = {}, 0


def learning_rates(model):
    """Each optimizer's current learning rate, `{"d_optimizer": 2e-4, ...}` (schedules evaluated)."""
    backend.sync_state(model)
    rates = {}
    for name in getattr(model, "optimizer_targets", {}):
        optimizer = getattr(model, name, None)
        if optimizer is not None:
            rates[name] = float(np.asarray(keras.ops.convert_to_numpy(optimizer.learning_rate)))
    return rates


class TensorBoardScalars(keras.callbacks.Callback):
    """Writes the losses and each optimizer's learning rate to TensorBoard every `every` steps.

    Scalars are logged at the global step (the model's step counter, which a resumed run
    continues), each loss as its mean over the steps since the last write, under `loss/NAME`,
    and each optimizer's real learning rate (its schedule evaluated at that step) under
    `learning_rate/NAME`. Keras' own `TensorBoard` callback logs per-epoch means at the epoch
    index and the optimizer group's placeholder learning rate, which for a GAN is 0.

    Args:
        log_dir: folder of the event files.
        every: int, steps between writes. Defaults to 10.
        total_steps: optional int, the run's last step, written even when it is not a multiple
            of `every`.
    """

    def __init__(self, log_dir, every=10, total_steps=None):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self.every = max(1, int(every))
        self.total_steps = total_steps
        self._writer = None
        self._values = _StepValues()
        self._sums, self._count, self._step = {}, 0, 0

    def on_train_begin(self, logs=None):
        self._step = _step(self.model)
        if self._writer is None:
            self._writer = tensorboard.summary_writer(self.log_dir) or False

    def on_epoch_begin(self, epoch, logs=None):
        self._values.reset()

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        values = self._values(logs, self.model)
        if not self._writer or not all(math.isfinite(v) for v in values.values()):
            return
        for name, value in values.items():
            self._sums[name] = self._sums.get(name, 0.0) + value
        for name in set(values) & set(getattr(self.model, "state_log_names", ())):
            self._sums[name] = values[name] * (self._count + 1)  # the latest, not a mean
        self._count += 1
        if self._step % self.every == 0 or self._step == self.total_steps:
            self._write()

    def _write(self):
        state = getattr(self.model, "state_log_names", ())
        scalars = {
            f"{'training' if name in state else 'loss'}/{name}": total / self._count
            for name, total in self._sums.items()
        }
        for name, rate in learning_rates(self.model).items():
            scalars[f"learning_rate/{name}"] = rate
        tensorboard.write_scalars(self._writer, scalars, step=self._step)
        self._sums, self._count = {}, 0
