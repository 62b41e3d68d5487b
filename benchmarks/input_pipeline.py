"""Is the input pipeline ever the bottleneck? Images/s of the data pipeline vs the training step.

Measures, on the current Keras backend (`KERAS_BACKEND`):

* `pipeline_images_per_s`: iterating `keras_gan.datasets.load(...)` at batch 64 (MNIST from the
  offline raw files when `KERAS_GAN_DATA_DIR` is set, else scikit-learn's digits resized to
  28x28), after one warm-up pass that fills the cache;
* `step_images_per_s`: `DCGAN(image_shape=(28, 28, 1)).fit(...)` on one cached batch repeated,
  so that it times the training step alone (warm-up steps first: tracing and compilation
  excluded);
* `ratio`: pipeline / step. Above 1 the pipeline keeps up; the larger, the more headroom.

Usage:

    KERAS_BACKEND=jax python benchmarks/input_pipeline.py
    KERAS_GAN_DATA_DIR=/path/to/raw KERAS_BACKEND=torch python benchmarks/input_pipeline.py --steps 20

Prints one JSON object. Timings depend on the machine and its load; compare ratios from one run.
If `keras_gan.models.DCGAN` cannot be imported, the step fields are null and `step_error` says why.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def pipeline_rate(batch_size, batches, data_dir):
    from keras_gan import datasets

    offline = bool(os.environ.get(datasets.ENV_DATA_DIR))
    name, kwargs = ("mnist", {}) if offline else ("digits", {"image_size": 28})
    ds, info = datasets.load(
        name, batch_size=batch_size, seed=0, data_dir=data_dir, with_info=True, **kwargs
    )
    for _ in ds:  # warm-up: one full pass decodes and fills the cache
        pass
    # Time whole epochs (a fresh iterator each, as fit() does) until `batches` batches are seen.
    seen, start = 0, time.perf_counter()
    while seen < batches:
        for _ in ds:
            seen += 1
            if seen >= batches:
                break
    elapsed = time.perf_counter() - start
    return {
        "dataset": name,
        "num_examples": info.num_examples,
        "pipeline_batches": seen,
        "pipeline_images_per_s": seen * batch_size / elapsed,
    }


def step_rate(batch_size, steps, warmup):
    import tensorflow as tf

    from keras_gan import datasets
    from keras_gan.models import DCGAN

    model = DCGAN(image_shape=(28, 28, 1))
    model.compile()
    one_batch = datasets.load("digits", batch_size=batch_size, image_size=28, seed=0).take(1)
    data = one_batch.cache().repeat().prefetch(tf.data.AUTOTUNE)
    model.fit(data, epochs=1, steps_per_epoch=warmup, verbose=0)
    start = time.perf_counter()
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    elapsed = time.perf_counter() - start
    return {"steps": steps, "step_images_per_s": steps * batch_size / elapsed}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=64, help="batch size of both (64)")
    parser.add_argument("--batches", type=int, default=2000, help="pipeline batches timed (2000)")
    parser.add_argument("--steps", type=int, default=30, help="training steps timed (30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed training steps first (5)")
    parser.add_argument("--data-dir", default=None, help="tfds data directory (tfds default)")
    args = parser.parse_args(argv)

    import keras

    result = {"backend": keras.backend.backend(), "batch_size": args.batch_size}
    result.update(pipeline_rate(args.batch_size, args.batches, args.data_dir))
    try:
        result.update(step_rate(args.batch_size, args.steps, args.warmup))
        result["ratio"] = result["pipeline_images_per_s"] / result["step_images_per_s"]
    except ImportError as error:
        result.update(step_images_per_s=None, ratio=None, step_error=str(error))
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
