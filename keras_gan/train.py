"""Train a keras_gan variant: `python -m keras_gan.train VARIANT [flags]`.

The backend is Keras' own choice, read from KERAS_BACKEND (jax, tensorflow or torch). Every
field of the variant's config is a flag (see `python -m keras_gan.train VARIANT --help`);
`--paper` applies the paper's settings where the defaults are scaled down for a CPU.

Examples:

  # DCGAN on MNIST (needs MNIST: tensorflow-datasets download, or KERAS_GAN_DATA_DIR)
  KERAS_BACKEND=jax python -m keras_gan.train dcgan

  # A run that works anywhere, offline, in about a minute: scikit-learn's 8x8 digits at 16x16
  python -m keras_gan.train dcgan --dataset digits --image-size 16 --steps 300

  # Stop it (Ctrl-C, or kill) and continue from the last checkpoint, same weights and data order
  python -m keras_gan.train dcgan --dataset digits --image-size 16 --steps 600 --resume

  # The paper's settings, a checkpoint every 200 steps, in a folder of your choice
  python -m keras_gan.train dcgan --paper --checkpoint-every 200 --output runs/dcgan_paper

  # What variants there are; watch a run
  python -m keras_gan.train --list
  tensorboard --logdir runs/dcgan/tensorboard

  # Sample from a checkpoint
  python -m keras_gan.sample runs/dcgan/checkpoints/last.keras --output grid.png

A run writes to --output (default runs/VARIANT): config.json (resolved config, variant, backend,
versions), checkpoints/last.keras (the whole GAN), samples/epoch_NNNN.png and samples/progress.gif
(fixed latent vectors), history.json and losses.png, tensorboard/ (losses and sample grids).
"""

import argparse
import ast
import dataclasses
import difflib
import errno
import inspect
import json
import os
import shutil
import sys
import textwrap
import types
import typing

# Run-level flags; every other flag is a field of the variant's config dataclass.
_RUN_FLAGS = (
    "list",
    "steps",
    "output",
    "resume",
    "paper",
    "checkpoint_every",
    "num_samples",
    "verbose",
    "log_every",
)
# Config fields a resumed run may change: how long it trains.
_RESUMABLE_CHANGES = ("epochs",)


class _Parser(argparse.ArgumentParser):
    """argparse, plus the nearest flag name for an unknown one."""

    def error(self, message):
        if "unrecognized arguments:" in message:
            options = [
                o for action in self._actions for o in action.option_strings if o.startswith("--")
            ]
            hints = []
            for token in message.split("unrecognized arguments:", 1)[1].split():
                flag = token.split("=", 1)[0]
                close = difflib.get_close_matches(flag, options, n=1, cutoff=0.6)
                if flag.startswith("-") and close:
                    hints.append(f"{flag}: did you mean {close[0]}?")
            if hints:
                message += " (" + "; ".join(hints) + ")"
        super().error(message)


# -- Flags from a config dataclass ---------------------------------------------------------------


def field_comments(config_class):
    """The comment lines above each field of a config dataclass (and its bases), by field name."""
    comments = {}
    for cls in reversed(config_class.__mro__):
        if not dataclasses.is_dataclass(cls):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(cls))
        except (OSError, TypeError):
            continue
        lines = source.splitlines()
        tree = ast.parse(source)
        for node in tree.body[0].body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                text, line = [], node.lineno - 2
                while line >= 0 and lines[line].strip().startswith("#"):
                    text.insert(0, lines[line].strip().lstrip("#").strip())
                    line -= 1
                if text:
                    comments[node.target.id] = " ".join(text)
    return comments


