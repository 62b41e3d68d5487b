"""The discriminator's regularisers of the core: one-sided label smoothing (the loss against a
hand computation, a model's step against one without it, variants whose loss does not have it)
and lazy R1/R2 (the penalty of a linear discriminator by hand, the update scaled by the interval,
the schedule inside the compiled step, the optimizer's adjustment, every kind of model, resuming
mid-epoch, parity across backends and bad input)."""

import json
import os

import keras
import numpy as np
import pytest
from keras import layers, ops

from keras_gan import losses, testing, train
from keras_gan.config import AugmentConfig
from keras_gan.models import (
    ACGAN,
    DCGAN,
    GAN,
    LAPGAN,
    LSGAN,
    SNGAN,
    WGAN,
    WGANGP,
    ConditionalGAN,
    DCGANConfig,
    InfoGAN,
    Pix2Pix,
)
from tests.test_train import TINY, assert_refused, assert_same_run, history_of

SMALL = dict(image_shape=(8, 8, 1), base_filters=4, latent_dim=4, seed=0)


def numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def log_sigmoid(t):
    return -np.logaddexp(0.0, -t)


# -- One-sided label smoothing -------------------------------------------------------------------


def test_the_real_target_is_one_minus_alpha_by_hand():
    logits = np.array([[2.0], [-1.0], [0.5]], "float32")
    # -[(1 - a) log sigma(t) + a log(1 - sigma(t))], with log(1 - sigma(t)) = log sigma(-t)
    expected = -np.mean(0.9 * log_sigmoid(logits) + 0.1 * log_sigmoid(-logits))
    assert float(losses.real_sample_loss(logits, 0.1)) == pytest.approx(expected, rel=1e-6)
    assert float(losses.real_sample_loss(logits)) == pytest.approx(-np.mean(log_sigmoid(logits)))


def test_the_smoothed_loss_is_smallest_where_the_real_score_is_the_target():
    best = np.log(0.9 / 0.1)  # sigma(best) = 0.9
    values = [float(losses.real_sample_loss(np.array([[t]], "float32"), 0.1))
              for t in (best - 0.5, best, best + 0.5, best + 5.0)]  # fmt: skip
    assert values[1] < min(values[0], values[2], values[3])


def test_the_block_smooths_the_discriminator_loss_and_counts_it():
    real, fake = np.array([[1.5], [3.0]], "float32"), np.array([[-2.0], [0.5]], "float32")
    plain = float(losses.minimax_discriminator_loss(real, fake))
    with losses.one_sided_label_smoothing(0.2) as smoothing:
        smoothed = float(losses.minimax_discriminator_loss(real, fake))
        explicit = float(losses.minimax_discriminator_loss(real, fake, label_smoothing=0.0))
    assert smoothing.applied == 1  # the explicit argument does not read the block
    assert explicit == pytest.approx(plain)
    # softplus(t) - softplus(-t) = t: smoothing adds alpha * E[D(x)]
    assert smoothed == pytest.approx(plain + 0.2 * real.mean(), rel=1e-6)
    assert float(losses.minimax_discriminator_loss(real, fake)) == pytest.approx(plain)


def frozen(model):
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    testing.set_deterministic_weights(model)
    return model


def test_a_model_step_smooths_its_real_target():
    images = testing.random_images((8, 8, 1), 8)
    plain = frozen(DCGAN(**SMALL))
    smoothed = frozen(DCGAN(**SMALL, label_smoothing=0.1))
    d_plain = float(plain.train_on_batch(images, return_dict=True)["d_loss"])
    d_smoothed = float(smoothed.train_on_batch(images, return_dict=True)["d_loss"])
    real_logits = numpy(plain.discriminator(images, training=True))
    assert d_smoothed - d_plain == pytest.approx(0.1 * real_logits.mean(), abs=1e-5)
    # A saved model keeps it
    assert DCGAN.from_config(smoothed.get_config()).label_smoothing == 0.1


