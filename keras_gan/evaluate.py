"""Evaluate a saved GAN: `python -m keras_gan.evaluate CHECKPOINT ...` prints and writes JSON.

Image models go through `keras_gan.metrics.evaluate` (FID, KID, precision/recall,
density/coverage, and with a classifier the Inception Score and class coverage) against the
dataset's test split, with the feature network and its protocol named in the output. 2-D toy
models (samples of shape `(2,)`) get the mode-collapse lab's metrics on `ring` or `grid`
(`keras_gan.lab.toy`: modes captured, % high quality, reverse KL on 2,500 samples).

Usage::

    python -m keras_gan.evaluate runs/dcgan/checkpoints/last.keras --dataset mnist \\
        --feature-network classifier:mnist --num-samples 10000 --output metrics.json
    python -m keras_gan.evaluate runs/dcgan_smnist/last.keras --dataset stacked_mnist \\
        --feature-network classifier:stacked_mnist --num-samples 26000
    python -m keras_gan.evaluate ring_gan.keras --dataset ring --output ring.json

`--feature-network` takes `classifier:<dataset>` (mnist, fashion_mnist, stacked_mnist, digits),
`inception_v3`, or the path of a saved `keras.Model` (images in [-1, 1] -> features, or
[features, probabilities]).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.evaluate", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("checkpoint", help="a .keras file saved by model.save or keras_gan.train")
    parser.add_argument("--dataset", required=True, help="the real data: mnist, stacked_mnist, digits, ..., or ring/grid for 2-D toy models")
    parser.add_argument("--split", default="test", help="split of the real data. Default: test")
    parser.add_argument("--feature-network", default=None, help="image models: classifier:<dataset>, inception_v3 or a .keras model path. Default: classifier:<dataset> when one exists")
    parser.add_argument("--num-samples", type=int, default=None, help="generated samples. Default: 10000 (images), 2500 (2-D toys)")
    parser.add_argument("--num-real-samples", type=int, default=None, help="real samples read. Default: --num-samples")
    parser.add_argument("--metrics", nargs="+", default=None, help="subset of the metrics (images). Default: all the network supports")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated samples. Default: 0")
    parser.add_argument("--output", default=None, help="write the JSON here too")
    return parser


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
            raise ValueError(f"No feature network file at '{spec}'. Received: --feature-network {spec}")
        return keras.saving.load_model(spec, compile=False)
    return spec


def evaluate_checkpoint(
    checkpoint, dataset, feature_network=None, num_samples=None, num_real_samples=None,
    metrics=None, split="test", batch_size=100, seed=0,
):  # fmt: skip
    """Loads `checkpoint` and computes its metrics (see the module docstring).

    Returns:
        A JSON-ready dict: `checkpoint`, `variant`, `step`, `backend`, `dataset`, the metrics,
        and `feature_network`/`protocol` naming how they were computed.
    """
    import keras

    from keras_gan import checkpoints

    model = checkpoints.load(checkpoint)  # compiled: restores the step counter
    header = {
        "checkpoint": os.fspath(checkpoint),
        "variant": getattr(model, "variant_name", type(model).__name__),
        "backend": keras.backend.backend(),
        "dataset": dataset,
    }
    if getattr(getattr(model, "optimizer", None), "iterations", None) is not None:
        header["step"] = checkpoints.step_of(model)
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
        samples = model.generate(num, seed=seed)
        result = toy.count_modes(samples, dataset)
        return {**header, "evaluation": "mode_collapse_lab", **result}
    if dataset in ("ring", "grid"):
        raise ValueError(
            f"'{dataset}' is a 2-D toy dataset, but the checkpoint generates samples of shape "
            f"{tuple(model.sample_shape)}. Received: --dataset {dataset}"
        )
    from keras_gan import datasets
    from keras_gan import metrics as metrics_lib

    info = datasets.info(dataset, split=split, batch_size=batch_size)
    if tuple(info.image_shape) != tuple(model.sample_shape):
        raise ValueError(
            f"The checkpoint generates images of shape {tuple(model.sample_shape)}, but "
            f"'{dataset}' has images of shape {tuple(info.image_shape)}. Received: --dataset {dataset}"
        )
    num_samples = 10_000 if num_samples is None else num_samples
    if num_samples < 2:
        raise ValueError(f"--num-samples must be at least 2. Received: {num_samples}")
    real = datasets.load(dataset, split=split, batch_size=batch_size, shuffle=False, drop_remainder=False)
    network = _feature_network(feature_network, dataset)
    batch_seeds = itertools.count(seed * 1_000_003)  # a distinct, reproducible seed per batch
    result = metrics_lib.evaluate(
        lambda n: model.generate(n, seed=next(batch_seeds)), real, feature_network=network,
        num_samples=num_samples, num_real_samples=num_real_samples, metrics=metrics,
        batch_size=batch_size, seed=seed,
    )  # fmt: skip
    return {**header, "evaluation": "keras_gan.metrics.evaluate", "split": split, **result}


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        result = evaluate_checkpoint(
            args.checkpoint, args.dataset, args.feature_network, args.num_samples,
            args.num_real_samples, args.metrics, args.split, args.batch_size, args.seed,
        )  # fmt: skip
    except ValueError as error:  # bad input: one clear line, exit status 2
        print(f"error: {error}", file=sys.stderr)
        return 2
    text = json.dumps(result, indent=2, default=float)
    print(text)
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as file:
            file.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
