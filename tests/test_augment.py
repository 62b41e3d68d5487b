"""The discriminator's augmentation (`keras_gan.augment`): each transformation on a fixed image
against a hand computation, the gradient through it, ADA's controller moving p the right way by
the right amount, every kind of model training with it, saving and resuming mid-epoch, parity
across backends and bad input."""

import contextlib
import json
import os

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan import augment, backend, checkpoints, testing, train
from keras_gan.augment import AugmentedDiscriminator
from keras_gan.config import AugmentConfig
from keras_gan.models import ACGAN, DCGAN, GAN, LSGAN, WGAN, ConditionalGAN, InfoGAN, Pix2Pix
from tests.test_train import TINY, assert_refused, assert_same_run, history_of

IMAGE = np.arange(1, 1 + 6 * 6 * 3, dtype="float32").reshape(1, 6, 6, 3) / 100.0


@contextlib.contextmanager
def fixed_draws(uniform=(), randint=()):
    """`keras.random.uniform` / `randint` return these values, in order, instead of drawing."""
    queues = {"uniform": list(uniform), "randint": list(randint)}
    originals = {name: getattr(keras.random, name) for name in queues}

    def draw(name):
        def fixed(shape, *args, **kwargs):
            value = np.asarray(queues[name].pop(0), "int32" if name == "randint" else "float32")
            return ops.convert_to_tensor(
                np.broadcast_to(value.reshape(-1, *[1] * (len(shape) - 1)), shape)
            )

        return fixed

    try:
        for name in queues:
            setattr(keras.random, name, draw(name))
        yield
    finally:
        for name, function in originals.items():
            setattr(keras.random, name, function)
    assert not queues["uniform"] and not queues["randint"], "a draw was not used"


def numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


# -- Each transformation, by hand ----------------------------------------------------------------


def test_color_is_brightness_then_saturation_then_contrast():
    with fixed_draws(uniform=[0.8, 0.25, 0.9]):
        out = numpy(augment.augment(IMAGE, "color"))
    x = IMAGE[0] + (0.8 - 0.5)  # brightness
    mean = x.mean(axis=-1, keepdims=True)
    x = (x - mean) * (2 * 0.25) + mean  # saturation
    x = (x - x.mean()) * (0.9 + 0.5) + x.mean()  # contrast
    np.testing.assert_allclose(out[0], x, rtol=1e-5, atol=1e-6)


def test_translation_shifts_by_whole_pixels_and_fills_with_zero():
    # 6 pixels: shifts of up to int(6 * 0.125 + 0.5) = 1
    with fixed_draws(randint=[1, -1]):
        out = numpy(augment.translation(IMAGE, seed=0))
    expected = np.zeros_like(IMAGE[0])
    expected[1:, :-1] = IMAGE[0, :-1, 1:]  # down by one row, left by one column
    np.testing.assert_allclose(out[0], expected, atol=1e-7)


def test_translation_reaches_an_eighth_of_the_side():
    images = np.ones((256, 16, 16, 1), "float32")
    out = numpy(augment.translation(images, seed=3))
    empty_rows = (out.sum(axis=(2, 3)) == 0).sum(axis=1)
    assert set(np.unique(empty_rows)) == {0, 1, 2}  # |t_y| <= int(16 * 0.125 + 0.5) = 2


def test_cutout_zeroes_a_square_of_half_the_side():
    # side 6: a 3x3 square; centre (1, 5): rows 0..2, columns 4..5 (clipped at the border)
    with fixed_draws(randint=[1, 5]):
        out = numpy(augment.cutout(IMAGE, seed=0))
    expected = IMAGE[0].copy()
    expected[0:3, 4:6] = 0.0
    np.testing.assert_allclose(out[0], expected)


def test_xflip_mirrors_half_the_draws():
    with fixed_draws(uniform=[0.3]):
        np.testing.assert_allclose(numpy(augment.xflip(IMAGE, 0))[0], IMAGE[0, :, ::-1])
    with fixed_draws(uniform=[0.7]):
        np.testing.assert_allclose(numpy(augment.xflip(IMAGE, 0))[0], IMAGE[0])


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_rotate90_turns_by_quarter_turns(turns):
    with fixed_draws(uniform=[(turns + 0.5) / 4]):
        out = numpy(augment.rotate90(IMAGE, 0))
    np.testing.assert_allclose(out[0], np.rot90(IMAGE[0], turns, axes=(0, 1)))


