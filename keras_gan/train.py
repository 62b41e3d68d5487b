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
import inspect
import json
import os
import sys
import textwrap
import types
import typing

# Run-level flags; every other flag is a field of the variant's config dataclass.
_RUN_FLAGS = ("list", "steps", "output", "resume", "paper", "checkpoint_every", "num_samples", "verbose")
# Config fields a resumed run may change: how long it trains.
_RESUMABLE_CHANGES = ("epochs",)
_ELEMENTS = {
    "images": ("images", "points"),
    "labelled": ("images_labels",),
    "paired": ("paired",),
    "unpaired": ("unpaired",),
    "captioned": ("captions",),
}


class _Parser(argparse.ArgumentParser):
    """argparse, plus the nearest flag name for an unknown one."""

    def error(self, message):
        if "unrecognized arguments:" in message:
            options = [o for action in self._actions for o in action.option_strings if o.startswith("--")]
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
        group.add_argument(flag, nargs="+", type=element, metavar=element.__name__.upper(), **options)
    elif inner is not None:
        if inner is tuple or typing.get_origin(inner) is tuple:
            group.add_argument(flag, nargs="+", type=int, metavar="INT", **options)
        else:
            group.add_argument(flag, type=_converter(inner, field.name), metavar=f"{inner.__name__.upper()}|none", **options)
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
    run.add_argument("--list", action="store_true", help="list the variants, one line each, and exit")
    run.add_argument("--steps", type=int, help="train this many steps in all (instead of --epochs)")
    run.add_argument("--output", help="output folder. Default: runs/VARIANT")
    run.add_argument("--resume", action="store_true", help="continue the run in --output from its last checkpoint")
    run.add_argument("--paper", action="store_true", help="apply the paper's settings (the config's PAPER dict)")
    run.add_argument("--checkpoint-every", type=int, metavar="STEPS",
                     help="save a checkpoint every STEPS steps too (always at each epoch end)")
    run.add_argument("--num-samples", type=int, default=64, help="samples in each grid. Default: 64")
    run.add_argument("--verbose", type=int, choices=(0, 1, 2),
                     help="Keras fit verbosity. Default: 1 on a terminal, else 2")
    config_class = variant.config_class if variant is not None else TrainConfig
    title = f"{variant.name} config ({config_class.__name__})" if variant else "config (every variant)"
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


def _backend_hint(backend, model):
    """One line for a CPU run on a backend that is not the fastest there, else None."""
    if backend == "jax":
        import jax

        if jax.default_backend() != "cpu":
            return None
    elif backend == "tensorflow" and getattr(model, "jit_compile", False):
        import tensorflow as tf

        if tf.config.list_physical_devices("GPU"):
            return None
    else:
        return None
    return (
        "hint: on a CPU, KERAS_BACKEND=torch or tensorflow (no XLA) runs a GAN step fastest "
        "(~1.1x plain PyTorch; JAX ~1.3x); see benchmarks/step_time.py."
    )


def _print_config(variant, backend, config, total, steps_per_epoch, out, start):
    print(f"keras_gan.train {variant.name} ({variant.model_class.__name__}) on backend '{backend}'")
    width = max(len(k) for k in config)
    for name, value in config.items():
        print(f"  {name:<{width}} = {value!r}")
    resumed = f", resuming at step {start}" if start else ""
    print(f"  -> {total} steps ({steps_per_epoch} per epoch){resumed}; output: {out}")


# -- main -------------------------------------------------------------------------------------------


