"""pix2pix (Isola et al. 2017): U-Net skips, PatchGAN receptive field, the L1 + cGAN objective.

The cross-backend parity test uses `dropout=0`: the paper's generator's only noise is dropout,
and Dropout layers draw from each backend's own generator (testing.portable_random does not
cover them).
"""

import keras
import numpy as np
import pytest
from keras import layers

from keras_gan import registry, testing
from keras_gan.models import Pix2Pix
from keras_gan.models.pix2pix import discriminator_objective, generator_objective
from keras_gan.networks.patchgan import (
    RECEPTIVE_FIELDS,
    conv_specs,
    output_size,
    patchgan_discriminator,
    receptive_field,
)
from keras_gan.networks.unet import NoiseDropout, unet_depth, unet_generator


def small_pix2pix(**kwargs):
    kwargs = {
        "image_shape": (16, 16, 1), "source_channels": 2, "base_filters": 4,
        "discriminator_filters": 4, "receptive_field": 16, "seed": 1, **kwargs,
    }  # fmt: skip
    return Pix2Pix(**kwargs)


def pairs(num=8):
    return testing.random_images((16, 16, 2), num, seed=0), testing.random_images(
        (16, 16, 1), num, seed=1
    )


def test_shapes_and_papers_architecture():
    model = small_pix2pix()
    assert model.generator.input_shape == (None, 16, 16, 2)
    assert model.generator.output_shape == (None, 16, 16, 1)
    # Conditional PatchGAN: [source, target] -> a 6x6 grid of patch logits (16 / 2 - 2)
    assert [tuple(s) for s in model.discriminator.input_shape] == [
        (None, 16, 16, 2),
        (None, 16, 16, 1),
    ]
    assert model.discriminator.output_shape == (None, 6, 6, 1)
    source, _ = pairs(3)
    assert model.translate(source).shape == (3, 16, 16, 1)
    # The paper's 256x256 U-Net has 8 levels down to 1x1; 32x32 gets 5 (widths C64-C128-C256-
    # C512-C512 scaled by base_filters / 64), dropout 0.5 in the first 3 decoder blocks.
    assert unet_depth(256) == 8 and unet_depth(32) == 5 and unet_depth(28) == 2
    net = unet_generator((32, 32, 1), 1, base_filters=1)
    downs = [l for l in net.layers if isinstance(l, layers.Conv2D) and l.name.startswith("down")]
    assert [l.filters for l in downs] == [1, 2, 4, 8, 8]
    assert downs[-1].output.shape[1:3] == (1, 1)
    dropouts = [l for l in net.layers if isinstance(l, NoiseDropout)]
    assert [l.name for l in dropouts] == ["up4_dropout", "up3_dropout", "up2_dropout"]
    assert all(l.rate == 0.5 and l.at_inference for l in dropouts)


def test_patchgan_receptive_field_arithmetic():
    # r_in = (r_out - 1) * s + k from the output back: 1 -> 4 -> 7 -> 16 -> 34 -> 70
    assert receptive_field([(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)]) == 70
    assert receptive_field([(4, 2), (4, 1), (4, 1)]) == 16
    assert receptive_field([(3, 1), (3, 1)]) == 5
    # The paper's discriminator: C64-C128-C256-C512 and a 1-channel convolution; on 256x256
    # images a 30x30 grid of 70x70 patches.
    paper = patchgan_discriminator((64, 64, 3), condition_channels=3, base_filters=2)
    assert conv_specs(paper) == [(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)]
    assert receptive_field(conv_specs(paper)) == 70
    assert output_size(256, 3) == 30 and paper.output_shape == (
        None,
        output_size(64, 3),
        output_size(64, 3),
        1,
    )
    for field, levels in RECEPTIVE_FIELDS.items():
        assert receptive_field([(4, 2)] * levels + [(4, 1)] * 2) == field


