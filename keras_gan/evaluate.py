"""Evaluate a saved GAN: `python -m keras_gan.evaluate CHECKPOINT [flags]` prints JSON.

Image models go through `keras_gan.metrics.evaluate` (FID, KID, precision/recall,
density/coverage, and with a classifier the Inception Score and class coverage) against the
dataset's test split (for digits, which has one split, its training split), with the feature
network and its protocol named in the output. 2-D toy models (samples of shape `(2,)`) get the
mode-collapse lab's metrics on `ring` or `grid` (`keras_gan.lab.toy`: modes captured, % high
quality, reverse KL on 2,500 samples). CoGAN, which draws a pair of images from each z, gets
its paper's pair agreement on its digit pair set (`keras_gan.metrics.pair_agreement`).

A checkpoint inside a `keras_gan.train` run folder (`RUN/checkpoints/last.keras`, two levels
below `RUN/config.json`) takes `--dataset` and `--image-size` from the run's config.json; flags
given on the command line win. Any other `.keras` file needs `--dataset`.

The JSON goes to stdout (and to `--output`); messages and progress go to stderr, so
`... > metrics.json` writes valid JSON. The first use of a `classifier:<dataset>` feature network
trains that classifier and caches it (`keras_gan.metrics.classifier`; it says so on stderr first,
with an estimate: about 5 minutes for MNIST on a 2-core CPU, seconds for digits).

Usage::

    python -m keras_gan.evaluate runs/dcgan/checkpoints/last.keras
    python -m keras_gan.evaluate runs/dcgan/checkpoints/last.keras --num-samples 2000 \\
        --output runs/dcgan/metrics.json
    python -m keras_gan.evaluate dcgan_smnist.keras --dataset stacked_mnist \\
        --feature-network classifier:stacked_mnist --num-samples 26000
    python -m keras_gan.evaluate ring_gan.keras --dataset ring --output ring.json
    python -m keras_gan.evaluate runs/dcgan_ema/checkpoints/last.keras --raw-generator
    python -m keras_gan.evaluate runs/dcgan/checkpoints/last.keras --standing-statistics 16

A model trained with a generator EMA (`--ema-decay`, `--ema-half-life`; `keras_gan.ema`) is
scored with the averaged weights, as the papers report it; `--raw-generator` scores the
generator's own weights, and the JSON says which (`"generator"`). `--standing-statistics N`
scores a generator with batch normalisation with its statistics recomputed for the weights
scored, over N generated batches (BigGAN's standing statistics), and the JSON says so
(`"standing_statistics"`).

`--feature-network` takes `classifier:<dataset>` (mnist, fashion_mnist, stacked_mnist, digits),
`inception_v3`, or the path of a saved `keras.Model` (images in [-1, 1] -> features, or
[features, probabilities]).

Exit status: 0, or 2 with a one-line message saying what to change (a missing or unreadable
checkpoint, an unknown dataset or one of the wrong kind, an output path that cannot be written).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import sys

from keras_gan import _cli, sample

PROG = "python -m keras_gan.evaluate"
#: Settings a run's config.json supplies when their flags are not given.
RUN_SETTINGS = ("dataset", "image_size")
# What the evaluation can read as real images (`DatasetInfo.element`); a model generating from
# noise is compared with these. Image-to-image models (paired, unpaired) are not evaluated here.
_IMAGE_ELEMENTS = ("images", "images_labels")
_TRANSLATION_KINDS = ("paired", "unpaired", "captioned", "attributed")
# Datasets with one split only: the default --split is "train" for them.
SINGLE_SPLIT_DATASETS = ("digits",)


def build_parser():
    parser = _cli.Parser(
        prog=PROG, description=__doc__, allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("checkpoint", help="a .keras file saved by model.save or keras_gan.train")
    parser.add_argument(
        "--dataset",
        default=None,
        help="the real data: mnist, stacked_mnist, digits, ..., or ring/grid for 2-D toy models. Default: the run's dataset (config.json)",
    )
    parser.add_argument(
        "--image-size",
        type=int,
        default=None,
        help="resize the real images to this square size. Default: the run's image_size (config.json), else the dataset's own size",
    )
    parser.add_argument(
        "--split",
        default=None,
        help="split of the real data. Default: test (train for digits, its only split)",
    )
    parser.add_argument(
        "--feature-network",
        default=None,
        help="image models: classifier:<dataset>, inception_v3 or a .keras model path. Default: classifier:<dataset> when one exists",
    )
    parser.add_argument(
        "--num-samples",
        type=int,
        default=None,
        help="generated samples. Default: 10000 (images), 2500 (2-D toys)",
    )
    parser.add_argument(
        "--num-real-samples",
        type=int,
        default=None,
        help="real samples read. Default: --num-samples",
    )
    parser.add_argument(
        "--metrics",
        nargs="+",
        default=None,
        help="subset of the metrics (images). Default: all the network supports",
    )
    parser.add_argument(
        "--batch-size", type=int, default=100, help="images per forward pass. Default: 100"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the generated samples. Default: 0"
    )
    parser.add_argument(
        "--output", default=None, help="write the JSON to this file too. Default: stdout only"
    )
    parser.add_argument(
        "--raw-generator",
        action="store_true",
        help="a model with a generator EMA (--ema-decay, --ema-half-life): score the raw "
        "generator's weights, not their moving average. Default: the average",
    )
    parser.add_argument(
        "--standing-statistics",
        type=int,
        default=None,
        metavar="BATCHES",
        help="a generator with batch normalisation: score it with its statistics recomputed "
        "for the weights scored, over this many generated batches of 64 (BigGAN's standing "
        "statistics; the authors use 16 or 32). Default: the statistics training gathered",
    )
    return parser


def run_settings(checkpoint, dataset=None, image_size=None):
    """`dataset` and `image_size`, each taken from the run's config.json when `None`.

    Args:
        checkpoint: str, the checkpoint's path; its run folder is two levels up.
        dataset: str, or `None` for the run's dataset. Defaults to `None`.
        image_size: int, or `None` for the run's image size. Defaults to `None`.

    Returns:
        A tuple `(dataset, image_size, note)`; `note` says which settings came from which
        config.json (`"--dataset digits --image-size 16 (from runs/dcgan/config.json)"`), or is
        `None` when none did.

    Raises:
        keras_gan._cli.UsageError: no `dataset` is given and the run does not supply one.
    """
    values = {"dataset": dataset, "image_size": image_size}
    saved, path = _cli.run_config(checkpoint) if None in values.values() else (None, None)
    config = (saved or {}).get("config") or {}
    taken = {k: config[k] for k in RUN_SETTINGS if values[k] is None and config.get(k) is not None}
    values.update(taken)
    if values["dataset"] is None:
        where = (
            f"its run's {path} records none"
            if path
            else f"no run config.json sits two folders above '{checkpoint}' to read it from"
        )
        raise _cli.UsageError(
            "Pass --dataset, the real data to compare with (e.g. --dataset mnist, or ring/grid "
            f"for 2-D toy models): {where}."
        )
    flags = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in taken.items())
    note = f"{flags} (from {path})" if taken else None
    return values["dataset"], values["image_size"], note


def _feature_network(spec, dataset):
    import keras

    from keras_gan.metrics.features import CLASSIFIER_DATASETS

    if spec is None:
        if dataset in CLASSIFIER_DATASETS:
            return f"classifier:{dataset}"
        raise ValueError(
            f"No keras_gan classifier exists for dataset '{dataset}'; pass --feature-network "
            f"(inception_v3 or a .keras model). Classifiers: {', '.join(CLASSIFIER_DATASETS)}"
        )
    if spec.endswith(".keras"):
        if not os.path.isfile(spec):
            raise ValueError(
                f"No feature network file at '{spec}'. Received: --feature-network {spec}"
            )
        try:
            return keras.saving.load_model(spec, compile=False)
        except Exception as error:  # a corrupt file or a model of unknown custom layers
            raise ValueError(
                f"Cannot load the feature network '{spec}' ({type(error).__name__}: {error}). "
                "Pass a .keras file saved by keras.Model.save, or classifier:<dataset>."
            ) from error
    return spec


def evaluate_checkpoint(
    checkpoint, dataset, feature_network=None, num_samples=None, num_real_samples=None,
    metrics=None, split=None, batch_size=100, seed=0, image_size=None, log=None,
    raw_generator=False, standing_statistics=None,
):  # fmt: skip
    """Loads `checkpoint` and computes its metrics (see the module docstring).

    Args:
        checkpoint: str, a `.keras` file.
        dataset: str, the real data (`"mnist"`, `"digits"`, ..., `"ring"`, `"grid"`).
        feature_network: str or `None`, see the module docstring. Defaults to `None`
            (`classifier:<dataset>` when keras_gan has one).
        num_samples: int, generated samples. Defaults to `None` (10000; 2500 for 2-D toys).
        num_real_samples: int, real samples read. Defaults to `None` (`num_samples`).
        metrics: list of metric names. Defaults to `None` (all the network supports).
        split: str, split of the real data. Defaults to `None`: `"test"`, or `"train"` for
            datasets with one split (`SINGLE_SPLIT_DATASETS`: digits).
        batch_size: int, images per forward pass. Defaults to 100.
        seed: int, seed of the generated samples. Defaults to 0.
        image_size: int, the square size the real images are resized to. Defaults to `None`
            (the dataset's own size).
        log: callable taking a str, told once what is compared when the inputs are checked
            and the work starts. Defaults to `None` (silent).
        raw_generator: bool, for a model with a generator EMA (`keras_gan.ema`): sample from
            the raw generator instead of the average. Defaults to `False`.
        standing_statistics: int or `None`, for a generator with batch normalisation: sample
            with its statistics recomputed for the sampled weights over this many generated
            batches (`AdversarialBase.standing_statistics`). Defaults to `None` (training's).

    Returns:
        A JSON-ready dict: `checkpoint`, `variant`, `step`, `backend`, `dataset`, the metrics,
        and `feature_network`/`protocol` naming how they were computed.

    Raises:
        ValueError: a one-line message for input the user can fix (a missing or corrupt
            checkpoint, an unknown dataset, one of the wrong kind or shape).
    """
    import keras

    from keras_gan import checkpoints

    model = checkpoints.load(checkpoint)  # compiled: restores the step counter
    variant = getattr(model, "variant_name", type(model).__name__)
    header = {
        "checkpoint": os.fspath(checkpoint),
        "variant": variant,
        "backend": keras.backend.backend(),
        "dataset": dataset,
    }
    if getattr(getattr(model, "optimizer", None), "iterations", None) is not None:
        header["step"] = checkpoints.step_of(model)
    if getattr(model, "generator_average", None):
        header["generator"] = "raw" if raw_generator else "average (EMA)"
    elif raw_generator:
        raise ValueError(
            "--raw-generator scores the raw generator instead of its moving average, but this "
            "checkpoint has no generator EMA (it was trained without --ema-decay or "
            "--ema-half-life): its samples are the raw generator's already. Drop --raw-generator."
        )
    use_average = not raw_generator
    if standing_statistics is not None:
        header["standing_statistics"] = {"batches": standing_statistics, "batch_size": 64}

    def sampling():  # the weights and statistics every sample below is drawn with
        return sample.sampling_weights(model, use_average, standing_statistics)

    kind = getattr(model, "data_kind", "images")
    if hasattr(model, "pair_agreement"):  # CoGAN: two domains from one z
        return _evaluate_pairs(model, dataset, num_samples, seed, sampling, header, log)
    if kind in _TRANSLATION_KINDS:
        raise ValueError(
            f"The checkpoint holds {variant}, which generates from {kind} inputs, not from noise "
            "alone; keras_gan.evaluate scores noise-to-image and 2-D toy models only. Compare its "
            "outputs with keras_gan.metrics.evaluate(images, real_images) in Python instead."
        )
    if tuple(model.sample_shape) == (2,):
        from keras_gan.lab import toy

        if dataset not in ("ring", "grid"):
            raise ValueError(
                "The checkpoint holds a 2-D toy model: --dataset must be 'ring' or 'grid'. "
                f"Received: --dataset {dataset}"
            )
        num = toy.PROTOCOL_SAMPLES if num_samples is None else num_samples
        if num < toy.PROTOCOL_SAMPLES:
            raise ValueError(
                f"The 2-D mode-counting protocol needs at least {toy.PROTOCOL_SAMPLES} samples. "
                f"Received: --num-samples {num}"
            )
        _log(log, f"counting the modes of {num} samples of {variant} on '{dataset}'")
        with sampling():
            samples = model.generate(num, seed=seed)
        result = toy.count_modes(samples, dataset)
        return {**header, "evaluation": "mode_collapse_lab", **result}
    if dataset in ("ring", "grid"):
        raise ValueError(
            f"'{dataset}' is a 2-D toy dataset, but the checkpoint generates samples of shape "
            f"{tuple(model.sample_shape)}. Pass --dataset with images of that shape, e.g. the "
            f"run's own dataset. Received: --dataset {dataset}"
        )
    from keras_gan import datasets
    from keras_gan import metrics as metrics_lib

    if split is None:
        split = "train" if dataset in SINGLE_SPLIT_DATASETS else "test"
    sized = {} if image_size is None else {"image_size": image_size}
    try:
        info = datasets.info(dataset, split=split, batch_size=batch_size, **sized)
    except TypeError as error:  # an option the dataset does not take
        raise ValueError(f"{error} Received: --dataset {dataset}") from error
    if info.element not in _IMAGE_ELEMENTS:
        raise ValueError(
            f"'{dataset}' yields '{info.element}' batches, but keras_gan.evaluate compares "
            "generated images with a dataset of single images. Pass --dataset with plain images "
            f"(mnist, fashion_mnist, digits, stacked_mnist, a folder). Received: --dataset {dataset}"
        )
    if tuple(info.image_shape) != tuple(model.sample_shape):
        raise ValueError(
            f"The checkpoint generates images of shape {tuple(model.sample_shape)}, but "
            f"'{dataset}' has images of shape {tuple(info.image_shape)}: pass the run's --dataset "
            f"and --image-size. Received: --dataset {dataset}"
            + (f" --image-size {image_size}" if image_size is not None else "")
        )
    num_samples = 10_000 if num_samples is None else num_samples
    if num_samples < 2:
        raise ValueError(f"--num-samples must be at least 2. Received: {num_samples}")
    real = datasets.load(
        dataset, split=split, batch_size=batch_size, shuffle=False, drop_remainder=False, **sized
    )
    network = _feature_network(feature_network, dataset)
    size = "x".join(str(s) for s in info.image_shape[:2])
    _log(
        log,
        f"comparing {num_samples} samples of {variant} with '{dataset}' ({split} split, "
        f"{size}) through {getattr(network, 'name', network)}",
    )
    batch_seeds = itertools.count(seed * 1_000_003)  # a distinct, reproducible seed per batch
    # One swap of the weights for every batch the metrics draw, not one per batch.
    with sampling():
        result = metrics_lib.evaluate(
            lambda n: model.generate(n, seed=next(batch_seeds)), real, feature_network=network,
            num_samples=num_samples, num_real_samples=num_real_samples, metrics=metrics,
            batch_size=batch_size, seed=seed,
        )  # fmt: skip
    extra = {} if image_size is None else {"image_size": image_size}
    return {**header, **extra, "evaluation": "keras_gan.metrics.evaluate", "split": split, **result}


def _evaluate_pairs(model, dataset, num_samples, seed, sampling, header, log):
    """CoGAN's pair agreement on its digit pair set (`keras_gan.metrics.pair_agreement`)."""
    from keras_gan.datasets import derived

    variant = header["variant"]
    if dataset not in derived.PAIR_TRANSFORMS and dataset != "mnist_color":
        raise ValueError(
            f"The checkpoint holds {variant}, which generates a pair of images from each z; "
            "keras_gan.evaluate scores its pairs by the paper's pair agreement, which needs the "
            f"known transform of a digit pair set: --dataset {' | '.join(derived.PAIR_TRANSFORMS)}. "
            f"Received: --dataset {dataset}"
        )
    num = 10_000 if num_samples is None else num_samples
    if num < 2:
        raise ValueError(f"--num-samples must be at least 2. Received: {num}")
    _log(log, f"measuring the pair agreement of {num} pairs of {variant} on '{dataset}'")
    with sampling():
        result = model.pair_agreement(dataset, num, seed=seed)
    return {**header, "evaluation": "pair_agreement", **result}


def main(argv=None):
    """Runs the command line; returns the exit status: 0, or 2 with a one-line message."""
    from keras_gan.datasets import DataNotFoundError

    sources = ""  # which settings came from the run's config.json, for every message
    try:
        args = build_parser().parse_args(argv)
        for name in (
            "num_samples", "num_real_samples", "batch_size", "image_size", "standing_statistics"
        ):  # fmt: skip
            value = getattr(args, name)
            if value is not None and value <= 0:
                flag = "--" + name.replace("_", "-")
                raise _cli.UsageError(
                    f"{flag} must be a positive integer. Received: {flag} {value}"
                )
        if args.output:
            _cli.check_output_file(args.output, example="metrics.json")
        if not os.path.isfile(args.checkpoint):
            raise _cli.UsageError(
                f"No checkpoint at '{args.checkpoint}': the file does not exist. Training runs "
                "keep theirs in RUN/checkpoints/last.keras."
            )
        dataset, image_size, note = run_settings(args.checkpoint, args.dataset, args.image_size)
        sources = f" [{note}]" if note else ""
        import keras

        from keras_gan.backend import hints

        # The classifier may train here on first use: no oversubscription. Silently: a user's
        # error must stay the only line on stderr.
        hints.cpu_threads(keras.backend.backend())
        # Everything but the JSON goes to stderr (Keras and the classifier print to stdout).
        with contextlib.redirect_stdout(sys.stderr):
            result = evaluate_checkpoint(
                args.checkpoint, dataset, args.feature_network, args.num_samples,
                args.num_real_samples, args.metrics, args.split, args.batch_size, args.seed,
                image_size, lambda message: print(f"{PROG}: {message}{sources}", file=sys.stderr),
                raw_generator=args.raw_generator, standing_statistics=args.standing_statistics,
            )  # fmt: skip
        text = json.dumps(result, indent=2, default=float)
        if args.output:
            try:
                with open(args.output, "w") as file:
                    file.write(text + "\n")
            except OSError as error:
                print(text)  # the results are not lost
                raise _cli.write_error(args.output, error) from error
    except (_cli.UsageError, ValueError, DataNotFoundError) as error:
        return _cli.fail(PROG, f"{error}{sources}")
    except KeyboardInterrupt:
        return _cli.fail(PROG, "interrupted (Ctrl-C); nothing was written.")
    print(text)
    if args.output:
        print(f"{PROG}: wrote {args.output}", file=sys.stderr)
    return 0


def _log(log, message):
    if log is not None:
        log(message)


if __name__ == "__main__":
    sys.exit(main())
