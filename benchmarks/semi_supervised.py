"""Improved GAN's semi-supervised MNIST card: test errors out of 10,000 with 100 labels.

The paper's Table 1 (Salimans et al. 2016): 93 +- 6.5 errors with feature matching and 100
labels (10 per class), after 300 epochs. This script trains `improved_gan`
with the command line's defaults (the authors' networks and optimizer, with the softplus
generator output; `--set generator_output=tanh` for the authors' sigmoid) for `--steps` steps per
seed, and counts the discriminator's errors on MNIST's test split every `--every` steps. Each
evaluation and the wall time so far are written to the JSON after every evaluation, so a run
stopped early keeps what it measured.

    KERAS_BACKEND=tensorflow python benchmarks/semi_supervised.py --steps 6000 --every 600 \
        --seeds 0 1 2 --output benchmarks/results/semi_supervised.json

MNIST comes from tensorflow-datasets, or offline from `KERAS_GAN_DATA_DIR`.
"""

import argparse
import json
import os
import sys
import time

import keras
import numpy as np

import keras_gan
from keras_gan import datasets, registry

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import config_flags  # noqa: E402


def test_split():
    """MNIST's 10,000 test images in [-1, 1] and their labels, as arrays."""
    data = datasets.load(
        "mnist", split="test", batch_size=1000, with_labels=True, shuffle=False,
        drop_remainder=False,
    )  # fmt: skip
    images, labels = [], []
    for batch_images, batch_labels in data:
        images.append(batch_images.numpy())
        labels.append(batch_labels.numpy())
    return np.concatenate(images), np.concatenate(labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=6000, help="training steps per seed")
    parser.add_argument("--every", type=int, default=600, help="steps between evaluations")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--output", default="semi_supervised.json")
    parser.add_argument("--runs", default="runs/semi_supervised", help="folder of the runs")
    config_flags.add_argument(parser, "ImprovedGANConfig", "generator_loss=non_saturating")
    args = parser.parse_args()
    overrides = config_flags.read(parser, args.set)
    config_flags.config(parser, args.set, registry.get("improved_gan").config_class)  # checked
    images, labels = test_split()
    record = {
        "backend": keras.backend.backend(),
        "command": "python benchmarks/semi_supervised.py "
        + " ".join(
            f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in vars(args).items()
            if k != "set"
        )
        + (" --set " + " ".join(args.set) if args.set else ""),
        "overrides": overrides,
        "runs": [],
    }
    for seed in args.seeds:
        output = os.path.join(args.runs, f"seed_{seed}")
        run = keras_gan.Run("improved_gan", output=output, seed=seed, **overrides)
        evaluations = []
        record["runs"].append({"seed": seed, "evaluations": evaluations})
        started = time.perf_counter()
        for step in range(args.every, args.steps + 1, args.every):
            result = run.train(steps=step, verbose=0)
            errors = run.model.classification_errors(images, labels)
            evaluations.append(
                {"step": result.step, "test_errors": errors,
                 "seconds": round(time.perf_counter() - started, 1)}
            )  # fmt: skip
            print(f"seed {seed} step {result.step}: {errors} test errors", flush=True)
            with open(args.output, "w") as file:
                json.dump(record, file, indent=1)


if __name__ == "__main__":
    main()
