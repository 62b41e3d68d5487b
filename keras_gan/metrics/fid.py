r"""Fréchet Inception Distance (Heusel et al. 2017) and the streaming moments it needs.

FID fits a Gaussian to the features of each set and measures the Fréchet (2-Wasserstein)
distance between the two Gaussians:

$$
\mathrm{FID} = \lVert \mu_r - \mu_g \rVert_2^2
  + \operatorname{Tr}\!\left(\Sigma_r + \Sigma_g - 2\,(\Sigma_r \Sigma_g)^{1/2}\right).
$$

Only the first two moments enter, so the features never need to be held in memory:
`RunningMoments` accumulates mean and covariance batch by batch in float64.

Reference: https://arxiv.org/abs/1706.08500
"""

import warnings

import numpy as np
import scipy.linalg

# Relative error of the matrix square root, ||X X - A||_F / ||A||_F, above which the product of
# the covariances is treated as singular and both are offset by eps * I (as pytorch-fid does).
_SQRTM_TOLERANCE = 1e-3


class RunningMoments:
    """Mean and covariance of feature vectors, accumulated batch by batch in float64.

    Batches are merged with Chan et al.'s pairwise update, which stays accurate when the mean is
    large compared with the spread (the naive sum-of-squares formula does not).

    Args:
        dim: int, the feature dimension. Defaults to `None` (taken from the first batch).

    Example:

    ```python
    moments = RunningMoments()
    for batch in batches:
        moments.update(features(batch))
    mu, sigma = moments.mean, moments.covariance
    ```
    """

    def __init__(self, dim=None):
        self.dim = dim
        self.count = 0
        self._mean = None if dim is None else np.zeros(dim)
        self._m2 = None if dim is None else np.zeros((dim, dim))

    def update(self, features):
        """Adds a batch of features, shape `(batch, dim)`."""
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"Features must have shape (batch, dim). Received: shape={x.shape}")
        if self.dim is None:
            self.dim = x.shape[1]
            self._mean, self._m2 = np.zeros(self.dim), np.zeros((self.dim, self.dim))
        if x.shape[1] != self.dim:
            raise ValueError(
                f"Feature dimension changed between batches: expected {self.dim}. "
                f"Received: shape={x.shape}"
            )
        n_b = x.shape[0]
        if n_b == 0:
            return
        mean_b = x.mean(axis=0)
        centred = x - mean_b
        m2_b = centred.T @ centred
        n = self.count + n_b
        delta = mean_b - self._mean
        # Chan et al. 1979: M2 = M2_a + M2_b + delta delta^T * n_a n_b / n
        self._m2 += m2_b + np.outer(delta, delta) * (self.count * n_b / n)
        self._mean += delta * (n_b / n)
        self.count = n

    @property
    def mean(self):
        """The mean, shape `(dim,)`."""
        if self.count == 0:
            raise ValueError("No features were added: the mean of an empty set is undefined.")
        return self._mean.copy()

    @property
    def covariance(self):
        """The unbiased covariance (divided by `count - 1`), shape `(dim, dim)`."""
        if self.count < 2:
            raise ValueError(
                "A covariance needs at least 2 samples (FID needs more samples than feature "
                f"dimensions). Received: count={self.count}"
            )
        return self._m2 / (self.count - 1)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps=1e-6):
    r"""Fréchet distance between two Gaussians $N(\mu_1, \Sigma_1)$ and $N(\mu_2, \Sigma_2)$.

    $$
    d^2 = \lVert \mu_1 - \mu_2 \rVert_2^2
      + \operatorname{Tr}\!\left(\Sigma_1 + \Sigma_2 - 2\,(\Sigma_1 \Sigma_2)^{1/2}\right)
    $$

    The square root is `scipy.linalg.sqrtm`. Rounding leaves it a small imaginary part, which is
    dropped when the diagonal's imaginary part is below 1e-3 (and raised on otherwise). When the
    square root comes back non-finite or inaccurate ($\lVert X X - A \rVert_F / \lVert A
    \rVert_F > 10^{-3}$, which older SciPy gave for singular products: fewer samples than
    dimensions, or dead features), a warning is issued and $\epsilon I$ is added to both
    covariances, the remedy of the reference implementations.

    Args:
        mu1: array of shape `(d,)`, the mean of the first set.
        sigma1: array of shape `(d, d)`, the covariance of the first set.
        mu2: array of shape `(d,)`, the mean of the second set.
        sigma2: array of shape `(d, d)`, the covariance of the second set.
        eps: float, the diagonal offset used when the product is singular. Defaults to 1e-6.

    Returns:
        The distance as a Python float (the squared Fréchet distance, as FID is reported).

    Reference: https://arxiv.org/abs/1706.08500
    """
    mu1, mu2 = (
        np.atleast_1d(np.asarray(mu1, np.float64)),
        np.atleast_1d(np.asarray(mu2, np.float64)),
    )
    sigma1 = np.atleast_2d(np.asarray(sigma1, np.float64))
    sigma2 = np.atleast_2d(np.asarray(sigma2, np.float64))
    d = mu1.shape[0]
    if mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(
            "Means must have shape (d,) and covariances (d, d), with the same d for both sets. "
            f"Received: mu1={mu1.shape}, sigma1={sigma1.shape}, mu2={mu2.shape}, "
            f"sigma2={sigma2.shape}"
        )
    for name, value in (("mu1", mu1), ("sigma1", sigma1), ("mu2", mu2), ("sigma2", sigma2)):
        if not np.all(np.isfinite(value)):
            raise ValueError(
                f"{name} contains NaN or inf: the features were not finite (did the generator "
                "diverge, or were images NaN?)."
            )
    diff = mu1 - mu2
    covmean = _sqrtm_product(sigma1, sigma2)
    if covmean is None:
        warnings.warn(
            "FID: the product of the covariances is singular (usually fewer samples than "
            f"feature dimensions, d={d}); adding {eps} * I to both covariances.",
            stacklevel=2,
        )
        offset = np.eye(d) * eps
        covmean = _sqrtm_product(sigma1 + offset, sigma2 + offset, check=False)
    if np.iscomplexobj(covmean):
        max_imag = np.max(np.abs(np.diagonal(covmean).imag))
        if max_imag > 1e-3:
            raise ValueError(
                "FID: the matrix square root has a large imaginary part on its diagonal "
                f"({max_imag:.3g} > 1e-3); the covariances are not valid (not symmetric positive "
                "semi-definite)."
            )
        covmean = covmean.real
    fid = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean)
    if not np.isfinite(fid):
        raise ValueError(f"FID is not finite (got {fid}); the covariances are ill-conditioned.")
    return float(fid)


