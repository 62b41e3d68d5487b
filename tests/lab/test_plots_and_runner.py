"""The lab's runner (one tiny training run) and its plot files."""

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan.lab import plots, run_toy
from keras_gan.lab.experiments import build_toy_gan


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    animation = plots.DecisionSurfaceAnimation(
        str(folder / "ring.gif"), "ring", every=1, num_samples=50
    )
    animation.resolution = 20
    result = run_toy(
        "gan",
        "ring",
        packing=2,
        steps=2,
        eval_every=1,
        batch_packs=4,
        callbacks=[animation],
        generator_units=8,
        discriminator_units=4,
    )
    return result, animation, folder


def test_run_toy_returns_metrics_and_history(tiny_run):
    result, _, _ = tiny_run
    assert result["config"]["packing"] == 2 and result["config"]["batch_size"] == 8
    assert [h["step"] for h in result["history"]] == [1, 2]
    assert set(result["metrics"]) >= {"modes_captured", "high_quality", "reverse_kl"}
    assert result["metrics"]["num_samples"] == 2500
    assert np.isfinite(result["history"][-1]["d_loss"])


def test_decision_surface_animation_writes_gif(tiny_run):
    _, animation, folder = tiny_run
    assert animation.steps == [0, 1, 2]
    gif = Image.open(folder / "ring.gif")
    assert gif.n_frames == 3
    assert gif.size == (animation.frames[0].shape[1], animation.frames[0].shape[0])
    assert gif.size == (400, 400)  # 5x5 inches at 80 dpi
    assert (folder / "ring.png").exists()


def test_learning_rate_decay_holds_then_falls_linearly_to_zero():
    model = build_toy_gan(
        learning_rate=1e-3, steps=10, decay_fraction=0.4, generator_units=4, discriminator_units=2
    )
    for optimizer in (model.d_optimizer, model.g_optimizer):
        rates = []
        for t in range(11):
            optimizer.iterations.assign(t)
            rates.append(float(keras.ops.convert_to_numpy(optimizer.learning_rate)))
        # held for 6 steps, then 1e-3 * (1 - (t + 1 - 6) / 5) for t = 6..9, and 0 after training
        np.testing.assert_allclose(rates, [1e-3] * 6 + [8e-4, 6e-4, 4e-4, 2e-4, 0.0], atol=1e-9)
    constant = build_toy_gan(learning_rate=1e-3, generator_units=4, discriminator_units=2)
    assert float(keras.ops.convert_to_numpy(constant.g_optimizer.learning_rate)) == pytest.approx(
        1e-3
    )
    with pytest.raises(ValueError, match="decay_fraction"):
        build_toy_gan(steps=10, decay_fraction=1.5)


def test_several_discriminator_steps_per_generator_step():
    result = run_toy(
        "gan", "grid", packing=2, steps=2, eval_every=1, batch_packs=4, discriminator_steps=3,
        generator_units=8, discriminator_units=4, decay_fraction=0.5,
    )  # fmt: skip
    model = result["model"]
    assert result["config"]["discriminator_steps"] == 3
    assert [h["step"] for h in result["history"]] == [1, 2]
    iterations = lambda optimizer: int(keras.ops.convert_to_numpy(optimizer.iterations))  # noqa: E731
    assert (iterations(model.d_optimizer), iterations(model.g_optimizer)) == (6, 2)
    # both schedules end at 0 together: the discriminator's counts its 3 updates per step
    assert float(keras.ops.convert_to_numpy(model.d_optimizer.learning_rate)) == pytest.approx(0.0)
    assert float(keras.ops.convert_to_numpy(model.g_optimizer.learning_rate)) == pytest.approx(0.0)
    # after the first generator step (3 discriminator updates) the discriminator's rate is
    # 5e-4 (1 - (3 + 1 - 3) / (3 + 1)): held for 3 updates, decaying over the last 3. A schedule
    # counted in generator steps (held 1, decaying 1) would already be 0 there.
    model.d_optimizer.iterations.assign(3)
    assert float(keras.ops.convert_to_numpy(model.d_optimizer.learning_rate)) == pytest.approx(
        3.75e-4
    )


