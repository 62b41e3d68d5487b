"""Writes `tests/fixtures/checkpoints/`: one small run of every variant, from today's code.

Each variant trains 2 steps from the command line with narrow networks, on data that is always
available offline, and its run folder is kept without the pictures: `config.json`,
`history.json`, `checkpoints/last.keras` and `samples/fixed_inputs.npz`. `expected.npz` holds
the reloaded generator's outputs at those fixed inputs. `tests/test_legacy_checkpoints.py` then
checks, with whatever the code has become, that every such checkpoint still loads to the same
outputs and that its run still resumes: a refactor must not break a user's saved runs.

Run it once, when the fixtures are made (they are committed); never to "fix" a failing test:

    KERAS_BACKEND=tensorflow python scripts/make_legacy_checkpoints.py
"""

import inspect
import json
import os
import shutil
import sys

import keras
import numpy as np

from keras_gan import checkpoints, registry, train

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "checkpoints")

# Narrow networks (a few hundred KB a checkpoint); every other setting is the variant's default.
NARROW = {
    "acgan": "--base-filters 4 --latent-dim 8",
    "cgan": "--base-filters 4 --latent-dim 8",
    "cyclegan": "--base-filters 4 --discriminator-filters 4 --resnet-blocks 1 --pool-size 2",
    "dcgan": "--base-filters 4 --latent-dim 8",
    "gan": "--latent-dim 8 --generator-units 16 16 --discriminator-units 16 16 --maxout-pieces 2",
    "gan_int_cls": "--base-filters 4 --latent-dim 8 --embedding-dim 8 --compressed-dim 8 "
                   "--text-pretrain-steps 2",
    "infogan": "--base-filters 4 --noise-dim 8 --hidden-units 16",
    "lapgan": "--latent-dim 8 --coarse-units 16 --filters 4",
    "lsgan": "--base-filters 4 --latent-dim 8",
    "pix2pix": "--base-filters 4 --discriminator-filters 4",
    "sngan": "--base-filters 4 --generator-filters 4 --latent-dim 8",
    "srgan": "--num-blocks 1 --filters 4 --discriminator-filters 4 --dense-units 8 "
             "--pretrain-steps 0",
    "wgan": "--base-filters 4 --latent-dim 8",
    "wgan_gp": "--base-filters 4 --latent-dim 8",
}  # fmt: skip

# Data every machine has: scikit-learn's digits, and the sets derived from them without MNIST.
DATA = {
    "images": "--dataset digits --image-size 28",
    "labelled": "--dataset digits --image-size 28",
    "paired": "",
    "unpaired": "",
    "captioned": "",
}

KEEP = ("config.json", "history.json", "checkpoints/last.keras", "samples/fixed_inputs.npz")


def fixed_seed(model):
    """`{"seed": 0}` where `generate` draws more than the fixed inputs (LAPGAN's noise planes)."""
    return {"seed": 0} if "seed" in inspect.signature(model.generate).parameters else {}


def main():
    if os.environ.get("KERAS_GAN_DATA_DIR"):
        sys.exit("Unset KERAS_GAN_DATA_DIR: the fixtures use the data every machine has.")
    names = sys.argv[1:] or registry.available()
    for name in names:
        variant = registry.get(name)
        run = os.path.join(OUT, name)
        shutil.rmtree(run, ignore_errors=True)
        argv = [
            name,
            "--steps",
            "2",
            "--batch-size",
            "4",
            "--num-samples",
            "4",
            "--output",
            run,
            "--verbose",
            "0",
        ]
        argv += NARROW[name].split() + DATA[variant.data_kind].split()
        status = train.main(argv)
        if status:
            sys.exit(f"{name}: the run failed with status {status}")
        for root, _, files in os.walk(run, topdown=False):
            for file in files:
                path = os.path.join(root, file)
                if os.path.relpath(path, run) not in KEEP:
                    os.remove(path)
            if not os.listdir(root):
                os.rmdir(root)
        model = checkpoints.load(os.path.join(run, "checkpoints", "last.keras"), variant=name)
        with np.load(os.path.join(run, "samples", "fixed_inputs.npz")) as stored:
            inputs = {k: stored[k] for k in stored.files}
        outputs = np.asarray(model.generate(**inputs, **fixed_seed(model)))
        # The weights too, by path: where `generate` draws from the backend's random stream
        # (LAPGAN's noise planes, pix2pix's test-time dropout) only they compare across backends.
        weights = {v.path: keras.ops.convert_to_numpy(v) for v in model.weights}
        np.savez(os.path.join(run, "expected.npz"), outputs=outputs, **weights)
        with open(os.path.join(run, "made_with.json"), "w") as file:
            json.dump(
                {
                    "keras": keras.__version__,
                    "backend": keras.backend.backend(),
                    "command": "python -m keras_gan.train " + " ".join(argv),
                },
                file,
                indent=1,
            )
        size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(run) for f in fs)
        print(f"{name}: {size / 1024:.0f} KiB, outputs {outputs.shape}")


if __name__ == "__main__":
    main()
