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
SHA-256 against that table, and only downloads what is not there. The prepared dataset is written
to tfds' data directory (`data_dir=`, else `$TFDS_DATA_DIR`, else `~/tensorflow_datasets`), never
to `KERAS_GAN_DATA_DIR`, which may be read-only.

Failures are immediate and say what to do, in one line (a `DataNotFoundError`):

* `KERAS_GAN_DATA_DIR` is set: nothing is ever downloaded. A missing sub-folder or missing files
  fail at once, naming the folder, the files and their official URLs. A file of the wrong size
  or SHA-256 fails before tfds starts (`ChecksumMismatchError`, with the expected and actual
  size or SHA-256 and the URL to download it again).
* `KERAS_GAN_DATA_DIR` is not set: before tfds downloads anything, one TCP connection to each
  host of the dataset's own download URLs (or to the proxy that `HTTPS_PROXY`/`HTTP_PROXY` name)
  is tried, with a 5 s limit. If one cannot be reached, loading fails at once instead of after
  minutes of tfds retries.
* Whatever tfds created in its data directory during a failed or interrupted attempt (the
  `incomplete.*` folder, partial downloads) is removed again; what was there before is kept.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
import pathlib
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_gan import runlock
from keras_gan.datasets import pipeline

ENV_DATA_DIR = "KERAS_GAN_DATA_DIR"

# Sensible per-dataset defaults; any other tfds image dataset works with none.
DEFAULTS = {
    # DCGAN (Radford et al. 2016) on CelebA: centre 108x108 crop of the aligned 218x178 faces,
    # resized to 64x64 (as in the reference DCGAN-tensorflow code).
    "celeb_a": {"center_crop": 108, "image_size": 64},
}

#: StarGAN's CelebA domains (Choi et al. 2018, Sec. 4.2; the authors' `--selected_attrs`): hair
#: colour (black, blond, brown), gender (male) and age (young), five binary attributes.
STARGAN_CELEBA_ATTRIBUTES = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young")

#: The attributes a StarGAN trains on by default, per tfds dataset with binary attributes.
DEFAULT_ATTRIBUTES = {"celeb_a": STARGAN_CELEBA_ATTRIBUTES}

# Seconds one connectivity probe of a download host may take (name lookup and TCP connect).
PROBE_TIMEOUT = 5.0


class DataNotFoundError(FileNotFoundError):
    """A dataset could neither be downloaded nor found in `KERAS_GAN_DATA_DIR`."""


class ChecksumMismatchError(DataNotFoundError):
    """A raw file is not the official one: its size or SHA-256 differs from tfds' table."""


def data_root() -> pathlib.Path | None:
    """`$KERAS_GAN_DATA_DIR` as a path, or None when the variable is unset or empty."""
    root = os.environ.get(ENV_DATA_DIR)
    return pathlib.Path(root).expanduser() if root else None


def _sub_folder_names(name):
    return list(dict.fromkeys([name.replace("_", "-"), name]))


def manual_dir(name: str) -> pathlib.Path | None:
    """The folder of raw files for tfds dataset `name` under `$KERAS_GAN_DATA_DIR`, if any.

    Args:
        name: str, a tfds name such as `"mnist"` or `"cycle_gan/horse2zebra"`.

    Returns:
        The first existing of `$KERAS_GAN_DATA_DIR/<name with - for _>` and
        `$KERAS_GAN_DATA_DIR/<name>`, or None when the variable is unset or neither exists.
    """
    root = data_root()
    if root is None:
        return None
    for candidate in _sub_folder_names(name):
        if (root / candidate).is_dir():
            return root / candidate
    return None


def _url_infos(name):
    """`{file_name: (url, tfds UrlInfo)}` of the files tfds downloads for `name`."""
    base, _, config = name.partition("/")
    infos = tfds.builder_cls(base).url_infos or {}
    files = {(info.filename or url.rsplit("/", 1)[-1]): (url, info) for url, info in infos.items()}
    if config:  # e.g. cycle_gan/horse2zebra: only horse2zebra.zip, when the names say so
        own = {f: v for f, v in files.items() if config in f}
        files = own or files
    return dict(sorted(files.items()))


def raw_files(name: str) -> list[tuple[str, str]]:
    """The `(file_name, official_url)` pairs tfds downloads for dataset `name`.

    For a configuration (`"cycle_gan/horse2zebra"`), only the files whose names contain the
    configuration name, when there are any.
    """
    return [(f, url) for f, (url, _) in _url_infos(name).items()]


