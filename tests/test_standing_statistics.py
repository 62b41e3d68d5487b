"""BigGAN's standing statistics (`AdversarialBase.standing_statistics`): the batch
normalisations' statistics recomputed for the sampled weights, against a hand computation, with
and without the EMA, training's statistics back afterwards, a conditional model, `keras_gan.evaluate`
and `keras_gan.sample` with `--standing-statistics`, and bad input."""

import json

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import testing
from keras_gan.models import GAN
from tests.models.test_pix2pix import small_pix2pix
from tests.test_ema import tiny_gan

LATENT = 3


def gan_with_batchnorm(**settings):
    """z (3) -> Dense(4) -> BatchNormalization -> 2x2x1 images, so the statistics are those of
    `z @ W + b` and can be computed by hand (no learned scale or offset)."""
    z = keras.Input((LATENT,))
    h = keras.layers.Dense(4, name="dense")(z)
    h = keras.layers.BatchNormalization(
        momentum=0.9, center=False, scale=False, name="normalization"
    )(h)
    generator = keras.Model(z, keras.layers.Reshape((2, 2, 1))(h))
    discriminator = keras.Sequential(
        [keras.Input((2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    model = GAN(generator, discriminator, (2, 2, 1), latent_dim=LATENT, generator_units=(4,),
                discriminator_units=(4,), seed=1, **settings)  # fmt: skip
    model.compile()
    return model


def trained(model, steps=3):
    data = testing.random_images((2, 2, 1), 8)
    for _ in range(steps):
        model.train_on_batch(data)
    return model


def statistics(model):
    layer = model.generator.get_layer("normalization")
    return [keras.ops.convert_to_numpy(v) for v in (layer.moving_mean, layer.moving_variance)]


def by_hand(model, kernel, bias, batches, batch_size, seed):
    """The mean over the batches of each batch's mean and (biased) variance of z W + b, with the
    latents `generate(batch_size, seed=seed + b)` draws."""
    means, variances = [], []
    for b in range(batches):
        z = keras.ops.convert_to_numpy(model.sample_latent(batch_size, seed=seed + b))
        h = z.astype("float64") @ kernel + bias
        means.append(h.mean(axis=0))
        variances.append(h.var(axis=0))
    return np.mean(means, axis=0), np.mean(variances, axis=0)


def test_the_statistics_are_the_batches_average_for_the_raw_weights():
    model = trained(gan_with_batchnorm())
    before = statistics(model)
    kernel, bias = (
        keras.ops.convert_to_numpy(w) for w in model.generator.get_layer("dense").weights
    )
    mean, variance = by_hand(model, kernel, bias, batches=3, batch_size=5, seed=7)
    with model.standing_statistics(batches=3, batch_size=5, seed=7):
        inside = statistics(model)
        np.testing.assert_allclose(inside[0], mean, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(inside[1], variance, rtol=1e-4, atol=1e-5)
        # sampling in the block uses them: the output is the batch normalisation of z W + b
        z = keras.ops.convert_to_numpy(model.sample_latent(4, seed=0))
        expected = (z @ kernel + bias - mean) / np.sqrt(variance + 1e-3)
        np.testing.assert_allclose(
            model.generate(latents=z).reshape(4, 4), expected, rtol=1e-3, atol=1e-4
        )
    # training's statistics come back, and training's are not the standing ones
    for a, b in zip(statistics(model), before):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(inside[0], before[0], atol=1e-3)


def test_with_an_ema_they_are_recomputed_for_the_average():
    model = trained(gan_with_batchnorm(ema_decay=0.5), steps=4)
    dense = model.generator.get_layer("dense")
    raw = [keras.ops.convert_to_numpy(w) for w in dense.weights]
    index = [id(v) for v in model.generator_variables()]
    average = [keras.ops.convert_to_numpy(model.generator_average[index.index(id(w))])
               for w in dense.weights]  # fmt: skip
    assert not np.allclose(average[0], raw[0])
    with model.standing_statistics(batches=2, batch_size=6, seed=0):
        np.testing.assert_allclose(
            statistics(model)[0], by_hand(model, *average, 2, 6, 0)[0], rtol=1e-4, atol=1e-5
        )
        with_average = model.generate(5, seed=3)
    with model.standing_statistics(batches=2, batch_size=6, seed=0, ema=False):
        np.testing.assert_allclose(
            statistics(model)[0], by_hand(model, *raw, 2, 6, 0)[0], rtol=1e-4, atol=1e-5
        )
        # generate samples from the raw weights here, whatever its own `ema`
        np.testing.assert_array_equal(
            model.generate(5, seed=3), model.generate(5, seed=3, ema=False)
        )
    # the block swapped the average in and out: the raw weights are untouched
    for a, b in zip((keras.ops.convert_to_numpy(w) for w in dense.weights), raw):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(with_average, model.generate(5, seed=3))


def test_a_conditional_generator_draws_labels_and_leaves_its_other_state_alone():
    # SAGAN's conditional batch norm holds a BatchNormalization inside a custom layer, and its
    # spectral normalisation keeps a power-iteration vector that training-mode passes move
    from tests.models.test_sagan import labelled, tiny

    model = tiny()
    model.train_on_batch(labelled(8))
    state = {v.path: keras.ops.convert_to_numpy(v) for v in model.generator.non_trainable_variables}
    moving = [path for path in state if "moving_mean" in path]
    assert moving  # the nested batch normalisations are found
    labels = np.array([0, 1, 2, 0])
    with model.standing_statistics(batches=2, batch_size=4):
        inside = {
            v.path: keras.ops.convert_to_numpy(v) for v in model.generator.non_trainable_variables
        }
        drawn = model.generate(labels=labels, seed=1)
    for path, value in inside.items():
        if "moving_" in path:
            assert not np.allclose(value, state[path]), path
        else:  # spectral normalisation's vectors, seeds: as training left them
            np.testing.assert_array_equal(value, state[path], err_msg=path)
    after = {v.path: keras.ops.convert_to_numpy(v) for v in model.generator.non_trainable_variables}
    for path, value in after.items():
        np.testing.assert_array_equal(value, state[path], err_msg=path)
    assert drawn.shape == (4, 16, 16, 1) and np.all(np.isfinite(drawn))
    assert not np.allclose(drawn, model.generate(labels=labels, seed=1))


def test_statistics_come_back_when_the_block_raises():
    model = trained(gan_with_batchnorm())
    before = statistics(model)
    with pytest.raises(RuntimeError, match="inside"):
        with model.standing_statistics(batches=2, batch_size=4):
            raise RuntimeError("inside")
    for a, b in zip(statistics(model), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"batches": 0}, "`batches` must be a positive integer. Received: batches=0"),
        (
            {"batch_size": True},
            "`batch_size` must be a positive integer. Received: batch_size=True",
        ),
        ({"batches": 2.5}, "Received: batches=2.5"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    model = gan_with_batchnorm()
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        with model.standing_statistics(**settings):
            pass


def test_models_it_does_not_apply_to_say_why():
    with pytest.raises(ValueError, match="has no batch normalisation"):
        with tiny_gan().standing_statistics():
            pass
    with pytest.raises(ValueError, match="Pix2Pix generates from inputs"):
        with small_pix2pix().standing_statistics(batches=1, batch_size=2):
            pass


def test_evaluate_scores_with_the_standing_statistics_it_names(tmp_path, capsys, monkeypatch):
    from keras_gan import checkpoints, evaluate, sample
    from keras_gan.datasets import RING
    from keras_gan.lab import build_toy_gan, toy

    model = build_toy_gan(generator_units=8, discriminator_units=4, ema_decay=0.5)
    for step in range(3):
        model.train_on_batch(RING.sample(16, seed=step)[0])
    path = str(tmp_path / "ring.keras")
    model.save(path)
    scored = []  # the samples evaluate hands to the mode count
    count_modes = toy.count_modes
    monkeypatch.setattr(toy, "count_modes", lambda x, d: scored.append(x) or count_modes(x, d))
    capsys.readouterr()
    for flags in (["--standing-statistics", "3"], []):
        assert evaluate.main([path, "--dataset", "ring", *flags]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result.get("standing_statistics") == (
            {"batches": 3, "batch_size": 64} if flags else None
        )
    # the samples drawn in Python with the statistics recomputed for the average, and not the
    # samples without them
    loaded = checkpoints.load(path)
    with sample.sampling_weights(loaded, average=True, standing_statistics=3):
        expected = loaded.generate(toy.PROTOCOL_SAMPLES, seed=0)
    np.testing.assert_allclose(scored[0], expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(scored[1], expected, atol=1e-3)


def test_sample_draws_with_standing_statistics_and_refuses_bad_values(tmp_path, capsys):
    from keras_gan import sample

    model = trained(gan_with_batchnorm(ema_decay=0.5))
    path = str(tmp_path / "bn.keras")
    model.save(path)
    grids = {}
    for flags in ([], ["--standing-statistics", "4"]):
        output = tmp_path / f"grid{len(flags)}.png"
        assert sample.main([path, "--output", str(output), "--num", "4", *flags]) == 0
        grids[len(flags)] = np.asarray(Image.open(output))
    assert grids[0].shape == grids[2].shape and not np.array_equal(grids[0], grids[2])
    capsys.readouterr()
    assert sample.main([path, "--standing-statistics", "0"]) == 2
    assert (
        "--standing-statistics must be a positive integer. Received: --standing-statistics 0"
        in (capsys.readouterr().err)
    )
    plain = tiny_gan()
    plain.save(str(tmp_path / "plain.keras"))
    assert sample.main([str(tmp_path / "plain.keras"), "--standing-statistics", "2"]) == 2
    assert "has no batch normalisation" in capsys.readouterr().err
