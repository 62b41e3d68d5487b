"""DiffAugment (and ADA) with little data: DCGAN on a fraction of MNIST (issue 15's card).

For each fraction of the training set (`--fractions`, in percent) and each seed, trains DCGAN
(the command line's defaults: width 32, Adam 5e-4, batch 64) for `--steps` steps without
augmentation and with `--policy` (DiffAugment's `color,translation,cutout`), and with
`--settings none diffaugment ada` also with ADA on that policy (`--ada-target`, the paper's 0.6,
and `--ada-speed`). Every `--every` steps it records:

- classifier-FID of `--num-samples` generated images against the test set, and class coverage,
  with `keras_gan.metrics`' classifier of the dataset (the EMA card's protocol);
- the discriminator's overfitting: its mean logit, in inference mode and without augmentation,
  on 500 of its training images, on 500 held-out test images and on 500 generated ones. A
  discriminator that memorised its training set scores those far above the held-out ones;
- ADA's overfitting heuristic r_t = E[sign(D(x))] on those training images (batches of 64, no
  augmentation), in inference mode and in training mode, which differ with BatchNorm.

The same steps for every setting. Prints one JSON object and writes it to `--output`.

Real MNIST needs the offline files: `KERAS_GAN_DATA_DIR=/work/shared/data`. Without it the
script falls back to sklearn's 8x8 `digits` and says so (`"data_note"`).

Usage::

    KERAS_BACKEND=tensorflow KERAS_GAN_DATA_DIR=/work/shared/data python benchmarks/augment.py \\
        --fractions 1 10 --steps 1200 --seeds 0 1 2 \\
        --output benchmarks/results/augment_cpu2_tensorflow.json
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
    parser.add_argument("--fractions", type=int, nargs="+", default=[1, 10],
                        help="percent of the training set")  # fmt: skip
    parser.add_argument("--steps", type=int, default=1200, help="training steps per run")
    parser.add_argument("--every", type=int, default=400, help="steps between evaluations")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--num-samples", type=int, default=2000, help="images per FID")
    parser.add_argument("--policy", default="color,translation,cutout",
                        help="DiffAugment's policy for little data")  # fmt: skip
    parser.add_argument("--settings", nargs="+", default=["none", "diffaugment"],
                        choices=["none", "diffaugment", "ada"],
                        help="what to train with: no augmentation, DiffAugment's policy, ADA")  # fmt: skip
    # ADA's 500,000 images for p to move by one are for runs of millions of images; a
    # 1,200-step run sees 76,800.
    parser.add_argument("--ada-speed", type=int, default=20_000)
    parser.add_argument("--ada-target", type=float, default=0.6,
                        help="ADA's target for E[sign(D(x_real))] (the paper's 0.6)")  # fmt: skip
    parser.add_argument("--output", default=None, help="write the JSON here too")
    return parser.parse_args(argv)


def first_images(dataset, split, count):
    """The first `count` images of a split, in [-1, 1], unshuffled."""
    from keras_gan import datasets

    batches = datasets.load(dataset, split=split, batch_size=250, shuffle=False,
                            drop_remainder=False)  # fmt: skip
    images = []
    for batch in batches:
        images.append(np.asarray(batch))
        if sum(len(x) for x in images) >= count:
            break
    return np.concatenate(images)[:count]


def overfitting(model, train_images, test_images, seed):
    """The raw discriminator's mean logit on training, held-out and generated images."""
    from keras import ops

    from keras_gan import augment

    network = augment.unwrapped(model.discriminator)

    def score(images):
        return float(np.mean(ops.convert_to_numpy(network(images, training=False))))

    fake = model.generate(len(train_images), seed=seed)
    return {"train": score(train_images), "held_out": score(test_images), "fake": score(fake)}


def real_signs(model, train_images, batch_size=64):
    """ADA's r_t, E[sign(D(x))], on the training images without augmentation, read two ways:
    in inference mode (BatchNorm's moving statistics) and in training mode (each batch's own,
    as the discriminator's update sees a real batch), with the moving statistics put back."""
    from keras import ops

    from keras_gan import augment

    network = augment.unwrapped(model.discriminator)
    batches = [
        train_images[i : i + batch_size]
        for i in range(0, len(train_images) - batch_size + 1, batch_size)
    ]

    def mean_sign(score):
        scores = [ops.convert_to_numpy(score(batch)) for batch in batches]
        return float(np.mean(np.sign(np.concatenate(scores))))

    return {
        "inference": mean_sign(lambda batch: network(batch, training=False)),
        "training": mean_sign(lambda batch: augment.training_mode_outputs(network, batch)),
    }


