"""Improved GAN's semi-supervised MNIST card: test errors out of 10,000 with 100 labels.

The paper's Table 1 (Salimans et al. 2016): 93 +- 6.5 errors with feature matching and 100
labels (10 per class), after 300 epochs. This script trains `improved_gan`
with the command line's defaults (the authors' networks and optimizer, with the softplus
generator output; `--set generator_output=tanh` for the authors' sigmoid) for `--steps` steps per
seed, and counts the discriminator's errors on MNIST's test split every `--every` steps. Each
evaluation and the wall time so far are written to the JSON after every evaluation, so a run
stopped early keeps what it measured.

`--resume` continues each seed's run in `--runs` from its last checkpoint (exact also from
mid-epoch: the same batches and random stream as an uninterrupted run), so a trajectory of
60,000 steps can be trained over several sittings; the JSON named by `--output` is read and
extended, not overwritten (its seeds that `--seeds` leaves out are kept). Each run's
`resumed_at` lists the steps it was resumed at; its `seconds` add up the sittings' time to
their last evaluation (training done after that in a stopped sitting is kept in the
checkpoint, not in the seconds; a sitting stopped on an evaluation step is evaluated on
resuming, with `seconds` None).

`--average-decay D` also counts the errors of the authors' test-time discriminator: their
Theano script classifies the test set with an exponential moving average of the
discriminator's weights, w_avg <- w_avg + (1 - D) (w - w_avg) after every step
(`disc_param_avg`, D = 0.9999), not with the weights of the last step. Each evaluation then
has `test_errors_averaged` beside `test_errors`. The average lives in this script, not in the
checkpoint: it starts from the weights of each sitting's first step (the run's
`average_started_at` lists those steps), where theirs starts from zeros.

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
from keras_gan import checkpoints, datasets, ema, registry

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


class DiscriminatorAverage(keras.callbacks.Callback):
    """An exponential moving average of the discriminator's trainable weights, after each step.

    w_avg <- w_avg + (1 - decay) (w - w_avg), the authors'
    `disc_param_avg`, started from the weights after the first step it sees.
    """

    def __init__(self, decay):
        super().__init__()
        self.decay = decay
        self.average = None

    def on_train_batch_end(self, batch, logs=None):
        weights = [
            np.array(keras.ops.convert_to_numpy(variable), dtype="float64")
            for variable in self.model.discriminator_network.trainable_variables
        ]
        if self.average is None:
            self.average = weights
            return
        for average, weight in zip(self.average, weights):
            average += (1.0 - self.decay) * (weight - average)

    def classification_errors(self, model, images, labels):
        """`model.classification_errors` with the averaged weights in place, then restored."""
        variables = model.discriminator_network.trainable_variables
        averages = [a.astype(v.dtype) for v, a in zip(variables, self.average)]
        with ema.swapped_in(variables, averages):
            return model.classification_errors(images, labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=6000, help="training steps per seed")
    parser.add_argument("--every", type=int, default=600, help="steps between evaluations")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--output", default="semi_supervised.json")
    parser.add_argument("--runs", default="runs/semi_supervised", help="folder of the runs")
    parser.add_argument(
        "--resume", action="store_true",
        help="continue each seed's run in --runs and extend --output's evaluations",
    )  # fmt: skip
    parser.add_argument(
        "--average-decay", type=float, default=None,
        help="also count the errors of an average of the discriminator's weights with this "
        "decay per step (the authors' test-time weights use 0.9999)",
    )  # fmt: skip
    config_flags.add_argument(parser, "ImprovedGANConfig", "generator_loss=non_saturating")
    args = parser.parse_args()
    if args.average_decay is not None and not 0.0 < args.average_decay < 1.0:
        parser.error(f"--average-decay must be in (0, 1). Received: {args.average_decay}")
    overrides = config_flags.read(parser, args.set)
    config_flags.config(parser, args.set, registry.get("improved_gan").config_class)  # checked
    images, labels = test_split()
    previous, kept = {}, {}
    started_runs = [
        seed for seed in args.seeds
        if os.path.isfile(os.path.join(args.runs, f"seed_{seed}", "config.json"))
    ]  # fmt: skip
    # a JSON is extended only where its runs go on; a fresh run starts a fresh record
    if args.resume and started_runs and os.path.isfile(args.output):
        with open(args.output) as file:
            saved = json.load(file)
        previous = {run["seed"]: run for run in saved["runs"]}
        kept = {k: v for k, v in saved.items() if k not in ("backend", "command", "overrides")}
    record = {
        **kept,  # keys added by hand (machine, note) stay
        "backend": keras.backend.backend(),
        "command": "python benchmarks/semi_supervised.py "
        + " ".join(
            f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in vars(args).items()
            if k not in ("set", "resume") and v is not None
        )
        + (" --set " + " ".join(args.set) if args.set else ""),
        "overrides": overrides,
        # the seeds of the file that this sitting does not go on with are kept as they were
        "runs": [run for seed, run in previous.items() if seed not in args.seeds],
    }
    for seed in args.seeds:
        output = os.path.join(args.runs, f"seed_{seed}")
        resuming = args.resume and seed in started_runs
        average = DiscriminatorAverage(args.average_decay) if args.average_decay else None
        callbacks = [average] if average else []
        if resuming:
            # the run's own config; a --set that differs from it is refused by Run
            run = keras_gan.Run.resume(output, seed=seed, callbacks=callbacks, **overrides)
        else:
            run = keras_gan.Run(
                "improved_gan", output=output, seed=seed, callbacks=callbacks, **overrides
            )
        evaluations = list(previous.get(seed, {}).get("evaluations", []))
        reached = checkpoints.step_of(run.model) if resuming and run.model is not None else 0
        evaluations = [e for e in evaluations if e["step"] <= reached]
        resumed_at = list(previous.get(seed, {}).get("resumed_at", [])) + (
            [reached] if resuming else []
        )
        saved_run = {"seed": seed, "resumed_at": resumed_at, "evaluations": evaluations}
        if average:
            started_at = previous.get(seed, {}).get("average_started_at", [])
            saved_run["average_started_at"] = [*started_at, reached]
        record["runs"].append(saved_run)
        record["runs"].sort(key=lambda saved_run: saved_run["seed"])
        # seconds carry on from the last sitting's timed evaluation: the run's training time
        timed = [e["seconds"] for e in evaluations if e["seconds"] is not None]
        offset = timed[-1] if timed else 0.0
        if (
            reached
            and reached % args.every == 0
            and reached not in [e["step"] for e in evaluations]
        ):
            # stopped on an evaluation step before evaluating it: its training time since the
            # last evaluation was not measured (None)
            errors = run.model.classification_errors(images, labels)
            evaluations.append({"step": reached, "test_errors": errors, "seconds": None})
            print(f"seed {seed} step {reached}: {errors} test errors", flush=True)
        started = time.perf_counter()
        first = (reached // args.every + 1) * args.every
        for step in range(first, args.steps + 1, args.every):
            result = run.train(steps=step, verbose=0)
            if not result.done:  # stopped by a signal (checkpoint saved) or a NaN loss
                print(f"seed {seed} stopped at step {result.step}; --resume continues it")
                sys.exit(result.status)
            errors = run.model.classification_errors(images, labels)
            evaluation = {
                "step": result.step, "test_errors": errors,
                "seconds": round(offset + time.perf_counter() - started, 1),
            }  # fmt: skip
            averaged = ""
            if average:
                evaluation["test_errors_averaged"] = average.classification_errors(
                    run.model, images, labels
                )
                averaged = f", {evaluation['test_errors_averaged']} with the averaged weights"
            evaluations.append(evaluation)
            print(f"seed {seed} step {result.step}: {errors} test errors{averaged}", flush=True)
            with open(args.output, "w") as file:
                json.dump(record, file, indent=1)


if __name__ == "__main__":
    main()
