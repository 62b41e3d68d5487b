"""Quality of the conditional variants on MNIST under a fixed CPU budget. Prints JSON.

- cgan, acgan, sagan, biggan: the share of samples that a classifier trained on real MNIST
  assigns to the label they were generated for (goal >= 95%). SAGAN and BigGAN train at 32x32
  (BigGAN's CPU default; the authors' CIFAR networks); their samples are resized to 28x28 for
  the classifier.
- logan (BigGAN with LoGAN's latent step) the same, and with `--figure` the latent step's
  figure (G(z) above G(z'), with the discriminator's scores).
- biggan with `--truncations`: the truncation trick's precision/recall curve (Kynkaanniemi et
  al. 2019, k = 3, on the classifier's features) at each psi, from the same class labels, plus
  label agreement and classifier-FID at each psi (the paper's Figure 17 idea).
- infogan: the best-permutation accuracy of the categorical code against the classifier's digit
  of each sample (the paper reports ~5% error, i.e. ~95%).
- sagan, biggan with `--figure`: the generator's attention maps for query positions of generated
  digits (the SAGAN paper's Figure 1 idea); with `--gain-figure`, both networks' attention
  gains over training (`--trace-every` steps apart, also in the JSON's `trace`).
- `--max-steps`: stop at a step count instead of the time budget (equal-steps comparisons).
- every variant: classifier-FID of its samples (100 per class) against as many MNIST test
  images (for a variant trained at 32x32, test images resized to 32x32 and back, as its samples
  are: the round trip alone puts real images at classifier-FID 186), on the classifier's 128-d
  features, and class coverage (digits hit, KL of the class
  histogram to uniform).

The classifier is the project's (`keras_gan.metrics.classifier`, cached, trained on first use).
MNIST comes from the offline raw files (`KERAS_GAN_DATA_DIR=/work/shared/data`); without it the
benchmark falls back to sklearn's `digits` (upsampled to 28x28) and says so in the JSON.

Usage::

    KERAS_GAN_DATA_DIR=/work/shared/data KERAS_BACKEND=torch \\
        python benchmarks/quality_conditional.py --minutes 3
    KERAS_BACKEND=jax python benchmarks/quality_conditional.py --variants infogan --minutes 2
    KERAS_GAN_DATA_DIR=/work/shared/data KERAS_BACKEND=tensorflow \
        python benchmarks/quality_conditional.py --variants biggan --minutes 12 \
        --truncations 2.0 1.0 0.5 0.25
"""

import argparse
import json
import os
import sys
import time

import keras
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import config_flags  # noqa: E402


class TimeBudget(keras.callbacks.Callback):
    """Stops `fit` once `seconds` of training have passed, or after `max_steps` steps; counts
    the steps. Every `trace_every` steps it records the model's attention gains (their values
    now) and the logs (running means over the epoch) in `trace`."""

    def __init__(self, seconds, max_steps=None, trace_every=None):
        super().__init__()
        self.seconds, self.max_steps, self.trace_every = seconds, max_steps, trace_every
        self.steps = 0
        self.trace = {"step": [], "gains": {}, "logs": {}}

    def on_train_begin(self, logs=None):
        self.start = None

    def on_train_batch_end(self, batch, logs=None):
        # The clock starts after the first step: data caching and compilation are not budgeted.
        self.steps += 1
        if self.trace_every and self.steps % self.trace_every == 0:
            self._record(logs or {})
        if self.start is None:
            self.start = time.perf_counter()
        elif time.perf_counter() - self.start > self.seconds:
            self.model.stop_training = True
        if self.max_steps and self.steps >= self.max_steps:
            self.model.stop_training = True

    def _record(self, logs):
        self.trace["step"].append(self.steps)
        gains = self.model.attention_gains() if hasattr(self.model, "attention_gains") else {}
        for name, value in gains.items():
            self.trace["gains"].setdefault(name, []).append(round(float(value), 5))
        for name, value in logs.items():
            self.trace["logs"].setdefault(name, []).append(round(float(value), 4))


