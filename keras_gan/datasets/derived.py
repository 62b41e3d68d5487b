"""Datasets derived from real handwritten digits, small enough to train every GAN variant on a CPU.

The digits come from MNIST (through tensorflow-datasets, offline when `KERAS_GAN_DATA_DIR` holds
its raw files) or from scikit-learn's bundled 8x8 digits, which always work offline. With
`source="auto"` (the default), MNIST is used when it is already prepared in the tfds data directory
or its raw files are in `$KERAS_GAN_DATA_DIR/mnist/`; otherwise the sklearn digits, upsampled to
`image_size`, are used instead and a warning says so (no download is attempted: pass
`source="mnist"` for that). `DatasetInfo.extras["source"]` records which was used.

* `digits`: scikit-learn's 1797 8x8 digits (UCI optdigits, 17 grey levels), optionally resized.
* `stacked_mnist` (Metz et al. 2016, https://arxiv.org/abs/1611.02163): three random digits as the
  R, G and B channels, 1000 modes; label $100 d_R + 10 d_G + d_B$.
* `mnist_edges`: (edge map, digit) pairs; the edge map is the one-pixel outline of the digit's
  ink (pixels > 127 with a non-ink 4-neighbour).
* `mnist_colour`: (grey digit as RGB, the same digit in a random saturated colour) pairs.
* `mnist_negative`: (digit, its negative 255 - digit) pairs, CoGAN's second digit task.
* `mnist_superres`: (low-resolution, high-resolution) pairs, `scale` times smaller (SRGAN).
* `mnist_captions`: (image, caption token ids) for text-to-image GANs; see `captions`.
* `mnist_attributes`: (image, binary attributes) for multi-domain translation (StarGAN): each
  digit drawn with a random subset of `ATTRIBUTES` (thick strokes, outline, negative), each a
  known transform, so a translation to any attributes has an exact answer to compare with.

The paired sets yield `(source, target)`; with `paired=False` the two sides come from different,
independently shuffled digits, as CycleGAN's unpaired domains.

All content is generated once with numpy from `seed` (0 when `seed=None`), so it is reproducible.
"""

from __future__ import annotations

import colorsys
import functools
import warnings

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_gan.datasets import captions as captions_lib
from keras_gan.datasets import pipeline, tfds_loader
from keras_gan.datasets.tfds_loader import resolve_cache, zip_unpaired

SOURCES = ("auto", "mnist", "digits")


@functools.lru_cache(maxsize=4)
def _sklearn_digits():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # 17 grey levels 0..16 -> 0..255.
    images = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    return images, bunch.target.astype(np.int32)


@functools.lru_cache(maxsize=4)
def _mnist(split, data_dir):
    builder = tfds_loader.prepared_builder("mnist", data_dir)
    data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    return data["image"][..., 0], data["label"].astype(np.int32)


def _native_digits(source, split, data_dir, stacklevel=4):
    """`(images, labels, source)` at the native size: uint8 `(n, 28, 28)` or `(n, 8, 8)`."""
    if source not in SOURCES:
        raise ValueError(
            f"`source` must be one of {', '.join(SOURCES)}. Received: source={source!r}"
        )
    if source == "auto":
        source = "mnist" if tfds_loader.is_available("mnist", data_dir) else "digits"
        if source == "digits":
            warnings.warn(
                "MNIST is not prepared in the tfds data directory and "
                f"${tfds_loader.ENV_DATA_DIR}/mnist/ does not hold its raw files, so scikit-learn's "
                "8x8 digits (1797 images, upsampled) are used instead. Pass source='mnist' to "
                "download MNIST, or source='digits' to silence this warning.",
                stacklevel=stacklevel,
            )
    if source == "mnist":
        images, labels = _mnist(split, data_dir)
    else:
        if split not in ("train", "all"):
            raise ValueError(
                f"scikit-learn's digits have a single split, 'train' (all 1797 images). "
                f"Received: split={split!r}"
            )
        images, labels = _sklearn_digits()
    return images, labels, source