def _optional(kind):
    """`X | None` -> X, else None."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(args) == 1 and type(None) in typing.get_args(kind):
            return args[0]
    return None


def _converter(kind, name):
    def convert(text):
        if text.lower() == "none":
            return None
        return kind(text)

    convert.__name__ = getattr(kind, "__name__", name)
    return convert


def _add_field(group, field, kind, comment):
    flag = "--" + field.name.replace("_", "-")
    default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
    text = (comment or field.name.replace("_", " ")).replace("%", "%%")
    help_text = f"{text} Default: {default!r}."
    inner = _optional(kind)
    options = dict(dest=field.name, default=argparse.SUPPRESS, help=help_text)
    if kind is bool:
        group.add_argument(flag, action=argparse.BooleanOptionalAction, **options)
    elif kind is tuple or typing.get_origin(kind) is tuple:
        args = [a for a in typing.get_args(kind) if a is not Ellipsis]
        element = args[0] if args else (type(default[0]) if default else str)
        group.add_argument(
            flag, nargs="+", type=element, metavar=element.__name__.upper(), **options
        )
    elif inner is not None:
        if inner is tuple or typing.get_origin(inner) is tuple:
            group.add_argument(flag, nargs="+", type=int, metavar="INT", **options)
        else:
            group.add_argument(
                flag,
                type=_converter(inner, field.name),
                metavar=f"{inner.__name__.upper()}|none",
                **options,
            )
    elif kind in (int, float, str):
        group.add_argument(flag, type=kind, metavar=kind.__name__.upper(), **options)
    else:
        group.add_argument(flag, type=json.loads, metavar="JSON", **options)


def build_parser(variant=None, add_help=True):
    """The argument parser; with a `Variant`, it has a flag per field of the variant's config."""
    from keras_gan.config import TrainConfig

    parser = _Parser(
        prog="python -m keras_gan.train", description=__doc__, add_help=add_help,
        formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False,
    )  # fmt: skip
    parser.add_argument("variant", nargs="?", help="the variant to train (see --list)")
    run = parser.add_argument_group("run")
    run.add_argument(
        "--list", action="store_true", help="list the variants, one line each, and exit"
    )
    run.add_argument("--steps", type=int, help="train this many steps in all (instead of --epochs)")
    run.add_argument("--output", help="output folder. Default: runs/VARIANT")
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --output from its last checkpoint",
    )
    run.add_argument(
        "--paper", action="store_true", help="apply the paper's settings (the config's PAPER dict)"
    )
    run.add_argument(
        "--checkpoint-every",
        type=int,
        metavar="STEPS",
        help="save a checkpoint every STEPS steps too (always at each epoch end)",
    )
    run.add_argument(
        "--num-samples", type=int, default=64, help="samples in each grid. Default: 64"
    )
    run.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        help="0: quiet; 1: Keras' progress bar per epoch; 2: one line every "
        "--log-every steps with the overall step and ETA. Default: 1 on a "
        "terminal, else 2",
    )
    run.add_argument(
        "--log-every",
        type=int,
        metavar="STEPS",
        help="steps between progress lines (--verbose 2) and TensorBoard scalars. "
        "Default: about 20 progress lines per run, at most 100 steps apart; "
        "scalars every 10 steps",
    )
    config_class = variant.config_class if variant is not None else TrainConfig
    title = (
        f"{variant.name} config ({config_class.__name__})" if variant else "config (every variant)"
    )
    group = parser.add_argument_group(title)
    comments = field_comments(config_class)
    hints = typing.get_type_hints(config_class)
    for field in dataclasses.fields(config_class):
        if field.name in _RUN_FLAGS:
            continue
        _add_field(group, field, hints.get(field.name, str), comments.get(field.name))
    return parser


# -- Helpers ---------------------------------------------------------------------------------------


def _config_from_dict(config_class, values):
    """Rebuilds a config from its JSON dict (lists back to tuples)."""
    fields = {f.name: f for f in dataclasses.fields(config_class)}
    kwargs = {}
    for name, value in values.items():
        if name in fields:
            kwargs[name] = tuple(value) if isinstance(value, list) else value
    return config_class(**kwargs)


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


def _print_config(variant, backend, config, total, steps_per_epoch, out, start):
    print(f"keras_gan.train {variant.name} ({variant.model_class.__name__}) on backend '{backend}'")
    width = max(len(k) for k in config)
    for name, value in config.items():
        print(f"  {name:<{width}} = {value!r}")
    resumed = f", resuming at step {start}" if start else ""
    print(f"  -> {total} steps ({steps_per_epoch} per epoch){resumed}; output: {out}")


