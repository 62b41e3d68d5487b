"""LoGAN (Wu et al. 2019): BigGAN with a natural-gradient step on z, differentiated through."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan import testing
from keras_gan.models import LoGAN
from tests.models.test_biggan import labelled, numpy

SHAPE = (16, 16, 1)  # three slots: z in 3 chunks
PIXELS = 16 * 16


def tiny(**kwargs):
    kwargs = {
        "image_shape": SHAPE,
        "num_classes": 3,
        "latent_dim": 6,
        "base_filters": 2,
        "shared_dim": 4,
        "ema_start": 0,
        "seed": 1,
        **kwargs,
    }
    model = LoGAN(**kwargs)
    model.compile()
    return model


def linear_networks(kernel, weights):
    """G(z, y) = z K reshaped to an image; D(x, y) = x . v + c (both ignore the label)."""
    z = keras.Input((kernel.shape[0],))
    y = keras.Input((), dtype="int32")
    dense = keras.layers.Dense(PIXELS, use_bias=False, name="dense")
    generator = keras.Model([z, y], keras.layers.Reshape(SHAPE)(dense(z)))
    dense.kernel.assign(kernel)
    x = keras.Input(SHAPE)
    label = keras.Input((), dtype="int32")
    score = keras.layers.Dense(1, name="dense")
    discriminator = keras.Model([x, label], score(keras.layers.Flatten()(x)))
    score.kernel.assign(weights[:, None])
    return generator, discriminator


def linear_logan(kernel, weights, latents, learning_rate=0.1, **kwargs):
    """LoGAN on the linear networks, trained with SGD, every latent draw returning `latents`."""
    model = LoGAN(
        *linear_networks(kernel, weights),
        num_classes=3,
        image_shape=SHAPE,
        latent_dim=kernel.shape[0],
        orthogonal_regularization=0.0,
        seed=0,
        **kwargs,
    )
    model.sample_latent = lambda batch_size, seed=None: ops.convert_to_tensor(latents)
    model.compile(
        d_optimizer=keras.optimizers.SGD(learning_rate),
        g_optimizer=keras.optimizers.SGD(learning_rate),
    )
    return model


def test_one_step_matches_the_hand_computed_gradients_through_the_latent_step():
    # With G(z) = z K and D(x) = x.v + c, g = dD/dz = K v for every latent, s = ||K v||^2,
    # dz = a K v / (b + s), and D(G(z')) = z K v + a s / (b + s): the step adds a term that
    # depends on K and v, whose gradient is the "second-order" part (ds/dv = 2 K^T K v,
    # ds/dK = 2 K v v^T). Scores stay inside the hinge's margins, so both hinges are linear.
    rng = np.random.default_rng(0)
    d, a, b, w, lr = 6, 0.9, 0.1, 0.1, 0.1
    kernel = rng.normal(0, 0.1, (d, PIXELS)).astype("float32")
    v0 = rng.normal(0, 0.01, PIXELS).astype("float32")
    z = rng.uniform(-1, 1, (8, d)).astype("float32")
    images, labels = labelled(8)
    x = images.reshape(8, PIXELS).astype("float64")
    # the normal prior: z' is not clipped (the step grows to ~0.7 once D has moved)
    model = linear_logan(
        kernel, v0, z, latent_step_size=a, latent_damping=b, transport_weight=w,
        latent_optimised_share=1.0, latent_distribution="normal",
    )  # fmt: skip
    logs = model.train_on_batch((images, labels), return_dict=True)

    K, z_mean = kernel.astype("float64"), z.mean(0).astype("float64")

    def step_terms(v):
        s = float((K @ v) @ (K @ v))
        # d/ds of a s/(b+s) (the score gained) and of w a^2 s/(b+s)^2 (the transport cost)
        return s, a * b / (b + s) ** 2, w * a**2 * (b - s) / (b + s) ** 3

    # Discriminator: L_D = 2 - mean(x).v + mean(z) K v + a s/(b+s) + w a^2 s/(b+s)^2
    s, gained, transport = step_terms(v0)
    grad_v = -x.mean(0) + K.T @ z_mean + (gained + transport) * 2 * K.T @ (K @ v0)
    v1 = numpy(model.discriminator.get_layer("dense").kernel)[:, 0]
    np.testing.assert_allclose(v1 - v0, -lr * grad_v, rtol=2e-3, atol=1e-7)
    second_order = (gained + transport) * 2 * K.T @ (K @ v0)
    assert np.abs(second_order).max() > 0.1 * np.abs(grad_v).max()  # not a rounding error
    np.testing.assert_allclose(
        logs["d_loss"], 2 - x.mean(0) @ v0 + z_mean @ K @ v0 + a * s / (b + s), rtol=1e-4
    )
    # Generator, against the updated D: L_G = -mean(z) K v1 - a s/(b+s) + w a^2 s/(b+s)^2 - c
    v1 = v1.astype("float64")
    s, gained, transport = step_terms(v1)
    grad_k = -np.outer(z_mean, v1) + (-gained + transport) * 2 * np.outer(K @ v1, v1)
    kernel_1 = numpy(model.generator.get_layer("dense").kernel)
    np.testing.assert_allclose(kernel_1 - kernel, -lr * grad_k, rtol=2e-3, atol=1e-7)
    np.testing.assert_allclose(logs["transport_cost"], a**2 * s / (b + s) ** 2, rtol=1e-4)
    c = float(numpy(model.discriminator.get_layer("dense").bias)[0])
    np.testing.assert_allclose(
        logs["g_loss"], -(z_mean @ K @ v1 + a * s / (b + s)) - c, rtol=1e-4, atol=1e-7
    )


def test_the_latent_step_is_clipped_to_the_prior_and_taken_by_a_share_of_the_latents():
    rng = np.random.default_rng(1)
    kernel = rng.normal(0, 0.1, (6, PIXELS)).astype("float32")
    v = rng.normal(0, 0.01, PIXELS).astype("float32")
    z = rng.uniform(-1, 1, (64, 6)).astype("float32")
    y = np.zeros(64, "int32")
    g = kernel.astype("float64") @ v  # the same gradient for every latent
    for share, distribution in ((1.0, "uniform"), (1.0, "normal"), (0.5, "uniform")):
        model = linear_logan(kernel, v, z, latent_step_size=5.0, latent_damping=0.1,
                             latent_optimised_share=share, latent_distribution=distribution)  # fmt: skip
        moved, transport = model.optimise_latents(z, y)
        moved = numpy(moved)
        step = 5.0 * g / (0.1 + g @ g)
        if distribution == "normal":  # no clipping outside U(-1, 1)'s support
            np.testing.assert_allclose(moved, z + step, rtol=1e-5, atol=1e-6)
            assert np.abs(moved).max() > 1.0
            continue
        taken = np.isclose(moved, np.clip(z + step, -1, 1), atol=1e-5).all(axis=1)
        kept = np.isclose(moved, z, atol=1e-6).all(axis=1)
        assert np.abs(moved).max() <= 1.0 and (taken | kept).all()
        assert taken.all() if share == 1.0 else 16 <= taken.sum() <= 48
        # the transport cost is the step's E||dz||^2, before the clip
        np.testing.assert_allclose(float(numpy(transport)), taken.mean() * step @ step, rtol=1e-4)
    model = linear_logan(kernel, v, z, latent_optimised_share=0.0)
    moved, transport = model.optimise_latents(z, y, steps=3)
    np.testing.assert_array_equal(numpy(moved), z)
    assert float(numpy(transport)) == 0.0


def test_training_moves_both_networks_with_leaky_relus_and_logs_the_transport_cost():
    model = tiny(accumulation_steps=2, ema_decay=0.5)
    for network in (model.generator, model.discriminator):
        slopes = [layer.negative_slope for layer in network.layers
                  if isinstance(layer, keras.layers.ReLU)]  # fmt: skip
        assert len(slopes) >= 4 and set(slopes) == {0.2}
    history = testing.check_fit(model, labelled(16), batch_size=8, networks=("generator",))
    assert set(history.history) == {"d_loss", "g_loss", "transport_cost", "orthogonal_penalty",
                                    "g_attention_gain", "d_attention_gain"}  # fmt: skip
    assert all(cost > 0 for cost in history.history["transport_cost"])
    # On the trained networks, a small step raises the discriminator's score of nearly every
    # latent (the step's direction is D's gradient through G's leaky ReLUs and batch norms)
    model.latent_step_size, model.latent_optimised_share = 0.01, 1.0
    z = model.sample_latent(16)
    y = ops.convert_to_tensor(np.arange(16, dtype="int32") % 3)

    def scores(latents):
        images = model.generator([latents, y], training=False)
        return numpy(model.discriminator([images, y], training=False))[:, 0]

    moved, _ = model.optimise_latents(z, y)
    rose = scores(moved) - scores(z)
    assert (rose > 0).mean() >= 0.9 and rose.mean() > 0, rose


def test_without_its_step_logan_trains_as_biggan_with_its_prior_and_relus():
    # alpha = 0 computes no latent gradient (the ablation costs a BigGAN step) and so leaves
    # the networks' other state alone: two steps end on BigGAN's weights exactly
    from keras_gan.models import BigGAN

    settings = {"image_shape": SHAPE, "num_classes": 3, "latent_dim": 6, "base_filters": 2,
                "shared_dim": 4, "seed": 1, "latent_distribution": "uniform",
                "negative_slope": 0.2}  # fmt: skip
    logan, biggan = LoGAN(latent_step_size=0.0, **settings), BigGAN(**settings)
    images, labels = labelled(8)
    for model in (logan, biggan):
        model.compile()
    for mine, its in zip(logan.variables, biggan.variables, strict=True):
        its.assign(numpy(mine))  # the spectral norms' first vectors are drawn unseeded
    logs = {}
    for model in (logan, biggan):
        for _ in range(2):
            logs[model] = model.train_on_batch(images, labels, return_dict=True)
    assert logs[logan]["transport_cost"] == 0.0
    assert logs[logan]["g_loss"] == pytest.approx(logs[biggan]["g_loss"], rel=1e-5)
    for a, b in zip(logan.variables, biggan.variables, strict=True):
        np.testing.assert_allclose(numpy(a), numpy(b), rtol=1e-5, atol=1e-6, err_msg=a.path)
    z, y = logan.sample_latent(4), ops.convert_to_tensor(np.arange(4, dtype="int32") % 3)
    moved, transport = logan.optimise_latents(z, y)
    np.testing.assert_array_equal(numpy(moved), numpy(z))
    assert float(transport) == 0.0


def test_save_load_keeps_the_latent_step(tmp_path):
    # Untrained: the settings and the weights round-trip (a trained LoGAN's optimizer state and
    # random stream are checked by the resume test below, without a third compilation here).
    model = tiny(latent_steps=2, latent_optimised_share=0.5, transport_weight=0.3)
    z = numpy(model.sample_latent(4))
    y = np.array([0, 1, 2, 1], "int32")
    restored = testing.check_save_load(model, tmp_path, [z, y])
    for name, value in (("latent_steps", 2), ("latent_optimised_share", 0.5),
                        ("transport_weight", 0.3), ("latent_distribution", "uniform"),
                        ("negative_slope", 0.2)):  # fmt: skip
        assert getattr(restored, name) == value, name
    np.testing.assert_allclose(restored.generate(latents=z, labels=y), model.generate(latents=z, labels=y), atol=1e-5)  # fmt: skip


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"latent_damping": 0.0}, r"latent_damping` must be a finite number > 0"),
        ({"latent_step_size": -0.9}, r"latent_step_size` must be a finite number >= 0"),
        ({"latent_optimised_share": 1.5}, r"latent_optimised_share` must be a number in \[0, 1\]"),
        ({"latent_steps": 0}, r"latent_steps` must be a positive integer"),
        ({"negative_slope": -0.2}, r"negative_slope` must be a number in \[0, 1\]"),
        ({"latent_distribution": "cauchy"}, r"'normal' or 'uniform'. .*cauchy"),
    ],
)
def test_bad_settings_are_refused_with_their_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny(**kwargs)


def test_parity(parity_dir):
    # without accumulation (BigGAN's parity test has it): half the graph to compile
    model = tiny(ema_decay=0.9, latent_optimised_share=0.5)
    testing.set_deterministic_weights(model)
    with testing.portable_random():
        logs = testing.step_logs(model, labelled(8), steps=3)
    # rtol 1e-3: the latent step dz = alpha g / (beta + |g|^2) amplifies rounding. On an
    # AVX-512 machine, the tests' unoptimised XLA (tests/conftest.py) put step 3's g_loss 1.4e-4
    # and transport cost 5.5e-4 (relative) from the reference, while TensorFlow, PyTorch and
    # optimised JAX agreed within 3e-6 (TensorFlow's batch-norm moments bug of d6f37dc was 1e-2).
    testing.check_parity("logan", logs, parity_dir, rtol=1e-3, atol=1e-5)


@pytest.mark.one_backend(
    "torch",
    reason="the resume machinery is checked on every backend (tests/test_train.py, tests/test_run.py); LoGAN's latent step resumes through it, checked once",
)
def test_a_run_resumed_mid_epoch_equals_the_straight_run(tmp_path):
    # The latent step's random choice of latents comes from the model's stream, which resumes.
    import keras_gan
    from tests.test_train import assert_same_run

    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    # 8x8 images: one generator block, the cheapest network to compile
    settings = dict(dataset="mnist", image_size=8, batch_size=4, latent_dim=2, base_filters=1,
                    shared_dim=2, steps_per_epoch=3, ema_start=1, attention_resolution=0,
                    latent_optimised_share=0.5)  # fmt: skip
    assert keras_gan.Run("logan", output=straight, **settings).train(steps=4, verbose=0).done
    run = keras_gan.Run("logan", output=pieces, **settings)
    assert run.train(steps=2, verbose=0).step == 2  # mid-epoch
    assert keras_gan.Run.resume(pieces).train(steps=4, verbose=0).step == 4
    assert_same_run(straight, pieces)
