"""What the discriminator's regularisers cost per step: DCGAN with R1 every step, with StyleGAN2's
lazy R1 (every 16 steps), with one-sided label smoothing and with two generator updates per
step, against plain DCGAN, in milliseconds per step on one backend.

One step is `model.train_on_batch` on one fixed in-memory batch (28x28x1, batch 64 by default).
Every setting is built, compiled and warmed up first (past the first regularisation step, so
both branches of the lazy step are compiled); then the timed steps run in interleaved rounds
(setting 1, setting 2, ..., setting 1, ...), so that load from other processes falls on every
setting alike. Reported per setting: the mean, median, p10 and p90 of ms/step over the rounds'
steps, and the ratios of means and of medians to plain DCGAN, measured in the same process. The
mean is the cost to compare: a lazy setting's median is an ordinary step, and its mean counts the
regularisation step once every 16 (keep `--steps` a multiple of 16).

Usage:

    KERAS_BACKEND=jax python benchmarks/regularization.py --output benchmarks/results/regularization_cpu2_jax.json
    KERAS_BACKEND=tensorflow python benchmarks/regularization.py --steps 16 --rounds 2
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

#: setting name -> DCGAN constructor arguments
SETTINGS = {
    "none": {},
    "r1_every_step": {"r1_gamma": 1.0, "regularization_interval": 1},
    "r1_lazy_16": {"r1_gamma": 1.0, "regularization_interval": 16},
    "label_smoothing": {"label_smoothing": 0.1},
    "generator_steps_2": {"generator_steps": 2},
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--steps", type=int, default=32, help="timed steps per round (32)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (5)")
    parser.add_argument("--batch-size", type=int, default=64, help="default 64")
    parser.add_argument(
        "--warmup", type=int, default=17, help="untimed steps after the first, per setting (17)"
    )
    parser.add_argument("--output", help="also write the JSON to this file")
    args = parser.parse_args(argv)

    import keras
    import numpy as np

    from keras_gan import testing
    from keras_gan.models import DCGAN

    images = testing.random_images((28, 28, 1), args.batch_size)
    models, first = {}, {}
    for name in args.settings:
        keras.utils.set_random_seed(0)
        model = DCGAN(image_shape=(28, 28, 1), seed=0, **SETTINGS[name])
        model.compile()
        start = time.perf_counter()
        model.train_on_batch(images)  # trace, compile, and the first regularisation step
        first[name] = time.perf_counter() - start
        for _ in range(args.warmup):  # by default past the lazy setting's second penalty step
            model.train_on_batch(images)
        models[name] = model
    times = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            for _ in range(args.steps):
                start = time.perf_counter()
                logs = model.train_on_batch(images, return_dict=True)
                np.asarray(keras.ops.convert_to_numpy(logs["d_loss"]))  # wait for the step
                times[name].append(1000 * (time.perf_counter() - start))
    rows = {}
    for name, values in times.items():
        deciles = statistics.quantiles(values, n=10)
        rows[name] = {
            "settings": SETTINGS[name],
            "mean_ms": statistics.fmean(values),
            "median_ms": statistics.median(values),
            "p10_ms": deciles[0],
            "p90_ms": deciles[-1],
            "first_step_s": first[name],
            "steps_timed": len(values),
        }
    base = rows.get("none")
    for row in rows.values():
        row["mean_ratio_to_none"] = row["mean_ms"] / base["mean_ms"] if base else None
        row["median_ratio_to_none"] = row["median_ms"] / base["median_ms"] if base else None
    report = {
        "benchmark": "regularization",
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_average_at_end": os.getloadavg(),
        "batch_size": args.batch_size,
        "rows": rows,
    }
    for name, row in rows.items():
        ratio = f"{row['mean_ratio_to_none']:.2f}x" if base else "-"
        print(f"{name:<20} mean {row['mean_ms']:8.1f} ms ({ratio} plain)  median "
              f"{row['median_ms']:8.1f}  p10 {row['p10_ms']:8.1f}  p90 {row['p90_ms']:8.1f}")  # fmt: skip
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
