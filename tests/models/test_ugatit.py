"""U-GAT-IT (Kim et al. 2020): AdaLIN/LIN and the CAM attention against NumPy, the global and
local discriminators, the four losses of the first step by hand, rho clipped to [0, 1], L2 weight
decay, save/load, resume mid-epoch, bad inputs, cross-backend parity."""

import keras
import numpy as np
import pytest
from keras import layers

from keras_gan import registry, testing
from keras_gan.models import UGATIT
from keras_gan.models.ugatit import cam_loss, least_squares_loss
from keras_gan.networks.sngan import SpectralNormalization
from keras_gan.networks.ugatit import (
    AdaptiveLayerInstanceNormalization,
    ClassActivationAttention,
    ClipToRange,
    LayerInstanceNormalization,
    default_discriminator_layers,
    layer_instance_normalize,
    receptive_field,
    ugatit_discriminator,
    ugatit_generator,
)
from keras_gan.schedules import LinearDecay

NETWORKS = (
    "generator_ab", "generator_ba", "discriminator_a", "discriminator_b",
    "local_discriminator_a", "local_discriminator_b",
)  # fmt: skip


def small_ugatit(**kwargs):
    kwargs = {
        "image_shape": (16, 16, 1), "base_filters": 4, "num_blocks": 1,
        "discriminator_filters": 4, "seed": 1, **kwargs,
    }  # fmt: skip
    return UGATIT(**kwargs)


def domains(num=8):
    return testing.random_images((16, 16, 1), num, seed=0), testing.random_images(
        (16, 16, 1), num, seed=1
    )


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def lin_numpy(x, rho, eps=1e-5):
    x = x.astype("float64")
    instance = (x - x.mean(axis=(1, 2), keepdims=True)) / np.sqrt(
        x.var(axis=(1, 2), keepdims=True) + eps
    )
    layer = (x - x.mean(axis=(1, 2, 3), keepdims=True)) / np.sqrt(
        x.var(axis=(1, 2, 3), keepdims=True) + eps
    )
    return rho * instance + (1 - rho) * layer


def softplus(t):
    return np.log1p(np.exp(t.astype("float64")))


def test_architecture_follows_the_authors_code():
    # The paper's discriminators at 256x256: global 7 layers (286 px), local 5 (70 px)
    assert (receptive_field(7), receptive_field(5)) == (286, 70)
    assert default_discriminator_layers(256) == (7, 5)
    assert default_discriminator_layers(28) == (4, 3) and receptive_field(4) >= 28
    g = ugatit_generator((16, 16, 1), base_filters=4, num_blocks=2, light=True)
    assert [tuple(s) for s in g.output_shape] == [(None, 16, 16, 1), (None, 2), (None, 4, 4, 1)]
    convs = [l for l in g.layers if isinstance(l, layers.Conv2D)]
    # bias=False everywhere but the attention's 1x1 convolution
    assert [l.name for l in convs if l.use_bias] == ["attention_conv"]
    assert sum(isinstance(l, AdaptiveLayerInstanceNormalization) for l in g.layers) == 4
    assert sum(isinstance(l, LayerInstanceNormalization) for l in g.layers) == 2
    norms = [l for l in g.layers if isinstance(l, layers.GroupNormalization)]
    # encoder: instance norm without affine parameters after c7, d128, d256 and 2 x 2 blocks
    assert len(norms) == 3 + 2 * 2 and not any(l.center or l.scale for l in norms)
    # light: gamma/beta from the pooled 16-channel maps; full: from the flattened 4x4x16
    assert g.get_layer("fc0").kernel.shape == (16, 16)
    full = ugatit_generator((16, 16, 1), base_filters=4, num_blocks=1, light=False)
    assert full.get_layer("fc0").kernel.shape == (4 * 4 * 16, 16)
    d = ugatit_discriminator((32, 32, 1), base_filters=4, num_layers=5)
    # 32 -> 16 -> 8 -> 4 (stride 2, 4, 8, 16 filters), 4 -> 3 (32 filters), CAM, 3 -> 2
    assert [tuple(s) for s in d.output_shape] == [(None, 2, 2, 1), (None, 2), (None, 3, 3, 1)]
    wrapped = [l for l in d.layers if isinstance(l, SpectralNormalization)]
    assert [l.layer.filters for l in wrapped] == [4, 8, 16, 32, 1]
    assert (
        d.get_layer("cam").spectral_normalization and not g.get_layer("cam").spectral_normalization
    )
    # without spectral normalisation (an experiment's switch): the same layers and initial
    # kernels, unwrapped, so the scores are the raw convolutions' (sigma != 1: they differ)
    plain = ugatit_discriminator((32, 32, 1), base_filters=4, num_layers=5, seed=3,
                                 spectral_normalization=False)  # fmt: skip
    wrapped = ugatit_discriminator((32, 32, 1), base_filters=4, num_layers=5, seed=3)
    assert not any(isinstance(l, SpectralNormalization) for l in plain.layers)
    assert not plain.get_layer("cam").spectral_normalization
    for name in ("down0", "conv", "scores"):
        np.testing.assert_array_equal(
            numpy(plain.get_layer(name).kernel), numpy(wrapped.get_layer(name).layer.kernel)
        )
    images = testing.random_images((32, 32, 1), 2, seed=0)
    assert not np.allclose(numpy(plain(images)[0]), numpy(wrapped(images)[0]), atol=1e-3)
    model = small_ugatit(image_shape=(32, 32, 1))  # global 4 layers, local 3
    assert model.discriminator_a.output_shape[0] == (None, 6, 6, 1)
    assert model.local_discriminator_a.output_shape[0] == (None, 14, 14, 1)