def main(argv=None):
    """Runs the command line; returns the exit status (0, or 1 when a loss became NaN).

    Bad input (unknown variant or flag, an output folder holding another run, a bad checkpoint)
    exits with status 2 and a message, before anything is written to the output folder.
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
        parser.error(f"name a variant to train, e.g. dcgan. Available: {', '.join(registry.available())}")
    try:
        variant = registry.get(known.variant)
    except ValueError as error:
        build_parser().error(str(error))
    parser = build_parser(variant)
    args = parser.parse_args(argv)
    try:
        return _run(parser, variant, args)
    except _UsageError as error:
        parser.error(str(error))


class _UsageError(Exception):
    pass


def _resolve(parser, variant, args, saved):
    """The run's config: defaults, --paper, the saved run (on --resume), then explicit flags."""
    config_class = variant.config_class
    fields = [f.name for f in dataclasses.fields(config_class)]
    explicit = {name: getattr(args, name) for name in fields if hasattr(args, name)}
    if saved is not None:
        config = _config_from_dict(config_class, saved["config"])
        if args.paper and not saved.get("paper"):
            raise _UsageError("--paper cannot be added on --resume: the run was started without it.")
        changed = {
            k: v for k, v in explicit.items()
            if k not in _RESUMABLE_CHANGES and _plain(v) != _plain(getattr(config, k))
        }  # fmt: skip
        if changed:
            detail = ", ".join(f"--{k.replace('_', '-')} {v!r} (the run has {getattr(config, k)!r})" for k, v in changed.items())
            raise _UsageError(f"--resume continues a run with its own config; these flags differ: {detail}")
    else:
        config = config_class()
        if args.paper:
            config = config.with_paper_settings()
    try:
        return dataclasses.replace(config, **explicit)
    except (TypeError, ValueError) as error:
        raise _UsageError(str(error)) from error


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _check_output(out, variant, resume):
    """Reads (never writes) the output folder; returns the saved run dict or None."""
    config_path = os.path.join(out, "config.json")
    if os.path.isfile(config_path):
        try:
            with open(config_path) as file:
                saved = json.load(file)
        except (OSError, ValueError) as error:
            raise _UsageError(f"'{config_path}' is unreadable ({error}); choose another --output.") from error
        if saved.get("variant") != variant.name:
            raise _UsageError(
                f"The output folder '{out}' holds a run of '{saved.get('variant')}', not "
                f"'{variant.name}'. Choose another --output."
            )
        if not resume:
            raise _UsageError(
                f"The output folder '{out}' already holds a '{variant.name}' run. Pass --resume "
                "to continue it, or choose another --output."
            )
        return saved
    if resume:
        raise _UsageError(f"Nothing to resume: '{out}' holds no keras_gan run (no config.json).")
    if os.path.isdir(out) and os.listdir(out):
        raise _UsageError(
            f"The output folder '{out}' is not empty and holds no keras_gan run; choose another "
            "--output."
        )
    return None


