"""The generator's EMA (`keras_gan.ema`): the average after n steps against hand computations for
both schedules, sampling with and without it, saving, resuming mid-epoch, every kind of model,
parity across backends and bad input."""

import json
import os

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import checkpoints, ema, evaluate, sample, testing, train
from keras_gan.config import TrainConfig
from keras_gan.models import GAN
from tests.models.test_cyclegan import small_cyclegan
from tests.models.test_pix2pix import pairs, small_pix2pix
from tests.test_train import TINY, assert_same_run, history_of

BATCH = 8


def tiny_gan(**settings):
    model = GAN(
        sample_shape=(4, 4, 1), latent_dim=4, generator_units=(8,), discriminator_units=(8,),
        maxout_pieces=2, seed=1, **settings,
    )  # fmt: skip
    model.compile()
    return model


def trajectory(model, steps):
    """The generator's weights before training and after each of `steps` steps."""
    data = testing.random_images((4, 4, 1), BATCH)
    weights = [testing.snapshot(model.generator.trainable_variables)]
    for _ in range(steps):
        model.train_on_batch(data)
        weights.append(testing.snapshot(model.generator.trainable_variables))
    return weights


def by_hand(weights, betas):
    """avg_0 = w_0; avg_t = beta_t avg_{t-1} + (1 - beta_t) w_t."""
    average = weights[0]
    for beta, w in zip(betas, weights[1:]):
        average = [beta * a + (1.0 - beta) * b for a, b in zip(average, w)]
    return average


def assert_average(model, expected):
    actual = testing.snapshot(model.generator_average)
    assert len(actual) == len(expected) == len(model.generator.trainable_variables)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)


def test_a_fixed_decay_after_three_steps_equals_the_hand_computation():
    model = tiny_gan(ema_decay=0.9)
    weights = trajectory(model, 3)
    assert_average(model, by_hand(weights, [0.9, 0.9, 0.9]))
    # the generator trains with its own weights: the average lags behind them
    assert not np.allclose(testing.snapshot(model.generator.trainable_variables)[0],
                           testing.snapshot(model.generator_average)[0])  # fmt: skip


def test_a_half_life_with_ramp_up_follows_stylegan2s_schedule():
    # batch 8, half-life 16 images, ramp-up 0.5: h_t = min(16, 0.5 * 8 t) = 0, 4, 8, 12 images,
    # beta_t = 0.5 ** (8 / h_t) = 0, 0.25, 0.5, 0.5 ** (2 / 3)
    model = tiny_gan(ema_half_life=16, ema_rampup=0.5)
    weights = trajectory(model, 4)
    assert_average(model, by_hand(weights, [0.0, 0.25, 0.5, 0.5 ** (2 / 3)]))
    # without a ramp-up the half-life holds from the first step
    model = tiny_gan(ema_half_life=16)
    weights = trajectory(model, 2)
    assert_average(model, by_hand(weights, [0.5**0.5, 0.5**0.5]))


def test_a_late_start_copies_the_weights_until_then():
    model = tiny_gan(ema_decay=0.9, ema_start=2)
    weights = trajectory(model, 3)
    assert_average(model, by_hand(weights, [0.0, 0.0, 0.9]))


def test_decay_from_half_life():
    assert ema.decay_from_half_life(10_000, 32) == pytest.approx(0.99778, abs=1e-5)
    assert ema.decay_from_half_life(8, 8) == 0.5


def test_generate_reads_the_average_and_ema_false_the_raw_generator():
    model = tiny_gan(ema_decay=0.5)
    trajectory(model, 3)
    z = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    raw_before = testing.snapshot(model.generator.weights)
    # the expected outputs: a second generator holding the averaged weights
    averaged = keras.models.clone_model(model.generator)
    averaged.set_weights(model.generator.get_weights())
    for variable, value in zip(averaged.trainable_variables, model.generator_average):
        variable.assign(value)
    expected = keras.ops.convert_to_numpy(averaged(z, training=False))
    np.testing.assert_allclose(model.generate(latents=z), expected, atol=1e-6)
    raw = keras.ops.convert_to_numpy(model.generator(z, training=False))
    np.testing.assert_allclose(model.generate(latents=z, ema=False), raw, atol=1e-6)
    assert not np.allclose(expected, raw)
    # in an averaged_generator block the block decides (keras_gan.sample's --raw-generator)
    with model.averaged_generator(average=False):
        np.testing.assert_allclose(model.generate(latents=z), raw, atol=1e-6)
    with model.averaged_generator():
        np.testing.assert_allclose(model.generate(latents=z, ema=False), expected, atol=1e-6)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(model.generator(z, training=False)), expected, atol=1e-6
        )
    # sampling leaves the trained weights as they were
    for before, after in zip(raw_before, testing.snapshot(model.generator.weights)):
        np.testing.assert_array_equal(after, before)
    # a model without an average samples from its generator, whatever `ema` says
    plain = tiny_gan()
    assert plain.generator_average == []
    np.testing.assert_allclose(plain.generate(latents=z), plain.generate(latents=z, ema=False))


