"""Where images come from: datasets, arrays and generators, read in checked batches.

Every source yields float32 numpy batches of channels-last images in [-1, 1], shape
`(batch, height, width, channels)`, and stops after `num_samples` images or when the source ends.
"""

import numpy as np

# Images may overshoot [-1, 1] by this much (rounding in resizing or in a tanh) and pass.
_RANGE_TOLERANCE = 1e-3


def describe(source):
    """A short description of a source for error messages and results."""
    if isinstance(source, np.ndarray):
        return f"array of shape {source.shape}"
    if _is_dataset(source):
        return "tf.data.Dataset"
    return type(source).__name__


def iterate_images(source, num_samples=None, batch_size=100, name="images"):
    """Yields checked image batches from `source`, `num_samples` images in all at most.

    Args:
        source: a `tf.data.Dataset` whose elements are `images` or `(images, labels, ...)`
            (batched or not), a numpy array of images, a callable `generate(n) -> images`, or an
            object with a `generate(n)` method (a keras_gan model).
        num_samples: int, the most images to read. Defaults to `None` (the whole dataset or
            array; required for a generator).
        batch_size: int, images per batch asked of a generator or sliced from an array; a
            batched dataset keeps its own batches. Defaults to 100.
        name: str, how errors name this source. Defaults to `"images"`.

    Yields:
        float32 numpy arrays of shape `(batch, height, width, channels)` in [-1, 1].
    """
    if num_samples is not None and num_samples < 1:
        raise ValueError(f"num_samples must be positive. Received: num_samples={num_samples}")
    seen, shape = 0, None
    for batch in _raw_batches(source, num_samples, batch_size, name):
        batch = _to_numpy(batch)
        if num_samples is not None:
            batch = batch[: num_samples - seen]
        check_images(batch, name)
        if shape is None:
            shape = batch.shape[1:]
        elif batch.shape[1:] != shape:
            raise ValueError(
                f"{name}: every batch must have the same image shape. Received: {shape} and then "
                f"{batch.shape[1:]}"
            )
        seen += len(batch)
        yield batch
        if seen == num_samples:
            return


def check_images(images, name="images"):
    """Raises unless `images` is a finite float batch `(n, h, w, c)` in [-1, 1]."""
    if images.ndim != 4:
        raise ValueError(
            f"{name} must be a batch of channels-last images (batch, height, width, channels). "
            f"Received: shape={images.shape}"
            + (" (add a channel axis: images[..., None])" if images.ndim == 3 else "")
        )
    if images.shape[1] in (1, 3) and images.shape[-1] not in (1, 3):
        raise ValueError(
            f"{name} look channels-first; keras_gan expects channels-last (batch, height, width, "
            f"channels). Received: shape={images.shape}"
        )
    if not np.all(np.isfinite(images)):
        raise ValueError(f"{name} contain NaN or inf (did the generator diverge?).")
    low, high = float(images.min()), float(images.max())
    if low < -1 - _RANGE_TOLERANCE or high > 1 + _RANGE_TOLERANCE:
        raise ValueError(
            f"{name} must lie in [-1, 1] (float32, as the generators' tanh and the keras_gan "
            f"datasets give). Received: values in [{low:.4g}, {high:.4g}]. From [0, 255] use "
            "x / 127.5 - 1; from [0, 1] use 2 * x - 1."
        )


def _raw_batches(source, num_samples, batch_size, name):
    if _is_dataset(source):
        return _dataset_batches(source, batch_size)
    if isinstance(source, np.ndarray):
        return (source[i : i + batch_size] for i in range(0, len(source), batch_size))
    generate = getattr(source, "generate", None)
    if generate is None and callable(source):
        import keras

        if isinstance(source, keras.Model):
            raise TypeError(
                f"{name}: a bare keras.Model is ambiguous (it maps latents, not a count, to "
                "images). Pass a callable generate(n) -> images, e.g. "
                "`lambda n: generator(keras.random.normal((n, latent_dim)))`, or a keras_gan "
                "model with a generate(num_samples) method."
            )
        generate = source
    if generate is None:
        raise TypeError(
            f"{name} must be a tf.data.Dataset, a numpy array, a callable generate(n) -> images "
            f"or an object with a generate(n) method. Received: {type(source).__name__}"
        )
    if num_samples is None:
        raise ValueError(f"{name}: num_samples is required to draw from a generator.")
    return _generator_batches(generate, num_samples, batch_size)


def _generator_batches(generate, num_samples, batch_size):
    done = 0
    while done < num_samples:
        n = min(batch_size, num_samples - done)
        batch = _to_numpy(generate(n))
        if len(batch) != n:
            raise ValueError(f"generate({n}) returned {len(batch)} images; expected {n}.")
        done += n
        yield batch


def _dataset_batches(dataset, batch_size):
    spec = dataset.element_spec
    if isinstance(spec, tuple | list):
        dataset, spec = dataset.map(lambda *e: e[0]), spec[0]
    elif isinstance(spec, dict):
        if "image" not in spec:
            raise ValueError(
                f"A dataset of dicts needs an 'image' key. Received: keys={sorted(spec)}"
            )
        dataset, spec = dataset.map(lambda e: e["image"]), spec["image"]
    if spec.shape.rank == 3:  # unbatched images
        dataset = dataset.batch(batch_size)
    return dataset.as_numpy_iterator()


def _is_dataset(source):
    from keras_gan.datasets.pipeline import is_dataset  # imports TensorFlow: only when asked

    return is_dataset(source)


def _to_numpy(x):
    if isinstance(x, np.ndarray):
        return x.astype(np.float32, copy=False)
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float32)