def digit_images(source="auto", split="train", image_size=28, data_dir=None):
    """Real handwritten digits as numpy arrays, from MNIST or scikit-learn's 8x8 digits.

    Args:
        source: str, `"auto"`, `"mnist"` or `"digits"` (see the module docstring). Defaults to
            `"auto"`.
        split: str, `"train"` or `"test"` for MNIST; the sklearn digits have only `"train"`
            (all 1797 images). Defaults to `"train"`.
        image_size: int, `(height, width)` or None (native: 28x28 MNIST, 8x8 digits). Defaults
            to `28`.
        data_dir: str or None, tfds data directory.

    Returns:
        A tuple `(images, labels, source)`: uint8 `(n, h, w)`, int32 `(n,)` and the source used.
    """
    size = pipeline.check_image_size(image_size)
    images, labels, source = _native_digits(source, split, data_dir)
    return pipeline.resize_array(images, size), labels, source


def _sized_digits(
    name, source, split, image_size, data_dir, *, example_bytes, copies, stream, digit_copies=1
):  # fmt: skip
    """Loads digits at `image_size` after checking that what the loader builds fits in memory.

    Args:
        name: str, the dataset, for messages.
        example_bytes: callable `(height, width) -> int`, bytes of one example of the dataset.
        copies: number of arrays of `example_bytes` per example the loader holds at its peak
            (numpy arrays and their tensor copies).
        digit_copies: number of copies of the resized digits themselves. Defaults to `1`.
        stream: dict of `memory_estimate` arguments: `batch_size`, `cache` (as given to `load`),
            `shuffle`, and `num_examples` when it differs from the number of digits.

    Returns:
        A tuple `(images, labels, source)` as `digit_images`.
    """
    size = pipeline.check_image_size(image_size)
    images, labels, used = _native_digits(source, split, data_dir, stacklevel=5)
    height, width = size or images.shape[1:3]
    digits = len(images)
    num_examples = stream.pop("num_examples", digits)
    example = example_bytes(height, width)
    stream["cache"] = resolve_cache(stream.get("cache", "auto"), num_examples, (example,))
    arrays = digit_copies * digits * height * width + copies * num_examples * example
    if size is not None:
        arrays += 3 * pipeline.RESIZE_CHUNK_BYTES  # float32 intermediates of one chunk
    needed, what = pipeline.memory_estimate(num_examples, example, materialised=arrays, **stream)
    pipeline.check_memory(
        name, needed, what=f"{num_examples} examples of {pipeline.format_bytes(example)}: {what}",
        fix=pipeline.memory_fix((height, width), stream.get("cache")),
    )  # fmt: skip
    return _resized_digits(used, split, data_dir, size), labels, used


@functools.lru_cache(maxsize=2)
def _resized_digits(source, split, data_dir, size):
    """The digits of `source` at `size`, resized once per process, read-only.

    A training run loads its dataset several times (its description, the stream, the batch
    the sample grids start from); resizing 60,000 MNIST digits took about 6 s each time.
    """
    images, _, _ = _native_digits(source, split, data_dir)
    resized = pipeline.resize_array(images, size)
    if resized is not images:
        resized.setflags(write=False)
    return resized


def stack_digits(labels, num_examples, seed=0):
    """Draws the digit triples of Stacked MNIST.

    Args:
        labels: int array `(n,)`, labels of the digit images.
        num_examples: int.
        seed: int. Defaults to `0`.

    Returns:
        A tuple `(indices, stacked_labels)`: int32 `(num_examples, 3)` indices into the images for
        the R, G, B channels and int32 labels `100 * d_r + 10 * d_g + d_b`.
    """
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, len(labels), size=(num_examples, 3)).astype(np.int32)
    stacked = (np.asarray(labels)[indices] * np.array([100, 10, 1])).sum(axis=1)
    return indices, stacked.astype(np.int32)


