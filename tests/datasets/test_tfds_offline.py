"""Real datasets through tensorflow-datasets from the official raw files, with no network.

The loading tests need `KERAS_GAN_DATA_DIR` (a folder with `mnist/` and `fashion-mnist/` holding
the official `*-idx*-ubyte.gz` files) and are skipped without it. The errors (no network, no
folder, missing or damaged files) are tested always, with the network simulated away.
"""

import hashlib
import socket
import urllib.parse

import numpy as np
import pytest
import tensorflow_datasets as tfds

from keras_gan import datasets
from keras_gan.datasets import tfds_loader

pytestmark = pytest.mark.one_backend(
    "torch", reason="tensorflow-datasets prepares and reads the same way under every backend"
)

MNIST_FILES = (
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
)


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


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


def test_offline_without_data_dir_fails_at_once_quietly(
    tmp_path, monkeypatch, no_network, no_download, capfd
):
    monkeypatch.delenv("KERAS_GAN_DATA_DIR", raising=False)
    host = urllib.parse.urlsplit(datasets.raw_files("mnist")[0][1]).hostname
    capfd.readouterr()
    with pytest.raises(datasets.DataNotFoundError) as error:
        datasets.load("mnist", data_dir=str(tmp_path / "tfds"))
    message = str(error.value)
    assert "\n" not in message  # one line
    assert f"cannot reach {host} (Name or service not known)" in message
    assert no_network == [host]  # one probe of the dataset's own download host, no retries
    for name in MNIST_FILES:
        assert name in message
    assert "https://storage.googleapis.com/cvdf-datasets/mnist/" in message
    assert "KERAS_GAN_DATA_DIR=<data>" in message and "<data>/mnist/" in message
    assert not (tmp_path / "tfds").exists()  # nothing partial left behind
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # no retry lines, no progress bars


def test_probe_reaches_a_listening_host_and_names_a_closed_one():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert tfds_loader.unreachable_hosts([f"http://127.0.0.1:{port}/a.gz"]) == {}
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound but not listening: connection refused
        failed = tfds_loader.unreachable_hosts([f"https://127.0.0.1:{port}/b.gz"])
    assert list(failed) == ["127.0.0.1"] and "refused" in failed["127.0.0.1"].lower()


def test_probe_goes_through_the_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    targets = tfds_loader._probe_targets(["https://storage.example/x.gz"])
    assert list(targets) == [("proxy.example", 3128)]


@pytest.mark.parametrize("failure", [ConnectionError, KeyboardInterrupt])
def test_a_failed_download_leaves_only_what_was_there(tmp_path, monkeypatch, failure):
    monkeypatch.delenv("KERAS_GAN_DATA_DIR", raising=False)
    monkeypatch.setattr(tfds_loader, "unreachable_hosts", lambda urls: {})  # "online"
    root = tmp_path / "tfds"
    (root / "downloads").mkdir(parents=True)
    (root / "downloads" / "earlier.zip").write_bytes(b"kept")
    (root / "other_dataset" / "1.0.0").mkdir(parents=True)
    before = _tree(root)

    def download_and_prepare(self, *args, **kwargs):
        partial = root / "mnist" / "incomplete.ABC_3.0.1"
        partial.mkdir(parents=True)
        (partial / "mnist-train.tfrecord-00000-of-00001").write_bytes(b"partial")
        (root / "downloads" / "mnist").mkdir()
        (root / "downloads" / "mnist" / "train-images.gz.tmp.123").write_bytes(b"partial")
        raise failure("connection reset")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", download_and_prepare)
    expected = KeyboardInterrupt if failure is KeyboardInterrupt else datasets.DataNotFoundError
    with pytest.raises(expected) as error:
        datasets.load("mnist", data_dir=str(root))
    if failure is ConnectionError:
        assert "download failed (ConnectionError: connection reset)" in str(error.value)
    assert _tree(root) == before


def test_data_dir_without_dataset_folder_fails_at_once(
    tmp_path, monkeypatch, no_network, no_download
):
    raw = tmp_path / "raw"
    (raw / "fashion-mnist").mkdir(parents=True)  # another dataset's folder only
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(raw))
    with pytest.raises(datasets.DataNotFoundError) as error:
        datasets.load("mnist", data_dir=str(tmp_path / "tfds"))
    message = str(error.value)
    assert no_network == []  # no network at all when the folder was given
    assert "\n" not in message
    assert f"KERAS_GAN_DATA_DIR={raw} has no 'mnist' folder" in message
    assert f"in {raw / 'mnist'}/" in message and "or unset KERAS_GAN_DATA_DIR" in message
    for name in MNIST_FILES:
        assert name in message
    assert not (tmp_path / "tfds").exists()


def test_data_dir_that_does_not_exist(tmp_path, monkeypatch, no_network, no_download):
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(datasets.DataNotFoundError, match="is not a folder, so it has no 'mnist'"):
        datasets.load("mnist", data_dir=str(tmp_path / "tfds"))
    assert no_network == []


def test_missing_raw_files_fail_fast_with_instructions(tmp_path, monkeypatch, no_network):
    (tmp_path / "raw" / "mnist").mkdir(parents=True)
    (tmp_path / "raw" / "mnist" / "train-labels-idx1-ubyte.gz").write_bytes(b"")
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path / "raw"))
    with pytest.raises(datasets.DataNotFoundError) as error:
        datasets.load("mnist", data_dir=str(tmp_path / "tfds"))
    message = str(error.value)
    assert no_network == [] and "\n" not in message
    folder = tmp_path / "raw" / "mnist"
    assert message.startswith(f"{folder} lacks 3 of the 4 official files of dataset 'mnist': ")
    assert "https://storage.googleapis.com/cvdf-datasets/mnist/" in message
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        assert name in message
    assert "train-labels-idx1-ubyte.gz" not in message  # present, not asked for
    assert not list((tmp_path / "raw").rglob("*.tfrecord*"))


