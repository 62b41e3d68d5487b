"""`evaluate`: every metric of a generator against a real dataset, under one stated protocol."""

import warnings

from keras_gan.metrics.coverage import class_coverage
from keras_gan.metrics.features import extract_features, get_feature_network
from keras_gan.metrics.fid import fid_from_moments
from keras_gan.metrics.inception import inception_score
from keras_gan.metrics.kid import kernel_inception_distance
from keras_gan.metrics.manifold import density_coverage, precision_recall

METRICS = (
    "fid",
    "kid",
    "precision_recall",
    "density_coverage",
    "inception_score",
    "class_coverage",
)
_NEED_FEATURES = ("kid", "precision_recall", "density_coverage")
_NEED_PROBS = ("inception_score", "class_coverage")

# The papers' settings; for others, call the functions on `extract_features(...)` outputs.
KID_SUBSETS, KID_SUBSET_SIZE = 100, 1000  # Bińkowski et al. 2018
PRECISION_RECALL_K = 3  # Kynkäänniemi et al. 2019
DENSITY_COVERAGE_K = 5  # Naeem et al. 2020
IS_SPLITS = 10  # Salimans et al. 2016


def evaluate(
    generator_or_images,
    real_dataset,
    feature_network="classifier:mnist",
    num_samples=10_000,
    num_real_samples=None,
    metrics=None,
    batch_size=100,
    max_samples=10_000,
    seed=0,
):
    """Computes sample-quality metrics of generated images against real ones.

    Images flow through the feature network in batches and only features are kept: FID uses
    mean and covariance over all images; KID, precision/recall and density/coverage use the
    first `max_samples` feature vectors of each set; the Inception Score and class coverage use
    the first `max_samples` generated probabilities. Settings are the papers' (KID: 100 subsets
    of min(1000, n); precision/recall k=3; density/coverage k=5; IS: 10 splits).

    Args:
        generator_or_images: the generated images: a keras_gan model (its
            `generate(num_samples)` is called in batches), a callable `generate(n) -> images`,
            a numpy array or a `tf.data.Dataset`; channels-last float32 in [-1, 1].
        real_dataset: the real images: a `tf.data.Dataset` of `images` or `(images, labels)`,
            or a numpy array; channels-last float32 in [-1, 1].
        feature_network: `"classifier:mnist"`, `"classifier:fashion_mnist"`,
            `"classifier:stacked_mnist"`, `"classifier:digits"`, `"inception_v3"`, a
            `keras.Model` or a `FeatureNetwork` (see `get_feature_network`).
            Defaults to `"classifier:mnist"`.
        num_samples: int, the number of generated images. Defaults to 10000.
        num_real_samples: int, the most real images read. Defaults to `None` (`num_samples`).
        metrics: names from `"fid"`, `"kid"`, `"precision_recall"`, `"density_coverage"`,
            `"inception_score"`, `"class_coverage"`. Defaults to `None` (all that the network
            supports; the last two need class probabilities).
        batch_size: int, images per forward pass. Defaults to 100.
        max_samples: int, the most feature vectors kept per set. Defaults to 10000.
        seed: int, seed of the KID subsets. Defaults to 0.

    Returns:
        A flat dict: `feature_network`, `protocol` (how images became features), facts about
        the network (e.g. `classifier_test_accuracy`), `num_real`, `num_generated`,
        `feature_dim`, and the values: `fid`; `kid`, `kid_std`; `precision`, `recall`;
        `density`, `coverage`; `inception_score`, `inception_score_std`; `classes_covered`,
        `num_classes`, `class_kl`.

    Example:

    ```python
    from keras_gan import datasets, metrics

    real = datasets.load("mnist", split="test", batch_size=500, shuffle=False)
    results = metrics.evaluate(gan, real, feature_network="classifier:mnist", num_samples=10000)
    print(results["fid"], results["protocol"])
    ```
    """
    network = get_feature_network(feature_network)
    metrics = _check_metrics(metrics, network)
    keep_features = any(m in _NEED_FEATURES for m in metrics)
    num_real_samples = num_real_samples or num_samples
    real = extract_features(
        network, real_dataset, num_real_samples, batch_size, max_samples,
        keep_features=keep_features, keep_probs=False, name="real images",
    )  # fmt: skip
    if real.count < num_real_samples:
        warnings.warn(
            f"The real dataset ended after {real.count} of the {num_real_samples} images asked "
            "for; the metrics use those.",
            stacklevel=2,
        )
    fake = extract_features(
        network, generator_or_images, num_samples, batch_size, max_samples,
        keep_features=keep_features, keep_probs=any(m in _NEED_PROBS for m in metrics),
        name="generated images", image_shape=real.image_shape,
    )  # fmt: skip
    results = {
        **network.describe(),
        "num_real": real.count,
        "num_generated": fake.count,
        "feature_dim": real.moments.dim,
    }
    if "fid" in metrics:
        results["fid"] = fid_from_moments(real.moments, fake.moments)
    if "kid" in metrics:
        size = min(KID_SUBSET_SIZE, len(real.features), len(fake.features))
        results["kid"], results["kid_std"] = kernel_inception_distance(
            real.features, fake.features, KID_SUBSETS, size, seed=seed
        )
        results["kid_subset_size"] = size
    if "precision_recall" in metrics:
        results["precision"], results["recall"] = precision_recall(
            real.features, fake.features, k=PRECISION_RECALL_K
        )
    if "density_coverage" in metrics:
        results["density"], results["coverage"] = density_coverage(
            real.features, fake.features, k=DENSITY_COVERAGE_K
        )
    if "inception_score" in metrics:
        results["inception_score"], results["inception_score_std"] = inception_score(
            fake.probs, splits=min(IS_SPLITS, len(fake.probs))
        )
    if "class_coverage" in metrics:
        coverage = class_coverage(fake.probs, network.num_classes)
        results.update({k: v for k, v in coverage.items() if k != "class_counts"})
    return results


def _check_metrics(metrics, network):
    supported = METRICS if network.num_classes else METRICS[:4]
    if metrics is None:
        return supported
    metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(
            f"Unknown metrics {unknown}. Accepted: {list(METRICS)}. Received: metrics={metrics}"
        )
    unsupported = [m for m in metrics if m not in supported]
    if unsupported:
        raise ValueError(
            f"Metrics {unsupported} need class probabilities, which feature network "
            f"'{network.name}' does not give (a keras.Model must output [features, "
            f"probabilities]). Received: metrics={metrics}"
        )
    return metrics
