"""Pair agreement: how well a model's two images correspond, where a known transform links them.

CoGAN (Liu & Tuzel 2016, section 5) measures its digit pairs this way: the second domain is a
known function of the first (a digit's edges, its negative), so the transform of one generated
image says what the other should be. The score is the share of pixels on which the two agree
after binarising, averaged over pairs. Because most pixels of a digit image are background,
unrelated images agree on many pixels too; `pair_agreement` therefore also reports the
agreement of mismatched pairs (each image against the next pair's counterpart), the level a
model that generated the two domains independently would reach.
"""

import numpy as np

#: Pixels above this uint8 value are "on" when the two images are compared (the middle grey).
THRESHOLD = 127


def to_uint8(images):
    """Images in [-1, 1] as uint8 in [0, 255] (rounded, clipped)."""
    images = np.asarray(images, dtype="float32")
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def pair_agreement(images_a, images_b, dataset):
    r"""The share of pixels on which two generated domains agree after the dataset's transform.

    $$\text{agreement} = \frac{1}{n}\sum_{i=1}^{n} \frac{1}{P}\sum_{p=1}^{P}
      \mathbb{1}\big[\,[T(x^{(1)}_i)]_p > t\; = \;[x^{(2)}_i]_p > t\,\big]$$

    where $T$ is the known transform from one side to the other
    (`keras_gan.datasets.derived.PAIR_TRANSFORMS`: a digit to its outline for `mnist_edges`, to
    its negative for `mnist_negative`, a coloured digit to its grey one for `mnist_colour`),
    $P$ the pixels (and channels) of an image and $t$ the middle grey (`THRESHOLD`).

    Args:
        images_a: array `(n, h, w, c)` in [-1, 1], the first side of the dataset's pairs
            (domain A of its unpaired batches).
        images_b: array of the same shape, the second side, where `images_b[i]` was generated
            from the same latent as `images_a[i]`.
        dataset: str, the digit pair set the model was trained on (`"mnist_edges"`,
            `"mnist_negative"`, `"mnist_colour"`).

    Returns:
        dict: `pair_agreement` (the mean above), `mismatched_agreement` (the same with image
        `i` of one side against image `i + 1` of the other: the level of unrelated pairs),
        `num_pairs` and `dataset`.

    Raises:
        ValueError: a dataset without a known transform, images of different shapes or not in
            [-1, 1], fewer than two pairs.
    """
    from keras_gan.datasets import derived

    from_side, to_side, transform = derived.pair_transform(dataset)
    images_a, images_b = np.asarray(images_a), np.asarray(images_b)
    if images_a.shape != images_b.shape or images_a.ndim != 4 or len(images_a) < 2:
        raise ValueError(
            "pair_agreement needs two batches of at least 2 images (n, h, w, c) of the same "
            f"shape, one per side. Received: {images_a.shape} and {images_b.shape}"
        )
    for images in (images_a, images_b):
        if images.min() < -1.0 - 1e-3 or images.max() > 1.0 + 1e-3:
            raise ValueError(
                "pair_agreement takes generated images in [-1, 1]. Received values in "
                f"[{images.min():g}, {images.max():g}]"
            )
    sides = (to_uint8(images_a), to_uint8(images_b))
    predicted = transform(sides[from_side]) > THRESHOLD  # what the other side should be
    other = sides[to_side] > THRESHOLD
    per_pair = (predicted == other).reshape(len(other), -1).mean(axis=1)
    mismatched = (predicted == np.roll(other, -1, axis=0)).reshape(len(other), -1).mean(axis=1)
    return {
        "pair_agreement": float(per_pair.mean()),
        "mismatched_agreement": float(mismatched.mean()),
        "num_pairs": int(len(other)),
        "dataset": {"mnist_color": "mnist_colour"}.get(dataset, dataset),
    }
