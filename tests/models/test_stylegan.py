"""StyleGAN (StyleGAN2's generator and training): each mechanism against a hand computation,
the lazy regularisation's optimizers, sampling with truncation, noise and style mixing, and a
run stopped and resumed mid-epoch."""

import json
import os

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan import losses, testing
from keras_gan.models import StyleGAN
from keras_gan.networks.stylegan import (
    FIRDownsample2D,
    FIRUpsample2D,
    NoiseInjection,
    TruncationTrick,
    num_styles,
    stylegan_generator,
)


def small_stylegan(**kwargs):
    kwargs = {"image_shape": (8, 8, 1), "latent_dim": 8, "mapping_layers": 2, "max_filters": 8,
              "filter_base": 32, "seed": 1, **kwargs}  # fmt: skip
    return StyleGAN(**kwargs)


def numpy(x):
    return keras.ops.convert_to_numpy(x)


# -- The layers ------------------------------------------------------------------------------------


def fir_reference(x, up):
    """upfirdn2d with the [1, 3, 3, 1] filter along height and width, by loops."""
    taps = np.array([1.0, 3.0, 3.0, 1.0]) / 8.0
    for axis in (1, 2):
        x = np.moveaxis(x, axis, -1)
        n = x.shape[-1]
        if up:  # zeros inserted, filter times 2, padding (2, 1)
            inserted = np.zeros((*x.shape[:-1], 2 * n))
            inserted[..., ::2] = x
            padded = np.pad(inserted, [(0, 0)] * (x.ndim - 1) + [(2, 1)])
            x = sum(2 * taps[j] * padded[..., j : j + 2 * n] for j in range(4))
        else:  # padding (1, 1), filter, every other sample
            padded = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 1)])
            x = sum(taps[j] * padded[..., j : j + n - 1 : 2] for j in range(4))
        x = np.moveaxis(x, -1, axis)
    return x


def test_fir_resampling_against_the_authors_upfirdn2d():
    x = np.random.default_rng(0).normal(size=(2, 4, 6, 3)).astype("float32")
    np.testing.assert_allclose(numpy(FIRUpsample2D()(x)), fir_reference(x, up=True), atol=1e-5)
    np.testing.assert_allclose(numpy(FIRDownsample2D()(x)), fir_reference(x, up=False), atol=1e-5)
    # a constant keeps its value away from the zero-padded edges
    up = numpy(FIRUpsample2D()(np.ones((1, 4, 4, 1), "float32")))
    np.testing.assert_allclose(up[0, 1:-1, 1:-1, 0], 1.0)
    with pytest.raises(ValueError, match="must be even"):
        FIRDownsample2D()(np.ones((1, 5, 4, 1), "float32"))


def test_noise_is_one_map_per_sample_scaled_by_a_learned_strength_and_can_be_turned_off():
    x = np.random.default_rng(0).normal(size=(3, 16, 16, 4)).astype("float32")
    noise = NoiseInjection(seed=0)
    np.testing.assert_array_equal(numpy(noise(x)), x)  # strength starts at 0
    noise.strength.assign(0.5)
    added = numpy(noise(x)) - x
    # one N(0, 1) map per sample, shared by the feature maps, times 0.5
    np.testing.assert_allclose(added, np.repeat(added[..., :1], 4, axis=-1), atol=1e-6)
    assert abs(added[..., 0].std() / 0.5 - 1.0) < 0.1
    assert not np.allclose(numpy(noise(x)) - x, added)  # a fresh draw each call
    noise.enabled.assign(0.0)
    np.testing.assert_array_equal(numpy(noise(x)), x)


def test_truncation_blends_toward_the_tracked_average():
    w = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    truncation = TruncationTrick()
    truncation.build(w.shape)
    truncation.track(ops.convert_to_tensor(w), decay=0.9)
    # w_bar = mean(w) + 0.9 (0 - mean(w)) from zero
    average = 0.1 * w.mean(axis=0)
    np.testing.assert_allclose(numpy(truncation.average), average, rtol=1e-5)
    np.testing.assert_allclose(numpy(truncation(w)), w, rtol=1e-5, atol=1e-6)  # psi = 1
    truncation.psi.assign(0.25)
    np.testing.assert_allclose(
        numpy(truncation(w)), average + 0.25 * (w - average), rtol=1e-5, atol=1e-6
    )


