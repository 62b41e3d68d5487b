"""Loading your own images: formats, labels, pairs, corrupt files, bad folders."""

import warnings

import numpy as np
import pytest

from keras_gan import datasets

FORMATS = ("png", "jpg", "jpeg", "bmp", "gif", "webp")


def _square(value, size=8):
    return np.full((size, size, 3), value, np.uint8)


@pytest.fixture
def class_folder(tmp_path, write_image):
    """Two classes, every format, nested one level deeper in class 'b'."""
    for i, ext in enumerate(FORMATS):
        write_image(tmp_path / "a" / f"img{i}.{ext}", _square(0))
        write_image(tmp_path / "b" / "nested" / f"img{i}.{ext}", _square(255, size=16))
    return tmp_path


def test_labels_from_sorted_class_folders(class_folder, snapshot):
    before = snapshot(class_folder)
    ds, info = datasets.load(
        str(class_folder), batch_size=12, image_size=8, with_labels=True, shuffle=False,
        with_info=True,
    )  # fmt: skip
    assert info.class_names == ("a", "b") and info.num_classes == 2 and info.num_examples == 12
    assert ds.element_spec[0].shape.as_list() == [12, 8, 8, 3]
    images, labels = next(iter(ds))
    # Black images are class a (0), white ones class b (1), in every format.
    means = images.numpy().mean(axis=(1, 2, 3))
    np.testing.assert_allclose(means[labels.numpy() == 0], -1.0, atol=0.02)
    np.testing.assert_allclose(means[labels.numpy() == 1], 1.0, atol=0.02)
    assert np.bincount(labels.numpy()).tolist() == [6, 6]
    assert snapshot(class_folder) == before  # nothing written into the user's folder


def test_grayscale_and_differing_sizes(class_folder):
    with pytest.raises(ValueError, match="different sizes.*image_size"):
        datasets.load(str(class_folder))
    ds = datasets.load_folder(class_folder, image_size=(4, 6), channels=1, batch_size=4)[0]
    assert ds.element_spec.shape.as_list() == [4, 4, 6, 1]


def test_corrupt_files_are_skipped_counted_and_named_once(tmp_path, write_image):
    for i in range(4):
        write_image(tmp_path / f"good{i}.png", _square(100))
    (tmp_path / "broken.png").write_bytes(b"not an image")
    good = (tmp_path / "good0.png").read_bytes()
    (tmp_path / "truncated.png").write_bytes(good[: len(good) // 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, info = datasets.load(str(tmp_path), batch_size=2, with_info=True)
    messages = [str(w.message) for w in caught if "unreadable" in str(w.message)]
    assert len(messages) == 1
    assert "Skipped 2 unreadable image file(s) of 6" in messages[0]
    assert "broken.png" in messages[0] and "truncated.png" in messages[0]
    assert info.num_examples == 4


def test_no_readable_image_fails(tmp_path):
    (tmp_path / "a.png").write_bytes(b"garbage")
    (tmp_path / "b.jpg").write_bytes(b"")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="None of the 2 image file"):
        datasets.load(str(tmp_path))


def test_empty_folder_and_folder_without_images(tmp_path):
    with pytest.raises(ValueError, match=f"'{tmp_path}' is empty.*\\.png \\.jpg"):
        datasets.load(str(tmp_path))
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="1 file\\(s\\) but no images.*notes.txt.*\\.webp"):
        datasets.load_folder(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a directory"):
        datasets.load_folder(tmp_path / "nope")


def test_with_labels_needs_class_folders(tmp_path, write_image):
    write_image(tmp_path / "loose.png", _square(0))
    with pytest.raises(ValueError, match="one sub-folder per class.*loose.png"):
        datasets.load(str(tmp_path), with_labels=True, batch_size=1)


def test_unpaired_folders(tmp_path, write_image):
    for i in range(3):
        write_image(tmp_path / "horses" / f"{i}.png", _square(0))
    for i in range(5):
        write_image(tmp_path / "zebras" / f"{i}.jpg", _square(255))
    ds, info = datasets.load(
        (tmp_path / "horses", tmp_path / "zebras"), batch_size=1, seed=0, with_info=True
    )
    assert info.element == "unpaired" and info.num_examples == 5
    assert info.extras["domain_sizes"] == (3, 5)
    pairs = list(ds)
    assert len(pairs) == 5
    for a, b in pairs:
        assert a.shape == (1, 8, 8, 3) and b.shape == (1, 8, 8, 3)
        assert a.numpy().max() == -1.0 and b.numpy().min() > 0.95


def test_side_by_side_pairs(tmp_path, write_image):
    for i in range(3):
        a = np.zeros((6, 6, 3), np.uint8)
        b = np.full((6, 6, 3), 200 + i * 20, np.uint8)
        write_image(tmp_path / f"{i}.png", np.concatenate([a, b], axis=1))
    ds, info = datasets.load(
        str(tmp_path), paired=True, batch_size=3, shuffle=False, with_info=True
    )
    assert info.element == "paired" and info.image_shape == (6, 6, 3)
    source, target = next(iter(ds))
    assert source.numpy().max() == -1.0
    np.testing.assert_allclose(target.numpy()[:, 0, 0, 0], np.array([200, 220, 240]) / 127.5 - 1)
    reverse = datasets.load_paired_folder(
        tmp_path, direction="b_to_a", batch_size=3, shuffle=False
    )[0]
    np.testing.assert_array_equal(next(iter(reverse))[1].numpy(), source.numpy())


def test_pairs_matched_by_file_name(tmp_path, write_image):
    for i in range(3):
        write_image(tmp_path / "sketch" / f"x{i}.png", np.full((5, 5), 10 * i, np.uint8))
        write_image(tmp_path / "photo" / f"x{i}.bmp", np.full((5, 5, 3), 10 * i + 100, np.uint8))
    write_image(tmp_path / "photo" / "lonely.png", _square(0, 5))
    with pytest.warns(UserWarning, match="1 image file\\(s\\).*no partner"):
        ds = datasets.load(
            (tmp_path / "sketch", tmp_path / "photo"), paired=True, batch_size=3, shuffle=False
        )
    source, target = (t.numpy() for t in next(iter(ds)))
    np.testing.assert_allclose((target - source) * 127.5, 100.0, atol=1e-4)
