"""Generator and discriminator builders shared by several variants."""

from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator, dcgan_networks
from keras_gan.networks.mlp import mlp_discriminator, mlp_generator

__all__ = [
    "dcgan_discriminator",
    "dcgan_generator",
    "dcgan_networks",
    "mlp_discriminator",
    "mlp_generator",
]
