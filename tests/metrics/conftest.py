"""Shared data for the metrics tests: tiny, synthetic, fast on two CPU cores."""

import numpy as np
import pytest


def _synthetic_digits(n=200, seed=0, channels=1):
    """Images (n, 28, 28, channels) in [-1, 1] whose class c in 0..9 is a bright bar at row 2c+4."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=n).astype(np.int32)
    images = rng.uniform(-1.0, -0.6, size=(n, 28, 28, channels)).astype(np.float32)
    for i, c in enumerate(labels):
        images[i, 2 * c + 4 : 2 * c + 6, 4:24, :] = 1.0
    return images, labels


@pytest.fixture(scope="session")
def synthetic_digits():
    """`synthetic_digits(n, seed, channels)` -> (images, labels), 10 classes of bars."""
    return _synthetic_digits


@pytest.fixture(scope="session")
def mnist_cache(tmp_path_factory):
    """A cache folder holding an 'mnist' classifier trained for 4 steps on synthetic digits."""
    from keras_gan.metrics import classifier

    folder = tmp_path_factory.mktemp("keras_gan_cache")
    classifier.train_classifier(
        "mnist",
        epochs=1,
        batch_size=50,
        cache_dir=folder,
        train_data=_synthetic_digits(200, seed=0),
        test_data=_synthetic_digits(100, seed=1),
        verbose=0,
    )
    return folder
