"""When does U-GAT-IT's digit -> outline generator go black? Traces the first steps. Writes JSON.

Trains U-GAT-IT (or CycleGAN, `--model cyclegan`) on `mnist_edges` (unpaired, 28x28: domain A the
one-pixel outlines, domain B the digits) at the CLI's defaults with each `--variant`'s overrides
(JSON, e.g. `'{"cycle_weight": 0}'`), and every `--every` steps records, for 64 held-out MNIST
test digits, the digit -> outline translations G_{B->A}(b): their mean (-1 is black) and their
share of ink (pixels > 0; real outlines: about 10%), and for U-GAT-IT the identity error
|a - G_{B->A}(a)| on the same digits' outlines. Each variant starts from the same seed and reads
the same batches, so the variants differ only by their overrides. Besides config fields, a
U-GAT-IT variant may set `"spectral_normalization": false`: its four critics without spectral
normalisation (the paper's have it), with the same initial kernels.

Usage::

    KERAS_GAN_DATA_DIR=/work/shared/data KERAS_BACKEND=tensorflow \\
        python benchmarks/trace_translation_collapse.py --variant '{}' \\
        --variant '{"cycle_weight": 0, "identity_weight": 0, "cam_weight": 0}'
"""

import argparse
import json
import os
import sys
import time

import keras
import numpy as np
from keras import ops

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from quality_stargan import SIZE, scaled  # noqa: E402


def plain_critics(config):
    """U-GAT-IT's four critics as its constructor builds them (the same seeds, so the same
    initial kernels), without spectral normalisation."""
    from keras_gan.networks.ugatit import default_discriminator_layers, ugatit_discriminator

    default_global, default_local = default_discriminator_layers(SIZE)
    depth = {"global": config.global_layers or default_global,
             "local": config.local_layers or default_local}  # fmt: skip
    seeds = {"discriminator_a": 2, "discriminator_b": 3, "local_discriminator_a": 4,
             "local_discriminator_b": 5}  # fmt: skip
    return {
        name: ugatit_discriminator(
            (SIZE, SIZE, 1), config.discriminator_filters,
            depth["local" if name.startswith("local") else "global"],
            config.seed + 1000 * index, name, spectral_normalization=False,
        )
        for name, index in seeds.items()
    }  # fmt: skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=("ugatit", "cyclegan"), default="ugatit")
    parser.add_argument("--variant", action="append", default=[], metavar="JSON",
                        help="config overrides of one run (repeatable); default: one run, '{}'")  # fmt: skip
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", help="JSON file (default: stdout)")
    args = parser.parse_args(argv)

    from keras_gan import datasets, registry
    from keras_gan.datasets import derived

    digits, _, source = derived.digit_images("auto", "train", SIZE)
    if source == "mnist":  # held-out digits; sklearn's digits have one split (the JSON says so)
        digits, _, _ = derived.digit_images("mnist", "test", SIZE)
    digit, outline = scaled(digits[:64]), scaled(derived.edge_maps(digits[:64]))
    runs = []
    for spec in args.variant or ["{}"]:
        overrides = json.loads(spec)
        keras.utils.set_random_seed(args.seed)
        variant = registry.get(args.model)
        # Not a config field: U-GAT-IT's four critics built without spectral normalisation
        spectral = overrides.get("spectral_normalization", True)
        if not spectral and args.model != "ugatit":
            raise SystemExit("spectral_normalization applies to U-GAT-IT's critics only")
        fields = {k: v for k, v in overrides.items() if k != "spectral_normalization"}
        config = variant.config_class(seed=args.seed, image_size=SIZE, **fields)
        stream = datasets.load(
            "mnist_edges", start_step=0, batch_size=config.batch_size, seed=args.seed,
            image_size=SIZE, paired=False,
        )  # fmt: skip
        critics = {} if spectral else plain_critics(config)
        model = variant.model_class.from_train_config(config, (SIZE, SIZE, 1), **critics)
        model.compile(**model.default_optimizers())

        def digit_to_outline(images):
            out = model.generator_ba(images, training=False)
            return ops.convert_to_numpy(out[0] if isinstance(out, (list, tuple)) else out)

        trace, start = [], time.time()
        for step in range(0, args.steps, args.every):
            # the stream from batch `step` on: the batches an uninterrupted run reads next
            model.fit(stream.skip(step).take(args.every), epochs=1, verbose=0)
            translated = digit_to_outline(digit)
            point = {
                "step": step + args.every,
                "mean": round(float(translated.mean()), 4),
                "ink": round(float((translated > 0).mean()), 4),
            }
            if args.model == "ugatit":
                identity = digit_to_outline(outline)
                point["identity_l1"] = round(float(np.abs(identity - outline).mean()), 4)
            trace.append(point)
        runs.append({"overrides": overrides, "seconds": round(time.time() - start, 1),
                     "trace": trace})  # fmt: skip
        print(json.dumps(runs[-1]), flush=True)
    result = {
        "benchmark": "trace_translation_collapse",
        "model": args.model,
        "backend": keras.backend.backend(),
        "data_source": source,
        "real_outline_ink": round(float((outline > 0).mean()), 4),
        "runs": runs,
    }
    text = json.dumps(result, indent=1)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