def _files_phrase(files):
    """`a, b from https://host/dir/` when all share one folder URL, else `a from URL, ...`."""
    folders = {url.rsplit("/", 1)[0] for _, url in files}
    if len(folders) == 1 and all(url.rsplit("/", 1)[-1] == f for f, url in files):
        return f"{', '.join(f for f, _ in files)} from {folders.pop()}/"
    return ", ".join(f"{f} from {url}" for f, url in files)


def _official_files(name):
    files = raw_files(name)
    catalog = f"https://www.tensorflow.org/datasets/catalog/{name.split('/')[0]}"
    if not files:
        return f"the files listed at {catalog}"
    count = f"its {len(files)} official files" if len(files) > 1 else "its official file"
    return f"{count} ({_files_phrase(files)})"


def _offline_hint(name):
    sub = _sub_folder_names(name)[0]
    return (
        f"To work offline, download {_official_files(name)} unchanged into a folder "
        f"<data>/{sub}/ and set {ENV_DATA_DIR}=<data> (see docs/datasets.md)."
    )


def _no_sub_folder_message(name, builder, root):
    sub = _sub_folder_names(name)[0]
    problem = "has no" if root.is_dir() else "is not a folder, so it has no"
    return (
        f"{ENV_DATA_DIR}={root} {problem} '{sub}' folder for dataset '{name}', which is not "
        f"prepared in {builder.data_dir} either (nothing is downloaded while {ENV_DATA_DIR} is "
        f"set). Put {_official_files(name)} unchanged in {root / sub}/, or unset "
        f"{ENV_DATA_DIR} to let tensorflow-datasets download it."
    )


def _missing_files_message(name, folder, missing, total):
    return (
        f"{folder} lacks {len(missing)} of the {total} official files of dataset '{name}': "
        f"{', '.join(f for f, _ in missing)}. Download them unchanged ({_files_phrase(missing)}) "
        f"into {folder}/, or unset {ENV_DATA_DIR} to let tensorflow-datasets download the "
        "dataset."
    )


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _mismatch_error(name, folder, wrong):
    """`wrong`: list of `(file, url, expected UrlInfo, actual size, actual sha256 or None)`."""
    parts = []
    for file, _, expected, size, checksum in wrong:
        if size != expected.size:
            found = f"expected {int(expected.size)} bytes, found {size}"
        else:
            found = f"expected SHA-256 {expected.checksum}, found {checksum} ({size} bytes)"
        parts.append(f"{folder / file} is not the official file of dataset '{name}' ({found})")
    urls = ", ".join(url for _, url, *_ in wrong)
    return ChecksumMismatchError(
        f"{'; '.join(parts)}. It is damaged or a different version: download it again unchanged "
        f"from {urls} and replace it (or unset {ENV_DATA_DIR} to let tensorflow-datasets "
        "download the dataset)."
    )


def _check_raw_files(name, folder):
    """Fails at once on missing files, or files of the wrong size or SHA-256, in `folder`.

    tfds checks the SHA-256 too, but only after it has started preparing (with progress bars);
    hashing first costs a second per GB, once, and gives a clear message.
    """
    infos = _url_infos(name)
    missing = [(f, url) for f, (url, _) in infos.items() if not (folder / f).is_file()]
    if missing:
        raise DataNotFoundError(_missing_files_message(name, folder, missing, len(infos)))
    wrong = []
    for file, (url, info) in infos.items():
        size = (folder / file).stat().st_size
        if info.size is not None and size != info.size:
            wrong.append((file, url, info, size, None))
    wrong = wrong or _wrong_checksums(name, folder)
    if wrong:
        raise _mismatch_error(name, folder, wrong)


def _wrong_checksums(name, folder):
    """The files of `folder` whose SHA-256 differs from tfds' table."""
    wrong = []
    for file, (url, info) in _url_infos(name).items():
        path = folder / file
        if path.is_file() and info.checksum:
            checksum = _sha256(path)
            if checksum != info.checksum:
                wrong.append((file, url, info, path.stat().st_size, checksum))
    return wrong


def _is_checksum_error(error):
    return any(cls.__name__ == "NonMatchingChecksumError" for cls in type(error).__mro__)


