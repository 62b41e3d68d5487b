"""ConditionalGAN: label-conditioned G and D (Mirza & Osindero 2014)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import testing
from keras_gan.models import GAN, ConditionalGAN

SHAPE = (16, 16, 1)


def tiny(**kwargs):
    kwargs = {
        "latent_dim": 8,
        "num_classes": 3,
        "image_shape": SHAPE,
        "base_filters": 4,
        "seed": 1,
        **kwargs,
    }
    model = ConditionalGAN(**kwargs)
    model.compile()
    return model


def labelled(num=16, seed=0):
    images = testing.random_images(SHAPE, num, seed)
    labels = np.random.default_rng(seed).integers(0, 3, num).astype("int32")
    return images, labels


def test_shapes():
    model = tiny()
    z = np.zeros((5, 8), "float32")
    labels = np.array([0, 1, 2, 0, 1], "int32")
    assert tuple(model.generator([z, labels]).shape) == (5, *SHAPE)
    assert tuple(model.discriminator([np.zeros((5, *SHAPE), "float32"), labels]).shape) == (5, 1)
    assert model.generate(labels=labels).shape == (5, *SHAPE)
    assert model.generate(4, seed=0).shape == (4, *SHAPE)  # uniform labels
    assert model.generate(3, labels=2).shape == (3, *SHAPE)


@pytest.fixture(scope="module")
def trained():
    """A model fitted two steps with `check_fit` on a labelled tf.data pipeline."""
    model = tiny()
    images, labels = labelled()
    history = testing.check_fit(
        model, tf.data.Dataset.from_tensor_slices((images, labels)).batch(8)
    )
    assert set(history.history) == {"d_loss", "g_loss"}
    return model


def test_fit_arrays_with_embedding():
    # fit((images, labels)) with a learned label embedding in both networks
    model = tiny(conditioning="embedding")
    assert any("embedding" in v.path for v in model.generator.trainable_variables)
    testing.check_fit(model, labelled(), batch_size=8)


def test_save_load(trained, tmp_path):
    z = np.random.default_rng(0).uniform(-1, 1, (4, 8)).astype("float32")
    restored = testing.check_save_load(trained, str(tmp_path), [z, np.array([0, 1, 2, 1], "int32")])
    assert isinstance(restored, ConditionalGAN) and restored.num_classes == 3


def test_samples_change_with_label(trained):
    # Same z, different labels -> different images; same label -> same image.
    model = trained
    z = np.random.default_rng(1).uniform(-1, 1, (1, 8)).astype("float32")
    z = np.repeat(z, 3, axis=0)
    images = model.generate(latents=z, labels=[0, 1, 2])
    for a in range(3):
        for b in range(a + 1, 3):
            assert np.abs(images[a] - images[b]).max() > 1e-4, (a, b)
    again = model.generate(latents=z, labels=[0, 1, 2])
    np.testing.assert_allclose(again, images, atol=1e-6)


def test_discriminator_sees_the_label():
    # Same image, different label -> different logit: D(x | y) depends on y.
    model = tiny()
    image = np.repeat(testing.random_images(SHAPE, 1), 3, axis=0)
    logits = keras.ops.convert_to_numpy(model.discriminator([image, np.array([0, 1, 2])]))
    assert np.ptp(logits) > 1e-6


@pytest.mark.parametrize(
    "labels, match",
    [
        ([0, 3], r"must lie in \[0, 2\]"),
        ([-1, 0], r"must lie in \[0, 2\]"),
        (np.zeros((2, 2), "int32"), r"shape \(n,\)"),
        ([0.5, 1.0], "integer class indices"),
    ],
)
def test_bad_labels(labels, match):
    model = tiny()
    with pytest.raises(ValueError, match=match):
        model.generate(labels=labels)


def test_label_count_mismatch():
    with pytest.raises(ValueError, match="got 2 labels for 3 samples"):
        tiny().generate(3, labels=[0, 1])


def test_data_without_labels():
    model = tiny()
    images, labels = labelled()
    with pytest.raises(ValueError, match="conditional.*Received: a dataset"):
        model.fit(tf.data.Dataset.from_tensor_slices(images).batch(8), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="conditional.*Received: an array"):
        model.fit(images, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"must lie in \[0, 2\]"):
        model.fit((images, labels + 3), batch_size=8, epochs=1, verbose=0)


def test_unconditional_gan_rejects_labels():
    gan = GAN(latent_dim=4, sample_shape=(4,))
    with pytest.raises(ValueError, match="GAN is unconditional.*labels"):
        gan.generate(2, labels=[0, 1])


def test_parity(parity_dir):
    model = tiny()
    testing.set_deterministic_weights(model)
    with testing.portable_random():
        logs = testing.step_logs(model, labelled(8), steps=3)
    testing.check_parity("cgan", logs, parity_dir)
