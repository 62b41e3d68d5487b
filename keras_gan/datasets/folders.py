"""Your own images: a folder, a folder of class sub-folders, two domains, or aligned pairs.

Images are found recursively (`.png .jpg .jpeg .bmp .gif .webp`, any letter case) in sorted path
order, decoded once with Pillow (first frame of a GIF, alpha dropped), converted to grayscale or RGB
(`channels=`) and resized to `image_size`, then kept in memory as uint8. A file Pillow cannot
read is skipped; one warning names the skipped files and how many there were. Nothing is ever
written inside your folders. Before decoding, the memory the images will take is estimated
(files x height x width x channels, from `image_size` or the first image's header) and loading is
refused with a `ValueError` when it would not fit (see `pipeline.check_memory`).

Layouts:

* `load_folder("faces/")`: every image, unconditional.
* `load_folder("digits/", with_labels=True)`: one sub-folder per class; labels are the indices of
  the sorted sub-folder names (`DatasetInfo.class_names`).
* `load_unpaired_folders("horses/", "zebras/")`: two domains for CycleGAN.
* `load_paired_folder("facades/train/")`: pix2pix files holding A and B side by side (A left);
  `load_paired_folder("sketches/", "photos/")`: two folders matched by file name.
"""

from __future__ import annotations

import pathlib
import warnings

import numpy as np
import tensorflow as tf
from PIL import Image

from keras_gan.datasets import pipeline
from keras_gan.datasets.tfds_loader import resolve_cache, zip_unpaired

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")

# How many skipped files a warning names before it says "and N more".
_NAMED_IN_WARNING = 5


def find_images(directory) -> list[pathlib.Path]:
    """All image files under `directory`, recursively, sorted.

    Args:
        directory: str or path.

    Returns:
        A non-empty sorted list of paths.

    Raises:
        FileNotFoundError: `directory` does not exist or is not a folder.
        ValueError: it is empty or holds no file with an accepted extension.
    """
    root = pathlib.Path(directory).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"Image folder not found: '{root}' is not a directory.")
    files = sorted(p for p in root.rglob("*") if p.is_file())
    accepted = " ".join(IMAGE_EXTENSIONS)
    if not files:
        raise ValueError(f"Image folder '{root}' is empty. Accepted image extensions: {accepted}.")
    images = [p for p in files if p.suffix.lower() in IMAGE_EXTENSIONS]
    if not images:
        examples = ", ".join(p.name for p in files[:3])
        raise ValueError(
            f"Image folder '{root}' has {len(files)} file(s) but no images (e.g. {examples}). "
            f"Accepted image extensions: {accepted}."
        )
    return images


def _read(path, channels, image_size, part=None):
    with Image.open(path) as image:
        image.seek(0)  # first frame of an animated GIF
        image.load()  # decodes now, so a truncated file raises here
        image = image.convert("L" if channels == 1 else "RGB")
    if part is not None:  # pix2pix side-by-side files: A is the left half, B the right
        half = image.width // 2
        image = image.crop(
            (0, 0, half, image.height) if part == 0 else (half, 0, 2 * half, image.height)
        )
    if image_size is not None and image.size != (image_size[1], image_size[0]):
        image = image.resize((image_size[1], image_size[0]), Image.Resampling.BICUBIC)
    array = np.asarray(image, dtype=np.uint8)
    return array[..., None] if channels == 1 else array


