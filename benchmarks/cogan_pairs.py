"""CoGAN's pair agreement (Liu & Tuzel 2016, section 5) on the CPU, with and without sharing.

For each configuration, trains `python -m keras_gan.train cogan` on the backend of this
process (`KERAS_BACKEND`) and scores the last checkpoint with `python -m keras_gan.evaluate`
(`keras_gan.metrics.pair_agreement`: the share of pixels on which an image and the known
transform of its counterpart agree, over 10,000 pairs, and the same for mismatched pairs, the
level of two unrelated images). Configurations:

* `shared`: the authors' sharing (4 of 5 generator layers, 3 of 4 discriminator layers);
* `unshared`: no layer shared (two independent GANs on one z), the paper's baseline.

on `--datasets` (`mnist_edges`: task A, digits and edges; `mnist_negative`: task B, digits and
negatives). Prints one JSON object and writes it to `--output`.

Usage (real MNIST offline through KERAS_GAN_DATA_DIR):

    KERAS_GAN_DATA_DIR=/work/shared/data KERAS_BACKEND=tensorflow \\
        python benchmarks/cogan_pairs.py --epochs 10 --output cogan_pairs.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

CONFIGURATIONS = {
    "shared": [],
    "unshared": ["--shared-generator-layers", "0", "--shared-discriminator-layers", "0"],
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist_edges", "mnist_negative"])
    parser.add_argument("--configurations", nargs="+", default=list(CONFIGURATIONS))
    parser.add_argument("--epochs", type=int, default=10, help="epochs of --steps-per-epoch")
    parser.add_argument("--steps-per-epoch", type=int, default=200)
    parser.add_argument("--num-samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    unknown = sorted(set(args.configurations) - set(CONFIGURATIONS))
    if unknown:
        parser.error(f"unknown --configurations {unknown}; known: {', '.join(CONFIGURATIONS)}")
    results = {
        "backend": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "epochs": args.epochs,
        "steps": args.steps_per_epoch * args.epochs,
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "runs": [],
    }
    with tempfile.TemporaryDirectory() as folder:
        for dataset in args.datasets:
            for name in args.configurations:
                run = os.path.join(folder, f"{dataset}_{name}")
                start = time.time()
                subprocess.run(
                    [sys.executable, "-m", "keras_gan.train", "cogan", "--dataset", dataset,
                     "--epochs", str(args.epochs), "--steps-per-epoch", str(args.steps_per_epoch),
                     "--seed", str(args.seed), "--output", run,
                     *CONFIGURATIONS[name]],
                    check=True, stdout=subprocess.DEVNULL,
                )  # fmt: skip
                train_s = time.time() - start
                scored = subprocess.run(
                    [sys.executable, "-m", "keras_gan.evaluate",
                     os.path.join(run, "checkpoints", "last.keras"), "--num-samples",
                     str(args.num_samples)],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                metrics = json.loads(scored.stdout)
                entry = {
                    "dataset": dataset, "configuration": name, "train_s": round(train_s, 1),
                    **{k: metrics[k] for k in ("pair_agreement", "mismatched_agreement", "num_pairs")},
                }  # fmt: skip
                results["runs"].append(entry)
                print(json.dumps(entry), file=sys.stderr, flush=True)
    text = json.dumps(results, indent=1)
    print(text)
    if args.output:
        with open(args.output, "w") as file:
            file.write(text + "\n")


if __name__ == "__main__":
    main()