def _dataset():
    if os.environ.get("KERAS_GAN_DATA_DIR"):
        return "mnist", None
    return "digits", "KERAS_GAN_DATA_DIR is unset: fell back to sklearn digits upsampled to 28x28"


# Variants trained on labelled images, and the image size each trains at.
LABELLED = {"cgan": 28, "acgan": 28, "sagan": 32, "biggan": 32, "logan": 32}


def _build(variant, dataset, seed, overrides=None):
    from keras_gan import registry

    entry = registry.get(variant)
    config = entry.config_class(dataset=dataset, batch_size=64, seed=seed)
    if variant in ("cgan", "acgan"):
        config.base_filters = 32  # CPU scale (paper-style defaults: 64)
    for name, value in (overrides or {}).items():
        setattr(config, name, value)
    config.validate()
    size = (overrides or {}).get("image_size") or LABELLED.get(variant, 28)
    model = entry.model_class.from_train_config(config, (size, size, 1), num_classes=10)
    return model, config, size


def _to_classifier_size(images):
    """Samples resized to MNIST's 28x28, the classifier's input."""
    if images.shape[1] == 28:
        return images
    resized = keras.ops.image.resize(images, (28, 28), interpolation="bilinear", antialias=True)
    return np.clip(keras.ops.convert_to_numpy(resized), -1.0, 1.0)


def _classify(classifier, images):
    return np.concatenate(
        [
            classifier.predict_on_batch(images[i : i + 500]).argmax(axis=1)
            for i in range(0, len(images), 500)
        ]
    )


def best_permutation_accuracy(codes, predicted, k=10):
    """Accuracy of `codes` as class predictions under the best code -> class matching."""
    from scipy.optimize import linear_sum_assignment

    counts = np.zeros((k, k))
    np.add.at(counts, (codes, predicted), 1)
    rows, cols = linear_sum_assignment(-counts)
    return float(counts[rows, cols].sum() / len(codes)), dict(zip(map(int, rows), map(int, cols)))