def read_images(paths, *, channels=3, image_size=None, parts=(None,), where="folder"):
    """Decodes image files into one uint8 array, skipping unreadable ones with one warning.

    The array is allocated once, at the first readable image, and filled in place (no list of
    images stacked at the end, which would need twice the memory).

    Args:
        paths: list of paths.
        channels: int, 1 or 3. Defaults to `3`.
        image_size: `(height, width)` or None (then all images must share one size).
        parts: tuple, `(None,)` for whole images, `(0, 1)` for the two halves of side-by-side
            pairs (then the result has a leading axis of 2). Defaults to `(None,)`.
        where: str, the folder named in messages.

    Returns:
        A tuple `(images, kept)`: uint8 array `(len(parts), n, h, w, channels)` and the indices of
        the paths that were read.
    """
    out, kept, skipped, sizes = None, [], [], {}
    for index, path in enumerate(paths):
        try:
            decoded = [_read(path, channels, image_size, part) for part in parts]
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
            skipped.append(f"{path} ({type(error).__name__})")
            continue
        sizes.setdefault(decoded[0].shape[:2], path)
        if out is None:
            out = np.empty((len(parts), len(paths), *decoded[0].shape), np.uint8)
        if len(sizes) > 1:
            continue  # images of different sizes: reported below, once all are seen
        for part, array in enumerate(decoded):
            out[part, len(kept)] = array
        kept.append(index)
    if skipped:
        named = ", ".join(skipped[:_NAMED_IN_WARNING])
        more = (
            f" and {len(skipped) - _NAMED_IN_WARNING} more"
            if len(skipped) > _NAMED_IN_WARNING
            else ""
        )
        warnings.warn(
            f"Skipped {len(skipped)} unreadable image file(s) of {len(paths)} in {where}: "
            f"{named}{more}.",
            stacklevel=3,
        )
    if out is None:
        raise ValueError(
            f"None of the {len(paths)} image file(s) in {where} could be read "
            f"(first: {skipped[0]}). Check that they are valid {'/'.join(IMAGE_EXTENSIONS)} files."
        )
    if len(sizes) > 1:
        examples = ", ".join(f"{p.name} is {w}x{h}" for (h, w), p in list(sizes.items())[:3])
        raise ValueError(
            f"Images in {where} have different sizes ({examples}); pass image_size=(height, "
            "width) to resize them all."
        )
    return out[:, : len(kept)], kept