def test_a_probability_gates_each_transformation_per_image():
    images = np.concatenate([IMAGE, IMAGE])
    # xflip draws "flip" (0.2) for both; the gates at p = 0.5: image 0 in (0.1), image 1 out
    with fixed_draws(uniform=[0.2, [0.1, 0.9]]):
        out = numpy(augment.augment(images, "xflip", 0.5))
    np.testing.assert_allclose(out[0], IMAGE[0, :, ::-1])
    np.testing.assert_allclose(out[1], IMAGE[0])
    images = testing.random_images((8, 8, 3), 16, seed=1)
    np.testing.assert_allclose(numpy(augment.augment(images, augment.DIFFAUGMENT, 0.0, 0)), images)


@pytest.mark.parametrize("policy", augment.POLICIES)
def test_the_gradient_flows_through_every_transformation(policy):
    # d/dx sum(w * T(x)): T is linear in x for a fixed draw, so the gradient is T's transpose
    # applied to w, nonzero wherever an output pixel depends on x
    x = ops.convert_to_tensor(testing.random_images((8, 8, 3), 4, seed=2))
    w = ops.convert_to_tensor(testing.random_images((8, 8, 3), 4, seed=3))
    gradient = numpy(backend.input_gradients(lambda x: augment.augment(x, policy, seed=5) * w, x))
    w = numpy(w)
    assert np.isfinite(gradient).all() and np.abs(gradient).sum() > 0
    if policy == "xflip":  # a flip or not: the gradient is w, flipped or not
        for g, v in zip(gradient, w):
            assert np.allclose(g, v) or np.allclose(g, v[:, ::-1])


def test_the_generator_trains_through_the_augmentation():
    # With every transformation on, the generator's update reaches all its weights
    model = DCGAN(image_shape=(8, 8, 1), base_filters=4, latent_dim=4, seed=0,
                  augment="xflip,rotate90,translation,color,cutout")  # fmt: skip
    model.compile()
    testing.check_fit(model, testing.random_images((8, 8, 1), 16), steps=2, batch_size=8)


# -- The wrapped discriminator ---------------------------------------------------------------------


def test_the_discriminator_sees_augmented_images_only_while_training():
    model = DCGAN(image_shape=(8, 8, 1), base_filters=4, latent_dim=4, seed=0, augment="cutout")
    assert isinstance(model.discriminator, AugmentedDiscriminator)
    raw = model.discriminator.network
    assert model.discriminator.trainable_variables == raw.trainable_variables
    images = testing.random_images((8, 8, 1), 8)
    np.testing.assert_allclose(numpy(model.discriminator(images)), numpy(raw(images)), atol=1e-6)
    trained = numpy(model.discriminator(images, training=True))
    assert not np.allclose(trained, numpy(raw(images, training=True)), atol=1e-6)


def test_a_saved_model_reloads_with_its_augmentation_and_p(tmp_path):
    model = DCGAN(image_shape=(8, 8, 1), base_filters=4, latent_dim=4, seed=0,
                  augment="translation,color", ada_target=0.6, augment_probability=0.3)  # fmt: skip
    model.compile()
    model.fit(testing.random_images((8, 8, 1), 16), batch_size=8, epochs=1, verbose=0)
    model.discriminator.probability.assign(0.42)
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.discriminator, AugmentedDiscriminator)
    assert loaded.discriminator.policy == ("translation", "color")
    assert (loaded.augment, loaded.ada_target, loaded.augment_probability) == (
        "translation,color", 0.6, 0.3,
    )  # fmt: skip
    np.testing.assert_allclose(float(loaded.discriminator.probability), 0.42)
    images = testing.random_images((8, 8, 1), 4)
    np.testing.assert_allclose(
        numpy(loaded.discriminator(images)), numpy(model.discriminator(images)), atol=1e-6
    )


# -- ADA's controller ------------------------------------------------------------------------------