def _sqrtm_product(sigma1, sigma2, check=True):
    """Returns sqrtm(sigma1 @ sigma2), or None when it is not finite or not accurate."""
    product = sigma1 @ sigma2
    root = scipy.linalg.sqrtm(product)
    if not check:
        return root
    if not np.all(np.isfinite(root)):
        return None
    norm = np.linalg.norm(product)
    error = np.linalg.norm(root @ root - product) / norm if norm > 0 else 0.0
    return root if error <= _SQRTM_TOLERANCE else None


def fid_from_moments(real, fake, eps=1e-6):
    """FID between two `RunningMoments`, warning when there are too few samples.

    Args:
        real: `RunningMoments` of the real features.
        fake: `RunningMoments` of the generated features.
        eps: float, see `frechet_distance`. Defaults to 1e-6.

    Returns:
        FID as a Python float.
    """
    for name, moments in (("real", real), ("generated", fake)):
        if moments.count <= moments.dim:
            warnings.warn(
                f"FID from {moments.count} {name} samples in {moments.dim} feature dimensions: "
                f"the covariance is singular. Use at least {moments.dim + 1} samples (the usual "
                "protocol uses 50000 for InceptionV3 features); the value is biased upward.",
                stacklevel=2,
            )
    return frechet_distance(real.mean, real.covariance, fake.mean, fake.covariance, eps=eps)