def run(seed, fraction, setting, args, image_shape, scorer, held_out):
    from keras_gan import datasets
    from keras_gan.models import DCGAN, DCGANConfig

    augmentation = {}
    if setting == "diffaugment":
        augmentation = dict(augment=args.policy)
    elif setting == "ada":
        augmentation = dict(
            augment=args.policy, ada_target=args.ada_target, ada_speed=args.ada_speed
        )
    config = DCGANConfig(seed=seed, **augmentation)
    model = DCGAN.from_train_config(config, image_shape)
    split = f"train[:{fraction}%]"
    data = iter(datasets.load(args.dataset, split=split, batch_size=64, seed=seed).repeat())
    train_images = first_images(args.dataset, split, len(held_out))
    curve, trained = [], 0.0
    for step in range(1, args.steps + 1):
        start = time.perf_counter()
        logs = model.train_on_batch(np.asarray(next(data)), return_dict=True)
        trained += time.perf_counter() - start
        if step % args.every == 0:
            point = {"step": step, "seconds": round(trained, 1)}
            point.update(scorer(model, seed=seed + 1))
            point["d_logit"] = overfitting(model, train_images, held_out, seed + 2)
            point["r_t"] = real_signs(model, train_images)
            if setting == "ada":
                point["ada_p"] = float(model.discriminator.probability)
                point["ada_r"] = float(logs["ada_r"])  # this step's E[sign(D(x_real))]
            curve.append(point)
            print(f"{fraction}% {setting} seed {seed} step {step}: FID {point['fid']:.1f}, "
                  f"D train {point['d_logit']['train']:.2f} held-out "
                  f"{point['d_logit']['held_out']:.2f} {logs.get('ada_p', '')}",
                  file=sys.stderr)  # fmt: skip
    return {"seed": seed, "curve": curve}


def main(argv=None):
    args = parse_args(argv)
    import keras

    dataset, _, test_images, _, note = load_data(args.dataset, 64, args.seeds[0])
    args.dataset = dataset
    scorer = Scorer(dataset, test_images, args.num_samples)
    held_out = test_images[-500:]  # not among the FID's reference images (the first ones)
    image_shape = tuple(test_images.shape[1:])
    settings = args.settings
    started = time.perf_counter()
    results = {}
    for fraction in args.fractions:
        results[f"{fraction}%"] = {
            setting: [
                run(seed, fraction, setting, args, image_shape, scorer, held_out)
                for seed in args.seeds
            ]
            for setting in settings
        }
    summary = {}
    for fraction, by_setting in results.items():
        summary[fraction] = {}
        for setting, runs in by_setting.items():
            last = [r["curve"][-1] for r in runs]
            fids = [p["fid"] for p in last]
            summary[fraction][setting] = {
                "fid_mean": round(float(np.mean(fids)), 2),
                "fid_std": round(float(np.std(fids)), 2),
                "fid_per_seed": [round(f, 2) for f in fids],
                "d_logit_train_minus_held_out": round(
                    float(
                        np.mean([p["d_logit"]["train"] - p["d_logit"]["held_out"] for p in last])
                    ),
                    3,
                ),
                "seconds_per_run": round(float(np.mean([p["seconds"] for p in last])), 1),
            }
    report = {
        "benchmark": "augment",
        "command": "python benchmarks/augment.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "backend": keras.backend.backend(),
        "cpu_count": os.cpu_count(),
        "dataset": dataset,
        "data_note": note,
        "variant": "dcgan (command-line defaults)",
        "policy": args.policy,
        "ada": {"target": args.ada_target, "speed": args.ada_speed} if "ada" in settings else None,
        "steps": args.steps,
        "fid_protocol": scorer.network.protocol,
        "num_samples": args.num_samples,
        "seconds": round(time.perf_counter() - started, 1),
        "summary": summary,
        "runs": results,
    }
    emit(report, args.output)


if __name__ == "__main__":
    main()
