"""SNGAN (Miyato et al. 2018): spectral normalisation on every layer, the hinge loss."""

import keras
import numpy as np
import pytest
from keras import layers

from keras_gan import testing
from keras_gan.models import SNGAN
from keras_gan.networks.sngan import SpectralNormalization, sngan_discriminator


def small_sngan(**kwargs):
    kwargs = {
        "image_shape": (16, 16, 1),
        "base_filters": 4,
        "generator_filters": 4,
        "latent_dim": 8,
        "seed": 1,
        **kwargs,
    }
    return SNGAN(**kwargs)


def wrapped_layers(model):
    return [layer for layer in model.layers if isinstance(layer, SpectralNormalization)]


def u_values(model):
    return testing.snapshot([layer.vector_u for layer in wrapped_layers(model)])


def test_every_discriminator_layer_is_normalised():
    discriminator = sngan_discriminator((32, 32, 3), base_filters=8)
    assert discriminator.output_shape == (None, 1)
    # Table 3(b): seven convolutions and the dense layer, all wrapped; nothing unwrapped.
    assert len(wrapped_layers(discriminator)) == 8
    assert not any(
        isinstance(layer, (layers.Conv2D, layers.Dense, layers.BatchNormalization))
        for layer in discriminator.layers
    )
    assert all(not layer.vector_u.trainable for layer in wrapped_layers(discriminator))
    model = small_sngan()
    model.compile()
    assert model.d_optimizer.beta_1 == 0.0 and model.d_optimizer.beta_2 == 0.9
    assert (
        np.isclose(float(model.d_optimizer.learning_rate), 2e-4) and model.discriminator_steps == 1
    )


@pytest.mark.parametrize(
    "layer, inputs",
    [(layers.Conv2D(6, 4, strides=2, padding="same"), (2, 8, 8, 3)), (layers.Dense(5), (2, 12))],
)
def test_spectral_norm_matches_numpy_after_power_iterations(layer, inputs):
    # Power iteration converges like (sigma_2 / sigma_1)^(2k): give it 10 calls x 100 iterations.
    wrapped = SpectralNormalization(layer, power_iterations=100)
    x = np.random.default_rng(0).normal(size=inputs).astype("float32")
    for _ in range(10):
        wrapped(x, training=True)
    kernel = np.asarray(keras.ops.convert_to_numpy(wrapped.kernel))
    matrix = kernel.reshape(-1, kernel.shape[-1])
    _, sigma = wrapped.spectral_norm()
    sigma = float(keras.ops.convert_to_numpy(sigma))
    np.testing.assert_allclose(sigma, np.linalg.svd(matrix, compute_uv=False)[0], rtol=1e-3)
    # The weight the layer computes with, W / sigma, has spectral norm ~1.
    np.testing.assert_allclose(np.linalg.svd(matrix / sigma, compute_uv=False)[0], 1.0, rtol=1e-3)


def test_layer_computes_w_over_sigma_and_keeps_w():
    layer = SpectralNormalization(layers.Dense(3, bias_initializer="ones"))
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    layer(x)
    kernel = np.array(keras.ops.convert_to_numpy(layer.kernel))
    u0 = np.array(keras.ops.convert_to_numpy(layer.vector_u))
    inference = np.asarray(keras.ops.convert_to_numpy(layer(x, training=False)))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.vector_u), u0)  # no update
    training = np.asarray(keras.ops.convert_to_numpy(layer(x, training=True)))
    # One power iteration by hand: v = normalize(u W^T), u' = normalize(v W), sigma = v W u'^T
    v = u0 @ kernel.T
    v /= np.linalg.norm(v)
    u1 = v @ kernel
    u1 /= np.linalg.norm(u1)
    sigma = (v @ kernel @ u1.T).item()
    np.testing.assert_allclose(training, x @ kernel / sigma + 1.0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.vector_u), u1, rtol=1e-5, atol=1e-6)
    # The trainable kernel is the free parameter W, never overwritten by W / sigma.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.kernel), kernel)
    assert inference.shape == (4, 3)


def test_vector_u_is_drawn_from_the_kernel_seed():
    def vector_u(seed):
        layer = SpectralNormalization(
            layers.Dense(5, kernel_initializer=keras.initializers.GlorotUniform(seed=seed))
        )
        layer.build((None, 4))
        keras.random.normal((3,))  # moves Keras' global seed between the two builds
        return np.array(keras.ops.convert_to_numpy(layer.vector_u))

    u = vector_u(3)
    np.testing.assert_array_equal(vector_u(3), u)
    assert not np.allclose(vector_u(4), u)
    # at Keras' average norm 0.02 sqrt(n): a one-output layer's single value is never near 0
    assert u.shape == (1, 5) and np.isclose(np.linalg.norm(u), 0.02 * np.sqrt(5), rtol=1e-5)
    # an unseeded kernel keeps Keras' unseeded draw
    unseeded = [vector_u(None) for _ in range(2)]
    assert not np.allclose(*unseeded)


