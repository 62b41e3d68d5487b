"""A training run: a variant's config, an output folder, the callbacks, and resume.

`Run` is how every entry point starts training: `python -m keras_gan.train` (a thin argparse
layer over it), the benchmarks and the notebooks. A run folder holds `config.json` (the
resolved config, variant, backend, versions), `checkpoints/last.keras` (the whole GAN),
`samples/` (fixed-latent grids and a GIF), `history.json` and `losses.png`, and `tensorboard/`.

```python
import keras_gan

run = keras_gan.Run("dcgan", output="runs/my_dcgan", dataset="digits", epochs=1,
                    steps_per_epoch=20)
result = run.train()                      # 20 steps; result.status == 0
run.train(steps=30)                       # 10 more: the same run, continued
run = keras_gan.Run.resume("runs/my_dcgan")
run.train(steps=40)                       # same batches as one uninterrupted 40-step run
images = run.model.generate(16)
```

Keyword arguments other than the run's own are fields of the variant's config dataclass
(`keras_gan.models.DCGANConfig` for `"dcgan"`), checked by its `validate`: a bad value or an
unknown name raises `ConfigError` before anything is written. Every other problem the user can
fix (an output folder holding another run, a checkpoint of another architecture, missing data)
raises `RunError`. Messages name a setting by its command-line flag (`--base-filters` for
`base_filters`), as `python -m keras_gan.train` prints them.
"""

import dataclasses
import difflib
import json
import os
import shutil
import sys

# Config fields a resumed run may change: how long it trains.
RESUMABLE_CHANGES = ("epochs",)
# What a run writes into its folder (a plain rerun over a run that never saved removes these).
RUN_FILES = ("config.json", "history.json", "losses.png", "checkpoints", "samples", "tensorboard")
# The settings of `Run` and `Run.train` that are not config fields.
RUN_SETTINGS = (
    "steps", "checkpoint_every", "num_samples", "log_every", "verbose", "paper", "devices",
    "precision",
)  # fmt: skip

# --precision: the Keras dtype policy each precision builds the networks with. Mixed: the
# weights stay float32 (so the optimizers' small updates are not lost), the layers compute in
# the lower precision.
PRECISIONS = {"float32": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}


class RunError(Exception):
    """A problem with a run that the user can fix: its output folder, data or checkpoint.

    The message is one line (the data's own message may add a second) that says how.
    """


class ConfigError(RunError, ValueError):
    """A bad setting: an unknown variant or config field, or a value the config refuses.

    The message names the setting, the value received and what is accepted.
    """


@dataclasses.dataclass(frozen=True)
class RunResult:
    """What `Run.train` ended with.

    Attributes:
        status: int, the command line's exit status: 0 done, 1 a loss became NaN (the last good
            checkpoint is kept), 130 / 143 stopped by SIGINT (Ctrl-C, a notebook's interrupt)
            / SIGTERM after saving a checkpoint.
        step: int, the step the model reached.
        model: the trained `keras_gan.AdversarialModel`.
        output: str, the run folder.
        checkpoint_path: str, `OUTPUT/checkpoints/last.keras`, or None when no checkpoint was
            written.
        history_path: str, `OUTPUT/history.json` (losses per step and per epoch).
        stopped_by: str, `"SIGINT"` or `"SIGTERM"` when a signal stopped the run, else None.
    """

    status: int
    step: int
    model: object
    output: str
    checkpoint_path: str | None
    history_path: str
    stopped_by: str | None = None

    @property
    def done(self):
        """True when the run reached the steps it was asked for (status 0)."""
        return self.status == 0


def check_positive(**settings):
    """Refuses a run setting (`steps=`, `log_every=`, ...) that is set and not >= 1.

    Raises:
        ConfigError: naming the first bad setting and its value.
    """
    for name, value in settings.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(
                f"--{name.replace('_', '-')} must be a positive integer. Received: {value!r}"
            )
        if value is not None and value <= 0:
            raise ConfigError(
                f"--{name.replace('_', '-')} must be a positive integer. Received: {value}"
            )