def run(
    variant,
    minutes,
    samples_per_class,
    seed,
    raw_files=False,
    truncations=(),
    overrides=None,
    figure=None,
    max_steps=None,
    trace_every=None,
    gain_figure=None,
    standing_statistics=None,
):
    from keras_gan.metrics import classifier as classifier_module

    name, note = _dataset()
    model, config, size = _build(variant, name, seed, overrides)
    labelled = variant in LABELLED
    budget = TimeBudget(60 * minutes, max_steps, trace_every or (100 if gain_figure else None))
    start = time.perf_counter()
    if raw_files:  # NumPy arrays from the raw IDX files: no TensorFlow needed (GPU machines)
        from mnist_idx import load_mnist_arrays

        images, labels = load_mnist_arrays("train")
        if size != 28:
            images = _to_size(images, size)
        x = (images, labels) if labelled else images
        history = model.fit(
            x, batch_size=config.batch_size, epochs=1000, verbose=0, callbacks=[budget]
        )
    else:
        from keras_gan import datasets

        data = datasets.load(
            name, batch_size=config.batch_size, image_size=size, with_labels=labelled, seed=seed
        )
        history = model.fit(data, epochs=1000, verbose=0, callbacks=[budget])
    train_seconds = time.perf_counter() - start
    classifier, record = classifier_module.load_classifier(name)
    wanted = np.repeat(np.arange(10), samples_per_class)
    result = {
        "variant": variant,
        "backend": keras.backend.backend(),
        "dataset": name,
        "budget_minutes": minutes,
        "train_seconds": round(train_seconds, 1),
        "steps": budget.steps,
        "max_steps": max_steps,
        "batch_size": config.batch_size,
        "image_size": size,
        "overrides": overrides or {},
        "samples": len(wanted),
        "device": str(keras.ops.convert_to_tensor(0.0).device)
        if keras.backend.backend() != "tensorflow"
        else "tf",
        "classifier_test_accuracy": record.get("test_accuracy"),
        "final_logs": {k: round(float(v[-1]), 4) for k, v in history.history.items()},
    }
    if note:
        result["note"] = note
    if getattr(model, "generator_average", None):
        result["samples_from"] = "the generator's moving average"
    if labelled:
        images = _to_classifier_size(model.generate(labels=wanted, seed=seed))
        predicted = _classify(classifier, images)
        result["label_agreement"] = float(np.mean(predicted == wanted))
        result["goal"] = ">= 0.95"
        if getattr(model, "generator_average", None):  # the same, from the trained weights
            raw = _to_classifier_size(model.generate(labels=wanted, seed=seed, ema=False))
            result["raw_generator"] = {
                "label_agreement": float(np.mean(_classify(classifier, raw) == wanted)),
                **fid_and_coverage(name, raw, raw_files, size),
            }
        if standing_statistics:  # BigGAN's "standing statistics" for each set of weights
            for key, average in (("standing_statistics", True), ("raw_standing_statistics", False)):
                if key == "standing_statistics" or getattr(model, "generator_average", None):
                    with model.standing_statistics(batches=standing_statistics, ema=average):
                        drawn = _to_classifier_size(model.generate(labels=wanted, seed=seed))
                    result[key] = {
                        "batches": standing_statistics,
                        "generator": "average (EMA)"
                        if model.generator_average and average
                        else "raw",
                        "label_agreement": float(np.mean(_classify(classifier, drawn) == wanted)),
                        **fid_and_coverage(name, drawn, raw_files, size),
                    }
        if truncations:
            result["truncation"] = truncation_curve(
                model, classifier, name, wanted, truncations, seed, raw_files, size
            )
    else:
        images = model.generate(codes={"categorical": wanted}, seed=seed)
        predicted = _classify(classifier, images)
        accuracy, mapping = best_permutation_accuracy(wanted, predicted)
        result["categorical_code_accuracy"] = accuracy
        result["code_to_digit"] = mapping
        result["goal"] = "paper: ~0.95 (5% error)"
    result.update(fid_and_coverage(name, images, raw_files, size))
    result["fid_reference"] = (
        "MNIST test images" if size == 28 else f"MNIST test images resized to {size} and back"
    )
    if figure and hasattr(model, "plot_latent_steps"):
        result["figure"] = model.plot_latent_steps(figure, labels=np.arange(10), seed=seed)
    elif figure and hasattr(model, "plot_attention"):
        result["figure"] = model.plot_attention(figure, labels=[0, 2, 3, 7], seed=seed)
    if budget.trace["step"]:
        result["trace"] = budget.trace
    if gain_figure and budget.trace["gains"]:
        from keras_gan import plotting

        result["gain_figure"] = plotting.plot_losses(
            budget.trace["step"],
            budget.trace["gains"],
            gain_figure,
            title=f"{variant}: the learned attention gains over training",
            smoothing=1,
            ylabel="attention gain $\\gamma$",
        )
    return result


def _to_size(images, size):
    resized = keras.ops.image.resize(images, (size, size), interpolation="bilinear")
    return keras.ops.convert_to_numpy(resized).astype("float32")


def truncation_curve(
    model, classifier, dataset, wanted, truncations, seed, raw_files=False, size=28
):
    """For each psi: precision and recall (k = 3) of samples from `truncated_latents(psi)`
    against as many real test images, on the classifier's features; label agreement and
    classifier-FID too. The same labels at every psi."""
    from keras_gan import metrics

    real = _real_test_images(dataset, raw_files, size)[: len(wanted)]
    network = metrics.classifier_network(dataset)
    real_features = metrics.extract_features(network, real)
    curve = []
    for psi in truncations:
        z = model.truncated_latents(len(wanted), truncation=psi, seed=seed)
        images = _to_classifier_size(model.generate(latents=z, labels=wanted))
        fake_features = metrics.extract_features(network, images)
        precision, recall = metrics.precision_recall(
            real_features.features, fake_features.features, k=3
        )
        curve.append(
            {
                "truncation": psi,
                "precision": round(precision, 4),
                "recall": round(recall, 4),
                "label_agreement": float(np.mean(_classify(classifier, images) == wanted)),
                "classifier_fid": round(
                    float(metrics.fid_from_moments(real_features.moments, fake_features.moments)), 3
                ),
            }
        )
    return curve


