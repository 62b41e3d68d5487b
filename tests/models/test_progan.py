"""ProGAN (Karras et al. 2018): each mechanism against a hand computation, the growing schedule,
and a run stopped and resumed in the middle of a fade-in."""

import json
import os

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan import testing
from keras_gan.layers import (
    EqualizedConv2D,
    EqualizedDense,
    MinibatchStandardDeviation,
    PixelNormalization,
)
from keras_gan.models import ProGAN
from keras_gan.networks.progan import progan_discriminator, progan_generator, real_images_at
from keras_gan.schedules import ProgressiveGrowing


def small_progan(**kwargs):
    kwargs = {"image_shape": (8, 8, 1), "latent_dim": 8, "max_filters": 8, "filter_base": 32,
              "fade_images": 16, "stable_images": 8, "seed": 1, **kwargs}  # fmt: skip
    return ProGAN(**kwargs)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def set_level_of_detail(network, value):
    network.get_layer("level_of_detail").level_of_detail.assign(value)


# -- The layers ------------------------------------------------------------------------------------


def test_equalized_layers_draw_unit_weights_and_scale_them_by_the_he_constant():
    x = np.random.default_rng(0).normal(size=(4, 50)).astype("float32")
    dense = EqualizedDense(300, seed=0)
    y = numpy(dense(x))
    kernel = numpy(dense.kernel)
    assert abs(kernel.std() - 1.0) < 0.02  # N(0, 1), not N(0, 2 / fan_in)
    np.testing.assert_allclose(y, x @ (kernel * np.sqrt(2.0 / 50)), rtol=1e-4, atol=1e-5)
    # the convolution's fan-in is k * k * C_in; gain 1 as in toRGB
    images = np.random.default_rng(1).normal(size=(2, 5, 5, 3)).astype("float32")
    conv = EqualizedConv2D(4, 3, gain=1.0, seed=0)
    plain = keras.layers.Conv2D(4, 3, padding="same")
    out = numpy(conv(images))
    plain.build(images.shape)
    plain.set_weights([numpy(conv.kernel) / np.sqrt(27.0), np.zeros(4, "float32")])
    np.testing.assert_allclose(out, numpy(plain(images)), rtol=1e-4, atol=1e-5)


def test_pixel_norm_makes_each_pixels_features_unit_rms():
    x = np.random.default_rng(0).normal(3.0, 5.0, size=(2, 3, 3, 7)).astype("float32")
    y = numpy(PixelNormalization()(x))
    np.testing.assert_allclose(np.sqrt(np.mean(y**2, axis=-1)), 1.0, rtol=1e-5)
    np.testing.assert_allclose(y, x / np.sqrt(np.mean(x**2, axis=-1, keepdims=True)), rtol=1e-5)


def test_minibatch_stddev_against_numpy():
    x = np.random.default_rng(0).normal(size=(8, 2, 2, 3)).astype("float32")
    y = numpy(MinibatchStandardDeviation(group_size=4)(x))
    assert y.shape == (8, 2, 2, 4)
    np.testing.assert_array_equal(y[..., :3], x)
    # groups of 4: samples {0, 2, 4, 6} and {1, 3, 5, 7} (sample i in group i mod 2)
    for members in ([0, 2, 4, 6], [1, 3, 5, 7]):
        expected = np.sqrt(x[members].var(axis=0) + 1e-8).mean()
        np.testing.assert_allclose(y[members, ..., 3], expected, rtol=1e-5)
    with pytest.raises(ValueError, match="multiple of 4. Received: batch of 6"):
        MinibatchStandardDeviation(group_size=4)(x[:6])
    with pytest.raises(ValueError, match="group_size"):
        MinibatchStandardDeviation(group_size=0)


# -- The schedule --------------------------------------------------------------------------------


