"""Real datasets through tensorflow-datasets, online or from a folder of the official raw files.

**Offline.** Set the environment variable `KERAS_GAN_DATA_DIR` to a folder holding one sub-folder
per dataset with the official raw files in it, unchanged:

```
$KERAS_GAN_DATA_DIR/
  mnist/           train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
                   t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz
  fashion-mnist/   the same four file names (Fashion-MNIST's files)
```

The sub-folder is the tfds name with `_` written as `-` (`fashion-mnist`, `cycle-gan/horse2zebra`);
the tfds spelling (`fashion_mnist`) works too. It is handed to tfds as its *manual download
directory* (`tfds.download.DownloadConfig(manual_dir=...)`). In tfds 4.9 the download manager
(`DownloadManager._download_or_get_cache`) looks there first for a file named like the last part of
each URL the dataset's checksum table lists (`_get_manually_downloaded_path`), checks its size and
SHA-256 against that table, and only downloads what is not there. So nothing is fetched, and a
damaged or different file fails the checksum. The prepared dataset is written to tfds' data
directory (`data_dir=`, else `$TFDS_DATA_DIR`, else `~/tensorflow_datasets`), never to
`KERAS_GAN_DATA_DIR`, which may be read-only.

If the dataset's sub-folder exists but lacks files, loading fails at once, listing the missing
files and the official URLs to fetch them from (tfds would otherwise retry the network for
minutes). If no sub-folder exists, tfds downloads as usual, and a failure says the same.
"""

from __future__ import annotations

import os
import pathlib

import tensorflow as tf
import tensorflow_datasets as tfds

from keras_gan.datasets import pipeline

ENV_DATA_DIR = "KERAS_GAN_DATA_DIR"

# Sensible per-dataset defaults; any other tfds image dataset works with none.
DEFAULTS = {
    # DCGAN (Radford et al. 2016) on CelebA: centre 108x108 crop of the aligned 218x178 faces,
    # resized to 64x64 (as in the reference DCGAN-tensorflow code).
    "celeb_a": {"center_crop": 108, "image_size": 64},
}


class DataNotFoundError(FileNotFoundError):
    """A dataset could neither be downloaded nor found in `KERAS_GAN_DATA_DIR`."""


def manual_dir(name: str) -> pathlib.Path | None:
    """The folder of raw files for tfds dataset `name` under `$KERAS_GAN_DATA_DIR`, if any.

    Args:
        name: str, a tfds name such as `"mnist"` or `"cycle_gan/horse2zebra"`.

    Returns:
        The first existing of `$KERAS_GAN_DATA_DIR/<name with - for _>` and
        `$KERAS_GAN_DATA_DIR/<name>`, or None when the variable is unset or neither exists.
    """
    root = os.environ.get(ENV_DATA_DIR)
    if not root:
        return None
    for candidate in dict.fromkeys([name.replace("_", "-"), name]):
        path = pathlib.Path(root).expanduser() / candidate
        if path.is_dir():
            return path
    return None


def raw_files(name: str) -> list[tuple[str, str]]:
    """The `(file_name, official_url)` pairs tfds downloads for dataset `name`."""
    builder_cls = tfds.builder_cls(name.split("/")[0])
    infos = builder_cls.url_infos or {}
    return sorted((info.filename or url.rsplit("/", 1)[-1], url) for url, info in infos.items())


def _unavailable_message(name, data_dir, missing=None, folder=None):
    files = raw_files(name)
    if missing is not None:
        files = [(f, u) for f, u in files if f in missing]
    sub = name.replace("_", "-")
    where = folder or f"${ENV_DATA_DIR}/{sub}/"
    lines = [f"Dataset '{name}' is not prepared in {data_dir or 'the tfds data directory'}"]
    if folder is not None:
        lines[0] += f" and {folder} lacks {len(files)} of its raw files."
    else:
        lines[0] += " and could not be downloaded (no network?)."
    if files:
        lines.append("To work offline, download these files unchanged:")
        lines += [f"  {url}" for _, url in files]
        lines.append(
            f"put them in {where} (file names as above: {', '.join(f for f, _ in files)}), "
            f"and set the environment variable {ENV_DATA_DIR} to the parent folder. "
            "tensorflow-datasets checks their SHA-256 and prepares the dataset with no network."
        )
    else:
        lines.append(
            f"See https://www.tensorflow.org/datasets/catalog/{name.split('/')[0]} for its "
            f"files; put them in {where} and set {ENV_DATA_DIR}."
        )
    return "\n".join(lines)


