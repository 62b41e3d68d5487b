"""CoGAN (Liu & Tuzel 2016): coupled networks that share layers, trained on unpaired domains."""

import json
import os

import keras
import numpy as np
import pytest

from keras_gan import datasets, testing
from keras_gan.metrics import pair_agreement
from keras_gan.models import CoGAN, CoGANConfig
from keras_gan.networks.cogan import cogan_discriminator, cogan_generator

SHAPE = (16, 16, 1)


def tiny(**kwargs):
    kwargs = {"image_shape": SHAPE, "latent_dim": 8, "base_filters": 4, "seed": 1, **kwargs}
    model = CoGAN(**kwargs)
    model.compile()
    return model


def domains(num=8, seed=0):
    return testing.random_images(SHAPE, num, seed), testing.random_images(SHAPE, num, seed + 1)


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def softplus(x):
    return np.logaddexp(0.0, x)


def test_the_authors_layer_sizes_at_28x28():
    generator = cogan_generator((28, 28, 1), latent_dim=100, base_filters=128)
    sizes = [generator.get_layer(f"layer{i}_shared").output.shape[1] for i in range(1, 5)]
    assert sizes == [4, 7, 13, 25]  # then the 6x6 output layer: 28
    assert generator.get_layer("layer5_a").layers[0].kernel.shape == (6, 6, 1, 128)
    widths = [generator.get_layer(f"layer{i}_shared").output.shape[-1] for i in range(1, 5)]
    assert widths == [1024, 512, 256, 128]
    discriminator = cogan_discriminator((28, 28, 1))
    assert discriminator.get_layer("layer1_a").output.shape[1:] == (12, 12, 20)
    assert discriminator.get_layer("layer2_shared").layers[0].kernel.shape == (5, 5, 20, 50)
    assert discriminator.get_layer("layer3_shared").layers[0].kernel.shape == (4, 4, 50, 500)
    # the authors' parameter counts (PyTorch's CoGen28x28 / CoDis28x28, one PReLU slope each)
    assert generator.count_params() == 7_846_534 and discriminator.count_params() == 427_092


@pytest.mark.parametrize("size", [16, 28, 32, 64])
def test_every_multiple_of_4_builds_and_generates_that_size(size):
    generator = cogan_generator((size, size, 3), 8, 4)
    images = generator(np.zeros((2, 8), "float32"))
    assert [tuple(image.shape) for image in images] == [(2, size, size, 3)] * 2
    logits = cogan_discriminator((size, size, 3))(images)
    assert [tuple(logit.shape) for logit in logits] == [(2, 1)] * 2


def test_shared_layers_are_one_set_of_weights_for_both_domains():
    z = np.random.default_rng(0).normal(size=(3, 8)).astype("float32")
    generator = cogan_generator(SHAPE, 8, 4, shared_layers=4, seed=0)
    a, b = (numpy(x) for x in generator(z))
    # Changing domain A's own output layer changes only domain A's images ...
    own = generator.get_layer("layer5_a").layers[0]
    own.kernel.assign(numpy(own.kernel) * 2.0)
    a2, b2 = (numpy(x) for x in generator(z))
    assert not np.allclose(a2, a) and np.array_equal(b2, b)
    # ... changing a shared layer changes both
    shared = generator.get_layer("layer4_shared").layers[0]
    shared.kernel.assign(numpy(shared.kernel) * 2.0)
    a3, b3 = (numpy(x) for x in generator(z))
    assert not np.allclose(a3, a2) and not np.allclose(b3, b2)
    # The discriminators share their last layers: with both domains given the same image and
    # the same first layer, the two logits are equal.
    discriminator = cogan_discriminator(SHAPE, shared_layers=3, seed=0)
    first_a, first_b = (discriminator.get_layer(f"layer1_{d}").layers[0] for d in "ab")
    first_b.kernel.assign(numpy(first_a.kernel))
    first_b.bias.assign(numpy(first_a.bias))
    logit_a, logit_b = discriminator([a, a])
    np.testing.assert_allclose(numpy(logit_a), numpy(logit_b), rtol=1e-6)
    # Without sharing each domain has all its own layers: twice the parameters of one.
    alone = cogan_generator(SHAPE, 8, 4, shared_layers=0)
    assert not [layer for layer in alone.layers if layer.name.endswith("_shared")]
    names = {layer.name for layer in cogan_discriminator(SHAPE, shared_layers=0).layers}
    assert {"layer4_a", "layer4_b"} <= names