def test_ada_step_by_hand():
    # p + sign(r - 0.6) * n / S, clipped to [0, 1]
    assert float(augment.ada_step(0.1, 0.9, 256.0, 0.6, 500_000)) == pytest.approx(0.100512)
    assert float(augment.ada_step(0.1, 0.2, 256.0, 0.6, 500_000)) == pytest.approx(0.099488)
    assert float(augment.ada_step(0.0, 0.2, 256.0, 0.6, 100)) == 0.0
    assert float(augment.ada_step(0.9, 1.0, 256.0, 0.6, 100)) == 1.0


def ada_dcgan(bias, start=None):
    """A DCGAN whose discriminator's last bias is `bias` and whose weights do not move (SGD at
    rate 0): it calls every image real (bias > 0) or fake (< 0), as an overfitted one would."""
    model = DCGAN(image_shape=(8, 8, 1), base_filters=4, latent_dim=4, seed=0,
                  augment="translation", ada_target=0.6, ada_interval=2, ada_speed=160,
                  augment_probability=start)  # fmt: skip
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    model.discriminator.network.trainable_variables[-1].assign([bias])
    return model


def test_ada_raises_p_for_a_discriminator_sure_of_every_real_image():
    model = ada_dcgan(bias=100.0)
    data = testing.random_images((8, 8, 1), 8)
    logs = [model.train_on_batch(data, return_dict=True) for _ in range(4)]
    # r_t = 1 > 0.6: +8 images x 2 steps / 160 = +0.1 after steps 2 and 4
    assert [round(float(log["ada_p"]), 6) for log in logs] == [0.0, 0.1, 0.1, 0.2]
    assert all(float(log["ada_r"]) == 1.0 for log in logs)


def test_ada_lowers_p_for_a_discriminator_that_calls_real_images_fake():
    model = ada_dcgan(bias=-100.0, start=0.5)
    data = testing.random_images((8, 8, 1), 8)
    for _ in range(4):
        logs = model.train_on_batch(data, return_dict=True)
    assert float(logs["ada_p"]) == pytest.approx(0.3)  # 0.5 - 0.1 - 0.1
    assert float(logs["ada_r"]) == -1.0


def batchnorm_critic(moving_mean):
    """image -> mean pixel -> BatchNorm(beta=2) -> logit. In training mode BatchNorm centres the
    batch's means: (m - mean(m)) / std(m) + 2, positive for most images. In inference mode it
    uses `moving_mean`: far above every image's mean, so every logit is negative."""
    images = keras.Input((8, 8, 1))
    means = keras.layers.GlobalAveragePooling2D()(images)
    logits = keras.layers.BatchNormalization(beta_initializer=keras.initializers.Constant(2.0),
                                             moving_mean_initializer=keras.initializers.Constant(
                                                 moving_mean))(means)  # fmt: skip
    return keras.Model(images, logits)


def test_ada_reads_the_real_scores_as_the_discriminators_update_sees_them():
    # StyleGAN2-ADA's r_t is the sign of the real logits of D's own (training-mode) pass. With
    # BatchNorm the inference-mode scores can have the other sign: here all of them.
    network = batchnorm_critic(moving_mean=100.0)
    wrapped = AugmentedDiscriminator(network, "translation", ada_target=0.6, seed=0)
    images = ops.convert_to_tensor(testing.random_images((8, 8, 1), 16, seed=1))
    scores = ops.convert_to_numpy(wrapped.real_scores(images))  # p = 0: the images as they are
    means = ops.convert_to_numpy(ops.mean(images, axis=(1, 2)))
    normalised = (means - means.mean()) / np.sqrt(means.var() + 1e-3) + 2.0  # Keras' epsilon
    np.testing.assert_allclose(scores, normalised, rtol=1e-4, atol=1e-4)
    assert np.mean(np.sign(scores)) > 0.6  # D is sure of them: p must rise
    assert np.all(ops.convert_to_numpy(network(images, training=False)) < 0)
    # the extra pass moved no statistic
    batchnorm = network.layers[-1]
    np.testing.assert_array_equal(ops.convert_to_numpy(batchnorm.moving_mean), [100.0])
    np.testing.assert_array_equal(ops.convert_to_numpy(batchnorm.moving_variance), [1.0])


