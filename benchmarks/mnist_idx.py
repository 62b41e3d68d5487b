"""MNIST from the official raw IDX files with NumPy alone, for benchmarks on machines without
TensorFlow (e.g. a GPU machine with only JAX and PyTorch). keras_gan.datasets is the real loader;
this reads the same files (`$KERAS_GAN_DATA_DIR/mnist/*-idx*-ubyte.gz`) and scales the same way.
"""

import gzip
import os

import numpy as np

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def load_mnist_arrays(split="train", data_dir=None):
    """Returns `(images, labels)`: float32 `(n, 28, 28, 1)` in [-1, 1] and int32 `(n,)`."""
    folder = os.path.join(data_dir or os.environ["KERAS_GAN_DATA_DIR"], "mnist")
    image_file, label_file = (os.path.join(folder, name) for name in _FILES[split])
    with gzip.open(image_file) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28, 1)
    with gzip.open(label_file) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype("int32")
    return images.astype("float32") / 127.5 - 1.0, labels