def test_layer_instance_normalisation_matches_numpy():
    x = testing.random_images((5, 4, 3), 2, seed=2) * 3 + 1
    rho = np.array([1.0, 0.0, 0.3], "float32")
    np.testing.assert_allclose(
        numpy(layer_instance_normalize(x, rho)), lin_numpy(x, rho), atol=1e-5
    )
    # AdaLIN: gamma, beta per image and channel
    gamma = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], "float32")
    beta = np.array([[0.0, 1.0, -1.0], [2.0, 0.0, 0.5]], "float32")
    adalin = AdaptiveLayerInstanceNormalization(rho_initial=0.25)
    expected = lin_numpy(x, 0.25) * gamma[:, None, None] + beta[:, None, None]
    np.testing.assert_allclose(numpy(adalin([x, gamma, beta])), expected, atol=1e-5)
    # LIN starts as layer normalisation (rho = 0) with gamma 1, beta 0
    np.testing.assert_allclose(numpy(LayerInstanceNormalization()(x)), lin_numpy(x, 0.0), atol=1e-5)
    clipped = numpy(ClipToRange(0, 1)(np.array([-0.5, 0.4, 1.7], "float32")))
    np.testing.assert_allclose(clipped, [0.0, 0.4, 1.0])


def test_class_activation_attention_matches_numpy():
    x = testing.random_images((3, 3, 4), 2, seed=3)
    cam = ClassActivationAttention()
    attention, logits = (numpy(t) for t in cam(x))
    w_avg, w_max = numpy(cam.average_logit.kernel)[:, 0], numpy(cam.max_logit.kernel)[:, 0]
    np.testing.assert_allclose(
        logits, np.stack([x.mean(axis=(1, 2)) @ w_avg, x.max(axis=(1, 2)) @ w_max], -1), atol=1e-5
    )
    np.testing.assert_allclose(attention, np.concatenate([x * w_avg, x * w_max], -1), atol=1e-6)
    # spectrally normalised (the discriminator's): w / sigma(w) in the logits and the maps
    sn = ClassActivationAttention(spectral_normalization=True)
    attention, logits = (numpy(t) for t in sn(x))
    w = numpy(sn.average_logit.kernel)[:, 0]
    _, sigma = sn.average_logit.spectral_norm()
    np.testing.assert_allclose(float(numpy(sigma)), np.linalg.norm(w), rtol=1e-5)  # a vector
    np.testing.assert_allclose(
        logits[:, 0], x.mean(axis=(1, 2)) @ (w / np.linalg.norm(w)), atol=1e-5
    )
    np.testing.assert_allclose(attention[..., :4], x * w / np.linalg.norm(w), atol=1e-6)