def plan(start, total, steps_per_epoch):
    """The `fit` calls that take a run from step `start` to `total`.

    Each is `(initial_epoch, epochs, steps_per_epoch)`: a partial epoch to finish first (a run
    resumed mid-epoch), whole epochs, and a partial last epoch (`--steps` not a multiple of the
    epoch length).
    """
    segments, step = [], start
    while step < total:
        epoch, within = divmod(step, steps_per_epoch)
        if within:
            count = min(steps_per_epoch - within, total - step)
            segments.append((epoch, epoch + 1, count))
        elif (total - step) // steps_per_epoch:
            full = (total - step) // steps_per_epoch
            segments.append((epoch, epoch + full, steps_per_epoch))
            count = full * steps_per_epoch
        else:
            count = total - step
            segments.append((epoch, epoch + 1, count))
        step += count
    return segments


class Run:
    """One training run of a variant in one output folder, started or continued.

    Building a `Run` reads (never writes) the output folder and resolves the config: the
    variant's defaults, the paper's settings (`paper=True`), the saved run's config (when
    resuming), then `config=` and the keyword overrides. `train()` takes the folder's lock,
    writes `config.json`, trains with the run's callbacks and saves checkpoints. Calling
    `train()` again continues the same run.

    Args:
        variant: str, a registered variant name (`keras_gan.registry.available()`), e.g.
            `"dcgan"`.
        output: str, the run folder. Defaults to `runs/VARIANT`.
        config: optional instance of the variant's config dataclass to start from (its fields
            count as overrides). Defaults to the config class's defaults.
        paper: bool, apply the paper's settings (`TrainConfig.with_paper_settings`) to the
            defaults. Defaults to False. Not with `config=` (call `with_paper_settings()` on it).
        resume: bool, continue the run in `output` from its last checkpoint (see `Run.resume`).
            Defaults to False: `output` must be new, empty, or hold a run that stopped before
            its first checkpoint (started over).
        checkpoint_every: int, also save a checkpoint every this many steps (one is always saved
            at each epoch end). Defaults to None.
        num_samples: int, samples in each grid. Defaults to 64.
        devices: int >= 1 or `"all"`, data-parallel training on that many devices, the
            config's `batch_size` being the global batch, split evenly among them (JAX only:
            `keras.distribution.DataParallel`; see docs/scaling.md). Not part of the config: a
            run may resume on another number of devices. Defaults to None, one device.
        precision: `"float32"`, `"bfloat16"` or `"float16"`: the networks compute in that
            precision with float32 weights (Keras' `mixed_bfloat16`/`mixed_float16` dtype
            policies; float16 with dynamic loss scaling on every optimizer; see
            docs/scaling.md). A resumed run keeps its checkpoint's. Defaults to None: float32,
            or the checkpoint's.
        callbacks: optional list of `keras.callbacks.Callback`, added after the run's own
            (NaN guard, signal stop, history, checkpoint, sample grids, TensorBoard).
        **overrides: config fields, e.g. `dataset="digits", epochs=1, base_filters=8`.

    Raises:
        ConfigError: an unknown variant or config field, or a bad value.
        RunError: an output folder that is a file, unwritable, holds another run (or, with
            `resume=True`, none), or whose saved config differs from the overrides.

    Attributes:
        variant: the `keras_gan.registry.Variant`.
        config: the resolved config dataclass instance.
        output: str, the run folder.
    """

    # How the messages name the run and the way to continue it (the command line's differ).
    _HEADER = "keras_gan.Run"
    _RESUME_HINT = "keras_gan.Run.resume({output!r}).train()"

    def __init__(
        self,
        variant,
        *,
        output=None,
        config=None,
        paper=False,
        resume=False,
        checkpoint_every=None,
        num_samples=64,
        devices=None,
        precision=None,
        callbacks=None,
        **overrides,
    ):
        from keras_gan import registry

        try:
            self.variant = registry.get(variant)
        except ValueError as error:
            raise ConfigError(str(error)) from error
        check_positive(checkpoint_every=checkpoint_every, num_samples=num_samples)
        if (
            devices != "all"
            and devices is not None
            and (isinstance(devices, bool) or not isinstance(devices, int) or devices < 1)
        ):
            raise ConfigError(
                f"devices must be a positive integer or 'all'. Received: devices={devices!r}"
            )
        config_class = self.variant.config_class
        fields = [f.name for f in dataclasses.fields(config_class)]
        for name in overrides:
            if name not in fields:
                raise ConfigError(_unknown_setting(name, self.variant, fields))
        if config is not None:
            if not isinstance(config, config_class):
                raise ConfigError(
                    f"config must be a {config_class.__name__} for {self.variant.name}. "
                    f"Received: config of type {type(config).__name__}"
                )
            if paper:
                raise ConfigError(
                    "paper=True applies the paper's settings to the default config; with "
                    "config=, pass config.with_paper_settings() instead. Received: paper=True "
                    "and a config"
                )
            overrides = {**{name: getattr(config, name) for name in fields}, **overrides}
        self.output = (
            os.fspath(output) if output is not None else os.path.join("runs", self.variant.name)
        )
        self.paper = bool(paper)
        self.checkpoint_every = checkpoint_every
        self.num_samples = num_samples
        if precision is not None and precision not in PRECISIONS:
            raise ConfigError(
                f"precision must be one of {', '.join(map(repr, PRECISIONS))}. Received: "
                f"precision={precision!r}"
            )
        self.devices = devices
        self.precision = precision
        self._run_output = self.output  # process 0's folder, when the run has several processes
        self._process, self._processes = 0, 1
        self.callbacks = list(callbacks or [])
        self._explicit = overrides
        self._resuming = bool(resume)
        self._model = None
        self._saved, self._restart, self.config = self._read_folder()

    @classmethod
    def resume(cls, output, **settings):
        """The run in `output`, to be continued from its last checkpoint.

        The variant and config come from the folder's `config.json`. `run.train()` then trains
        on to the run's planned total (or `train(steps=...)`, or `epochs=` here), with the same
        batches, random stream and history as an uninterrupted run, also from mid-epoch.

        Args:
            output: str, the run folder.
            **settings: the other arguments of `Run` (`checkpoint_every=`, `callbacks=`, ...)
                and config fields; a config field other than `epochs` must equal the run's.

        Returns:
            A `Run`.

        Raises:
            RunError: `output` holds no run, or one stopped before its first checkpoint.
            ConfigError: a setting that differs from the run's, or a bad value.
        """
        output = os.fspath(output)
        saved = _read_config_json(output)
        if saved is None:
            raise RunError(
                f"Nothing to resume: '{output}' holds no keras_gan run (no config.json)."
            )
        if not isinstance(saved.get("variant"), str):
            raise RunError(
                f"'{os.path.join(output, 'config.json')}' names no variant: it was not written by "
                "keras_gan. Choose the folder of a keras_gan run."
            )
        return cls(saved.get("variant"), output=output, resume=True, **settings)

    @property
    def model(self):
        """The run's model: the one `train()` trained, else the last checkpoint's, else None."""
        if self._model is None:
            from keras_gan import checkpoints

            path = os.path.join(self.output, "checkpoints", checkpoints.LAST)
            if os.path.isfile(path):
                self._model = checkpoints.load(path, variant=self.variant.name)
        return self._model

    # -- Reading the folder: nothing is written ------------------------------------------------

    def _read_folder(self):
        """Checks the output folder; returns `(saved run dict or None, restart, config)`."""
        _check_path(self.output)
        saved = _check_output(self.output, self.variant, self._resuming)
        restart = bool(saved and saved.get("restart"))
        return saved, restart, self._resolve(None if restart else saved)

    def _resolve(self, saved):
        """The config: defaults, `paper`, the saved run (when resuming), then the overrides."""
        config_class = self.variant.config_class
        explicit = self._explicit
        if saved is not None:
            try:
                config = _config_from_dict(config_class, saved["config"])
            except (TypeError, ValueError, KeyError) as error:
                raise RunError(
                    f"The run's config.json is not valid for {self.variant.name}: {error}"
                ) from error
            if self.paper and not saved.get("paper"):
                raise RunError(
                    "--paper cannot be added on --resume: the run was started without it."
                )
            changed = {
                k: v for k, v in explicit.items()
                if k not in RESUMABLE_CHANGES and _plain(v) != _plain(getattr(config, k))
            }  # fmt: skip
            if changed:
                detail = ", ".join(
                    f"--{k.replace('_', '-')} {v!r} (the run has {getattr(config, k)!r})"
                    for k, v in changed.items()
                )
                raise RunError(
                    f"--resume continues a run with its own config; these flags differ: {detail}"
                )
        else:
            config = config_class()
            if self.paper:
                config = config.with_paper_settings()
        try:
            return dataclasses.replace(config, **explicit)
        except (TypeError, ValueError) as error:
            raise ConfigError(str(error)) from error

    # -- Training --------------------------------------------------------------------------------

    def train(self, steps=None, *, verbose=None, log_every=None):
        """Trains the run to `steps` (or to its epochs), saving checkpoints; resumable.

        Continues from the folder's last checkpoint when the run is resumed or this `Run`
        has trained before, with exactly the batches an uninterrupted run would see next.

        Args:
            steps: int, the step to stop at, counted from the run's start (as `--steps`).
                Defaults to `epochs * steps_per_epoch` (on a resumed run: its planned total,
                unless `epochs=` was given).
            verbose: int, 0 quiet; 1 Keras' progress bar per epoch; 2 one line every
                `log_every` steps with the overall step and ETA. Defaults to 1 on a terminal,
                else 2 (a notebook, a log file).
            log_every: int, steps between progress lines (`verbose=2`) and TensorBoard scalars.
                Defaults to about 20 progress lines per run, at most 100 steps apart, and
                scalars every 10 steps.

        Returns:
            A `RunResult`; its `status` is the command line's exit status (0, 1, 130, 143).

        Raises:
            ConfigError: a bad `steps` or `log_every`.
            RunError: the folder, data or checkpoint does not fit the run (nothing is written
                before this is known), or `steps` is below the step the run has reached.
            OSError: writing the run failed (a full disk); the last checkpoint is intact.
        """
        check_positive(steps=steps, log_every=log_every)
        if verbose not in (None, 0, 1, 2):
            raise ConfigError(f"verbose must be 0, 1 or 2. Received: verbose={verbose!r}")
        self._join_processes()
        self._saved, self._restart, self.config = self._read_folder()
        from keras_gan import datasets, registry, runlock

        variant, config, out = self.variant, self.config, self.output
        try:
            load_kwargs = variant.dataset_kwargs(config)
        except ValueError as error:  # options the dataset cannot take (e.g. StarGAN's groups)
            raise RunError(str(error)) from error
        try:
            variant.check_dataset(config)  # a built-in dataset of another kind: before loading it
            info = datasets.info(config.dataset, batch_size=config.batch_size, **load_kwargs)
            variant.check_dataset(config, info)
        except datasets.DataNotFoundError as error:
            offline = registry.OFFLINE_DATASETS.get(variant.data_kind, "digits")
            raise RunError(
                f"{error}\n(For a dataset that always works offline: --dataset {offline}.)"
            ) from error
        except (ValueError, TypeError) as error:
            raise RunError(str(error)) from error

        # Everything read so far is valid: take the folder, then check again (another run may
        # have written it in between), and from here on write.
        lock = runlock.RunLock(out)
        created = not os.path.exists(out)
        try:
            lock.acquire()
        except runlock.RunLockError as error:
            raise RunError(str(error)) from error
        try:
            again = _check_output(out, variant, self._resuming)
            if (again or {}).get("config") != (self._saved or {}).get("config"):
                raise RunError(
                    f"Another run wrote to '{out}' while this one started; choose another --output."
                )
            result = self._train(info, load_kwargs, steps, verbose, log_every)
        except RunError:
            if created:
                lock.release()
                shutil.rmtree(out, ignore_errors=True)
            raise
        finally:
            lock.release()
        # The next train() continues this run (when it saved a checkpoint).
        self._resuming = result.checkpoint_path is not None
        return result

    def _join_processes(self):
        """When the run is launched as several processes (docs/scaling.md): joins them, and
        points a process other than 0 at its own copy of the run, `OUTPUT.processN`.

        Every process runs the same steps and callbacks (each computation spans every
        process's devices); only their folders differ. A process resuming a run that had fewer
        processes starts its copy from process 0's folder.
        """
        from keras_gan import backend as gan_backend

        try:
            self._process, self._processes = gan_backend.processes()
        except ValueError as error:
            raise ConfigError(str(error)) from error
        if self._process == 0:
            return
        self.output = f"{self._run_output}.process{self._process}"
        if self._resuming and not os.path.exists(self.output) and os.path.isdir(self._run_output):
            from keras_gan import runlock

            shutil.copytree(
                self._run_output, self.output, ignore=shutil.ignore_patterns(runlock.LOCK_FILE)
            )

    def _train(self, info, load_kwargs, steps, verbose, log_every):
        from keras_gan import backend as gan_backend

        devices = self.devices or ("all" if self._processes > 1 else 1)
        try:
            scope, self._device_names = gan_backend.data_parallel(devices)
        except ValueError as error:
            raise ConfigError(str(error)) from error
        # The model is built (or loaded) and trained under the scope: on several devices its
        # variables are laid out by it, and fit() splits each batch among the devices.
        with scope:
            return self._train_here(info, load_kwargs, steps, verbose, log_every)

    def _train_here(self, info, load_kwargs, steps, verbose, log_every):
        import keras

        from keras_gan import callbacks as gan_callbacks
        from keras_gan import checkpoints, datasets
        from keras_gan.adversarial import DataError

        variant, config, out, saved = self.variant, self.config, self.output, self._saved
        if self._restart:
            print(f"The run in '{out}' stopped before its first checkpoint; starting it again.")
            for name in RUN_FILES:
                path = os.path.join(out, name)
                if os.path.isdir(path):
                    shutil.rmtree(path)
                elif os.path.exists(path):
                    os.remove(path)
            saved = None

        checkpoint_dir = os.path.join(out, "checkpoints")
        checkpoint_path = os.path.join(checkpoint_dir, checkpoints.LAST)
        model = self._start_model(info, saved, checkpoint_path)
        self._precision = model.precision()
        start = checkpoints.step_of(model)
        steps_per_epoch = config.steps_per_epoch or info.steps_per_epoch
        total = self._total_steps(steps, saved, start, steps_per_epoch)

        k = getattr(model, "discriminator_steps", 1)
        self._check_batch_splits(config.batch_size * k, k)

        def stream(step):
            # The run's endless stream from batch `step`: each epoch is shuffled with a seed made
            # of --seed and the epoch number alone, so this is exactly what an uninterrupted run
            # reads next, and it is reached without reading the batches before it.
            return datasets.load(
                config.dataset, batch_size=config.batch_size * k, start_step=step, **load_kwargs
            )

        first_stream = stream(start)

        # Everything is valid: from here on the output folder is written.
        os.makedirs(checkpoint_dir, exist_ok=True)
        checkpoints.remove_stale_temporaries(checkpoint_dir)
        run_info = {"variant": variant.name, "config": config.to_dict()}
        record = self._record(info, saved, start, total, steps_per_epoch)
        gan_callbacks.write_json(record, os.path.join(out, "config.json"))
        self._print_start(record, model, info, start)

        history_path = os.path.join(out, "history.json")
        previous = None
        if saved is not None and os.path.isfile(history_path):
            try:
                with open(history_path) as file:
                    previous = json.load(file)
            except (OSError, ValueError):
                print(
                    f"warning: '{history_path}' is unreadable; the history restarts at step "
                    f"{start}."
                )
        history = gan_callbacks.LossHistory(
            history_path, os.path.join(out, "losses.png"), previous, start,
            steps_per_epoch=steps_per_epoch,
        )  # fmt: skip
        guard = gan_callbacks.NaNGuard()
        stop = gan_callbacks.StopOnSignal()
        saver = gan_callbacks.GANCheckpoint(
            checkpoint_path, every_steps=self.checkpoint_every,
            on_save=lambda step: history.write(plot=False), run_info=run_info,
            last_saved_step=start if saved is not None else None,
        )  # fmt: skip
        batch = None
        if hasattr(model, "sample_inputs"):
            data = datasets.load(config.dataset, batch_size=config.batch_size * k, **load_kwargs)
            batch = keras.tree.map_structure(lambda x: x.numpy(), next(iter(data.take(1))))
        if verbose is None:
            verbose = 1 if sys.stdout.isatty() else 2
        callbacks = [
            guard,
            stop,
            history,  # records a step before the checkpoint of that step writes the history
            saver,
            gan_callbacks.SampleGrid(
                os.path.join(out, "samples"), num_samples=self.num_samples, seed=config.seed,
                tensorboard_dir=os.path.join(out, "tensorboard", "samples"), batch=batch,
            ),
            gan_callbacks.TensorBoardScalars(
                os.path.join(out, "tensorboard"), every=log_every or 10, total_steps=total
            ),
        ]  # fmt: skip
        progress = []
        if verbose == 2:
            every = log_every or max(1, min(100, total // 20 or 1))
            progress = [gan_callbacks.ProgressLog(total, every=every)]
            callbacks += progress
        callbacks += self.callbacks
        step = start
        self._model = model
        with stop:
            # A phase before the adversarial one (SRGAN's MSE pretraining) counts in the run's
            # steps, as it does in optimizer.iterations: `--steps 3 --pretrain-steps 2` takes 2
            # pretraining steps and 1 adversarial one, and a resumed run continues either phase.
            pending = min(model.pending_pretraining_steps(), total - start)
            if pending > 0:
                try:
                    model.pretrain(
                        first_stream, pending, verbose=1 if verbose == 1 else 0,
                        callbacks=[guard, stop, saver, *progress, *self.callbacks],
                    )  # fmt: skip
                except DataError as error:
                    raise RunError(str(error)) from error
                step = checkpoints.step_of(model)
                first_stream = stream(step)
            finished = guard.failure or stop.signal_name
            for number, (initial_epoch, epochs, count) in enumerate(
                [] if finished else plan(step, total, steps_per_epoch)
            ):
                try:
                    model.fit(
                        first_stream if number == 0 else stream(step),
                        initial_epoch=initial_epoch, epochs=epochs, steps_per_epoch=count,
                        callbacks=callbacks, verbose=1 if verbose == 1 else 0, shuffle=False,
                    )  # fmt: skip
                except DataError as error:  # refused before its first step
                    raise RunError(str(error)) from error
                step = checkpoints.step_of(model)
                if guard.failure or stop.signal_name:
                    break
        saved_step = saver.last_saved_step
        result = RunResult(
            status=0, step=step, model=model, output=out, history_path=history_path,
            checkpoint_path=checkpoint_path if saved_step is not None else None,
        )  # fmt: skip
        return self._report_end(result, guard, stop, checkpoint_path, saved_step)

    def _report_end(self, result, guard, stop, checkpoint_path, saved_step):
        """Prints how the training ended; returns `result` with its status."""
        from keras_gan import checkpoints

        out, step = self.output, result.step
        if guard.failure:
            last = (
                f"{checkpoint_path} (step {saved_step})"
                if saved_step is not None
                else "none written"
            )
            print(f"{guard.message}\nLast good checkpoint: {last}", file=sys.stderr)
            return dataclasses.replace(result, status=1)
        if stop.signal_name:
            where = (
                f"checkpoint at step {saved_step}" if saved_step is not None else "no checkpoint"
            )
            again = self._RESUME_HINT.format(variant=self.variant.name, output=out)
            print(
                f"Stopped by {stop.signal_name} at step {step} ({where}): continue with `{again}`.",
                file=sys.stderr,
            )
            status = 130 if stop.signal_name == "SIGINT" else 143
            return dataclasses.replace(result, status=status, stopped_by=stop.signal_name)
        print(f"Done: {step} steps. Results in {out}/:")
        print("  samples/progress.gif and samples/epoch_*.png: the fixed-latent sample grids")
        print(
            f"  losses.png and history.json: the losses; checkpoints/{checkpoints.LAST}: the "
            "whole GAN"
        )
        print(f"  tensorboard --logdir {os.path.join(out, 'tensorboard')}")
        return result

    def _start_model(self, info, saved, checkpoint_path):
        """The model: from the checkpoint when resuming, else built from the config."""
        import keras

        from keras_gan import checkpoints

        variant, config = self.variant, self.config
        keras.utils.set_random_seed(config.seed)
        if saved is not None:
            _check_checkpoint_matches(checkpoint_path, variant, config)
            try:
                model = checkpoints.load(checkpoint_path, variant=variant.name)
            except checkpoints.CheckpointError as error:
                raise RunError(str(error)) from error
            if self.precision not in (None, model.precision()):
                raise ConfigError(
                    f"The run's checkpoint computes in {model.precision()}; a resumed run keeps "
                    f"its precision. Received: precision={self.precision!r}"
                )
            return model
        previous = keras.config.dtype_policy()
        keras.config.set_dtype_policy(PRECISIONS[self.precision or "float32"])
        try:
            return variant.model_class.from_train_config(
                config,
                info.image_shape,
                num_classes=info.num_classes,
                attribute_names=info.attribute_names,
                attribute_groups=info.attribute_groups,
            )
        except ValueError as error:
            raise RunError(str(error)) from error
        finally:
            keras.config.set_dtype_policy(previous)

    def _check_batch_splits(self, examples, k):
        """Refuses a global batch that the devices cannot split evenly."""
        devices = self._device_count()
        if examples % devices:
            batch = examples // k
            lower = batch - batch % devices
            fits = " or ".join(str(b) for b in (lower, lower + devices) if b > 0)
            per_step = f" ({k} discriminator steps of {batch})" if k > 1 else ""
            raise ConfigError(
                f"batch_size={batch} does not split evenly over {devices} devices: a step reads "
                f"{examples} examples{per_step}. Use a batch size that is a multiple of "
                f"{devices} (e.g. {fits}). Received: batch_size={batch}, devices={self.devices!r}"
            )

    def _device_count(self):
        return len(self._device_names)

    def _total_steps(self, steps, saved, start, steps_per_epoch):
        """The step to train to: `steps`, else the resumed run's total, else the epochs'."""
        config = self.config
        if steps is not None:
            total = steps
        elif saved is not None and "epochs" not in self._explicit:
            total = saved.get("total_steps", config.epochs * steps_per_epoch)
        else:
            total = config.epochs * steps_per_epoch
        if saved is not None and saved.get("steps_per_epoch") not in (None, steps_per_epoch):
            raise RunError(
                "The run's epoch length changed; resume with the same dataset and batch size."
            )
        if total < start:
            raise RunError(
                f"The run is already at step {start}, past --steps {total}. Pass a larger "
                "--steps to train further."
            )
        return total

    def _record(self, info, saved, start, total, steps_per_epoch):
        """The run's `config.json`: config, variant, backend, versions, data, steps, resumes."""
        import keras

        import keras_gan

        return {
            "variant": self.variant.name,
            "model_class": self.variant.model_class.__name__,
            "backend": keras.backend.backend(),
            "keras_gan_version": keras_gan.__version__,
            "keras_version": keras.__version__,
            "config": self.config.to_dict(),
            "paper": bool(self.paper or (saved or {}).get("paper")),
            "dataset": {
                "element": info.element,
                "image_shape": list(info.image_shape),
                "num_examples": info.num_examples,
                "num_classes": info.num_classes,
                **({"attribute_names": list(info.attribute_names)} if info.attribute_names else {}),
                **(
                    {"attribute_groups": [list(g) for g in info.attribute_groups]}
                    if info.attribute_groups
                    else {}
                ),
            },
            "steps_per_epoch": steps_per_epoch,
            "total_steps": total,
            "devices": self._device_names,
            "precision": self._precision,
            "processes": self._processes,
            "resumed_from": ((saved or {}).get("resumed_from") or []) + ([start] if saved else []),
        }

    def _print_start(self, record, model, info, start):
        """Prints the resolved config, the plan, the device, the data and the backend hint."""
        from keras_gan import backend as gan_backend
        from keras_gan.backend import hints

        variant, config, backend = self.variant, record["config"], record["backend"]
        print(
            f"{self._HEADER} {variant.name} ({variant.model_class.__name__}) on backend '{backend}'"
        )
        width = max(len(k) for k in config)
        for name, value in config.items():
            print(f"  {name:<{width}} = {value!r}")
        resumed = f", resuming at step {start}" if start else ""
        total, steps_per_epoch = record["total_steps"], record["steps_per_epoch"]
        pending = min(model.pending_pretraining_steps(), max(0, total - start))
        first = f", the next {pending} of them pretraining" if pending else ""
        print(
            f"  -> {total} steps ({steps_per_epoch} per epoch){resumed}{first}; "
            f"output: {self.output}"
        )
        accelerators = gan_backend.accelerators()
        print("  device: " + (", ".join(accelerators) if accelerators else "CPU (no GPU found)"))
        if self._precision != "float32":
            print(
                f"  precision: {self._precision} computation, float32 weights"
                + (", dynamic loss scaling" if self._precision == "float16" else "")
            )
        if self._processes > 1:
            print(
                f"  process {self._process} of {self._processes}"
                + (f"; process 0 writes {self._run_output}" if self._process else "")
            )
        devices = self._device_count()
        if devices > 1:
            k = getattr(model, "discriminator_steps", 1)
            print(
                f"  data parallel on {devices} devices ({', '.join(self._device_names)}): global batch "
                f"{config['batch_size']}, {config['batch_size'] // devices} per device"
                + (f" (x {k} discriminator steps)" if k > 1 else "")
            )
        threads = hints.cpu_threads(backend, accelerators)
        if threads:
            print(threads)
        print(_describe_data(self.config, info))
        hint = hints.backend_hint(backend, model, accelerators)
        if hint:
            print(hint)

    def __repr__(self):
        return f"Run({self.variant.name!r}, output={self.output!r})"


# -- Helpers ---------------------------------------------------------------------------------------


def _unknown_setting(name, variant, fields):
    """The message for a keyword that is no field of the variant's config."""
    close = difflib.get_close_matches(name, [*fields, *RUN_SETTINGS], n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    if name in ("steps", "verbose", "log_every"):
        hint = f" '{name}' is an argument of Run.train()."
    return (
        f"Unknown setting '{name}' for {variant.name}: not a field of "
        f"{variant.config_class.__name__}.{hint} Accepted: {', '.join(fields)}"
    )


def _config_from_dict(config_class, values):
    """Rebuilds a config from its JSON dict (lists back to tuples)."""
    fields = {f.name: f for f in dataclasses.fields(config_class)}
    kwargs = {}
    # a field added since the run was written: the value it had then, not today's default
    values = {**getattr(config_class, "OLDER_DEFAULTS", {}), **values}
    for name, value in values.items():
        if name in fields:
            kwargs[name] = tuple(value) if isinstance(value, list) else value
    return config_class(**kwargs)


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _describe_data(config, info):
    shape = "x".join(str(d) for d in info.image_shape)
    where = info.extras.get("data_dir") if isinstance(info.extras, dict) else None
    line = f"  data: '{config.dataset}', {info.num_examples} examples of {shape}"
    return line + (f", prepared in {where}" if where else "")


def _read_config_json(out):
    """The run folder's `config.json` as a dict, None when there is none."""
    config_path = os.path.join(out, "config.json")
    if not os.path.isfile(config_path):
        return None
    try:
        with open(config_path) as file:
            saved = json.load(file)
    except (OSError, ValueError) as error:
        raise RunError(
            f"'{config_path}' is unreadable ({error}); choose another --output."
        ) from error
    return saved if isinstance(saved, dict) else {}


def _check_path(out):
    """Refuses an output that is a file or cannot be written; writes nothing."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise RunError(f"--output '{out}' is a file, not a folder. Choose a folder for the run.")
    existing = os.path.abspath(out)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise RunError(
            f"--output '{out}' is inside '{existing}', which is a file. Choose a folder."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise RunError(
            f"Cannot write to '{existing}' (permission denied). Choose an --output folder you can "
            "write to."
        )


def _check_output(out, variant, resume):
    """Reads (never writes) the output folder; returns the saved run dict or None."""
    from keras_gan import checkpoints, runlock

    saved = _read_config_json(out)
    has_checkpoint = os.path.isfile(os.path.join(out, "checkpoints", checkpoints.LAST))
    if saved is not None:
        if saved.get("variant") != variant.name:
            raise RunError(
                f"The output folder '{out}' holds a run of '{saved.get('variant')}', not "
                f"'{variant.name}'. Choose another --output."
            )
        if not has_checkpoint:
            if resume:
                raise RunError(
                    f"Nothing to resume: the run in '{out}' stopped before its first checkpoint "
                    f"(no checkpoints/{checkpoints.LAST}). Run again without --resume to start "
                    "it over."
                )
            return {"restart": True, **saved}
        if not resume:
            raise RunError(
                f"The output folder '{out}' already holds a '{variant.name}' run. Pass --resume "
                "to continue it, or choose another --output."
            )
        return saved
    if resume:
        raise RunError(f"Nothing to resume: '{out}' holds no keras_gan run (no config.json).")
    if os.path.isdir(out) and [f for f in os.listdir(out) if f != runlock.LOCK_FILE]:
        raise RunError(
            f"The output folder '{out}' is not empty and holds no keras_gan run; choose another "
            "--output."
        )
    return None


def _check_checkpoint_matches(path, variant, config):
    """Refuses a checkpoint written by a run with another architecture or data than `config`."""
    from keras_gan import checkpoints

    info = checkpoints.run_info(path)
    if not info or "config" not in info:
        return
    if info.get("variant") not in (None, variant.name):
        raise RunError(
            f"The checkpoint '{path}' belongs to a '{info['variant']}' run, not '{variant.name}'."
        )
    current = config.to_dict()
    differ = {
        k: v for k, v in info["config"].items()
        if k in current and k not in RESUMABLE_CHANGES and _plain(current[k]) != _plain(v)
    }  # fmt: skip
    if differ:
        detail = ", ".join(
            f"--{k.replace('_', '-')} {v!r} (config.json says {current[k]!r})"
            for k, v in differ.items()
        )
        raise RunError(
            f"The checkpoint '{path}' was written by a run with {detail}: it is not this run's "
            "checkpoint. Resume into the folder of that run, or start a new run."
        )
