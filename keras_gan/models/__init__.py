"""One module per variant, each named after its paper's model."""

from keras_gan.models.dcgan import DCGAN, DCGANConfig
from keras_gan.models.gan import GAN, GANConfig

__all__ = ["DCGAN", "DCGANConfig", "GAN", "GANConfig"]
