"""GAN (Goodfellow et al. 2014): Algorithm 1 on MLPs."""

import numpy as np
import pytest

from keras_gan import testing
from keras_gan.models import GAN


def tiny_gan(**kwargs):
    return GAN(sample_shape=(8, 8, 1), latent_dim=4, seed=0, **kwargs)


def small_networks():
    from keras_gan.networks import mlp_discriminator, mlp_generator

    return dict(
        generator=mlp_generator((8, 8, 1), 4, hidden_units=(16,)),
        discriminator=mlp_discriminator((8, 8, 1), hidden_units=(8,), pieces=2),
    )


@pytest.mark.parametrize("generator_loss", ["non_saturating", "minimax"])
def test_two_step_fit_updates_both_networks(generator_loss):
    model = GAN(**small_networks(), latent_dim=4, generator_loss=generator_loss, seed=0)
    model.compile()
    history = testing.check_fit(model, testing.random_images((8, 8, 1), 32), steps=2, batch_size=16)
    # The saturating generator loss log(1 - D(G(z))) is negative; the non-saturating one positive.
    sign = np.sign(history.history["g_loss"][-1])
    assert sign == (-1 if generator_loss == "minimax" else 1)


def test_default_networks_follow_the_paper():
    model = tiny_gan()
    hidden = [layer for layer in model.generator.layers if layer.name.startswith("hidden")]
    assert [layer.units for layer in hidden] == [1200, 1200]
    assert any(type(layer).__name__ == "Maxout" for layer in model.discriminator.layers)
    assert any(type(layer).__name__ == "Dropout" for layer in model.discriminator.layers)


def test_two_dimensional_samples():
    model = GAN(
        sample_shape=(2,), latent_dim=2, generator_loss="minimax", discriminator_steps=2, seed=0
    )
    model.compile()
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    testing.check_fit(model, points, steps=2, batch_size=32)
    assert model.generate(10).shape == (10, 2)


def test_unknown_generator_loss():
    with pytest.raises(
        ValueError,
        match="`generator_loss` must be one of 'non_saturating', 'minimax'. "
        "Received: generator_loss='wasserstein'",
    ):
        tiny_gan(generator_loss="wasserstein")


def test_save_and_load(tmp_path):
    model = GAN(**small_networks(), latent_dim=4, seed=0)
    model.compile()
    model.fit(testing.random_images((8, 8, 1), 32), batch_size=16, epochs=1, verbose=0)
    restored = testing.check_save_load(model, tmp_path, np.ones((2, 4), "float32"))
    assert restored.generator_loss == "non_saturating"


def test_first_steps_agree_across_backends(parity_dir):
    """From identical weights, data and latents, the first three steps' losses (k = 2
    discriminator updates each) match on TensorFlow, JAX and PyTorch. Dropout is off: each
    backend draws its own dropout masks."""
    with testing.portable_random():
        model = GAN(
            sample_shape=(8, 8, 1),
            latent_dim=4,
            generator_units=(16,),
            discriminator_units=(8,),
            maxout_pieces=2,
            dropout=0.0,
            discriminator_steps=2,
            seed=3,
        )
        model.compile()
        testing.set_deterministic_weights(model)
        images = testing.random_images((8, 8, 1), 16, seed=4)
        logs = testing.step_logs(model, images, steps=3)
    testing.check_parity("gan", logs, parity_dir)
