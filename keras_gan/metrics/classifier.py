"""The per-dataset classifier: a compact CNN keras_gan trains itself, cached after first use.

It is the offline feature network for MNIST-like data (InceptionV3 needs downloaded ImageNet
weights and sees 28x28 digits as an odd kind of photo). Its penultimate layer gives features for
FID, KID and precision/recall; its softmax gives probabilities for the Inception Score and class
coverage. The test accuracy, measured once at training, is stored next to the model and reported
with every metric computed with it.

Usage (trains if not cached, prints the test accuracy and where the files are)::

    python -m keras_gan.metrics.classifier --dataset mnist
    python -m keras_gan.metrics.classifier --dataset fashion_mnist --epochs 5
    KERAS_GAN_CACHE_DIR=/tmp/cache python -m keras_gan.metrics.classifier --dataset mnist --force

Cache: `$KERAS_GAN_CACHE_DIR` or `~/.keras/keras_gan/`, files `classifier_<dataset>.keras` and
`classifier_<dataset>.json`. A first use through `load_classifier` (what the metrics and
`python -m keras_gan.evaluate` call) first says on stderr what it trains, why, where it caches it
and about how long it takes (`training_estimate`). Progress is a Keras bar in a terminal and one
line per epoch when output is redirected. Data: `keras_gan.datasets.load(dataset, split="train"|"test",
batch_size=..., with_labels=True)` (offline through `KERAS_GAN_DATA_DIR`).
"""

import argparse
import json
import os
import pathlib
import sys
import time

import keras
import numpy as np

ENV_CACHE_DIR = "KERAS_GAN_CACHE_DIR"
# (epochs, batch size) of each dataset's classifier. MNIST: 99.2% in 4 epochs. The 1,437 digits
# give 11 batches of 128 per epoch, too few steps for the per-epoch learning-rate decay and the
# BatchNorm statistics (45-52% test accuracy at 4 x 128); 10 epochs of 16 reach 93-96%.
TRAINING = {"digits": (10, 16)}
DEFAULT_TRAINING = (4, 128)
# BatchNormalization's moving averages keep momentum**steps of their start (mean 0, variance 1)
# while the features' variances are ~0.01-0.1: after 188 steps (0.99**188 = 15%) the classifier
# was at chance at inference (12% on MNIST) while 96% right in training mode. A run that leaves
# more than 0.1% of the start (a 5% error in a standard deviation of 0.1) recomputes the
# statistics from up to this many training images.
STALE_STATISTICS = 1e-3  # 688 steps at Keras' 0.99; the default trainings take 900 (digits) or more
STATISTICS_IMAGES = 5_000

# Seconds to train each classifier with its defaults on a 2-core CPU, by backend. Basis: the
# process CPU time measured on the 2-core development machine (shared, load 5-10), halved for its
# two cores. MNIST: 2.4 (tensorflow), 3.8 (jax, a full 4-epoch run: 909 CPU-s) and 9.2 (torch)
# CPU-ms per image and epoch; halved, this matches the 250 s TensorFlow wall time in
# docs/metrics.md. Digits: 17, 38 and 234 CPU-s. A GPU is much faster.
TRAINING_SECONDS = {
    "mnist": {"tensorflow": 280, "jax": 460, "torch": 1100},
    "fashion_mnist": {"tensorflow": 280, "jax": 460, "torch": 1100},  # MNIST's size and shape
    "digits": {"tensorflow": 10, "jax": 20, "torch": 120},
}


def cache_folder(path=None):
    """The cache folder: `path`, else `$KERAS_GAN_CACHE_DIR`, else `~/.keras/keras_gan/`."""
    path = path or os.environ.get(ENV_CACHE_DIR) or os.path.join("~", ".keras", "keras_gan")
    return pathlib.Path(path).expanduser()


def cache_paths(dataset, path=None):
    """The `.keras` model file and `.json` record of `dataset`'s classifier."""
    folder = cache_folder(path)
    return folder / f"classifier_{dataset}.keras", folder / f"classifier_{dataset}.json"