def test_losses_match_hand_computations():
    scores = np.array([[0.5, 2.0], [1.0, -1.0]], "float32")
    np.testing.assert_allclose(numpy(least_squares_loss(scores, 1.0)), (0.25 + 1 + 0 + 4) / 4)
    source = np.array([[2.0, -1.0]], "float32")
    target = np.array([[0.5, 3.0]], "float32")
    # -mean log sigma(source) - mean log(1 - sigma(target))
    expected = np.mean(softplus(-source)) + np.mean(softplus(target))
    np.testing.assert_allclose(numpy(cam_loss(source, target)), expected, rtol=1e-6)


def plain_critic(shape, seed):
    """A discriminator without spectral normalisation (stateless), with U-GAT-IT's outputs."""
    init = [keras.initializers.GlorotUniform(seed * 10 + i) for i in range(4)]
    images = keras.Input(shape)
    x = layers.Conv2D(4, 4, strides=2, padding="same", kernel_initializer=init[0])(images)
    attention, logits = ClassActivationAttention(kernel_initializer=init[1])(x)
    scores = layers.Conv2D(1, 3, padding="same", kernel_initializer=init[2])(attention)
    heatmap = layers.Conv2D(1, 1, kernel_initializer=init[3])(attention)
    return keras.Model(images, [scores, logits, heatmap])


def test_first_step_logs_are_the_papers_losses_by_hand():
    def build():
        critics = {n: plain_critic((16, 16, 1), i) for i, n in enumerate(NETWORKS[2:])}
        return small_ugatit(**critics)

    model = build()
    model.compile()
    twin = build()  # the same initial weights
    a, b = domains(4)
    g, f = twin.generator_ab, twin.generator_ba
    fake_b, fake_a = numpy(g(a)[0]), numpy(f(b)[0])

    def mse(x, t):
        return np.mean((numpy(x) - t) ** 2)

    critics = {"a": (a, fake_a, (twin.discriminator_a, twin.local_discriminator_a)),
               "b": (b, fake_b, (twin.discriminator_b, twin.local_discriminator_b))}  # fmt: skip
    d = {}
    for domain, (real, fake, nets) in critics.items():
        d[domain] = sum(
            mse(net(real)[0], 1)
            + mse(net(fake)[0], 0)
            + mse(net(real)[1], 1)
            + mse(net(fake)[1], 0)
            for net in nets
        )
    logs = testing.step_logs(model, (a, b), steps=1)[0]
    # G's losses read the updated discriminators and the generators before their update
    updated = {"a": (model.discriminator_a, model.local_discriminator_a),
               "b": (model.discriminator_b, model.local_discriminator_b)}  # fmt: skip
    translations = {"a": fake_a, "b": fake_b}
    adversarial = sum(
        mse(net(translations[k])[0], 1) + mse(net(translations[k])[1], 1)
        for k, nets in updated.items()
        for net in nets
    )
    cycle = np.mean(np.abs(numpy(f(fake_b)[0]) - a)) + np.mean(np.abs(numpy(g(fake_a)[0]) - b))
    identity = np.mean(np.abs(numpy(f(a)[0]) - a)) + np.mean(np.abs(numpy(g(b)[0]) - b))
    cam = (
        np.mean(softplus(-numpy(g(a)[1]))) + np.mean(softplus(numpy(g(b)[1])))
        + np.mean(softplus(-numpy(f(b)[1]))) + np.mean(softplus(numpy(f(a)[1])))
    )  # fmt: skip
    expected = {
        "d_a_loss": d["a"], "d_b_loss": d["b"], "d_loss": d["a"] + d["b"],
        "g_adversarial_loss": adversarial, "cycle_loss": cycle, "identity_loss": identity,
        "cam_loss": cam, "g_loss": adversarial + 10 * cycle + 10 * identity + 1000 * cam,
    }  # fmt: skip
    for name, value in expected.items():
        np.testing.assert_allclose(logs[name], value, rtol=2e-4, atol=1e-6, err_msg=name)


