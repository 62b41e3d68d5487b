"""InfoGAN: categorical and continuous codes, Q head on the shared discriminator body (Chen et al. 2016)."""

import math

import keras
import numpy as np
import pytest

from keras_gan import testing
from keras_gan.models import InfoGAN
from keras_gan.models.infogan import categorical_info_loss, gaussian_info_loss

SHAPE = (16, 16, 1)


def tiny(**kwargs):
    kwargs = {
        "noise_dim": 4,
        "image_shape": SHAPE,
        "hidden_units": 16,
        "base_filters": 4,
        "seed": 1,
        **kwargs,
    }
    model = InfoGAN(**kwargs)
    model.compile()
    return model


@pytest.fixture(scope="module")
def trained():
    model = tiny()
    history = testing.check_fit(model, testing.random_images(SHAPE, 16), batch_size=8)
    assert set(history.history) == {"d_loss", "g_loss", "info_loss", "mutual_info"}
    return model


def test_shapes_and_defaults():
    model = tiny()
    assert model.latent_dim == 4 + 10 + 2  # [z, one_hot(c1), c2, c3]
    logits, q = model.discriminator(np.zeros((3, *SHAPE), "float32"))
    assert tuple(logits.shape) == (3, 1) and tuple(q.shape) == (3, 12)
    assert model.generate(5, seed=0).shape == (5, *SHAPE)
    assert model.generate(
        codes={"categorical": [1, 2], "continuous": [[0.0, 1.0], [1.0, 0.0]]}
    ).shape == (2, *SHAPE)
    assert model.traversal_grid("categorical", rows=2).shape == (2, 10, *SHAPE)
    assert model.traversal_grid("continuous", index=1, rows=3).shape == (3, 10, *SHAPE)
    paper = InfoGAN()
    assert (paper.noise_dim, paper.num_categories, paper.num_continuous) == (62, 10, 2)
    assert paper.latent_distribution == "uniform" and paper.info_weight == 1.0
    opts = paper.default_optimizers()
    assert float(opts["d_optimizer"].learning_rate) == pytest.approx(2e-4)
    assert float(opts["g_optimizer"].learning_rate) == pytest.approx(1e-3)


def test_save_load(trained, tmp_path):
    latents = keras.ops.convert_to_numpy(trained.sample_latent(4, seed=3))
    restored = testing.check_save_load(trained, str(tmp_path), latents)
    assert (restored.noise_dim, restored.num_categories, restored.latent_dim) == (4, 10, 16)


def test_info_losses_by_hand():
    logits = np.array([[1.0, -1.0, 0.0], [0.0, 2.0, 0.5]], "float32")
    codes = np.array([2, 1])
    log_q = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(categorical_info_loss(codes, logits)),
        -np.mean(log_q[[0, 1], codes]),
        rtol=1e-6,
    )
    c = np.array([[0.5, -1.0], [0.2, 0.9]], "float32")
    mu = np.array([[0.0, -0.5], [1.0, 1.0]], "float32")
    # -log N(c; mu, 1), summed over codes, mean over the batch
    expected = np.mean(np.sum(0.5 * np.log(2 * np.pi) + 0.5 * (c - mu) ** 2, axis=1))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(gaussian_info_loss(c, mu)), expected, rtol=1e-6
    )


def test_info_loss_at_its_bound_when_q_ignores_the_codes():
    # Q's output layer zeroed: Q(c1|x) is uniform and Q(c2,c3|x) = N(0, 1) whatever x. Then the
    # categorical cross-entropy is exactly log 10 (L_I's categorical part is 0: no information),
    # and the continuous part is log(2 pi)/2 + E[c^2]/2 per code.
    model = tiny()
    for variable in model.discriminator.get_layer("q_params").weights:
        variable.assign(np.zeros(variable.shape, "float32"))
    noise, categorical, continuous = model.sample_codes(64, seed=0)
    _, q = model.discriminator(model.generator(model.join_codes(noise, categorical, continuous)))
    info, mutual_info = model.info_loss(categorical, continuous, q)
    cont = keras.ops.convert_to_numpy(continuous)
    expected = math.log(10) + np.mean(np.sum(0.5 * math.log(2 * math.pi) + 0.5 * cont**2, axis=1))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(info), expected, rtol=1e-5)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(mutual_info),
        math.log(10) + 2 * math.log(2) - expected,
        rtol=1e-5,
        atol=1e-6,
    )


def test_info_loss_falls_when_trained():
    model = tiny(num_continuous=0)  # the categorical bound: starts near log 10
    model.compile(keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5))
    logs = testing.step_logs(model, testing.random_images(SHAPE, 16), steps=12)
    first, last = logs[0]["info_loss"], logs[-1]["info_loss"]
    assert abs(first - math.log(10)) < 0.3, first
    assert last < first - 0.5, [round(l["info_loss"], 3) for l in logs]
    assert logs[-1]["mutual_info"] > logs[0]["mutual_info"]


def test_codes_change_samples(trained):
    grid = trained.traversal_grid("categorical", rows=1)[0]
    assert min(np.abs(grid[0] - grid[k]).max() for k in range(1, 10)) > 1e-5
    grid = trained.traversal_grid("continuous", index=0, values=[-1.0, 1.0], rows=1)[0]
    assert np.abs(grid[0] - grid[1]).max() > 1e-5
    # same noise and codes -> same images
    a = trained.generate(codes={"categorical": 3, "continuous": [0.1, 0.2]}, noise=np.zeros((2, 4)))
    np.testing.assert_allclose(a[0], a[1], atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"codes": {"continuous": [0.1, 0.2, 0.3]}}, "2 values per sample"),
        ({"codes": {"continuous": np.zeros((2, 1))}}, "2 values per sample"),
        ({"codes": {"categorical": 10}}, r"must lie in \[0, 9\]"),
        ({"codes": {"categorical": [0.5]}}, "vector of ints"),
        ({"codes": {"style": 1}}, "dict with keys"),
        ({"codes": [1, 0.2, 0.3]}, "dict with keys"),
        ({"noise": np.zeros((2, 5))}, r"shape \(n, 4\)"),
        ({"num_samples": 3, "codes": {"categorical": [1, 2]}}, "disagree"),
        ({"labels": [1, 2]}, "not label-conditioned.*labels"),
    ],
)
def test_bad_codes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny().generate(**kwargs)


def test_parity(parity_dir):
    model = tiny()
    testing.set_deterministic_weights(model)
    with testing.portable_random():
        logs = testing.step_logs(model, testing.random_images(SHAPE, 8), steps=3)
    testing.check_parity("infogan", logs, parity_dir)