def build_classifier(image_shape=(28, 28, 1), num_classes=10, seed=0):
    """The compact CNN: three conv/BatchNorm/pool stages, a 128-unit dense layer, a softmax.

    The dense layer named `"features"` has no activation of its own (the ReLU is a separate
    layer), so its output, the feature vector, has no dead coordinates of constant zero that
    would make the FID covariance singular.

    Args:
        image_shape: tuple, `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        num_classes: int. Defaults to 10.
        seed: int, seed of the initial weights. Defaults to 0.

    Returns:
        A `keras.Model` mapping images in [-1, 1] to class probabilities.
    """
    init = keras.initializers.GlorotUniform(seed=seed)
    layers = keras.layers
    inputs = keras.Input(image_shape)
    x = inputs
    for filters in (32, 64, 128):  # 28x28 -> 14x14x32 -> 7x7x64 -> 3x3x128
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer=init)(x)
        x = layers.BatchNormalization()(x)  # reaches 99% in 3-4 epochs instead of ~10
        x = layers.ReLU()(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, kernel_initializer=init, name="features")(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(0.3, seed=seed)(x)  # light regularisation
    outputs = layers.Dense(num_classes, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="keras_gan_classifier")


def recompute_batchnorm_statistics(model, images, batch_size=128):
    """Sets every BatchNormalization layer's moving mean and variance to its inputs' statistics.

    Each layer's statistics are computed over all of `images` (the population mean and
    variance, per channel), in the layers' order, with the layers before it already set: what
    the moving averages approach after many training steps, without waiting for them.

    Args:
        model: a functional `keras.Model` whose BatchNormalization layers are each called once.
        images: array of input images, e.g. a few thousand training images.
        batch_size: int, images per forward pass. Defaults to 128.
    """
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization):
            continue
        probe = keras.Model(model.input, layer.input)
        axes, count, total, squares = None, 0, 0.0, 0.0
        for start in range(0, len(images), batch_size):
            batch = images[start : start + batch_size]
            features = keras.ops.convert_to_numpy(probe(batch, training=False))
            features = features.astype("float64")
            axes = tuple(i for i in range(features.ndim) if i != layer.axis % features.ndim)
            total = total + features.sum(axis=axes)
            squares = squares + (features**2).sum(axis=axes)
            count += features.size // features.shape[layer.axis]
        mean = total / count
        layer.moving_mean.assign(mean.astype("float32"))
        layer.moving_variance.assign(np.maximum(squares / count - mean**2, 0).astype("float32"))


def training_defaults(dataset):
    """The `(epochs, batch_size)` the classifier of `dataset` trains with by default."""
    return TRAINING.get(dataset, DEFAULT_TRAINING)


def training_estimate(dataset, epochs=None, backend=None):
    """About how many seconds `train_classifier(dataset)` takes on a 2-core CPU, or `None`.

    The time measured on the 2-core development machine for the default epochs
    (`TRAINING_SECONDS`, which says how), scaled to `epochs`. A GPU is much faster.

    Args:
        dataset: str, the dataset name.
        epochs: int. Defaults to `None` (the dataset's default, see `training_defaults`).
        backend: str, the Keras backend. Defaults to `None` (the active one).

    Returns:
        float seconds, or `None` for a dataset or backend that was not measured.
    """
    backend = backend or keras.backend.backend()
    seconds = TRAINING_SECONDS.get(dataset, {}).get(backend)
    if seconds is None:
        return None
    default_epochs = training_defaults(dataset)[0]
    return seconds * (default_epochs if epochs is None else epochs) / default_epochs