def _describe_data(config, info):
    shape = "x".join(str(d) for d in info.image_shape)
    where = info.extras.get("data_dir") if isinstance(info.extras, dict) else None
    line = f"  data: '{config.dataset}', {info.num_examples} examples of {shape}"
    return line + (f", prepared in {where}" if where else "")


# -- main -------------------------------------------------------------------------------------------


class _FlagError(Exception):
    """A bad flag value: reported with the usage line."""


class _UsageError(Exception):
    """Anything else the user can fix (output folder, data, resume): one line, exit status 2."""


def main(argv=None):
    """Runs the command line; returns the exit status.

    0: done. 1: a loss became NaN (the last good checkpoint is kept). 2: bad input (unknown
    variant or flag, a bad flag value, an output folder holding another run or locked by a
    running one, a bad checkpoint, missing data, an unwritable output), reported in one line
    before anything is written to the output folder, or an error while writing (a full disk).
    130 / 143: stopped by Ctrl-C / SIGTERM after saving a checkpoint.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    from keras_gan import registry

    pre = build_parser(add_help=False)
    known, _ = pre.parse_known_args(argv)
    if known.list:
        names = registry.available()
        width = max(len(n) for n in names)
        for name in names:
            print(f"{name:<{width}}  {registry.get(name).summary}")
        return 0
    if known.variant is None:
        parser = build_parser()
        if any(a in ("-h", "--help") for a in argv):
            parser.print_help()
            return 0
        parser.error(
            f"name a variant to train, e.g. dcgan. Available: {', '.join(registry.available())}"
        )
    try:
        variant = registry.get(known.variant)
    except ValueError as error:
        build_parser().error(str(error))
    parser = build_parser(variant)
    args = parser.parse_args(argv)
    try:
        return _run(parser, variant, args)
    except _FlagError as error:
        parser.error(str(error))
    except _UsageError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        print(
            "Interrupted: stopped at once, without saving (a checkpoint already written is "
            "intact; continue from it with --resume).", file=sys.stderr,
        )  # fmt: skip
        return 130
    except OSError as error:
        print(f"{parser.prog}: error: {_os_error(error)}", file=sys.stderr)
        return 2


def _os_error(error):
    """One line for an operating-system error while writing a run."""
    where = f" '{error.filename}'" if getattr(error, "filename", None) else ""
    reason = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        fix = ("Free some space (or choose another --output); the last checkpoint is intact, "
               "continue with --resume.")  # fmt: skip
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "Choose an --output folder you can write to."
    else:
        fix = "Check the output folder, then continue with --resume."
    return f"Could not write{where}: {reason}. {fix}"


def _resolve(parser, variant, args, saved):
    """The run's config: defaults, --paper, the saved run (on --resume), then explicit flags."""
    config_class = variant.config_class
    fields = [f.name for f in dataclasses.fields(config_class)]
    explicit = {name: getattr(args, name) for name in fields if hasattr(args, name)}
    if saved is not None:
        try:
            config = _config_from_dict(config_class, saved["config"])
        except (TypeError, ValueError, KeyError) as error:
            raise _UsageError(
                f"The run's config.json is not valid for {variant.name}: {error}"
            ) from error
        if args.paper and not saved.get("paper"):
            raise _UsageError(
                "--paper cannot be added on --resume: the run was started without it."
            )
        changed = {
            k: v for k, v in explicit.items()
            if k not in _RESUMABLE_CHANGES and _plain(v) != _plain(getattr(config, k))
        }  # fmt: skip
        if changed:
            detail = ", ".join(
                f"--{k.replace('_', '-')} {v!r} (the run has {getattr(config, k)!r})"
                for k, v in changed.items()
            )
            raise _UsageError(
                f"--resume continues a run with its own config; these flags differ: {detail}"
            )
    else:
        config = config_class()
        if args.paper:
            config = config.with_paper_settings()
    try:
        return dataclasses.replace(config, **explicit)
    except (TypeError, ValueError) as error:
        raise _FlagError(str(error)) from error


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


