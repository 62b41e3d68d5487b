"""Mixed precision: `Run(precision=...)` / `--precision`, float32 outputs, float16 loss scaling."""

import json
import math
import os

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import checkpoints
from keras_gan.models import DCGAN
from keras_gan.run import ConfigError

SMALL = dict(
    dataset="digits", image_size=16, batch_size=10, base_filters=4, latent_dim=8, steps_per_epoch=3
)


def _finite_history(out):
    steps = json.load(open(os.path.join(out, "history.json")))["steps"]
    return {name: values for name, values in steps.items() if name != "step"}


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_a_mixed_run_trains_saves_and_resumes_in_its_precision(precision, tmp_path):
    out = str(tmp_path / precision)
    run = keras_gan.Run("wgan_gp", output=out, precision=precision, **SMALL)
    assert run.train(steps=2, verbose=0).status == 0
    model = run.model
    assert model.precision() == precision
    # inside, the networks compute in the lower precision; their outputs are float32
    inner = [layer for layer in model._network_layers() if layer.dtype_policy.name != "float32"]
    assert inner and {layer.dtype_policy.compute_dtype for layer in inner} == {precision}
    assert keras.backend.standardize_dtype(model.generate(2).dtype) == "float32"
    scaled = isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (precision == "float16")
    for values in _finite_history(out).values():  # the gradient penalty included
        assert all(math.isfinite(v) for v in values)
    assert json.load(open(os.path.join(out, "config.json")))["precision"] == precision

    reloaded = checkpoints.load(checkpoints.latest(out))
    assert reloaded.precision() == precision
    z = np.random.default_rng(0).normal(size=(2, 8)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(reloaded.generator(z)),
        keras.ops.convert_to_numpy(model.generator(z)),
        atol=1e-6,
    )
    resumed = keras_gan.Run.resume(out)
    assert resumed.train(steps=3, verbose=0).step == 3
    other = "float16" if precision == "bfloat16" else "bfloat16"
    with pytest.raises(ConfigError, match=f"computes in {precision}; a resumed run keeps"):
        keras_gan.Run.resume(out, precision=other).train(steps=4, verbose=0)


def test_float16_losses_follow_float32s(tmp_path):
    histories = {}
    for precision in ("float32", "float16"):
        out = str(tmp_path / precision)
        keras_gan.Run("wgan_gp", output=out, precision=precision, **SMALL).train(steps=2, verbose=0)
        histories[precision] = _finite_history(out)
    for name, values in histories["float32"].items():
        np.testing.assert_allclose(histories["float16"][name], values, rtol=0.05, atol=0.02)


def test_loss_scaling_skips_a_non_finite_step_and_halves_the_scale():
    keras.utils.set_random_seed(0)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = DCGAN(image_shape=(16, 16, 1), latent_dim=8, base_filters=4)
    finally:
        keras.config.set_dtype_policy(previous)
    model.compile()
    assert model.precision() == "float16"
    d_opt, g_opt = model.d_optimizer, model.g_optimizer
    assert isinstance(d_opt, keras.optimizers.LossScaleOptimizer)
    assert isinstance(g_opt, keras.optimizers.LossScaleOptimizer)

    def weights(network):
        return [keras.ops.convert_to_numpy(v) for v in network.trainable_variables]

    def scales():
        return [float(keras.ops.convert_to_numpy(o.dynamic_scale)) for o in (d_opt, g_opt)]

    images = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 1)).astype("float32")
    # A first kernel 10^6 times too large: the discriminator's float16 activations on the real
    # images overflow (float16 ends at 65,504), so its loss's gradients hold inf or NaN.
    kernel = model.discriminator.trainable_variables[0]
    good = keras.ops.convert_to_numpy(kernel)
    kernel.assign(good * 1e6)
    d_before, g_before, (d_scale, g_scale) = (
        weights(model.discriminator),
        weights(model.generator),
        scales(),
    )
    model.fit(images, batch_size=8, epochs=1, verbose=0)
    d_after, g_after, (d_scale_after, g_scale_after) = (
        weights(model.discriminator),
        weights(model.generator),
        scales(),
    )
    for x, y in zip(d_before, d_after):
        np.testing.assert_array_equal(x, y)  # the discriminator's step is skipped
    assert d_scale_after == d_scale / 2  # and its scale halved
    # The generator's loss sees only generated images: skipped and halved where they overflow
    # too, else a normal step (it depends on the backend's float16 convolutions).
    g_skipped = all(np.array_equal(x, y) for x, y in zip(g_before, g_after))
    assert g_scale_after == (g_scale / 2 if g_skipped else g_scale)

    kernel.assign(good)
    history = model.fit(images, batch_size=8, epochs=1, verbose=0).history
    d_moved = weights(model.discriminator)
    assert any(not np.array_equal(x, y) for x, y in zip(d_before, d_moved))
    # a finite step keeps the scale (it doubles after 2,000 finite steps in a row)
    assert scales() == [d_scale_after, g_scale_after]
    assert all(math.isfinite(values[-1]) for values in history.values())


