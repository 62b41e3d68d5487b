r"""Class coverage: how many classes (modes) a generator's samples fall into.

A classifier labels each generated sample; with $N_c$ classes and $\hat p_c$ the fraction of
samples labelled $c$, the report is the number of classes with at least one sample and

$$
D_{\mathrm{KL}}(\hat p \,\|\, U) = \sum_c \hat p_c \log(N_c\, \hat p_c) = \log N_c - H(\hat p),
$$

0 for an even spread over all classes and $\log N_c$ when every sample is one class. This is the
"modes captured / KL to uniform" pair of the Stacked MNIST experiments (1000 modes, one digit per
colour channel, mode $= 100\,d_r + 10\,d_g + d_b$; Metz et al. 2017, Srivastava et al. 2017).

Reference: https://arxiv.org/abs/1611.02163
"""

import numpy as np
import scipy.special


def class_coverage(predictions, num_classes, min_count=1):
    """Number of classes covered and KL divergence of the class histogram to uniform.

    Args:
        predictions: array of predicted class ids, shape `(n,)`, or class probabilities, shape
            `(n, num_classes)` (then the argmax is the prediction).
        num_classes: int, the number of classes (10 for MNIST, 1000 for Stacked MNIST).
        min_count: int >= 1, predictions a class needs to count as covered. Defaults to 1,
            the Stacked MNIST protocol's (VEEGAN, PacGAN). With a classifier that misreads a
            few percent of the images, one prediction is not evidence of a class: a set of
            digits 0-4 read by a 95%-accurate classifier "covers" all ten. A share of the set,
            e.g. `min_count=n // 100`, counts only the classes really generated.

    Returns:
        A dict with `classes_covered` (int), `num_classes` (int), `class_kl` (float, KL of the
        class histogram to uniform, in nats) and `class_counts` (list of int).
    """
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"min_count must be an int >= 1. Received: min_count={min_count!r}")
    pred = np.asarray(predictions)
    if pred.ndim == 2:
        if pred.shape[1] != num_classes:
            raise ValueError(
                f"Class probabilities must have num_classes={num_classes} columns. "
                f"Received: shape={pred.shape}"
            )
        pred = pred.argmax(axis=1)
    if pred.ndim != 1 or len(pred) == 0:
        raise ValueError(
            "predictions must be a non-empty array of class ids (n,) or probabilities "
            f"(n, num_classes). Received: shape={pred.shape}"
        )
    if pred.min() < 0 or pred.max() >= num_classes:
        raise ValueError(
            f"Class ids must lie in [0, {num_classes}). Received: ids in "
            f"[{pred.min()}, {pred.max()}]"
        )
    counts = np.bincount(pred.astype(np.int64), minlength=num_classes)
    freq = counts / counts.sum()
    kl = scipy.special.rel_entr(freq, np.full(num_classes, 1.0 / num_classes)).sum()
    return {
        "classes_covered": int((counts >= min_count).sum()),
        "num_classes": int(num_classes),
        "class_kl": float(kl),
        "class_counts": counts.tolist(),
    }


def stacked_mnist_modes(digits):
    """Stacked MNIST mode ids, `100 * d_r + 10 * d_g + d_b`, from per-channel digits.

    Args:
        digits: int array of shape `(n, 3)`, the digit predicted in the red, green and blue
            channel.

    Returns:
        int array of shape `(n,)`, values in [0, 1000).
    """
    d = np.asarray(digits)
    if d.ndim != 2 or d.shape[1] != 3:
        raise ValueError(f"digits must have shape (n, 3). Received: shape={d.shape}")
    return d[:, 0] * 100 + d[:, 1] * 10 + d[:, 2]
