"""Packing (PacGAN) and minibatch standard deviation (Karras et al. 2018)."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan import losses
from keras_gan.lab import MinibatchStdDev, Pack, pack_discriminator, toy_discriminator


def test_pack_shapes_and_grouping():
    points = np.arange(12, dtype="float32").reshape(6, 2)
    packed = ops.convert_to_numpy(Pack(3)(points))
    # samples 0,1,2 -> pack 0; features concatenated in order
    np.testing.assert_array_equal(packed, points.reshape(2, 6))
    images = np.random.default_rng(0).normal(size=(4, 5, 5, 3)).astype("float32")
    packed = ops.convert_to_numpy(Pack(2)(images))
    assert packed.shape == (2, 5, 5, 6)
    np.testing.assert_array_equal(packed[1, ..., :3], images[2])
    np.testing.assert_array_equal(packed[1, ..., 3:], images[3])


def test_packed_discriminator_loss_equals_loss_on_packed_groups():
    m = 4
    inner = keras.Sequential(
        [keras.Input((2 * m,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
    )
    wrapped = pack_discriminator(inner, m)
    rng = np.random.default_rng(1)
    real = rng.normal(size=(16, 2)).astype("float32")
    fake = rng.normal(size=(16, 2)).astype("float32")
    real_logits, fake_logits = wrapped(real), wrapped(fake)
    assert tuple(real_logits.shape) == (4, 1)
    # the same loss computed by hand on explicit packs of 4 consecutive samples
    by_hand = losses.minimax_discriminator_loss(
        inner(real.reshape(4, 8)), inner(fake.reshape(4, 8))
    )
    np.testing.assert_allclose(
        ops.convert_to_numpy(losses.minimax_discriminator_loss(real_logits, fake_logits)),
        ops.convert_to_numpy(by_hand),
        rtol=1e-5,
    )


def test_pack_bad_input():
    with pytest.raises(ValueError, match="packing"):
        Pack(0)
    inner = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="not divisible by packing=2"):
        pack_discriminator(inner, 2)
    with pytest.raises(ValueError, match=r"need a discriminator taking \(4,\)"):
        pack_discriminator(inner, 2, sample_shape=(2,))


@pytest.mark.parametrize("group_size", [None, 2])
def test_minibatch_std_against_numpy(group_size):
    x = np.random.default_rng(2).normal(size=(4, 3, 3, 5)).astype("float32")
    out = ops.convert_to_numpy(MinibatchStdDev(group_size=group_size)(x))
    assert out.shape == (4, 3, 3, 6)
    np.testing.assert_array_equal(out[..., :5], x)
    g = 4 if group_size is None else group_size
    groups = x.reshape(-1, g, 3, 3, 5)
    s = np.sqrt(groups.var(axis=1) + 1e-8).reshape(len(groups), -1).mean(axis=1)  # (groups,)
    expected = np.repeat(s, g)
    for i in range(4):
        np.testing.assert_allclose(out[i, ..., 5], expected[i], rtol=1e-5)


def test_toy_discriminator_options():
    d = toy_discriminator(packing=2, units=4, depth=2, pieces=2, minibatch_std=True)
    assert tuple(d(np.zeros((6, 2), "float32")).shape) == (3, 1)
    assert any(
        isinstance(layer, MinibatchStdDev) for layer in d.get_layer("maxout_discriminator").layers
    )


def test_pac_dcgan_trains_and_round_trips(tmp_path):
    """PacDCGAN2: DCGAN with a packed discriminator seeing 6-channel inputs (16x16 RGB)."""
    from keras_gan import testing
    from keras_gan.models import DCGAN
    from keras_gan.networks import dcgan_discriminator

    m = 2
    discriminator = pack_discriminator(dcgan_discriminator((16, 16, 3 * m), 4, seed=1), m)
    model = DCGAN(
        latent_dim=8, image_shape=(16, 16, 3), base_filters=4, discriminator=discriminator, seed=0
    )
    model.compile(jit_compile=False)  # 2 steps: compiling would cost more than it saves
    images = testing.random_images((16, 16, 3), num=16)
    testing.check_fit(model, images, steps=2, batch_size=8)
    path = str(tmp_path / "pac.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    x = images[:4]
    np.testing.assert_allclose(
        ops.convert_to_numpy(reloaded.discriminator(x)),
        ops.convert_to_numpy(model.discriminator(x)),
        rtol=1e-4,
        atol=1e-5,
    )
    assert tuple(reloaded.discriminator(x).shape) == (2, 1)