def _probe_targets(urls):
    """`{(host, port): label}` to connect to for `urls`: each URL's host, or its proxy."""
    proxies = urllib.request.getproxies()
    targets = {}
    for url in urls:
        parts = urllib.parse.urlsplit(url)
        if not parts.hostname or parts.scheme not in ("http", "https", "ftp"):
            continue  # gs:// and local paths: tfds reads them without an HTTP download
        proxy = proxies.get(parts.scheme)
        if proxy and not urllib.request.proxy_bypass(parts.hostname):
            proxy_parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            target = (proxy_parts.hostname, proxy_parts.port or 80)
            targets[target] = f"the proxy {target[0]}:{target[1]} (for {parts.hostname})"
        else:
            default = {"http": 80, "https": 443, "ftp": 21}[parts.scheme]
            target = (parts.hostname, parts.port or default)
            targets[target] = parts.hostname
    return targets


def _connect(target, timeout, results):
    try:
        with socket.create_connection(target, timeout=timeout):
            results[target] = None
    except OSError as error:
        results[target] = error.strerror or str(error) or type(error).__name__


def unreachable_hosts(urls, timeout=PROBE_TIMEOUT) -> dict[str, str]:
    """Tries one TCP connection to the host (or proxy) of each URL, all at once.

    Args:
        urls: iterable of str.
        timeout: float, seconds for all probes together (name lookups included). Defaults to
            `PROBE_TIMEOUT` (5 s).

    Returns:
        `{host: reason}` for each host that could not be reached; empty when all answered.
    """
    targets = _probe_targets(urls)
    results = {}
    threads = [
        threading.Thread(target=_connect, args=(target, timeout, results), daemon=True)
        for target in targets
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    late = f"no answer within {timeout:g} s"
    return {
        label: results.get(target, late)
        for target, label in targets.items()
        if results.get(target, late) is not None
    }


def _entries(root, names):
    """Paths under `root` a tfds attempt may create: its entries and up to 3 levels below
    the entries in `names` (the dataset's folder and `downloads/`)."""
    found = set()
    try:
        children = list(root.iterdir())
    except OSError:
        return found
    found.update(children)
    level = [c for c in children if c.name in names and c.is_dir() and not c.is_symlink()]
    for _ in range(3):
        deeper = []
        for folder in level:
            try:
                items = list(folder.iterdir())
            except OSError:
                continue
            found.update(items)
            deeper += [p for p in items if p.is_dir() and not p.is_symlink()]
        level = deeper
    return found


def _tfds_root(builder):
    """The tfds data directory a builder prepares into (above `name/config/version`)."""
    return pathlib.Path(os.fspath(builder.data_dir)).parents[
        len(pathlib.PurePosixPath(builder.info.full_name).parts) - 1
    ]


@contextlib.contextmanager
def removed_on_failure(builder):
    """Removes what tfds created in its data directory when the block fails or is interrupted.

    Only paths that did not exist before the block are removed (the dataset's `incomplete.*`
    folder, partial downloads, and the data directory itself when the attempt created it).
    """
    root = _tfds_root(builder)
    top_new = None
    for folder in (root, *root.parents):
        if folder.exists():
            break
        top_new = folder
    names = {builder.name, "downloads"}
    before = _entries(root, names)
    try:
        yield
    except BaseException:
        if top_new is not None:
            shutil.rmtree(top_new, ignore_errors=True)
        else:
            for path in sorted(_entries(root, names) - before, key=lambda p: len(p.parts)):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                elif path.is_symlink() or path.exists():
                    path.unlink(missing_ok=True)
        raise


def _progress_bars_only_on_a_terminal():
    """tfds' download and preparation bars redraw a line in place: on a terminal that is a
    progress display, in a log file or a notebook's captured output it is hundreds of lines."""
    if not sys.stderr.isatty():
        tfds.disable_progress_bar()


def _is_prepared(builder):
    # tfds logs a warning for a version folder without dataset_info.json, also when the folder
    # does not exist at all: look first.
    return pathlib.Path(os.fspath(builder.data_path)).is_dir() and builder.is_prepared()


def _first_line(error, limit=200):
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def prepared_builder(name: str, data_dir: str | None = None):
    """Returns the tfds builder for `name`, preparing it (offline when possible) if needed.

    Args:
        name: str, a tfds name (`"mnist"`, `"cycle_gan/facades"`, ...).
        data_dir: str or None, where tfds keeps prepared datasets. Defaults to tfds' own default
            (`$TFDS_DATA_DIR` or `~/tensorflow_datasets`).

    Returns:
        A prepared `tfds.core.DatasetBuilder`.

    Raises:
        DataNotFoundError: the data is not prepared and `KERAS_GAN_DATA_DIR` lacks its folder
            or files, or (without `KERAS_GAN_DATA_DIR`) a download host cannot be reached or
            the download failed. At once, in one line that says what to do.
        ChecksumMismatchError: a raw file in `KERAS_GAN_DATA_DIR` (or a downloaded one) is not
            the official file; names it with the expected and actual size or SHA-256.
    """
    builder = tfds.builder(name, data_dir=data_dir)
    if _is_prepared(builder):
        return builder
    # Two processes preparing one dataset at once (two first runs, two test workers) would
    # remove each other's files on failure: the second waits, then finds it prepared. The lock
    # file lives in the temporary folder, so a failed attempt leaves the data folder as it was.
    key = hashlib.sha1(f"{_tfds_root(builder).resolve()}|{builder.name}".encode()).hexdigest()
    user = os.getuid() if hasattr(os, "getuid") else "user"
    lock = pathlib.Path(tempfile.gettempdir(), f"keras_gan-prepare-{user}-{key[:16]}.lock")
    with runlock.waiting_lock(lock):
        builder = tfds.builder(name, data_dir=data_dir)
        if _is_prepared(builder):
            return builder
        return _prepare(name, builder)


def _prepare(name, builder):
    """Prepares `builder`: from `KERAS_GAN_DATA_DIR`'s raw files, else by downloading."""
    _progress_bars_only_on_a_terminal()
    root = data_root()
    if root is not None:
        folder = manual_dir(name)
        if folder is None:
            raise DataNotFoundError(_no_sub_folder_message(name, builder, root))
        _check_raw_files(name, folder)
        config = tfds.download.DownloadConfig(manual_dir=str(folder))
        try:
            with removed_on_failure(builder):
                builder.download_and_prepare(download_config=config)
        except Exception as error:
            if _is_checksum_error(error):
                wrong = _wrong_checksums(name, folder)
                if wrong:
                    raise _mismatch_error(name, folder, wrong) from None
            raise
        return builder
    unreachable = unreachable_hosts(url for _, url in raw_files(name))
    if unreachable:
        hosts = "; ".join(f"{host} ({why})" for host, why in unreachable.items())
        raise DataNotFoundError(
            f"Dataset '{name}' is not prepared in {builder.data_dir} and cannot be downloaded: "
            f"cannot reach {hosts}. {_offline_hint(name)}"
        )
    try:
        with removed_on_failure(builder):
            builder.download_and_prepare()
    except Exception as error:  # tfds raises several kinds for a failed download
        if _is_checksum_error(error):
            raise ChecksumMismatchError(
                f"Dataset '{name}': a downloaded file is not the official one "
                f"({_first_line(error)}). Try again later; if it persists, {_offline_hint(name)}"
            ) from error
        raise DataNotFoundError(
            f"Dataset '{name}' is not prepared in {builder.data_dir} and its download failed "
            f"({_first_line(error)}). {_offline_hint(name)}"
        ) from error
    return builder


def is_available(name: str, data_dir: str | None = None) -> bool:
    """True when `name` is prepared in `data_dir` or all its raw files are in `KERAS_GAN_DATA_DIR`."""
    if _is_prepared(tfds.builder(name, data_dir=data_dir)):
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


def is_tfds_name(name: str) -> bool:
    """True when `name` (or the part before `/`) is a tensorflow-datasets dataset."""
    try:
        tfds.builder_cls(name.split("/")[0])
    except tfds.core.registered.DatasetNotFoundError:
        return False
    return True


def available_attributes(name: str, data_dir: str | None = None) -> tuple[str, ...]:
    """The binary attributes of tfds dataset `name`: the boolean features of its `attributes`
    feature dictionary (CelebA's 40), in the dataset's order; empty when it has none.

    Read from the dataset's declared features, so nothing is downloaded or prepared.
    """
    features = tfds.builder(name, data_dir=data_dir).info.features
    group = features["attributes"] if "attributes" in features else None
    if not isinstance(group, tfds.features.FeaturesDict):
        return ()
    return tuple(
        key for key, feature in group.items() if getattr(feature, "tf_dtype", None) == tf.bool
    )


def check_tfds_attributes(name: str, attributes, data_dir: str | None = None) -> tuple[str, ...]:
    """Returns `attributes` (a comma-separated str or a sequence of names) as a tuple, in the
    order given, after checking each against dataset `name`'s binary attributes.

    Raises:
        ValueError: the dataset has no binary attributes, or a name is unknown (with the nearest
            known one and the whole list), repeated, or there is none.
    """
    known = available_attributes(name, data_dir)
    if not known:
        raise ValueError(
            f"tfds dataset '{name}' has no binary attributes, so `attributes` is not supported "
            f"(celeb_a has 40). Received: attributes={attributes!r}"
        )
    if isinstance(attributes, str):
        names = tuple(n.strip() for n in attributes.split(",") if n.strip())
    elif isinstance(attributes, (tuple, list)) and all(isinstance(n, str) for n in attributes):
        names = tuple(attributes)
    else:
        names = ()
    unknown = [n for n in names if n not in known]
    if not names or unknown or len(set(names)) != len(names):
        if unknown:
            near = difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.5)
            problem = f"'{name}' has no attribute {unknown[0]!r}" + (
                f" (did you mean {near[0]!r}?)" if near else ""
            )
        elif names:
            problem = "each attribute may be named once"
        elif attributes:
            problem = "give their names as a comma-separated str or a list of str"
        else:
            problem = "name at least one attribute"
        raise ValueError(
            f"`attributes` must be distinct binary attributes of '{name}': {problem}. Known: "
            f"{', '.join(known)}. Received: attributes={attributes!r}"
        )
    return names


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
    start_step=None,
    attributes=None,
):
    """Loads a tensorflow-datasets image dataset. See `keras_gan.datasets.load` for the arguments.

    Args:
        center_crop: int or None, side of a centred square crop taken before resizing. Defaults to
            108 for `celeb_a` (as in DCGAN), else None.
        attributes: None, or binary attributes of the dataset (a comma-separated str or a
            sequence of names, e.g. `STARGAN_CELEBA_ATTRIBUTES` for `celeb_a`): the batches are
            then `(images, attributes)`, float32 `(batch, k)` of 0/1 in the order given
            (StarGAN's domain labels). Checked before anything is prepared or downloaded.
            Defaults to None (images only).

    Returns:
        A tuple `(dataset, DatasetInfo)`.
    """
    defaults = DEFAULTS.get(name, {})
    center_crop = center_crop if center_crop is not None else defaults.get("center_crop")
    image_size = pipeline.check_image_size(image_size or defaults.get("image_size"))
    if attributes is not None:
        attributes = check_tfds_attributes(name, attributes, data_dir)
        if with_labels:
            raise ValueError(
                f"with_labels=True and attributes={attributes!r} cannot be combined: the "
                "batches are (images, labels) or (images, attributes)."
            )
    builder = prepared_builder(name, data_dir)
    image_key, label_key = _feature_keys(builder, with_labels)
    feature = builder.info.features[image_key]
    shape = _image_shape(feature.shape, image_size, channels, center_crop, name)
    splits = builder.info.splits
    # A training stream (start_step) reads the files in one seeded order every epoch, so that any
    # epoch can be rebuilt alone; its examples are shuffled per epoch in `pipeline.finish`.
    read_config = tfds.ReadConfig(
        shuffle_seed=seed, shuffle_reshuffle_each_iteration=None if start_step is None else False
    )

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
    if unpaired and attributes is not None:
        raise ValueError(f"'{name}' yields two unpaired domains; `attributes` is not supported.")
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
            start_step=start_step,
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
    if attributes is not None:

        def with_attributes(example):
            # One float32 column per attribute, in the order asked for: the domain label c.
            flags = [tf.cast(example["attributes"][n], tf.float32) for n in attributes]
            return prepare_image(example[image_key]), tf.stack(flags)

        ds = ds.map(with_attributes, num_parallel_calls=tf.data.AUTOTUNE)
    elif with_labels:
        ds = ds.map(
            lambda ex: (prepare_image(ex[image_key]), tf.cast(ex[label_key], tf.int32)),
            num_parallel_calls=tf.data.AUTOTUNE,
        )
    else:
        ds = ds.map(lambda ex: prepare_image(ex[image_key]), num_parallel_calls=tf.data.AUTOTUNE)
    dataset = pipeline.finish(
        ds, num_examples=num_examples, batch_size=batch_size, shuffle=shuffle, seed=seed,
        drop_remainder=drop_remainder, cache=resolve_cache(cache, num_examples, shape), name=name,
        start_step=start_step,
    )  # fmt: skip
    label_feature = builder.info.features[label_key] if label_key else None
    element = pipeline.LABELLED if with_labels else pipeline.IMAGES
    info = pipeline.DatasetInfo(
        name=name,
        element=pipeline.ATTRIBUTED if attributes is not None else element,
        image_shape=shape,
        num_examples=num_examples,
        batch_size=batch_size,
        steps_per_epoch=pipeline.steps(num_examples, batch_size, drop_remainder),
        num_classes=label_feature.num_classes if label_feature else None,
        class_names=tuple(label_feature.names) if label_feature else None,
        attribute_names=attributes,
        extras=extras,
    )
    return dataset, info