def test_the_matching_aware_loss_smooths_its_real_right_pair():
    from keras_gan.models.gan_int_cls import matching_aware_discriminator_loss

    s_r, s_w, s_f = (np.array([[v]], "float32") for v in (2.0, -1.0, 0.5))
    plain = float(matching_aware_discriminator_loss(s_r, s_w, s_f))
    with losses.one_sided_label_smoothing(0.1):
        smoothed = float(matching_aware_discriminator_loss(s_r, s_w, s_f))
    assert smoothed == pytest.approx(plain + 0.1 * 2.0, rel=1e-6)


def test_a_variant_whose_loss_has_no_real_target_is_an_error_not_a_silent_run():
    class HingeDCGAN(DCGAN):
        def train_step(self, data):
            real = self.unpack_images(data)
            z = self.sample_latent(ops.shape(real)[0])

            def discriminator_loss():
                fake = ops.stop_gradient(self.generator(z, training=True))
                return losses.hinge_discriminator_loss(
                    self.discriminator(real, training=True), self.discriminator(fake, training=True)
                )

            d_loss, _ = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)
            return self.update_logs(d_loss=d_loss, g_loss=d_loss)

    model = HingeDCGAN(**SMALL, label_smoothing=0.1)
    model.compile()
    with pytest.raises(ValueError, match="HingeDCGAN's train_step computed none"):
        model.train_on_batch(testing.random_images((8, 8, 1), 8))


@pytest.mark.parametrize(
    "cls, reason",
    [(WGAN, "Wasserstein critic"), (WGANGP, "Wasserstein critic"), (LSGAN, "set b"),
     (SNGAN, "hinge loss has a margin")],
)  # fmt: skip
def test_variants_without_a_cross_entropy_say_why(cls, reason):
    with pytest.raises(ValueError, match=f"does not apply to {cls.__name__}: .*{reason}"):
        cls(**SMALL, label_smoothing=0.1)


# -- Lazy R1 / R2 ----------------------------------------------------------------------------------


def linear_gan(**kwargs):
    """A GAN on 2x2 images whose discriminator is linear, D(x) = w.x + b: grad_x D = w, so
    R1 = R2 = |w|^2 / 2 for every sample."""
    generator = keras.Sequential([layers.Input((2,)), layers.Dense(4), layers.Reshape((2, 2, 1))])
    discriminator = keras.Sequential([layers.Input((2, 2, 1)), layers.Flatten(), layers.Dense(1)])
    return GAN(generator=generator, discriminator=discriminator, latent_dim=2, seed=0, **kwargs)


def kernel(model):
    return numpy(model.discriminator.trainable_variables[0])


def test_the_penalties_of_a_linear_discriminator_by_hand():
    model = linear_gan(r1_gamma=1.0, r2_gamma=1.0, regularization_interval=1)
    frozen(model)
    logs = model.train_on_batch(testing.random_images((2, 2, 1), 4), return_dict=True)
    half_norm = 0.5 * float(np.sum(kernel(model) ** 2))
    assert float(logs["r1_penalty"]) == pytest.approx(half_norm, rel=1e-5)
    assert float(logs["r2_penalty"]) == pytest.approx(half_norm, rel=1e-5)


def test_the_lazy_step_moves_the_weights_by_k_gamma_times_the_penalty_gradient():
    images = testing.random_images((2, 2, 1), 4)
    sgd = dict(d_optimizer=keras.optimizers.SGD(0.01), g_optimizer=keras.optimizers.SGD(0.01))
    plain, lazy = linear_gan(), linear_gan(r1_gamma=2.0, regularization_interval=4)
    for model in (plain, lazy):
        model.compile(**{k: keras.optimizers.SGD(0.01) for k in sgd})
        testing.set_deterministic_weights(model)
        model.train_on_batch(images)
    # step 0 is a regularisation step: after the same main update, w <- w - lr * k * gamma * w
    np.testing.assert_allclose(kernel(lazy), kernel(plain) * (1 - 0.01 * 4 * 2.0), rtol=1e-5)
    # the last bias does not reach the penalty: SGD leaves it where the main update put it
    np.testing.assert_allclose(
        numpy(lazy.discriminator.trainable_variables[1]),
        numpy(plain.discriminator.trainable_variables[1]), rtol=1e-6,
    )  # fmt: skip


