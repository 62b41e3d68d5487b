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
`classifier_<dataset>.json`. Data: `keras_gan.datasets.load(dataset, split="train"|"test",
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


def train_classifier(
    dataset,
    epochs=4,
    batch_size=128,
    cache_dir=None,
    train_data=None,
    test_data=None,
    seed=0,
    verbose="auto",
):
    """Trains the classifier of `dataset`, measures its test accuracy and caches both.

    Args:
        dataset: str, the dataset name, used for loading and for the cache file names.
        epochs: int, passes over the training split. Defaults to 4 (99.2% on MNIST).
        batch_size: int. Defaults to 128.
        cache_dir: str, see `cache_folder()`. Defaults to `None`.
        train_data: a `tf.data.Dataset` of `(images, labels)` batches, or a tuple
            `(images, labels)` of arrays, instead of `keras_gan.datasets.load(dataset, "train")`.
            Defaults to `None`.
        test_data: the same for the test split. Defaults to `None`.
        seed: int, seed of the initial weights. Defaults to 0.
        verbose: passed to `fit`. Defaults to `"auto"`.

    Returns:
        A tuple `(model, record)`, `record` being the dict also saved as JSON: `dataset`,
        `test_accuracy`, `test_examples`, `epochs`, `train_seconds`, `backend`.
    """
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
    fit_kwargs = dict(epochs=epochs, verbose=verbose, callbacks=[schedule])
    start = time.perf_counter()
    if isinstance(train_data, tuple):
        model.fit(*train_data, batch_size=batch_size, **fit_kwargs)
    else:
        model.fit(train_data, shuffle=False, **fit_kwargs)  # a dataset shuffles itself
    seconds = time.perf_counter() - start
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
        "backend": keras.backend.backend(),
        "keras_version": keras.__version__,
    }
    model_path, record_path = cache_paths(dataset, cache_dir)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    partial = model_path.with_name(model_path.stem + ".partial.keras")
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
        f"keras_gan: training the '{dataset}' classifier for the metrics (first use; cached at "
        f"{model_path}).",
        file=sys.stderr,
    )
    return train_classifier(dataset, cache_dir=cache_dir, **train_kwargs)


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
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=128)
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