def test_the_losses_are_the_mean_over_domains_of_the_gan_losses():
    # Generators whose images do not depend on z, and optimizers that do not move: the logged
    # losses can be computed by hand from the networks' outputs.
    z = keras.Input((8,))
    constant = keras.layers.Dense(16 * 16, kernel_initializer="zeros", bias_initializer="he_normal")
    images = [
        keras.layers.Activation("tanh")(keras.layers.Reshape(SHAPE)(constant(z))),
        keras.layers.Activation("tanh")(
            keras.layers.Reshape(SHAPE)(keras.layers.Dense(256, kernel_initializer="zeros",
                                                           bias_initializer="he_normal")(z))
        ),
    ]  # fmt: skip
    model = CoGAN(keras.Model(z, images), image_shape=SHAPE, latent_dim=8, seed=0)
    model.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    real_a, real_b = domains()
    logs = model.train_on_batch((real_a, real_b), return_dict=True)
    fake = [numpy(x) for x in model.generator(np.zeros((8, 8), "float32"))]
    real_logits = [numpy(x) for x in model.discriminator([real_a, real_b])]
    fake_logits = [numpy(x) for x in model.discriminator(fake)]
    # L_D = 1/2 sum_i E[-log sigma(f_i(x_i))] + E[-log(1 - sigma(f_i(g_i(z))))]
    d_loss = 0.5 * sum(
        softplus(-r).mean() + softplus(f).mean() for r, f in zip(real_logits, fake_logits)
    )
    # L_G = 1/2 sum_i E[-log sigma(f_i(g_i(z)))]
    g_loss = 0.5 * sum(softplus(-f).mean() for f in fake_logits)
    np.testing.assert_allclose(float(logs["d_loss"]), d_loss, rtol=1e-5)
    np.testing.assert_allclose(float(logs["g_loss"]), g_loss, rtol=1e-5)


def test_weight_decay_adds_lambda_theta_to_every_gradient():
    # One SGD step of lr on the same data and z, with and without the decay: the weights differ
    # by exactly -lr lambda theta (PyTorch's Adam(weight_decay=lambda) form).
    lr, decay = 0.1, 0.05
    stepped = {}
    for weight_decay in (0.0, decay):
        model = tiny(weight_decay=weight_decay)
        model.compile(d_optimizer=keras.optimizers.SGD(lr), g_optimizer=keras.optimizers.SGD(lr))
        before = testing.snapshot(model.discriminator.trainable_variables)
        model.train_on_batch(domains())
        stepped[weight_decay] = testing.snapshot(model.discriminator.trainable_variables)
    for theta, plain, decayed in zip(before, stepped[0.0], stepped[decay]):
        np.testing.assert_allclose(decayed - plain, -lr * decay * theta, atol=2e-6)


def test_training_moves_both_networks_and_the_discriminator_loss_falls():
    model = tiny()
    testing.check_fit(model, domains(16), batch_size=8)
    fixed = domains(8, seed=3)
    d_losses = [float(model.train_on_batch(fixed, return_dict=True)["d_loss"]) for _ in range(12)]
    assert np.mean(d_losses[-3:]) < np.mean(d_losses[:3])


def test_label_smoothing_and_two_generator_updates_apply():
    # One-sided smoothing lowers the real target of both domains' cross-entropy: on the same
    # step, with the same weights, the logged discriminator loss changes.
    plain = tiny().train_on_batch(domains(), return_dict=True)
    smoothed = tiny(label_smoothing=0.2).train_on_batch(domains(), return_dict=True)
    assert float(smoothed["d_loss"]) != pytest.approx(float(plain["d_loss"]))
    model = tiny(generator_steps=2)
    model.train_on_batch(domains())
    assert int(model.g_optimizer.iterations) == 2 and int(model.d_optimizer.iterations) == 1