def _official_sizes():
    return {f: int(info.size) for f, (_, info) in tfds_loader._url_infos("mnist").items()}


def test_file_of_the_wrong_size_is_named(tmp_path, monkeypatch, no_network, no_download):
    folder = tmp_path / "raw" / "mnist"
    folder.mkdir(parents=True)
    for name, size in _official_sizes().items():
        with open(folder / name, "wb") as file:
            file.truncate(size - 10 if name.startswith("train-labels") else size)
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path / "raw"))
    with pytest.raises(datasets.ChecksumMismatchError) as error:
        datasets.load("mnist", data_dir=str(tmp_path / "tfds"))
    message = str(error.value)
    expected = _official_sizes()["train-labels-idx1-ubyte.gz"]
    assert isinstance(error.value, datasets.DataNotFoundError) and "\n" not in message
    assert message.startswith(f"{folder / 'train-labels-idx1-ubyte.gz'} is not the official file")
    assert f"expected {expected} bytes, found {expected - 10}" in message
    assert (
        "download it again unchanged from "
        "https://storage.googleapis.com/cvdf-datasets/mnist/train-labels-idx1-ubyte.gz"
    ) in message
    assert no_network == [] and not (tmp_path / "tfds").exists()


def test_corrupted_raw_file_names_both_checksums(raw_data_dir, tmp_path, monkeypatch, no_network):
    # A real copy of MNIST with one byte of a small file changed (same size, other SHA-256).
    folder = tmp_path / "raw" / "mnist"
    folder.mkdir(parents=True)
    for name in MNIST_FILES:
        (folder / name).symlink_to(raw_data_dir / "mnist" / name)
    damaged = folder / "t10k-labels-idx1-ubyte.gz"
    data = bytearray((raw_data_dir / "mnist" / damaged.name).read_bytes())
    data[100] ^= 0xFF
    damaged.unlink()
    damaged.write_bytes(bytes(data))
    expected = hashlib.sha256((raw_data_dir / "mnist" / damaged.name).read_bytes()).hexdigest()
    actual = hashlib.sha256(bytes(data)).hexdigest()
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path / "raw"))
    with pytest.raises(datasets.ChecksumMismatchError) as error:
        datasets.load("mnist", data_dir=str(tmp_path / "tfds"))
    message = str(error.value)
    assert message.startswith(f"{damaged} is not the official file of dataset 'mnist'")
    assert f"expected SHA-256 {expected}, found {actual} ({len(data)} bytes)" in message
    assert "cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz and replace it" in message
    assert no_network == [] and not (tmp_path / "tfds").exists()


def test_raw_files_are_the_official_urls():
    files = dict(datasets.raw_files("fashion_mnist"))
    assert files["train-images-idx3-ubyte.gz"].endswith(
        "fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"
    )
    assert len(files) == 4
    # A configuration asks only for its own archive, not those of the other pairs.
    assert [f for f, _ in datasets.raw_files("cycle_gan/horse2zebra")] == ["horse2zebra.zip"]


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_bars_only_on_a_terminal(tmp_path, monkeypatch, terminal):
    # tfds' bars redraw a line in place; in redirected output (a log, CI, a notebook's captured
    # stderr) each redraw is a new line, so they are kept for a terminal.
    from tensorflow_datasets.core.utils import tqdm_utils

    monkeypatch.setattr(tqdm_utils, "_active", True)
    monkeypatch.setattr(tfds_loader.sys.stderr, "isatty", lambda: terminal, raising=False)
    shown = []

    def download_and_prepare(self, *args, **kwargs):
        shown.append(tqdm_utils._active)
        raise RuntimeError("stop here")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", download_and_prepare)
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path))
    (tmp_path / "mnist").mkdir()
    for name in MNIST_FILES:
        (tmp_path / "mnist" / name).write_bytes(b"")
    monkeypatch.setattr(tfds_loader, "_check_raw_files", lambda name, folder: None)
    with pytest.raises(RuntimeError, match="stop here"):
        tfds_loader.prepared_builder("mnist", data_dir=str(tmp_path / "tfds"))
    assert shown == [terminal]


def test_two_processes_preparing_one_dataset_prepare_it_once(tmp_path, monkeypatch):
    """A second caller waits for the first one's preparation and then uses it (the lock is an
    OS lock on a file, so two threads with their own file descriptors contend like processes)."""
    import threading
    import time

    prepared, calls, running = tmp_path / "prepared", [], []

    def download_and_prepare(self, *args, **kwargs):
        running.append(1)
        calls.append(len(running))  # how many preparations run at this moment
        time.sleep(0.3)
        prepared.write_text("done")
        running.pop()

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", download_and_prepare)
    monkeypatch.setattr(tfds_loader, "_is_prepared", lambda builder: prepared.exists())
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(tmp_path))
    (tmp_path / "mnist").mkdir()
    monkeypatch.setattr(tfds_loader, "_check_raw_files", lambda name, folder: None)
    data_dir = str(tmp_path / "tfds")
    threads = [
        threading.Thread(target=tfds_loader.prepared_builder, args=("mnist", data_dir))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]  # prepared once; the second caller found it prepared
