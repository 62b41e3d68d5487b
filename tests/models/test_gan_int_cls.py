"""GAN-INT-CLS: the matching-aware discriminator, interpolation, captions in and out."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan import testing
from keras_gan.datasets import DIGIT_VOCABULARY
from keras_gan.datasets.captions import caption_digits
from keras_gan.models import GANINTCLS
from keras_gan.models.gan_int_cls import interpolate_embeddings, matching_aware_discriminator_loss
from keras_gan.networks.text import (
    JointEmbedding,
    image_encoder,
    pretrain_text_encoder,
    text_encoder,
)


def _data(num=8, size=16):
    """Tiny captioned digits: random strokes, captions from labels and measured thickness."""
    images = testing.random_images((size, size, 1), num)
    labels = np.arange(num) % 10
    captions, _, _ = caption_digits(((images[..., 0] + 1) * 127.5).astype("uint8"), labels)
    return images, DIGIT_VOCABULARY.encode(captions)


def _model(**kwargs):
    options = dict(
        image_shape=(16, 16, 1),
        latent_dim=8,
        embedding_dim=8,
        compressed_dim=4,
        base_filters=4,
        seed=2,
    )
    options.update(kwargs)
    model = GANINTCLS(**options)
    # Tiny networks: an uncompiled step is faster than an XLA compilation on a shared CPU.
    model.compile(jit_compile=False)
    return model


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_matching_aware_loss_by_hand():
    s_r, s_w, s_f = np.array([[2.0], [0.5]]), np.array([[-1.0], [0.3]]), np.array([[0.0], [-2.0]])
    expected = np.mean(-np.log(_sigmoid(s_r))) + 0.5 * (
        np.mean(-np.log(1 - _sigmoid(s_w))) + np.mean(-np.log(1 - _sigmoid(s_f)))
    )
    got = matching_aware_discriminator_loss(
        *(ops.convert_to_tensor(a.astype("float32")) for a in (s_r, s_w, s_f))
    )
    np.testing.assert_allclose(ops.convert_to_numpy(got), expected, rtol=1e-6)
    # the wrong-text and fake terms each carry weight 1/2, the real term 1
    base = ops.convert_to_numpy(
        matching_aware_discriminator_loss(*(np.zeros((1, 1), "float32"),) * 3)
    )
    np.testing.assert_allclose(base, np.log(2) * 2, rtol=1e-6)


def test_interpolation_is_the_midpoint_at_beta_half():
    t1, t2 = np.array([[1.0, -2.0]], "float32"), np.array([[3.0, 4.0]], "float32")
    np.testing.assert_allclose(
        ops.convert_to_numpy(interpolate_embeddings(t1, t2, 0.5)), [[2.0, 1.0]]
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(interpolate_embeddings(t1, t2, 0.25)), [[2.5, 2.5]]
    )


def test_discriminator_step_uses_the_three_pairs():
    """The logged D loss of one step equals the matching-aware loss computed by hand on
    {real, right}, {real, wrong = rolled captions} and {G(z, right), right}.

    D here is bilinear and has no BatchNorm (which would normalise each call's batch and make the
    three terms alike), so that each pairing changes the loss visibly."""
    import keras

    # D(x, h) = <u(x), h>: a bilinear score, so which caption goes with which image matters
    images_in, text_in = keras.Input((16, 16, 1)), keras.Input((8,))
    u = keras.layers.Dense(8, kernel_initializer=keras.initializers.RandomNormal(0, 0.1, seed=4))(
        keras.layers.Flatten()(images_in)
    )
    logit = keras.layers.Dot(axes=1)([u, text_in])
    model = _model(discriminator=keras.Model([images_in, text_in], logit))
    embedding = model.text_encoder.get_layer("embedding")
    embedding.kernel.assign(embedding.kernel * 100.0)
    images, tokens = _data(4)
    images_t = ops.convert_to_tensor(images)
    h = model.text_encoder(tokens, training=True)
    # the step's first draw is z; replay it from a copy of the model's seed state
    replay = keras.random.SeedGenerator(0)
    replay.state.assign(model.seed_generator.state.value)
    z = model.sample_latent(4, seed=replay)
    fake = model.generator([z, h], training=True)
    s_r = model.discriminator([images_t, h])
    s_w = model.discriminator([images_t, ops.roll(h, 1, axis=0)])
    s_f = model.discriminator([fake, h])
    expected = ops.convert_to_numpy(matching_aware_discriminator_loss(s_r, s_w, s_f))
    # what a wrong implementation would log: right text as the "wrong" text; no CLS term
    right_for_wrong = ops.convert_to_numpy(matching_aware_discriminator_loss(s_r, s_r, s_f))
    plain_gan = ops.convert_to_numpy(ops.mean(ops.softplus(-s_r)) + ops.mean(ops.softplus(s_f)))
    logs = model.train_on_batch((images, tokens), return_dict=True)
    np.testing.assert_allclose(float(logs["d_loss"]), expected, rtol=1e-4)
    # ... and each lies well outside the tolerance, so the check above would catch them
    for wrong in (right_for_wrong, plain_gan):
        assert abs(expected - wrong) > 5 * 1e-4 * abs(expected), (expected, wrong)


def test_fit_and_save_load(tmp_path):
    model = _model()
    images, tokens = _data(8)
    testing.check_fit(model, (images, tokens), batch_size=4, networks=model.network_names)
    z = np.random.default_rng(0).normal(size=(2, 8)).astype("float32")
    t = model.embed(tokens[:2])
    restored = testing.check_save_load(model, str(tmp_path), [z, t])
    np.testing.assert_allclose(restored.embed(tokens[:2]), t, atol=1e-5)
    assert restored.vocabulary.words == model.vocabulary.words
    out = restored.generate(["a thick seven", "2"], num_samples=3, seed=1)
    assert out.shape == (6, 16, 16, 1)


def test_generate_from_strings_and_bad_captions():
    model = _model()
    same = model.generate(["a thick seven"], latents=np.zeros((1, 8), "float32"))
    other = model.generate(["a thin one"], latents=np.zeros((1, 8), "float32"))
    assert not np.allclose(same, other)  # the caption changes the image
    with pytest.raises(ValueError, match="zebra, purple"):
        model.generate(["zebra purple"])
    with pytest.raises(ValueError, match="token ids of shape"):
        model.fit(
            (testing.random_images((16, 16, 1), 4), np.zeros((4, 5), "int32")),
            batch_size=4,
            verbose=0,
        )
    with pytest.raises(ValueError, match="shape"):
        model.fit(
            (testing.random_images((28, 28, 1), 4), np.zeros((4, 12), "int32")),
            batch_size=4,
            verbose=0,
        )


def _log_softmax(x, axis):
    x = x - x.max(axis=axis, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def test_joint_embedding_loss_by_hand():
    encoder = text_encoder(
        DIGIT_VOCABULARY.vocabulary_size, DIGIT_VOCABULARY.max_len, embedding_dim=6
    )
    joint = JointEmbedding(encoder, image_encoder((8, 8, 1), 6), temperature=0.5)
    images = testing.random_images((8, 8, 1), 4)
    # captions 0 and 2 are the same: both images are right for either
    tokens = DIGIT_VOCABULARY.encode(["a one", "a thick two", "a one", "a seven"])
    scores = ops.convert_to_numpy(joint((images, tokens)))
    v = ops.convert_to_numpy(joint.image_encoder(images))
    u = ops.convert_to_numpy(encoder(tokens))
    v, u = (
        v / np.linalg.norm(v, axis=1, keepdims=True),
        u / np.linalg.norm(u, axis=1, keepdims=True),
    )
    np.testing.assert_allclose(scores, v @ u.T / 0.5, rtol=1e-4, atol=1e-5)
    targets = np.array([[0.5, 0, 0.5, 0], [0, 1, 0, 0], [0.5, 0, 0.5, 0], [0, 0, 0, 1]])
    expected = 0.5 * (
        -(targets * _log_softmax(scores, 1)).sum(1).mean()
        - (targets * _log_softmax(scores.T, 1)).sum(1).mean()
    )
    loss = joint.compute_loss((images, tokens), None, ops.convert_to_tensor(scores))
    np.testing.assert_allclose(float(ops.convert_to_numpy(loss)), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="temperature"):
        JointEmbedding(encoder, joint.image_encoder, temperature=0)


def test_pretraining_separates_the_captions():
    # Three captions, each always with its own image pattern: after pretraining, each image
    # scores highest with its own caption, and the loss has fallen.
    rng = np.random.default_rng(0)
    patterns = testing.random_images((8, 8, 1), 3, seed=1)
    labels = np.arange(48) % 3
    images = (patterns[labels] + 0.1 * rng.normal(size=(48, 8, 8, 1))).astype("float32")
    tokens = DIGIT_VOCABULARY.encode(["a one", "a thick two", "a small seven"])[labels]
    encoder = text_encoder(
        DIGIT_VOCABULARY.vocabulary_size, DIGIT_VOCABULARY.max_len, embedding_dim=8
    )
    joint = pretrain_text_encoder(
        encoder, (images, tokens), steps=60, batch_size=12, learning_rate=3e-3
    )
    batch = (images[:12], tokens[:12])
    loss = float(ops.convert_to_numpy(joint.compute_loss(batch, None, joint(batch))))
    assert joint.retrieval_accuracy(*batch) == 1.0
    # 4 copies of each caption in 12: chance is log(12), the floor log(4) (the targets' entropy)
    assert loss < np.log(4) + 0.25 * (np.log(12) - np.log(4)), loss
    with pytest.raises(ValueError, match="steps"):
        pretrain_text_encoder(encoder, (images, tokens), steps=0)


def test_fit_pretrains_the_text_encoder_once(tmp_path):
    model = _model(text_pretrain_steps=3)
    images, tokens = _data(8)
    calls = []
    pretrain = model.pretrain_text_encoder

    def spy(x, steps, *args, **kwargs):
        calls.append(steps)
        return pretrain(x, steps, *args, **kwargs)

    model.pretrain_text_encoder = spy
    before = [ops.convert_to_numpy(w).copy() for w in model.text_encoder.weights]
    model.fit((images, tokens), batch_size=4, epochs=1, verbose=0)
    model.fit((images, tokens), batch_size=4, epochs=1, verbose=0)
    assert calls == [3]  # the first fit pretrains 3 steps, the second none
    assert int(ops.convert_to_numpy(model.text_pretrained_steps)) == 3
    assert all(
        not np.allclose(a, ops.convert_to_numpy(b))
        for a, b in zip(before, model.text_encoder.weights)
    )
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.text_pretrain_steps == 3
    assert int(ops.convert_to_numpy(restored.text_pretrained_steps)) == 3  # fit() will not redo it
    with pytest.raises(ValueError, match="text_pretrain_steps"):
        _model(text_pretrain_steps=-1)


def test_first_steps_agree_across_backends(parity_dir):
    # The text encoder (embedding + masked GRU), the matching-aware D step and the generator's
    # GAN-INT term take the same first three steps on every backend.
    with testing.portable_random():
        model = _model(seed=5)
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, _data(4), steps=3)
    testing.check_parity("gan_int_cls", logs, parity_dir)