def _image_shape(paths, channels, image_size, halves=False):
    """The `(height, width, channels)` the images will have, read from `image_size` or from
    the header of the first file Pillow can open (nothing is decoded), or None."""
    if image_size is not None:
        return (*image_size, channels)
    for path in paths:
        try:
            with Image.open(path) as image:
                width, height = image.size
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
            continue
        return (height, width // 2 if halves else width, channels)
    return None


def check_folder_memory(
    name, num_files, shape, *, batch_size, cache, shuffle, parts=1, copies=2, num_examples=None
):  # fmt: skip
    """Refuses (`ValueError`) to decode `num_files` images of `shape` when they would not fit.

    Args:
        name: str, the folder(s), for the message.
        num_files: int, image files to decode.
        shape: `(height, width, channels)` of one image, or None (nothing is checked).
        batch_size, cache, shuffle: as passed to the loader.
        parts: int, images per file (2 for side-by-side pairs). Defaults to `1`.
        copies: int, arrays of all images held at once (the decoded array and its tensor copy,
            and any selection copies). Defaults to `2`.
        num_examples: int or None, examples per epoch when not `num_files`.
    """
    if shape is None:
        return
    example = parts * int(np.prod(shape))
    num_examples = num_examples or num_files
    cache = resolve_cache(cache, num_files, (parts, *shape))
    needed, what = pipeline.memory_estimate(
        num_examples, example, batch_size=batch_size, cache=cache, shuffle=shuffle,
        materialised=copies * num_files * example,
    )  # fmt: skip
    pipeline.check_memory(
        name, needed,
        what=f"{num_files} file(s) of {shape[0]}x{shape[1]}x{shape[2]} uint8 images: {what}",
        fix=pipeline.memory_fix(shape, cache),
    )  # fmt: skip


def _info(name, element, images, batch_size, drop_remainder, **kwargs):
    n = images.shape[-4]
    return pipeline.DatasetInfo(
        name=str(name), element=element, image_shape=tuple(images.shape[-3:]), num_examples=n,
        batch_size=batch_size, steps_per_epoch=pipeline.steps(n, batch_size, drop_remainder),
        **kwargs,
    )  # fmt: skip


def load_folder(
    directory,
    *,
    batch_size=64,
    image_size=None,
    channels=3,
    with_labels=False,
    shuffle=True,
    seed=None,
    drop_remainder=True,
    cache="auto",
    start_step=None,
):
    """Loads every image under a folder, optionally labelled by class sub-folder.

    Args:
        directory: str or path, searched recursively.
        batch_size: int. Defaults to `64`.
        image_size: int, `(height, width)` or None (keep; then all images must share one size).
            Defaults to `None`.
        channels: int, 1 (grayscale) or 3 (RGB). Defaults to `3`.
        with_labels: bool, label each image by the top-level sub-folder it is in (class names
            sorted; label `i` is `class_names[i]`). Defaults to `False`.
        shuffle: bool. Defaults to `True`.
        seed: int or None, shuffle seed. Defaults to `None`.
        drop_remainder: bool. Defaults to `True`.
        cache: `"auto"`, bool or str (see `load`). Defaults to `"auto"`.
        start_step: int or None, an endless training stream from that batch (see `load`).
            Defaults to `None`.

    Returns:
        A tuple `(dataset, DatasetInfo)`; batches are `images` or `(images, labels)`.

    Example:

    >>> ds, info = load_folder("my_faces/", image_size=64)  # doctest: +SKIP
    >>> info.image_shape  # doctest: +SKIP
    (64, 64, 3)
    """
    image_size = pipeline.check_image_size(image_size)
    channels = pipeline.check_channels(channels, allow_none=False)
    batch_size = pipeline.check_batch_size(batch_size)
    root = pathlib.Path(directory).expanduser()
    paths = find_images(root)
    class_names = None
    if with_labels:
        loose = [p for p in paths if p.parent == root]
        if loose:
            raise ValueError(
                f"with_labels=True needs one sub-folder per class in '{root}', but "
                f"{len(loose)} image(s) lie directly in it (e.g. {loose[0].name})."
            )
        class_names = tuple(sorted({p.relative_to(root).parts[0] for p in paths}))
    check_folder_memory(
        f"{root}", len(paths), _image_shape(paths, channels, image_size),
        batch_size=batch_size, cache=cache, shuffle=shuffle,
    )  # fmt: skip
    images, kept = read_images(paths, channels=channels, image_size=image_size, where=f"'{root}'")
    images = images[0]
    if with_labels:
        ids = {name: i for i, name in enumerate(class_names)}
        labels = np.array([ids[paths[i].relative_to(root).parts[0]] for i in kept], np.int32)
        ds = tf.data.Dataset.from_tensor_slices((images, labels))
    else:
        ds = tf.data.Dataset.from_tensor_slices(images)
    dataset = pipeline.finish(
        ds, num_examples=len(images), batch_size=batch_size, shuffle=shuffle, seed=seed,
        drop_remainder=drop_remainder, cache=resolve_cache(cache, len(images), images.shape[1:]),
        name=str(root), start_step=start_step,
    )  # fmt: skip
    info = _info(
        root, pipeline.LABELLED if with_labels else pipeline.IMAGES, images, batch_size,
        drop_remainder, num_classes=len(class_names) if with_labels else None,
        class_names=class_names, extras={"files": [str(paths[i]) for i in kept]},
    )  # fmt: skip
    return dataset, info


def load_unpaired_folders(
    domain_a,
    domain_b,
    *,
    batch_size=1,
    image_size=None,
    channels=3,
    shuffle=True,
    seed=None,
    drop_remainder=True,
    cache="auto",
    start_step=None,
):
    """Loads two folders as the unpaired domains of CycleGAN: batches `(images_a, images_b)`.

    A and B are drawn independently; an epoch has as many pairs as the larger domain, the smaller
    one being repeated. Args are as in `load_folder`; `batch_size` defaults to `1`, as in
    CycleGAN.

    Returns:
        A tuple `(dataset, DatasetInfo)`; `info.extras["domain_sizes"]` is `(n_a, n_b)`.
    """
    image_size = pipeline.check_image_size(image_size)
    channels = pipeline.check_channels(channels, allow_none=False)
    batch_size = pipeline.check_batch_size(batch_size)
    roots = [pathlib.Path(folder).expanduser() for folder in (domain_a, domain_b)]
    files = [find_images(root) for root in roots]
    if image_size is not None or _image_shape(files[0], channels, None) == _image_shape(
        files[1], channels, None
    ):
        check_folder_memory(
            f"{domain_a} | {domain_b}", len(files[0]) + len(files[1]),
            _image_shape(files[0], channels, image_size), batch_size=batch_size, cache=cache,
            shuffle=shuffle,
        )  # fmt: skip
    domains = []
    for root, paths in zip(roots, files):
        images, _ = read_images(paths, channels=channels, image_size=image_size, where=f"'{root}'")
        domains.append(images[0])
    (a, b), name = domains, f"{domain_a} | {domain_b}"
    if a.shape[1:] != b.shape[1:]:
        raise ValueError(
            f"The two domains have different image shapes, {a.shape[1:]} and {b.shape[1:]}; pass "
            "image_size=(height, width)."
        )
    dataset, num_examples = zip_unpaired(
        tf.data.Dataset.from_tensor_slices(a), tf.data.Dataset.from_tensor_slices(b), len(a),
        len(b), batch_size=batch_size, shuffle=shuffle, seed=seed, drop_remainder=drop_remainder,
        cache=resolve_cache(cache, len(a) + len(b), a.shape[1:]), name=name,
        start_step=start_step,
    )  # fmt: skip
    info = pipeline.DatasetInfo(
        name=name, element=pipeline.UNPAIRED, image_shape=tuple(a.shape[1:]),
        num_examples=num_examples, batch_size=batch_size,
        steps_per_epoch=pipeline.steps(num_examples, batch_size, drop_remainder),
        extras={"domain_sizes": (len(a), len(b))},
    )  # fmt: skip
    return dataset, info


def load_paired_folder(
    directory,
    target_directory=None,
    *,
    direction="a_to_b",
    batch_size=1,
    image_size=None,
    channels=3,
    shuffle=True,
    seed=None,
    drop_remainder=True,
    cache="auto",
    start_step=None,
):
    """Loads aligned image pairs for pix2pix: batches `(source_images, target_images)`.

    Args:
        directory: str or path. Alone, a folder of pix2pix files with A and B side by side (A on
            the left half). With `target_directory`, the folder of A images.
        target_directory: str, path or None, the folder of B images, matched to A by relative path
            without extension (`a/cat1.png` pairs with `b/cat1.jpg`). Defaults to `None`.
        direction: str, `"a_to_b"` (source A, target B) or `"b_to_a"`. Defaults to `"a_to_b"`.
        batch_size: int. Defaults to `1`, as in pix2pix.
        image_size: int, `(height, width)` or None; each half/image is resized to it.
        channels, shuffle, seed, drop_remainder, cache, start_step: as in `load_folder`.

    Returns:
        A tuple `(dataset, DatasetInfo)`.
    """
    if direction not in ("a_to_b", "b_to_a"):
        raise ValueError(
            f"`direction` must be 'a_to_b' or 'b_to_a'. Received: direction={direction!r}"
        )
    image_size = pipeline.check_image_size(image_size)
    channels = pipeline.check_channels(channels, allow_none=False)
    batch_size = pipeline.check_batch_size(batch_size)
    root = pathlib.Path(directory).expanduser()
    if target_directory is None:
        paths = find_images(root)
        check_folder_memory(
            str(root), len(paths), _image_shape(paths, channels, image_size, halves=True),
            batch_size=batch_size, cache=cache, shuffle=shuffle, parts=2,
        )  # fmt: skip
        pairs, _ = read_images(
            paths, channels=channels, image_size=image_size, parts=(0, 1), where=f"'{root}'",
        )  # fmt: skip
        a, b, name = pairs[0], pairs[1], str(root)
    else:
        other = pathlib.Path(target_directory).expanduser()
        a_files = {p.relative_to(root).with_suffix(""): p for p in find_images(root)}
        b_files = {p.relative_to(other).with_suffix(""): p for p in find_images(other)}
        common = sorted(set(a_files) & set(b_files))
        if not common:
            raise ValueError(
                f"No file in '{root}' has a partner of the same name in '{other}' (e.g. "
                f"{next(iter(a_files))} vs {next(iter(b_files))})."
            )
        check_folder_memory(
            f"{root} -> {other}", len(common),
            _image_shape([a_files[k] for k in common], channels, image_size),
            batch_size=batch_size, cache=cache, shuffle=shuffle, parts=2, copies=3,
        )  # fmt: skip
        unmatched = len(a_files) + len(b_files) - 2 * len(common)
        if unmatched:
            warnings.warn(
                f"{unmatched} image file(s) in '{root}' / '{other}' have no partner of the same "
                "name and are left out.",
                stacklevel=2,
            )
        a_all, kept_a = read_images([a_files[k] for k in common], channels=channels,
                                    image_size=image_size, where=f"'{root}'")  # fmt: skip
        b_all, kept_b = read_images([b_files[k] for k in common], channels=channels,
                                    image_size=image_size, where=f"'{other}'")  # fmt: skip
        both = sorted(set(kept_a) & set(kept_b))
        a = a_all[0][[kept_a.index(i) for i in both]]
        b = b_all[0][[kept_b.index(i) for i in both]]
        if a.shape[1:] != b.shape[1:]:
            raise ValueError(
                f"Paired images differ in shape, {a.shape[1:]} vs {b.shape[1:]}; pass image_size=."
            )
        name = f"{root} -> {other}"
    source, target = (a, b) if direction == "a_to_b" else (b, a)
    ds = tf.data.Dataset.from_tensor_slices((source, target))
    dataset = pipeline.finish(
        ds, num_examples=len(source), batch_size=batch_size, shuffle=shuffle, seed=seed,
        drop_remainder=drop_remainder, name=name,
        cache=resolve_cache(cache, 2 * len(source), source.shape[1:]), start_step=start_step,
    )  # fmt: skip
    return dataset, _info(name, pipeline.PAIRED, target, batch_size, drop_remainder)
