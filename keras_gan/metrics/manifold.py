r"""Improved precision and recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. 2020).

Each set's manifold is estimated by balls around its samples, the radius of the ball around $x$
being the distance to its $k$-th nearest neighbour in the same set,
$\mathrm{NND}_k(x)$. With real features $\{x_i\}_{i=1}^N$ and generated $\{y_j\}_{j=1}^M$:

$$
\mathrm{precision} = \frac{1}{M}\sum_j \mathbb{1}\big[\exists i: \lVert y_j - x_i\rVert \le \mathrm{NND}_k(x_i)\big],
\qquad
\mathrm{recall} = \frac{1}{N}\sum_i \mathbb{1}\big[\exists j: \lVert x_i - y_j\rVert \le \mathrm{NND}_k(y_j)\big],
$$

$$
\mathrm{density} = \frac{1}{kM}\sum_j \sum_i \mathbb{1}\big[\lVert y_j - x_i\rVert < \mathrm{NND}_k(x_i)\big],
\qquad
\mathrm{coverage} = \frac{1}{N}\sum_i \mathbb{1}\big[\exists j: \lVert y_j - x_i\rVert < \mathrm{NND}_k(x_i)\big].
$$

Precision says how much of the generated set looks real (fidelity), recall how much of the real
set the generator can produce (diversity). Density and coverage use only the real balls, so a
few real or generated outliers cannot inflate them; density is not bounded by 1. All four depend on
$k$, the feature network and the sample size, so compare them only under one protocol
(the papers: $k=3$ for precision/recall, $k=5$ for density/coverage, 10000-50000 samples).

References:
    https://arxiv.org/abs/1904.06991,
    https://arxiv.org/abs/2002.09797
"""

import numpy as np

from keras_gan.metrics._checks import check_features, check_same_dim

# Rows of a distance matrix computed at once: chunk * n float64 stays near 128 MiB.
_CHUNK_BYTES = 2**27


def precision_recall(real_features, fake_features, k=3):
    r"""Improved precision and recall of generated features against real ones.

    Args:
        real_features: array of shape `(n_real, d)`.
        fake_features: array of shape `(n_fake, d)`.
        k: int, the neighbour whose distance is each ball's radius. Defaults to 3 (the paper).

    Returns:
        A tuple `(precision, recall)` of Python floats in [0, 1].

    Reference: https://arxiv.org/abs/1904.06991
    """
    real, fake = _check(real_features, fake_features, k)
    stats = _ball_statistics(real, fake, _knn_radii(real, k), _knn_radii(fake, k))
    return stats["precision"], stats["recall"]


def density_coverage(real_features, fake_features, k=5):
    r"""Density and coverage of generated features against real ones.

    Args:
        real_features: array of shape `(n_real, d)`.
        fake_features: array of shape `(n_fake, d)`.
        k: int, the neighbour whose distance is each real ball's radius. Defaults to 5 (the
            paper).

    Returns:
        A tuple `(density, coverage)` of Python floats; coverage lies in [0, 1], density in
        [0, n_real / k] (about 1 when both sets come from one distribution).

    Reference: https://arxiv.org/abs/2002.09797
    """
    real, fake = _check(real_features, fake_features, k)
    stats = _ball_statistics(real, fake, _knn_radii(real, k), None)
    return stats["density"] / k, stats["coverage"]


def _check(real_features, fake_features, k):
    real = check_features(real_features, "real_features")
    fake = check_features(fake_features, "fake_features")
    check_same_dim(real, fake)
    if not 1 <= k < min(len(real), len(fake)):
        raise ValueError(
            "k must be at least 1 and smaller than the number of samples in each set "
            f"({min(len(real), len(fake))}). Received: k={k}"
        )
    return real, fake


def _distances(a, b):
    """Euclidean distances between rows of `a` and rows of `b`, shape `(len(a), len(b))`."""
    # ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b, clipped at 0 against rounding
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.maximum(sq, 0.0))


def _chunks(n_rows, n_cols):
    step = max(1, _CHUNK_BYTES // (8 * n_cols))
    return (slice(i, min(i + step, n_rows)) for i in range(0, n_rows, step))


def _knn_radii(x, k):
    """Distance from each row of `x` to its k-th nearest other row."""
    radii = np.empty(len(x))
    for rows in _chunks(len(x), len(x)):
        d = _distances(x[rows], x)
        # Index 0 of the sorted row is the point itself (distance 0), index k its k-th neighbour.
        radii[rows] = np.partition(d, k, axis=1)[:, k]
    return radii


def _ball_statistics(real, fake, real_radii, fake_radii):
    """One chunked pass over the fake-real distances for all four statistics."""
    in_real_ball = 0  # generated samples inside some real ball (<=, Kynkäänniemi's code)
    density_sum = 0  # (generated sample, real ball) pairs, strictly inside (<, Naeem's code)
    nearest_fake = np.full(len(real), np.inf)  # distance from each real sample to the nearest fake
    real_recalled = np.zeros(len(real), dtype=bool)
    for rows in _chunks(len(fake), len(real)):
        d = _distances(fake[rows], real)  # (chunk, n_real)
        in_real_ball += int((d <= real_radii[None, :]).any(axis=1).sum())
        density_sum += int((d < real_radii[None, :]).sum())
        nearest_fake = np.minimum(nearest_fake, d.min(axis=0))
        if fake_radii is not None:
            real_recalled |= (d <= fake_radii[rows, None]).any(axis=0)
    return {
        "precision": in_real_ball / len(fake),
        "recall": float(real_recalled.mean()),
        "density": density_sum / len(fake),
        "coverage": float((nearest_fake < real_radii).mean()),
    }
