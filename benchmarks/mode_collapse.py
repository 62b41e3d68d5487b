"""Mode-collapse benchmark cards: the VEEGAN/PacGAN protocols on ring, grid and Stacked MNIST.

Prints one JSON object: the device, the backend, the protocol, and per setting the metrics,
steps, seeds and wall time. The published anchors are in `docs/benchmarks.md`.

- `--task ring|grid`: `keras_gan.lab.run_toy` (PacGAN's 2-D networks, CPU-scaled schedule;
  `--decay f` holds the learning rates, then decays them linearly to 0 over the last fraction
  f of the steps; `--discriminator-steps k` gives D k updates per G update;
  `--unrolling-steps K` trains the Unrolled GAN instead, K = 0 its plain baseline;
  `--ema-decay d [--ema-start s]` scores the generator's moving average; `--generator-steps n`
  gives G n updates per step, as PacGAN's code does with 2), 2,500
  samples, modes captured / % high quality / reverse KL, for each `--packing` m.
- `--task stacked_mnist`: DCGAN (m = 1) or PacDCGAN-m on Stacked MNIST 28x28x3, then 26,000
  samples classified channel by channel by the project's MNIST classifier: modes (of 1000) and
  KL to uniform, at the end and, with `--eval-every N`, every N steps (the `history`; the
  evaluation time is not counted in `wall_seconds`). `--decay f` as for the toys, on DCGAN's
  Adam(2e-4, beta_1 0.5). `--real` counts 26,000 real Stacked MNIST samples instead (the floor). Runs on a GPU when one is visible (the
  JSON names the device).

Usage::

    KERAS_BACKEND=jax python benchmarks/mode_collapse.py --task ring --packing 1 2 --steps 10000 --decay 0.5 --seeds 0 1 2
    KERAS_BACKEND=jax python benchmarks/mode_collapse.py --task grid --packing 1 4 --steps 6000 --seeds 0
    KERAS_GAN_DATA_DIR=/work/shared/data KERAS_BACKEND=jax \\
        python benchmarks/mode_collapse.py --task stacked_mnist --packing 1 2 --steps 10000
    KERAS_GAN_DATA_DIR=/work/shared/data KERAS_BACKEND=tensorflow \\
        python benchmarks/mode_collapse.py --task stacked_mnist --packing 1 --steps 24000 --eval-every 4000 --base-filters 32
"""

import argparse
import json
import os
import platform
import sys
import time

import keras
import numpy as np


def device():
    """The accelerator the backend computes on, in words."""
    backend = keras.backend.backend()
    try:
        if backend == "jax":
            import jax

            d = jax.devices()[0]
            return f"jax:{d.platform}:{getattr(d, 'device_kind', '')}"
        if backend == "torch":
            import torch

            if torch.cuda.is_available():
                return f"torch:cuda:{torch.cuda.get_device_name(0)}"
            return "torch:cpu"
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return f"tensorflow:{'gpu' if gpus else 'cpu'}:{len(gpus)}"
    except Exception as error:  # the benchmark must still report
        return f"{backend}:unknown ({error})"