def test_every_variants_generate_samples_from_the_average():
    # A generate a variant inherits from a mixin (LabelConditioned: CGAN, ACGAN, SAGAN, BigGAN,
    # LoGAN) took no `ema` and read the raw generator until the core wrapped it too.
    import inspect

    from keras_gan import registry

    for name in registry.available():
        generate = registry.get(name).model_class.generate
        assert getattr(generate, "samples_from_the_average", False), name
        assert "ema" in inspect.signature(generate).parameters, name


def test_the_average_is_saved_and_reloads_to_the_same_samples(tmp_path):
    model = tiny_gan(ema_decay=0.8)
    trajectory(model, 2)
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.ema_decay == 0.8
    for a, b in zip(testing.snapshot(model.generator_average),
                    testing.snapshot(restored.generator_average)):  # fmt: skip
        np.testing.assert_array_equal(b, a)
    z = np.full((3, 4), 0.3, "float32")
    np.testing.assert_allclose(restored.generate(latents=z), model.generate(latents=z), atol=1e-6)


def test_every_generator_network_is_averaged():
    # pix2pix: a translation model with no z
    model = small_pix2pix(ema_decay=0.9)
    model.compile()
    source, target = pairs()
    model.fit(source, target, batch_size=4, epochs=1, verbose=0)
    assert len(model.generator_average) == len(model.generator.trainable_variables)
    assert model.generate(source[:2]).shape == (2, 16, 16, 1)
    # CycleGAN: both generators, each with its own average
    cyclegan = small_cyclegan(ema_decay=0.9)
    generators = (
        cyclegan.generator_ab.trainable_variables + cyclegan.generator_ba.trainable_variables
    )
    assert len(cyclegan.generator_average) == len(generators)


def test_parity_across_backends(parity_dir):
    # dropout off: each backend draws its own dropout masks
    with testing.portable_random():
        model = tiny_gan(ema_half_life=16, ema_rampup=0.5, dropout=0.0)
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, testing.random_images((4, 4, 1), BATCH, seed=4), steps=3)
        z = np.linspace(-1, 1, 12, dtype="float32").reshape(3, 4)
        samples = model.generate(latents=z)
    logs.append({f"sample_{i}": float(v) for i, v in enumerate(samples.reshape(-1)[:8])})
    testing.check_parity("ema", logs, parity_dir)


# -- From the command line ---------------------------------------------------------------------------


def run(*argv):
    return train.main(["dcgan", *TINY, "--ema-half-life", "16", "--ema-rampup", "0.5", *argv])


def test_a_run_resumed_mid_epoch_has_the_straight_runs_average(tmp_path):
    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    assert run("--steps", "5", "--output", straight) == 0
    assert run("--steps", "4", "--output", pieces) == 0  # 3 steps per epoch: 4 is mid-epoch
    assert run("--steps", "5", "--output", pieces, "--resume") == 0
    assert_same_run(straight, pieces)  # every weight, the average included
    model = checkpoints.load(checkpoints.latest(pieces))
    assert model.ema_half_life == 16 and len(model.generator_average) > 0
    assert json.load(open(os.path.join(pieces, "config.json")))["config"]["ema_half_life"] == 16
    assert history_of(pieces)["steps"]["step"][-1] == 5
    z = np.random.default_rng(0).uniform(-1, 1, (4, 8)).astype("float32")
    assert not np.allclose(model.generate(latents=z), model.generate(latents=z, ema=False))
    # keras_gan.sample draws from the average, or with --raw-generator from the raw weights
    for flags in ([], ["--raw-generator"]):
        output = tmp_path / f"grid{len(flags)}.png"
        assert sample.main([checkpoints.latest(pieces), "--output", str(output), *flags]) == 0
        assert Image.open(output).size[0] > 0


