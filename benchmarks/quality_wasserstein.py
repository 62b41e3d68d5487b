"""Sample quality of LSGAN, WGAN, WGAN-GP and SNGAN on MNIST under a fixed CPU budget.

Each variant trains for `--minutes` of wall-clock time (its paper's optimiser and n_critic,
CPU-scaled DCGAN-style networks), then is scored with a classifier trained on the dataset:
FID on the classifier's 128-d penultimate features (generated vs test images) and class
coverage (how many of the 10 digits the generated samples hit, and the KL divergence of their
class histogram to uniform). For WGAN-GP and WGAN the critic's Wasserstein estimate is recorded
over training next to the FID at `--checkpoints` points, to show the estimate falling as the
samples improve (the papers' figure 3 / figure 4 claim); the curves are saved as
`wasserstein_vs_fid.png` in `--output`. Prints one JSON object.

Real MNIST needs the offline files: `KERAS_GAN_DATA_DIR=/work/shared/data`. Without it the
script falls back to sklearn's 8x8 `digits` and says so in the JSON (`"data_note"`).

Usage::

    KERAS_BACKEND=jax KERAS_GAN_DATA_DIR=/work/shared/data \
        python benchmarks/quality_wasserstein.py --minutes 3 --output /tmp/quality_jax
"""

import argparse
import json
import os
import sys
import time

import numpy as np

VARIANTS = ("lsgan", "wgan", "wgan_gp", "sngan")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--minutes", type=float, default=3.0, help="training budget per variant")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--base-filters", type=int, default=16, help="network width (CPU scale)")
    parser.add_argument("--batch-size", type=int, default=64, help="m, samples per update")
    parser.add_argument("--checkpoints", type=int, default=4, help="FID evaluations over training")
    parser.add_argument("--num-samples", type=int, default=2000, help="images per FID")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="quality_wasserstein_out")
    return parser.parse_args(argv)


def load_data(dataset, batch_size, seed):
    """(training dataset factory, test images, test labels, note) with images in [-1, 1]."""
    from keras_gan import datasets

    note = None
    if dataset == "mnist" and not os.environ.get("KERAS_GAN_DATA_DIR"):
        dataset = "digits"
        note = (
            "KERAS_GAN_DATA_DIR is unset: no offline MNIST, fell back to sklearn digits "
            "(8x8); figures are not comparable with MNIST ones."
        )
    test = datasets.load(
        dataset, split="test", batch_size=500, with_labels=True, shuffle=False, drop_remainder=False
    )
    images, labels = zip(*[(np.asarray(x), np.asarray(y)) for x, y in test])
    images, labels = np.concatenate(images), np.concatenate(labels)

    def train(batch):
        return datasets.load(dataset, batch_size=batch, seed=seed).repeat()

    return dataset, train, images, labels, note


class Scorer:
    """FID and class coverage with `keras_gan.metrics`' classifier of the dataset."""

    def __init__(self, dataset, real_images, num_samples):
        from keras_gan import metrics

        self.metrics = metrics
        self.network = metrics.classifier_network(dataset)
        self.real = metrics.extract_features(self.network, real_images[:num_samples])
        self.num_samples = num_samples

    def __call__(self, model, seed, **generate):
        """Scores `model.generate(num_samples, seed=seed, **generate)`."""
        images = model.generate(self.num_samples, seed=seed, **generate)
        fake = self.metrics.extract_features(self.network, images)
        coverage = self.metrics.class_coverage(fake.probs, 10)
        return {
            "fid": self.metrics.fid_from_moments(self.real.moments, fake.moments),
            "classes_covered": coverage["classes_covered"],
            "class_kl": coverage["class_kl"],
        }


def emit(report, output=None):
    """Prints a benchmark's report as JSON and, with `output`, writes it to that file too."""
    text = json.dumps(report, indent=1)
    if output:
        with open(output, "w") as f:
            f.write(text + "\n")
    print(text)


