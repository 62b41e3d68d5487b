r"""Kernel Inception Distance (Bińkowski et al. 2018).

KID is the squared maximum mean discrepancy between the feature distributions with the cubic
polynomial kernel $k(x, y) = (x^\top y / d + 1)^3$, estimated without bias on subsets of $m$ real
features $X$ and $m$ generated features $Y$:

$$
\widehat{\mathrm{MMD}}^2_u = \frac{1}{m(m-1)} \sum_{i \ne j} k(x_i, x_j)
  + \frac{1}{m(m-1)} \sum_{i \ne j} k(y_i, y_j)
  - \frac{2}{m^2} \sum_{i, j} k(x_i, y_j).
$$

The mean over subsets is the reported KID, their standard deviation its spread. Unlike FID the
estimator is unbiased, so its expectation is 0 for two samples of the same distribution whatever
the sample size (single estimates can be negative).

Reference: https://arxiv.org/abs/1801.01401
"""

import numpy as np

from keras_gan.metrics._checks import check_features, check_same_dim


def polynomial_kernel(x, y, degree=3, gamma=None, coef0=1.0):
    r"""The polynomial kernel $k(x, y) = (\gamma\, x^\top y + c_0)^{p}$, with $\gamma = 1/d$.

    Args:
        x: array of shape `(n, d)`.
        y: array of shape `(m, d)`.
        degree: int, the power $p$. Defaults to 3.
        gamma: float, the scale. Defaults to `None` (1 / d).
        coef0: float, the offset $c_0$. Defaults to 1.

    Returns:
        The kernel matrix, shape `(n, m)`, float64.
    """
    gamma = 1.0 / x.shape[1] if gamma is None else gamma
    return (gamma * (x @ y.T) + coef0) ** degree


def mmd2_unbiased(x, y, **kernel_kwargs):
    r"""The unbiased estimate of $\mathrm{MMD}^2$ between samples `x` and `y` of equal size.

    Args:
        x: array of shape `(m, d)`.
        y: array of shape `(m, d)`.
        **kernel_kwargs: passed to `polynomial_kernel`.

    Returns:
        The estimate as a Python float.
    """
    m = x.shape[0]
    k_xx = polynomial_kernel(x, x, **kernel_kwargs)
    k_yy = polynomial_kernel(y, y, **kernel_kwargs)
    k_xy = polynomial_kernel(x, y, **kernel_kwargs)
    # Off-diagonal means: the diagonal terms k(x_i, x_i) are what biases the plain V-statistic.
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within_x + within_y - 2.0 * k_xy.mean())


def kernel_inception_distance(
    real_features, fake_features, num_subsets=100, subset_size=1000, seed=0
):
    r"""KID: the unbiased $\mathrm{MMD}^2$ with a cubic kernel, averaged over random subsets.

    Each subset draws `subset_size` real and `subset_size` generated features without
    replacement (independently per subset, as in the paper's code). The paper's protocol is 100
    subsets of 1000.

    Args:
        real_features: array of shape `(n_real, d)`.
        fake_features: array of shape `(n_fake, d)`.
        num_subsets: int, the number of subsets. Defaults to 100.
        subset_size: int, the samples per set in each subset, at most `min(n_real, n_fake)`.
            Defaults to 1000.
        seed: int, seed of the subset draws. Defaults to 0.

    Returns:
        A tuple `(mean, std)` of the estimates over subsets, Python floats.

    Reference: https://arxiv.org/abs/1801.01401
    """
    real = check_features(real_features, "real_features")
    fake = check_features(fake_features, "fake_features")
    check_same_dim(real, fake)
    n = min(len(real), len(fake))
    if not 2 <= subset_size <= n:
        raise ValueError(
            f"subset_size must be between 2 and min(n_real, n_fake) = {n}. "
            f"Received: subset_size={subset_size} (n_real={len(real)}, n_fake={len(fake)})"
        )
    if num_subsets < 1:
        raise ValueError(f"num_subsets must be at least 1. Received: num_subsets={num_subsets}")
    rng = np.random.default_rng(seed)
    estimates = np.array(
        [
            mmd2_unbiased(
                real[rng.choice(len(real), subset_size, replace=False)],
                fake[rng.choice(len(fake), subset_size, replace=False)],
            )
            for _ in range(num_subsets)
        ]
    )
    if not np.all(np.isfinite(estimates)):
        raise ValueError("KID is not finite: the features overflow the cubic kernel.")
    return float(estimates.mean()), float(estimates.std())