def test_ada_raises_p_for_a_batchnorm_discriminator_sure_of_the_real_batch():
    model = DCGAN(discriminator=batchnorm_critic(moving_mean=100.0), image_shape=(8, 8, 1),
                  base_filters=4, latent_dim=4, seed=0, augment="translation", ada_target=0.6,
                  ada_interval=2, ada_speed=160)  # fmt: skip
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    data = testing.random_images((8, 8, 1), 16, seed=1)
    for _ in range(2):
        logs = model.train_on_batch(data, return_dict=True)
    assert float(logs["ada_p"]) > 0.0  # inference-mode scores (all negative) would keep it at 0
    assert float(logs["ada_r"]) > 0.6


def test_lsgan_counts_signs_around_the_midpoint_of_its_targets():
    assert LSGAN(image_shape=(8, 8, 1), base_filters=4, latent_dim=4).realness_threshold == 0.5
    assert LSGAN(
        image_shape=(8, 8, 1), base_filters=4, latent_dim=4, coding="pearson"
    ).realness_threshold == 0.0  # fmt: skip


# -- Every kind of model that takes it -------------------------------------------------------------


SMALL = dict(image_shape=(8, 8, 1), base_filters=4, latent_dim=4, seed=0)
ADA = dict(augment="translation,cutout", ada_target=0.6, ada_speed=100)


@pytest.mark.parametrize(
    "build",
    [
        lambda: GAN(
            sample_shape=(8, 8, 1),
            latent_dim=4,
            generator_units=(8,),
            discriminator_units=(8,),
            maxout_pieces=2,
            seed=0,
            **ADA,
        ),  # fmt: skip
        lambda: ACGAN(num_classes=3, **SMALL, **ADA),
        lambda: InfoGAN(
            num_categories=3,
            num_continuous=1,
            noise_dim=4,
            hidden_units=8,
            image_shape=(8, 8, 1),
            base_filters=4,
            seed=0,
            **ADA,
        ),  # fmt: skip
        lambda: WGAN(**SMALL, augment="color,translation"),
    ],
    ids=["gan", "acgan", "infogan", "wgan"],
)
def test_image_models_train_with_it(build):
    model = build()
    model.compile()
    labelled = model.data_kind == "labelled"
    batch = 8 * model.discriminator_steps  # WGAN's 5 critic steps take a minibatch each
    images = testing.random_images((8, 8, 1), 2 * batch)
    data = (images, np.arange(2 * batch) % 3) if labelled else images
    # A critic's last bias gets no gradient: E[D(fake)] - E[D(real)] does not depend on it
    networks = ("generator",) if isinstance(model, WGAN) else ("generator", "discriminator")
    history = testing.check_fit(model, data, steps=2, batch_size=batch, networks=networks)
    if model.ada_target is not None:
        assert 0.0 <= history.history["ada_p"][0] <= 1.0


def test_a_conditional_discriminator_scores_real_images_with_their_labels():
    model = ConditionalGAN(num_classes=3, **SMALL, **ADA)
    model.compile()
    images, labels = testing.random_images((8, 8, 1), 16), np.arange(16) % 3
    testing.check_fit(model, (images, labels), steps=2, batch_size=8)
    inputs = model.discriminator_inputs((images, labels))
    assert len(inputs) == 2 and inputs[0].shape == (16, 8, 8, 1)


def test_a_text_conditioned_discriminator_scores_real_images_with_their_captions():
    from tests.models.test_gan_int_cls import _data, _model

    model = _model(**ADA)
    images, tokens = _data(8)
    history = testing.check_fit(model, (images, tokens), batch_size=4)
    assert 0.0 <= history.history["ada_p"][0] <= 1.0
    inputs = model.discriminator_inputs((images, tokens))
    assert inputs[0].shape == (8, 16, 16, 1) and inputs[1].shape[0] == 8


# -- Resuming mid-epoch ------------------------------------------------------------------------------


def run(*argv):
    return train.main([
        "dcgan", *TINY, "--augment", "color,translation,cutout", "--ada-target", "0.6",
        "--ada-interval", "2", "--ada-speed", "64", *argv,
    ])  # fmt: skip


