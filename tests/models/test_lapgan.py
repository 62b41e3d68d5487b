"""LAPGAN: one GAN per pyramid level, trained independently, sampled coarse to fine."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan import pyramid, testing
from keras_gan.models import LAPGAN


def _model(**kwargs):
    options = dict(
        image_shape=(16, 16, 1), levels=3, latent_dim=8, coarse_units=16, filters=4, seed=3
    )
    options.update(kwargs)
    model = LAPGAN(**options)
    # Tiny networks: an uncompiled step is faster than an XLA compilation on a shared CPU.
    model.compile(jit_compile=False)
    return model


def test_structure_and_paper_sizes():
    model = LAPGAN(image_shape=(32, 32, 3), levels=3, filters=4, coarse_units=8)  # CIFAR-10's
    assert model.level_shapes == [(32, 32, 3), (16, 16, 3), (8, 8, 3)]
    assert model.generator.output_shape == (None, 8, 8, 3)  # the 8x8 level is an ordinary GAN
    assert model.generator_0.output_shape == (None, 32, 32, 3)
    assert [tuple(i.shape) for i in model.discriminator_1.inputs] == [(None, 16, 16, 3)] * 2
    assert set(model.optimizer_targets) == {
        "d_optimizer",
        "g_optimizer",
        "d_optimizer_0",
        "g_optimizer_0",
        "d_optimizer_1",
        "g_optimizer_1",
    }


def test_fit_generate_and_save_load(tmp_path):
    model = _model()
    images = testing.random_images((16, 16, 1), 8)
    history = testing.check_fit(model, images, batch_size=4, networks=model.network_names)
    assert {"d_loss_0", "g_loss_0", "d_loss_2", "g_loss_2"} <= set(history.history)
    # every optimizer took exactly the 2 steps: each level is updated once per step
    for name in model.optimizer_targets:
        assert int(ops.convert_to_numpy(getattr(model, name).iterations)) == 2, name
    samples, levels = model.generate(5, seed=0, return_levels=True)
    assert samples.shape == (5, 16, 16, 1)
    assert [l.shape[1] for l in levels] == [16, 8, 4]
    # the cascade: I_k = u(I_{k+1}) + G_k(z_k, u(I_{k+1})), so I_k - u(I_{k+1}) is G_k's output
    residual = levels[1] - ops.convert_to_numpy(pyramid.upsample(levels[2]))
    assert residual.shape == (5, 8, 8, 1) and np.abs(residual).max() > 0
    assert levels[2].min() >= -1 and levels[2].max() <= 1  # the coarse GAN ends in tanh
    np.testing.assert_allclose(model.generate(5, seed=0), samples, atol=1e-6)
    restored = testing.check_save_load(model, str(tmp_path), np.zeros((2, 8), "float32"))
    np.testing.assert_allclose(restored.generate(5, seed=0), samples, atol=1e-5)


def test_levels_are_trained_on_the_real_pyramid():
    # D_k sees (h_k, l_k) from the real images: at the start of training with fixed weights,
    # d_loss_k equals the loss computed by hand from the real band-pass images.
    model = _model()
    images = testing.random_images((16, 16, 1), 4)
    z = model.sample_noise_plane(4, 0, seed=keras.random.SeedGenerator(7))  # not the model's stream
    gaussian = pyramid.gaussian_pyramid(images, 3)
    low = pyramid.upsample(gaussian[1])
    real_logits = model.discriminator_0([gaussian[0] - low, low])
    fake_logits = model.discriminator_0([model.generator_0([z, low]), low])
    # D_0 adds l_0 to h_0: swapping the two inputs changes nothing
    np.testing.assert_allclose(
        ops.convert_to_numpy(model.discriminator_0([low, gaussian[0] - low])),
        ops.convert_to_numpy(real_logits),
        atol=1e-5,
    )
    assert real_logits.shape == fake_logits.shape == (4, 1)


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least 2 levels"):
        LAPGAN(image_shape=(16, 16, 1), levels=1)
    with pytest.raises(ValueError, match="divisible by 2\\*\\*2 = 4"):
        LAPGAN(image_shape=(30, 30, 1), levels=3)
    model = _model()
    with pytest.raises(ValueError, match="shape"):
        model.fit(testing.random_images((28, 28, 1), 4), batch_size=4, verbose=0)


def test_first_steps_agree_across_backends(parity_dir):
    # Every level's GAN (the coarse MLP GAN and the conditional band-pass GANs) takes the same
    # first three steps on every backend, from the same weights, data and portable random draws.
    with testing.portable_random():
        model = _model(seed=4)
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, testing.random_images((16, 16, 1), 4), steps=3)
    testing.check_parity("lapgan", logs, parity_dir)
