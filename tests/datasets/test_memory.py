"""A huge image_size is refused with an estimate before anything is materialised, or streamed."""

import re

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import datasets
from keras_gan.datasets import captions, derived, folders, pipeline


@pytest.fixture
def memory(monkeypatch):
    """`memory(bytes)`: pretend this much memory is available."""

    def set_available(num_bytes):
        monkeypatch.setattr(pipeline, "available_memory", lambda: num_bytes)

    return set_available


@pytest.fixture
def no_materialising(monkeypatch):
    """Fails the test if digits are resized or image files decoded (the refusal must come first)."""

    def fail(*args, **kwargs):
        raise AssertionError("materialised before the memory check")

    monkeypatch.setattr(pipeline, "resize_array", fail)
    monkeypatch.setattr(folders, "_read", fail)


def test_absurd_image_size_is_refused_with_the_estimate():
    # 1797 digits at 100000x100000 cannot fit anywhere: refused at once, not killed by the kernel.
    with pytest.raises(ValueError) as error:
        datasets.load("digits", image_size=100_000)
    message = str(error.value)
    assert message.startswith("Dataset 'digits' would need about ") and "TB of memory" in message
    assert re.search(r"more than 80% of the [0-9.]+ [KMGT]?B available", message)
    assert "Use a smaller image_size (now 100000x100000; about image_size=" in message
    assert "\n" not in message


def test_digits_stream_at_a_large_image_size(memory):
    # 1797 x 256 x 256 = 118 MB: with 400 MB "available" it is not cached in memory, but streams.
    memory(400 * 1024**2)
    ds, info = datasets.load("digits", image_size=256, batch_size=4, seed=0, with_info=True)
    assert info.image_shape == (256, 256, 1)
    assert next(iter(ds)).shape == (4, 256, 256, 1)


def test_streamed_digits_equal_the_resized_arrays():
    ds = datasets.load("digits", image_size=20, batch_size=1797, shuffle=False)
    images = np.round((next(iter(ds)).numpy()[..., 0] + 1.0) * 127.5)
    expected, _, _ = derived.digit_images("digits", image_size=20)
    np.testing.assert_array_equal(images, expected)


def test_explicit_memory_cache_that_does_not_fit_is_refused(memory):
    memory(200 * 1024**2)  # a 118 MB cache is more than 80% of what is left after the rest
    with pytest.raises(ValueError, match=r"in-memory cache 112\.3 MB.*or cache=False\."):
        datasets.load("digits", image_size=256, cache=True)


@pytest.mark.parametrize(
    "name, options",
    [
        ("stacked_mnist", {"num_examples": 1000}),
        ("mnist_edges", {}),
        ("mnist_colour", {"paired": False}),
        ("mnist_superres", {}),
        ("mnist_captions", {}),
    ],
)
def test_derived_sets_are_checked_before_they_are_built(name, options, memory, no_materialising):
    memory(100 * 1024**2)
    with pytest.raises(ValueError) as error:
        datasets.load(name, source="digits", image_size=512, **options)
    message = str(error.value)
    assert message.startswith(f"Dataset '{name}' would need about ")
    assert "arrays " in message and "of the 100.0 MB available" in message
    assert "now 512x512" in message


def test_folder_is_checked_before_decoding(tmp_path, write_image, memory, monkeypatch):
    for i in range(3):
        write_image(tmp_path / "faces" / f"{i}.png", np.full((40, 60, 3), i, np.uint8))
    memory(1024**2)
    real_read = folders._read
    with monkeypatch.context() as patch:
        patch.setattr(folders, "_read", lambda *a, **k: pytest.fail("decoded before the check"))
        with pytest.raises(ValueError, match=r"3 file\(s\) of 512x512x3 uint8 images"):
            datasets.load(str(tmp_path / "faces"), image_size=512, batch_size=2)
        # Without image_size the size comes from the first file's header (60 wide, 40 high).
        memory(100 * 1024)
        with pytest.raises(ValueError, match="now 40x60"):
            datasets.load(str(tmp_path / "faces"), batch_size=256, drop_remainder=False)
    assert folders._read is real_read
    memory(1024**3)
    ds = datasets.load(str(tmp_path / "faces"), image_size=16, batch_size=2, shuffle=False)
    assert next(iter(ds)).shape == (2, 16, 16, 3)


