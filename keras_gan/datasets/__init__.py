"""Datasets for GAN training: one `load()` for real, folder, synthetic and derived data.

Every loader returns a `tf.data.Dataset` that `keras.Model.fit()` consumes on the TensorFlow, JAX
and PyTorch backends (tf.data feeds all three). Images are float32 in [-1, 1], channels-last
`(batch, height, width, channels)`, with static shapes (`drop_remainder=True` by default), shuffled
with `seed`, cached and prefetched. One batch is, by `DatasetInfo.element`:

| element | one batch | datasets |
|---|---|---|
| `"images"` | `images` | any image set (default) |
| `"images_labels"` | `(images, labels)`, labels int32 `(batch,)` | `with_labels=True` |
| `"paired"` | `(source_images, target_images)` | pix2pix, SRGAN: `mnist_edges`, `mnist_colour`, `mnist_negative`, `mnist_superres`, paired folders |
| `"unpaired"` | `(domain_a_images, domain_b_images)` | CycleGAN, CoGAN: `cycle_gan/*`, two folders, `paired=False` |
| `"captions"` | `(images, token_ids)` or `(images, token_ids, labels)` | `mnist_captions` |
| `"images_attributes"` | `(images, attributes)`, attributes float32 `(batch, k)` of 0/1 | StarGAN: `mnist_attributes`, `celeb_a` with `attributes=` |
| `"points"` | float32 `(batch, 2)`, not scaled (or `(points, modes)`) | `ring`, `grid` |

`info(name, ...)` (or `load(..., with_info=True)`) returns a `DatasetInfo`: image shape, number of
examples and classes, class names, the caption `Vocabulary`, the toy `Mixture`.

Example:

>>> from keras_gan import datasets
>>> ds, info = datasets.load("digits", batch_size=32, image_size=16, with_info=True)
>>> info.image_shape, info.num_examples
((16, 16, 1), 1797)
>>> next(iter(ds)).shape
TensorShape([32, 16, 16, 1])
"""

from __future__ import annotations

import difflib
import os
import pathlib

from keras_gan.datasets import derived, toy
from keras_gan.datasets.captions import DIGIT_VOCABULARY, Vocabulary, caption_digits, measure_digits
from keras_gan.datasets.folders import (
    IMAGE_EXTENSIONS,
    load_folder,
    load_paired_folder,
    load_unpaired_folders,
)
from keras_gan.datasets.pipeline import DatasetInfo
from keras_gan.datasets.tfds_loader import (
    ENV_DATA_DIR,
    STARGAN_CELEBA_ATTRIBUTES,
    ChecksumMismatchError,
    DataNotFoundError,
    available_attributes,
    is_tfds_name,
    load_tfds,
    raw_files,
)
from keras_gan.datasets.toy import GRID, RING, Mixture

__all__ = [
    "canonical_name",
    "DIGIT_VOCABULARY",
    "ENV_DATA_DIR",
    "GRID",
    "IMAGE_EXTENSIONS",
    "RING",
    "STARGAN_CELEBA_ATTRIBUTES",
    "ChecksumMismatchError",
    "DataNotFoundError",
    "DatasetInfo",
    "Mixture",
    "Vocabulary",
    "available_attributes",
    "caption_digits",
    "info",
    "load",
    "load_folder",
    "load_paired_folder",
    "load_unpaired_folders",
    "measure_digits",
    "raw_files",
]

# Names this package knows well; any other tensorflow-datasets name also works.
TFDS_NAMES = (
    "mnist",
    "fashion_mnist",
    "cifar10",
    "celeb_a",
    *(
        f"cycle_gan/{pair}"
        for pair in (
            "horse2zebra",
            "apple2orange",
            "summer2winter_yosemite",
            "monet2photo",
            "cezanne2photo",
            "ukiyoe2photo",
            "vangogh2photo",
            "maps",
            "cityscapes",
            "facades",
            "iphone2dslr_flower",
        )  # fmt: skip
    ),
)
GENERATED_NAMES = (
    "ring",
    "grid",
    "digits",
    "stacked_mnist",
    "mnist_edges",
    "mnist_colour",
    "mnist_negative",
    "mnist_superres",
    "mnist_captions",
    "mnist_attributes",
)
_ALIASES = {"mnist_color": "mnist_colour", "cifar-10": "cifar10", "celeba": "celeb_a"}


def canonical_name(name):
    """The name `load` reads `name` as: `"celeba"` -> `"celeb_a"`, `"mnist_color"` ->
    `"mnist_colour"`, `"cifar-10"` -> `"cifar10"`; any other name (or path) unchanged."""
    return _ALIASES.get(name, name) if isinstance(name, str) else name


def _unknown(name):
    known = (*TFDS_NAMES, *GENERATED_NAMES)
    close = difflib.get_close_matches(name, [*known, *_ALIASES], n=1, cutoff=0.6)
    hint = f" Did you mean '{_ALIASES.get(close[0], close[0])}'?" if close else ""
    return ValueError(
        f"Unknown dataset '{name}' (and no folder of that name exists).{hint} Known: "
        f"{', '.join(known)} (any tensorflow-datasets name also works, and so does a path to a "
        "folder of images)."
    )