def test_the_penalty_step_runs_every_k_steps_inside_the_compiled_step():
    model = DCGAN(**SMALL, r1_gamma=1.0, regularization_interval=3)
    model.compile()
    data = testing.random_images((8, 8, 1), 8)
    for _ in range(7):
        model.train_on_batch(data)
    # one main update per step, one penalty update at steps 0, 3 and 6
    assert int(numpy(model.d_optimizer.iterations)) == 7 + 3
    assert int(numpy(model.g_optimizer.iterations)) == 7


def test_compile_adjusts_the_discriminators_adam_as_stylegan2_does():
    model = DCGAN(**SMALL, r1_gamma=1.0)  # k = 16
    model.compile()
    ratio = 16 / 17
    assert float(numpy(model.d_optimizer.learning_rate)) == pytest.approx(2e-4 * ratio)
    assert model.d_optimizer.beta_1 == pytest.approx(0.5**ratio)
    assert model.d_optimizer.beta_2 == pytest.approx(0.999**ratio)
    assert float(numpy(model.g_optimizer.learning_rate)) == pytest.approx(2e-4)
    config = DCGANConfig(r1_gamma=1.0, regularization_interval=4)
    model = DCGAN.from_train_config(config, (8, 8, 1))
    assert float(numpy(model.d_optimizer.learning_rate)) == pytest.approx(
        config.learning_rate * 0.8
    )
    every_step = DCGAN(**SMALL, r1_gamma=1.0, regularization_interval=1)
    every_step.compile()
    assert every_step.d_optimizer.beta_1 == 0.5
    given = DCGAN(**SMALL, r1_gamma=1.0)
    given.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer="adam")
    assert float(numpy(given.d_optimizer.learning_rate)) == pytest.approx(1e-3)


@pytest.mark.parametrize("kind", ["cgan", "acgan", "infogan", "augmented"])
def test_image_models_train_with_both_penalties_and_smoothing(kind):
    both = dict(r1_gamma=1.0, r2_gamma=1.0, regularization_interval=2, label_smoothing=0.1)
    if kind == "cgan":
        model = ConditionalGAN(num_classes=3, **SMALL, **both)
    elif kind == "acgan":
        model = ACGAN(num_classes=3, **SMALL, **both)
    elif kind == "infogan":
        model = InfoGAN(num_categories=3, num_continuous=1, noise_dim=4, hidden_units=8,
                        image_shape=(8, 8, 1), base_filters=4, seed=0, **both)  # fmt: skip
    else:  # R1 through DiffAugment's differentiable transformations
        model = DCGAN(**SMALL, **both, augment="color,translation,cutout")
    model.compile()
    images = testing.random_images((8, 8, 1), 16)
    data = (images, np.arange(16) % 3) if model.data_kind == "labelled" else images
    history = testing.check_fit(model, data, steps=2, batch_size=8)
    assert history.history["r1_penalty"][0] > 0 and history.history["r2_penalty"][0] > 0


def test_a_text_conditioned_model_takes_both_penalties():
    from tests.models.test_gan_int_cls import _data, _model

    model = _model(r1_gamma=1.0, r2_gamma=1.0, regularization_interval=1, label_smoothing=0.1)
    history = testing.check_fit(model, _data(8), batch_size=4)
    assert history.history["r1_penalty"][0] > 0 and history.history["r2_penalty"][0] > 0


def test_a_saved_model_reloads_with_its_penalties(tmp_path):
    model = DCGAN(**SMALL, r1_gamma=2.0, r2_gamma=0.5, regularization_interval=4)
    model.compile()
    model.train_on_batch(testing.random_images((8, 8, 1), 8))
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert (loaded.r1_gamma, loaded.r2_gamma, loaded.regularization_interval) == (2.0, 0.5, 4)
    assert loaded.log_names == model.log_names
    assert float(numpy(loaded.d_optimizer.learning_rate)) == pytest.approx(2e-4 * 0.8)


