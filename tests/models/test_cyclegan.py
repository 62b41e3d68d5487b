"""CycleGAN (Zhu et al. 2017): ResNet generators, LSGAN + cycle + identity losses, the history
pool inside the compiled step, the linear learning-rate decay, cross-backend parity."""

import keras
import numpy as np
import pytest
from keras import layers

from keras_gan import registry, testing
from keras_gan.models import CycleGAN
from keras_gan.models.cyclegan import cycle_objective, identity_objective
from keras_gan.networks.resnet import ReflectionPadding2D, default_blocks, resnet_generator
from keras_gan.schedules import LinearDecay

NETWORKS = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")


def small_cyclegan(**kwargs):
    kwargs = {
        "image_shape": (16, 16, 1), "base_filters": 4, "num_blocks": 1,
        "discriminator_filters": 4, "receptive_field": 16, "pool_size": 6, "seed": 1, **kwargs,
    }  # fmt: skip
    return CycleGAN(**kwargs)


def domains(num=8):
    return testing.random_images((16, 16, 1), num, seed=0), testing.random_images(
        (16, 16, 1), num, seed=1
    )


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_architecture_follows_the_paper():
    assert default_blocks(128) == 6 and default_blocks(256) == 9
    net = resnet_generator((16, 16, 1), 1, base_filters=4)  # num_blocks=None: 6 below 256
    assert sum(isinstance(l, layers.Add) for l in net.layers) == 6
    assert net.output_shape == (None, 16, 16, 1)
    norms = [l for l in net.layers if isinstance(l, layers.GroupNormalization)]
    # groups=-1 becomes one group per channel: instance normalisation
    assert norms and all(
        l.groups == l.input.shape[-1] and not l.center and not l.scale for l in norms
    )
    assert sum(isinstance(l, ReflectionPadding2D) for l in net.layers) == 2 + 2 * 6
    model = small_cyclegan()
    assert model.generator is model.generator_ab and model.discriminator is model.discriminator_b
    assert model.discriminator_a.output_shape == (None, 6, 6, 1)  # patch logits, unconditional
    assert not any(isinstance(l, layers.BatchNormalization) for l in model.discriminator_a.layers)


def test_reflection_padding_and_instance_norm_match_numpy():
    x = testing.random_images((5, 4, 2), 2, seed=5)
    np.testing.assert_allclose(
        numpy(ReflectionPadding2D(2)(x)),
        np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect"),
    )
    norm = layers.GroupNormalization(groups=-1, center=False, scale=False, epsilon=1e-5)
    mean, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(numpy(norm(x)), (x - mean) / np.sqrt(var + 1e-5), atol=1e-5)


def test_objectives_match_hand_computations():
    a = np.array([0.5, -0.5, 1.0, 0.0], "float32").reshape(1, 2, 2, 1)
    rec_a = np.array([0.0, -0.5, 0.5, 0.5], "float32").reshape(1, 2, 2, 1)
    b = np.zeros((1, 2, 2, 1), "float32")
    rec_b = np.full((1, 2, 2, 1), 0.25, "float32")
    # 10 * (mean|F(G(a)) - a| + mean|G(F(b)) - b|) = 10 * (1.5 / 4 + 0.25)
    np.testing.assert_allclose(numpy(cycle_objective(a, rec_a, b, rec_b, 10.0)), 6.25, rtol=1e-6)
    # 0.5 * 10 * (same terms)
    np.testing.assert_allclose(numpy(identity_objective(a, rec_a, b, rec_b, 5.0)), 3.125, rtol=1e-6)


def test_first_step_logs_are_the_papers_losses_by_hand():
    model = small_cyclegan()
    model.compile()
    a, b = domains(4)
    g, f = model.generator_ab, model.generator_ba
    d_a, d_b = model.discriminator_a, model.discriminator_b
    # Instance norm and no dropout: training and inference outputs are the same.
    fake_b, fake_a = numpy(g(a)), numpy(f(b))
    adversarial = np.mean((numpy(d_b(fake_b)) - 1) ** 2) + np.mean((numpy(d_a(fake_a)) - 1) ** 2)
    cycle = 10 * (np.mean(np.abs(numpy(f(fake_b)) - a)) + np.mean(np.abs(numpy(g(fake_a)) - b)))
    identity = 5 * (np.mean(np.abs(numpy(f(a)) - a)) + np.mean(np.abs(numpy(g(b)) - b)))
    # The discriminators see the translations made before the generator update (the pool
    # passes its first images through), with their own weights before their update.
    loss_a = 0.5 * np.mean((numpy(d_a(a)) - 1) ** 2) + 0.5 * np.mean(numpy(d_a(fake_a)) ** 2)
    loss_b = 0.5 * np.mean((numpy(d_b(b)) - 1) ** 2) + 0.5 * np.mean(numpy(d_b(fake_b)) ** 2)
    logs = testing.step_logs(model, (a, b), steps=1)[0]
    expected = {
        "g_adversarial_loss": adversarial, "cycle_loss": cycle, "identity_loss": identity,
        "g_loss": adversarial + cycle + identity, "d_a_loss": loss_a, "d_b_loss": loss_b,
        "d_loss": loss_a + loss_b,
    }  # fmt: skip
    for name, value in expected.items():
        np.testing.assert_allclose(logs[name], value, rtol=2e-4, err_msg=name)
    np.testing.assert_allclose(numpy(model.pool_b.images)[:4], fake_b, atol=1e-5)