# What a run writes into its folder (a plain rerun over a run that never saved removes these).
_RUN_FILES = ("config.json", "history.json", "losses.png", "checkpoints", "samples", "tensorboard")


def _check_path(out):
    """Refuses an --output that is a file or cannot be written; writes nothing."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise _UsageError(f"--output '{out}' is a file, not a folder. Choose a folder for the run.")
    existing = os.path.abspath(out)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise _UsageError(
            f"--output '{out}' is inside '{existing}', which is a file. Choose a folder."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise _UsageError(
            f"Cannot write to '{existing}' (permission denied). Choose an --output folder you can write to."
        )


def _check_output(out, variant, resume):
    """Reads (never writes) the output folder; returns the saved run dict or None."""
    from keras_gan import checkpoints, runlock

    config_path = os.path.join(out, "config.json")
    has_checkpoint = os.path.isfile(os.path.join(out, "checkpoints", checkpoints.LAST))
    if os.path.isfile(config_path):
        try:
            with open(config_path) as file:
                saved = json.load(file)
        except (OSError, ValueError) as error:
            raise _UsageError(
                f"'{config_path}' is unreadable ({error}); choose another --output."
            ) from error
        if not isinstance(saved, dict) or saved.get("variant") != variant.name:
            found = saved.get("variant") if isinstance(saved, dict) else None
            raise _UsageError(
                f"The output folder '{out}' holds a run of '{found}', not '{variant.name}'. "
                "Choose another --output."
            )
        if not has_checkpoint:
            if resume:
                raise _UsageError(
                    f"Nothing to resume: the run in '{out}' stopped before its first checkpoint "
                    f"(no checkpoints/{checkpoints.LAST}). Run again without --resume to start "
                    "it over."
                )
            return {"restart": True, **saved}
        if not resume:
            raise _UsageError(
                f"The output folder '{out}' already holds a '{variant.name}' run. Pass --resume "
                "to continue it, or choose another --output."
            )
        return saved
    if resume:
        raise _UsageError(f"Nothing to resume: '{out}' holds no keras_gan run (no config.json).")
    if os.path.isdir(out) and [f for f in os.listdir(out) if f != runlock.LOCK_FILE]:
        raise _UsageError(
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
        raise _UsageError(
            f"The checkpoint '{path}' belongs to a '{info['variant']}' run, not '{variant.name}'."
        )
    current = config.to_dict()
    differ = {
        k: v for k, v in info["config"].items()
        if k in current and k not in _RESUMABLE_CHANGES and _plain(current[k]) != _plain(v)
    }  # fmt: skip
    if differ:
        detail = ", ".join(
            f"--{k.replace('_', '-')} {v!r} (config.json says {current[k]!r})"
            for k, v in differ.items()
        )
        raise _UsageError(
            f"The checkpoint '{path}' was written by a run with {detail}: it is not this run's "
            "checkpoint. Resume into the folder of that run, or start a new run."
        )


def _run(parser, variant, args):
    from keras_gan import runlock

    out = args.output or os.path.join("runs", variant.name)
    for name in ("steps", "checkpoint_every", "num_samples", "log_every"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise _FlagError(
                f"--{name.replace('_', '-')} must be a positive integer. Received: {value}"
            )
    _check_path(out)
    saved = _check_output(out, variant, args.resume)
    restart = bool(saved and saved.get("restart"))
    config = _resolve(parser, variant, args, None if restart else saved)

    import keras

    from keras_gan import backend as gan_backend
    from keras_gan import datasets

    backend = keras.backend.backend()
    kind = variant.data_kind
    load_kwargs = variant.dataset_kwargs(config)
    try:
        variant.check_dataset(config)  # a built-in dataset of another kind: before loading it
        info = datasets.info(config.dataset, batch_size=config.batch_size, **load_kwargs)
        variant.check_dataset(config, info)
    except datasets.DataNotFoundError as error:
        raise _UsageError(
            f"{error}\n(For a dataset that always works offline: --dataset digits.)"
        ) from error
    except (ValueError, TypeError) as error:
        raise _UsageError(str(error)) from error

    # Everything read so far is valid: take the folder, then check again (another run may have
    # written it in between), and from here on write.
    lock = runlock.RunLock(out)
    created = not os.path.exists(out)
    try:
        lock.acquire()
    except runlock.RunLockError as error:
        raise _UsageError(str(error)) from error
    try:
        again = _check_output(out, variant, args.resume)
        if (again or {}).get("config") != (saved or {}).get("config"):
            raise _UsageError(
                f"Another run wrote to '{out}' while this one started; choose another --output."
            )
        return _train(
            variant,
            args,
            config,
            info,
            kind,
            load_kwargs,
            out,
            saved,
            restart,
            backend,
            gan_backend,
        )
    except _UsageError:
        if created:
            lock.release()
            shutil.rmtree(out, ignore_errors=True)
        raise
    finally:
        lock.release()


def _train(
    variant, args, config, info, kind, load_kwargs, out, saved, restart, backend, gan_backend
):
    import keras

    import keras_gan
    from keras_gan import callbacks as gan_callbacks
    from keras_gan import checkpoints, datasets

    if restart:
        print(f"The run in '{out}' stopped before its first checkpoint; starting it again.")
        for name in _RUN_FILES:
            path = os.path.join(out, name)
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.remove(path)
        saved = None

    # The model: from the checkpoint when resuming, else built from the config.
    checkpoint_dir = os.path.join(out, "checkpoints")
    checkpoint_path = os.path.join(checkpoint_dir, checkpoints.LAST)
    keras.utils.set_random_seed(config.seed)
    if saved is not None:
        _check_checkpoint_matches(checkpoint_path, variant, config)
        try:
            model = checkpoints.load(checkpoint_path, variant=variant.name)
        except checkpoints.CheckpointError as error:
            raise _UsageError(str(error)) from error
    else:
        try:
            model = variant.model_class.from_train_config(
                config, info.image_shape, num_classes=info.num_classes
            )
        except ValueError as error:
            raise _UsageError(str(error)) from error
    start = checkpoints.step_of(model)

    steps_per_epoch = config.steps_per_epoch or info.steps_per_epoch
    if args.steps is not None:
        total = args.steps
    elif saved is not None and "epochs" not in vars(args):
        total = saved.get("total_steps", config.epochs * steps_per_epoch)
    else:
        total = config.epochs * steps_per_epoch
    if saved is not None and saved.get("steps_per_epoch") not in (None, steps_per_epoch):
        raise _UsageError(
            "The run's epoch length changed; resume with the same dataset and batch size."
        )
    if total < start:
        raise _UsageError(
            f"The run is already at step {start}, past --steps {total}. Pass a larger --steps to "
            "train further."
        )

    k = getattr(model, "discriminator_steps", 1)

    def stream(step):
        # A new dataset object each time: its first iterator replays the seeded shuffle from the
        # start (a second iterator over the same object would reshuffle), so skipping the
        # batches already consumed gives exactly the batches an uninterrupted run sees next.
        data = datasets.load(config.dataset, batch_size=config.batch_size * k, **load_kwargs)
        return data.repeat().skip(step)

    first_stream = stream(start)

    # Everything is valid: from here on the output folder is written.
    os.makedirs(checkpoint_dir, exist_ok=True)
    checkpoints.remove_stale_temporaries(checkpoint_dir)
    run_info = {"variant": variant.name, "config": config.to_dict()}
    record = {
        "variant": variant.name,
        "model_class": variant.model_class.__name__,
        "backend": backend,
        "keras_gan_version": keras_gan.__version__,
        "keras_version": keras.__version__,
        "config": config.to_dict(),
        "paper": bool(args.paper or (saved or {}).get("paper")),
        "dataset": {
            "element": info.element,
            "image_shape": list(info.image_shape),
            "num_examples": info.num_examples,
            "num_classes": info.num_classes,
        },
        "steps_per_epoch": steps_per_epoch,
        "total_steps": total,
        "resumed_from": ((saved or {}).get("resumed_from") or []) + ([start] if saved else []),
    }
    gan_callbacks.write_json(record, os.path.join(out, "config.json"))
    _print_config(variant, backend, config.to_dict(), total, steps_per_epoch, out, start)
    accelerators = gan_backend.accelerators()
    print("  device: " + (", ".join(accelerators) if accelerators else "CPU (no GPU found)"))
    from keras_gan.backend import hints

    threads = hints.cpu_threads(backend, accelerators)
    if threads:
        print(threads)
    print(_describe_data(config, info))
    hint = hints.backend_hint(backend, model, accelerators)
    if hint:
        print(hint)

    history_path = os.path.join(out, "history.json")
    previous = None
    if saved is not None and os.path.isfile(history_path):
        try:
            with open(history_path) as file:
                previous = json.load(file)
        except (OSError, ValueError):
            print(f"warning: '{history_path}' is unreadable; the history restarts at step {start}.")
    history = gan_callbacks.LossHistory(
        history_path,
        os.path.join(out, "losses.png"),
        previous,
        start,
        steps_per_epoch=steps_per_epoch,
    )
    guard = gan_callbacks.NaNGuard()
    stop = gan_callbacks.StopOnSignal()
    saver = gan_callbacks.GANCheckpoint(
        checkpoint_path, every_steps=args.checkpoint_every,
        on_save=lambda step: history.write(plot=False), run_info=run_info,
        last_saved_step=start if saved is not None else None,
    )  # fmt: skip
    batch = None
    if hasattr(model, "sample_inputs"):
        batch = next(
            iter(
                datasets.load(config.dataset, batch_size=config.batch_size * k, **load_kwargs).take(
                    1
                )
            )
        )
        batch = keras.tree.map_structure(lambda x: x.numpy(), batch)
    interactive = sys.stdout.isatty()
    verbose = args.verbose if args.verbose is not None else (1 if interactive else 2)
    log_every = args.log_every or max(1, min(100, total // 20 or 1))
    callbacks = [
        guard,
        stop,
        history,  # records a step before the checkpoint of that step writes the history
        saver,
        gan_callbacks.SampleGrid(
            os.path.join(out, "samples"), num_samples=args.num_samples, seed=config.seed,
            tensorboard_dir=os.path.join(out, "tensorboard", "samples"), batch=batch,
        ),
        gan_callbacks.TensorBoardScalars(
            os.path.join(out, "tensorboard"), every=args.log_every or 10, total_steps=total
        ),
    ]  # fmt: skip
    if verbose == 2:
        callbacks.append(gan_callbacks.ProgressLog(total, every=log_every))
    step = start
    with stop:
        for number, (initial_epoch, epochs, count) in enumerate(
            plan(start, total, steps_per_epoch)
        ):
            model.fit(
                first_stream if number == 0 else stream(step), initial_epoch=initial_epoch,
                epochs=epochs, steps_per_epoch=count, callbacks=callbacks,
                verbose=1 if verbose == 1 else 0, shuffle=False,
            )  # fmt: skip
            step = checkpoints.step_of(model)
            if guard.failure or stop.signal_name:
                break
    if guard.failure:
        saved_step = saver.last_saved_step
        last = (
            f"{checkpoint_path} (step {saved_step})" if saved_step is not None else "none written"
        )
        print(f"{guard.message}\nLast good checkpoint: {last}", file=sys.stderr)
        return 1
    if stop.signal_name:
        where = (
            f"checkpoint at step {saver.last_saved_step}"
            if saver.last_saved_step is not None
            else "no checkpoint"
        )
        again = " ".join(["python -m keras_gan.train", variant.name, "--output", out, "--resume"])
        print(
            f"Stopped by {stop.signal_name} at step {step} ({where}): continue with `{again}`.",
            file=sys.stderr,
        )
        return 130 if stop.signal_name == "SIGINT" else 143
    print(f"Done: {step} steps. Results in {out}/:")
    print("  samples/progress.gif and samples/epoch_*.png: the fixed-latent sample grids")
    print(
        f"  losses.png and history.json: the losses; checkpoints/{checkpoints.LAST}: the whole GAN"
    )
    print(f"  tensorboard --logdir {os.path.join(out, 'tensorboard')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