# -- Resuming mid-epoch ------------------------------------------------------------------------------


def run(*argv):
    return train.main([
        "dcgan", *TINY, "--r1-gamma", "1", "--r2-gamma", "0.5", "--regularization-interval",
        "2", "--label-smoothing", "0.1", *argv,
    ])  # fmt: skip


def test_a_run_resumed_mid_epoch_regularises_on_the_same_steps(tmp_path):
    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    assert run("--steps", "5", "--output", straight) == 0
    assert run("--steps", "4", "--output", pieces) == 0  # 3 steps per epoch: 4 is mid-epoch
    assert run("--steps", "5", "--output", pieces, "--resume") == 0
    assert_same_run(straight, pieces)  # every weight and the optimizers' state
    a, b = history_of(straight), history_of(pieces)
    np.testing.assert_allclose(b["steps"]["r1_penalty"], a["steps"]["r1_penalty"], rtol=1e-5)
    config = json.load(open(os.path.join(pieces, "config.json")))["config"]
    assert (config["r1_gamma"], config["label_smoothing"]) == (1.0, 0.1)


# -- Parity ----------------------------------------------------------------------------------------


def test_parity_across_backends(parity_dir):
    with testing.portable_random():
        model = DCGAN(**SMALL, label_smoothing=0.1, r1_gamma=2.0, r2_gamma=1.0,
                      regularization_interval=2)  # fmt: skip
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, testing.random_images((8, 8, 1), 8, seed=4), steps=3)
    testing.check_parity("regularization", logs, parity_dir)


# -- Bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(label_smoothing=0.5), "`label_smoothing` must be a number in [0, 0.5)"),
        (dict(label_smoothing=-0.1), "in [0, 0.5)"),
        (dict(r1_gamma=-1.0), "`r1_gamma` must be a finite number >= 0"),
        (dict(r2_gamma=float("inf")), "`r2_gamma` must be a finite number >= 0"),
        (dict(r1_gamma=1.0, regularization_interval=0), "positive integer"),
        (dict(regularization_interval=8), "both are off"),
    ],
)
def test_bad_settings_name_the_value_and_what_is_accepted(settings, message):
    pattern = message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    with pytest.raises(ValueError, match=pattern.replace("]", r"\]")):
        DCGAN(**SMALL, **settings)


def test_models_they_do_not_apply_to_say_why():
    with pytest.raises(ValueError, match="R1/R2 penalties do not apply to Pix2Pix"):
        Pix2Pix(image_shape=(16, 16, 1), receptive_field=16, r1_gamma=1.0)
    with pytest.raises(ValueError, match="label smoothing does not apply to Pix2Pix"):
        Pix2Pix(image_shape=(16, 16, 1), receptive_field=16, label_smoothing=0.1)
    with pytest.raises(ValueError, match="R1/R2 penalties do not apply to LAPGAN: .*pyramid"):
        LAPGAN(image_shape=(16, 16, 1), r2_gamma=1.0)


@pytest.mark.parametrize(
    "variant, flags, message",
    [
        ("pix2pix", ["--r1-gamma", "1"], "--r1-gamma (the R1/R2 penalties) does not apply"),
        ("cyclegan", ["--label-smoothing=0.1"], "(one-sided label smoothing) does not apply"),
        ("lapgan", ["--label-smoothing", "0.1"], "in Python, LAPGAN(label_smoothing=...)"),
        ("wgan", ["--label-smoothing", "0.1"], "Wasserstein critic"),
        ("dcgan", ["--label-smoothing", "0.5"], "--label-smoothing must be a number in [0, 0.5)"),
        ("dcgan", ["--regularization-interval", "4"], "give --r1-gamma or --r2-gamma too"),
    ],
)
def test_bad_flags_are_refused_before_anything_is_written(variant, flags, message, tmp_path,
                                                          capsys):  # fmt: skip
    assert_refused([variant, *flags], message, tmp_path, capsys)


