"""WGAN (Arjovsky et al. 2017): weight clipping, n_critic updates, the Wasserstein log."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from keras_gan import testing
from keras_gan.models import WGAN


def small_wgan(**kwargs):
    kwargs = {"image_shape": (16, 16, 1), "base_filters": 4, "latent_dim": 8, "seed": 1, **kwargs}
    return WGAN(**kwargs)


def check_critic_updated(model, before):
    """Every critic weight moved except the score's bias: the Wasserstein losses depend on
    score differences only, so a constant shift has zero gradient and the bias stays put."""
    variables = model.discriminator.trainable_variables
    for variable, old, new in zip(variables, before, testing.snapshot(variables)):
        if variable.path.endswith("logit/bias"):
            np.testing.assert_array_equal(new, old)
        else:
            assert not np.allclose(new, old), f"{variable.path} did not change"


def test_networks_and_papers_optimizer():
    model = small_wgan()
    assert model.generator.output_shape == (None, 16, 16, 1)
    assert model.discriminator.output_shape == (None, 1)
    # The critic's last layer is linear: a score, not a probability.
    assert model.discriminator.layers[-1].get_config()["activation"] == "linear"
    # The paper's DCGAN critic keeps BatchNorm.
    assert any(isinstance(layer, layers.BatchNormalization) for layer in model.discriminator.layers)
    assert model.discriminator_steps == 5 and model.clip_value == 0.01
    model.compile()
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert isinstance(optimizer, keras.optimizers.RMSprop)
        assert np.isclose(float(optimizer.learning_rate), 5e-5)


def test_fit_clips_counts_critic_steps_and_saves(tmp_path):
    model = small_wgan()
    # A larger step than the paper's 5e-5: with a clipped critic the generator's gradients are
    # ~1e-5, and its weights would move by less than the harness's change tolerance.
    model.compile(
        d_optimizer=keras.optimizers.RMSprop(5e-3), g_optimizer=keras.optimizers.RMSprop(5e-3)
    )
    before = testing.snapshot(model.discriminator.trainable_variables)
    # 2 steps of 5 critic minibatches of 4 samples
    history = testing.check_fit(
        model,
        testing.random_images((16, 16, 1), 40),
        steps=2,
        batch_size=20,
        networks=("generator",),
    )
    check_critic_updated(model, before)
    for weight in testing.snapshot(model.discriminator.trainable_variables):
        assert np.abs(weight).max() <= 0.01 + 1e-7
    # Some weights sit at the bound: the clipping did something (init is N(0, 0.02)).
    assert any(
        np.isclose(np.abs(w).max(), 0.01)
        for w in testing.snapshot(model.discriminator.trainable_variables)
    )
    assert int(keras.ops.convert_to_numpy(model.d_optimizer.iterations)) == 10
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 2
    np.testing.assert_allclose(
        history.history["wasserstein"], -np.asarray(history.history["d_loss"]), rtol=1e-6
    )
    restored = testing.check_save_load(model, tmp_path, np.full((2, 8), 0.5, "float32"))
    assert restored.clip_value == 0.01 and restored.discriminator_steps == 5


@pytest.mark.parametrize("clip_value", [0, -0.01, "0.01"])
def test_bad_clip_value(clip_value):
    with pytest.raises(ValueError, match="clip_value"):
        small_wgan(clip_value=clip_value)


def test_bad_critic_steps_and_batch():
    with pytest.raises(ValueError, match="discriminator_steps"):
        small_wgan(discriminator_steps=0)
    model = small_wgan()
    model.compile()
    with pytest.raises(ValueError, match="multiple of 5"):
        # fit() checks a dataset's batch shape before anything runs
        batches = tf.data.Dataset.from_tensor_slices(testing.random_images((16, 16, 1), 14)).batch(
            7, drop_remainder=True
        )
        model.fit(batches, epochs=1, verbose=0)


def test_first_steps_agree_across_backends(parity_dir):
    with testing.portable_random():
        model = small_wgan(discriminator_steps=2, seed=3)
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, testing.random_images((16, 16, 1), 8, seed=4), steps=3)
    testing.check_parity("wgan", logs, parity_dir)
