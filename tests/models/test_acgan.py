"""ACGAN: generator G(z, c), discriminator with source and auxiliary class heads (Odena et al. 2017)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import testing
from keras_gan.models import ACGAN
from keras_gan.models.acgan import class_loss
from keras_gan.networks import dcgan_discriminator

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
    model = ACGAN(**kwargs)
    model.compile()
    return model


def labelled(num=16, seed=0):
    images = testing.random_images(SHAPE, num, seed)
    labels = np.random.default_rng(seed).integers(0, 3, num).astype("int32")
    return images, labels


@pytest.fixture(scope="module")
def trained():
    model = tiny()
    history = testing.check_fit(model, tf.data.Dataset.from_tensor_slices(labelled()).batch(8))
    assert set(history.history) == {"d_loss", "g_loss", "class_loss_real", "class_loss_fake"}
    return model


def test_shapes():
    model = tiny()
    source, classes = model.discriminator(np.zeros((5, *SHAPE), "float32"))
    assert tuple(source.shape) == (5, 1) and tuple(classes.shape) == (5, 3)
    assert model.generate(labels=[0, 1, 2]).shape == (3, *SHAPE)
    assert model.classify(np.zeros((4, *SHAPE), "float32")).shape == (4, 3)


def test_save_load(trained, tmp_path):
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    restored = testing.check_save_load(trained, str(tmp_path), [z, np.array([0, 1, 2, 1], "int32")])
    assert isinstance(restored, ACGAN) and restored.dropout == 0.5


def test_samples_change_with_label(trained):
    z = np.repeat(np.random.default_rng(1).normal(size=(1, 8)).astype("float32"), 3, axis=0)
    images = trained.generate(latents=z, labels=[0, 1, 2])
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert np.abs(images[a] - images[b]).max() > 1e-4


def test_class_loss_by_hand():
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0]], "float32")
    labels = np.array([0, 2])
    # -log softmax(logits)[label], averaged
    log_z = np.log(np.exp(logits).sum(axis=1))
    expected = np.mean(log_z - logits[[0, 1], labels])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(class_loss(labels, logits)), expected, rtol=1e-6
    )


def test_d_loss_is_source_plus_both_class_losses():
    # One step's d_loss = -L_S - L_C = source loss + class loss (real) + class loss (fake),
    # and the source loss of a binary discriminator is positive.
    model = tiny(dropout=0.0)
    (logs,) = testing.step_logs(model, labelled(8), steps=1)
    source = logs["d_loss"] - logs["class_loss_real"] - logs["class_loss_fake"]
    # an untrained D (logits near 0) has source loss near 2 log 2 and class losses near log 3
    np.testing.assert_allclose(source, 2 * np.log(2), rtol=0.05)
    np.testing.assert_allclose(logs["class_loss_real"], np.log(3), rtol=0.05)


def test_class_loss_falls_on_separable_data():
    # Two clearly different classes (bright top half vs bright bottom half): the auxiliary
    # classifier's loss on real data falls within a few steps.
    n = 32
    labels = np.arange(n) % 2
    images = np.full((n, *SHAPE), -0.9, "float32")
    images[labels == 0, :8] = 0.9
    images[labels == 1, 8:] = 0.9
    model = ACGAN(
        latent_dim=8, num_classes=2, image_shape=SHAPE, base_filters=4, dropout=0.0, seed=0
    )
    model.compile(keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5))
    logs = testing.step_logs(model, (images, labels.astype("int32")), steps=12)
    first, last = logs[0]["class_loss_real"], logs[-1]["class_loss_real"]
    assert first > 0.5 * np.log(2), first
    assert last < 0.5 * first, [round(l["class_loss_real"], 3) for l in logs]


def test_bad_input():
    model = tiny()
    with pytest.raises(ValueError, match=r"must lie in \[0, 2\]"):
        model.generate(labels=[1, 5])
    with pytest.raises(ValueError, match=r"shape \(n,\)"):
        model.generate(labels=np.zeros((2, 3), "int32"))
    images, labels = labelled()
    with pytest.raises(ValueError, match="conditional.*Received: a dataset"):
        model.fit(tf.data.Dataset.from_tensor_slices(images).batch(8), verbose=0)
    with pytest.raises(ValueError, match="must output \\[source_logits"):
        ACGAN(
            discriminator=dcgan_discriminator(SHAPE, 4),
            latent_dim=8,
            num_classes=3,
            image_shape=SHAPE,
        )


def test_parity(parity_dir):
    # Dropout is not covered by portable_random: the parity model has none.
    model = tiny(dropout=0.0)
    testing.set_deterministic_weights(model)
    with testing.portable_random():
        logs = testing.step_logs(model, labelled(8), steps=3)
    testing.check_parity("acgan", logs, parity_dir)
