"""BigGAN (Brock et al. 2019): hierarchical latents, linear conditional batch norm, orthogonal
regularisation, gradient accumulation."""

import keras
import numpy as np
import pytest

from keras_gan import losses, testing
from keras_gan.backend import compat
from keras_gan.models import BigGAN
from keras_gan.networks.biggan import (
    LinearConditionalBatchNormalization,
    architecture,
    biggan_discriminator,
    biggan_generator,
)
from keras_gan.networks.sagan import SelfAttention
from keras_gan.networks.sngan import SpectralNormalization

SHAPE = (16, 16, 1)  # three slots: z in 3 chunks


def tiny(**kwargs):
    kwargs = {
        "image_shape": SHAPE,
        "num_classes": 3,
        "latent_dim": 6,
        "base_filters": 2,
        "shared_dim": 4,
        "ema_start": 0,
        "seed": 1,
        **kwargs,
    }
    model = BigGAN(**kwargs)
    model.compile()
    return model


def labelled(num=8, seed=0, shape=SHAPE):
    images = testing.random_images(shape, num, seed)
    labels = np.random.default_rng(seed).integers(0, 3, num).astype("int32")
    return images, labels


def numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def test_linear_conditional_batch_norm_matches_a_numpy_computation():
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(6, 2, 2, 4)).astype("float32")
    c = rng.normal(size=(6, 5)).astype("float32")
    layer = LinearConditionalBatchNormalization(spectral_norm=False, seed=0)
    out = numpy(layer([x, c], training=True))
    normalized = (x - x.mean((0, 1, 2))) / np.sqrt(x.var((0, 1, 2)) + 1e-5)
    gain = 1.0 + c @ numpy(layer.gain.kernel)  # 1 + W_gamma c
    bias = c @ numpy(layer.bias.kernel)  # W_beta c
    expected = normalized * gain[:, None, None] + bias[:, None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    # Spectrally normalised maps: the kernels divided by their sigma
    normalised = LinearConditionalBatchNormalization(seed=0)
    normalised([x, c], training=True)
    assert isinstance(normalised.gain, SpectralNormalization)
    sigmas = [float(numpy(m.spectral_norm()[1])) for m in (normalised.gain, normalised.bias)]
    gain = 1.0 + c @ (numpy(normalised.gain.kernel) / sigmas[0])
    bias = c @ (numpy(normalised.bias.kernel) / sigmas[1])
    np.testing.assert_allclose(
        numpy(normalised([x, c], training=True)),
        normalized * gain[:, None, None] + bias[:, None, None],
        rtol=1e-4,
        atol=1e-4,
    )


def test_each_block_is_conditioned_on_the_shared_embedding_and_its_chunk_of_z():
    generator = biggan_generator(SHAPE, 6, 3, 2, shared_dim=4, seed=0)
    z = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    y = np.array([0, 2, 1, 1, 0], "int32")
    table = numpy(generator.get_layer("shared_embedding").embeddings)
    np.testing.assert_allclose(
        numpy(generator.get_layer("shared_embedding")(y)), table[y], rtol=1e-6
    )
    # z = [z_0 | z_1 | z_2]: z_0 starts the image, block i gets [e(y), z_i]
    for block in (1, 2):
        probe = keras.Model(
            generator.inputs, generator.get_layer(f"block{block}_conditioning").output
        )
        expected = np.concatenate([table[y], z[:, 2 * block : 2 * block + 2]], axis=1)
        np.testing.assert_allclose(numpy(probe([z, y])), expected, rtol=1e-6)
    # Every chunk reaches the image; without hierarchy the blocks see the embedding alone
    base = numpy(generator([z, y]))
    for chunk in range(3):
        moved = z.copy()
        moved[:, 2 * chunk : 2 * chunk + 2] += 1.0
        assert np.abs(numpy(generator([moved, y])) - base).max() > 1e-4
    flat = biggan_generator(SHAPE, 5, 3, 2, shared_dim=4, hierarchical=False, seed=0)
    assert flat.get_layer("block1_ccbn1").gain.kernel.shape == (4, 8)


def test_the_authors_widths_and_where_the_networks_attend():
    assert architecture(32) == ([4, 4, 4, 4], [4, 4, 4, 4], [True, True, False, False])
    assert architecture(128)[0] == [16, 16, 8, 4, 2, 1]
    assert architecture(128)[1:] == ([1, 2, 4, 8, 16, 16], [True] * 5 + [False])
    generator = biggan_generator((32, 32, 3), 8, 3, 2, shared_dim=4, attention_resolution=8)
    discriminator = biggan_discriminator((32, 32, 3), 3, 2, attention_resolution=8)
    # G: 4x4 -> 8 -> 16 -> 32 at 4 ch = 8 channels; D: 32 -> 16 -> 8, then two blocks at 8x8
    assert [generator.get_layer(f"block{b}").output.shape[1:] for b in (1, 2, 3)] == [
        (8, 8, 8), (16, 16, 8), (32, 32, 8)
    ]  # fmt: skip
    assert [discriminator.get_layer(f"block{b}").output.shape[1:3] for b in (1, 2, 3, 4)] == [
        (16, 16), (8, 8), (8, 8), (8, 8)
    ]  # fmt: skip
    for network in (generator, discriminator):
        attending = [layer for layer in network.layers if isinstance(layer, SelfAttention)]
        assert [layer.output.shape[1] for layer in attending] == [8]
    # At 128x128 the generator goes 16 ch -> ch, the discriminator ch -> 16 ch
    wide = biggan_generator((128, 128, 3), 12, 3, 1, shared_dim=2, attention_resolution=0)
    assert [wide.get_layer(f"block{b}").output.shape[-1] for b in range(1, 6)] == [16, 8, 4, 2, 1]


def test_orthogonal_penalty_reads_every_generator_kernel_but_the_embedding():
    model = tiny()
    weights = model.orthogonal_weights()
    names = [weight.path for weight in weights]
    assert not any("shared_embedding" in name for name in names)
    assert any("ccbn1/gain" in name for name in names) and any("project" in name for name in names)
    assert all(len(weight.shape) >= 2 for weight in weights)
    expected = float(numpy(losses.orthogonal_regularization(weights, 1e-4)))
    logs = model.train_on_batch(labelled(), return_dict=True)
    np.testing.assert_allclose(logs["orthogonal_penalty"], expected, rtol=1e-4)
    unregularised = tiny(orthogonal_regularization=0.0)
    logs = unregularised.train_on_batch(labelled(), return_dict=True)
    assert "orthogonal_penalty" not in logs and np.isfinite(logs["g_loss"])


class BatchSizes(keras.layers.Layer):
    """The identity, noting the batch size of every call (when traced, on every backend)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs):
        self.seen.append(inputs.shape[0])
        return inputs


def plain_networks():
    """Networks without batch statistics or power iterations: for them a batch of N k and k
    accumulated micro-batches of N give the same gradient. The discriminator notes the batch
    sizes it is called on (`discriminator.get_layer("batch_sizes").seen`)."""
    z = keras.Input((6,))
    y = keras.Input((), dtype="int32")
    embedded = keras.layers.Embedding(3, 4)(y)
    h = keras.layers.Dense(16, activation="relu")(keras.layers.Concatenate()([z, embedded]))
    image = keras.layers.Reshape(SHAPE)(keras.layers.Dense(256, activation="tanh")(h))
    generator = keras.Model([z, y], image)
    x = keras.Input(SHAPE)
    label = keras.Input((), dtype="int32")
    seen = BatchSizes(name="batch_sizes")(x)
    features = keras.layers.Dense(8, activation="relu")(keras.layers.Flatten()(seen))
    score = keras.layers.Dense(1)(
        keras.layers.Concatenate()([features, keras.layers.Embedding(3, 2)(label)])
    )
    return generator, keras.Model([x, label], score)


def test_accumulated_micro_batches_make_the_step_of_the_whole_batch():
    data = labelled(8)
    stepped = {}
    for k in (1, 4):
        generator, discriminator = plain_networks()
        model = tiny(generator=generator, discriminator=discriminator, accumulation_steps=k)
        testing.set_deterministic_weights(model)
        before = testing.snapshot(model.trainable_variables)
        sizes = discriminator.get_layer("batch_sizes").seen
        sizes.clear()
        logs = model.train_on_batch(data, return_dict=True)
        stepped[k] = (logs, testing.snapshot(model.trainable_variables))
        # the discriminator saw micro-batches of 8 / k images, never the whole batch
        assert sizes and set(sizes) == {8 // k}, sizes
    (logs_1, weights_1), (logs_4, weights_4) = stepped[1], stepped[4]
    for name in ("d_loss", "g_loss", "orthogonal_penalty"):
        np.testing.assert_allclose(logs_4[name], logs_1[name], rtol=1e-5, atol=1e-6)
    moved = [not np.allclose(after, start) for after, start in zip(weights_1, before)]
    # Every weight moves but the discriminator's score bias and label embedding: while every
    # score is inside the hinge's margins, the real and generated terms (same labels) cancel.
    assert sum(moved) == len(moved) - 2
    for one, four in zip(weights_1, weights_4):
        np.testing.assert_allclose(four, one, rtol=1e-4, atol=1e-6)


def test_training_moves_both_networks_and_the_average_follows():
    model = tiny(ema_decay=0.5, accumulation_steps=2)
    history = testing.check_fit(model, labelled(16), batch_size=8, networks=("generator",))
    assert set(history.history) == {
        "d_loss", "g_loss", "orthogonal_penalty", "g_attention_gain", "d_attention_gain"
    }  # fmt: skip
    # The average is not the weights (decay 0.5 after two steps)
    average = [numpy(v) for v in model.generator_average]
    weights = [numpy(v) for v in model.generator_variables()]
    assert any(not np.allclose(a, w) for a, w in zip(average, weights))
    # The attention maps are read from the average's weights, like the samples
    z = np.random.default_rng(0).normal(size=(2, 6)).astype("float32")
    images, maps = model.attention_maps([0, 2], latents=z)
    np.testing.assert_allclose(images, model.generate(latents=z, labels=[0, 2]), atol=1e-5)
    np.testing.assert_allclose(maps.sum(axis=-1), 1.0, atol=1e-5)
    assert maps.shape[0] == 2 and maps.shape[1] == 4 * maps.shape[2]


def test_one_seed_gives_one_model_and_one_first_step():
    # Keras' spectral norm draws its power iteration's vector_u unseeded; ours from the kernel's
    # seed, so BigGAN(seed=...) alone (no global seed) fixes every variable and the first step.
    def first_step():
        keras.random.normal((3,))  # moves Keras' global seed between the two models
        model = tiny()
        built = [numpy(v) for v in model.generator.variables + model.discriminator.variables]
        model.train_on_batch(labelled(8), return_dict=True)
        return built, [numpy(v) for v in model.generator.variables + model.discriminator.variables]

    for a, b in zip(*map(lambda run: run[0] + run[1], (first_step(), first_step()))):
        np.testing.assert_array_equal(a, b)


def test_the_discriminator_hinge_loss_falls_on_fixed_data():
    model = tiny()
    data = labelled(8)
    d_losses = [float(model.train_on_batch(data, return_dict=True)["d_loss"]) for _ in range(15)]
    assert np.mean(d_losses[-3:]) < np.mean(d_losses[:3])


@pytest.mark.parametrize("initializer", ["orthogonal", "glorot_uniform"])
def test_the_initializer_reaches_every_weight_but_attention_and_the_projection_head(
    initializer, tmp_path
):
    model = tiny(initializer=initializer)
    expected = {"orthogonal": "Orthogonal", "glorot_uniform": "GlorotUniform"}[initializer]
    kernels = [
        layer.layer.kernel_initializer
        for network in (model.generator, model.discriminator)
        for layer in compat.all_layers(network)
        if isinstance(layer, SpectralNormalization)
        and not any(skip in layer.path for skip in ("attention", "embedding", "psi"))
    ]
    assert len(kernels) > 20 and {type(kernel).__name__ for kernel in kernels} == {expected}
    embedding = model.generator.get_layer("shared_embedding")
    assert embedding.initializer == initializer
    if initializer == "orthogonal":  # 3 classes x 4: orthonormal rows
        table = numpy(embedding.embeddings)
        np.testing.assert_allclose(table @ table.T, np.eye(3), atol=1e-5)
    model.train_on_batch(labelled(8))
    inputs = [np.ones((2, 6), "float32"), np.array([0, 2], "int32")]
    restored = testing.check_save_load(model, tmp_path, inputs)
    assert restored.initializer == initializer
    assert restored.generator.get_layer("shared_embedding").initializer == initializer


def test_truncated_samples_and_save_load(tmp_path):
    model = tiny(accumulation_steps=2)
    model.train_on_batch(labelled(8))
    z = model.truncated_latents(4, truncation=0.5, seed=3)
    assert np.abs(z).max() <= 0.5
    y = np.array([0, 1, 2, 1], "int32")
    images = model.generate(latents=z, labels=y)
    assert images.shape == (4, *SHAPE) and np.abs(images).max() <= 1.0
    restored = testing.check_save_load(model, tmp_path, [z, y])
    assert restored.accumulation_steps == 2 and restored.shared_dim == 4
    np.testing.assert_allclose(restored.generate(latents=z, labels=y), images, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"latent_dim": 7}, r"split into 3 equal chunks at 16x16 .* multiple of 3, e.g. 6 or 9"),
        ({"accumulation_steps": 0}, r"accumulation_steps` must be a positive integer"),
        ({"attention_resolution": 4}, r"BigGAN's networks at 16x16 .* inner feature-map sizes: 8"),
        ({"image_shape": (96, 96, 3)}, r"\(64, 128, 256\). Received: image size 96"),
        (
            {"orthogonal_regularization": -1e-4},
            r"orthogonal_regularization` must be a finite number >= 0",
        ),
        ({"num_classes": 1}, r"num_classes` must be an integer >= 2"),
        ({"initializer": "he_normal"}, r"initializer.*'orthogonal', 'glorot_uniform'.*he_normal"),
    ],
)
def test_bad_settings_are_refused_with_their_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny(**kwargs)


def test_bad_data_is_refused_with_its_values():
    model = tiny(accumulation_steps=4)
    images, labels = labelled(8)
    with pytest.raises(
        ValueError, match=r"accumulated over 4 micro-batches .* multiple of 4. Received: batch of 6"
    ):
        model.fit((images[:6], labels[:6]), batch_size=6, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"must lie in \[0, 2\]"):
        model.fit((images, labels + 3), batch_size=8, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="integer class indices"):
        model.generate(labels=[0.5, 1.0])


def test_parity(parity_dir):
    model = tiny(accumulation_steps=2, ema_decay=0.9)
    testing.set_deterministic_weights(model)
    with testing.portable_random():
        logs = testing.step_logs(model, labelled(8), steps=3)
    testing.check_parity("biggan", logs, parity_dir, atol=1e-5)


@pytest.mark.one_backend(
    "tensorflow",
    reason="the resume machinery is checked on every backend (tests/test_train.py, tests/test_run.py); BigGAN's average and accumulation resumes through it, checked once",
)
def test_a_run_resumed_mid_epoch_equals_the_straight_run(tmp_path):
    # The generator average (started mid-run) and the label stream continue where they stopped.
    # Accumulation keeps nothing between steps; its settings come back from the run's config.
    import keras_gan
    from tests.test_train import assert_same_run

    straight, pieces = str(tmp_path / "straight"), str(tmp_path / "pieces")
    # 8x8 images: one generator block, the cheapest network to compile
    settings = dict(dataset="mnist", image_size=8, batch_size=8, latent_dim=4, base_filters=1,
                    shared_dim=2, steps_per_epoch=4, ema_start=2, attention_resolution=0)  # fmt: skip
    assert keras_gan.Run("biggan", output=straight, **settings).train(steps=5, verbose=0).done
    run = keras_gan.Run("biggan", output=pieces, **settings)
    assert run.train(steps=3, verbose=0).step == 3  # mid-epoch, after the average started
    assert keras_gan.Run.resume(pieces).train(steps=5, verbose=0).step == 5
    assert_same_run(straight, pieces)
