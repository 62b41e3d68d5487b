"""SAGAN (Zhang et al. 2019): self-attention, conditional batch norm, the projection head."""

import keras
import numpy as np
import pytest

from keras_gan import testing
from keras_gan.models import SAGAN
from keras_gan.networks.sagan import (
    ClassProjection,
    ConditionalBatchNormalization,
    SelfAttention,
    projection_score,
    sagan_discriminator,
    sagan_generator,
)
from keras_gan.networks.sngan import SpectralNormalization

SHAPE = (16, 16, 1)


def tiny(**kwargs):
    kwargs = {
        "image_shape": SHAPE,
        "num_classes": 3,
        "latent_dim": 8,
        "base_filters": 8,
        "seed": 1,
        **kwargs,
    }
    model = SAGAN(**kwargs)
    model.compile()
    return model


def labelled(num=16, seed=0):
    images = testing.random_images(SHAPE, num, seed)
    labels = np.random.default_rng(seed).integers(0, 3, num).astype("int32")
    return images, labels


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def kernel(layer):
    return numpy(layer.kernel)[0, 0]  # a 1x1 convolution's (in, out) matrix


def max_pool(x):
    b, h, w, c = x.shape
    return x.reshape(b, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def test_self_attention_matches_a_numpy_computation():
    x = np.random.default_rng(0).normal(size=(2, 4, 6, 16)).astype("float32")
    layer = SelfAttention(spectral_norm=False, seed=0)
    np.testing.assert_allclose(numpy(layer(x)), x, atol=1e-6)  # gamma starts at 0: y = x
    layer.gain.assign(0.7)
    # f, g at C/8 = 2 channels, h at C/2 = 8; g and h max-pooled 2x2: 24 queries, 6 keys
    f = x.reshape(2, 24, 16) @ kernel(layer.query)
    g = max_pool(x @ kernel(layer.key)).reshape(2, 6, 2)
    h = max_pool(x @ kernel(layer.value)).reshape(2, 6, 8)
    s = f @ g.transpose(0, 2, 1)
    beta = np.exp(s - s.max(-1, keepdims=True))
    beta /= beta.sum(-1, keepdims=True)
    o = (beta @ h).reshape(2, 4, 6, 8) @ kernel(layer.output_conv)
    np.testing.assert_allclose(numpy(layer.attention(x)), beta, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(numpy(layer(x)), x + 0.7 * o, rtol=1e-5, atol=1e-5)
    assert layer.gain.trainable and layer.query.kernel.shape == (1, 1, 16, 2)


def test_self_attention_is_spectrally_normalised_and_saved(tmp_path):
    x = np.random.default_rng(1).normal(size=(2, 4, 4, 8)).astype("float32")
    inputs = keras.Input((4, 4, 8))
    model = keras.Model(inputs, SelfAttention(seed=3, name="attention")(inputs))
    attention = model.get_layer("attention")
    assert all(
        isinstance(getattr(attention, name), SpectralNormalization)
        for name in ("query", "key", "value", "output_conv")
    )
    attention.gain.assign(0.5)
    path = tmp_path / "attention.keras"
    model.save(path)
    np.testing.assert_allclose(
        numpy(keras.saving.load_model(path)(x)), numpy(model(x)), rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize(
    "kwargs, shape, match",
    [
        ({}, (2, 5, 4, 8), "divisible by it. Received: 5x4"),
        ({"pool_size": 0}, (2, 4, 4, 8), "pool_size` must be a positive integer"),
        ({"key_ratio": 2.5}, (2, 4, 4, 8), "key_ratio` must be a positive integer"),
        ({}, (2, 8), r"feature maps \(batch, height, width, channels\)"),
    ],
)
def test_self_attention_refuses_what_it_cannot_attend_over(kwargs, shape, match):
    with pytest.raises(ValueError, match=match):
        SelfAttention(**kwargs)(np.zeros(shape, "float32"))


def test_conditional_batch_norm_uses_each_samples_class_gain_and_bias():
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(6, 2, 2, 4)).astype("float32")
    labels = np.array([0, 1, 2, 2, 1, 0], "int32")
    layer = ConditionalBatchNormalization(3)
    np.testing.assert_allclose(  # gains 1, biases 0: plain batch normalisation
        numpy(layer([x, labels], training=True)),
        (x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + 1e-5),
        rtol=1e-4,
        atol=1e-4,
    )
    gains = rng.normal(size=(3, 4)).astype("float32")
    biases = rng.normal(size=(3, 4)).astype("float32")
    layer.gains.assign(gains)
    layer.biases.assign(biases)
    normalized = (x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + 1e-5)
    expected = normalized * gains[labels][:, None, None] + biases[labels][:, None, None]
    np.testing.assert_allclose(
        numpy(layer([x, labels], training=True)), expected, rtol=1e-4, atol=1e-4
    )
    with pytest.raises(ValueError, match="num_classes` must be an integer >= 2"):
        ConditionalBatchNormalization(1)


def test_projection_is_the_inner_product_with_the_class_embedding():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(4, 5)).astype("float32")
    labels = np.array([2, 0, 1, 2], "int32")
    plain = ClassProjection(3, spectral_norm=False, seed=0)
    out = numpy(plain([features, labels]))
    V = numpy(plain.embedding.kernel)  # (classes, features)
    np.testing.assert_allclose(out, (V[labels] * features).sum(-1, keepdims=True), rtol=1e-5)
    # Spectrally normalised: the rows of V / sigma(V), sigma from the layer's power iteration
    normalised = ClassProjection(3, seed=0)
    normalised([features, labels])
    _, sigma = normalised.embedding.spectral_norm()
    W = numpy(normalised.embedding.kernel) / float(numpy(sigma))
    np.testing.assert_allclose(
        numpy(normalised([features, labels])),
        (W[labels] * features).sum(-1, keepdims=True),
        rtol=1e-5,
        atol=1e-6,
    )


def test_projection_score_adds_the_unconditional_and_the_class_terms():
    features = keras.Input((5,))
    labels = keras.Input((), dtype="int32")
    model = keras.Model([features, labels], projection_score(features, labels, 3, seed=0))
    psi, projection = model.get_layer("score_psi"), model.get_layer("score_projection")
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    y = np.array([0, 1, 2, 1], "int32")
    np.testing.assert_allclose(
        numpy(model([x, y])), numpy(psi(x)) + numpy(projection([x, y])), rtol=1e-5, atol=1e-6
    )


def test_networks_attend_where_asked_and_nowhere_when_off():
    def attention_sizes(network):
        return [
            layer.output.shape[1] for layer in network.layers if isinstance(layer, SelfAttention)
        ]

    assert attention_sizes(sagan_generator((32, 32, 3), 8, 3, 8)) == [16]
    assert attention_sizes(sagan_discriminator((32, 32, 3), 3, 8)) == [16]
    assert attention_sizes(sagan_generator((32, 32, 3), 8, 3, 8, attention_resolution=8)) == [8]
    assert attention_sizes(sagan_discriminator((28, 28, 1), 3, 8)) == [14]
    assert attention_sizes(sagan_generator((32, 32, 3), 8, 3, 8, attention_resolution=0)) == []
    with pytest.raises(ValueError, match=r"inner feature-map sizes: 8, 16 .*Received: "):
        sagan_discriminator((32, 32, 3), 3, 8, attention_resolution=32)
    with pytest.raises(ValueError, match="attention_resolution` must be an integer >= 0"):
        SAGAN(image_shape=SHAPE, base_filters=8, attention_resolution=-8)
    # Every convolution and dense layer of both networks is spectrally normalised
    for network in (sagan_generator(SHAPE, 8, 3, 8), sagan_discriminator(SHAPE, 3, 8)):
        plain = [
            layer
            for layer in network.layers
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))
        ]
        assert plain == []


