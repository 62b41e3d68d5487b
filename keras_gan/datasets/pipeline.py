"""The one tail every loader shares: validate arguments, cache, shuffle, batch, scale, prefetch.

Loaders in this package produce an *unbatched* `tf.data.Dataset` of uint8 images (or float
points) plus a `DatasetInfo`; `finish()` turns it into what `fit()` consumes. Keeping the tail in one
place is what makes every dataset obey the same contract:

* images float32 in [-1, 1], channels-last, static shapes (`drop_remainder=True` by default);
* the shuffle is seeded, so two runs with the same `seed` see the same batches;
* the decoded uint8 examples are cached (4x smaller than float32) and scaled after batching;
* nothing is put in memory before its size is known to fit: `memory_estimate()` adds up the arrays
  a loader materialises, the in-memory cache, the shuffle buffer and the batches in flight, and
  `check_memory()` refuses with a `ValueError` (the estimate, the memory available and the fix)
  when that exceeds 80% of the memory available. A huge `image_size` fails at once instead of
  being killed by the kernel.
"""

from __future__ import annotations

import dataclasses
import math
import os
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
ATTRIBUTED = "images_attributes"  # (images, attributes): float32 (batch, k) of 0/1
POINTS = "points"  # 2-D points, (batch, 2), not scaled

# Big enough to mix MNIST-sized sets well, small enough for celeb_a's 64x64 crops (~120 MB).
DEFAULT_SHUFFLE_BUFFER = 10_000
# ... and never more than this many bytes of examples, so large images stream instead of filling
# memory (only examples over ~100 KB, e.g. 256x256x3, get a smaller buffer).
SHUFFLE_BUFFER_BYTES = 1024**3
# The graph-level seed of every epoch of an endless stream (see `endless`): any constant but 0.
_EPOCH_GRAPH_SEED = 1

# Batches the prefetch and the scaling map may hold at once, as uint8 plus float32 (5 bytes/pixel).
_BATCHES_IN_FLIGHT = 4
# A dataset may use at most this share of the available memory; the rest is the model's.
MEMORY_FRACTION = 0.8


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What a model needs to know about a dataset before it sees a batch.

    Returned by `keras_gan.datasets.info(name)` and by `load(..., with_info=True)`.

    Attributes:
        name: str, the dataset name or folder.
        element: str, the structure of one batch: `"images"`, `"images_labels"`, `"paired"`,
            `"unpaired"`, `"captions"`, `"images_attributes"` or `"points"`.
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
        attribute_names: tuple of str or None, the binary attribute of each column of an
            attributed set's `(images, attributes)` batches (StarGAN's domain labels).
        attribute_groups: tuple of tuples of str or None: for a set that joins datasets with
            different labels (StarGAN's mask vector), each dataset's attributes, in the order
            of `attribute_names`; the batches' labels then have one more column per dataset,
            the one-hot mask.
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
    attribute_names: tuple | None = None
    attribute_groups: tuple | None = None
    extras: dict = dataclasses.field(default_factory=dict)


def is_dataset(x):
    """Whether `x` is a `tf.data.Dataset` (the input pipeline's type, on every backend)."""
    return isinstance(x, tf.data.Dataset)


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


# Images resized at once by `resize_array`: its float32 intermediates stay near this many bytes.
RESIZE_CHUNK_BYTES = 64 * 1024**2


def resize_array(images, image_size):
    """Resizes a uint8 numpy array `(n, h, w[, c])` in chunks; the same pixels as `resize_uint8`.

    The result is allocated once as uint8; the float32 intermediates of `tf.image.resize` exist
    for one chunk of about `RESIZE_CHUNK_BYTES` at a time, never for the whole array.

    Args:
        images: uint8 array `(n, height, width)` or `(n, height, width, channels)`.
        image_size: `(height, width)` or None (returned unchanged).

    Returns:
        A uint8 array `(n, *image_size[, channels])`.
    """
    if image_size is None or tuple(images.shape[1:3]) == tuple(image_size):
        return images
    squeeze = images.ndim == 3
    batch = images[..., None] if squeeze else images
    out = np.empty((len(batch), *image_size, batch.shape[-1]), np.uint8)
    per_image = 4 * int(np.prod(out.shape[1:]))
    chunk = max(1, RESIZE_CHUNK_BYTES // per_image)
    for start in range(0, len(batch), chunk):
        out[start : start + chunk] = resize_uint8(batch[start : start + chunk], image_size).numpy()
    return out[..., 0] if squeeze else out


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


def format_bytes(num_bytes):
    """`1536` -> `"1.5 KB"` (powers of 1024)."""
    value = float(num_bytes)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024


def _read_int(path):
    try:
        with open(path) as file:
            text = file.read().strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isdigit() else None


def available_memory():
    """Bytes of memory this process can still allocate, or None when unknown.

    `MemAvailable` of `/proc/meminfo` (else `os.sysconf` free pages), lowered to what a cgroup
    (container) memory limit leaves.

    Returns:
        int or None.
    """
    found = []
    try:
        with open("/proc/meminfo") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            pass
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),  # cgroup v2
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):  # fmt: skip
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < 2**60:  # "max" / huge: no limit
            found.append(max(0, limit - usage))
    return min(found) if found else None


