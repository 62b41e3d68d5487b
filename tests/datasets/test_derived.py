"""Sets derived from real digits (scikit-learn's digits here; MNIST in test_tfds_offline.py)."""

import warnings

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import datasets
from keras_gan.datasets import derived


def _uint8(batch):
    return np.round((batch.numpy() + 1.0) * 127.5).astype(np.uint8)


def test_sklearn_digits_are_the_real_ones():
    from sklearn.datasets import load_digits

    images, labels, source = derived.digit_images("digits", image_size=None)
    bunch = load_digits()
    assert source == "digits" and images.shape == (1797, 8, 8)
    np.testing.assert_array_equal(images, np.round(bunch.images * 255 / 16))
    np.testing.assert_array_equal(labels, bunch.target)


def test_auto_source_falls_back_to_digits_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_GAN_DATA_DIR", raising=False)
    with pytest.warns(UserWarning, match="scikit-learn's\\s+8x8 digits"):
        _, _, source = derived.digit_images("auto", data_dir=str(tmp_path))
    assert source == "digits"


def test_stacked_mnist_channels_and_labels():
    indices, labels = derived.stack_digits(np.arange(10) % 10, 2000, seed=1)
    np.testing.assert_array_equal(labels, 100 * indices[:, 0] + 10 * indices[:, 1] + indices[:, 2])
    assert len(np.unique(labels)) > 850  # 1000 modes, ~864 seen in 2000 draws

    ds, info = datasets.load(
        "stacked_mnist", source="digits", num_examples=256, batch_size=128, with_labels=True,
        shuffle=False, seed=2, with_info=True,
    )  # fmt: skip
    assert info.num_classes == 1000 and info.image_shape == (28, 28, 3)
    assert info.extras["source"] == "digits"
    images, labels = next(iter(ds))
    assert images.shape == (128, 28, 28, 3) and labels.dtype == tf.int32
    digits, digit_labels, _ = derived.digit_images("digits")
    expected_idx, expected_labels = derived.stack_digits(digit_labels, 256, seed=2)
    np.testing.assert_array_equal(labels.numpy(), expected_labels[:128])
    for k in range(3):  # channel k is the digit whose label is the k-th decimal digit
        np.testing.assert_array_equal(_uint8(images)[..., k], digits[expected_idx[:128, k]])
        np.testing.assert_array_equal(
            digit_labels[expected_idx[:128, k]], labels.numpy() // 10 ** (2 - k) % 10
        )


def test_edges_outline_the_digit():
    ds, info = datasets.load("mnist_edges", source="digits", batch_size=32, seed=0, with_info=True)
    assert info.element == "paired" and info.image_shape == info.source_shape == (28, 28, 1)
    edges, digits = (_uint8(t)[..., 0] for t in next(iter(ds)))
    assert set(np.unique(edges)) == {0, 255}
    ink = np.pad(digits > 127, ((0, 0), (1, 1), (1, 1)))
    core = ink[:, 1:-1, 1:-1]
    touches_paper = ~(ink[:, :-2, 1:-1] & ink[:, 2:, 1:-1] & ink[:, 1:-1, :-2] & ink[:, 1:-1, 2:])
    np.testing.assert_array_equal(edges == 255, core & touches_paper)
    # An outline, not a filled digit: fewer edge pixels than ink pixels, but some on every image.
    assert ((edges == 255).sum(axis=(1, 2)) < core.sum(axis=(1, 2))).all()
    assert ((edges == 255).sum(axis=(1, 2)) > 0).all()


def test_colour_keeps_the_digit_in_its_brightest_channel():
    ds, info = datasets.load("mnist_colour", source="digits", batch_size=16, with_info=True)
    grey, colour = (_uint8(t) for t in next(iter(ds)))
    assert grey.shape == colour.shape == (16, 28, 28, 3)
    np.testing.assert_array_equal(grey[..., 0], grey[..., 1])
    np.testing.assert_allclose(colour.max(axis=-1), grey[..., 0], atol=1)
    assert colour.std(axis=-1).max() > 50  # really coloured