def _real_test_images(dataset, raw_files=False, size=28):
    """MNIST's test images; for a variant trained at another `size`, resized to it and back to
    28x28, as its samples are. The round trip alone moves real images far in the classifier's
    features (classifier-FID 186 for 28 -> 32 -> 28 against 10 unresized), so samples are
    compared with real images processed the same way."""
    if raw_files:
        from mnist_idx import load_mnist_arrays

        real = load_mnist_arrays("test")[0]
    else:
        from keras_gan import datasets

        test = datasets.load(
            dataset, split="test", batch_size=500, shuffle=False, drop_remainder=False
        )
        real = np.concatenate([np.asarray(batch) for batch in test])
    if size != 28:
        real = np.concatenate(
            [
                _to_classifier_size(_to_size(real[i : i + 500], size))
                for i in range(0, len(real), 500)
            ]
        )
    return real


def fid_and_coverage(dataset, images, raw_files=False, size=28):
    """Classifier-FID against as many real test images (taken through the samples' resize to
    `size` and back, see `_real_test_images`), and class coverage of `images`."""
    from keras_gan import metrics

    real = _real_test_images(dataset, raw_files, size)
    network = metrics.classifier_network(dataset)
    real_features = metrics.extract_features(network, real[: len(images)])
    fake_features = metrics.extract_features(network, images)
    coverage = metrics.class_coverage(fake_features.probs, 10)
    return {
        "classifier_fid": metrics.fid_from_moments(real_features.moments, fake_features.moments),
        "fid_samples": int(len(images)),
        "classes_covered": coverage["classes_covered"],
        "class_kl": coverage["class_kl"],
        "fid_protocol": network.protocol,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="+", default=["cgan", "acgan", "infogan"])
    parser.add_argument("--minutes", type=float, default=2.0, help="training budget per variant")
    parser.add_argument("--samples-per-class", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    config_flags.add_argument(parser, "every variant's config", "base_filters=8 image_size=28")
    parser.add_argument(
        "--truncations",
        nargs="*",
        type=float,
        default=[],
        help="BigGAN (any variant with labels): psi values for the truncation curve",
    )
    parser.add_argument(
        "--figure",
        default=None,
        help="save the variant's figure to this PNG: LoGAN's latent step (G(z) above G(z')); "
        "SAGAN's and BigGAN's attention maps for query positions of generated digits",
    )
    parser.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="stop each variant after this many steps (or at --minutes, whichever is first)",
    )
    parser.add_argument(
        "--trace-every",
        type=int,
        default=None,
        help="record the attention gains and the logs every this many steps (JSON 'trace')",
    )
    parser.add_argument(
        "--gain-figure",
        default=None,
        help="SAGAN/BigGAN: save the attention gains over training to this PNG (traced every "
        "--trace-every steps, 100 if unset)",
    )
    parser.add_argument(
        "--standing-statistics",
        type=int,
        default=None,
        metavar="BATCHES",
        help="labelled variants with batch norm in the generator: also score the samples with "
        "the statistics recomputed over this many generated batches (BigGAN's standing "
        "statistics), for the average and for the raw generator",
    )
    parser.add_argument(
        "--raw-files",
        action="store_true",
        help="read MNIST from KERAS_GAN_DATA_DIR's raw files with NumPy (no TensorFlow needed)",
    )
    args = parser.parse_args(argv)
    from keras_gan import registry

    overrides = config_flags.read(parser, args.set)
    for variant in args.variants:  # each variant's config checks the fields and values first
        config_flags.config(parser, args.set, registry.get(variant).config_class)
    results = [
        run(
            v,
            args.minutes,
            args.samples_per_class,
            args.seed,
            args.raw_files,
            args.truncations,
            overrides,
            args.figure,
            args.max_steps,
            args.trace_every,
            args.gain_figure,
            args.standing_statistics,
        )
        for v in args.variants
    ]
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