def test_a_run_resumed_mid_epoch_augments_and_adapts_as_the_straight_run(tmp_path):
    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    assert run("--steps", "5", "--output", straight) == 0
    assert run("--steps", "4", "--output", pieces) == 0  # 3 steps per epoch: 4 is mid-epoch
    assert run("--steps", "5", "--output", pieces, "--resume") == 0
    assert_same_run(straight, pieces)  # every weight: p and ADA's sums included
    a, b = history_of(straight), history_of(pieces)
    np.testing.assert_allclose(b["steps"]["ada_p"], a["steps"]["ada_p"], atol=1e-6)
    model = checkpoints.load(checkpoints.latest(pieces))
    assert model.augment == "translation,color,cutout" and model.ada_target == 0.6
    config = json.load(open(os.path.join(pieces, "config.json")))["config"]
    assert config["augment"] == "color,translation,cutout"


# -- Parity ----------------------------------------------------------------------------------------


def test_parity_across_backends(parity_dir):
    with testing.portable_random():
        model = DCGAN(**SMALL, augment="xflip,rotate90,translation,color,cutout",
                      ada_target=0.6, ada_interval=1, ada_speed=80)  # fmt: skip
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, testing.random_images((8, 8, 1), 8, seed=4), steps=3)
    testing.check_parity("augment", logs, parity_dir)


# -- Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(augment="colour"), "one or more of xflip, rotate90, translation, color, cutout"),
        (dict(augment=""), "one or more of"),
        (dict(augment="color,color"), "repeated: color"),
        (dict(augment="color", augment_probability=1.5), "in [0, 1]"),
        (dict(augment="color", ada_target=1.0), "in (0, 1)"),
        (dict(augment="color", ada_target=0.6, ada_interval=0), "positive integer"),
        (dict(augment="color", ada_target=0.6, ada_speed=-5), "positive integer"),
        (dict(ada_target=0.6), "give `augment` too"),
        (dict(augment_probability=0.5), "give `augment` too"),
        (dict(augment="color", ada_interval=8), "ADA's controller, which is off"),
    ],
)
def test_bad_settings_name_the_value_and_what_is_accepted(settings, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):  # fmt: skip
        DCGAN(**SMALL, **settings)


def test_models_it_does_not_apply_to_say_why():
    with pytest.raises(ValueError, match="ADA does not apply to WGAN: .*sign says nothing"):
        WGAN(**SMALL, augment="color", ada_target=0.6)
    with pytest.raises(ValueError, match="does not apply to Pix2Pix: .*source"):
        Pix2Pix(image_shape=(16, 16, 1), receptive_field=16, augment="color")
    with pytest.raises(ValueError, match=r"transforms images .* samples of shape \(2,\)"):
        GAN(sample_shape=(2,), latent_dim=2, generator_units=(4,), discriminator_units=(4,),
            maxout_pieces=2, augment="color")  # fmt: skip
    with pytest.raises(ValueError, match="rotate90` turns square images; GAN generates 8x12"):
        GAN(sample_shape=(8, 12, 1), latent_dim=2, generator_units=(4,), discriminator_units=(4,),
            maxout_pieces=2, augment="rotate90")  # fmt: skip


@pytest.mark.parametrize(
    "variant, flags, message",
    [
        ("pix2pix", ["--augment", "color"], "--augment (the discriminator's augmentation"),
        ("lapgan", ["--augment=color"], "does not apply to lapgan: its discriminators"),
        ("dcgan", ["--augment", "colour"], "Received: augment='colour'"),
        ("dcgan", ["--ada-target", "0.6"], "give --augment too"),
        ("wgan_gp", ["--augment", "color", "--ada-target", "0.6"], "ADA does not apply"),
    ],
)
def test_bad_flags_are_refused_before_anything_is_written(variant, flags, message, tmp_path,
                                                          capsys):  # fmt: skip
    assert_refused([variant, *flags], message, tmp_path, capsys)


def test_the_config_declares_each_setting_with_its_papers_value():
    config = AugmentConfig()
    assert (config.augment, config.ada_interval, config.ada_speed) == (None, 4, 500_000)
    assert "0.6" in AugmentConfig.__dataclass_fields__["ada_target"].metadata["help"]