def train_classifier(
    dataset,
    epochs=None,
    batch_size=None,
    cache_dir=None,
    train_data=None,
    test_data=None,
    seed=0,
    verbose="auto",
):
    """Trains the classifier of `dataset`, measures its test accuracy and caches both.

    Args:
        dataset: str, the dataset name, used for loading and for the cache file names.
        epochs: int, passes over the training split. Defaults to `None`: 4 (99.2% on
            MNIST), 10 for digits (`training_defaults`).
        batch_size: int. Defaults to `None`: 128, 16 for digits.
        cache_dir: str, see `cache_folder()`. Defaults to `None`.
        train_data: a `tf.data.Dataset` of `(images, labels)` batches, or a tuple
            `(images, labels)` of arrays, instead of `keras_gan.datasets.load(dataset, "train")`.
            Defaults to `None`.
        test_data: the same for the test split. Defaults to `None`.
        seed: int, seed of the initial weights. Defaults to 0.
        verbose: passed to `fit`; `"auto"` shows a progress bar when stdout is a terminal and
            one line per epoch otherwise (no bar escapes in a redirected log). Defaults to
            `"auto"`.

    Returns:
        A tuple `(model, record)`, `record` being the dict also saved as JSON: `dataset`,
        `test_accuracy`, `test_examples`, `epochs`, `train_seconds`, `batchnorm_statistics`,
        `backend`. A training too short for BatchNormalization's moving averages to forget
        their start (momentum ** steps > `STALE_STATISTICS`) sets them from the training
        images (`recompute_batchnorm_statistics`), and `batchnorm_statistics` says so.
    """
    default_epochs, default_batch_size = training_defaults(dataset)
    epochs = default_epochs if epochs is None else epochs
    batch_size = default_batch_size if batch_size is None else batch_size
    train_data = _data(dataset, "train", batch_size) if train_data is None else train_data
    test_data = _data(dataset, "test", batch_size) if test_data is None else test_data
    images, _ = _first_batch(train_data)
    model = build_classifier(images.shape[1:], seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    # Step the learning rate down each epoch: the last epochs fine-tune (+0.2-0.3% accuracy).
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch: 1e-3 * 0.4**epoch)
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    fit_kwargs = dict(epochs=epochs, verbose=verbose, callbacks=[schedule])
    start = time.perf_counter()
    if isinstance(train_data, tuple):
        model.fit(*train_data, batch_size=batch_size, **fit_kwargs)
    else:
        model.fit(train_data, shuffle=False, **fit_kwargs)  # a dataset shuffles itself
    seconds = time.perf_counter() - start
    statistics = "moving average"
    steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    momentum = max(
        (l.momentum for l in model.layers if isinstance(l, keras.layers.BatchNormalization)),
        default=0.0,
    )
    if momentum**steps > STALE_STATISTICS:
        # a short training leaves the moving averages near their start (mean 0, variance 1),
        # far from the features' (variances ~0.01-0.1): at inference the classifier is at chance
        images = _first_images(train_data, batch_size, STATISTICS_IMAGES)
        recompute_batchnorm_statistics(model, images, batch_size)
        statistics = f"recomputed from {len(images)} training images after {steps} steps"
    correct, total = 0, 0
    for x, y in _batches(test_data, batch_size):
        correct += int((model.predict_on_batch(x).argmax(axis=1) == y.reshape(-1)).sum())
        total += len(y)
    record = {
        "dataset": dataset,
        "test_accuracy": correct / total,
        "test_examples": total,
        "epochs": epochs,
        "train_seconds": round(seconds, 1),
        "batchnorm_statistics": statistics,
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
    }
    model_path, record_path = cache_paths(dataset, cache_dir)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    # One partial file per process: two processes training the same classifier at once
    # each write their own, and the last rename wins with a whole file.
    partial = model_path.with_name(f"{model_path.stem}.partial-{os.getpid()}.keras")
    model.save(partial)
    os.replace(partial, model_path)  # readers never see a half-written file
    record_path.write_text(json.dumps(record, indent=2))
    return model, record


def load_classifier(dataset, cache_dir=None, train_if_missing=True, **train_kwargs):
    """The cached classifier of `dataset` and its record, trained first if not cached.

    Args:
        dataset: str, the dataset name.
        cache_dir: str, see `cache_folder()`. Defaults to `None`.
        train_if_missing: bool, whether to train when nothing is cached (else raise).
            Defaults to `True`.
        **train_kwargs: passed to `train_classifier`.

    Returns:
        A tuple `(model, record)`; `record["test_accuracy"]` is the accuracy measured at training.
    """
    model_path, record_path = cache_paths(dataset, cache_dir)
    if model_path.exists() and record_path.exists():
        return keras.saving.load_model(model_path), json.loads(record_path.read_text())
    if not train_if_missing:
        raise FileNotFoundError(
            f"No cached classifier for '{dataset}' at {model_path}. Train one with "
            f"`python -m keras_gan.metrics.classifier --dataset {dataset}`."
        )
    print(
        _announcement(dataset, model_path, train_kwargs.get("epochs")),
        file=sys.stderr,
    )
    return train_classifier(dataset, cache_dir=cache_dir, **train_kwargs)


