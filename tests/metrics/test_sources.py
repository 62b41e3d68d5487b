import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan.metrics.sources import iterate_images


def _count(source, **kwargs):
    return [len(b) for b in iterate_images(source, batch_size=32, **kwargs)]


def test_array_dataset_and_generator_give_the_asked_number(synthetic_digits):
    images, labels = synthetic_digits(70)
    assert _count(images) == [32, 32, 6]
    assert _count(images, num_samples=40) == [32, 8]
    pairs = tf.data.Dataset.from_tensor_slices((images, labels))
    assert _count(pairs.batch(25), num_samples=60) == [25, 25, 10]  # (images, labels) batches
    assert _count(pairs) == [32, 32, 6]  # unbatched elements are batched
    assert _count(lambda n: images[:n], num_samples=50) == [32, 18]


def test_a_model_with_generate_is_called_with_counts():
    class FakeGAN:
        def generate(self, num_samples):
            return np.zeros((num_samples, 8, 8, 1), np.float32)

    assert _count(FakeGAN(), num_samples=33) == [32, 1]


def test_images_outside_the_range_name_both_ranges():
    images = np.linspace(0, 255, 4 * 8 * 8).reshape(4, 8, 8, 1)
    with pytest.raises(ValueError, match=r"\[-1, 1\].*Received: values in \[0, 255\]"):
        list(iterate_images(images))


def test_bad_shapes_and_sources_are_explained():
    with pytest.raises(ValueError, match=r"channels-last .* images\[\.\.\., None\]"):
        list(iterate_images(np.zeros((4, 8, 8))))
    with pytest.raises(ValueError, match="channels-first"):
        list(iterate_images(np.zeros((4, 3, 8, 8))))
    with pytest.raises(ValueError, match="NaN"):
        list(iterate_images(np.full((4, 8, 8, 1), np.nan)))
    with pytest.raises(ValueError, match="num_samples is required"):
        list(iterate_images(lambda n: np.zeros((n, 8, 8, 1))))
    with pytest.raises(TypeError, match="Received: str"):
        list(iterate_images("mnist"))
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(64)])
    with pytest.raises(TypeError, match="bare keras.Model is ambiguous"):
        list(iterate_images(generator, num_samples=4))
