"""The one tail every loader shares: validate arguments, cache, shuffle, batch, scale, prefetch.

Loaders in this package produce an *unbatched* `tf.data.Dataset` of uint8 images (or float
points) plus a `DatasetInfo`; `finish()` turns it into what `fit()` consumes. Keeping the tail in one
place is what makes every dataset obey the same contract:

* images float32 in [-1, 1], channels-last, static shapes (`drop_remainder=True` by default);
* the shuffle is seeded, so two runs with the same `seed` see the same batches;
* the decoded uint8 examples are cached (4x smaller than float32) and scaled after batching.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

# Element kinds, i.e. the structure of one batch (see `DatasetInfo.element`).
IMAGES = "images"  # images
LABELLED = "images_labels"  # (images, labels)
PAIRED = "paired"  # (source_images, target_images), pixel-aligned
UNPAIRED = "unpaired"  # (domain_a_images, domain_b_images), independent draws
CAPTIONS = "captions"  # (images, token_ids) or (images, token_ids, labels)
POINTS = "points"  # 2-D points, (batch, 2), not scaled

# Big enough to mix MNIST-sized sets well, small enough for celeb_a's 64x64 crops (~120 MB).
DEFAULT_SHUFFLE_BUFFER = 10_000


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a model needs to know about a dataset before it sees a batch.

    Returned by `keras_gan.datasets.info(name)` and by `load(..., with_info=True)`.

    Attributes:
        name: str, the dataset name or folder.
        element: str, the structure of one batch: `"images"`, `"images_labels"`, `"paired"`,
            `"unpaired"`, `"captions"` or `"points"`.
        image_shape: tuple, `(height, width, channels)` of the (target) images, or `(2,)` for
            2-D points.
        num_examples: int, examples in one pass over the chosen split (for unpaired sets, the
            larger of the two domains, as in CycleGAN).
        batch_size: int, the batch size of the loaded dataset.
        steps_per_epoch: int, batches in one pass.
        num_classes: int or None, number of class labels, if the dataset has any.
        class_names: tuple of str or None, the name of each label id.
        source_shape: tuple or None, shape of the source images of a paired or unpaired set
            when it differs from `image_shape` (e.g. the low-resolution input of SRGAN).
        vocabulary: `Vocabulary` or None, for captioned sets.
        mixture: `Mixture` or None, the ground-truth mixture of the 2-D toy sets.
        extras: dict, anything else a dataset wants to report (e.g. the caption thresholds or
            which real digits a derived set was built from).
    """

    name: str
    element: str
    image_shape: tuple
    num_examples: int
    batch_size: int
    steps_per_epoch: int
    num_classes: int | None = None
    class_names: tuple | None = None
    source_shape: tuple | None = None
    vocabulary: Any = None
    mixture: Any = None
    extras: dict = dataclasses.field(default_factory=dict)


def check_image_size(image_size):
    """Returns `image_size` as a `(height, width)` tuple of ints, or None.

    Args:
        image_size: None, a positive int (square) or a `(height, width)` pair.

    Returns:
        None or a tuple of two positive ints.
    """
    if image_size is None:
        return None
    if isinstance(image_size, (int, np.integer)) and not isinstance(image_size, bool):
        image_size = (int(image_size), int(image_size))
    if (
        isinstance(image_size, (tuple, list))
        and len(image_size) == 2
        and all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in image_size)
        and all(s > 0 for s in image_size)
    ):
        return (int(image_size[0]), int(image_size[1]))
    raise ValueError(
        "`image_size` must be None, a positive int or a (height, width) pair of positive ints. "
        f"Received: image_size={image_size!r}"
    )


def check_channels(channels, allow_none=True):
    """Returns `channels` after checking it is 1, 3 (or None when allowed)."""
    if channels is None and allow_none:
        return None
    if channels in (1, 3) and not isinstance(channels, bool):
        return int(channels)
    accepted = "None (keep), 1 (grayscale) or 3 (RGB)" if allow_none else "1 or 3"
    raise ValueError(f"`channels` must be {accepted}. Received: channels={channels!r}")