def build(name, image_shape, args):
    from keras_gan import registry

    variant = registry.get(name)
    config = variant.config_class(seed=args.seed)
    for field in ("base_filters", "generator_filters"):
        if hasattr(config, field):
            setattr(config, field, args.base_filters)
    model = variant.model_class.from_train_config(config, image_shape)
    return model, config


def run_variant(name, args, train_data, image_shape, scorer):
    model, config = build(name, image_shape, args)
    n_critic = model.discriminator_steps
    data = iter(train_data(args.batch_size * n_critic))
    budget = args.minutes * 60.0
    checkpoints = [budget * (i + 1) / args.checkpoints for i in range(args.checkpoints)]
    curve, trace, steps, trained = [], [], 0, 0.0
    chunk = 10
    while checkpoints:
        start = time.perf_counter()
        logs = {}
        for _ in range(chunk):
            logs = model.train_on_batch(np.asarray(next(data)), return_dict=True)
        model.reset_metrics()
        trained += time.perf_counter() - start
        steps += chunk
        logs = {k: float(np.asarray(v)) for k, v in logs.items()}
        trace.append({"step": steps, "seconds": round(trained, 1), **logs})
        if trained >= checkpoints[0]:
            checkpoints.pop(0)
            score = scorer(model, seed=args.seed + 1)
            curve.append(
                {
                    "step": steps,
                    "seconds": round(trained, 1),
                    "wasserstein": logs.get("wasserstein"),
                    **score,
                }
            )
    return {
        "variant": name,
        "steps": steps,
        "train_seconds": round(trained, 1),
        "discriminator_steps": n_critic,
        "config": {k: v for k, v in config.to_dict().items() if not isinstance(v, tuple)},
        "final": curve[-1],
        "checkpoints": curve,
        "trace": trace,
    }


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wasserstein = [r for r in results if r["checkpoints"][0].get("wasserstein") is not None]
    if not wasserstein:
        return None
    fig, axes = plt.subplots(1, len(wasserstein), figsize=(6 * len(wasserstein), 4), squeeze=False)
    for ax, result in zip(axes[0], wasserstein):
        steps = [t["step"] for t in result["trace"]]
        ax.plot(steps, [t["wasserstein"] for t in result["trace"]], color="tab:blue", alpha=0.8)
        ax.set_xlabel("generator steps")
        ax.set_ylabel("critic's Wasserstein estimate", color="tab:blue")
        twin = ax.twinx()
        twin.plot(
            [c["step"] for c in result["checkpoints"]],
            [c["fid"] for c in result["checkpoints"]],
            "o-",
            color="tab:red",
        )
        twin.set_ylabel("classifier FID", color="tab:red")
        ax.set_title(result["variant"])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv=None):
    args = parse_args(argv)
    import keras

    keras.utils.set_random_seed(args.seed)
    os.makedirs(args.output, exist_ok=True)
    dataset, train_data, test_images, _, note = load_data(args.dataset, args.batch_size, args.seed)
    scorer = Scorer(dataset, test_images, args.num_samples)
    image_shape = tuple(test_images.shape[1:])
    results = [run_variant(name, args, train_data, image_shape, scorer) for name in args.variants]
    figure = plot(results, os.path.join(args.output, "wasserstein_vs_fid.png"))
    for result in results:
        result.pop("trace")
    report = {
        "benchmark": "quality_wasserstein",
        "command": "python benchmarks/quality_wasserstein.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "backend": keras.backend.backend(),
        "dataset": dataset,
        "data_note": note,
        "minutes_per_variant": args.minutes,
        "base_filters": args.base_filters,
        "batch_size_m": args.batch_size,
        "fid_protocol": scorer.network.protocol,
        "num_samples": args.num_samples,
        "figure": figure,
        "results": results,
    }
    with open(os.path.join(args.output, "results.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