def toy(args):
    from keras_gan.lab import run_toy

    runs = []
    for m in args.packing:
        for seed in args.seeds:
            unrolled = args.unrolling_steps is not None
            stabilisers = {}
            if args.ema_decay is not None:
                stabilisers.update(ema_decay=args.ema_decay, ema_start=args.ema_start)
            if args.generator_steps != 1:
                stabilisers.update(generator_steps=args.generator_steps)
            result = run_toy(
                "unrolled_gan" if unrolled else "gan", args.task, packing=m,
                minibatch_std=args.minibatch_std, steps=args.steps, seed=seed,
                eval_every=args.eval_every or 500, learning_rate=args.learning_rate,
                decay_fraction=args.decay, discriminator_steps=args.discriminator_steps,
                unrolling_steps=args.unrolling_steps if unrolled else 10, **stabilisers,
            )  # fmt: skip
            metrics = {k: v for k, v in result["metrics"].items() if k != "protocol"}
            name = f"Unrolled GAN, K={args.unrolling_steps}" if unrolled else "GAN"
            runs.append({
                "setting": f"{name if m == 1 else f'PacGAN{m}'}{'+mbstd' if args.minibatch_std else ''}"
                + (f", {args.discriminator_steps} D steps" if args.discriminator_steps > 1 else "")
                + (f", {args.generator_steps} G steps" if args.generator_steps > 1 else "")
                + (f", EMA {args.ema_decay}" if args.ema_decay is not None else ""),
                **result["config"], **metrics, "wall_seconds": result["wall_seconds"],
                **({"raw_generator": {k: v for k, v in result["raw_metrics"].items() if k != "protocol"}}
                   if "raw_metrics" in result else {}),
                "history": [{k: h[k] for k in ("step", "modes_captured", "high_quality", "d_loss") if k in h}
                            for h in result["history"]],
            })  # fmt: skip
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    protocol = result["metrics"]["protocol"]
    return protocol, runs


class StackedEvaluation(keras.callbacks.Callback):
    """Counts Stacked MNIST modes after every epoch (a block of steps), timing itself."""

    def __init__(self, lab, classifier, seed, block):
        super().__init__()
        self.lab, self.classifier, self.seed, self.block = lab, classifier, seed, block
        self.seconds, self.history, self.metrics = 0.0, [], None

    def on_epoch_end(self, epoch, logs=None):
        start = time.perf_counter()
        images = self.model.generate(self.lab.PROTOCOL_SAMPLES, seed=self.seed, batch_size=1000)
        self.metrics = self.lab.count_modes(images, self.classifier)
        self.seconds += time.perf_counter() - start
        self.history.append(
            {
                "step": (epoch + 1) * self.block,
                **{
                    k: self.metrics[k]
                    for k in ("modes_captured", "kl", "channel_kl", "total_correlation")
                },
            }
        )
        print(json.dumps(self.history[-1]), file=sys.stderr, flush=True)


