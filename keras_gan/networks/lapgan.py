"""LAPGAN's networks (Denton et al. 2015): an MLP pair at the coarsest level of the pyramid and
convolutional generators/discriminators of band-pass residuals above it.

Reference: https://arxiv.org/abs/1506.05751
"""

import keras
import numpy as np
from keras import layers


def coarse_generator(image_shape, latent_dim=100, units=600, name="generator"):
    """The coarsest level's generator: z -> two ReLU layers of `units` -> tanh image."""
    z = keras.Input((latent_dim,), name="latent")
    x = layers.Dense(units, activation="relu")(z)
    x = layers.Dense(units, activation="relu")(x)
    x = layers.Dense(int(np.prod(image_shape)), activation="tanh")(x)
    return keras.Model(z, layers.Reshape(image_shape)(x), name=name)


def coarse_discriminator(image_shape, units=600, name="discriminator"):
    """The coarsest level's discriminator: image -> two ReLU layers of `units` -> one logit."""
    images = keras.Input(image_shape, name="images")
    x = layers.Flatten()(images)
    x = layers.Dense(units, activation="relu")(x)
    x = layers.Dense(units, activation="relu")(x)
    return keras.Model(images, layers.Dense(1)(x), name=name)


def band_generator(image_shape, filters=64, name="band_generator"):
    """G_k: (noise plane, low-pass l_k) -> band-pass residual h_k, three 5x5 convolutions.

    The noise is a 4th "colour plane" next to l_k (the paper's CIFAR/STL models); the output is
    linear, since h_k is a signed residual, not an image.
    """
    height, width, channels = image_shape
    noise = keras.Input((height, width, 1), name="noise")
    low_pass = keras.Input(image_shape, name="low_pass")
    # (b, h, w, c + 1) -> (b, h, w, filters) -> (b, h, w, filters) -> (b, h, w, c)
    x = layers.Concatenate()([low_pass, noise])
    x = layers.Conv2D(filters, 5, padding="same", activation="relu")(x)
    x = layers.Conv2D(filters, 5, padding="same", activation="relu")(x)
    residual = layers.Conv2D(channels, 5, padding="same", name="residual")(x)
    return keras.Model([noise, low_pass], residual, name=name)


def band_discriminator(image_shape, filters=64, name="band_discriminator"):
    """D_k: (h_k, l_k) -> one logit; l_k is added to h_k before the first convolution.

    Two hidden convolutional layers (the second with stride 2), then a dense logit.
    """
    residual = keras.Input(image_shape, name="residual")
    low_pass = keras.Input(image_shape, name="low_pass")
    # "the low-pass image l_k ... is explicitly added to h_k before the first convolution layer"
    x = layers.Add()([residual, low_pass])
    x = layers.Conv2D(filters, 5, padding="same", activation="relu")(x)
    x = layers.Conv2D(filters, 5, strides=2, padding="same", activation="relu")(x)
    logits = layers.Dense(1)(layers.Flatten()(x))
    return keras.Model([residual, low_pass], logits, name=name)