def test_patchgan_logit_sees_exactly_its_receptive_field():
    # Perturb each input pixel in turn: the pixels that move the central logit form a 34x34 square.
    size, field = 48, 34
    network = patchgan_discriminator(
        (size, size, 1), base_filters=2, receptive_field=field, norm="none", seed=0
    )
    base = testing.random_images((size, size, 1), 1, seed=2)
    perturbed = np.repeat(base, size * size, axis=0)
    perturbed.reshape(size * size, -1)[np.arange(size * size), np.arange(size * size)] += 0.5
    reference = keras.ops.convert_to_numpy(network(base))[0, :, :, 0]
    grid = reference.shape[0]
    outputs = np.concatenate([
        keras.ops.convert_to_numpy(network(perturbed[i : i + 512]))[:, grid // 2, grid // 2, 0]
        for i in range(0, size * size, 512)
    ])  # fmt: skip
    moved = np.abs(outputs - reference[grid // 2, grid // 2]).reshape(size, size) > 1e-7
    rows, cols = np.nonzero(moved)
    assert rows.max() - rows.min() + 1 == field and cols.max() - cols.min() + 1 == field


def test_unet_skips_carry_fine_detail():
    model = small_pix2pix(paper_inference=False).generator  # 16x16, 4 levels to 1x1
    concatenations = [l for l in model.layers if isinstance(l, layers.Concatenate)]
    assert len(concatenations) == unet_depth(16) - 1  # one skip per decoder block but the output
    image = testing.random_images((16, 16, 2), 1, seed=3)
    changed = image.copy()
    changed[0, 11, 4, 0] = -changed[0, 11, 4, 0]
    delta = np.abs(
        keras.ops.convert_to_numpy(model(changed)) - keras.ops.convert_to_numpy(model(image))
    )[0, :, :, 0]
    # Through the 1x1 bottleneck alone a change would spread over the whole image; the skips
    # put it where the pixel was.
    row, col = np.unravel_index(np.argmax(delta), delta.shape)
    assert abs(row - 11) <= 2 and abs(col - 4) <= 2
    assert delta[8:15, 1:8].mean() > 100 * delta[:5, 9:].mean()


def test_dropout_is_noise_at_test_time_as_the_paper():
    source, _ = pairs(4)
    noisy = small_pix2pix()
    first, second = noisy.translate(source), noisy.translate(source)
    assert not np.allclose(first, second)
    quiet = small_pix2pix(paper_inference=False)
    np.testing.assert_allclose(quiet.translate(source), quiet.translate(source), atol=1e-6)


def test_objectives_match_hand_computations():
    logits = np.array([[[[0.5], [-1.0]], [[2.0], [0.0]]]], "float32")  # a 2x2 patch grid
    real_logits = np.array([[[[1.5], [0.2]], [[-0.3], [0.7]]]], "float32")
    target = np.array([0.5, -0.5, 1.0, 0.0], "float32").reshape(1, 2, 2, 1)
    fake = np.array([0.0, -0.5, 0.25, 0.5], "float32").reshape(1, 2, 2, 1)
    bce_real = np.mean(np.log1p(np.exp(-logits)))  # -log sigmoid(l), the label "real"
    l1 = (0.5 + 0.0 + 0.75 + 0.5) / 4
    total, gan, l1_value = (
        float(keras.ops.convert_to_numpy(v))
        for v in generator_objective(logits, target, fake, 100.0)
    )
    np.testing.assert_allclose(
        [gan, l1_value, total], [bce_real, l1, bce_real + 100 * l1], rtol=1e-5
    )
    d_expected = 0.5 * (np.mean(np.log1p(np.exp(-real_logits))) + np.mean(np.log1p(np.exp(logits))))
    d_value = float(keras.ops.convert_to_numpy(discriminator_objective(real_logits, logits)))
    np.testing.assert_allclose(d_value, d_expected, rtol=1e-5)


@pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="one more XLA compilation of the step (~20 s on a CPU); the step is the same code on "
    "every backend and the objective is checked on all three above",
)
def test_logged_l1_is_the_generators_error_before_its_update():
    model = small_pix2pix(dropout=0.0)  # no noise: G(x) in training mode is deterministic
    model.compile()
    source, target = pairs(4)
    fake = keras.ops.convert_to_numpy(model.generator(source, training=True))
    logs = testing.step_logs(model, (source, target), steps=1)[0]
    expected = np.mean(np.abs(target - fake))
    np.testing.assert_allclose(logs["g_l1_loss"], expected, rtol=1e-4)
    np.testing.assert_allclose(logs["g_loss"], logs["g_gan_loss"] + 100.0 * expected, rtol=1e-4)


def test_fit_and_save_load(tmp_path):
    model = small_pix2pix(paper_inference=False)  # deterministic outputs for the comparison
    model.compile()
    history = testing.check_fit(
        model, pairs(8), steps=2, batch_size=4, networks=("generator", "discriminator")
    )
    assert set(history.history) == {"d_loss", "g_loss", "g_gan_loss", "g_l1_loss"}
    restored = testing.check_save_load(model, tmp_path, pairs(2)[0])
    assert restored.l1_weight == 100.0
    for optimizer in (model.d_optimizer, model.g_optimizer):
        assert np.isclose(float(optimizer.learning_rate), 2e-4) and optimizer.beta_1 == 0.5


def test_bad_input_raises():
    model = small_pix2pix()
    model.compile()
    source, target = pairs(4)
    with pytest.raises(ValueError, match="same height and width"):
        model.fit((source, testing.random_images((8, 8, 1), 4)), batch_size=4)
    with pytest.raises(ValueError, match=r"source images of shape \(16, 16, 2\)"):
        model.fit((testing.random_images((16, 16, 3), 4), target), batch_size=4)
    with pytest.raises(ValueError, match="image pairs"):
        model.fit(target, batch_size=4)
    with pytest.raises(ValueError, match="even image size"):
        unet_generator((15, 15, 1), 1)
    with pytest.raises(ValueError, match="multiple of 32"):
        unet_generator((48, 48, 1), 1, depth=5)
    with pytest.raises(ValueError, match="at least 24x24"):
        small_pix2pix(receptive_field=70)
    with pytest.raises(ValueError, match="receptive_field"):
        small_pix2pix(receptive_field=50)
    with pytest.raises(ValueError, match="source_images.shape"):
        model.translate(target)


def test_registered_with_papers_settings():
    variant = registry.get("pix2pix")
    assert variant.model_class is Pix2Pix
    paper = variant.config_class().with_paper_settings()
    assert (paper.image_size, paper.receptive_field, paper.base_filters, paper.l1_weight) == (
        256,
        70,
        64,
        100.0,
    )
    config = variant.config_class(
        base_filters=4, discriminator_filters=4, receptive_field=16, image_size=16
    )
    model = Pix2Pix.from_train_config(config, (16, 16, 1))
    assert model.compiled and model.discriminator.output_shape == (None, 6, 6, 1)


def test_first_steps_agree_across_backends(parity_dir):
    with testing.portable_random():
        model = small_pix2pix(dropout=0.0, seed=3)
        model.compile()
        testing.set_deterministic_weights(model)
        logs = testing.step_logs(model, pairs(4), steps=3)
    testing.check_parity("pix2pix", logs, parity_dir)
