import numpy as np
import pytest

from keras_gan.metrics import kernel_inception_distance
from keras_gan.metrics.kid import mmd2_unbiased, polynomial_kernel


def test_kid_is_unbiased_for_one_distribution():
    # Many independent pairs of small samples of N(0, I): the mean estimate is 0 within its
    # standard error, while the biased V-statistic (diagonal kept) is clearly positive.
    rng = np.random.default_rng(0)
    m, d, trials = 10, 4, 400
    unbiased, biased = [], []
    for _ in range(trials):
        x, y = rng.normal(size=(m, d)), rng.normal(size=(m, d))
        unbiased.append(kernel_inception_distance(x, y, num_subsets=1, subset_size=m)[0])
        k = polynomial_kernel
        biased.append(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean())
    stderr = np.std(unbiased) / np.sqrt(trials)
    assert abs(np.mean(unbiased)) < 3 * stderr
    assert np.mean(biased) > 10 * stderr


def test_kid_mean_within_its_std_for_one_distribution():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(300, 8)), rng.normal(size=(300, 8))
    mean, std = kernel_inception_distance(x, y, num_subsets=50, subset_size=100)
    assert abs(mean) < std


def test_kid_is_positive_for_different_distributions():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(300, 8)), rng.normal(0.5, 1.0, size=(300, 8))
    mean, std = kernel_inception_distance(x, y, num_subsets=50, subset_size=100)
    assert mean > 3 * std > 0


def test_mmd_matches_the_formula_written_out():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))

    def k(a, b):
        return (a @ b / 3 + 1) ** 3

    m = 6
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m**2
    assert mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-10)


def test_bad_input_is_named():
    x = np.zeros((20, 4))
    with pytest.raises(ValueError, match="subset_size=1000"):
        kernel_inception_distance(x, x)
    with pytest.raises(ValueError, match="same dimension"):
        kernel_inception_distance(x, np.zeros((20, 5)), subset_size=10)
    with pytest.raises(ValueError, match="NaN"):
        kernel_inception_distance(x, np.full((20, 4), np.nan), subset_size=10)
