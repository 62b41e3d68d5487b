"""Input checks shared by the metrics on features."""

import numpy as np


def check_features(features, name):
    """Returns `features` as a float64 `(n, d)` array, or raises on a bad shape or NaN."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (n, d). Received: {name}.shape={x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or inf (did the generator diverge?).")
    return x


def check_same_dim(real, fake):
    """Raises when the real and generated features differ in dimension."""
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            "Real and generated features must have the same dimension. "
            f"Received: real_features.shape={real.shape}, fake_features.shape={fake.shape}"
        )