def stacked_mnist(args):
    from keras_gan import datasets
    from keras_gan.lab import pack_discriminator
    from keras_gan.lab import stacked_mnist as lab
    from keras_gan.lab.experiments import held_then_decayed
    from keras_gan.metrics import classifier as classifier_lib
    from keras_gan.models import DCGAN
    from keras_gan.networks import dcgan_discriminator

    classifier, record = classifier_lib.load_classifier("mnist")
    if args.real:  # the protocol on real Stacked MNIST: the floor a generator can reach
        runs = []
        for seed in args.seeds:
            data, info = datasets.load("stacked_mnist", batch_size=1000, seed=seed, with_info=True)
            images = np.concatenate(
                [np.asarray(x) for x in data.take(lab.PROTOCOL_SAMPLES // 1000)]
            )
            metrics = lab.count_modes(images, classifier)
            runs.append({
                "setting": "real Stacked MNIST", "seed": seed, "data_source": info.extras.get("source"),
                **{k: v for k, v in metrics.items() if k != "protocol"},
            })  # fmt: skip
        return metrics["protocol"], runs
    runs = []
    for m in args.packing:
        for seed in args.seeds:
            keras.utils.set_random_seed(seed)
            data, info = datasets.load(
                "stacked_mnist", batch_size=args.batch_size * m, seed=seed, with_info=True
            )
            discriminator = pack_discriminator(
                dcgan_discriminator((28, 28, 3 * m), args.base_filters, seed=seed + 1000), m
            )
            model = DCGAN(
                image_shape=(28, 28, 3), base_filters=args.base_filters,
                discriminator=discriminator, seed=seed,
            )  # fmt: skip
            # DCGAN's Adam(2e-4, beta_1 0.5), with `--decay` the toys' held-then-decayed rate
            rate = held_then_decayed(2e-4, args.steps, args.decay)
            model.compile(*[keras.optimizers.Adam(rate, beta_1=0.5) for _ in range(2)])
            # Train in blocks of `--eval-every` steps (one block without it); the protocol is
            # evaluated after each block, its time kept out of the training wall time.
            block = args.eval_every or args.steps
            if args.steps % block:
                raise SystemExit(f"--eval-every {block} must divide --steps {args.steps}")
            evaluation = StackedEvaluation(lab, classifier, seed + 10_000, block)
            start = time.perf_counter()
            model.fit(
                data.repeat(),
                epochs=args.steps // block,
                steps_per_epoch=block,
                verbose=0,
                callbacks=[evaluation],
            )
            wall = time.perf_counter() - start - evaluation.seconds
            metrics, history = evaluation.metrics, evaluation.history
            runs.append({
                "setting": "DCGAN" if m == 1 else f"PacDCGAN{m}", "packing": m, "seed": seed,
                "steps": args.steps, "batch_size": args.batch_size * m,
                "base_filters": args.base_filters, "decay_fraction": args.decay,
                "data_source": info.extras.get("source"),
                **{k: v for k, v in metrics.items() if k != "protocol"},
                "classifier_test_accuracy": record["test_accuracy"],
                "wall_seconds": round(wall, 1),
                **({"history": history} if len(history) > 1 else {}),
            })  # fmt: skip
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    return metrics["protocol"], runs


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--task", required=True, choices=("ring", "grid", "stacked_mnist"))
    parser.add_argument(
        "--packing",
        type=int,
        nargs="+",
        default=[1, 2],
        help="degrees of packing m to run (1 = no packing)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="adversarial steps (toys: 4000; stacked_mnist: 5000)",
    )
    parser.add_argument(
        "--minibatch-std", action="store_true", help="toys: minibatch std layer in D"
    )
    parser.add_argument(
        "--discriminator-steps",
        type=int,
        default=1,
        help="toys: D updates per G update (default 1, the paper's)",
    )
    parser.add_argument(
        "--learning-rate", type=float, default=None, help="toys: Adam step (default 5e-4)"
    )
    parser.add_argument(
        "--unrolling-steps",
        type=int,
        default=None,
        help="toys: train keras_gan's UnrolledGAN with this K (0: its plain-GAN baseline) "
        "instead of the lab's GAN",
    )
    parser.add_argument(
        "--ema-decay",
        type=float,
        default=None,
        help="toys: keep the generator's moving average with this decay and score it "
        "(default: none, the trained weights)",
    )
    parser.add_argument(
        "--ema-start", type=int, default=0, help="toys: step at which the average starts"
    )
    parser.add_argument(
        "--generator-steps",
        type=int,
        default=1,
        help="toys: G updates per step (default 1; PacGAN's code takes 2)",
    )
    parser.add_argument(
        "--decay",
        type=float,
        default=0.0,
        help="last fraction of the steps over which the learning rates fall linearly to 0",
    )
    parser.add_argument(
        "--eval-every",
        type=int,
        default=None,
        help="steps between history points (toys: 500; stacked_mnist: only at the end)",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="stacked_mnist: packs per batch")
    parser.add_argument("--base-filters", type=int, default=64, help="stacked_mnist: DCGAN width")
    parser.add_argument(
        "--real",
        action="store_true",
        help="stacked_mnist: count the modes of 26,000 real samples instead of training",
    )
    parser.add_argument("--output", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    if args.steps is None:
        args.steps = 5000 if args.task == "stacked_mnist" else 4000
    start = time.perf_counter()
    protocol, runs = (stacked_mnist if args.task == "stacked_mnist" else toy)(args)
    report = {
        "task": args.task,
        "device": device(),
        "backend": keras.backend.backend(),
        "host": platform.node(),
        "cpu_count": os.cpu_count(),
        "command": "python benchmarks/mode_collapse.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "protocol": protocol,
        "runs": runs,
        "total_wall_seconds": round(time.perf_counter() - start, 1),
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as file:
            file.write(text)
    return report


if __name__ == "__main__":
    main()