def test_the_schedule_by_hand():
    # 32x32: L = 3 doublings; stable 10 then fade 20 images per phase
    schedule = ProgressiveGrowing(32, fade_images=20, stable_images=10)
    expected = {0: 3.0, 10: 3.0, 20: 2.5, 30: 2.0, 40: 2.0, 45: 1.75, 60: 1.0, 90: 0.0, 500: 0.0}
    for images, level_of_detail in expected.items():
        assert float(numpy(schedule.level_of_detail(images))) == pytest.approx(level_of_detail)
    assert schedule.stage(0) == (4, 1.0)
    assert schedule.stage(20) == (8, 0.5)  # 8x8 half faded in
    assert schedule.stage(45) == (16, 0.25)
    assert schedule.stage(90) == (32, 1.0)
    assert schedule.images_to_full_resolution == 90


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_shape": (28, 28, 1)}, "power of two >= 4.*resolution=28"),
        ({"image_shape": (2, 2, 1)}, "resolution=2"),
        ({"image_shape": (16, 8, 1)}, "square"),
        ({"fade_images": 0}, "fade_images.*positive.*fade_images=0"),
        ({"stable_images": -1}, "stable_images"),
        ({"drift_weight": -1.0}, "drift_weight"),
        ({"minibatch_group_size": 0}, "minibatch_group_size"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small_progan(**kwargs)


def test_networks_without_a_level_of_detail_are_refused():
    latents = keras.Input((8,))
    plain = keras.Model(latents, keras.layers.Reshape((8, 8, 1))(keras.layers.Dense(64)(latents)))
    with pytest.raises(ValueError, match="generator must read the schedule from a LevelOfDetail"):
        small_progan(generator=plain)


# -- The fade-in ---------------------------------------------------------------------------------


def test_the_generator_blends_the_new_block_by_alpha():
    generator = progan_generator(8, 1, latent_dim=8, max_filters=8, filter_base=32, seed=0)
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    parts = keras.Model(
        generator.input,
        [generator.get_layer("to_rgb_8").output, generator.get_layer("images_8_up").output],
    )
    new, old = (numpy(part) for part in parts(z))
    # old: the 4x4 images upsampled, constant on each 2x2 block
    np.testing.assert_array_equal(old[:, ::2, ::2], old[:, 1::2, 1::2])
    for level_of_detail, alpha in ((1.0, 0.0), (0.75, 0.25), (0.25, 0.75), (0.0, 1.0)):
        set_level_of_detail(generator, level_of_detail)
        np.testing.assert_allclose(
            numpy(generator(z)), alpha * new + (1 - alpha) * old, rtol=1e-5, atol=1e-6
        )


def test_an_ungrown_discriminator_block_does_not_see_the_new_detail():
    discriminator = progan_discriminator(8, 1, max_filters=8, filter_base=32, seed=0)
    images = np.random.default_rng(0).uniform(-1, 1, size=(4, 8, 8, 1)).astype("float32")
    coarse = images.reshape(4, 4, 2, 4, 2, 1).mean(axis=(2, 4)).repeat(2, 1).repeat(2, 2)
    set_level_of_detail(discriminator, 1.0)  # 4x4 only
    np.testing.assert_allclose(
        numpy(discriminator(images)), numpy(discriminator(coarse)), rtol=1e-5, atol=1e-6
    )
    set_level_of_detail(discriminator, 0.5)  # 8x8 fading in: the detail counts
    assert not np.allclose(numpy(discriminator(images)), numpy(discriminator(coarse)), atol=1e-4)


def test_real_images_are_shown_at_the_trained_resolution():
    images = np.random.default_rng(0).uniform(-1, 1, size=(2, 8, 8, 1)).astype("float32")
    coarse = images.reshape(2, 4, 2, 4, 2, 1).mean(axis=(2, 4)).repeat(2, 1).repeat(2, 2)
    coarsest = images.reshape(2, 2, 4, 2, 4, 1).mean(axis=(2, 4)).repeat(4, 1).repeat(4, 2)
    for level_of_detail, expected in (
        (0.0, images),
        (1.0, coarse),
        (2.0, coarsest),
        (0.25, 0.75 * images + 0.25 * coarse),  # alpha = 0.75 of 8x8 over 4x4
    ):
        shown = real_images_at(ops.convert_to_tensor(images), level_of_detail, levels=2)
        np.testing.assert_allclose(numpy(shown), expected, rtol=1e-5, atol=1e-6)


# -- Training ------------------------------------------------------------------------------------


def test_fit_grows_logs_the_stage_and_saves_it(tmp_path):
    model = small_progan()
    model.compile()
    assert float(model.d_optimizer.learning_rate) == pytest.approx(1e-3)
    assert (model.d_optimizer.beta_1, model.d_optimizer.beta_2) == (0.0, 0.99)
    history = testing.check_fit(model, testing.random_images((8, 8, 1), 24), steps=3, batch_size=8)
    # the third step trained at 16 images: stable for 8, then 8 of the 16-image fade
    assert history.history["resolution"] == [8.0]
    assert history.history["alpha"] == [pytest.approx(0.5)]
    assert int(numpy(model.images_seen)) == 24
    assert model.stage() == (8, 1.0)  # the next step trains at 24: fully faded in
    for network in (model.generator, model.discriminator):
        assert float(numpy(network.get_layer("level_of_detail").level_of_detail)) == 0.5
    restored = testing.check_save_load(model, tmp_path, np.full((2, 8), 0.5, "float32"))
    assert int(numpy(restored.images_seen)) == 24 and restored.stage() == (8, 1.0)
    assert (restored.fade_images, restored.stable_images) == (16, 8)


def test_the_batch_must_fill_the_minibatch_stddev_groups():
    model = small_progan()
    model.compile()
    with pytest.raises(ValueError, match="multiple of 4"):
        model.fit(testing.random_images((8, 8, 1), 12), batch_size=6, epochs=1, verbose=0)


def test_first_steps_agree_across_backends(parity_dir):
    with testing.portable_random():
        model = small_progan(seed=3)
        model.compile()
        testing.set_deterministic_weights(model)
        # 3 steps of 8 through the stable 4x4 phase and into the fade
        logs = testing.step_logs(model, testing.random_images((8, 8, 1), 8, seed=4), steps=3)
    testing.check_parity("progan", logs, parity_dir)


@pytest.mark.one_backend(
    "torch",
    reason="the resume machinery is checked on every backend (tests/test_train.py, tests/test_run.py); ProGAN's schedule state resumes through it, checked once",
)
def test_a_run_resumed_mid_fade_equals_the_straight_run_and_keeps_its_schedule(tmp_path):
    import keras_gan
    from keras_gan.run import RunError
    from tests.test_train import assert_same_run

    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    settings = dict(dataset="mnist", image_size=8, batch_size=4, latent_dim=4, max_filters=4,
                    filter_base=16, stable_images=8, fade_images=16, steps_per_epoch=4)  # fmt: skip
    assert keras_gan.Run("progan", output=straight, **settings).train(steps=7, verbose=0).done
    # stopped after 12 images: 4 into the fade-in, mid-epoch
    assert keras_gan.Run("progan", output=pieces, **settings).train(steps=3, verbose=0).step == 3
    with pytest.raises(RunError, match="--fade-images 32 .the run has 16"):
        keras_gan.Run.resume(pieces, fade_images=32)
    assert keras_gan.Run.resume(pieces).train(steps=7, verbose=0).step == 7
    assert_same_run(straight, pieces)
    with open(os.path.join(pieces, "history.json")) as f:
        steps = json.load(f)["steps"]
    assert steps["alpha"][:7] == pytest.approx([1, 1, 1, 0.25, 0.5, 0.75, 1])
