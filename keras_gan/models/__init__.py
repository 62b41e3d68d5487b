"""One module per variant, each named after its paper's model."""

from keras_gan.models.acgan import ACGAN, ACGANConfig
from keras_gan.models.biggan import BigGAN, BigGANConfig
from keras_gan.models.cgan import ConditionalGAN, ConditionalGANConfig
from keras_gan.models.cogan import CoGAN, CoGANConfig
from keras_gan.models.cyclegan import CycleGAN, CycleGANConfig
from keras_gan.models.dcgan import DCGAN, DCGANConfig
from keras_gan.models.gan import GAN, GANConfig
from keras_gan.models.gan_int_cls import GANINTCLS, GANINTCLSConfig
from keras_gan.models.improved_gan import ImprovedGAN, ImprovedGANConfig
from keras_gan.models.infogan import InfoGAN, InfoGANConfig
from keras_gan.models.lapgan import LAPGAN, LAPGANConfig
from keras_gan.models.logan import LoGAN, LoGANConfig
from keras_gan.models.lsgan import LSGAN, LSGANConfig
from keras_gan.models.pix2pix import Pix2Pix, Pix2PixConfig
from keras_gan.models.progan import ProGAN, ProGANConfig
from keras_gan.models.sagan import SAGAN, SAGANConfig
from keras_gan.models.sngan import SNGAN, SNGANConfig
from keras_gan.models.srgan import SRGAN, SRGANConfig
from keras_gan.models.stargan import StarGAN, StarGANConfig
from keras_gan.models.stylegan import StyleGAN, StyleGANConfig
from keras_gan.models.ugatit import UGATIT, UGATITConfig
from keras_gan.models.unrolled_gan import UnrolledGAN, UnrolledGANConfig
from keras_gan.models.wgan import WGAN, WGANConfig
from keras_gan.models.wgan_gp import WGANGP, WGANGPConfig

__all__ = [
    "ACGAN",
    "ACGANConfig",
    "BigGAN",
    "BigGANConfig",
    "CoGAN",
    "CoGANConfig",
    "ConditionalGAN",
    "ConditionalGANConfig",
    "CycleGAN",
    "CycleGANConfig",
    "DCGAN",
    "DCGANConfig",
    "GAN",
    "GANConfig",
    "GANINTCLS",
    "GANINTCLSConfig",
    "ImprovedGAN",
    "ImprovedGANConfig",
    "InfoGAN",
    "InfoGANConfig",
    "LAPGAN",
    "LAPGANConfig",
    "LoGAN",
    "LoGANConfig",
    "LSGAN",
    "LSGANConfig",
    "Pix2Pix",
    "Pix2PixConfig",
    "ProGAN",
    "ProGANConfig",
    "SAGAN",
    "SAGANConfig",
    "SNGAN",
    "SNGANConfig",
    "SRGAN",
    "SRGANConfig",
    "StarGAN",
    "StarGANConfig",
    "StyleGAN",
    "StyleGANConfig",
    "UGATIT",
    "UGATITConfig",
    "UnrolledGAN",
    "UnrolledGANConfig",
    "WGAN",
    "WGANConfig",
    "WGANGP",
    "WGANGPConfig",
]
