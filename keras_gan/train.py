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

  # Data-parallel on 2 devices, the batch split between them (JAX; here two CPU devices)
  XLA_FLAGS=--xla_force_host_platform_device_count=2 KERAS_BACKEND=jax python -m keras_gan.train dcgan --dataset digits --image-size 16 --steps 300 --devices 2 --output runs/dcgan_2_devices

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
import dataclasses
import difflib
import errno
import json
import sys
import types
import typing

from keras_gan.run import ConfigError, Run, RunError, check_positive, plan  # noqa: F401

# Run-level flags; every other flag is a field of the variant's config dataclass.
_RUN_FLAGS = (
    "list",
    "steps",
    "output",
    "resume",
    "paper",
    "checkpoint_every",
    "num_samples",
    "devices",
    "precision",
    "verbose",
    "log_every",
)


def _devices(text):
    """--devices: a positive int or 'all'."""
    if text == "all":
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a positive int or 'all'. Received: --devices {text}"
        )
    return value


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
    from keras_gan.config import TrainConfig, field_help

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
        "--precision",
        choices=("float32", "bfloat16", "float16"),
        help="what the networks compute in, the weights staying float32 (float16 with dynamic "
        "loss scaling). Default: float32, or the resumed checkpoint's",
    )
    run.add_argument(
        "--devices",
        type=_devices,
        metavar="N",
        help="data-parallel training on N devices, or 'all' (JAX: GPUs, TPU cores, or CPU "
        "devices made with XLA_FLAGS=--xla_force_host_platform_device_count=N); "
        "--batch-size is the global batch, split among them. Default: 1",
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
    helps = field_help(config_class)
    hints = typing.get_type_hints(config_class)
    for field in dataclasses.fields(config_class):
        if field.name in _RUN_FLAGS:
            continue
        _add_field(group, field, hints.get(field.name, str), helps.get(field.name))
    return parser


# -- main -------------------------------------------------------------------------------------------


class _CommandLineRun(Run):
    """A `Run` that names itself and its resume command as the command line does."""

    _HEADER = "keras_gan.train"
    _RESUME_HINT = "python -m keras_gan.train {variant} --output {output} --resume"


def _refuse_missing_stabilisers(parser, variant, fields, argv):
    """A stabiliser's flag given to a variant it does not apply to: an error that says why."""
    from keras_gan.config import AugmentConfig, TrainConfig

    stabilisers = {f.name for f in dataclasses.fields(AugmentConfig)} - {
        f.name for f in dataclasses.fields(TrainConfig)
    }
    model = variant.model_class
    for token in argv:
        name = token.split("=", 1)[0].lstrip("-").replace("-", "_")
        if not (token.startswith("--") and name in stabilisers and name not in fields):
            continue
        if name == "label_smoothing":
            what, reason = "one-sided label smoothing", model.label_smoothing_refusal
        elif name == "generator_steps":
            what, reason = (
                "generator updates per step",
                ("its train_step takes one generator update per step, as its paper does"),
            )
        elif name in ("r1_gamma", "r2_gamma", "regularization_interval"):
            what, reason = "the R1/R2 penalties", model.regularization_refusal
        else:
            what, reason = (
                "the discriminator's augmentation, DiffAugment / ADA",
                (model.augmentation_refusal),
            )
        if reason is None:
            reason = (
                f"its command line keeps to its paper; in Python, "
                f"{model.__name__}({name}=...) takes it"
            )
        parser.error(
            f"--{name.replace('_', '-')} ({what}) does not apply to {variant.name}: {reason}."
        )


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
    fields = [f.name for f in dataclasses.fields(variant.config_class)]
    _refuse_missing_stabilisers(parser, variant, fields, argv)
    args = parser.parse_args(argv)
    try:  # a stabiliser this kind of model refuses, said before any data is loaded
        settings = ("augment", "ada_target", "label_smoothing", "r1_gamma", "r2_gamma")
        variant.model_class.check_stabilisers_apply(
            **{name: getattr(args, name) for name in settings if hasattr(args, name)}
        )
    except ValueError as error:
        parser.error(str(error))
    try:
        check_positive(
            steps=args.steps, checkpoint_every=args.checkpoint_every,
            num_samples=args.num_samples, log_every=args.log_every,
        )  # fmt: skip
        run = _CommandLineRun(
            variant.name, output=args.output, paper=args.paper, resume=args.resume,
            checkpoint_every=args.checkpoint_every, num_samples=args.num_samples,
            devices=args.devices, precision=args.precision,
            **{name: getattr(args, name) for name in fields if hasattr(args, name)},
        )  # fmt: skip
        return run.train(args.steps, verbose=args.verbose, log_every=args.log_every).status
    except ConfigError as error:
        parser.error(str(error))
    except RunError as error:
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


if __name__ == "__main__":
    sys.exit(main())
