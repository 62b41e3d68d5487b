r"""Mode counting on the 2-D mixtures (the protocol of VEEGAN and PacGAN).

Srivastava et al. 2017 (VEEGAN, section 5.1) and Lin et al. 2018 (PacGAN, section 5.1) draw
2,500 samples from the generator and map each to its nearest mode. A sample is **high quality**
when it lies within 3 standard deviations of that mode's centre,
$\lVert x - \mu_k \rVert / \sigma < 3$. Then:

* **modes captured**: the modes with at least one high-quality sample (PacGAN's released code,
  `MetricLogger`: "mode coverage" = modes with a non-zero count of good points);
* **% high quality**: high-quality samples / all samples;
* **reverse KL**: with $\hat p_k$ the fraction of *high-quality* samples assigned to mode $k$
  and $K$ modes, $D_{KL}(\hat p \,\|\, U_K) = \sum_k \hat p_k \log(K \hat p_k)$: 0 when the good
  samples spread evenly, $\log K$ when they all sit on one mode. "Reverse" because the generated
  distribution comes first. PacGAN's code builds this histogram from the good points only.

With no high-quality sample at all, $\hat p$ does not exist: `reverse_kl` is then `None` and a
warning says so (never a silent NaN).

References: https://arxiv.org/abs/1705.07761 (VEEGAN), https://arxiv.org/abs/1712.04086 (PacGAN)
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.special

#: Generated samples the 2-D protocol evaluates.
PROTOCOL_SAMPLES = 2500
#: A sample within this many standard deviations of its nearest mode is high quality.
QUALITY_THRESHOLD = 3.0


def _mixture(mixture):
    from keras_gan.datasets import toy

    if isinstance(mixture, str):
        if mixture not in toy.MIXTURES:
            raise ValueError(
                f"Unknown 2-D mixture '{mixture}'. Accepted: {', '.join(toy.MIXTURES)}. "
                f"Received: mixture={mixture!r}"
            )
        return toy.MIXTURES[mixture]
    if not hasattr(mixture, "centers") or not hasattr(mixture, "std"):
        raise ValueError(
            "`mixture` must be 'ring', 'grid' or a keras_gan.datasets.Mixture. "
            f"Received: mixture={mixture!r}"
        )
    return mixture


def assign_modes(samples, mixture):
    """Maps each 2-D sample to its nearest mode and its distance in standard deviations.

    Args:
        samples: float array `(n, 2)`.
        mixture: `"ring"`, `"grid"` or a `keras_gan.datasets.Mixture`.

    Returns:
        A tuple `(modes, distances)`: int `(n,)` nearest-mode indices and float `(n,)`
        distances to that centre divided by the mixture's std.
    """
    mixture = _mixture(mixture)
    samples = np.asarray(samples, dtype=np.float64)
    centers = np.asarray(mixture.centers, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != centers.shape[1]:
        raise ValueError(
            f"Samples must have shape (n, {centers.shape[1]}) for the '{mixture.name}' mixture. "
            f"Received: shape={samples.shape}"
        )
    if not np.all(np.isfinite(samples)):
        raise ValueError(
            f"Samples contain {int((~np.isfinite(samples)).sum())} non-finite values (NaN or "
            "inf): the generator diverged."
        )
    # (n, 1, 2) - (1, K, 2) -> (n, K) Euclidean distances
    distances = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)
    modes = distances.argmin(axis=1)
    return modes, distances[np.arange(len(samples)), modes] / mixture.std


def reverse_kl_to_uniform(counts):
    r"""$\sum_k \hat p_k \log(K \hat p_k)$ for the histogram `counts` over K modes, in nats.

    Returns `None` when the histogram is empty (no sample to spread).
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total == 0:
        return None
    p = counts / total
    return float(scipy.special.rel_entr(p, np.full(len(p), 1.0 / len(p))).sum())


def count_modes(samples, mixture, min_samples=PROTOCOL_SAMPLES, threshold=QUALITY_THRESHOLD):
    """The 2-D mode-collapse metrics of VEEGAN/PacGAN on generated samples.

    Args:
        samples: float array `(n, 2)` of generated points (the protocol uses n = 2,500).
        mixture: `"ring"` (8 modes), `"grid"` (25 modes) or a `keras_gan.datasets.Mixture`.
        min_samples: int, the fewest samples accepted. Defaults to 2,500, the protocol's
            number; pass a smaller value to count on fewer (then the numbers are not
            comparable with the papers').
        threshold: float, how many stds from the nearest centre count as high quality.
            Defaults to 3.

    Returns:
        A dict: `modes_captured` (int), `num_modes` (int), `high_quality` (fraction in
        [0, 1]), `reverse_kl` (float nats, or `None` when no sample is high quality),
        `mode_counts` (list: high-quality samples per mode), `num_samples`, `mixture`,
        `protocol` (a sentence).

    Raises:
        ValueError: fewer than `min_samples` samples, a shape other than `(n, 2)`, non-finite
            samples, an unknown mixture.
    """
    mixture = _mixture(mixture)
    samples = np.asarray(samples)
    if samples.ndim == 2 and len(samples) < min_samples:
        raise ValueError(
            f"The 2-D mode-counting protocol needs at least {min_samples} samples. "
            f"Received: {len(samples)} samples"
        )
    modes, distances = assign_modes(samples, mixture)
    good = distances < threshold
    counts = np.bincount(modes[good], minlength=mixture.num_modes)
    kl = reverse_kl_to_uniform(counts)
    if kl is None:
        warnings.warn(
            f"No generated sample lies within {threshold:g} std of a '{mixture.name}' mode: "
            "the reverse KL is undefined (reported as None).",
            stacklevel=2,
        )
    return {
        "mixture": mixture.name,
        "num_samples": int(len(samples)),
        "modes_captured": int((counts > 0).sum()),
        "num_modes": int(mixture.num_modes),
        "high_quality": float(good.mean()),
        "reverse_kl": kl,
        "mode_counts": counts.tolist(),
        "protocol": (
            f"{len(samples)} generated samples, each assigned to the nearest of the "
            f"{mixture.num_modes} '{mixture.name}' centres (std {mixture.std:g}); high quality = "
            f"within {threshold:g} std of it; a mode is captured when it has at least one "
            "high-quality sample; reverse KL = KL(histogram of high-quality samples over modes "
            "|| uniform), in nats (VEEGAN/PacGAN protocol)."
        ),
    }
