"""Improved GAN (Salimans et al. 2016): the step's losses against a NumPy computation, the
labelled set, the weight-norm initialisation, historical averaging, training, saving, resume,
parity across backends and bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers, ops

import keras_gan
from keras_gan import checkpoints, testing
from keras_gan.adversarial import DataError
from keras_gan.models import ImprovedGAN
from keras_gan.networks.improved_gan import improved_gan_discriminator, initialize_weight_norm
from keras_gan.run import RunError
from tests.test_train import assert_same_run

K = 3  # classes of the tiny model


def numpy(x):
    return np.asarray(ops.convert_to_numpy(x), dtype="float64")


def tiny(**kwargs):
    """G: z (2) -> tanh dense -> 4x4 image; D: image -> relu dense (3 features) -> 3 logits."""
    generator = keras.Sequential(
        [layers.Input((2,)), layers.Dense(16, activation="tanh"), layers.Reshape((4, 4, 1))]
    )
    images = keras.Input((4, 4, 1))
    features = layers.Dense(3, activation="relu")(layers.Flatten()(images))
    discriminator = keras.Model(images, [layers.Dense(K)(features), features])
    kwargs.setdefault("labelled_per_class", 1)
    return ImprovedGAN(generator=generator, discriminator=discriminator, latent_dim=2, seed=3,
                       num_classes=K, **kwargs)  # fmt: skip


def labelled_data(num=12, shape=(4, 4, 1), seed=0):
    images = testing.random_images(shape, num, seed=seed)
    labels = np.arange(num, dtype="int32") % K
    return images, labels


def logsumexp(x):
    top = x.max(axis=1, keepdims=True)
    return (top + np.log(np.exp(x - top).sum(axis=1, keepdims=True)))[:, 0]


def softplus(x):
    return np.logaddexp(0.0, x)


def forward_d(weights, images):
    w1, b1, w2, b2 = weights
    features = np.maximum(images.reshape(len(images), -1) @ w1 + b1, 0.0)
    return features @ w2 + b2, features


def forward_g(weights, z):
    w, b = weights
    return np.tanh(z @ w + b).reshape(-1, 4, 4, 1)


@pytest.mark.parametrize("generator_loss", ["feature_matching", "non_saturating"])
def test_the_step_losses_are_the_papers(generator_loss):
    model = tiny(generator_loss=generator_loss, unlabelled_weight=0.7)
    model.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1),
                  run_eagerly=True)  # fmt: skip
    testing.set_deterministic_weights(model)
    images, labels = labelled_data(6)
    drawn = testing.record_latents(model)
    d_before = testing.snapshot(model.discriminator.trainable_variables)
    g_before = testing.snapshot(model.generator.trainable_variables)
    model.reset_metrics()
    logs = model.train_on_batch(images, labels, return_dict=True)
    labelled, labelled_labels = numpy(model.labelled_images), numpy(model.labelled_labels)
    assert sorted(labelled_labels.astype(int)) == list(range(K))  # one of each class

    # L_D = -E log softmax(l(x_lab))_y + w (-E log D(x) - E log(1 - D(G(z)))), D = sigmoid(lse)
    lab_logits, _ = forward_d(d_before, labelled)
    picked = lab_logits[np.arange(K), labelled_labels.astype(int)]
    supervised = np.mean(logsumexp(lab_logits) - picked)
    unl_logits, _ = forward_d(d_before, images.astype("float64"))
    fake_logits, _ = forward_d(d_before, forward_g(g_before, drawn[0]))
    unsupervised = np.mean(softplus(-logsumexp(unl_logits))) + np.mean(
        softplus(logsumexp(fake_logits))
    )
    assert float(logs["supervised_loss"]) == pytest.approx(supervised, rel=1e-4)
    assert float(logs["d_loss"]) == pytest.approx(supervised + 0.7 * unsupervised, rel=1e-4)

    # L_G against the discriminator after its update, with the generator before its own
    d_after = [numpy(v) for v in model.discriminator.trainable_variables]
    fake_logits, fake_features = forward_d(d_after, forward_g(g_before, drawn[1]))
    if generator_loss == "feature_matching":
        _, real_features = forward_d(d_after, images.astype("float64"))
        expected = np.sum((real_features.mean(axis=0) - fake_features.mean(axis=0)) ** 2)
    else:
        expected = np.mean(softplus(-logsumexp(fake_logits)))
    assert float(logs["g_loss"]) == pytest.approx(expected, rel=1e-4, abs=1e-7)


def test_the_batch_labels_are_never_read():
    images, labels = labelled_data(12)
    runs = []
    for batch_labels in (labels, labels[::-1].copy()):
        model = tiny()
        model.compile()
        testing.set_deterministic_weights(model)
        model.choose_labelled_set(images, labels)  # the same labelled set for both
        for _ in range(2):
            model.train_on_batch(images, batch_labels)
        runs.append(testing.snapshot(model.discriminator.trainable_variables))
    for first, second in zip(*runs):
        np.testing.assert_array_equal(first, second)


def test_the_labelled_set_is_chosen_once_per_class_and_saved(tmp_path):
    images, labels = labelled_data(12)
    model = tiny(labelled_per_class=2)
    model.compile()
    model.train_on_batch(images, labels)
    chosen = numpy(model.labelled_labels).astype(int)
    assert sorted(chosen) == [0, 0, 1, 1, 2, 2]
    # each chosen image is a training image of its label
    for image, label in zip(numpy(model.labelled_images), chosen):
        matches = np.flatnonzero(np.all(np.isclose(images, image), axis=(1, 2, 3)))
        assert len(matches) == 1 and labels[matches[0]] == label
    model.save(tmp_path / "model.keras")
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(numpy(reloaded.labelled_images), numpy(model.labelled_images))
    # a reloaded model trains on on other data with the set it has
    reloaded.train_on_batch(*labelled_data(12, seed=5))
    np.testing.assert_array_equal(numpy(reloaded.labelled_images), numpy(model.labelled_images))


def test_the_labelled_minibatch_is_drawn_when_the_set_is_larger_than_the_batch():
    model = tiny(labelled_per_class=4)  # 12 labelled images, batches of 6
    model.compile()
    images, labels = labelled_data(24)
    model.choose_labelled_set(images, labels)
    batch, batch_labels = model.labelled_minibatch(6)
    assert tuple(batch.shape) == (6, 4, 4, 1)
    everything = numpy(model.labelled_images).reshape(12, -1)
    rows = [np.flatnonzero(np.all(np.isclose(everything, b), axis=1))[0]
            for b in numpy(batch).reshape(6, -1)]  # fmt: skip
    assert len(set(rows)) == 6  # without replacement
    # each drawn image comes with its own label
    np.testing.assert_array_equal(numpy(batch_labels), numpy(model.labelled_labels)[rows])


def test_too_few_labels_of_a_class_is_refused():
    images, labels = labelled_data(12)
    labels[labels == 2] = 1  # no image of class 2
    model = tiny()
    model.compile()
    with pytest.raises(DataError, match="found 0 of class 2 in 12 training images"):
        model.train_on_batch(images, labels)
    with pytest.raises(ValueError, match="is semi-supervised: it trains on \\(images, labels\\)"):
        model.train_on_batch(images)


def test_a_repeating_stream_is_not_counted_twice():
    # 4 images per class, repeated forever (as the command line streams its data): 5 per class
    # must be refused, not filled with the same image twice
    images, labels = labelled_data(12)
    stream = tf.data.Dataset.from_tensor_slices((images, labels)).repeat().batch(5)
    model = tiny(labelled_per_class=5)
    model.compile()
    with pytest.raises(ValueError, match="found 4 of class 0 in 12 training images"):
        model.fit(stream, steps_per_epoch=1, shuffle=False, verbose=0)
    model = tiny(labelled_per_class=4)
    model.compile()
    model.fit(stream, steps_per_epoch=1, shuffle=False, verbose=0)
    chosen = numpy(model.labelled_images).reshape(12, -1)
    assert len({row.tobytes() for row in chosen}) == 12  # every training image, once


def test_a_run_with_too_few_labels_is_refused_in_a_line(tmp_path):
    # digits holds about 180 images of each class, which its repeated stream must not hide
    run = keras_gan.Run("improved_gan", output=str(tmp_path), dataset="digits", image_size=8,
                        batch_size=8, latent_dim=4, labelled_per_class=200)  # fmt: skip
    with pytest.raises(RunError, match="needs 200 labelled images of each of its 10 "
                       "classes .* but found 1[0-9][0-9] of class"):  # fmt: skip
        run.train(steps=1, verbose=0)


def test_the_weight_norm_starts_from_the_data():
    # Without noise, every weight-normalised layer's pre-activation on the initialisation batch
    # has mean 0 and standard deviation 1 per unit, given the layers before it.
    network = improved_gan_discriminator(
        (8, 8, 1), K, units=(16, 8), input_noise=0.0, hidden_noise=0.0
    )
    images, _ = labelled_data(200, shape=(8, 8, 1))
    initialize_weight_norm(network, images)
    for name in ("dense_0", "dense_1", "class_logits"):
        layer = network.get_layer(name)
        inputs = keras.Model(network.input, layer.input)(images, training=True)
        pre = numpy(layer.preactivation(inputs))
        np.testing.assert_allclose(pre.mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(pre.std(axis=0), 1.0, rtol=1e-3)


def test_the_model_initialises_its_discriminator_with_the_first_batches():
    model = ImprovedGAN(image_shape=(8, 8, 1), num_classes=K, labelled_per_class=2, seed=0)
    model.compile()
    scale = model.discriminator_network.get_layer("dense_0").g
    np.testing.assert_array_equal(numpy(scale), 1.0)  # before: the initializer's ones
    model.train_on_batch(*labelled_data(12, shape=(8, 8, 1)))
    assert not np.allclose(numpy(scale), 1.0)
    assert int(numpy(model.prepared)) == 1


def test_historical_averaging_keeps_the_mean_of_past_weights():
    model = tiny(historical_weight=0.5)
    model.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
    images, labels = labelled_data(6)
    seen = []
    for _ in range(3):
        seen.append(testing.snapshot(model.discriminator.trainable_variables))
        model.train_on_batch(images, labels)
    # updated at the start of each step, with the weights of that step: the mean of 3
    for average, *past in zip(model.historical_averages["discriminator"], *seen):
        np.testing.assert_allclose(numpy(average), np.mean(past, axis=0), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("network", ["discriminator", "generator"])
def test_historical_averaging_enters_each_players_loss(network):
    # The first step's average is the weights themselves (penalty 0, gradient 0), so a model
    # with historical_weight h and one without take the same first step; on the second, the
    # player's loss differs by h ||theta_2 - (theta_1 + theta_2) / 2||^2, summed over its
    # weights. For the generator's, the discriminator stands still (rate 0), so that its
    # penalty cannot move the discriminator the generator's loss is measured against.
    h, images, labels = 0.5, *labelled_data(6)
    d_rate = 1.0 if network == "discriminator" else 0.0  # large steps: a penalty float32 sees
    runs = []
    for weight in (h, 0.0):
        model = tiny(historical_weight=weight)
        model.compile(d_optimizer=keras.optimizers.SGD(d_rate),
                      g_optimizer=keras.optimizers.SGD(1.0))  # fmt: skip
        testing.set_deterministic_weights(model)
        weights = []
        for _ in range(2):
            weights.append(testing.snapshot(getattr(model, network).trainable_variables))
            logs = model.train_on_batch(images, labels, return_dict=True)
        runs.append(logs)
    penalty = sum(np.sum(((b - a) / 2.0) ** 2) for a, b in zip(*weights))
    assert penalty > 1e-3
    loss = "d_loss" if network == "discriminator" else "g_loss"
    difference = float(runs[0][loss]) - float(runs[1][loss])
    # the losses are float32 numbers near 1: their difference is good to about 1e-6
    assert difference == pytest.approx(h * penalty, rel=1e-3, abs=2e-6)


def test_it_trains_and_reloads(tmp_path):
    model = ImprovedGAN(image_shape=(8, 8, 1), latent_dim=4, num_classes=K, labelled_per_class=2,
                        minibatch_kernels=4, historical_weight=0.1, seed=0)  # fmt: skip
    model.compile()
    images, labels = labelled_data(16, shape=(8, 8, 1))
    # the generator's batch norm scale is off (softplus follows), its shift trains
    testing.check_fit(model, (images, labels), steps=2, batch_size=8)
    testing.check_save_load(model, str(tmp_path), np.zeros((2, 4), "float32"))
    reloaded = keras.saving.load_model(str(tmp_path / "model.keras"))
    np.testing.assert_array_equal(reloaded.classify(images), model.classify(images))
    assert model.classification_errors(images, labels) == int(
        np.sum(model.classify(images) != labels)
    )
    assert model.generate(3).shape == (3, 8, 8, 1)


@pytest.mark.one_backend(
    "torch",
    reason="the resume machinery is checked on every backend (tests/test_train.py, tests/test_run.py); Improved-GAN's semi-supervised state resumes through it, checked once",
)
def test_a_run_resumed_mid_epoch_equals_the_straight_run(tmp_path):
    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    settings = dict(dataset="digits", image_size=8, batch_size=8, latent_dim=4,
                    labelled_per_class=2, steps_per_epoch=5)  # fmt: skip
    assert keras_gan.Run("improved_gan", output=straight, **settings).train(steps=7, verbose=0).done
    run = keras_gan.Run("improved_gan", output=pieces, **settings)
    assert run.train(steps=3, verbose=0).step == 3  # mid-epoch
    result = keras_gan.Run.resume(pieces).train(steps=7, verbose=0)
    assert result.step == 7
    assert_same_run(straight, pieces)
    models = [checkpoints.load(checkpoints.latest(out)) for out in (straight, pieces)]
    np.testing.assert_array_equal(*(numpy(m.labelled_images) for m in models))


def test_parity_across_backends(parity_dir):
    images, labels = labelled_data(6)
    with testing.portable_random():
        model = tiny(historical_weight=0.1, label_smoothing=0.1)
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, (images, labels), steps=3)
    testing.check_parity("improved_gan", logs, parity_dir)


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(generator_loss="minimax"), "'feature_matching', 'non_saturating'"),
        (dict(labelled_per_class=0), "`labelled_per_class` must be a positive integer"),
        (dict(minibatch_kernels=-1), "`minibatch_kernels` must be an integer >= 0"),
        (dict(historical_weight=-1.0), "`historical_weight` must be a finite number >= 0"),
        (dict(unlabelled_weight=float("nan")), "`unlabelled_weight` must be a finite number"),
        (dict(num_classes=1), "`num_classes` must be an integer >= 2"),
        (dict(generator_output="sigmoid"), "'tanh', 'softplus'. Received: generator_output"),
        (dict(ada_target=0.6, augment="translation"), "ADA does not apply to ImprovedGAN"),
        (dict(r1_gamma=1.0), "The R1/R2 penalties do not apply to ImprovedGAN"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        ImprovedGAN(image_shape=(8, 8, 1), **settings)


def test_the_softplus_output_is_unbounded_above_and_reloads(tmp_path):
    from keras_gan.networks.improved_gan import improved_gan_generator

    generator = improved_gan_generator((4, 4, 1), latent_dim=3, output="softplus")
    preactivation = keras.Model(generator.input, generator.get_layer("output").preactivation(
        generator.get_layer("softplus_1").output))  # fmt: skip
    z = np.random.default_rng(0).uniform(size=(5, 3)).astype("float32")
    a = numpy(preactivation(z)).reshape(5, 4, 4, 1)
    # 2 softplus(a) - 1: the discriminator's (x + 1) / 2 sees softplus(a), in (0, inf)
    np.testing.assert_allclose(numpy(generator(z)), 2 * softplus(a) - 1, rtol=1e-5, atol=1e-6)
    model = ImprovedGAN(image_shape=(8, 8, 1), latent_dim=4, num_classes=K, labelled_per_class=2,
                        generator_output="softplus", seed=0)  # fmt: skip
    model.compile()
    images, labels = labelled_data(16, shape=(8, 8, 1))
    testing.check_fit(model, (images, labels), steps=2, batch_size=8)
    testing.check_save_load(model, str(tmp_path), np.zeros((2, 4), "float32"))
    assert keras.saving.load_model(str(tmp_path / "model.keras")).generator_output == "softplus"


def test_a_discriminator_without_features_is_refused():
    plain = keras.Sequential([layers.Input((8, 8, 1)), layers.Flatten(), layers.Dense(10)])
    with pytest.raises(ValueError, match=r"returns \[class_logits"):
        ImprovedGAN(image_shape=(8, 8, 1), discriminator=plain)


def test_a_run_and_a_file_written_before_the_output_option_keep_their_tanh_output(tmp_path):
    # The default became softplus; what was saved before `generator_output` existed (no such
    # field in config.json or in the .keras file) had the tanh output, and keeps it.
    import json
    import zipfile

    from keras_gan.models.improved_gan import ImprovedGANConfig

    out = str(tmp_path / "old")
    settings = dict(dataset="digits", image_size=8, batch_size=8, latent_dim=4,
                    labelled_per_class=2, steps_per_epoch=5, generator_output="tanh")  # fmt: skip
    assert keras_gan.Run("improved_gan", output=out, **settings).train(steps=2, verbose=0).done
    with open(f"{out}/config.json") as file:
        saved = json.load(file)
    del saved["config"]["generator_output"]
    with open(f"{out}/config.json", "w") as file:
        json.dump(saved, file)
    path = checkpoints.latest(out)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    model_config = json.loads(members["config.json"])
    del model_config["config"]["generator_output"]
    members["config.json"] = json.dumps(model_config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)

    assert checkpoints.load(path).generator_output == "tanh"
    run = keras_gan.Run.resume(out)
    assert run.config.generator_output == "tanh"
    assert run.train(steps=3, verbose=0).step == 3
    assert checkpoints.load(checkpoints.latest(out)).generator_output == "tanh"
    # a new run has the softplus output; --paper the authors'
    assert ImprovedGANConfig().generator_output == "softplus"
    assert ImprovedGANConfig().with_paper_settings().generator_output == "tanh"