def _announcement(dataset, model_path, epochs=None):
    """What is trained, why, where it is cached and about how long it takes."""
    epochs = training_defaults(dataset)[0] if epochs is None else epochs
    images = _TRAIN_IMAGES.get(dataset)
    data = f"{images:,} {dataset} training images" if images else f"the {dataset} training split"
    backend = keras.backend.backend()
    seconds = training_estimate(dataset, epochs, backend)
    if seconds is None:
        how_long = "its time grows with the size of the dataset"
    else:
        others = [
            f"{other} ~{_duration(training_estimate(dataset, epochs, other))}"
            for other in sorted(TRAINING_SECONDS[dataset])
            if other != backend
        ]
        how_long = (
            f"about {_duration(seconds)} with {backend} on a 2-core CPU (measured there; "
            f"{', '.join(others)}; a GPU is much faster)"
        )
    return (
        f"keras_gan: first use of the '{dataset}' classifier, the feature network of the metrics "
        f"(FID, KID, precision/recall, Inception Score): training it once now, a small CNN, "
        f"{epochs} epoch{'s' * (epochs != 1)} over {data}; {how_long}. Cached at {model_path} (set "
        f"{ENV_CACHE_DIR} to move it); later uses load it in seconds."
    )


# Training images of the datasets with a classifier (digits: the 80% not held out for the test).
_TRAIN_IMAGES = {"mnist": 60_000, "fashion_mnist": 60_000, "digits": 1_437}


def _duration(seconds):
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"


def _data(dataset, split, batch_size):
    try:
        from keras_gan.datasets import load
    except ImportError as error:
        raise ImportError(
            "keras_gan.datasets.load is needed to train the classifier on "
            f"'{dataset}'; or pass train_data= and test_data=. Cause: {error}"
        ) from error
    if dataset == "digits":  # one split of 1797 images: the last 20% are held out for the test
        images, labels = _digits_arrays(load)
        cut = int(0.8 * len(images))
        return (images[:cut], labels[:cut]) if split == "train" else (images[cut:], labels[cut:])
    train = split == "train"  # the test split is read once, in order, to its last image
    return load(
        dataset, split=split, batch_size=batch_size, with_labels=True, shuffle=train,
        drop_remainder=train, seed=0,
    )  # fmt: skip


def _digits_arrays(load):
    data = load("digits", batch_size=1797, with_labels=True, shuffle=False, drop_remainder=False)
    images, labels = next(data.as_numpy_iterator())
    return images, labels


def _first_images(data, batch_size, limit):
    """Up to `limit` images of `data`, from its first batches."""
    images, count = [], 0
    for x, _ in _batches(data, batch_size):
        images.append(x[: limit - count])
        count += len(images[-1])
        if count >= limit:
            break
    return np.concatenate(images)


def _batches(data, batch_size):
    if isinstance(data, tuple):
        x, y = data
        return (
            (x[i : i + batch_size], np.asarray(y[i : i + batch_size]))
            for i in range(0, len(x), batch_size)
        )
    return ((np.asarray(x), np.asarray(y)) for x, y, *_ in data.as_numpy_iterator())


def _first_batch(data):
    return next(iter(_batches(data, 1)))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m keras_gan.metrics.classifier",
        description="Train (or load) and cache the classifier that keras_gan's metrics use.",
    )
    parser.add_argument("--dataset", default="mnist", help="mnist, fashion_mnist or digits")
    parser.add_argument("--epochs", type=int, default=None, help="default: 4 (10 for digits)")
    parser.add_argument("--batch-size", type=int, default=None, help="default: 128 (16 for digits)")
    parser.add_argument(
        "--cache-dir", default=None, help=f"defaults to ${ENV_CACHE_DIR} or ~/.keras/keras_gan"
    )
    parser.add_argument("--force", action="store_true", help="retrain even if cached")
    args = parser.parse_args(argv)
    print(f"backend={keras.backend.backend()} {vars(args)}")
    if args.force:
        _, record = train_classifier(
            args.dataset,
            epochs=args.epochs,
            batch_size=args.batch_size,
            cache_dir=args.cache_dir,
            verbose=2,  # one line per epoch
        )
    else:
        _, record = load_classifier(
            args.dataset,
            cache_dir=args.cache_dir,
            epochs=args.epochs,
            batch_size=args.batch_size,
            verbose=2,
        )
    print(json.dumps(record, indent=2))
    print(f"cached at {cache_paths(args.dataset, args.cache_dir)[0]}")


if __name__ == "__main__":
    main()
