"""Captions describe their images, and the vocabulary encodes them."""

import numpy as np
import pytest

from keras_gan import datasets
from keras_gan.datasets import captions


def test_vocabulary_round_trip_unknown_and_padding():
    vocab = datasets.DIGIT_VOCABULARY
    ids = vocab.encode(["a thick seven", "a zebra 7"], max_len=6)
    assert ids.dtype == np.int32 and ids.shape == (2, 6)
    assert vocab.decode(ids[0]) == "a thick seven"
    assert ids[1, 1] == vocab.unknown_id == 1 and ids[1, 2] == vocab.encode("7")[0]
    assert (ids[0, 3:] == vocab.pad_id).all() and vocab.pad_id == 0
    assert vocab.vocabulary_size == len(vocab.words)
    restored = captions.Vocabulary.from_config(vocab.get_config())
    np.testing.assert_array_equal(
        restored.encode("a small slanted 7"), vocab.encode("a small slanted 7")
    )


def _stroke(thickness, shear=0.0, length=12, size=28):
    """A vertical bar of given thickness, sheared so its top leans right by `shear` per row."""
    image = np.zeros((size, size), np.uint8)
    top = (size - length) // 2
    for row in range(top, top + length):
        centre = size // 2 + shear * (top + length / 2 - row)
        left = int(round(centre - thickness / 2))
        image[row, left : left + thickness] = 255
    return image


def test_measures_on_known_shapes():
    images = np.stack([_stroke(1), _stroke(4), _stroke(2, shear=0.5), _stroke(2, shear=-0.5)])
    m = captions.measure_digits(images)
    assert m["thickness"][1] > 2.5 * m["thickness"][0]
    np.testing.assert_allclose(m["thickness"][:2], [2 * 12 / 26, 2 * 48 / 32])
    assert m["slant"][2] > 0.4 and m["slant"][3] < -0.4 and abs(m["slant"][0]) < 1e-9
    assert m["size"][0] < m["size"][1]


def test_captions_follow_measured_properties():
    thin, thick = _stroke(1), _stroke(5)
    right, left = _stroke(2, shear=0.6), _stroke(2, shear=-0.6)
    images = np.stack([thin, thick, right, left] * 25)
    labels = np.array([1, 1, 7, 7] * 25)
    texts, measures, thresholds = captions.caption_digits(images, labels, seed=0)
    for i, text in enumerate(texts):
        assert captions.named_digit(text) == labels[i], text
        named = captions.named_properties(text)
        if i % 4 == 0:
            assert named.get("thickness") in (None, "low"), text
        if i % 4 == 1:
            assert named.get("thickness") in (None, "high"), text
        if i % 4 == 2:
            assert named.get("slant") in (None, "high"), text
        if i % 4 == 3:
            assert named.get("slant") in (None, "low"), text
    # Properties are actually named, with varied wording.
    assert sum("thin" in t for t in texts[0::4]) >= 10
    assert sum("leaning left" in t for t in texts[3::4]) >= 10
    assert len(set(texts)) > 20


def test_captioned_dataset_describes_each_image():
    ds, info = datasets.load(
        "mnist_captions", source="digits", batch_size=256, with_labels=True, seed=1,
        with_info=True,
    )  # fmt: skip
    assert info.element == "captions" and info.vocabulary is datasets.DIGIT_VOCABULARY
    images, ids, labels = next(iter(ds))
    assert images.shape == (256, 28, 28, 1) and ids.shape == (256, 12) and ids.dtype == "int32"
    measured = captions.measure_digits(images.numpy())
    level = captions.levels(measured, info.extras["thresholds"])
    named_any = 0
    for i, text in enumerate(info.vocabulary.decode(ids.numpy())):
        assert captions.named_digit(text) == int(labels[i]), text
        for key, said in captions.named_properties(text).items():
            assert level[key][i] == said, (
                text,
                key,
                measured[key][i],
                info.extras["thresholds"][key],
            )
            named_any += 1
    assert named_any > 100


@pytest.mark.parametrize("text", ["a thick 7", "an eight"])
def test_generate_style_encoding(text):
    ids = datasets.DIGIT_VOCABULARY.encode([text])
    assert ids.shape == (1, 12) and datasets.DIGIT_VOCABULARY.unknown_id not in ids