def edge_maps(images):
    """Outlines of uint8 digits `(n, h, w)`: 255 on ink pixels (> 127) that touch paper.

    An ink pixel is on the outline when one of its 4 neighbours is not ink (the ink minus its
    erosion), which gives a one-pixel line like the edge maps of pix2pix's edges2shoes.
    Computed in chunks, so the boolean intermediates stay small.
    """
    out = np.empty(images.shape, np.uint8)
    for start, stop in _chunks(images):
        ink = np.pad(images[start:stop] > 127, ((0, 0), (1, 1), (1, 1)))
        core = ink[:, 1:-1, 1:-1]
        interior = (
            core & ink[:, :-2, 1:-1] & ink[:, 2:, 1:-1] & ink[:, 1:-1, :-2] & ink[:, 1:-1, 2:]
        )
        out[start:stop] = np.where(core & ~interior, 255, 0)
    return out


def negatives(images):
    """The negatives `255 - x` of uint8 images (CoGAN's digits and negatives task)."""
    return (255 - np.asarray(images, np.uint8)).astype(np.uint8)


def _edges_of(images):
    # uint8 (n, h, w, 1) digits -> their (n, h, w, 1) outlines
    return edge_maps(np.asarray(images)[..., 0])[..., None]


def _grey_of(images):
    # uint8 (n, h, w, 3) coloured digits -> the grey digit as RGB: the brightest channel is the
    # grey value (`colourise` scales a fully saturated colour whose largest component is 1)
    return np.repeat(np.asarray(images).max(axis=-1, keepdims=True), 3, axis=-1)


#: The known transform between the two sides of each digit pair set, as
#: `(from_side, to_side, function)`: the side (0: source, 1: target) the function maps from,
#: the side it gives, and the function on uint8 `(n, h, w, c)` images. CoGAN's pair agreement
#: (`keras_gan.metrics.pair_agreement`) applies it to one generated image and compares the
#: result with the other.
PAIR_TRANSFORMS = {
    "mnist_edges": (1, 0, _edges_of),  # digit -> its outline
    "mnist_negative": (0, 1, negatives),  # digit -> 255 - digit
    "mnist_colour": (1, 0, _grey_of),  # coloured digit -> the grey digit
}


def pair_transform(name):
    """`(from_side, to_side, function)` of a digit pair set (`PAIR_TRANSFORMS`).

    Raises:
        ValueError: a dataset without a known transform, naming the ones that have one.
    """
    name = {"mnist_color": "mnist_colour"}.get(name, name)
    if name not in PAIR_TRANSFORMS:
        raise ValueError(
            f"Only the digit pair sets have a known transform between their two sides: "
            f"{', '.join(PAIR_TRANSFORMS)}. Received: {name!r}"
        )
    return PAIR_TRANSFORMS[name]


#: The binary attributes of `mnist_attributes`, in the order `apply_attributes` applies them;
#: each is a known transform of the digit (StarGAN's domains on a CPU).
ATTRIBUTES = ("thick", "outline", "negative")


def thicken(images):
    """Strokes one pixel thicker: the 3x3 maximum around each pixel of uint8 digits `(n, h, w)`."""
    images = np.asarray(images, np.uint8)
    height, width = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    out = images.copy()
    for dy in range(3):
        for dx in range(3):
            np.maximum(out, padded[:, dy : dy + height, dx : dx + width], out=out)
    return out


def check_attribute_names(names):
    """Returns `names` as a tuple of known attributes, in `ATTRIBUTES`' order.

    Raises:
        ValueError: an unknown or repeated name, or none, naming the accepted ones.
    """
    if isinstance(names, str):
        names = tuple(n.strip() for n in names.split(",") if n.strip())
    names = tuple(names) if isinstance(names, (tuple, list)) else None
    if not names or any(n not in ATTRIBUTES for n in names) or len(set(names)) != len(names):
        raise ValueError(
            f"`attributes` must name one or more distinct attributes of {', '.join(ATTRIBUTES)}. "
            f"Received: attributes={names!r}"
        )
    return tuple(n for n in ATTRIBUTES if n in names)