def test_negative_pairs_are_exact_negatives_and_every_pair_set_has_its_transform():
    ds, info = datasets.load("mnist_negative", source="digits", batch_size=16, with_info=True)
    assert info.element == "paired" and info.image_shape == info.source_shape == (28, 28, 1)
    digits, negatives = next(iter(ds))
    # 255 - x in uint8 is -x in [-1, 1]
    np.testing.assert_allclose(negatives.numpy(), -digits.numpy(), atol=1e-6)
    # The known transform of each pair set maps one side of a pair onto the other.
    for name in ("mnist_edges", "mnist_negative", "mnist_colour"):
        pair = [_uint8(t) for t in next(iter(datasets.load(name, source="digits", batch_size=8)))]
        from_side, to_side, transform = derived.pair_transform(name)
        np.testing.assert_allclose(transform(pair[from_side]), pair[to_side], atol=1, err_msg=name)
    with pytest.raises(ValueError, match="known transform.*Received: 'mnist_superres'"):
        derived.pair_transform("mnist_superres")


def test_superres_pairs_and_scale_check():
    ds, info = datasets.load(
        "mnist_superres", source="digits", scale=2, batch_size=8, with_info=True
    )
    assert info.source_shape == (14, 14, 1) and info.image_shape == (28, 28, 1)
    low, high = next(iter(ds))
    expected = tf.image.resize(_uint8(high).astype(np.float32), (14, 14), antialias=True)
    np.testing.assert_allclose(_uint8(low), np.round(expected.numpy()), atol=1)
    with pytest.raises(ValueError, match="28x28 is not divisible by scale=3"):
        datasets.load("mnist_superres", source="digits", scale=3)


def test_unpaired_derived_domains():
    ds, info = datasets.load(
        "mnist_colour", source="digits", paired=False, batch_size=64, seed=0, with_info=True
    )
    assert info.element == "unpaired"
    grey, colour = (_uint8(t) for t in next(iter(ds)))
    # Different digits on each side: the colour image is not the grey one painted.
    assert np.mean(np.abs(colour.max(axis=-1).astype(int) - grey[..., 0]) > 10) > 0.1


def test_no_warning_with_explicit_source():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        datasets.load("mnist_edges", source="digits")


def test_a_second_load_reuses_the_resized_digits_and_gives_the_same_pairs():
    # A run loads its dataset several times; the digits are resized once per process.
    derived._resized_digits.cache_clear()
    first = datasets.load("mnist_edges", source="digits", image_size=16, batch_size=4, seed=3)
    second = datasets.load("mnist_edges", source="digits", image_size=16, batch_size=4, seed=3)
    assert derived._resized_digits.cache_info().misses == 1
    for a, b in zip(next(iter(first)), next(iter(second))):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    resized, _, _ = derived._sized_digits(
        "mnist_edges", "digits", "train", 16, None, example_bytes=lambda h, w: h * w,
        copies=1, stream={"batch_size": 4, "shuffle": True},
    )  # fmt: skip
    assert resized.shape[1:] == (16, 16) and not resized.flags.writeable  # shared: read-only


def test_attributes_are_their_known_transforms_in_a_fixed_order():
    digit = np.zeros((1, 6, 6), np.uint8)
    digit[0, 2:4, 2:4] = 200
    # thick: the 3x3 maximum grows the 2x2 square to 4x4
    thick = derived.thicken(digit)[0]
    assert (thick[1:5, 1:5] == 200).all() and thick.sum() == 16 * 200
    names = derived.ATTRIBUTES
    assert names == ("thick", "outline", "negative")
    every = derived.apply_attributes(digit, [[1, 1, 1]])[0]
    # thick, then the outline of the 4x4 square (its 12 border pixels), then the negative
    outline = derived.edge_maps(derived.thicken(digit))[0]
    assert (outline == 255).sum() == 12
    np.testing.assert_array_equal(every, 255 - outline)
    np.testing.assert_array_equal(derived.apply_attributes(digit, [[0, 0, 0]]), digit)
    # columns are matched by name, whatever their order
    np.testing.assert_array_equal(
        derived.apply_attributes(digit, [[1, 0]], names=("negative", "thick")),
        derived.apply_attributes(digit, [[0, 0, 1]]),
    )
    with pytest.raises(ValueError, match="0/1 of shape"):
        derived.apply_attributes(digit, [[1, 0]])
    with pytest.raises(ValueError, match="0/1 of shape"):
        derived.apply_attributes(digit, [[2, 0, 0]])
    with pytest.raises(ValueError, match="thick, outline, negative.*'blurred'"):
        derived.check_attribute_names("thick,blurred")
    with pytest.raises(ValueError, match="distinct"):
        derived.check_attribute_names(["thick", "thick"])