def test_the_unrolled_gan_runs_on_the_lab_networks():
    result = run_toy(
        "unrolled_gan", "ring", packing=2, steps=2, eval_every=1, batch_packs=4,
        generator_units=8, discriminator_units=4, unrolling_steps=3,
    )  # fmt: skip
    model = result["model"]
    assert type(model).__name__ == "UnrolledGAN" and model.unrolling_steps == 3
    assert result["config"]["unrolling_steps"] == 3
    assert model.latent_distribution == "normal"  # the lab's prior, not DCGAN's uniform
    assert 0 <= result["metrics"]["modes_captured"] <= 8
    iterations = lambda optimizer: int(keras.ops.convert_to_numpy(optimizer.iterations))  # noqa: E731
    assert (iterations(model.d_optimizer), iterations(model.g_optimizer)) == (2, 2)


def test_the_lab_takes_two_generator_updates_per_step():
    model = build_toy_gan(generator_steps=2, generator_units=4, discriminator_units=2)
    model.train_on_batch(np.zeros((8, 2), "float32"))
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 2
    # the generator's schedule counts its 2 updates per step: 10 steps, held for 5, decayed
    # over the last 5, are 20 updates held for 10, then 1e-3 (1 - (t + 1 - 10) / 11); counted
    # in steps it would reach 0 at update 10, half-way through the run
    decayed = build_toy_gan(
        generator_steps=2, steps=10, decay_fraction=0.5, learning_rate=1e-3,
        generator_units=4, discriminator_units=2,
    )  # fmt: skip

    def rate(t):
        decayed.g_optimizer.iterations.assign(t)
        return float(keras.ops.convert_to_numpy(decayed.g_optimizer.learning_rate))

    assert rate(9) == pytest.approx(1e-3) and rate(15) == pytest.approx(1e-3 * 5 / 11)
    assert rate(20) == pytest.approx(0.0)


def test_run_toy_takes_the_cores_stabilisers_and_scores_the_average():
    result = run_toy(
        "gan", "ring", packing=2, steps=2, eval_every=1, batch_packs=4, generator_units=8,
        discriminator_units=4, ema_decay=0.5, generator_steps=2,
    )  # fmt: skip
    model = result["model"]
    assert result["config"]["ema_decay"] == 0.5 and result["config"]["generator_steps"] == 2
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 4
    # the protocol's 2,500 samples come from the average, which differs from the weights
    latents = np.random.default_rng(0).normal(size=(50, 2)).astype("float32")
    averaged, raw = model.generate(latents=latents), model.generate(latents=latents, ema=False)
    assert not np.allclose(averaged, raw)
    assert set(result["raw_metrics"]) >= {"modes_captured", "high_quality", "reverse_kl"}
    assert "raw_metrics" not in run_toy(steps=1, generator_units=4, discriminator_units=2)
    with pytest.raises(ValueError, match="ema_decay"):
        run_toy(steps=1, generator_units=4, discriminator_units=2, ema_decay=1.5)


def test_run_toy_bad_input():
    with pytest.raises(ValueError, match="Unknown toy dataset 'spiral'"):
        run_toy(dataset="spiral", steps=1)
    with pytest.raises(ValueError, match="Unknown lab variant"):
        run_toy(variant="vae", steps=1)


def test_sample_grid_and_nearest_neighbours(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.uniform(-1, 1, size=(20, 6, 6, 1)).astype("float32")
    samples = train[[3, 11]] + 0.01  # near-copies of training images 3 and 11
    path = plots.save_sample_grid(train[:16], str(tmp_path / "grid.png"), scale=2)
    assert Image.open(path).size == ((4 * 7 + 1) * 2, (4 * 7 + 1) * 2)
    path, indices, distances = plots.save_nearest_neighbours(
        samples, train, str(tmp_path / "nn.png"), k=2, scale=1
    )
    assert indices[:, 0].tolist() == [3, 11]
    np.testing.assert_allclose(distances[:, 0], 36 * 0.01**2, rtol=1e-3)
    # one row per sample: sample, blank, k neighbours -> 4 tiles of 6 px + padding
    assert Image.open(path).size == (4 * 7 + 1, 2 * 7 + 1)
    # in a feature space (here the image mean) the nearest neighbour can change
    idx, _ = plots.nearest_neighbours(
        samples, train, k=1, features=lambda x: x.mean(axis=(1, 2, 3))[:, None]
    )
    assert idx.shape == (2, 1)
    with pytest.raises(ValueError, match="same shape"):
        plots.nearest_neighbours(samples[:, :3], train)
