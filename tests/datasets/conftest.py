"""Fixtures for the dataset tests: the offline raw-file folder, a tfds data dir, tiny image folders."""

import os
import pathlib
import socket

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image


@pytest.fixture(scope="session")
def raw_data_dir():
    """`$KERAS_GAN_DATA_DIR`, the folder of official raw files; skips when unset."""
    root = os.environ.get("KERAS_GAN_DATA_DIR")
    if not root or not pathlib.Path(root, "mnist").is_dir():
        pytest.skip(
            "KERAS_GAN_DATA_DIR is not set (or has no mnist/ folder): the real-MNIST tests need "
            "the official raw files; see docs/datasets.md."
        )
    return pathlib.Path(root)


@pytest.fixture(scope="session")
def tfds_dir(request, tmp_path_factory):
    """Where tfds writes prepared datasets in tests: never inside KERAS_GAN_DATA_DIR.

    Preparing MNIST from the raw files takes ~20 s, so the prepared copy is kept in pytest's cache
    folder (.pytest_cache/, git-ignored) and shared by the three backend runs; with the cache
    plugin disabled it goes to a session temporary folder instead.
    """
    cache = getattr(request.config, "cache", None)
    if cache is not None:
        return str(cache.mkdir("keras_gan_tfds"))
    return str(tmp_path_factory.mktemp("tfds"))


@pytest.fixture
def no_network(monkeypatch):
    """Every name lookup fails, as on a machine without network; returns the hosts asked for."""
    asked = []

    def getaddrinfo(host, *args, **kwargs):
        asked.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


@pytest.fixture
def no_download(monkeypatch):
    """Fails the test if tfds starts downloading or preparing anything."""

    def download_and_prepare(self, *args, **kwargs):
        raise AssertionError("tfds download_and_prepare must not be called")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", download_and_prepare)


def _write_image(path, array):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, np.uint8)).save(path)
    return path


def _snapshot(folder):
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(pathlib.Path(folder).rglob("*"))
    }


@pytest.fixture
def write_image():
    """`write_image(path, uint8_array)`: writes an image file; the format follows the suffix."""
    return _write_image


@pytest.fixture
def snapshot():
    """`snapshot(folder)`: every file's size and mtime, to check nothing was written there."""
    return _snapshot