def test_paired_and_unpaired_folders_are_checked(tmp_path, write_image, memory, no_materialising):
    for side in ("a", "b"):
        for i in range(2):
            write_image(tmp_path / side / f"{i}.png", np.zeros((8, 8, 3), np.uint8))
    memory(1024**2)
    with pytest.raises(ValueError, match="would need about"):
        datasets.load((str(tmp_path / "a"), str(tmp_path / "b")), image_size=400)
    with pytest.raises(ValueError, match="would need about"):
        datasets.load((str(tmp_path / "a"), str(tmp_path / "b")), image_size=400, paired=True)
    with pytest.raises(ValueError, match="would need about"):
        datasets.load(str(tmp_path / "a"), image_size=400, paired=True)


def test_toy_sets_check_num_examples():
    with pytest.raises(ValueError, match=r"Use a smaller num_examples \(now 10000000000000\)"):
        datasets.load("ring", num_examples=10**13)
    with pytest.raises(ValueError, match="num_examples=0"):
        datasets.load("grid", num_examples=0)


def test_finish_checks_any_pipeline(memory):
    # What tfds datasets go through: the cache and shuffle buffer of a streamed set are checked.
    images = tf.data.Dataset.from_tensor_slices(np.zeros((100, 64, 64, 3), np.uint8))
    memory(1024**2)
    with pytest.raises(ValueError, match="100 examples of 12.0 KB: in-memory cache 1.2 MB"):
        pipeline.finish(
            images, num_examples=100, batch_size=10, shuffle=True, seed=0, drop_remainder=True,
            cache=True, name="faces",
        )  # fmt: skip


def test_auto_cache_follows_the_memory_available(memory):
    memory(64 * 1024**3)
    assert datasets.tfds_loader.resolve_cache("auto", 1000, (64, 64, 3)) is True
    memory(40 * 1024**2)  # 12 MB of images is more than a quarter of 40 MB
    assert datasets.tfds_loader.resolve_cache("auto", 1000, (64, 64, 3)) is False
    assert datasets.tfds_loader.resolve_cache(True, 1000, (64, 64, 3)) is True


def test_shuffle_buffer_is_bounded_in_bytes():
    assert pipeline.shuffle_buffer_size(60_000, 784) == 10_000
    assert pipeline.shuffle_buffer_size(60_000, 1024**2) == 1024  # 1 GiB of 1 MB examples
    assert pipeline.shuffle_buffer_size(5, 2 * 1024**3) == 1


def test_available_memory_is_positive():
    available = pipeline.available_memory()
    assert available is None or available > 0


def test_chunked_computations_equal_whole_ones(monkeypatch):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(50, 12, 12), dtype=np.uint8)
    whole = (
        derived.edge_maps(images), derived.colourise(images, seed=3)[0],
        captions.measure_digits(images), pipeline.resize_array(images, (20, 20)),
    )  # fmt: skip
    monkeypatch.setattr(derived, "_CHUNK_PIXELS", 300)  # 2 images a chunk
    monkeypatch.setattr(pipeline, "RESIZE_CHUNK_BYTES", 3000)
    np.testing.assert_array_equal(derived.edge_maps(images), whole[0])
    np.testing.assert_array_equal(derived.colourise(images, seed=3)[0], whole[1])
    np.testing.assert_array_equal(pipeline.resize_array(images, (20, 20)), whole[3])
    expected = pipeline.resize_uint8(images[..., None], (20, 20)).numpy()[..., 0]
    np.testing.assert_array_equal(whole[3], expected)
    big = np.repeat(images, 200, axis=0)  # more than one chunk of measure_digits
    measured = captions.measure_digits(big)
    for key, values in whole[2].items():
        np.testing.assert_array_equal(measured[key], np.repeat(values, 200))