def shuffle_buffer_size(num_examples, example_bytes):
    """Examples in the shuffle buffer: `min(num_examples, 10000)`, at most 1 GiB of them."""
    by_bytes = SHUFFLE_BUFFER_BYTES // max(1, int(example_bytes))
    return max(1, min(num_examples, DEFAULT_SHUFFLE_BUFFER, by_bytes))


def memory_estimate(
    num_examples, example_bytes, *, batch_size, cache, shuffle, materialised=0,
    shuffle_buffer=None,
):  # fmt: skip
    """Estimates the memory a dataset needs, in bytes, and says what it is made of.

    Args:
        num_examples: int, examples per epoch.
        example_bytes: int, bytes of one uint8 example (all its images, labels and ids).
        batch_size: int.
        cache: bool or str, whether the examples are cached in memory (`True`); a file cache
            (str) or no cache costs no memory.
        shuffle: bool, whether a shuffle buffer holds examples.
        materialised: int, bytes of the arrays the loader builds in memory first (numpy arrays
            and their tensor copies). Defaults to `0`.
        shuffle_buffer: int or None, the buffer size in examples; defaults to
            `shuffle_buffer_size()`.

    Returns:
        A tuple `(total_bytes, description)`.
    """
    parts = {"arrays": materialised}
    parts["in-memory cache"] = num_examples * example_bytes if cache is True else 0
    if shuffle:
        buffer = shuffle_buffer or shuffle_buffer_size(num_examples, example_bytes)
        parts["shuffle buffer"] = min(buffer, num_examples) * example_bytes
    # uint8 and float32 copies of the batches in flight.
    parts["batches"] = _BATCHES_IN_FLIGHT * 5 * min(batch_size, num_examples) * example_bytes
    described = ", ".join(f"{k} {format_bytes(v)}" for k, v in parts.items() if v)
    return sum(parts.values()), described


def check_memory(name, needed, *, what, fix):
    """Raises a `ValueError` when `needed` bytes exceed 80% of the memory available.

    Args:
        name: str, the dataset, for the message.
        needed: int, the estimate in bytes (see `memory_estimate`).
        what: str, what the estimate is made of.
        fix: str or callable, what to do instead; a callable receives the share of the estimate
            that fits (< 1) and returns the text.

    Raises:
        ValueError: naming the estimate, the memory available and the fix.
    """
    available = available_memory()
    if available is None or needed <= MEMORY_FRACTION * available:
        return
    fits = MEMORY_FRACTION * available / needed
    advice = fix(fits) if callable(fix) else fix
    raise ValueError(
        f"Dataset '{name}' would need about {format_bytes(needed)} of memory ({what}), more than "
        f"{MEMORY_FRACTION:.0%} of the {format_bytes(available)} available. {advice}"
    )