def test_under_float16_the_power_iteration_advances_as_in_float32():
    # Under a mixed policy an autocast vector_u was a float16 copy inside `call`, and PyTorch's
    # assign wrote into the copy: it never moved. And in float16 the squared norm of a small
    # u W^T underflows to 0 (0 / 0 = NaN); the iteration runs in float32.
    x = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
    results = {}
    for policy in ("float32", "mixed_float16"):
        previous = keras.config.dtype_policy()
        keras.config.set_dtype_policy(policy)
        try:
            layer = SpectralNormalization(
                layers.Dense(4, kernel_initializer=keras.initializers.GlorotUniform(seed=1))
            )
            layer.build((None, 3))
        finally:
            keras.config.set_dtype_policy(previous)
        before = np.array(keras.ops.convert_to_numpy(layer.vector_u))
        outputs = keras.ops.convert_to_numpy(keras.ops.cast(layer(x, training=True), "float32"))
        results[policy] = before, keras.ops.convert_to_numpy(layer.vector_u), outputs
        assert layer.vector_u.dtype == "float32"
        layer.vector_u.assign(np.full((1, 4), 1e-5, "float32"))  # |u W^T|^2 ~ 1e-10
        tiny = keras.ops.convert_to_numpy(keras.ops.cast(layer(x, training=True), "float32"))
        assert np.isfinite(tiny).all(), policy
    (u0, u32, out32), (u0_16, u16, out16) = results["float32"], results["mixed_float16"]
    np.testing.assert_array_equal(u0_16, u0)
    assert not np.allclose(u32, u0)
    np.testing.assert_allclose(u16, u32, atol=1e-3)
    np.testing.assert_allclose(out16, out32, atol=5e-3)


def test_one_seed_builds_one_model():
    first, second = small_sngan(seed=5), small_sngan(seed=5)
    for network in ("generator", "discriminator"):
        for a, b in zip(getattr(first, network).variables, getattr(second, network).variables):
            np.testing.assert_array_equal(
                keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), err_msg=a.path
            )


def test_bad_wrapped_layer():
    with pytest.raises(ValueError, match="Dense or convolution"):
        SpectralNormalization(layers.Embedding(10, 4))(np.zeros((2, 3), "int32"))


def test_fit_moves_u_and_saves(tmp_path):
    model = small_sngan()
    model.compile()
    before = u_values(model.discriminator)
    weights_before = testing.snapshot(model.discriminator.trainable_variables)
    testing.check_fit(
        model,
        testing.random_images((16, 16, 1), 32),
        steps=2,
        batch_size=16,
        networks=("generator",),
    )
    # Every discriminator weight moved but the score's bias: while all scores lie inside the
    # hinge margins (|D| < 1, as at initialisation), its gradient is -1 + 1 = 0.
    variables = model.discriminator.trainable_variables
    for variable, old, new in zip(variables, weights_before, testing.snapshot(variables)):
        if variable.path.startswith("score") and variable.path.endswith("bias"):
            np.testing.assert_array_equal(new, old)
        else:
            assert not np.allclose(new, old), f"{variable.path} did not change"
    after = u_values(model.discriminator)
    assert all(not np.allclose(b, a) for b, a in zip(before, after)), "vector_u did not move in fit"
    assert all(
        np.isfinite(a).all() and np.isclose(np.linalg.norm(a), 1.0, atol=1e-4) for a in after
    )
    restored = testing.check_save_load(model, tmp_path, np.full((2, 8), 0.5, "float32"))
    for a, b in zip(after, u_values(restored.discriminator)):
        np.testing.assert_allclose(b, a, atol=1e-7)
    x = testing.random_images((16, 16, 1), 4)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(restored.discriminator(x)),
        keras.ops.convert_to_numpy(model.discriminator(x)),
        atol=1e-5,
    )


def test_first_steps_agree_across_backends(parity_dir):
    with testing.portable_random():
        model = small_sngan(seed=3)
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, testing.random_images((16, 16, 1), 8, seed=4), steps=3)
    # g_loss = -E[D(G(z))] is a mean of near-cancelling scores (about -1.5e-3). With jax and
    # jaxlib 0.10.2 on an AVX-512 CPU it comes out 3.7e-6 below the jax-written reference at
    # every step (-0.0015693 vs -0.0015656), while d_loss and the next steps' losses (so the
    # weights) agree to 1e-7 and TensorFlow and PyTorch match the reference within 1e-6:
    # atol 1e-5 keeps the check at 1% of the value.
    testing.check_parity("sngan", logs, parity_dir, atol=1e-5)