def test_weight_decay_is_an_l2_term_whose_gradient_is_torchs():
    model = small_ugatit(weight_decay=0.01)
    weights = [numpy(v) for v in model.generators.trainable_variables]
    expected = 0.005 * sum(float(np.sum(w.astype("float64") ** 2)) for w in weights)
    np.testing.assert_allclose(
        float(numpy(model.weight_penalty(model.generators))), expected, rtol=1e-5
    )
    assert float(numpy(small_ugatit(weight_decay=0.0).weight_penalty(model.generators))) == 0.0


def test_rho_stays_in_the_unit_interval_after_every_update():
    # A large step pushes some rho past 0 or 1: the constraint clips them after the update.
    model = small_ugatit()
    model.compile(d_optimizer=keras.optimizers.SGD(1e-3), g_optimizer=keras.optimizers.SGD(1e4))
    testing.step_logs(model, domains(4), steps=1)  # one step: the gradients are finite
    rhos = np.concatenate(
        [numpy(v).ravel() for v in model.generators.trainable_variables if v.name == "rho"]
    )
    # per generator, one rho per channel: 2 AdaLIN of 16 channels, LIN of 8 and of 4
    assert len(rhos) == 2 * (2 * 16 + 8 + 4)
    assert rhos.min() >= 0.0 and rhos.max() <= 1.0
    assert np.any((rhos == 0.0) | (rhos == 1.0))  # clipped, not merely small steps


def test_training_teaches_the_generators_classifier_the_two_domains():
    # Bright left halves (A) and bright top halves (B), on noise: eta_s learns to read its
    # source domain (a brightness offset alone would not do: instance norm removes it).
    rng = np.random.default_rng(0)
    a = rng.uniform(-1.0, -0.5, (8, 16, 16, 1)).astype("float32")
    b = a[:, ::-1].copy()
    a[:, :, :8] += 1.4
    b[:, :8, :] += 1.4
    model = small_ugatit(seed=3)
    model.compile(  # 10x the paper's rate, for a short test
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
    )
    logs = testing.step_logs(model, (a, b), steps=30)
    # better than chance (4 log 2: two classifiers, two terms each), and falling
    assert logs[-1]["cam_loss"] < min(4 * np.log(2), 0.8 * logs[0]["cam_loss"])
    _, heat, on_source = model.attention_maps(a[:4])
    _, _, on_target = model.attention_maps(b[:4])
    assert heat.shape == (4, 16, 16) and heat.min() >= 0.0 and heat.max() <= 1.0
    # G_{A->B}'s classifier reads A as its source domain more than B
    assert on_source.mean() > on_target.mean()


def test_fit_updates_all_six_networks_saves_and_reloads(tmp_path):
    model = small_ugatit()
    model.compile()
    history = testing.check_fit(model, domains(8), steps=2, batch_size=4, networks=NETWORKS)
    assert set(history.history) == set(UGATIT.log_names)
    assert int(numpy(model.d_optimizer.iterations)) == 2
    restored = testing.check_save_load(model, tmp_path, domains(2)[0])
    _, b = domains(3)
    np.testing.assert_allclose(
        restored.translate(b, "b_to_a"), model.translate(b, "b_to_a"), atol=1e-5
    )
    np.testing.assert_allclose(
        restored.attention_maps(b, "b_to_a")[1], model.attention_maps(b, "b_to_a")[1], atol=1e-4
    )
    assert restored.light and restored.cam_weight == 1000.0 and restored.weight_decay == 1e-4
    np.testing.assert_array_equal(model.generate(b), model.translate(b))
    np.testing.assert_array_equal(numpy(model(b)), numpy(model.generator_ab(b)[0]))