def _run(parser, variant, args):
    out = args.output or os.path.join("runs", variant.name)
    for name in ("steps", "checkpoint_every", "num_samples"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise _UsageError(f"--{name.replace('_', '-')} must be a positive integer. Received: {value}")
    saved = _check_output(out, variant, args.resume)
    config = _resolve(parser, variant, args, saved)

    import keras

    import keras_gan
    from keras_gan import callbacks as gan_callbacks
    from keras_gan import checkpoints, datasets

    backend = keras.backend.backend()
    kind = getattr(variant.model_class, "data_kind", "images")
    load_kwargs = dict(image_size=config.image_size, seed=config.seed)
    if kind == "labelled":
        load_kwargs["with_labels"] = True
    try:
        info = datasets.info(config.dataset, batch_size=config.batch_size, **load_kwargs)
    except datasets.DataNotFoundError as error:
        raise _UsageError(f"{error}\n(For a dataset that always works offline: --dataset digits.)") from error
    except (ValueError, TypeError) as error:
        raise _UsageError(str(error)) from error
    if info.element not in _ELEMENTS.get(kind, (info.element,)):
        raise _UsageError(
            f"{variant.name} trains on {kind} data, but dataset '{config.dataset}' yields "
            f"'{info.element}' batches. Choose a dataset of that kind with --dataset."
        )

    # The model: from the checkpoint when resuming, else built from the config.
    checkpoint_dir = os.path.join(out, "checkpoints")
    checkpoint_path = os.path.join(checkpoint_dir, checkpoints.LAST)
    keras.utils.set_random_seed(config.seed)
    if saved is not None and os.path.isfile(checkpoint_path):
        try:
            model = checkpoints.load(checkpoint_path, variant=variant.name)
        except checkpoints.CheckpointError as error:
            raise _UsageError(str(error)) from error
    else:
        try:
            model = variant.model_class.from_train_config(config, info.image_shape, num_classes=info.num_classes)
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
        raise _UsageError("The run's epoch length changed; resume with the same dataset and batch size.")

    k = getattr(model, "discriminator_steps", 1)
    dataset = datasets.load(config.dataset, batch_size=config.batch_size * k, **load_kwargs)

    # Everything is valid: from here on the output folder is written.
    os.makedirs(checkpoint_dir, exist_ok=True)
    checkpoints.remove_stale_temporaries(checkpoint_dir)
    record = {
        "variant": variant.name,
        "model_class": variant.model_class.__name__,
        "backend": backend,
        "keras_gan_version": keras_gan.__version__,
        "keras_version": keras.__version__,
        "config": config.to_dict(),
        "paper": bool(args.paper or (saved or {}).get("paper")),
        "dataset": {"element": info.element, "image_shape": list(info.image_shape),
                    "num_examples": info.num_examples, "num_classes": info.num_classes},
        "steps_per_epoch": steps_per_epoch,
        "total_steps": total,
        "resumed_from": ((saved or {}).get("resumed_from") or []) + ([start] if saved else []),
    }
    gan_callbacks.write_json(record, os.path.join(out, "config.json"))
    _print_config(variant, backend, config.to_dict(), total, steps_per_epoch, out, start)
    hint = _backend_hint(backend, model)
    if hint:
        print(hint)

    history_path = os.path.join(out, "history.json")
    previous = None
    if saved is not None and os.path.isfile(history_path):
        with open(history_path) as file:
            previous = json.load(file)
    history = gan_callbacks.LossHistory(history_path, os.path.join(out, "losses.png"), previous, start)
    guard = gan_callbacks.NaNGuard()
    batch = None
    if hasattr(model, "sample_inputs"):
        batch = next(iter(dataset.take(1)))
        batch = keras.tree.map_structure(lambda x: x.numpy(), batch)
    callbacks = [
        guard,
        gan_callbacks.GANCheckpoint(
            checkpoint_path, every_steps=args.checkpoint_every,
            on_save=lambda step: history.write(plot=False),
        ),
        history,
        gan_callbacks.SampleGrid(
            os.path.join(out, "samples"), num_samples=args.num_samples, seed=config.seed,
            tensorboard_dir=os.path.join(out, "tensorboard", "samples"), batch=batch,
        ),
        keras.callbacks.TensorBoard(os.path.join(out, "tensorboard"), write_graph=False),
    ]
    verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    stream = dataset.repeat()
    step = start
    for initial_epoch, epochs, count in plan(start, total, steps_per_epoch):
        # A fresh iterator replays the seeded shuffle from the start; skip what was consumed.
        model.fit(
            stream.skip(step), initial_epoch=initial_epoch, epochs=epochs, steps_per_epoch=count,
            callbacks=callbacks, verbose=verbose, shuffle=False,
        )  # fmt: skip
        step += (epochs - initial_epoch) * count
        if guard.failure:
            break
    if guard.failure:
        saved_step = callbacks[1].last_saved_step
        last = f"{checkpoint_path} (step {saved_step})" if saved_step is not None else "none written"
        print(f"{guard.message}\nLast good checkpoint: {last}", file=sys.stderr)
        return 1
    print(f"Done: {checkpoints.step_of(model)} steps. Wrote {out}/ (checkpoints/{checkpoints.LAST}, "
          "samples/, losses.png, history.json, tensorboard/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
