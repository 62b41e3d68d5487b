"""The `load` entry point: contract, info, bad input, and that fit() consumes it on this backend."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import datasets


def test_digits_contract():
    ds, info = datasets.load("digits", batch_size=32, with_labels=True, seed=0, with_info=True)
    images_spec, labels_spec = ds.element_spec
    assert images_spec.shape.as_list() == [32, 8, 8, 1] and images_spec.dtype == tf.float32
    assert labels_spec.shape.as_list() == [32] and labels_spec.dtype == tf.int32
    assert (info.num_examples, info.num_classes, info.image_shape) == (1797, 10, (8, 8, 1))
    assert info.steps_per_epoch == 1797 // 32 == sum(1 for _ in ds)
    images, labels = next(iter(ds))
    assert -1.0 <= images.numpy().min() < -0.99 and 0.99 < images.numpy().max() <= 1.0
    # 17 grey levels, scaled exactly: 0..16 -> 0..255 -> [-1, 1].
    levels = np.unique(np.round((images.numpy() + 1) * 127.5))
    assert set(levels) <= {round(v * 255 / 16) for v in range(17)}
    assert set(labels.numpy()) <= set(range(10))


def test_image_size_and_channels():
    ds = datasets.load("digits", batch_size=16, image_size=(28, 20), channels=3)
    assert ds.element_spec.shape.as_list() == [16, 28, 20, 3]
    batch = next(iter(ds)).numpy()
    np.testing.assert_array_equal(batch[..., 0], batch[..., 2])  # grey replicated to RGB


def test_drop_remainder_false_keeps_every_example():
    ds, info = datasets.load(
        "digits", batch_size=500, drop_remainder=False, shuffle=False, with_info=True
    )
    sizes = [int(b.shape[0]) for b in ds]
    assert sizes == [500, 500, 500, 297] and info.steps_per_epoch == 4


def test_seeded_shuffle_is_reproducible():
    first = [b.numpy() for b in datasets.load("digits", batch_size=64, seed=5).take(2)]
    again = [b.numpy() for b in datasets.load("digits", batch_size=64, seed=5).take(2)]
    other = next(iter(datasets.load("digits", batch_size=64, seed=6))).numpy()
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other)


def test_info_matches_load():
    info = datasets.info("digits", image_size=16, batch_size=100)
    assert info.image_shape == (16, 16, 1) and info.steps_per_epoch == 17


def test_unknown_name_suggests_nearest():
    with pytest.raises(ValueError) as error:
        datasets.load("mnsit")
    message = str(error.value)
    assert "Unknown dataset 'mnsit'" in message and "Did you mean 'mnist'?" in message
    assert "fashion_mnist" in message and "any tensorflow-datasets name also works" in message


@pytest.mark.parametrize("image_size", [0, -3, (28,), (28, 0), 2.5, "28", True])
def test_invalid_image_size(image_size):
    with pytest.raises(ValueError, match="image_size"):
        datasets.load("digits", image_size=image_size)


@pytest.mark.parametrize("channels", [0, 2, 4, "rgb"])
def test_invalid_channels(channels):
    with pytest.raises(ValueError, match=f"channels={channels!r}"):
        datasets.load("digits", channels=channels)


def test_invalid_batch_size_and_too_big_batch():
    with pytest.raises(ValueError, match="batch_size=0"):
        datasets.load("digits", batch_size=0)
    with pytest.raises(ValueError, match="1797 examples, fewer than batch_size=2000"):
        datasets.load("digits", batch_size=2000)


def test_unexpected_option():
    with pytest.raises(TypeError, match="does not take option"):
        datasets.load("digits", scale=2)


class TinyModel(keras.Model):
    """A subclassed model with a custom train_step, as the GAN variants are."""

    def __init__(self):
        super().__init__()
        self.flatten = keras.layers.Flatten()
        self.dense = keras.layers.Dense(64)

    def call(self, x):
        return self.dense(self.flatten(x))


def test_fit_consumes_a_batch_on_this_backend():
    ds = datasets.load("digits", batch_size=32, seed=0)
    model = TinyModel()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(
        ds.map(lambda x: (x, tf.reshape(x, (32, 64)))), epochs=1, steps_per_epoch=1, verbose=0
    )
    assert np.isfinite(history.history["loss"][0])
    assert model.dense.kernel.shape == (64, 64)