def prepared_builder(name: str, data_dir: str | None = None):
    """Returns the tfds builder for `name`, preparing it (offline when possible) if needed.

    Args:
        name: str, a tfds name (`"mnist"`, `"cycle_gan/facades"`, ...).
        data_dir: str or None, where tfds keeps prepared datasets. Defaults to tfds' own default
            (`$TFDS_DATA_DIR` or `~/tensorflow_datasets`).

    Returns:
        A prepared `tfds.core.DatasetBuilder`.

    Raises:
        DataNotFoundError: the data is neither downloadable nor in `KERAS_GAN_DATA_DIR`.
    """
    builder = tfds.builder(name, data_dir=data_dir)
    if builder.is_prepared():
        return builder
    folder = manual_dir(name)
    if folder is not None:
        expected = [f for f, _ in raw_files(name)]
        missing = [f for f in expected if not (folder / f).exists()]
        if missing:
            raise DataNotFoundError(_unavailable_message(name, data_dir, missing, folder))
        config = tfds.download.DownloadConfig(manual_dir=str(folder))
        builder.download_and_prepare(download_config=config)
        return builder
    try:
        builder.download_and_prepare()
    except Exception as error:  # tfds raises several kinds for a missing network
        raise DataNotFoundError(_unavailable_message(name, data_dir)) from error
    return builder


def is_available(name: str, data_dir: str | None = None) -> bool:
    """True when `name` is prepared in `data_dir` or all its raw files are in `KERAS_GAN_DATA_DIR`."""
    if tfds.builder(name, data_dir=data_dir).is_prepared():
        return True
    folder = manual_dir(name)
    files = raw_files(name)
    return folder is not None and bool(files) and all((folder / f).exists() for f, _ in files)


def _feature_keys(builder, with_labels):
    features = builder.info.features
    images = [k for k, f in features.items() if isinstance(f, tfds.features.Image)]
    if not images:
        raise ValueError(f"tfds dataset '{builder.name}' has no image feature: {list(features)}.")
    image_key = "image" if "image" in images else images[0]
    labels = [k for k, f in features.items() if isinstance(f, tfds.features.ClassLabel)]
    supervised = builder.info.supervised_keys
    if supervised and len(supervised) == 2 and supervised[1] in labels:
        label_key = supervised[1]
    else:
        label_key = "label" if "label" in labels else (labels[0] if labels else None)
    if with_labels and label_key is None:
        raise ValueError(
            f"tfds dataset '{builder.name}' has no class-label feature, so with_labels=True is "
            f"not possible. Its features: {', '.join(features)}."
        )
    return image_key, label_key


def _image_shape(feature_shape, image_size, channels, center_crop, name):
    height, width, have = feature_shape
    if center_crop:
        height = width = center_crop
    if image_size is None and (height is None or width is None):
        raise ValueError(
            f"tfds dataset '{name}' has images of varying size; pass image_size=(height, width)."
        )
    height, width = image_size or (height, width)
    return (height, width, channels or have or 3)