def test_the_config_declares_each_setting_off_with_stylegan2s_interval():
    config = AugmentConfig()
    assert (config.label_smoothing, config.r1_gamma, config.r2_gamma) == (0.0, 0.0, 0.0)
    assert config.regularization_interval == 16


# -- Generator updates per step --------------------------------------------------------------------


GENERATOR_STEPS_BUILDS = {
    "gan": lambda **kw: GAN(sample_shape=(8, 8, 1), latent_dim=4, generator_units=(8,),
                            discriminator_units=(8,), maxout_pieces=2, seed=0, **kw),
    "dcgan": lambda **kw: DCGAN(**SMALL, **kw),
    "lsgan": lambda **kw: LSGAN(**SMALL, **kw),
    "wgan": lambda **kw: WGAN(**SMALL, **kw),
    "wgan_gp": lambda **kw: WGANGP(**SMALL, **kw),
    "sngan": lambda **kw: SNGAN(**SMALL, **kw),
    "cgan": lambda **kw: ConditionalGAN(num_classes=3, **SMALL, **kw),
    "acgan": lambda **kw: ACGAN(num_classes=3, **SMALL, **kw),
    "infogan": lambda **kw: InfoGAN(num_categories=3, num_continuous=1, noise_dim=4,
                                    hidden_units=8, image_shape=(8, 8, 1), base_filters=4,
                                    seed=0, **kw),
}  # fmt: skip


@pytest.mark.spread_over_backends(
    reason="every backend runs the compiled generator-steps loop for a third of the variants; "
    "each variant's use of it once"
)
@pytest.mark.parametrize("name", [*GENERATOR_STEPS_BUILDS, "gan_int_cls"])
def test_every_latent_variant_takes_generator_steps_updates_per_step(name):
    if name == "gan_int_cls":
        from tests.models.test_gan_int_cls import _data, _model

        model, data = _model(generator_steps=3), _data(8)
    else:
        model = GENERATOR_STEPS_BUILDS[name](generator_steps=3)
        model.compile()
        batch = 8 * model.discriminator_steps
        images = testing.random_images((8, 8, 1), batch)
        data = (images, np.arange(batch) % 3) if model.data_kind == "labelled" else images
    logs = model.train_on_batch(*(data if isinstance(data, tuple) else (data,)), return_dict=True)
    assert all(np.isfinite(float(v)) for v in logs.values())
    assert int(numpy(model.g_optimizer.iterations)) == 3
    assert int(numpy(model.d_optimizer.iterations)) == model.discriminator_steps
    assert type(model).from_config(model.get_config()).generator_steps == 3


def test_each_generator_update_draws_fresh_noise():
    model = linear_gan(generator_steps=2)
    model.compile(run_eagerly=True)
    drawn = testing.record_latents(model)
    model.train_on_batch(testing.random_images((2, 2, 1), 4))
    assert len(drawn) == 3  # the discriminator's noise, then one batch per generator update
    assert all(z.shape == (4, 2) for z in drawn)
    assert not np.allclose(drawn[1], drawn[2])


def test_a_variant_that_ignores_generator_steps_is_an_error():
    model = LAPGAN(image_shape=(16, 16, 1), generator_steps=2, seed=0)
    model.compile()
    with pytest.raises(ValueError, match="LAPGAN's train_step does not loop over"):
        model.train_on_batch(testing.random_images((16, 16, 1), 4))
    with pytest.raises(ValueError, match="`generator_steps` must be a positive integer"):
        DCGAN(**SMALL, generator_steps=0)


def test_the_command_line_takes_generator_steps(tmp_path, capsys):
    output = str(tmp_path / "run")
    assert train.main(["dcgan", *TINY, "--generator-steps", "2", "--steps", "2",
                       "--output", output]) == 0  # fmt: skip
    with pytest.raises(SystemExit):
        train.main(["lapgan", "--generator-steps", "2", "--output", str(tmp_path / "lap")])
    assert "(generator updates per step) does not apply to lapgan" in capsys.readouterr().err
