"""How far DCGAN gets on MNIST in a few thousand steps: the classifier's reading at checkpoints.

Trains `DCGAN` from a `DCGANConfig` (any of its fields as flags) on MNIST in one `fit` and, at
each step of `--score-at`, reads 2,000 samples (fixed latents) with the project's MNIST
classifier (`keras_gan.metrics.classifier_network("mnist")`): the share read with confidence
>= 0.9 and each digit's share. The same at each step for an exponential moving average of the
generator's weights (`--ema`, decays; updated every 10 steps with decay**10) and with the raw
generator's BatchNorm in training mode (batch statistics). Any other `DCGANConfig` field (the
stabilisers every model shares included: `label_smoothing`, `generator_steps`, `ema_half_life`,
...) is set with `--set FIELD=VALUE`; with the model's own EMA on, its average is read too
(`model_ema`). Used to choose the first run's defaults (docs/variants/dcgan.md, "The first
run"); the figures are per step, not timed.

    export KERAS_GAN_DATA_DIR=/work/shared/data
    KERAS_BACKEND=jax python benchmarks/dcgan_short_runs.py --tag lr5e-4_w32 \\
        --learning-rate 5e-4 --base-filters 32 --score-at 500 1000 1500 2000 2500
    KERAS_BACKEND=jax python benchmarks/dcgan_short_runs.py --tag smoke --base-filters 8 \\
        --score-at 20 40                              # a quick check that it runs
    KERAS_BACKEND=jax python benchmarks/dcgan_short_runs.py --tag smoothing0.1 \\
        --set label_smoothing=0.1 --score-at 1000 2000 2400
    KERAS_BACKEND=jax python benchmarks/dcgan_short_runs.py --tag lr5e-4_w32_decay0.5 \\
        --lr-decay-from 0.5 --score-at 1200 2400     # both rates fall to 0 over the last half

Writes `benchmarks/results/dcgan_short_runs/<tag>.json` (or `--output`).
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import config_flags  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "dcgan_short_runs")


def reader(network, confidence=0.9):
    def read(images):
        probs = np.concatenate(
            [np.asarray(network(images[i : i + 500])[1]) for i in range(0, len(images), 500)]
        )
        shares = np.bincount(probs.argmax(1), minlength=10) / len(probs)
        unsure = probs[probs.max(1) < confidence]
        # Where the unsure samples lie: between two digits (the two likeliest classes hold
        # nearly all the probability) or nowhere in particular.
        top_two = np.sort(unsure, axis=1)[:, -2:].sum(1) if len(unsure) else np.ones(1)
        return {
            "confident_share": round(float((probs.max(1) >= confidence).mean()), 4),
            "unsure_top_two_mass": round(float(top_two.mean()), 4),
            "unsure_between_two_share": round(float((top_two >= 0.9).mean()), 4),
            "min_digit_share": round(float(shares.min()), 4),
            "max_digit_share": round(float(shares.max()), 4),
            "digit_shares": [round(float(s), 4) for s in shares],
        }

    return read


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tag", required=True, help="name of the result file")
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--d-learning-rate", type=float, default=None, help="TTUR: D's own rate")
    parser.add_argument("--base-filters", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument(
        "--lr-decay-from",
        type=float,
        default=None,
        help="fraction of the last --score-at step from which both rates fall linearly to 0",
    )
    parser.add_argument(
        "--no-discriminator-batchnorm",
        action="store_true",
        help="the discriminator without BatchNorm (dcgan_discriminator(batchnorm=False))",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--score-at", type=int, nargs="+", default=[500, 1000, 1500, 2000])
    parser.add_argument("--ema", type=float, nargs="*", default=[0.99])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--output", default=None)
    config_flags.add_argument(
        parser, "any other DCGANConfig", "label_smoothing=0.1 generator_steps=2"
    )
    args = parser.parse_args(argv)

    import keras

    from keras_gan import datasets, metrics
    from keras_gan.models import DCGAN, DCGANConfig

    flags = {k: getattr(args, k) for k in ("learning_rate", "base_filters", "batch_size")}
    flags = {k: v for k, v in flags.items() if v is not None}
    config = config_flags.config(parser, args.set, DCGANConfig, seed=args.seed, **flags)
    keras.utils.set_random_seed(config.seed)
    image_size = config.image_size or 28
    model = DCGAN.from_train_config(config, (image_size, image_size, 1))
    if args.no_discriminator_batchnorm:
        from keras_gan.networks import dcgan_discriminator

        discriminator = dcgan_discriminator(
            (image_size, image_size, 1),
            config.base_filters,
            batchnorm=False,
            seed=config.seed + 1000,
        )
        model = DCGAN(
            generator=model.generator, discriminator=discriminator, latent_dim=config.latent_dim
        )
    if (
        args.d_learning_rate is not None
        or args.lr_decay_from is not None
        or args.no_discriminator_batchnorm
    ):
        total = max(args.score_at)

        def schedule(value):
            if args.lr_decay_from is None:
                return value
            start = int(args.lr_decay_from * total)

            class LinearToZero(keras.optimizers.schedules.LearningRateSchedule):
                """`value` until step `start`, then linearly down to 0 at the last step."""

                def __call__(self, step):
                    step = keras.ops.cast(step, "float32")
                    done = keras.ops.clip((step - start) / max(1, total - start), 0.0, 1.0)
                    return value * (1.0 - done)

            return LinearToZero()

        d_rate = config.learning_rate if args.d_learning_rate is None else args.d_learning_rate
        model.compile(
            keras.optimizers.Adam(schedule(d_rate), beta_1=config.beta_1),
            keras.optimizers.Adam(schedule(config.learning_rate), beta_1=config.beta_1),
        )
    read = reader(metrics.classifier_network("mnist"))
    latents = np.asarray(model.sample_latent(args.samples, seed=123))
    score_at, results = sorted(set(args.score_at)), []

    class Score(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.step, self.ema = 0, None

        def on_train_batch_end(self, batch, logs=None):
            self.step += 1
            if self.step % 10 and self.step not in score_at:
                return
            sync = getattr(self.model, "jax_state_sync", None)
            if sync:
                sync()
            generator = self.model.generator
            values = [np.asarray(v) for v in generator.variables]
            if self.ema is None:
                self.ema = {d: [v.copy() for v in values] for d in args.ema}
            else:
                for decay, averages in self.ema.items():
                    for i, value in enumerate(values):  # 10 steps of decay at once
                        averages[i] = decay**10 * averages[i] + (1 - decay**10) * value
            if self.step not in score_at:
                return
            row = {"step": self.step, "seconds": round(time.time() - start, 1)}
            row["generator"] = read(np.asarray(generator(latents, training=False)))
            row["generator_batch_statistics"] = read(
                np.concatenate(
                    [
                        np.asarray(generator(latents[i : i + 64], training=True))
                        for i in range(0, len(latents), 64)
                    ]
                )  # fmt: skip
            )
            if self.model.ema_decay is not None or self.model.ema_half_life is not None:
                row["model_ema"] = read(np.asarray(self.model.generate(latents=latents)))
            for decay, averages in self.ema.items():
                for variable, value in zip(generator.variables, averages):
                    variable.assign(value)
                row[f"ema_{decay}"] = read(np.asarray(generator(latents, training=False)))
            for variable, value in zip(generator.variables, values):
                variable.assign(value)
            print(json.dumps(row), flush=True)
            results.append(row)

    data = datasets.load(
        "mnist", batch_size=config.batch_size, image_size=config.image_size, seed=config.seed
    ).repeat()
    start = time.time()
    model.fit(data, steps_per_epoch=max(score_at), epochs=1, callbacks=[Score()], verbose=0)
    output = args.output or os.path.join(RESULTS, f"{args.tag}.json")
    os.makedirs(os.path.dirname(output), exist_ok=True)
    record = {
        "benchmark": "DCGAN on MNIST: the classifier's reading of samples at checkpoints",
        "backend": keras.backend.backend(),
        "config": config.to_dict(),
        "d_learning_rate": args.d_learning_rate,
        "lr_decay_from": args.lr_decay_from,
        "discriminator_batchnorm": not args.no_discriminator_batchnorm,
        "set": args.set,
        "results": results,
        "note": "seconds include the scoring and are not a speed figure",
    }
    with open(output, "w") as file:
        json.dump(record, file, indent=1)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
