"""WGAN-GP (Gulrajani et al. 2017): the gradient penalty against hand computations."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from keras_gan import testing
from keras_gan.models import WGANGP


def small_wgan_gp(**kwargs):
    kwargs = {"image_shape": (16, 16, 1), "base_filters": 4, "latent_dim": 8, "seed": 1, **kwargs}
    return WGANGP(**kwargs)


def check_critic_updated(model, before):
    """Every critic weight moved except the score's bias: the Wasserstein losses depend on
    score differences only, so a constant shift has zero gradient and the bias stays put."""
    variables = model.discriminator.trainable_variables
    for variable, old, new in zip(variables, before, testing.snapshot(variables)):
        if variable.path.endswith("logit/bias"):
            np.testing.assert_array_equal(new, old)
        else:
            assert not np.allclose(new, old), f"{variable.path} did not change"


def test_critic_has_no_batchnorm_and_papers_optimizer():
    model = small_wgan_gp()
    assert model.discriminator.output_shape == (None, 1)
    assert not any(
        isinstance(layer, layers.BatchNormalization) for layer in model.discriminator.layers
    )
    layer_norm = small_wgan_gp(critic_normalization="layer").discriminator
    assert sum(isinstance(layer, layers.LayerNormalization) for layer in layer_norm.layers) == 1
    assert model.discriminator_steps == 5 and model.gp_weight == 10.0
    model.compile()
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.Adam)
        assert np.isclose(float(optimizer.learning_rate), 1e-4)
        assert optimizer.beta_1 == 0.0 and optimizer.beta_2 == 0.9


@pytest.mark.parametrize("normalization", [None, "layer"])
def test_fit_counts_critic_steps_and_saves(tmp_path, normalization):
    model = small_wgan_gp(critic_normalization=normalization)
    model.compile()
    before = testing.snapshot(model.discriminator.trainable_variables)
    history = testing.check_fit(
        model,
        testing.random_images((16, 16, 1), 40),
        steps=2,
        batch_size=20,
        networks=("generator",),
    )
    check_critic_updated(model, before)
    assert int(keras.ops.convert_to_numpy(model.d_optimizer.iterations)) == 10
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 2
    assert set(history.history) == {"d_loss", "g_loss", "wasserstein", "gradient_penalty"}
    restored = testing.check_save_load(model, tmp_path, np.full((2, 8), 0.5, "float32"))
    assert restored.gp_weight == 10.0 and restored.critic_normalization == normalization


def linear_critic(weights):
    """f(x) = <w, x> + 0.1: its input gradient is w everywhere, with norm ||w||."""
    images = keras.Input((16, 16, 1))
    score = layers.Dense(1)(layers.Flatten()(images))
    critic = keras.Model(images, score)
    critic.layers[-1].set_weights(
        [weights.reshape(-1, 1).astype("float32"), np.array([0.1], "float32")]
    )
    return critic


@pytest.mark.parametrize("norm", [1.0, 2.5, 0.3])
def test_penalty_of_a_linear_critic(norm):
    # ||grad f|| = ||w|| at every interpolate, so the penalty is (||w|| - 1)^2 whatever epsilon.
    rng = np.random.default_rng(0)
    w = rng.normal(size=256)
    w *= norm / np.linalg.norm(w)
    model = small_wgan_gp(discriminator=linear_critic(w), discriminator_steps=1)
    # Learning rate 0: the logged values are those of the weights above.
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    logs = model.train_on_batch(testing.random_images((16, 16, 1), 8), return_dict=True)
    logs = {k: float(keras.ops.convert_to_numpy(v)) for k, v in logs.items()}
    np.testing.assert_allclose(logs["gradient_penalty"], (norm - 1.0) ** 2, atol=1e-5)
    # d_loss = E[D(fake)] - E[D(real)] + lambda * penalty
    np.testing.assert_allclose(
        logs["d_loss"], -logs["wasserstein"] + 10.0 * logs["gradient_penalty"], rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"gp_weight": -1.0}, "gp_weight"),
        ({"discriminator_steps": 0}, "discriminator_steps"),
        ({"critic_normalization": "batch"}, "critic_normalization"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small_wgan_gp(**kwargs)


def test_batch_not_divisible_by_critic_steps():
    model = small_wgan_gp()
    model.compile()
    with pytest.raises(ValueError, match="multiple of 5"):
        # fit() checks a dataset's batch shape before anything runs
        batches = tf.data.Dataset.from_tensor_slices(testing.random_images((16, 16, 1), 12)).batch(
            7, drop_remainder=True
        )
        model.fit(batches, epochs=1, verbose=0)


def test_first_steps_agree_across_backends(parity_dir):
    with testing.portable_random():
        model = small_wgan_gp(discriminator_steps=2, seed=3)
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, testing.random_images((16, 16, 1), 8, seed=4), steps=3)
    testing.check_parity("wgan_gp", logs, parity_dir)