def load(
    name,
    split="train",
    batch_size=64,
    image_size=None,
    *,
    channels=None,
    with_labels=False,
    shuffle=True,
    seed=None,
    drop_remainder=True,
    cache="auto",
    with_info=False,
    data_dir=None,
    start_step=None,
    **options,
):
    """Loads a dataset by name or path as a batched `tf.data.Dataset` ready for `fit()`.

    Args:
        name: str, path, or a pair of paths. One of:
            a tensorflow-datasets name (`"mnist"`, `"fashion_mnist"`, `"cifar10"`, `"celeb_a"`,
            `"cycle_gan/horse2zebra"`, or any other tfds image dataset);
            a generated set (`"ring"`, `"grid"`, `"digits"`, `"stacked_mnist"`, `"mnist_edges"`,
            `"mnist_colour"`, `"mnist_negative"`, `"mnist_superres"`, `"mnist_captions"`,
            `"mnist_attributes"`);
            a folder of images (see `load_folder`; `paired=True` reads side-by-side pix2pix
            files); or a pair of folders (unpaired domains, or pairs matched by file name
            with `paired=True`).
        split: str, the split, e.g. `"train"`, `"test"` or a tfds slice `"train[:10%]"`; for
            `cycle_gan/*`, `"train"` means the `trainA`/`trainB` splits. Ignored for folders.
            Defaults to `"train"`.
        batch_size: int. Defaults to `64`.
        image_size: int, `(height, width)` or None (the dataset's own size; 64 for `celeb_a`, 28
            for the digit-derived sets). Defaults to `None`.
        channels: int or None, 1 (grayscale) or 3 (RGB) for tfds sets, folders (default 3) and
            `digits`; None keeps the dataset's own. Defaults to `None`.
        with_labels: bool, yield `(images, labels)` (captions: `(images, token_ids, labels)`;
            toy sets: `(points, mode_ids)`). Defaults to `False`.
        shuffle: bool, reshuffle every epoch. Defaults to `True`.
        seed: int or None, seeds the shuffle and the content of generated sets (0 when None).
            Defaults to `None`.
        drop_remainder: bool, drop the last partial batch so every batch has the same static
            shape (what compiled JAX steps need). Defaults to `True`.
        cache: `"auto"`, bool or str: cache decoded uint8 examples in memory (`"auto"`: when they
            fit in 2 GiB), in a file (str), or not. Defaults to `"auto"`.
        with_info: bool, also return the `DatasetInfo`. Defaults to `False`.
        data_dir: str or None, tensorflow-datasets data directory (where prepared datasets are
            written). Defaults to tfds' default (`$TFDS_DATA_DIR` or `~/tensorflow_datasets`).
        start_step: int or None. None: one epoch, reshuffled on each pass, for
            `fit(dataset, epochs=n)`. An int: the endless stream a training run reads, from its
            batch `start_step` on: epoch `e` is shuffled with a seed made of `seed` and `e`
            alone, so the stream from step `s` is the uninterrupted stream's from step `s`, and
            starting there reads at most one epoch of examples, however large `s` is (how
            `--resume` continues a run). Defaults to `None`.
        **options: per-dataset options: `num_examples` (`ring`, `grid`, `stacked_mnist`),
            `source` (`"auto"`, `"mnist"` or `"digits"` for digit-derived sets), `scale`
            (`mnist_superres`, default 4), `paired` (derived pairs and folders), `max_len`
            (`mnist_captions`), `attributes` (`mnist_attributes`: names from `thick`,
            `outline`, `negative`, default all three, or groups joined by `+`,
            `"thick,outline+negative"`, for datasets with different labels and StarGAN's
            mask vector, see `derived.load_attributes`; tfds sets with binary attributes,
            `celeb_a`: any of its 40, e.g. `STARGAN_CELEBA_ATTRIBUTES`, in the order given, and
            the batches become `(images, attributes)`), `center_crop` (tfds), `direction`
            (paired folders).

    Returns:
        A `tf.data.Dataset`, or `(dataset, DatasetInfo)` when `with_info=True`.

    Raises:
        ValueError: unknown name (with the known ones and the nearest match), invalid
            `image_size`, `channels` or `batch_size`, an empty folder or one without images, or
            a dataset that would not fit in memory at this `image_size` (with the estimate, the
            memory available and a size that fits; checked before anything is materialised).
        DataNotFoundError: a tfds dataset is not prepared and cannot be had: its download host
            cannot be reached (checked with one short connection, no retries), or
            `KERAS_GAN_DATA_DIR` is set but lacks its folder or files. Raised at once, in one
            line naming the files, their URLs and where to put them. `ChecksumMismatchError`
            (a subclass) when a raw file is not the official one.

    Example:

    >>> ds = load("mnist", batch_size=128, with_labels=True, seed=0)  # doctest: +SKIP
    >>> images, labels = next(iter(ds))  # doctest: +SKIP
    >>> images.shape, labels.dtype  # doctest: +SKIP
    (TensorShape([128, 28, 28, 1]), tf.int32)
    """
    from keras_gan.datasets import pipeline

    batch_size = pipeline.check_batch_size(batch_size)
    image_size = pipeline.check_image_size(image_size)
    channels = pipeline.check_channels(channels)
    common = dict(
        batch_size=batch_size, shuffle=shuffle, seed=seed, drop_remainder=drop_remainder,
        cache=cache, start_step=pipeline.check_start_step(start_step),
    )  # fmt: skip
    sized = {} if image_size is None else {"image_size": image_size}

    def only(*allowed):
        unexpected = sorted(set(options) - set(allowed))
        if unexpected:
            raise TypeError(
                f"Dataset '{name}' does not take option(s) {', '.join(unexpected)}. "
                f"It takes: {', '.join(allowed) or 'none'}."
            )

    def no_channels(native):
        if channels is not None:
            raise ValueError(
                f"Dataset '{name}' has fixed channels ({native}); `channels` is not supported. "
                f"Received: channels={channels}"
            )

    if isinstance(name, (tuple, list)):
        if len(name) != 2:
            raise ValueError(f"A list of folders must have exactly two. Received: {name!r}")
        only("paired", "direction")
        folder_kw = dict(common, image_size=image_size, channels=channels or 3)
        if options.get("paired"):
            result = load_paired_folder(
                name[0], name[1], direction=options.get("direction", "a_to_b"), **folder_kw
            )
        else:
            result = load_unpaired_folders(name[0], name[1], **folder_kw)
        return result if with_info else result[0]

    name = os.fspath(name) if isinstance(name, os.PathLike) else name
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a str, a path or a pair of folders. Received: {name!r}")
    key = canonical_name(name)
    if pathlib.Path(name).expanduser().is_dir():
        only("paired", "direction")
        folder_kw = dict(common, image_size=image_size, channels=channels or 3)
        if options.get("paired"):
            result = load_paired_folder(
                name, direction=options.get("direction", "a_to_b"), **folder_kw
            )
        else:
            result = load_folder(name, with_labels=with_labels, **folder_kw)
    elif key in toy.MIXTURES:
        only("num_examples")
        no_channels("2-D points")
        result = toy.load_mixture(key, with_labels=with_labels, **options, **common)
    elif key == "digits":
        only()
        result = derived.load_digits_dataset(
            split=split, channels=channels, with_labels=with_labels, **sized, **common
        )
    elif key == "stacked_mnist":
        only("num_examples", "source")
        no_channels(3)
        result = derived.load_stacked_mnist(
            split=split, with_labels=with_labels, data_dir=data_dir, **sized, **options, **common
        )
    elif key in ("mnist_edges", "mnist_colour", "mnist_negative", "mnist_superres"):
        only("source", "paired", *(("scale",) if key == "mnist_superres" else ()))
        no_channels("1 for edges, negatives and super-resolution, 3 for colour")
        if with_labels:
            raise ValueError(
                f"Dataset '{name}' yields image pairs; with_labels=True is not supported."
            )
        kind = key.split("_", 1)[1]
        result = derived.load_pairs(
            kind, split=split, data_dir=data_dir, **sized, **options, **common
        )
    elif key == "mnist_captions":
        only("source", "max_len")
        no_channels(1)
        result = derived.load_captions(
            split=split, with_labels=with_labels, data_dir=data_dir, **sized, **options, **common
        )
    elif key == "mnist_attributes":
        only("source", "attributes")
        no_channels(1)
        if with_labels:
            raise ValueError(
                f"Dataset '{name}' yields (images, attributes); with_labels=True is not supported."
            )
        result = derived.load_attributes(
            split=split, data_dir=data_dir, **sized, **options, **common
        )
    elif is_tfds_name(key):
        only("center_crop", "attributes")
        result = load_tfds(
            key, split, image_size=image_size, channels=channels, with_labels=with_labels,
            data_dir=data_dir, **options, **common,
        )  # fmt: skip
    else:
        raise _unknown(name)
    return result if with_info else result[0]


def info(name, **kwargs) -> DatasetInfo:
    """Returns the `DatasetInfo` of `load(name, **kwargs)`: shapes, sizes, classes.

    For tensorflow-datasets names this prepares the dataset if needed (as `load` would); the
    pipeline itself is lazy, so nothing is iterated.

    Args:
        name: as in `load`.
        **kwargs: any argument of `load` (they change shapes and sizes: `image_size`,
            `batch_size`, `with_labels`, ...).

    Returns:
        A `DatasetInfo`.

    Example:

    >>> info("ring").mixture.num_modes
    8
    >>> info("digits", image_size=28).image_shape
    (28, 28, 1)
    """
    kwargs.pop("with_info", None)
    return load(name, with_info=True, **kwargs)[1]