def smaller_image_size(image_shape, fits, extra=""):
    """The fix of `check_memory` for images: the largest `image_size` that fits, roughly."""
    height, width = image_shape[:2]
    scale = math.sqrt(fits)
    suggestion = (max(1, int(height * scale)), max(1, int(width * scale)))
    size = suggestion[0] if suggestion[0] == suggestion[1] and height == width else suggestion
    return (
        f"Use a smaller image_size (now {height}x{width}; about image_size={size} or less "
        f"fits){extra}."
    )


def element_bytes(element_spec):
    """Bytes of one dataset element, or None when a shape is not fully known."""
    total = 0
    for spec in tf.nest.flatten(element_spec):
        if not spec.shape.is_fully_defined():
            return None
        total += spec.shape.num_elements() * spec.dtype.size
    return total


def image_shape_of(element_spec):
    """The `(height, width, channels)` of the largest image in an element spec, or None."""
    shapes = [
        tuple(s.shape) for s in tf.nest.flatten(element_spec)
        if s.dtype == tf.uint8 and s.shape.rank == 3 and s.shape.is_fully_defined()
    ]  # fmt: skip
    return max(shapes, key=lambda shape: shape[0] * shape[1] * shape[2]) if shapes else None


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
    start_step: int | None = None,
    epoch: Callable | None = None,
) -> tf.data.Dataset:
    """Caches, shuffles, batches, scales uint8 images to [-1, 1] and prefetches.

    Two forms, by `start_step`:

    * `None`: one epoch, reshuffled on each pass (what `fit(dataset, epochs=n)` wants);
    * an int: the endless stream of a training run, from its batch `start_step` on (see
      `endless`). Epoch `e` is shuffled with `epoch_seed(seed, e)`, so the stream from any step
      is the uninterrupted stream's from that step, and reaching step 100,000 reads only the
      part of one epoch before it, not the 100,000 batches (how a run resumes).

    Args:
        dataset: unbatched dataset of uint8 images (and int32 labels etc.).
        num_examples: int, number of elements of `dataset`.
        batch_size: int.
        shuffle: bool, shuffle each epoch.
        seed: int or None, shuffle seed.
        drop_remainder: bool.
        cache: bool or str, `True` caches in memory, a str caches to that file.
        name: str, used in error messages.
        shuffle_buffer: int or None, defaults to `min(num_examples, 10000)`, at most 1 GiB of
            examples (`shuffle_buffer_size`).
        start_step: int or None, see above.
        epoch: optional function from an int64 seed to one epoch of examples in the order that
            seed gives, for `start_step`; defaults to `dataset` shuffled with that seed (unpaired
            sets pass their two independently shuffled domains).

    Returns:
        The batched, prefetched `tf.data.Dataset`.

    Raises:
        ValueError: too few examples for one batch, or the cache, shuffle buffer and batches
            would not fit in memory (see `check_memory`).
    """
    if drop_remainder and num_examples < batch_size:
        raise ValueError(
            f"Dataset '{name}' has {num_examples} examples, fewer than batch_size={batch_size}, "
            "so with drop_remainder=True it would yield no batch. Use a smaller batch_size or "
            "drop_remainder=False."
        )
    example = element_bytes(dataset.element_spec)
    if example is not None:
        shuffle_buffer = shuffle_buffer or shuffle_buffer_size(num_examples, example)
        needed, what = memory_estimate(
            num_examples, example, batch_size=batch_size, cache=cache, shuffle=shuffle,
            shuffle_buffer=shuffle_buffer,
        )  # fmt: skip
        check_memory(
            name, needed, what=f"{num_examples} examples of {format_bytes(example)}: {what}",
            fix=memory_fix(image_shape_of(dataset.element_spec), cache),
        )  # fmt: skip
    if cache is True:
        dataset = dataset.cache()
    elif isinstance(cache, str):
        dataset = dataset.cache(cache)
    buffer = shuffle_buffer or min(num_examples, DEFAULT_SHUFFLE_BUFFER)
    if start_step is not None:
        if epoch is None:

            def epoch(epoch_seed_):
                if not shuffle:
                    return dataset
                return dataset.shuffle(buffer, seed=epoch_seed_, reshuffle_each_iteration=False)

        return endless(
            lambda e: epoch(epoch_seed(seed, e)), num_examples=num_examples,
            batch_size=batch_size, drop_remainder=drop_remainder, start_step=start_step,
        )  # fmt: skip
    if shuffle:
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    dataset = dataset.map(_scale_element, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def check_start_step(start_step):
    """`start_step` as an int >= 0, or None; a clear `ValueError` otherwise."""
    if start_step is None:
        return None
    if isinstance(start_step, (bool, np.bool_)) or not isinstance(start_step, (int, np.integer)):
        raise ValueError(
            f"start_step must be an int >= 0 or None. Received: start_step={start_step!r}"
        )
    if start_step < 0:
        raise ValueError(
            f"start_step must be an int >= 0 or None. Received: start_step={start_step}"
        )
    return int(start_step)


def epoch_seed(seed, epoch):
    """The shuffle seed of epoch `epoch` (an int64 tensor) of a stream seeded with `seed`.

    A function of the two alone, so any epoch's order can be rebuilt without the ones before it
    (`seed=None` counts as 0, as in `load`).
    """
    base = 0 if seed is None else int(seed)
    return (tf.constant(base, tf.int64) * 1_000_003 + tf.cast(epoch, tf.int64)) % (2**31 - 1)


def endless(make_epoch, *, num_examples, batch_size, drop_remainder, start_step):
    """Epoch after epoch of `make_epoch`, batched, from batch `start_step` of the stream on.

    Each epoch is batched on its own, as `dataset.repeat()` of the one-epoch dataset would be
    (with `drop_remainder`, the last partial batch of every epoch is dropped). Batch `start_step`
    is in epoch `start_step // steps_per_epoch`: the epochs before it are not built at all, and
    only the examples of that epoch before it are skipped, unbatched and unscaled. So the cost of
    starting at step 100,000 is at most one pass over the data, whatever the step, instead of
    100,000 batches read and thrown away (`dataset.repeat().skip(step)`).

    Args:
        make_epoch: function from the epoch number (an int64 tensor) to one epoch of unbatched
            examples, in an order that depends on that number only.
        num_examples: int, examples in one epoch.
        batch_size: int.
        drop_remainder: bool.
        start_step: int >= 0, the first batch of the stream.

    Returns:
        An endless, scaled, prefetched `tf.data.Dataset` of batches.
    """
    per_epoch = steps(num_examples, batch_size, drop_remainder)
    first_epoch, first_batch = divmod(check_start_step(start_step), per_epoch)
    consumed = tf.constant(first_batch * batch_size, tf.int64)  # examples already trained on

    def one_epoch(e):
        # Traced into a function: this sets that function's graph-level seed only. Shuffles pair
        # it with their op seed (a tensor here), so the order depends on `make_epoch`'s seed
        # alone, not on whatever `tf.random.set_seed` the caller ran (and a caller's global seed
        # 0 would make `tf.random` compare the seed tensor to 0 in Python, which fails).
        tf.random.set_seed(_EPOCH_GRAPH_SEED)
        examples = make_epoch(e).skip(tf.where(tf.equal(e, first_epoch), consumed, 0))
        return examples.batch(batch_size, drop_remainder=drop_remainder)

    stream = tf.data.Dataset.range(first_epoch, np.iinfo(np.int64).max).flat_map(one_epoch)
    stream = stream.map(_scale_element, num_parallel_calls=tf.data.AUTOTUNE)
    return stream.prefetch(tf.data.AUTOTUNE)


def memory_fix(image_shape, cache=False):
    """The fix named by `check_memory`: a smaller image_size, and cache=False when it caches."""
    extra = " or cache=False" if cache is True else ""
    if image_shape is None:
        return f"Use fewer or smaller examples{extra}."
    return lambda fits: smaller_image_size(image_shape, fits, extra)


def steps(num_examples, batch_size, drop_remainder):
    return num_examples // batch_size if drop_remainder else -(-num_examples // batch_size)