def test_ttur_optimizers_and_the_logged_gains():
    model = tiny()
    assert np.isclose(float(model.d_optimizer.learning_rate), 4e-4)
    assert np.isclose(float(model.g_optimizer.learning_rate), 1e-4)
    assert model.d_optimizer.beta_1 == 0.0 and model.g_optimizer.beta_2 == 0.9
    images, labels = labelled()
    before = testing.snapshot(model.discriminator.trainable_variables)
    history = testing.check_fit(model, (images, labels), batch_size=8, networks=("generator",))
    # Every discriminator weight moves but psi's bias: while every score is inside the hinge's
    # margins, its gradient is E[1] - E[1] = 0 (real and generated terms cancel).
    unchanged = [
        variable.path
        for variable, value in zip(model.discriminator.trainable_variables, before)
        if np.array_equal(numpy(variable), value)
    ]
    assert all(path.startswith("score_psi/") and path.endswith("bias") for path in unchanged)
    assert set(history.history) == {"d_loss", "g_loss", "g_attention_gain", "d_attention_gain"}
    # gamma starts at 0 and moves with training
    gains = model.attention_gains()
    assert all(float(numpy(value)) != 0.0 for value in gains.values())
    assert set(tiny(attention_resolution=0).log_names) == {"d_loss", "g_loss"}
    # Inside DiffAugment's wrapper the discriminator's gain is still found and logged
    augmented = tiny(augment="translation")
    logs = augmented.train_on_batch((images[:8], labels[:8]), return_dict=True)
    gain = augmented.discriminator.network.get_layer("attention").gain
    np.testing.assert_allclose(logs["d_attention_gain"], numpy(gain), atol=1e-7)
    assert float(logs["d_attention_gain"]) != 0.0


