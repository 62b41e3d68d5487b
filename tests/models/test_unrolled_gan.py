"""Unrolled GAN (Metz et al. 2017): the generator's gradient through K discriminator updates
against a finite difference, the unrolled Adam step against Keras' Adam, training, saving,
parity across backends and bad input."""

import keras
import numpy as np
import pytest
from keras import layers, ops

from keras_gan import losses, testing
from keras_gan.models import UnrolledGAN
from keras_gan.models.unrolled_gan import _AdamUpdate


def numpy(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


def tiny(unrolling_steps=2, **kwargs):
    """A GAN on 2-D points: G(z) = Az + b, D a one-hidden-layer tanh network."""
    generator = keras.Sequential([layers.Input((2,)), layers.Dense(2)])
    discriminator = keras.Sequential(
        [layers.Input((2,)), layers.Dense(4, activation="tanh"), layers.Dense(1)]
    )
    return UnrolledGAN(generator=generator, discriminator=discriminator, latent_dim=2, seed=3,
                       unrolling_steps=unrolling_steps, **kwargs)  # fmt: skip


def surrogate(model, real, z):
    """f_K at the model's current weights, evaluated outside a training step."""
    fake = model.generator(z, training=True)
    weights = model.unrolled_discriminator(real, fake)
    return float(
        -losses.minimax_discriminator_loss(
            model.discriminator_with(weights, real), model.discriminator_with(weights, fake)
        )
    )


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_generator_gradient_goes_through_the_unrolled_updates(optimizer):
    model = tiny(unrolling_steps=2)
    d_optimizer = keras.optimizers.SGD(0.5) if optimizer == "sgd" else keras.optimizers.Adam(0.05)
    model.compile(d_optimizer=d_optimizer, g_optimizer=keras.optimizers.SGD(1.0),
                  run_eagerly=True)  # fmt: skip
    testing.set_deterministic_weights(model)
    rng = np.random.default_rng(0)
    real = rng.normal(size=(8, 2)).astype("float32")
    if optimizer == "adam":  # a state of its own, not zeros: the unrolling continues it
        model.train_on_batch(real)
    drawn = testing.record_latents(model)
    g_before = testing.snapshot(model.generator.trainable_variables)
    d_before = testing.snapshot(model.discriminator.trainable_variables)
    d_state = testing.snapshot(model.d_optimizer.variables)
    model.train_on_batch(real)
    z = drawn[1]  # the generator's noise (drawn[0]: the discriminator's fakes)
    # SGD at rate 1: the step moved the generator by minus the gradient of its loss, f_K
    step = [numpy(v) - b for v, b in zip(model.generator.trainable_variables, g_before)]
    for variable, value in zip(model.discriminator.trainable_variables, d_before):
        variable.assign(value)
    for variable, value in zip(model.d_optimizer.variables, d_state):
        variable.assign(value)
    for variable, value in zip(model.generator.trainable_variables, g_before):
        variable.assign(value)  # every weight back where the step's gradient was taken
    for g_index, variable in enumerate(model.generator.trainable_variables):
        base = np.array(g_before[g_index])
        for i in np.ndindex(base.shape):

            def central(h, i=i, base=base, variable=variable):
                values = []
                for sign in (1, -1):
                    moved = base.copy()
                    moved[i] += sign * h
                    variable.assign(moved)
                    values.append(surrogate(model, real, z))
                variable.assign(base)
                return (values[0] - values[1]) / (2 * h)

            # d f_K / d theta by central differences, Richardson-extrapolated: O(h^4)
            finite = (4 * central(1e-2) - central(2e-2)) / 3
            assert -step[g_index][i] == pytest.approx(finite, rel=1e-2, abs=2e-5), (g_index, i)


def test_the_unrolled_gradient_is_not_the_plain_gradient_at_the_unrolled_weights():
    # Dropping d theta_D^K / d G(z) (the approximation the paper improves on) changes it.
    model = tiny(unrolling_steps=3)
    model.compile(d_optimizer=keras.optimizers.SGD(0.5), g_optimizer=keras.optimizers.SGD(1.0))
    testing.set_deterministic_weights(model)
    plain = tiny(unrolling_steps=0)
    plain.compile(d_optimizer=keras.optimizers.SGD(0.5), g_optimizer=keras.optimizers.SGD(1.0))
    testing.set_deterministic_weights(plain)
    real = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    model.train_on_batch(real)
    plain.train_on_batch(real)
    assert not np.allclose(
        numpy(model.generator.trainable_variables[0]), numpy(plain.generator.trainable_variables[0])
    )


def test_the_unrolled_adam_step_is_keras_adam():
    dense = keras.Sequential([layers.Input((3,)), layers.Dense(2)])
    adam = keras.optimizers.Adam(0.1, beta_1=0.5)
    adam.build(dense.trainable_variables)
    gradients = [ops.ones((3, 2)) * 0.3, ops.convert_to_tensor([0.2, -0.4])]
    adam.apply(gradients, dense.trainable_variables)  # a state of its own
    update = _AdamUpdate(adam, dense.trainable_variables)
    weights = [ops.convert_to_tensor(v) for v in dense.trainable_variables]
    second = [ops.ones((3, 2)) * -0.1, ops.convert_to_tensor([0.5, 0.1])]
    unrolled, _ = update(weights, second, update.initial_state(), 0)
    adam.apply(second, dense.trainable_variables)
    for mine, keras_value in zip(unrolled, dense.trainable_variables):
        np.testing.assert_allclose(numpy(mine), numpy(keras_value), rtol=1e-5, atol=1e-7)


def small(**kwargs):
    kwargs.setdefault("unrolling_steps", 2)
    return UnrolledGAN(image_shape=(8, 8, 1), base_filters=4, latent_dim=4, seed=0, **kwargs)


def test_it_trains_and_reloads(tmp_path):
    model = small()
    model.compile()
    testing.check_fit(model, testing.random_images((8, 8, 1), 16), steps=2, batch_size=8)
    testing.check_save_load(model, str(tmp_path), np.zeros((2, 4), "float32"))
    assert keras.saving.load_model(str(tmp_path / "model.keras")).unrolling_steps == 2


def test_parity_across_backends(parity_dir):
    with testing.portable_random():
        model = small()
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, testing.random_images((8, 8, 1), 8, seed=4), steps=3)
    testing.check_parity("unrolled_gan", logs, parity_dir)


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(unrolling_steps=-1), "`unrolling_steps` must be an integer >= 0"),
        (dict(unrolling_steps=1.5), "`unrolling_steps` must be an integer >= 0"),
        (dict(generator_loss="wasserstein"), "'minimax', 'non_saturating'"),
        (dict(generator_steps=2), "`generator_steps` does not apply"),
        (dict(discriminator_steps=5), "`discriminator_steps` does not apply"),
    ],
)
def test_bad_settings_name_the_value_and_what_is_accepted(settings, message):
    with pytest.raises(ValueError, match=message):
        small(**settings)