def load_tfds(
    name,
    split="train",
    *,
    batch_size=64,
    image_size=None,
    channels=None,
    with_labels=False,
    shuffle=True,
    seed=None,
    drop_remainder=True,
    cache="auto",
    center_crop=None,
    data_dir=None,
):
    """Loads a tensorflow-datasets image dataset. See `keras_gan.datasets.load` for the arguments.

    Args:
        center_crop: int or None, side of a centred square crop taken before resizing. Defaults to
            108 for `celeb_a` (as in DCGAN), else None.

    Returns:
        A tuple `(dataset, DatasetInfo)`.
    """
    defaults = DEFAULTS.get(name, {})
    center_crop = center_crop if center_crop is not None else defaults.get("center_crop")
    image_size = pipeline.check_image_size(image_size or defaults.get("image_size"))
    builder = prepared_builder(name, data_dir)
    image_key, label_key = _feature_keys(builder, with_labels)
    feature = builder.info.features[image_key]
    shape = _image_shape(feature.shape, image_size, channels, center_crop, name)
    splits = builder.info.splits
    read_config = tfds.ReadConfig(shuffle_seed=seed)

    def prepare_image(image):
        if center_crop:
            h, w = tf.shape(image)[0], tf.shape(image)[1]
            image = tf.image.crop_to_bounding_box(
                image, (h - center_crop) // 2, (w - center_crop) // 2, center_crop, center_crop
            )
        image = pipeline.set_channels(pipeline.resize_uint8(image, image_size), channels)
        return tf.ensure_shape(image, shape)

    def read(split_name):
        ds = builder.as_dataset(split=split_name, shuffle_files=shuffle, read_config=read_config)
        return ds, splits[split_name].num_examples

    unpaired = split not in splits and f"{split}A" in splits and f"{split}B" in splits
    extras = {"tfds_name": name, "data_dir": str(builder.data_dir)}
    if unpaired:
        (ds_a, n_a), (ds_b, n_b) = read(f"{split}A"), read(f"{split}B")
        ds_a = ds_a.map(
            lambda ex: prepare_image(ex[image_key]), num_parallel_calls=tf.data.AUTOTUNE
        )
        ds_b = ds_b.map(
            lambda ex: prepare_image(ex[image_key]), num_parallel_calls=tf.data.AUTOTUNE
        )
        dataset, num_examples = zip_unpaired(
            ds_a, ds_b, n_a, n_b, batch_size=batch_size, shuffle=shuffle, seed=seed,
            drop_remainder=drop_remainder, cache=resolve_cache(cache, n_a + n_b, shape), name=name,
        )  # fmt: skip
        info = pipeline.DatasetInfo(
            name=name, element=pipeline.UNPAIRED, image_shape=shape, num_examples=num_examples,
            batch_size=batch_size,
            steps_per_epoch=pipeline.steps(num_examples, batch_size, drop_remainder),
            extras={**extras, "domain_sizes": (n_a, n_b)},
        )  # fmt: skip
        return dataset, info

    if split not in splits and split.split("[")[0] not in splits:
        raise ValueError(
            f"Unknown split {split!r} for '{name}'. Known: {', '.join(splits)} "
            "(slices such as 'train[:10%]' work too)."
        )
    ds, num_examples = read(split)
    if with_labels:
        ds = ds.map(
            lambda ex: (prepare_image(ex[image_key]), tf.cast(ex[label_key], tf.int32)),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    else:
        ds = ds.map(lambda ex: prepare_image(ex[image_key]), num_parallel_calls=tf.data.AUTOTUNE)
    dataset = pipeline.finish(
        ds, num_examples=num_examples, batch_size=batch_size, shuffle=shuffle, seed=seed,
        drop_remainder=drop_remainder, cache=resolve_cache(cache, num_examples, shape), name=name,
    )  # fmt: skip
    label_feature = builder.info.features[label_key] if label_key else None
    info = pipeline.DatasetInfo(
        name=name,
        element=pipeline.LABELLED if with_labels else pipeline.IMAGES,
        image_shape=shape,
        num_examples=num_examples,
        batch_size=batch_size,
        steps_per_epoch=pipeline.steps(num_examples, batch_size, drop_remainder),
        num_classes=label_feature.num_classes if label_feature else None,
        class_names=tuple(label_feature.names) if label_feature else None,
        extras=extras,
    )
    return dataset, info


# In-memory caching of the decoded uint8 images is the default below this size.
_AUTO_CACHE_BYTES = 2 * 1024**3


def resolve_cache(cache, num_examples, shape):
    """`"auto"` caches in memory when the uint8 images fit in 2 GiB; True/False/str as given."""
    if cache == "auto":
        height, width, channels = shape
        return num_examples * height * width * channels <= _AUTO_CACHE_BYTES
    return cache


def zip_unpaired(ds_a, ds_b, n_a, n_b, *, batch_size, shuffle, seed, drop_remainder, cache, name):
    """Batches two unbatched image sets as `(a, b)` pairs drawn independently, as CycleGAN does.

    One epoch has `max(n_a, n_b)` pairs; the smaller domain is repeated (reshuffled each pass).

    Returns:
        A tuple `(dataset, num_examples)`.
    """
    num_examples = max(n_a, n_b)
    if drop_remainder and num_examples < batch_size:
        raise ValueError(
            f"Dataset '{name}' has {num_examples} examples per domain, fewer than "
            f"batch_size={batch_size}. Use a smaller batch_size or drop_remainder=False."
        )

    def prepared(ds, n, offset):
        if cache is True:
            ds = ds.cache()
        elif isinstance(cache, str):
            ds = ds.cache(f"{cache}.{offset}")
        if shuffle:
            seed_here = None if seed is None else seed + offset
            ds = ds.shuffle(min(n, pipeline.DEFAULT_SHUFFLE_BUFFER), seed=seed_here)
        return ds.repeat()

    pairs = tf.data.Dataset.zip((prepared(ds_a, n_a, 0), prepared(ds_b, n_b, 1))).take(num_examples)
    dataset = pipeline.finish(
        pairs, num_examples=num_examples, batch_size=batch_size, shuffle=False, seed=None,
        drop_remainder=drop_remainder, cache=False, name=name,
    )  # fmt: skip
    return dataset, num_examples
