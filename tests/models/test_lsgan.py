"""LSGAN (Mao et al. 2017): the least-squares objectives against hand computations."""

import keras
import numpy as np
import pytest
from keras import layers

from keras_gan import testing
from keras_gan.models import LSGAN


def small_lsgan(**kwargs):
    kwargs = {"image_shape": (16, 16, 1), "base_filters": 4, "latent_dim": 8, "seed": 1, **kwargs}
    return LSGAN(**kwargs)


def test_defaults_are_the_papers():
    model = small_lsgan()
    assert (model.a, model.b, model.c) == (0.0, 1.0, 1.0)
    assert (small_lsgan(coding="pearson").a, small_lsgan(coding="pearson").c) == (-1.0, 0.0)
    assert model.discriminator.layers[-1].get_config()["activation"] == "linear"
    model.compile()
    assert (
        np.isclose(float(model.d_optimizer.learning_rate), 2e-4) and model.d_optimizer.beta_1 == 0.5
    )


def fixed_networks():
    """G(z) = 0.5 everywhere (tanh of a constant); D(x) = mean of x's pixels."""
    z = keras.Input((8,))
    g = layers.Dense(
        256,
        kernel_initializer="zeros",
        bias_initializer=keras.initializers.Constant(np.arctanh(0.5)),
        activation="tanh",
    )(z)
    generator = keras.Model(z, layers.Reshape((16, 16, 1))(g))
    x = keras.Input((16, 16, 1))
    d = layers.Dense(
        1, kernel_initializer=keras.initializers.Constant(1 / 256), bias_initializer="zeros"
    )(layers.Flatten()(x))
    return generator, keras.Model(x, d)


@pytest.mark.parametrize(
    "coding, d_loss, g_loss",
    [
        # D(real) = -0.2, D(fake) = 0.5; a, b, c = 0, 1, 1:
        # 1/2 (-0.2 - 1)^2 + 1/2 (0.5 - 0)^2 = 0.72 + 0.125; 1/2 (0.5 - 1)^2 = 0.125
        ("0-1", 0.845, 0.125),
        # a, b, c = -1, 1, 0: 1/2 (-1.2)^2 + 1/2 (1.5)^2 = 0.72 + 1.125; 1/2 (0.5)^2 = 0.125
        ("pearson", 1.845, 0.125),
    ],
)
def test_losses_equal_hand_computation(coding, d_loss, g_loss):
    generator, discriminator = fixed_networks()
    model = LSGAN(generator, discriminator, latent_dim=8, coding=coding, seed=0)
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    logs = model.train_on_batch(np.full((4, 16, 16, 1), -0.2, "float32"), return_dict=True)
    np.testing.assert_allclose(float(keras.ops.convert_to_numpy(logs["d_loss"])), d_loss, rtol=1e-5)
    np.testing.assert_allclose(float(keras.ops.convert_to_numpy(logs["g_loss"])), g_loss, rtol=1e-5)


def test_generator_target_c_is_used():
    generator, discriminator = fixed_networks()
    model = LSGAN(generator, discriminator, latent_dim=8, a=0.0, b=1.0, c=0.9, seed=0)
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    logs = model.train_on_batch(np.full((4, 16, 16, 1), -0.2, "float32"), return_dict=True)
    # 1/2 (0.5 - 0.9)^2
    np.testing.assert_allclose(float(keras.ops.convert_to_numpy(logs["g_loss"])), 0.08, rtol=1e-5)


def test_two_step_fit_and_save_load(tmp_path):
    model = small_lsgan(coding="pearson")
    model.compile()
    testing.check_fit(model, testing.random_images((16, 16, 1), 32), steps=2, batch_size=16)
    restored = testing.check_save_load(model, tmp_path, np.full((2, 8), 0.5, "float32"))
    assert (restored.a, restored.b, restored.c) == (-1.0, 1.0, 0.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="coding"):
        small_lsgan(coding="01")
    with pytest.raises(ValueError, match="b != a"):
        small_lsgan(a=1.0, b=1.0)


def test_first_steps_agree_across_backends(parity_dir):
    with testing.portable_random():
        model = small_lsgan(seed=3)
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, testing.random_images((16, 16, 1), 8, seed=4), steps=3)
    testing.check_parity("lsgan", logs, parity_dir)