def test_attribute_set_yields_each_digit_with_its_attributes():
    ds, info = datasets.load(
        "mnist_attributes", source="digits", batch_size=1797, shuffle=False, seed=3,
        with_info=True,
    )  # fmt: skip
    assert info.element == "images_attributes" and info.attribute_names == derived.ATTRIBUTES
    images, attributes = next(iter(ds))
    assert images.shape == (1797, 28, 28, 1) and attributes.dtype == tf.float32
    attributes = attributes.numpy()
    # fair coins: each attribute on for about half the digits, the 8 domains all present
    assert np.all(np.abs(attributes.mean(axis=0) - 0.5) < 0.05)
    assert len(np.unique(attributes, axis=0)) == 8
    digits, _, _ = derived.digit_images("digits", image_size=28)
    expected = derived.apply_attributes(digits, attributes)
    np.testing.assert_allclose(_uint8(images)[..., 0], expected, atol=1)
    np.testing.assert_array_equal(info.extras["digit_labels"], derived.digit_images("digits")[1])
    two = datasets.info("mnist_attributes", source="digits", attributes="negative,thick")
    assert two.attribute_names == ("thick", "negative")
    with pytest.raises(ValueError, match="with_labels"):
        datasets.load("mnist_attributes", source="digits", with_labels=True)
    with pytest.raises(TypeError, match="does not take option"):
        datasets.load("mnist_attributes", source="digits", paired=False)


def test_attribute_groups_are_disjoint_datasets_with_a_mask_vector():
    # StarGAN's training on datasets with different labels: [c_1, c_2, m] per digit.
    ds, info = datasets.load(
        "mnist_attributes", source="digits", attributes="negative+outline,thick", seed=3,
        batch_size=1797, shuffle=False, with_info=True,
    )  # fmt: skip
    assert info.attribute_groups == (("negative",), ("thick", "outline"))
    assert info.attribute_names == ("negative", "thick", "outline")
    images, labels = next(iter(ds))
    labels = labels.numpy()
    assert labels.shape == (1797, 5)
    mask = labels[:, 3:]
    # digit i belongs to dataset i mod 2 and has labels for its own dataset's columns only
    np.testing.assert_array_equal(mask.argmax(1), np.arange(1797) % 2)
    np.testing.assert_array_equal(mask.sum(1), 1)
    assert not labels[mask[:, 0] == 1][:, 1:3].any() and not labels[mask[:, 1] == 1][:, 0].any()
    # each dataset has its own domains: 2 in the first, 4 in the second
    assert len(np.unique(labels[mask[:, 0] == 1], axis=0)) == 2
    assert len(np.unique(labels[mask[:, 1] == 1], axis=0)) == 4
    digits, _, _ = derived.digit_images("digits", image_size=28)
    expected = derived.apply_attributes(digits, labels[:, :3], info.attribute_names)
    np.testing.assert_allclose(_uint8(images)[..., 0], expected, atol=1)
    for wrong, message in (
        ("thick+thick", "one group only"),
        ("thick+", "one or more distinct"),
        ("thick+blurred", "one or more distinct"),
    ):
        with pytest.raises(ValueError, match=message):
            datasets.load("mnist_attributes", source="digits", attributes=wrong)
