"""The generator's EMA against the raw generator along a DCGAN run on MNIST (issue 15's EMA card).

Trains DCGAN (the command line's defaults: width 32, Adam 5e-4, batch 64) with the generator's
exponential moving average on, and every `--every` steps scores both the average
(`generate(..., ema=True)`) and the raw weights (`ema=False`) with `keras_gan.metrics`'
classifier of the dataset: classifier-FID of `--num-samples` images against the test set, and
class coverage. The same run, so the two curves differ only in the weights sampled from. One
row per seed; prints one JSON object and writes it to `--output`.

Real MNIST needs the offline files: `KERAS_GAN_DATA_DIR=/work/shared/data`. Without it the
script falls back to sklearn's 8x8 `digits` and says so (`"data_note"`).

Usage::

    KERAS_BACKEND=jax KERAS_GAN_DATA_DIR=/work/shared/data python benchmarks/ema.py \\
        --steps 1200 --every 200 --seeds 0 1 2 --output benchmarks/results/ema_cpu2_jax.json

`--standing-statistics` also scores both with BatchNorm's moving statistics recomputed for the
weights sampled from (BigGAN's "standing statistics"), to see whether the average loses to
statistics that belong to the raw weights.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quality_wasserstein import Scorer, emit, load_data  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--steps", type=int, default=1200, help="training steps per seed")
    parser.add_argument("--every", type=int, default=200, help="steps between evaluations")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--num-samples", type=int, default=2000, help="images per FID")
    # StyleGAN2's schedule: a half-life of 10,000 images, ramped up over the first 5% of the
    # images seen (ema_kimg=10, ema_rampup=0.05 in stylegan2-ada-pytorch's training loop).
    parser.add_argument("--ema-half-life", type=int, default=10_000)
    parser.add_argument("--ema-rampup", type=float, default=0.05)
    parser.add_argument(
        "--standing-statistics",
        action="store_true",
        help="also score the average with BatchNorm statistics recomputed for its weights "
        "(BigGAN's 'standing statistics'), and the raw weights likewise",
    )
    parser.add_argument("--output", default=None, help="write the JSON here too")
    return parser.parse_args(argv)


def standing_statistics(model, scorer, seed, average, batches=200):
    """Scores the average (or the raw weights) with BatchNorm's moving statistics recomputed
    for those weights: `batches` generator batches in training mode at momentum 0.9, then the
    statistics the training left are put back."""
    import keras

    layers = [
        layer
        for layer in model.generator._flatten_layers()
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if not layers:
        return None
    saved = [(np.array(x.moving_mean), np.array(x.moving_variance), x.momentum) for x in layers]
    try:
        with model.averaged_generator(average=average):
            for layer in layers:
                layer.momentum = 0.9
            for i in range(batches):
                model.generator(model.sample_latent(64, seed=10_000 + i), training=True)
            return scorer(model, seed=seed)
    finally:
        for layer, (mean, variance, momentum) in zip(layers, saved):
            layer.moving_mean.assign(mean)
            layer.moving_variance.assign(variance)
            layer.momentum = momentum


def run_seed(seed, args, train_data, image_shape, scorer):
    from keras_gan.models import DCGAN, DCGANConfig

    config = DCGANConfig(seed=seed, ema_half_life=args.ema_half_life, ema_rampup=args.ema_rampup)
    model = DCGAN.from_train_config(config, image_shape)
    data = iter(train_data(config.batch_size))
    curve, trained = [], 0.0
    for step in range(1, args.steps + 1):
        start = time.perf_counter()
        model.train_on_batch(np.asarray(next(data)))
        trained += time.perf_counter() - start
        if step % args.every == 0:
            average = scorer(model, seed=seed + 1, ema=True)
            raw = scorer(model, seed=seed + 1, ema=False)
            point = {"step": step, "seconds": round(trained, 1), "ema": average, "raw": raw}
            if args.standing_statistics:
                for name, flag in (("ema_standing", True), ("raw_standing", False)):
                    point[name] = standing_statistics(model, scorer, seed + 1, average=flag)
            curve.append(point)
            print(f"seed {seed} step {step}: FID ema {average['fid']:.1f} raw {raw['fid']:.1f}",
                  file=sys.stderr)  # fmt: skip
    return {"seed": seed, "curve": curve}


def main(argv=None):
    args = parse_args(argv)
    import keras

    dataset, train_data, test_images, _, note = load_data(args.dataset, 64, args.seeds[0])
    scorer = Scorer(dataset, test_images, args.num_samples)
    image_shape = tuple(test_images.shape[1:])
    started = time.perf_counter()
    runs = [run_seed(seed, args, train_data, image_shape, scorer) for seed in args.seeds]
    points = [
        (point["raw"]["fid"], point["ema"]["fid"]) for run in runs for point in run["curve"]
    ]  # fmt: skip
    report = {
        "benchmark": "ema",
        "command": "python benchmarks/ema.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "backend": keras.backend.backend(),
        "cpu_count": os.cpu_count(),
        "dataset": dataset,
        "data_note": note,
        "variant": "dcgan (command-line defaults)",
        "ema_half_life_images": args.ema_half_life,
        "ema_rampup": args.ema_rampup,
        "fid_protocol": scorer.network.protocol,
        "num_samples": args.num_samples,
        "seconds": round(time.perf_counter() - started, 1),
        "ema_better_at": f"{sum(e < r for r, e in points)} of {len(points)} evaluations",
        "mean_fid_ratio_ema_over_raw": float(np.mean([e / r for r, e in points])),
        "runs": runs,
    }
    emit(report, args.output)


if __name__ == "__main__":
    main()