def test_each_layer_reads_its_own_copy_of_w():
    assert [num_styles(r) for r in (4, 8, 32, 1024)] == [2, 4, 8, 18]
    generator = stylegan_generator(8, 1, latent_dim=4, max_filters=4, filter_base=16,
                                   mapping_layers=1, seed=0)  # fmt: skip
    synthesis = generator.get_layer("synthesis")
    expected = {"4x4_conv": 0, "4x4_to_rgb": 1, "8x8_conv0": 1, "8x8_conv1": 2, "8x8_to_rgb": 3}
    assert {name: synthesis.get_layer(name).style_index for name in expected} == expected
    # changing only the last copy changes only the last toRGB's contribution
    ws = np.random.default_rng(0).normal(size=(2, 4, 4)).astype("float32")
    changed = ws.copy()
    changed[:, 3] += 1.0
    for layer in synthesis.layers:
        if hasattr(layer, "noise"):
            layer.noise.enabled.assign(0.0)
    parts = keras.Model(synthesis.input, synthesis.get_layer("images_8_up").output)
    np.testing.assert_allclose(numpy(parts(changed)), numpy(parts(ws)), atol=1e-6)
    assert not np.allclose(numpy(synthesis(changed)), numpy(synthesis(ws)), atol=1e-4)


# -- The path-length penalty --------------------------------------------------------------------


def test_path_lengths_of_a_linear_generator_by_hand():
    # g(w) = the copies of w, flattened, times A: J^T y = A y, per copy
    rng = np.random.default_rng(0)
    batch, copies, w_dim, pixels = 3, 2, 4, 6
    matrix = rng.normal(size=(copies * w_dim, pixels)).astype("float32")
    ws = rng.normal(size=(batch, copies, w_dim)).astype("float32")
    directions = rng.normal(size=(batch, 2, 3, 1)).astype("float32")

    def linear(ws):
        flat = ops.reshape(ws, (-1, copies * w_dim)) @ ops.convert_to_tensor(matrix)
        return ops.reshape(flat, (-1, 2, 3, 1))

    lengths = numpy(losses.path_lengths(linear, ops.convert_to_tensor(ws), directions))
    gradients = (directions.reshape(batch, pixels) @ matrix.T).reshape(batch, copies, w_dim)
    expected = np.sqrt((gradients**2).sum(axis=2).mean(axis=1))
    np.testing.assert_allclose(lengths, expected, rtol=1e-5)
    target = 0.5 * expected.mean()
    np.testing.assert_allclose(
        numpy(losses.path_length_penalty(ops.convert_to_tensor(lengths), target)),
        np.mean((expected - target) ** 2),
        rtol=1e-5,
    )


# -- Construction and bad input ------------------------------------------------------------------