def test_generate_gives_pairs_side_by_side_or_one_domain():
    model = tiny()
    z = np.random.default_rng(0).normal(size=(5, 8)).astype("float32")
    images_a, images_b = model.generate_pairs(latents=z, batch_size=2)
    assert images_a.shape == images_b.shape == (5, *SHAPE)
    both = model.generate(latents=z)  # batches of 256, not 2: equal to float rounding
    assert both.shape == (5, 16, 32, 1) == (5, *model.sample_shape)
    np.testing.assert_allclose(both[:, :, :16], images_a, atol=1e-6)
    np.testing.assert_allclose(both[:, :, 16:], images_b, atol=1e-6)
    np.testing.assert_allclose(model.generate(latents=z, domain="b"), images_b, atol=1e-6)
    with pytest.raises(ValueError, match=r"domain` must be one of \('both', 'a', 'b'\)"):
        model.generate(2, domain="c")
    with pytest.raises(ValueError, match="unconditional"):
        model.generate(2, labels=[0, 1])


def test_save_load_and_the_generator_average(tmp_path):
    model = tiny(ema_decay=0.9)
    model.train_on_batch(domains())
    z = np.random.default_rng(0).normal(size=(3, 8)).astype("float32")
    restored = testing.check_save_load(model, tmp_path, z)
    np.testing.assert_allclose(restored.generate(latents=z), model.generate(latents=z), atol=1e-5)
    assert restored.shared_generator_layers == 4 and restored.weight_decay == 5e-4
    # the EMA's samples are not the raw generator's after a step
    assert not np.allclose(model.generate(latents=z), model.generate(latents=z, ema=False))


def test_bad_inputs_are_refused_with_the_values():
    with pytest.raises(ValueError, match=r"multiple of 4, at least 16.*\(30, 30, 1\)"):
        CoGAN(image_shape=(30, 30, 1))
    with pytest.raises(
        ValueError, match=r"generator has 5 layers .* 0 to 4. Received: shared_generator_layers=5"
    ):
        tiny(shared_generator_layers=5)
    with pytest.raises(
        ValueError,
        match=r"discriminator has 4 layers .* 0 to 3. Received: shared_discriminator_layers=4",
    ):
        tiny(shared_discriminator_layers=4)
    with pytest.raises(ValueError, match=r"an integer >= 0. Received: shared_discriminator_lay"):
        tiny(shared_discriminator_layers=-1)
    with pytest.raises(ValueError, match=r"weight_decay` must be a finite number >= 0"):
        tiny(weight_decay=-1e-4)
    model = tiny()
    rng = np.random.default_rng(0)
    colour = rng.uniform(-1, 1, (8, 16, 16, 3)).astype("float32")
    with pytest.raises(ValueError, match=r"domain B images of shape \(16, 16, 1\).*\(16, 16, 3\)"):
        model.fit((domains()[0], colour), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="augmentation does not apply to CoGAN"):
        tiny(augment="translation")
    with pytest.raises(ValueError, match="R1/R2 penalties do not apply to CoGAN"):
        tiny(r1_gamma=1.0)
    config = CoGANConfig(dataset="two_folders")
    info = datasets.DatasetInfo(
        name="x", element="unpaired", image_shape=(16, 16, 3), num_examples=8, batch_size=8,
        steps_per_epoch=1, source_shape=(16, 16, 1),
    )  # fmt: skip
    with pytest.raises(ValueError, match=r"same image shape.*\(16, 16, 1\) and .*\(16, 16, 3\)"):
        CoGAN.check_dataset_info(config, info)