def check_attribute_groups(attributes):
    """Reads `attributes` as StarGAN's datasets with different labels (the mask vector).

    `"thick,outline+negative"` (or `[["thick", "outline"], ["negative"]]`) names two datasets:
    the first labelled with `thick` and `outline` only, the second with `negative` only.

    Returns:
        None where `attributes` names one group (a plain attribute set), else a tuple of two
        or more groups, each a tuple of names in `ATTRIBUTES`' order.

    Raises:
        ValueError: an unknown name, an empty group, or a name in two groups, naming the
            accepted ones.
    """
    if isinstance(attributes, str):
        groups = attributes.split("+")
    elif isinstance(attributes, (tuple, list)) and any(
        isinstance(g, (tuple, list)) for g in attributes
    ):
        groups = list(attributes)
    else:
        return None
    if len(groups) < 2:
        return None
    groups = tuple(check_attribute_names(group) for group in groups)
    names = [name for group in groups for name in group]
    if len(set(names)) != len(names):
        raise ValueError(
            "Each attribute belongs to one dataset: a name may appear in one group only. "
            f"Received: attributes={attributes!r}"
        )
    return groups


def apply_attributes(images, attributes, names=ATTRIBUTES):
    """The digits with each example's attributes: thick, then outline, then negative.

    Args:
        images: uint8 `(n, h, w)` digits (white ink on black).
        attributes: `(n, len(names))` array of 0/1, one column per name.
        names: the attribute of each column, from `ATTRIBUTES`. Defaults to all of them.

    Returns:
        uint8 `(n, h, w)`: each digit thickened (`thicken`) where its `thick` is 1, reduced to
        its outline (`edge_maps`) where `outline` is 1, and inverted (`negatives`) where
        `negative` is 1, in that order.

    Raises:
        ValueError: attributes of another shape than `(n, len(names))` or values not 0 or 1.
    """
    images = np.asarray(images, np.uint8)
    check_attribute_names(names)
    names = tuple(n.strip() for n in names.split(",")) if isinstance(names, str) else tuple(names)
    attributes = np.asarray(attributes)
    if attributes.shape != (len(images), len(names)) or not np.isin(attributes, (0, 1)).all():
        raise ValueError(
            f"`attributes` must be 0/1 of shape ({len(images)}, {len(names)}), one column per "
            f"attribute of {names}. Received: shape {attributes.shape}"
        )
    out = images.copy()
    transforms = {"thick": thicken, "outline": edge_maps, "negative": negatives}
    for name in ATTRIBUTES:  # the fixed order, whatever the columns' order
        if name in names:
            chosen = attributes[:, names.index(name)].astype(bool)
            if chosen.any():
                out[chosen] = transforms[name](out[chosen])
    return out


def draw_attributes(num_examples, num_attributes, seed=0):
    """Each example's attributes: independent fair coins, float32 `(n, k)` of 0/1."""
    rng = np.random.default_rng([seed, 7])
    return rng.integers(0, 2, size=(num_examples, num_attributes)).astype(np.float32)


# Pixels per chunk of the numpy computations on whole digit sets (~128 MB of float64).
_CHUNK_PIXELS = 16 * 1024**2


