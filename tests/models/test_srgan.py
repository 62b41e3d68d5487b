"""SRGAN: shapes, sub-pixel convolution, the perceptual loss, the MSE pretraining phase, checks."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan import testing
from keras_gan.models import SRGAN
from keras_gan.models.srgan import VGG_RESCALE
from keras_gan.networks.srresnet import PixelShuffle, srresnet_generator


def _pairs(num=8, size=16, scale=4, seed=0):
    high = testing.random_images((size, size, 1), num, seed)
    low = high.reshape(num, size // scale, scale, size // scale, scale, 1).mean(axis=(2, 4))
    return low.astype("float32"), high


def _model(**kwargs):
    options = dict(
        image_shape=(16, 16, 1),
        num_blocks=2,
        filters=8,
        discriminator_filters=4,
        dense_units=8,
        content_loss="mse",
        seed=1,
    )
    options.update(kwargs)
    model = SRGAN(**options)
    # Tiny networks: an uncompiled step is faster than an XLA compilation on a shared CPU.
    model.compile(jit_compile=False)
    return model


def test_pixel_shuffle_matches_hand_built_example():
    # 1x1 image, 8 channels, r=2 -> 2x2 image, 2 channels.
    # depth_to_space: output (i, j, k) = input channel (i * 2 + j) * 2 + k.
    x = np.arange(8, dtype="float32").reshape(1, 1, 1, 8)
    expected = np.array([[[0, 1], [2, 3]], [[4, 5], [6, 7]]], dtype="float32").reshape(1, 2, 2, 2)
    out = ops.convert_to_numpy(PixelShuffle(2)(x))
    np.testing.assert_array_equal(out, expected)
    # A larger example agrees with keras.ops.depth_to_space (tf.nn.depth_to_space's order).
    x = np.random.default_rng(0).normal(size=(2, 3, 5, 12)).astype("float32")
    np.testing.assert_allclose(
        ops.convert_to_numpy(PixelShuffle(2)(x)),
        ops.convert_to_numpy(ops.depth_to_space(x, 2)),
    )


def test_generator_architecture():
    generator = srresnet_generator((7, 7, 3), scale=4, num_blocks=16, filters=64)
    assert generator.output_shape == (None, 28, 28, 3)
    blocks = [
        layer
        for layer in generator.layers
        if layer.name.startswith("block") and layer.name.endswith("_skip")
    ]
    assert len(blocks) == 16
    assert [l.scale for l in generator.layers if isinstance(l, PixelShuffle)] == [2, 2]
    with pytest.raises(ValueError, match="power of two"):
        srresnet_generator((7, 7, 1), scale=3)


def test_discriminator_architecture():
    model = SRGAN(image_shape=(32, 32, 3), content_loss="mse")
    convs = [l for l in model.discriminator.layers if isinstance(l, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [c.strides[0] for c in convs] == [1, 2] * 4
    dense = [l for l in model.discriminator.layers if isinstance(l, keras.layers.Dense)]
    assert [d.units for d in dense] == [1024, 1]
    adam = model.default_optimizers()["g_optimizer"]
    assert np.isclose(float(adam.learning_rate), 1e-4) and np.isclose(adam.beta_1, 0.9)


def test_fit_and_save_load(tmp_path):
    model = _model()
    low, high = _pairs()
    history = testing.check_fit(model, (low, high), batch_size=4)
    assert set(history.history) >= {
        "d_loss",
        "g_loss",
        "content_mse",
        "adversarial_loss",
        "pixel_mse",
    }
    restored = testing.check_save_load(model, str(tmp_path), low[:2])
    assert restored.generate(low).shape == (8, 16, 16, 1)


def test_perceptual_loss_combines_content_and_adversarial_terms():
    model = _model(adversarial_weight=0.5)
    low, high = _pairs(num=4)
    model.fit((low, high), batch_size=4, epochs=1, verbose=0)
    logs = {k: float(ops.convert_to_numpy(m.result())) for k, m in model._trackers.items()}
    # g_loss = l_X + w * l_Gen, each the value before the generator update
    np.testing.assert_allclose(
        logs["g_loss"], logs["content_mse"] + 0.5 * logs["adversarial_loss"], rtol=1e-5
    )
    # with content_loss="mse" the content loss is the pixel MSE
    np.testing.assert_allclose(logs["content_mse"], logs["pixel_mse"], rtol=1e-5)


def test_feature_network_content_loss():
    inputs = keras.Input((16, 16, 1))
    features = keras.Model(inputs, keras.layers.Conv2D(3, 3)(inputs), name="local_features")
    model = _model(content_loss=features)
    low, high = _pairs(num=4)
    frozen = testing.snapshot(features.weights)
    history = model.fit((low, high), batch_size=4, epochs=1, verbose=0)
    assert "content_local_features" in history.history
    assert testing.changed(frozen, features.weights) == 0  # the feature space stays fixed
    sr = model.generator(low)
    expected = np.mean(
        (ops.convert_to_numpy(features(sr)) - ops.convert_to_numpy(features(high))) ** 2
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(model.content_loss_value(sr, high)), expected, rtol=1e-5
    )


def test_vgg_without_weights_says_what_to_use(monkeypatch):
    def offline(**kwargs):
        raise OSError("URL fetch failure")

    monkeypatch.setattr(keras.applications, "VGG19", offline)
    with pytest.raises(ValueError, match="content_loss='mse'"):
        SRGAN(image_shape=(16, 16, 1), num_blocks=1, filters=4, content_loss="vgg54")
    assert np.isclose(VGG_RESCALE, 1 / 12.75)


def test_pretraining_phase_trains_only_the_generator_on_mse():
    model = _model(pretrain_steps=2)
    low, high = _pairs(num=8)
    d_before = testing.snapshot(model.discriminator.trainable_variables)
    g_before = testing.snapshot(model.generator.trainable_variables)
    mse_before = np.mean((model.generate(low) - high) ** 2)
    history = model.pretrain((low, high), steps=2, batch_size=4, verbose=0)
    assert list(history.history) == ["pixel_mse"]
    assert testing.changed(d_before, model.discriminator.trainable_variables) == 0
    assert testing.changed(g_before, model.generator.trainable_variables) > 0
    assert int(ops.convert_to_numpy(model.pretrained_steps)) == 2
    # fit() sees the pretraining done and goes straight to the adversarial game
    history = model.fit((low, high), batch_size=4, epochs=1, steps_per_epoch=1, verbose=0)
    assert "d_loss" in history.history
    assert int(ops.convert_to_numpy(model.pretrained_steps)) == 2
    assert testing.changed(d_before, model.discriminator.trainable_variables) > 0
    assert np.isfinite(mse_before)


def test_fit_runs_pending_pretraining_first():
    model = _model(pretrain_steps=1)
    low, high = _pairs(num=4)
    model.fit((low, high), batch_size=4, epochs=1, verbose=0)
    assert int(ops.convert_to_numpy(model.pretrained_steps)) == 1
    assert int(ops.convert_to_numpy(model.optimizer.iterations)) == 2  # 1 MSE + 1 adversarial


def test_pretraining_on_a_dataset_raises_no_keras_shuffle_warning():
    import warnings

    import tensorflow as tf

    model = _model(pretrain_steps=1)
    low, high = _pairs(num=4)
    data = tf.data.Dataset.from_tensor_slices((low, high)).batch(4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data, epochs=1, steps_per_epoch=1, verbose=0)
    assert int(ops.convert_to_numpy(model.pretrained_steps)) == 1
    assert not [w for w in caught if "shuffle=True" in str(w.message)]


def test_bad_inputs():
    with pytest.raises(ValueError, match="divisible by 4"):
        SRGAN(image_shape=(30, 30, 1), content_loss="mse")
    with pytest.raises(ValueError, match="content_loss"):
        SRGAN(image_shape=(16, 16, 1), num_blocks=1, filters=4, content_loss="l1")
    model = _model()
    low, high = _pairs(num=4)
    with pytest.raises(ValueError, match="times 4"):
        model.fit((low[:, :2, :2], high), batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="pairs"):
        model.fit(high, batch_size=4, verbose=0)


def test_first_steps_agree_across_backends(parity_dir):
    # Identical weights, data and (portable) random draws give the same first three steps
    # (content loss, adversarial terms, both optimizers) on every backend.
    with testing.portable_random():
        model = _model(seed=3)
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, _pairs(4), steps=3)
    testing.check_parity("srgan", logs, parity_dir)