def test_bad_input_raises():
    model = small_ugatit()
    model.compile()
    a, b = domains(8)
    for bad in (1.5, -0.1, "0.9", True):
        with pytest.raises(ValueError, match="rho"):
            AdaptiveLayerInstanceNormalization(rho_initial=bad)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        LayerInstanceNormalization(rho_initial=2.0)
    with pytest.raises(ValueError, match="below"):
        ClipToRange(1.0, 0.0)
    with pytest.raises(ValueError, match="multiple of 4"):
        ugatit_generator((18, 18, 1))
    with pytest.raises(ValueError, match=r"default_discriminator_layers\(16\) = \(3, 3\)"):
        ugatit_discriminator((16, 16, 1), num_layers=5)
    with pytest.raises(ValueError, match="num_layers"):
        ugatit_discriminator((16, 16, 1), num_layers=2)
    with pytest.raises(ValueError, match="direction"):
        model.translate(a, "a_to_c")
    with pytest.raises(ValueError, match="translates images of shape"):
        model.translate(testing.random_images((8, 8, 1), 2))
    with pytest.raises(ValueError, match="translate"):
        model.generate()
    with pytest.raises(ValueError, match="identity_weight=0"):
        small_ugatit(source_channels=3)
    assert small_ugatit(source_channels=3, identity_weight=0).generator_ab.input_shape == (
        None, 16, 16, 3,
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        model.fit((a * 3, b), batch_size=4, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="shape"):
        model.fit((a, testing.random_images((8, 8, 1), 8)), batch_size=4, epochs=1, verbose=0)


def test_first_steps_agree_across_backends(parity_dir):
    with testing.portable_random():
        model = small_ugatit(seed=3)
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, domains(4), steps=3)
    testing.check_parity("ugatit", logs, parity_dir)


def test_registered_with_papers_settings():
    variant = registry.get("ugatit")
    assert variant.model_class is UGATIT and variant.data_kind == "unpaired"
    paper = variant.config_class().with_paper_settings()
    assert (paper.image_size, paper.base_filters, paper.batch_size, paper.light) == (
        256, 64, 1, False,
    )  # fmt: skip
    default = variant.config_class()
    assert (default.cycle_weight, default.identity_weight, default.cam_weight) == (10, 10, 1000)
    config = variant.config_class(
        base_filters=4, discriminator_filters=4, resnet_blocks=1, image_size=16, epochs=4,
        steps_per_epoch=3,
    )  # fmt: skip
    model = UGATIT.from_train_config(config, (16, 16, 1))
    schedule = model.g_optimizer._learning_rate
    assert isinstance(schedule, LinearDecay) and isinstance(
        model.d_optimizer._learning_rate, LinearDecay
    )
    assert (schedule.constant_epochs, schedule.decay_epochs, schedule.steps_per_epoch) == (2, 2, 3)
    assert float(model.g_optimizer.beta_1) == 0.5
    assert model.light and len(model.generator_ab.get_layer("fc0").kernel.shape) == 2
    assert variant.dataset_kwargs(default)["paired"] is False
    with pytest.raises(ValueError, match="mnist_edges"):
        variant.check_dataset(variant.config_class(dataset="mnist"))


@pytest.mark.one_backend(
    "torch",
    reason="the resume machinery is checked on every backend (tests/test_train.py, tests/test_run.py); U-GAT-IT's six networks and optimizers resume through it, checked once",
)
def test_a_run_resumed_mid_epoch_equals_the_straight_run(tmp_path):
    import keras_gan
    from tests.test_train import assert_same_run

    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    settings = dict(dataset="mnist_edges", image_size=8, batch_size=4, base_filters=2,
                    discriminator_filters=2, resnet_blocks=1, steps_per_epoch=3,
                    epochs=2)  # fmt: skip
    assert keras_gan.Run("ugatit", output=straight, **settings).train(steps=5, verbose=0).done
    run = keras_gan.Run("ugatit", output=pieces, **settings)
    assert run.train(steps=2, verbose=0).step == 2  # mid-epoch
    assert keras_gan.Run.resume(pieces).train(steps=5, verbose=0).step == 5
    assert_same_run(straight, pieces)
