"""Evaluation metrics for generative models: FID, KID, Inception Score, precision/recall,
density/coverage and class (mode) coverage, on features from a stated feature network.

Two levels:

- `evaluate(generator_or_images, real_dataset, feature_network=..., num_samples=...)` runs
  images through a feature network in batches and returns every metric with its protocol.
- functions on features: `frechet_distance`, `kernel_inception_distance`, `inception_score`,
  `precision_recall`, `density_coverage`, `class_coverage`.
- `pair_agreement`: how well two generated domains correspond where a known transform links
  them (CoGAN's digit pairs).
"""

from keras_gan.metrics.coverage import class_coverage, stacked_mnist_modes
from keras_gan.metrics.evaluation import METRICS, evaluate
from keras_gan.metrics.features import (
    Extracted,
    FeatureNetwork,
    classifier_network,
    extract_features,
    get_feature_network,
    inception_v3,
)
from keras_gan.metrics.fid import RunningMoments, fid_from_moments, frechet_distance
from keras_gan.metrics.inception import inception_score
from keras_gan.metrics.kid import kernel_inception_distance
from keras_gan.metrics.manifold import density_coverage, precision_recall
from keras_gan.metrics.pairs import pair_agreement

__all__ = [
    "METRICS",
    "Extracted",
    "FeatureNetwork",
    "RunningMoments",
    "class_coverage",
    "classifier_network",
    "density_coverage",
    "evaluate",
    "extract_features",
    "fid_from_moments",
    "frechet_distance",
    "get_feature_network",
    "inception_score",
    "inception_v3",
    "kernel_inception_distance",
    "pair_agreement",
    "precision_recall",
    "stacked_mnist_modes",
]