def test_evaluate_and_sample_use_the_average_or_with_a_flag_the_raw_generator(tmp_path, capsys):
    from keras_gan.datasets import RING
    from keras_gan.lab import build_toy_gan

    model = build_toy_gan(generator_units=8, discriminator_units=4, ema_decay=0.5)
    model.train_on_batch(RING.sample(16, seed=0)[0])
    # An average that puts every point on the ring's first mode: output kernel 0, bias (2, 0).
    kernel, bias = model.generator_average[-2:]
    kernel.assign(np.zeros(kernel.shape, "float32"))
    bias.assign(np.asarray(RING.centers[0], "float32"))
    path = str(tmp_path / "ring.keras")
    model.save(path)
    results = {}
    for flags in ([], ["--raw-generator"]):
        assert evaluate.main([path, "--dataset", "ring", *flags]) == 0
        results[bool(flags)] = json.loads(capsys.readouterr().out)
    assert results[False]["generator"] == "average (EMA)"
    assert results[False]["modes_captured"] == 1 and results[False]["high_quality"] == 1.0
    assert results[True]["generator"] == "raw" and results[True]["high_quality"] < 0.5
    # a model without an average refuses the switch
    plain = build_toy_gan(generator_units=8, discriminator_units=4)
    plain.save(str(tmp_path / "plain.keras"))
    capsys.readouterr()
    assert (
        evaluate.main([str(tmp_path / "plain.keras"), "--dataset", "ring", "--raw-generator"]) == 2
    )
    assert "checkpoint has no generator EMA" in capsys.readouterr().err


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"ema_decay": 1.0}, "`ema_decay` must be a number in (0, 1). Received: ema_decay=1.0"),
        ({"ema_decay": 0}, "`ema_decay` must be a number in (0, 1). Received: ema_decay=0"),
        ({"ema_decay": "0.9"}, "`ema_decay` must be a number in (0, 1). Received: ema_decay='0.9'"),
        ({"ema_half_life": 0}, "`ema_half_life` must be a positive integer"),
        ({"ema_half_life": 10, "ema_rampup": -1.0}, "`ema_rampup` must be a finite number > 0"),
        ({"ema_decay": 0.9, "ema_start": -1}, "`ema_start` must be an integer >= 0"),
        ({"ema_decay": 0.9, "ema_half_life": 10}, "a decay (`ema_decay`, ProGAN, BigGAN) or a"),
        ({"ema_rampup": 0.05}, "`ema_rampup` ramps up a half-life: give `ema_half_life` too"),
        ({"ema_start": 100}, "`ema_start` delays the generator's EMA, which is off"),
    ],
)
def test_bad_settings_name_the_value_and_what_is_accepted(settings, message):
    with pytest.raises(ValueError) as error:
        tiny_gan(**settings)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--ema-decay", "1.5"], "--ema-decay must be a number in (0, 1). Received: ema_decay=1.5"),
        (["--ema-rampup", "0.1"], "--ema-rampup ramps up a half-life: give --ema-half-life too"),
        (["--ema-decay", "0.9", "--ema-half-life", "100"], "(--ema-decay, ProGAN, BigGAN) or a"),
        (["--ema-start", "-3", "--ema-decay", "0.9"], "--ema-start must be an integer >= 0"),
    ],
)
def test_bad_flags_are_refused_before_anything_is_written(flags, message, tmp_path, capsys):
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as exit_info:
        train.main(["dcgan", *TINY, *flags, "--output", str(out)])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_an_unbuilt_generator_is_refused_with_the_fix():
    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(16)

        def call(self, z):
            return keras.ops.reshape(self.dense(z), (-1, 4, 4, 1))

    with pytest.raises(ValueError, match="build the generator first"):
        GAN(generator=Subclassed(), sample_shape=(4, 4, 1), latent_dim=4, ema_decay=0.9)


def test_a_config_with_two_schedules_is_refused():
    with pytest.raises(ValueError, match="not both"):
        TrainConfig(ema_decay=0.9, ema_half_life=100)
    assert TrainConfig(ema_half_life=100, ema_rampup=0.05).ema_rampup == 0.05
