"""Resume in constant time (issue 19, item 4): the time to a resumed run's first batch, by step.

A run resumed at step `s` needs the batch the uninterrupted run would read at step `s`. Until
this change the run rebuilt its stream as `load(...).repeat().skip(s)`: tf.data reads, shuffles,
batches and scales every one of the `s` batches before it, so the wait grows with the step. Now
it calls `load(..., start_step=s)`: each epoch is shuffled with a seed made of `--seed` and the
epoch number, the epochs before the one holding step `s` are never built, and only the examples
of that epoch before it are skipped (unbatched, unscaled).

For each dataset and step this measures, in one process, the seconds from `load` to the first
batch with the replay (`"replay"`) and with `start_step` (`"start_step"`), and checks that the
three batches from `start_step=s` equal batches `s..s+2` of the uninterrupted stream
(`load(..., start_step=0)` read from the start, which costs what the replay costs).

Real MNIST needs the offline files (`KERAS_GAN_DATA_DIR`); without them only `digits` runs.

Usage::

    KERAS_GAN_DATA_DIR=/work/shared/data python benchmarks/resume_stream.py \\
        --output benchmarks/results/resume_stream_cpu2.json
"""

import argparse
import json
import os
import platform
import time

import numpy as np


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["digits", "mnist"])
    parser.add_argument("--at-steps", type=int, nargs="+", default=[1_000, 10_000, 100_000],
                        help="the steps to resume at")  # fmt: skip
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=None, help="write the JSON here too")
    return parser.parse_args(argv)


def first_batches(dataset, count=3):
    return [np.asarray(batch) for batch in dataset.take(count)]


def seconds_to_first_batch(make):
    start = time.perf_counter()
    batch = first_batches(make(), 1)[0]
    return time.perf_counter() - start, batch


def main(argv=None):
    args = parse_args(argv)
    from keras_gan import datasets

    have_mnist = os.path.isdir(os.path.join(os.environ.get("KERAS_GAN_DATA_DIR", ""), "mnist"))
    results, notes = [], []
    for name in args.datasets:
        if name == "mnist" and not have_mnist:
            notes.append("mnist skipped: KERAS_GAN_DATA_DIR has no mnist/ folder")
            continue
        options = dict(batch_size=args.batch_size, seed=args.seed)
        info = datasets.info(name, **options)
        datasets.load(name, **options)  # prepare (tfds) before anything is timed
        for step in args.at_steps:
            replay, _ = seconds_to_first_batch(
                lambda: datasets.load(name, **options).repeat().skip(step)
            )
            constant, _ = seconds_to_first_batch(
                lambda: datasets.load(name, start_step=step, **options)
            )
            resumed = first_batches(datasets.load(name, start_step=step, **options))
            straight = first_batches(datasets.load(name, start_step=0, **options).skip(step))
            same = all(np.array_equal(a, b) for a, b in zip(resumed, straight))
            row = {
                "dataset": name, "num_examples": info.num_examples,
                "steps_per_epoch": info.steps_per_epoch, "step": step,
                "epoch": step // info.steps_per_epoch, "replay_s": round(replay, 3),
                "start_step_s": round(constant, 3), "speedup": round(replay / constant, 1),
                "same_batches_as_uninterrupted": same,
            }  # fmt: skip
            print(json.dumps(row), flush=True)
            results.append(row)
    report = {
        "benchmark": "resume_stream",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "batch_size": args.batch_size,
        "results": results,
        "notes": notes,
    }
    print(json.dumps(report, indent=1))
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as file:
            json.dump(report, file, indent=1)
    return report


if __name__ == "__main__":
    main()
