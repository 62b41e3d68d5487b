r"""Stacked MNIST mode counting: 1,000 modes, counted by the MNIST classifier.

Metz et al. 2017 (unrolled GAN) stack three MNIST digits as the R, G and B channels, which gives
1,000 modes, $100 d_R + 10 d_G + d_B$. VEEGAN and PacGAN generate **26,000** samples, classify
each channel with a pretrained MNIST classifier, and report the number of modes with at least
one sample and the KL divergence of the mode histogram $\hat p$ to the uniform distribution,
$D_{KL}(\hat p \,\|\, U_{1000}) = \sum_k \hat p_k \log(1000\, \hat p_k)$ (nats).

The KL splits exactly into what each channel gets wrong on its own and what the channels get
wrong together. With $\hat p_c$ the digit histogram of channel $c$,

$$D_{KL}(\hat p \,\|\, U_{1000}) = \sum_{c \in \{R, G, B\}} D_{KL}(\hat p_c \,\|\, U_{10})
  + D_{KL}\big(\hat p \,\|\, \hat p_R \hat p_G \hat p_B\big):$$

a generator that favours some digits in every channel shows up in `channel_kl`; one whose
channels are not independent (say a "1" in red pulls a "1" in green) shows up in
`total_correlation`. `count_modes` reports both, so an uneven histogram can be traced.

The classifier is `keras_gan.metrics`' MNIST classifier (trained by keras_gan and cached under
`KERAS_GAN_CACHE_DIR`; its test accuracy is reported with the result); the counting itself is
`keras_gan.metrics.class_coverage` on `keras_gan.metrics.stacked_mnist_modes`.

Reference: https://arxiv.org/abs/1611.02163 (Stacked MNIST), https://arxiv.org/abs/1712.04086
"""

from __future__ import annotations

import numpy as np

#: Generated samples the Stacked MNIST protocol evaluates (VEEGAN, PacGAN).
PROTOCOL_SAMPLES = 26_000
NUM_MODES = 1000


def channel_digits(images, classifier, batch_size=500):
    """The digit the classifier sees in each colour channel.

    Args:
        images: float array `(n, h, w, 3)` in [-1, 1].
        classifier: callable (or `keras.Model`) mapping `(k, h, w, 1)` images to `(k, 10)`
            class probabilities (or logits).
        batch_size: int, images per classifier call. Defaults to 500.

    Returns:
        int array `(n, 3)`: the digits of the R, G and B channels.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(
            "Stacked MNIST images must have shape (n, height, width, 3). "
            f"Received: shape={images.shape}"
        )
    if not np.all(np.isfinite(images)):
        raise ValueError("The images contain non-finite values (NaN or inf).")
    predict = getattr(classifier, "predict_on_batch", classifier)
    n, height, width, _ = images.shape
    # (n, h, w, 3) -> (n, 3, h, w) -> (3n, h, w, 1): each channel is one grey digit
    channels = images.transpose(0, 3, 1, 2).reshape(-1, height, width, 1)
    digits = []
    for lo in range(0, len(channels), batch_size):
        scores = np.asarray(predict(channels[lo : lo + batch_size]))
        if scores.ndim != 2 or scores.shape[1] != 10:
            raise ValueError(
                "The classifier must return (batch, 10) digit scores. "
                f"Received: shape={scores.shape}"
            )
        digits.append(scores.argmax(axis=1))
    return np.concatenate(digits).reshape(n, 3)


def count_modes(images, classifier=None, min_samples=PROTOCOL_SAMPLES, batch_size=500):
    """Stacked MNIST modes covered (of 1,000) and KL of the mode histogram to uniform.

    Args:
        images: float array `(n, 28, 28, 3)` in [-1, 1], generated samples (the protocol
            uses n = 26,000).
        classifier: callable or `keras.Model` mapping `(k, 28, 28, 1)` digits to `(k, 10)`
            scores. Defaults to `None`: keras_gan's cached MNIST classifier
            (`keras_gan.metrics.classifier.load_classifier("mnist")`, trained on first use).
        min_samples: int, the fewest images accepted. Defaults to 26,000, the protocol's.
        batch_size: int. Defaults to 500.

    Returns:
        A dict: `modes_captured`, `num_modes` (1000), `kl` (nats), `num_samples`, `protocol`,
        `channel_kl` (list of 3: each channel's digit histogram against uniform over 10, nats),
        `total_correlation` (`kl - sum(channel_kl)`, nats, >= 0), `digit_counts` (3 lists of
        10 counts), `fullest_modes` (the 10 most frequent modes as `[mode, count]`, the
        uniform count being `num_samples / 1000`), and `classifier_test_accuracy` when the
        default classifier is used.

    Raises:
        ValueError: fewer than `min_samples` images, wrong shape, non-finite values.
    """
    from keras_gan.metrics import class_coverage, stacked_mnist_modes

    images = np.asarray(images)
    if images.ndim >= 1 and len(images) < min_samples:
        raise ValueError(
            f"The Stacked MNIST protocol needs at least {min_samples} samples. "
            f"Received: {len(images)} samples"
        )
    info = {}
    if classifier is None:
        from keras_gan.metrics import classifier as classifier_lib

        classifier, record = classifier_lib.load_classifier("mnist")
        info = {"classifier_test_accuracy": record["test_accuracy"]}
    digits = channel_digits(images, classifier, batch_size)
    coverage = class_coverage(stacked_mnist_modes(digits), NUM_MODES)
    # one 10-digit histogram per channel: (3, 10)
    channels = [class_coverage(digits[:, c], 10) for c in range(3)]
    channel_kl = [c["class_kl"] for c in channels]
    counts = np.asarray(coverage["class_counts"])
    fullest = np.argsort(-counts, kind="stable")[:10]
    return {
        "num_samples": int(len(images)),
        "modes_captured": coverage["classes_covered"],
        "num_modes": NUM_MODES,
        "kl": coverage["class_kl"],
        "channel_kl": channel_kl,
        # KL(p || U) - sum_c KL(p_c || U_10) = KL(p || p_R p_G p_B) >= 0
        "total_correlation": max(0.0, coverage["class_kl"] - sum(channel_kl)),
        "digit_counts": [c["class_counts"] for c in channels],
        "fullest_modes": [[int(k), int(counts[k])] for k in fullest],
        **info,
        "protocol": (
            f"{len(images)} generated 28x28x3 samples; each channel classified by the MNIST "
            "classifier (argmax); mode = 100*d_R + 10*d_G + d_B; modes captured = modes with at "
            "least one sample; KL = KL(mode histogram || uniform over 1000), nats "
            "(VEEGAN/PacGAN protocol)."
        ),
    }