def test_pair_agreement_of_true_and_of_mismatched_pairs():
    digits, _, _ = datasets.derived.digit_images("digits", image_size=16)
    digits = digits[:50]

    def scaled(images):
        return np.asarray(images, "float32")[..., None] / 127.5 - 1.0

    edges = datasets.derived.edge_maps(digits)
    result = pair_agreement(scaled(edges), scaled(digits), "mnist_edges")  # (edges, digits)
    assert result["pair_agreement"] == 1.0 and result["num_pairs"] == 50
    # each edge map against the next digit's: the agreement of unrelated images, by hand
    rolled = np.roll(digits, -1, axis=0)
    expected = np.mean((datasets.derived.edge_maps(rolled) > 127) == (edges > 127))
    np.testing.assert_allclose(result["mismatched_agreement"], expected)
    assert expected < 1.0
    negative = pair_agreement(scaled(digits), -scaled(digits), "mnist_negative")
    assert negative["pair_agreement"] == 1.0
    flipped = pair_agreement(scaled(digits), scaled(digits), "mnist_negative")  # no negation
    np.testing.assert_allclose(flipped["pair_agreement"], 0.0)
    with pytest.raises(ValueError, match="known transform.*Received: 'mnist'"):
        pair_agreement(scaled(digits), scaled(digits), "mnist")
    with pytest.raises(ValueError, match=r"in \[-1, 1\]"):
        pair_agreement(scaled(digits) * 3, scaled(digits), "mnist_negative")


def test_parity(parity_dir):
    model = tiny()
    testing.set_deterministic_weights(model)
    with testing.portable_random():
        logs = testing.step_logs(model, domains(), steps=3)
    testing.check_parity("cogan", logs, parity_dir, atol=1e-5)


@pytest.mark.one_backend(
    "torch",
    reason="the command-line tools train, evaluate and sample on every backend "
    "(tests/test_train.py, tests/test_evaluate.py, tests/test_sample.py) and CoGAN's step is "
    "checked on every backend here (parity, fit)",
)
def test_a_command_line_run_is_scored_by_pair_agreement_and_sampled_as_pairs(tmp_path, capsys):
    from keras_gan import evaluate, sample, train

    out = str(tmp_path / "cogan")
    argv = [
        "cogan", "--dataset", "mnist_negative", "--image-size", "16", "--batch-size", "8",
        "--base-filters", "4", "--latent-dim", "8", "--steps-per-epoch", "3", "--epochs", "1",
        "--verbose", "0", "--output", out,
    ]  # fmt: skip
    assert train.main(argv) == 0
    checkpoint = os.path.join(out, "checkpoints", "last.keras")
    capsys.readouterr()
    assert evaluate.main([checkpoint, "--num-samples", "50"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["evaluation"] == "pair_agreement" and result["dataset"] == "mnist_negative"
    model = keras.saving.load_model(checkpoint)
    assert result == {
        **result, **model.pair_agreement("mnist_negative", 50, seed=0), "step": 3
    }  # fmt: skip
    assert evaluate.main([checkpoint, "--dataset", "mnist"]) == 2
    assert "--dataset mnist_edges | mnist_negative | mnist_colour" in capsys.readouterr().err
    grid = str(tmp_path / "grid.png")
    assert sample.main([checkpoint, "--num", "4", "--output", grid]) == 0
    from PIL import Image

    width, height = Image.open(grid).size
    assert width > height  # pairs side by side: each cell twice as wide as tall


@pytest.mark.one_backend(
    "jax",
    reason="the resume machinery is checked on every backend (tests/test_train.py, tests/test_run.py); CoGAN's pair of networks resumes through it, checked once",
)
def test_a_run_resumed_mid_epoch_equals_the_straight_run(tmp_path):
    # The two unpaired streams and the generator average continue where they stopped.
    import keras_gan
    from tests.test_train import assert_same_run

    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    settings = dict(dataset="mnist_edges", image_size=16, batch_size=8, latent_dim=4,
                    base_filters=2, steps_per_epoch=5, ema_decay=0.9)  # fmt: skip
    assert keras_gan.Run("cogan", output=straight, **settings).train(steps=7, verbose=0).done
    run = keras_gan.Run("cogan", output=pieces, **settings)
    assert run.train(steps=3, verbose=0).step == 3  # mid-epoch
    assert keras_gan.Run.resume(pieces).train(steps=7, verbose=0).step == 7
    assert_same_run(straight, pieces)