def test_fit_updates_all_four_networks_fills_the_pools_and_saves(tmp_path):
    model = small_cyclegan()
    schedule = LinearDecay(2e-4, constant_epochs=1, decay_epochs=1, steps_per_epoch=1)
    model.compile(
        d_optimizer=keras.optimizers.Adam(schedule, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(LinearDecay(2e-4, 1, 1, 1), beta_1=0.5),
    )
    history = testing.check_fit(model, domains(8), steps=2, batch_size=4, networks=NETWORKS)
    assert set(history.history) == set(CycleGAN.log_names)
    # 8 translations per domain went through pools of 6: full
    assert int(numpy(model.pool_a.count)) == 6 and int(numpy(model.pool_b.count)) == 6
    # One optimizer for both generators, one for both discriminators (the reference code)
    assert (
        int(numpy(model.g_optimizer.iterations)) == 2
        and int(numpy(model.d_optimizer.iterations)) == 2
    )
    np.testing.assert_allclose(float(numpy(model.g_optimizer.learning_rate)), 0.0, atol=1e-12)
    restored = testing.check_save_load(model, tmp_path, domains(2)[0])
    np.testing.assert_allclose(
        restored.translate(domains(2)[1], "b_to_a"),
        model.translate(domains(2)[1], "b_to_a"),
        atol=1e-5,
    )
    np.testing.assert_array_equal(numpy(restored.pool_b.images), numpy(model.pool_b.images))
    assert isinstance(restored.g_optimizer._learning_rate, LinearDecay)
    assert (restored.cycle_weight, restored.identity_weight, restored.pool_size) == (10.0, 0.5, 6)


def test_fit_on_arrays_with_a_smaller_last_batch():
    # 6 pairs in batches of 4: the last batch has 2 (TensorFlow traces the step with an unknown
    # batch size, which the image pools must handle).
    model = small_cyclegan()
    model.compile()
    a, b = domains(6)
    history = model.fit((a, b), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["g_loss"][-1])
    assert int(numpy(model.pool_a.count)) == 6 and int(numpy(model.pool_b.count)) == 6


def test_linear_decay_schedule_values():
    # The paper: 100 epochs at 2e-4, then 100 decaying to zero; here 10 steps per epoch.
    schedule = LinearDecay(2e-4, constant_epochs=100, decay_epochs=100, steps_per_epoch=10)

    def lr(step):
        return float(numpy(schedule(step)))

    np.testing.assert_allclose(lr(0), 2e-4, rtol=1e-6)  # start
    np.testing.assert_allclose(lr(999), 2e-4, rtol=1e-6)  # last step of epoch 100
    np.testing.assert_allclose(lr(1000), 2e-4 * (1 - 1 / 101), rtol=1e-5)  # first decay epoch
    np.testing.assert_allclose(lr(1500), 2e-4 * (1 - 51 / 101), rtol=1e-5)  # mid decay
    np.testing.assert_allclose(lr(1999), 2e-4 / 101, rtol=1e-5)  # last training epoch
    assert lr(2000) == 0.0 and lr(5000) == 0.0  # zero after training
    copy = keras.optimizers.schedules.deserialize(keras.optimizers.schedules.serialize(schedule))
    assert isinstance(copy, LinearDecay) and copy.get_config() == schedule.get_config()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        LinearDecay(2e-4, 1, 1, 0)


def test_translate_between_domains_with_different_channels():
    model = small_cyclegan(image_shape=(16, 16, 3), source_channels=1, identity_weight=0.0)
    a = testing.random_images((16, 16, 1), 2)
    b = model.translate(a, direction="a_to_b")
    assert b.shape == (2, 16, 16, 3)
    assert model.translate(b, direction="b_to_a").shape == (2, 16, 16, 1)
    with pytest.raises(ValueError, match="direction"):
        model.translate(a, direction="sideways")
    with pytest.raises(ValueError, match="identity_weight=0"):
        small_cyclegan(image_shape=(16, 16, 3), source_channels=1)


def test_bad_input_raises():
    model = small_cyclegan()
    model.compile()
    a, b = domains(4)
    with pytest.raises(ValueError, match="same height and width"):
        model.fit((a, testing.random_images((8, 8, 1), 4)), batch_size=4)
    with pytest.raises(ValueError, match="multiple of 4"):
        resnet_generator((18, 18, 3))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        model.fit((a * 3, b), batch_size=4)


def test_first_steps_agree_across_backends(parity_dir):
    with testing.portable_random():
        model = small_cyclegan(pool_size=2, seed=3)  # the pool fills, then swaps by coin flips
        model.compile()
        testing.set_deterministic_weights(model)
        a, b = domains(4)
        logs = testing.step_logs(model, (a, b), steps=3)
    testing.check_parity("cyclegan", logs, parity_dir)


def test_registered_with_papers_settings():
    variant = registry.get("cyclegan")
    assert variant.model_class is CycleGAN
    paper = variant.config_class().with_paper_settings()
    assert (paper.image_size, paper.constant_epochs, paper.decay_epochs, paper.pool_size) == (
        256,
        100,
        100,
        50,
    )
    config = variant.config_class(
        base_filters=4, discriminator_filters=4, receptive_field=16, resnet_blocks=1,
        image_size=16, epochs=4, steps_per_epoch=3,
    )  # fmt: skip
    model = CycleGAN.from_train_config(config, (16, 16, 1))
    schedule = model.g_optimizer._learning_rate
    assert isinstance(schedule, LinearDecay)
    assert (schedule.constant_epochs, schedule.decay_epochs, schedule.steps_per_epoch) == (2, 2, 3)