def _chunks(images):
    """`(start, stop)` ranges of at most `_CHUNK_PIXELS` pixels (at least one image)."""
    per_image = max(1, int(np.prod(images.shape[1:])))
    step = max(1, _CHUNK_PIXELS // per_image)
    return [(i, min(i + step, len(images))) for i in range(0, len(images), step)]


def colourise(images, seed=0):
    """Paints each uint8 digit `(n, h, w)` in a random fully saturated colour on black.

    Returns:
        A tuple `(coloured, colours)`: uint8 `(n, h, w, 3)` and float `(n, 3)` colours in [0, 1]
        whose largest component is 1, so the brightest channel equals the grey digit.
    """
    rng = np.random.default_rng(seed)
    colours = np.array([colorsys.hsv_to_rgb(h, 1.0, 1.0) for h in rng.random(len(images))])
    coloured = np.empty((*images.shape, 3), np.uint8)
    for start, stop in _chunks(coloured):  # float64 intermediates one chunk at a time
        part = images[start:stop, ..., None] * colours[start:stop, None, None, :]
        coloured[start:stop] = np.round(part)
    return coloured, colours


def _finish(
    name, element, arrays, *, batch_size, shuffle, seed, drop_remainder, cache, paired=True,
    start_step=None, **info,
):  # fmt: skip
    n = len(arrays[0])
    # The (target) images: the second array of a pair, else the first.
    shape = (arrays[1] if element == pipeline.PAIRED else arrays[0]).shape[1:]
    if element == pipeline.PAIRED and not paired:
        rng = np.random.default_rng(seed)
        source, target = arrays[0], arrays[1][rng.permutation(n)]
        dataset, n = zip_unpaired(
            tf.data.Dataset.from_tensor_slices(source), tf.data.Dataset.from_tensor_slices(target),
            n, n, batch_size=batch_size, shuffle=shuffle, seed=seed, drop_remainder=drop_remainder,
            cache=resolve_cache(cache, 2 * n, shape), name=name, start_step=start_step,
        )  # fmt: skip
        element = pipeline.UNPAIRED
    else:
        slices = arrays[0] if len(arrays) == 1 else tuple(arrays)
        dataset = pipeline.finish(
            tf.data.Dataset.from_tensor_slices(slices), num_examples=n, batch_size=batch_size,
            shuffle=shuffle, seed=seed, drop_remainder=drop_remainder, name=name,
            cache=resolve_cache(cache, n, shape), start_step=start_step,
        )  # fmt: skip
    return dataset, pipeline.DatasetInfo(
        name=name, element=element, image_shape=tuple(shape), num_examples=n,
        batch_size=batch_size, steps_per_epoch=pipeline.steps(n, batch_size, drop_remainder), **info,
    )  # fmt: skip


def load_digits_dataset(
    *, split="train", image_size=None, channels=None, with_labels=False, batch_size=64,
    shuffle=True, seed=None, drop_remainder=True, cache="auto", start_step=None,
):  # fmt: skip
    """scikit-learn's 8x8 digits: 1797 real images, 10 classes; see `keras_gan.datasets.load`.

    The 8x8 digits are resized and converted inside the `tf.data` pipeline, one image at a time,
    so a large `image_size` streams (cached in memory only when it fits) instead of being
    materialised at once.
    """
    size = pipeline.check_image_size(image_size)
    images, labels, _ = _native_digits("digits", split, None)
    n = len(images)
    shape = (*(size or images.shape[1:3]), channels or 1)

    def prepare(image, label):
        image = tf.ensure_shape(
            pipeline.set_channels(pipeline.resize_uint8(image, size), channels), shape
        )
        return (image, label) if with_labels else image

    ds = tf.data.Dataset.from_tensor_slices((images[..., None], labels)).map(
        prepare, num_parallel_calls=tf.data.AUTOTUNE
    )
    dataset = pipeline.finish(
        ds, num_examples=n, batch_size=batch_size, shuffle=shuffle, seed=seed,
        drop_remainder=drop_remainder, cache=resolve_cache(cache, n, shape), name="digits",
        start_step=start_step,
    )  # fmt: skip
    return dataset, pipeline.DatasetInfo(
        name="digits", element=pipeline.LABELLED if with_labels else pipeline.IMAGES,
        image_shape=shape, num_examples=n, batch_size=batch_size,
        steps_per_epoch=pipeline.steps(n, batch_size, drop_remainder), num_classes=10,
        class_names=tuple(map(str, range(10))), extras={"source": "digits"},
    )  # fmt: skip


def load_stacked_mnist(
    *, split="train", image_size=28, with_labels=False, num_examples=60_000, source="auto",
    data_dir=None, seed=None, cache="auto", **kw,
):  # fmt: skip
    """Stacked MNIST (Metz et al. 2016): 3 random digits as R, G, B; see `load`."""
    if not isinstance(num_examples, (int, np.integer)) or num_examples < 1:
        raise ValueError(
            f"`num_examples` must be a positive int. Received: num_examples={num_examples!r}"
        )
    batch_size = pipeline.check_batch_size(kw.pop("batch_size", 64))
    size = pipeline.check_image_size(image_size)
    stream = dict(
        batch_size=batch_size, shuffle=kw.get("shuffle", True), num_examples=num_examples,
        cache=cache,
    )  # fmt: skip
    images, labels, used = _sized_digits(
        "stacked_mnist", source, split, size, data_dir, copies=0, digit_copies=2,
        stream=stream, example_bytes=lambda h, w: 3 * h * w,
    )  # fmt: skip
    indices, stacked_labels = stack_digits(labels, num_examples, 0 if seed is None else seed)
    digits = tf.constant(images)  # the one copy of the digits the pipeline indexes

    def stack(index, label):
        image = tf.stack([digits[index[0]], digits[index[1]], digits[index[2]]], axis=-1)
        return (image, label) if with_labels else image

    n, shape = num_examples, (*images.shape[1:], 3)
    ds = tf.data.Dataset.from_tensor_slices((indices, stacked_labels)).map(stack)
    dataset = pipeline.finish(
        ds, num_examples=n, batch_size=batch_size, seed=seed, name="stacked_mnist",
        cache=resolve_cache(cache, n, shape), **kw,
    )  # fmt: skip
    info = pipeline.DatasetInfo(
        name="stacked_mnist", element=pipeline.LABELLED if with_labels else pipeline.IMAGES,
        image_shape=shape, num_examples=n, batch_size=batch_size,
        steps_per_epoch=pipeline.steps(n, batch_size, kw["drop_remainder"]), num_classes=1000,
        extras={"source": used},
    )  # fmt: skip
    return dataset, info


def load_pairs(
    kind, *, split="train", image_size=28, scale=4, paired=True, source="auto", data_dir=None,
    seed=None, **kw,
):  # fmt: skip
    """Digit pairs: `kind` is `"edges"`, `"colour"`, `"negative"` or `"superres"`; see `load`."""
    size = pipeline.check_image_size(image_size)
    scale_ok = isinstance(scale, int) and scale >= 1
    per_pixel = {
        "edges": 2, "colour": 6, "negative": 2, "superres": 1 + (1 / scale**2 if scale_ok else 0)
    }  # fmt: skip
    if kind not in per_pixel:
        raise ValueError(f"Unknown pair kind {kind!r}. Known: edges, colour, negative, superres.")
    batch_size = pipeline.check_batch_size(kw.get("batch_size", 64))
    stream = dict(
        batch_size=batch_size, shuffle=kw.get("shuffle", True), cache=kw.get("cache", "auto")
    )
    images, _, used = _sized_digits(
        f"mnist_{kind}", source, split, size, data_dir, stream=stream,
        # numpy arrays and their tensor copies, plus the permuted targets of paired=False
        copies=2 + (0 if paired else 1), example_bytes=lambda h, w: int(per_pixel[kind] * h * w),
    )  # fmt: skip
    content_seed = 0 if seed is None else seed
    extras = {"source": used}
    if kind == "edges":
        source_images, target_images = edge_maps(images)[..., None], images[..., None]
    elif kind == "colour":
        target_images, colours = colourise(images, content_seed)
        source_images = np.repeat(images[..., None], 3, axis=-1)
        extras["colours"] = colours
    elif kind == "negative":
        source_images, target_images = images[..., None], negatives(images)[..., None]
    elif kind == "superres":
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f"`scale` must be a positive int. Received: scale={scale!r}")
        height, width = images.shape[1:3]
        if height % scale or width % scale:
            raise ValueError(
                f"image_size {height}x{width} is not divisible by scale={scale}; choose an "
                f"image_size that is a multiple of {scale} (e.g. {scale * (height // scale or 1)})."
            )
        target_images = images[..., None]
        low = (height // scale, width // scale)
        source_images = pipeline.resize_array(target_images, low)
        extras["scale"] = scale
    name = f"mnist_{kind}"
    return _finish(
        name, pipeline.PAIRED, (source_images, target_images), seed=seed, paired=paired,
        source_shape=tuple(source_images.shape[1:]), extras=extras, **kw,
    )  # fmt: skip


def load_captions(
    *, split="train", image_size=28, with_labels=False, source="auto", data_dir=None, seed=None,
    max_len=None, **kw,
):  # fmt: skip
    """Captioned digits for text-to-image GANs: `(images, token_ids[, labels])`; see `load`."""
    stream = dict(
        batch_size=pipeline.check_batch_size(kw.get("batch_size", 64)),
        shuffle=kw.get("shuffle", True), cache=kw.get("cache", "auto"),
    )  # fmt: skip
    images, labels, used = _sized_digits(
        "mnist_captions", source, split, image_size, data_dir, copies=2, stream=stream,
        example_bytes=lambda h, w: h * w + 4 * (captions_lib.DIGIT_VOCABULARY.max_len + 1),
    )  # fmt: skip
    texts, measures, thresholds = captions_lib.caption_digits(
        images, labels, seed=0 if seed is None else seed
    )
    vocabulary = captions_lib.DIGIT_VOCABULARY
    if max_len is not None:
        vocabulary = captions_lib.Vocabulary(vocabulary.words[2:], max_len=max_len)
    ids = vocabulary.encode(texts)
    arrays = (images[..., None], ids, labels) if with_labels else (images[..., None], ids)
    return _finish(
        "mnist_captions", pipeline.CAPTIONS, arrays, seed=seed, num_classes=10,
        class_names=tuple(map(str, range(10))), vocabulary=vocabulary,
        extras={"source": used, "captions": texts, "thresholds": thresholds, "measures": measures},
        **kw,
    )  # fmt: skip


def load_attributes(
    *, split="train", image_size=28, attributes=ATTRIBUTES, source="auto", data_dir=None,
    seed=None, **kw,
):  # fmt: skip
    """Digits with binary attributes for StarGAN: `(images, attributes)`; see `load`.

    Each digit appears once, with attributes drawn from `seed` (fair coins, independent) and
    applied by `apply_attributes`; the batch's attributes are float32 `(batch, k)` of 0/1 in
    the order of `ATTRIBUTES` (`DatasetInfo.attribute_names`).

    With groups (`attributes="thick,outline+negative"`, see `check_attribute_groups`), the
    digits are split into as many disjoint datasets as groups (digit i in dataset i mod n), each
    labelled with its own group's attributes only, and the batches carry StarGAN's joint label
    c~ = [c_1, ..., c_n, m] of width k + n: every group's columns (zero where the example's
    dataset has no such label) then the one-hot mask vector m naming its dataset
    (`DatasetInfo.attribute_groups`). Batches mix the datasets.
    """
    groups = check_attribute_groups(attributes)
    names = (
        tuple(name for group in groups for name in group)
        if groups
        else check_attribute_names(attributes)
    )
    stream = dict(
        batch_size=pipeline.check_batch_size(kw.get("batch_size", 64)),
        shuffle=kw.get("shuffle", True), cache=kw.get("cache", "auto"),
    )  # fmt: skip
    label_width = len(names) + (len(groups) if groups else 0)
    images, labels, used = _sized_digits(
        "mnist_attributes", source, split, image_size, data_dir, copies=2, stream=stream,
        example_bytes=lambda h, w: h * w + 4 * label_width,
    )  # fmt: skip
    values = draw_attributes(len(images), len(names), 0 if seed is None else seed)
    if groups:
        # Dataset g of n holds digits g, g + n, ...: it has labels for its group's columns only
        # (the paper's zero vector elsewhere), and its mask vector is the one-hot e_g.
        dataset = np.arange(len(images)) % len(groups)
        columns = np.repeat(np.arange(len(groups)), [len(group) for group in groups])
        values *= (columns[None, :] == dataset[:, None]).astype(np.float32)
        mask = np.eye(len(groups), dtype=np.float32)[dataset]
    transformed = apply_attributes(images, values, names)
    if groups:
        values = np.concatenate([values, mask], axis=1)
    return _finish(
        "mnist_attributes", pipeline.ATTRIBUTED, (transformed[..., None], values), seed=seed,
        attribute_names=names, attribute_groups=groups,
        extras={"source": used, "digit_labels": labels}, **kw,
    )  # fmt: skip