def test_attention_maps_come_from_the_weights_that_draw_the_samples(tmp_path):
    model = tiny(ema_decay=0.5, ema_start=0)
    images, labels = labelled(8)
    for _ in range(2):
        model.train_on_batch((images, labels))
    z = np.random.default_rng(0).normal(size=(3, 8)).astype("float32")
    y = np.array([0, 1, 2], "int32")
    drawn, maps = model.attention_maps(y, latents=z)
    # The images are generate()'s, from the generator's moving average, not the raw weights
    np.testing.assert_allclose(drawn, model.generate(latents=z, labels=y), atol=1e-5)
    assert np.abs(drawn - model.generate(latents=z, labels=y, ema=False)).max() > 1e-4
    # 16x16 images attend at 8x8: 64 query positions over 16 pooled key positions, each row a
    # softmax; the maps are those of the same weights (recomputed with the average swapped in)
    assert maps.shape == (3, 64, 16)
    np.testing.assert_allclose(maps.sum(axis=-1), 1.0, atol=1e-5)
    attention = model.generator.get_layer("attention")
    probe = keras.Model(model.generator.inputs, attention.input)
    with model.averaged_generator():
        expected = numpy(attention.attention(probe([z, y])))
    np.testing.assert_allclose(maps, expected, atol=1e-6)
    assert np.abs(maps - maps[:, :1]).max() > 0  # queries differ in where they look

    path = model.plot_attention(tmp_path / "maps.png", labels=[0, 2], queries=[(0, 0), (7, 3)])
    assert keras.utils.load_img(path).size[0] > 0
    with pytest.raises(ValueError, match=r"8x8 grid.*\[0, 8\).*\(8, 0\)"):
        model.plot_attention(tmp_path / "bad.png", labels=[0], queries=[(8, 0)])
    with pytest.raises(ValueError, match="no self-attention block.*attention_resolution=0"):
        tiny(attention_resolution=0).attention_maps([0])
    with pytest.raises(ValueError, match=r"must lie in \[0, 2\]"):
        model.attention_maps([3])


def test_hinge_loss_of_the_discriminator_falls_on_fixed_data():
    model = tiny()
    images, labels = labelled(8)
    d_losses = [
        float(model.train_on_batch((images, labels), return_dict=True)["d_loss"]) for _ in range(15)
    ]
    assert np.mean(d_losses[-3:]) < np.mean(d_losses[:3])


def test_save_load_generates_the_same_images(tmp_path):
    model = tiny()
    images, labels = labelled(8)
    model.train_on_batch((images, labels))
    z = np.random.default_rng(0).normal(size=(3, 8)).astype("float32")
    y = np.array([0, 1, 2], "int32")
    testing.check_save_load(model, tmp_path, [z, y])


def test_labels_out_of_range_are_refused():
    model = tiny()
    images, labels = labelled(8)
    with pytest.raises(ValueError, match=r"must lie in \[0, 2\]"):
        model.fit((images, labels + 3), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="integer class indices"):
        model.generate(labels=[0.5, 1.0])
    with pytest.raises(ValueError, match="num_classes` must be an integer >= 2"):
        SAGAN(num_classes=1, image_shape=SHAPE, base_filters=8)


def test_parity(parity_dir):
    model = tiny()
    testing.set_deterministic_weights(model)
    with testing.portable_random():
        logs = testing.step_logs(model, labelled(8), steps=3)
    testing.check_parity("sagan", logs, parity_dir, atol=1e-5)
