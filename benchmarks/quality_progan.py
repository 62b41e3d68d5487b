"""ProGAN and StyleGAN against DCGAN on MNIST at 32x32, at equal training time on one CPU core.

Each variant trains at its command-line defaults (`python -m keras_gan.train progan` /
`stylegan` / `dcgan --image-size 32`) for `--minutes` of training time, and is scored at
`--checkpoints` points with the classifier of `keras_gan.metrics` (FID on its 128-d features
against the test images, and class coverage). ProGAN's record at each point also gives the
resolution and alpha it had reached. Pin the process to one core yourself (`taskset -c 1`,
`OMP_NUM_THREADS=1`) for the issue's one-core comparison. `--clock cpu` counts the process's
CPU seconds instead of wall seconds: on a core that other work shares, that is the budget each
variant actually got. `--set FIELD=VALUE` changes a config field of every variant run (the
authors' CIFAR-10 StyleGAN, say: `--variants stylegan --set path_length_weight=0
style_mixing_probability=0`). Writes `results.json` to `--output` and prints it.

Real MNIST needs the offline files: `KERAS_GAN_DATA_DIR=/work/shared/data`.

Usage::

    KERAS_BACKEND=torch OMP_NUM_THREADS=1 KERAS_GAN_DATA_DIR=/work/shared/data \
        taskset -c 1 python benchmarks/quality_progan.py --minutes 20 --output /tmp/progan_q
    KERAS_BACKEND=jax KERAS_GAN_DATA_DIR=/work/shared/data taskset -c 1 \
        python benchmarks/quality_progan.py --variants stylegan dcgan --minutes 15 --clock cpu \
        --output /tmp/stylegan_q
    KERAS_BACKEND=jax KERAS_GAN_DATA_DIR=/work/shared/data taskset -c 0 \
        python benchmarks/quality_progan.py --variants stylegan --minutes 15 --clock cpu \
        --set path_length_weight=0 style_mixing_probability=0 ema_rampup=0.05 \
        --output /tmp/stylegan_cifar_q
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import config_flags  # noqa: E402

VARIANTS = ("progan", "stylegan", "dcgan")
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--minutes", type=float, default=20.0, help="training time per variant")
    parser.add_argument(
        "--clock",
        default="wall",
        choices=sorted(CLOCKS),
        help="what a minute of training time is: wall seconds, or this process's CPU seconds",
    )
    parser.add_argument("--checkpoints", type=int, default=5, help="evaluations over training")
    parser.add_argument("--num-samples", type=int, default=2000, help="images per FID")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="quality_progan_out")
    config_flags.add_argument(parser, "each variant's config", "ema_rampup=0.05")
    args = parser.parse_args(argv)
    from keras_gan import registry

    # every variant's config is made (and its --set fields checked) before anything trains
    args.configs = {
        name: config_flags.config(
            parser, args.set, registry.get(name).config_class, seed=args.seed, image_size=32
        )
        for name in args.variants
    }
    return args


def run_variant(name, args, scorer):
    import keras

    from keras_gan import datasets, registry

    keras.utils.set_random_seed(args.seed)
    variant = registry.get(name)
    config = args.configs[name]
    model = variant.model_class.from_train_config(config, (32, 32, 1))
    batches = iter(
        datasets.load("mnist", batch_size=config.batch_size, image_size=32, seed=args.seed).repeat()
    )
    budget = args.minutes * 60.0
    marks = [budget * (i + 1) / args.checkpoints for i in range(args.checkpoints)]
    clock = CLOCKS[args.clock]
    curve, steps, trained = [], 0, 0.0
    while marks:
        start = clock()
        for _ in range(10):
            model.train_on_batch(np.asarray(next(batches)), return_dict=True)
        model.reset_metrics()
        trained += clock() - start
        steps += 10
        if trained >= marks[0]:
            marks.pop(0)
            point = {"step": steps, "images": steps * config.batch_size,
                     "seconds": round(trained, 1)}  # fmt: skip
            if hasattr(model, "stage"):
                point["resolution"], point["alpha"] = model.stage()
                # the floor at this stage: the test images themselves, shown at its resolution
                point["fid_of_real_images_at_stage"] = scorer.real_at(model)
            point.update(scorer(model, seed=args.seed + 1))
            if model.generator_average:  # the raw generator too, next to its moving average
                raw = scorer(model, seed=args.seed + 1, ema=False)
                point.update({f"{k}_without_ema": v for k, v in raw.items()})
            curve.append(point)
            print(name, json.dumps(point), flush=True)
    return {
        "variant": name,
        "overrides": config_flags.read(None, args.set),
        "batch_size": config.batch_size,
        "parameters": int(model.generator.count_params() + model.discriminator.count_params()),
        "checkpoints": curve,
    }


def main(argv=None):
    args = parse_args(argv)
    import keras
    from quality_wasserstein import Scorer, load_data

    class StageScorer(Scorer):
        def real_at(self, model):
            """FID of the test images shown at the model's stage (resized to 32x32, blended as
            ProGAN's discriminator sees them) against the same images at full size."""
            from keras import ops

            from keras_gan.networks.progan import real_images_at

            images = ops.image.resize(self.test_images, (32, 32))
            level_of_detail = model.schedule.level_of_detail(model.images_seen)
            shown = real_images_at(images, level_of_detail, model.schedule.levels)
            features = self.metrics.extract_features(self.network, ops.convert_to_numpy(shown))
            return self.metrics.fid_from_moments(self.real.moments, features.moments)

    if not os.environ.get("KERAS_GAN_DATA_DIR"):
        sys.exit("Set KERAS_GAN_DATA_DIR to the offline MNIST files (this compares MNIST runs).")
    os.makedirs(args.output, exist_ok=True)
    dataset, _, test_images, _, _ = load_data("mnist", 64, args.seed)
    scorer = StageScorer(dataset, test_images, args.num_samples)
    scorer.test_images = test_images[: args.num_samples]
    results = [run_variant(name, args, scorer) for name in args.variants]
    report = {
        "benchmark": "quality_progan",
        "command": "python benchmarks/quality_progan.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "backend": keras.backend.backend(),
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "minutes_per_variant": args.minutes,
        "clock": args.clock,
        "fid_protocol": scorer.network.protocol,
        "num_samples": args.num_samples,
        "results": results,
    }
    with open(os.path.join(args.output, "results.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