def test_lazy_regularisation_adjusts_both_optimizers():
    model = small_stylegan()
    model.compile()
    # StyleGAN2 appendix B: rate x k/(k+1), betas ^ k/(k+1); k = 16 (R1), 4 (path length)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(0.002 * 16 / 17)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(0.002 * 4 / 5)
    assert model.g_optimizer.beta_2 == pytest.approx(0.99 ** (4 / 5))
    plain = small_stylegan(path_length_weight=0.0, r1_gamma=0.0)
    plain.compile()
    assert float(plain.g_optimizer.learning_rate) == pytest.approx(0.002)
    assert float(plain.d_optimizer.learning_rate) == pytest.approx(0.002)
    assert plain.log_names == ("d_loss", "g_loss")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"image_shape": (28, 28, 1)}, "power of two >= 4.*resolution=28"),
        ({"image_shape": (16, 8, 1)}, "square"),
        ({"style_mixing_probability": 1.5}, "style_mixing_probability.*in \\[0, 1\\]"),
        ({"path_length_weight": -1.0}, "path_length_weight"),
        ({"path_length_interval": 0}, "path_length_interval"),
        ({"mapping_layers": 0}, "mapping_layers"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small_stylegan(**kwargs)


def test_a_generator_without_its_parts_is_refused():
    latents = keras.Input((8,))
    plain = keras.Model(latents, keras.layers.Reshape((8, 8, 1))(keras.layers.Dense(64)(latents)))
    with pytest.raises(ValueError, match="layer named 'mapping'"):
        small_stylegan(generator=plain)


# -- Training, sampling, saving ------------------------------------------------------------------


def test_fit_samples_mixes_and_reloads(tmp_path):
    model = small_stylegan(regularization_interval=2, path_length_interval=2, ema_half_life=None)
    model.compile()
    history = testing.check_fit(model, testing.random_images((8, 8, 1), 24), steps=3, batch_size=8)
    assert set(history.history) == {
        "d_loss", "g_loss", "r1_penalty", "path_length_penalty", "path_length_mean",
    }  # fmt: skip
    assert history.history["path_length_mean"][0] > 0  # the target follows the lengths
    assert np.abs(numpy(model.truncation.average)).sum() > 0  # w-bar is tracked
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    # without noise a latent always gives the same image; with it, not
    quiet = model.generate(latents=z, noise=False)
    np.testing.assert_array_equal(quiet, model.generate(latents=z, noise=False))
    for layer in model.synthesis.layers:
        if hasattr(layer, "noise"):
            layer.noise.strength.assign(0.5)
    assert not np.allclose(model.generate(latents=z), model.generate(latents=z))
    # psi = 0 gives the average image for every latent
    average = model.generate(latents=z, truncation_psi=0.0, noise=False)
    np.testing.assert_allclose(average, np.repeat(average[:1], 4, axis=0), atol=1e-5)
    assert float(numpy(model.truncation.psi)) == 1.0  # restored after sampling
    # style mixing: cutoff 0 is the fine latents' image, num_styles the coarse ones'
    other = z[::-1].copy()
    np.testing.assert_allclose(model.mix_styles(z, other, 0, noise=False), quiet[::-1], atol=1e-5)
    np.testing.assert_allclose(model.mix_styles(z, other, 4, noise=False), quiet, atol=1e-5)
    mixed = model.mix_styles(z, other, 2, noise=False)
    assert not np.allclose(mixed, quiet, atol=1e-4) and not np.allclose(mixed, quiet[::-1])
    restored = testing.check_save_load(model, tmp_path, z)
    np.testing.assert_array_equal(
        numpy(restored.truncation.average), numpy(model.truncation.average)
    )
    assert float(numpy(restored.path_length_mean)) == float(numpy(model.path_length_mean))
    np.testing.assert_allclose(
        restored.generate(latents=z, noise=False), model.generate(latents=z, noise=False),
        atol=1e-5,
    )  # fmt: skip


def test_bad_sampling_arguments():
    model = small_stylegan()
    for psi in (float("nan"), "0.7", None, True):
        with pytest.raises(ValueError, match="truncation_psi.*finite number"):
            model.generate(2, truncation_psi=psi)
    with pytest.raises(ValueError, match="noise.*True or False"):
        model.generate(2, noise="off")
    z = np.zeros((2, 8), "float32")
    with pytest.raises(ValueError, match=r"cutoff.*\[0, 4\].*cutoff=5"):
        model.mix_styles(z, z, 5)
    with pytest.raises(ValueError, match="as many rows"):
        model.mix_styles(z, z[:1], 1)


def test_first_steps_agree_across_backends(parity_dir):
    with testing.portable_random():
        model = small_stylegan(seed=3, regularization_interval=2, path_length_interval=2)
        model.compile()
        testing.set_deterministic_weights(model)
        # step 1: R1 and path length; step 2: neither; step 3: both again
        logs = testing.step_logs(model, testing.random_images((8, 8, 1), 8, seed=4), steps=3)
    testing.check_parity("stylegan", logs, parity_dir)


@pytest.mark.one_backend(
    "torch",
    reason="the resume machinery is checked on every backend (tests/test_train.py, tests/test_run.py); StyleGAN's own state (w-bar, the path-length target, the noise layers' streams) resumes through it, checked once",
)
def test_a_run_resumed_mid_epoch_equals_the_straight_run(tmp_path):
    import keras_gan
    from tests.test_train import assert_same_run

    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    settings = dict(dataset="mnist", image_size=8, batch_size=4, latent_dim=4, max_filters=4,
                    filter_base=16, regularization_interval=2, path_length_interval=3,
                    steps_per_epoch=4)  # fmt: skip
    assert keras_gan.Run("stylegan", output=straight, **settings).train(steps=7, verbose=0).done
    assert keras_gan.Run("stylegan", output=pieces, **settings).train(steps=3, verbose=0).step == 3
    assert keras_gan.Run.resume(pieces).train(steps=7, verbose=0).step == 7
    assert_same_run(straight, pieces)
    with open(os.path.join(pieces, "history.json")) as f:
        steps = json.load(f)["steps"]
    assert len(steps["path_length_mean"]) == 7
