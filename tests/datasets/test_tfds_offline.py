"""Real datasets through tensorflow-datasets from the official raw files, with no network.

These tests need `KERAS_GAN_DATA_DIR` (a folder with `mnist/` and `fashion-mnist/` holding the
official `*-idx*-ubyte.gz` files) and are skipped without it. The error for missing files is
tested always.
"""

import time

import numpy as np
import pytest

from keras_gan import datasets


def _grey_levels_exact(images):
    values = (images + 1.0) * 127.5
    return np.allclose(values, np.round(values), atol=1e-4)


def test_mnist_offline(raw_data_dir, tfds_dir, snapshot):
    before = snapshot(raw_data_dir)
    ds, info = datasets.load(
        "mnist", batch_size=128, with_labels=True, seed=0, data_dir=tfds_dir, with_info=True
    )
    assert snapshot(raw_data_dir) == before  # tfds wrote only into data_dir
    assert info.num_examples == 60_000 and info.num_classes == 10
    assert info.image_shape == (28, 28, 1) and info.steps_per_epoch == 468
    images, labels = next(iter(ds))
    assert images.shape == (128, 28, 28, 1) and images.dtype == "float32"
    assert images.numpy().min() == -1.0 and images.numpy().max() == 1.0
    assert _grey_levels_exact(images.numpy())
    assert labels.dtype == "int32" and set(labels.numpy()) <= set(range(10))
    test_info = datasets.info("mnist", split="test", data_dir=tfds_dir)
    assert test_info.num_examples == 10_000


def test_fashion_mnist_offline(raw_data_dir, tfds_dir):
    if not (raw_data_dir / "fashion-mnist").is_dir():
        pytest.skip("KERAS_GAN_DATA_DIR has no fashion-mnist/ folder")
    ds, info = datasets.load(
        "fashion_mnist", batch_size=64, image_size=32, channels=3, data_dir=tfds_dir,
        with_info=True,
    )  # fmt: skip
    assert info.class_names[0] == "T-shirt/top" and info.num_examples == 60_000
    assert ds.element_spec.shape.as_list() == [64, 32, 32, 3]


def test_derived_sets_use_real_mnist_when_available(raw_data_dir, tfds_dir):
    _, info = datasets.load(
        "stacked_mnist", split="test", data_dir=tfds_dir, num_examples=1000, with_info=True,
        with_labels=True,
    )  # fmt: skip
    assert info.extras["source"] == "mnist"
    _, info = datasets.load("mnist_captions", data_dir=tfds_dir, split="test", with_info=True)
    assert info.extras["source"] == "mnist" and info.num_examples == 10_000


def test_missing_raw_files_fail_fast_with_instructions(tmp_path, monkeypatch):
    (tmp_path / "raw" / "mnist").mkdir(parents=True)
    (tmp_path / "raw" / "mnist" / "train-labels-idx1-ubyte.gz").write_bytes(b"")
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path / "raw"))
    start = time.monotonic()
    with pytest.raises(datasets.DataNotFoundError) as error:
        datasets.load("mnist", data_dir=str(tmp_path / "tfds"))
    assert time.monotonic() - start < 30  # no network retries (not a timing test of the loader)
    message = str(error.value)
    for name in (
        "train-images-idx3-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ):
        assert f"https://storage.googleapis.com/cvdf-datasets/mnist/{name}" in message
    assert (
        "train-labels-idx1-ubyte.gz" not in message.split("put them")[0]
    )  # present, not asked for
    assert str(tmp_path / "raw" / "mnist") in message and "KERAS_GAN_DATA_DIR" in message
    assert not list((tmp_path / "raw").rglob("*.tfrecord*"))


def test_raw_files_are_the_official_urls():
    files = dict(datasets.raw_files("fashion_mnist"))
    assert files["train-images-idx3-ubyte.gz"].endswith(
        "fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"
    )
    assert len(files) == 4