def check_batch_size(batch_size):
    if (
        isinstance(batch_size, (int, np.integer))
        and not isinstance(batch_size, bool)
        and batch_size > 0
    ):
        return int(batch_size)
    raise ValueError(f"`batch_size` must be a positive int. Received: batch_size={batch_size!r}")


def resize_uint8(images, image_size):
    """Resizes a uint8 image tensor (HWC or NHWC) with antialiasing and returns uint8."""
    if image_size is None:
        return images
    resized = tf.image.resize(images, image_size, method="bilinear", antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(resized), 0.0, 255.0), tf.uint8)


def set_channels(images, channels):
    """Converts a uint8 image tensor to 1 or 3 channels (None keeps it)."""
    if channels is None:
        return images
    have = images.shape[-1]
    if have == channels:
        return images
    if channels == 3 and have == 1:
        return tf.image.grayscale_to_rgb(images)
    if channels == 1 and have == 3:
        gray = tf.image.rgb_to_grayscale(tf.cast(images, tf.float32))
        return tf.cast(tf.clip_by_value(tf.round(gray), 0.0, 255.0), tf.uint8)
    if channels == 3 and have == 4:
        return images[..., :3]
    if channels == 1 and have == 4:
        return set_channels(images[..., :3], 1)
    raise ValueError(f"Cannot convert images with {have} channels to channels={channels}.")


def to_float(images):
    """Maps uint8 [0, 255] to float32 [-1, 1]: `x / 127.5 - 1`."""
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def _scale_element(*element):
    # tf.data unpacks tuple elements into arguments. Images are uint8 until here; labels and
    # token ids (int32) and 2-D points (float32) pass through.
    scaled = tuple(to_float(x) if x.dtype == tf.uint8 else x for x in element)
    return scaled if len(scaled) > 1 else scaled[0]


def finish(
    dataset: tf.data.Dataset,
    *,
    num_examples: int,
    batch_size: int,
    shuffle: bool,
    seed: int | None,
    drop_remainder: bool,
    cache: bool | str,
    name: str,
    shuffle_buffer: int | None = None,
    before_batch: Callable | None = None,
) -> tf.data.Dataset:
    """Caches, shuffles, batches, scales uint8 images to [-1, 1] and prefetches.

    Args:
        dataset: unbatched dataset of uint8 images (and int32 labels etc.).
        num_examples: int, number of elements of `dataset`.
        batch_size: int.
        shuffle: bool, shuffle each epoch.
        seed: int or None, shuffle seed.
        drop_remainder: bool.
        cache: bool or str, `True` caches in memory, a str caches to that file.
        name: str, used in error messages.
        shuffle_buffer: int or None, defaults to `min(num_examples, 10000)`.
        before_batch: optional function applied to the unbatched dataset after the shuffle
            (used by unpaired sets to zip two shuffled domains).

    Returns:
        The batched, prefetched `tf.data.Dataset`.
    """
    if drop_remainder and num_examples < batch_size:
        raise ValueError(
            f"Dataset '{name}' has {num_examples} examples, fewer than batch_size={batch_size}, "
            "so with drop_remainder=True it would yield no batch. Use a smaller batch_size or "
            "drop_remainder=False."
        )
    if cache is True:
        dataset = dataset.cache()
    elif isinstance(cache, str):
        dataset = dataset.cache(cache)
    if shuffle:
        buffer = shuffle_buffer or min(num_examples, DEFAULT_SHUFFLE_BUFFER)
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    if before_batch is not None:
        dataset = before_batch(dataset)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    dataset = dataset.map(_scale_element, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def steps(num_examples, batch_size, drop_remainder):
    return num_examples // batch_size if drop_remainder else -(-num_examples // batch_size)