# In-memory caching of the decoded uint8 images is the default below this size...
_AUTO_CACHE_BYTES = 2 * 1024**3
# ... and below this share of the memory available.
_AUTO_CACHE_FRACTION = 0.25


def resolve_cache(cache, num_examples, shape):
    """`"auto"`: cache in memory when the uint8 images take at most 2 GiB and a quarter of the
    memory available; True/False/str as given."""
    if cache == "auto":
        needed = num_examples * int(np.prod(shape))
        available = pipeline.available_memory()
        limit = _AUTO_CACHE_BYTES
        if available is not None:
            limit = min(limit, _AUTO_CACHE_FRACTION * available)
        return needed <= limit
    return cache


def zip_unpaired(
    ds_a, ds_b, n_a, n_b, *, batch_size, shuffle, seed, drop_remainder, cache, name,
    start_step=None,
):  # fmt: skip
    """Batches two unbatched image sets as `(a, b)` pairs drawn independently, as CycleGAN does.

    One epoch has `max(n_a, n_b)` pairs; the smaller domain is repeated (reshuffled each pass).
    With `start_step`, the endless stream of `pipeline.finish`: epoch `e` shuffles A and B with
    seeds drawn from `pipeline.epoch_seed(seed, e)`.

    Returns:
        A tuple `(dataset, num_examples)`.
    """
    num_examples = max(n_a, n_b)
    if drop_remainder and num_examples < batch_size:
        raise ValueError(
            f"Dataset '{name}' has {num_examples} examples per domain, fewer than "
            f"batch_size={batch_size}. Use a smaller batch_size or drop_remainder=False."
        )
    check_unpaired_memory(
        name, ds_a.element_spec, n_a, n_b, batch_size=batch_size, shuffle=shuffle, cache=cache
    )
    example = pipeline.element_bytes(ds_a.element_spec) or 1

    def cached(ds, offset):
        if cache is True:
            return ds.cache()
        if isinstance(cache, str):
            return ds.cache(f"{cache}.{offset}")
        return ds

    domains = [(cached(ds_a, 0), n_a), (cached(ds_b, 1), n_b)]

    def pairs(seed_a, seed_b):
        # A and B each shuffled with its own seed and repeated, so the smaller one cycles.
        shuffled = []
        for (ds, n), seed_here in zip(domains, (seed_a, seed_b)):
            if shuffle:
                ds = ds.shuffle(pipeline.shuffle_buffer_size(n, example), seed=seed_here)
            shuffled.append(ds.repeat())
        return tf.data.Dataset.zip(tuple(shuffled)).take(num_examples)

    dataset = pipeline.finish(
        pairs(*(None, None) if seed is None else (seed, seed + 1)), num_examples=num_examples,
        batch_size=batch_size, shuffle=False, seed=seed, drop_remainder=drop_remainder,
        cache=False, name=name, start_step=start_step,
        epoch=lambda epoch_seed: pairs(2 * epoch_seed, 2 * epoch_seed + 1),
    )  # fmt: skip
    return dataset, num_examples


def check_unpaired_memory(
    name, element_spec, n_a, n_b, *, batch_size, shuffle, cache, materialised=0
):  # fmt: skip
    """`check_memory` for two domains of `element_spec` images (caches and shuffle buffers)."""
    example = pipeline.element_bytes(element_spec)
    if example is None:
        return
    needed, what = pipeline.memory_estimate(
        n_a + n_b, example, batch_size=2 * batch_size, cache=cache, shuffle=False,
        materialised=materialised,
    )  # fmt: skip
    if shuffle:
        buffers = sum(pipeline.shuffle_buffer_size(n, example) for n in (n_a, n_b)) * example
        needed += buffers
        what += f", shuffle buffers {pipeline.format_bytes(buffers)}"
    pipeline.check_memory(
        name, needed, what=f"{n_a} + {n_b} examples of {pipeline.format_bytes(example)}: {what}",
        fix=pipeline.memory_fix(pipeline.image_shape_of(element_spec), cache),
    )  # fmt: skip
