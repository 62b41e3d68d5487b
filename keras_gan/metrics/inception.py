r"""Inception Score (Salimans et al. 2016).

For class probabilities $p(y \mid x)$ predicted by a classifier on generated images,

$$
\mathrm{IS} = \exp\!\Big(\mathbb{E}_{x}\, D_{\mathrm{KL}}\big(p(y \mid x) \,\|\, p(y)\big)\Big),
\qquad p(y) = \mathbb{E}_x\, p(y \mid x).
$$

It is high when each image is classified confidently (low-entropy $p(y \mid x)$) and the classes
are used evenly (high-entropy $p(y)$); it ranges from 1 to the number of classes. It never looks
at real data, so it cannot see a generator that reproduces one good image per class, and it is
only meaningful for the classifier and class set it was computed with.

Reference: https://arxiv.org/abs/1606.03498
"""

import numpy as np
import scipy.special

from keras_gan.metrics._checks import check_features


def inception_score(probs, splits=10):
    r"""Inception Score: mean and standard deviation of $\exp(\mathbb{E}\,\mathrm{KL})$ over splits.

    The samples are cut into `splits` consecutive parts (the paper's protocol: 50000 samples, 10
    splits); $p(y)$ is the mean prediction within each part.

    Args:
        probs: array of shape `(n, num_classes)`, rows of class probabilities (softmax outputs,
            each row summing to 1).
        splits: int, the number of parts. Defaults to 10.

    Returns:
        A tuple `(mean, std)` of the score over splits, Python floats.

    Reference: https://arxiv.org/abs/1606.03498
    """
    p = check_features(probs, "probs")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "probs must be class probabilities: non-negative rows that sum to 1 (apply a softmax "
            f"to logits first). Received: values in [{p.min():.3g}, {p.max():.3g}], row sums in "
            f"[{p.sum(axis=1).min():.3g}, {p.sum(axis=1).max():.3g}]"
        )
    if not 1 <= splits <= len(p):
        raise ValueError(
            f"splits must be between 1 and the number of samples ({len(p)}). Received: splits={splits}"
        )
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        # KL(p(y|x) || p(y)) per sample; rel_entr takes 0 log 0 = 0.
        kl = scipy.special.rel_entr(part, marginal).sum(axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))
