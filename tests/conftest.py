import os

import keras
import pytest

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def pytest_report_header(config):
    return f"keras backend: {keras.backend.backend()}"


@pytest.fixture
def parity_dir():
    return os.path.join(FIXTURES, "parity")


@pytest.fixture
def mock_celeb_a(tmp_path, monkeypatch):
    """CelebA's tfds builder with 12 random 'train' examples (tfds' mock data, CelebA's real
    features: 218x178 faces, 40 boolean attributes), which `keras_gan.datasets.load("celeb_a")`
    reads; nothing is downloaded or prepared."""
    import tensorflow_datasets as tfds

    from keras_gan.datasets import tfds_loader

    with tfds.testing.mock_data(num_examples=12):
        builder = tfds.builder("celeb_a", data_dir=str(tmp_path / "tfds"))
        split = tfds.core.SplitInfo(name="train", shard_lengths=[12], num_bytes=0)
        builder.info.set_splits(tfds.core.SplitDict([split]))
        monkeypatch.setattr(tfds_loader, "prepared_builder", lambda name, data_dir=None: builder)
        yield builder