def test_a_bad_precision_is_refused_naming_the_accepted_ones():
    with pytest.raises(ConfigError, match="precision must be one of 'float32', 'bfloat16', "):
        keras_gan.Run("dcgan", precision="float8", **SMALL)


def test_float16_gradient_accumulation_reports_the_unscaled_loss(tmp_path):
    # The loss scale multiplies each micro-batch's loss; the summed gradients are unscaled once,
    # and the reported loss is divided by the scale the losses were multiplied by (a step skipped
    # for an overflow halves the scale: dividing by the new one doubled the logged d_loss).
    # 8x8 images: BigGAN's cheapest networks to compile
    settings = dict(dataset="digits", image_size=8, batch_size=8, base_filters=1, latent_dim=6,
                    shared_dim=2, steps_per_epoch=3, accumulation_steps=2)  # fmt: skip
    histories = {}
    for precision in ("float32", "float16"):
        out = str(tmp_path / precision)
        run = keras_gan.Run("biggan", output=out, precision=precision, **settings)
        assert run.train(steps=2, verbose=0).status == 0
        histories[precision] = _finite_history(out)
    assert isinstance(run.model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    # The first d_loss is computed before any update: float16 rounding apart, the same. Later
    # values follow different weights (float16 skips the steps whose gradients overflow).
    first = [histories[precision]["d_loss"][0] for precision in ("float16", "float32")]
    np.testing.assert_allclose(*first, rtol=0.05)


def test_float16_normalisations_take_their_statistics_in_float32():
    # ProGAN's and StyleGAN's layers add an epsilon of 1e-8, which is 0 in float16: all-alike
    # samples (minibatch stddev), a zero feature vector (pixel norm) or zero styles
    # (demodulation) then put a 0 under a square root. Before the statistics were taken in
    # float32, ProGAN's second float16 step on JAX had a NaN gradient penalty.
    from keras_gan import backend
    from keras_gan.layers import MinibatchStandardDeviation, ModulatedConv2D, PixelNormalization

    alike = np.ones((4, 4, 4, 3), "float32")
    stddev = MinibatchStandardDeviation(group_size=2, dtype="mixed_float16")
    features = keras.ops.convert_to_numpy(stddev(alike))
    assert features.dtype == np.float16
    # the appended map: sqrt(0 + 1e-8) = 1e-4, its float16 rounding
    np.testing.assert_allclose(features[..., -1], 1e-4, rtol=1e-3)
    gradient = backend.input_gradients(lambda x: keras.ops.sum(stddev(x)[..., -1]), alike)
    assert np.isfinite(keras.ops.convert_to_numpy(gradient)).all()

    zeros = np.zeros((2, 4, 4, 8), "float32")
    normalised = keras.ops.convert_to_numpy(PixelNormalization(dtype="mixed_float16")(zeros))
    np.testing.assert_array_equal(normalised, 0.0)

    convolution = ModulatedConv2D(4, 3, dtype="mixed_float16", seed=0)
    outputs = convolution([np.ones((2, 4, 4, 8), "float32"), np.zeros((2, 8), "float32")])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(outputs), 0.0)


def test_path_lengths_take_a_float16_synthesis_network():
    # StyleGAN's synthesis network draws float16 images under mixed_float16 while the random
    # directions y are float32; TensorFlow refused the product (StyleGAN's first float16 step).
    from keras_gan.losses import path_lengths

    ws = np.random.default_rng(0).normal(size=(3, 2, 4)).astype("float32")
    directions = np.random.default_rng(1).normal(size=(3, 2, 2, 1)).astype("float32")

    def synthesis(ws):
        # g(w) = 2 w_1 as a 2x2 image: J_1^T y = 2 y, J_2^T y = 0
        return keras.ops.cast(2.0 * keras.ops.reshape(ws[:, 0], (-1, 2, 2, 1)), "float16")

    lengths = keras.ops.convert_to_numpy(path_lengths(synthesis, ws, directions))
    # sqrt(mean over the two copies of ||J_i^T y||^2) = sqrt((4 ||y||^2 + 0) / 2)
    # (the gradient passes back through the float16 cast: float16's rounding, about 1e-3)
    expected = np.sqrt(4.0 * np.sum(directions**2, axis=(1, 2, 3)) / 2.0)
    np.testing.assert_allclose(lengths, expected, rtol=2e-3)
