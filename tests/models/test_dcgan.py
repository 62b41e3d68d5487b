"""DCGAN (Radford et al. 2015): the architecture rules, training, parity across backends."""

import numpy as np
import pytest
from keras import layers

from keras_gan import testing
from keras_gan.layers import Conv2DTranspose
from keras_gan.models import DCGAN
from keras_gan.networks import dcgan_discriminator, dcgan_generator


@pytest.mark.parametrize(
    "image_shape, start, first_filters",
    [((28, 28, 1), 7, 128), ((32, 32, 3), 4, 256), ((64, 64, 3), 4, 512)],
)
def test_generator_stages_follow_the_image_size(image_shape, start, first_filters):
    generator = dcgan_generator(image_shape, latent_dim=100, base_filters=64)
    assert generator.output_shape == (None, *image_shape)
    reshape = next(layer for layer in generator.layers if isinstance(layer, layers.Reshape))
    assert reshape.target_shape == (start, start, first_filters)
    discriminator = dcgan_discriminator(image_shape)
    assert discriminator.output_shape == (None, 1)


def test_architecture_rules():
    generator = dcgan_generator((32, 32, 3))
    discriminator = dcgan_discriminator((32, 32, 3))
    everything = generator.layers + discriminator.layers
    # 1. No pooling; strided (transposed) convolutions only.
    assert not any("Pooling" in type(layer).__name__ for layer in everything)
    assert all(
        layer.strides == (2, 2) for layer in everything if isinstance(layer, (layers.Conv2D,))
    )
    # 2. BatchNorm everywhere except the generator output and the discriminator input.
    g_convs = [layer for layer in generator.layers if isinstance(layer, Conv2DTranspose)]
    g_norms = [
        layer.name for layer in generator.layers if isinstance(layer, layers.BatchNormalization)
    ]
    assert g_norms == ["project_bn"] + [f"{c.name}_bn" for c in g_convs[:-1]]
    d_convs = [layer for layer in discriminator.layers if type(layer) is layers.Conv2D]
    d_norms = [
        layer.name for layer in discriminator.layers if isinstance(layer, layers.BatchNormalization)
    ]
    assert d_norms == [f"{c.name}_bn" for c in d_convs[1:]]
    # 4. ReLU and tanh in the generator, LeakyReLU(0.2) in the discriminator.
    assert generator.layers[-1].get_config()["activation"] == "tanh"
    assert any(isinstance(layer, layers.ReLU) for layer in generator.layers)
    leaky = [layer for layer in discriminator.layers if isinstance(layer, layers.LeakyReLU)]
    assert len(leaky) == len(d_convs) and all(
        abs(layer.negative_slope - 0.2) < 1e-7 for layer in leaky
    )
    # 5. N(0, 0.02) initialisation.
    kernel = np.asarray(discriminator.get_layer("down2").kernel)
    assert abs(kernel.std() - 0.02) < 0.002 and abs(kernel.mean()) < 0.002


def test_papers_optimizer_and_prior():
    model = DCGAN(image_shape=(16, 16, 1), base_filters=4)
    model.compile()
    assert model.latent_distribution == "uniform"
    z = np.asarray(model.sample_latent(1000))
    assert z.min() >= -1 and z.max() <= 1 and abs(z.mean()) < 0.05


def test_two_step_fit_and_save_load(tmp_path):
    model = DCGAN(image_shape=(16, 16, 1), base_filters=4, latent_dim=8, seed=2)
    model.compile()
    testing.check_fit(model, testing.random_images((16, 16, 1), 32), steps=2, batch_size=16)
    testing.check_save_load(model, tmp_path, np.full((2, 8), 0.5, "float32"))


def test_first_steps_agree_across_backends(parity_dir):
    """From identical weights, data and latents, the first three steps' losses match on
    TensorFlow, JAX and PyTorch (the reference file was written on one of them)."""
    with testing.portable_random():
        model = DCGAN(image_shape=(28, 28, 1), base_filters=8, latent_dim=16, seed=3)
        model.compile()
        testing.set_deterministic_weights(model)
        images = testing.random_images((28, 28, 1), 16, seed=4)
        logs = testing.step_logs(model, images, steps=3)
    testing.check_parity("dcgan", logs, parity_dir)
