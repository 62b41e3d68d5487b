"""The fully connected networks of the original GAN paper (Goodfellow et al. 2014, section 5).

On MNIST the paper's generator used "a mixture of rectifier linear activations and sigmoid
activations" and its discriminator "maxout activations" with dropout. Here: ReLU hidden layers
and a tanh output (keras_gan scales every image to [-1, 1]), and maxout hidden layers with
dropout in the discriminator. The paper's widths (1200 ReLU units; 240 maxout units of 5 pieces,
from the authors' pylearn2 configuration) are the defaults; tests and CPU runs pass smaller ones.

Reference: https://arxiv.org/abs/1406.2661
"""

import math

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="keras_gan")
class Maxout(layers.Layer):
    """Maxout (Goodfellow et al. 2013): the maximum over groups of `pieces` linear units.

    `(batch, units * pieces) -> (batch, units)`: feature `j` is
    `max(x[..., j * pieces], ..., x[..., j * pieces + pieces - 1])`.

    Args:
        pieces: int >= 1, linear pieces per unit.

    Reference: https://arxiv.org/abs/1302.4389
    """

    def __init__(self, pieces, **kwargs):
        super().__init__(**kwargs)
        if pieces < 1:
            raise ValueError(f"`pieces` must be >= 1. Received: pieces={pieces}")
        self.pieces = int(pieces)

    def call(self, inputs):
        features = inputs.shape[-1]
        if features % self.pieces:
            raise ValueError(
                f"Maxout with {self.pieces} pieces needs a feature size divisible by it. "
                f"Received: {features}"
            )
        # (batch, units * pieces) -> (batch, units, pieces) -> (batch, units)
        grouped = keras.ops.reshape(inputs, (-1, features // self.pieces, self.pieces))
        return keras.ops.max(grouped, axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] // self.pieces)

    def get_config(self):
        return {**super().get_config(), "pieces": self.pieces}


def mlp_generator(
    sample_shape=(28, 28, 1), latent_dim=100, hidden_units=(1200, 1200), name="generator"
):
    """Builds a fully connected generator: z -> ReLU layers -> tanh sample.

    Args:
        sample_shape: tuple, shape of one sample, e.g. `(28, 28, 1)` or `(2,)` for 2-D toys.
            Defaults to `(28, 28, 1)`.
        latent_dim: int, size of z. Defaults to 100.
        hidden_units: tuple of ints, width of each hidden layer. Defaults to `(1200, 1200)`.
        name: string. Defaults to `"generator"`.

    Returns:
        `keras.Model` mapping `(batch, latent_dim)` to `(batch, *sample_shape)`. Image
        samples end in tanh ([-1, 1]); 1-D samples (toy points) are linear.
    """
    z = keras.Input((latent_dim,), name="latent")
    x = z
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, activation="relu", name=f"hidden{i + 1}")(x)
    # (batch, units) -> (batch, prod(sample_shape))
    x = layers.Dense(math.prod(sample_shape), name="output")(x)
    if len(sample_shape) > 1:
        x = layers.Activation("tanh")(x)
        x = layers.Reshape(sample_shape)(x)
    return keras.Model(z, x, name=name)


def mlp_discriminator(
    sample_shape=(28, 28, 1), hidden_units=(240, 240), pieces=5, dropout=0.5, name="discriminator"
):
    """Builds a fully connected discriminator with maxout units and dropout.

    Args:
        sample_shape: tuple, shape of one sample. Defaults to `(28, 28, 1)`.
        hidden_units: tuple of ints, maxout units per hidden layer. Defaults to `(240, 240)`.
        pieces: int, linear pieces per maxout unit (1 gives plain linear layers followed by
            LeakyReLU(0.2) instead). Defaults to 5.
        dropout: float, dropout rate on each hidden layer's input. Defaults to 0.5.
        name: string. Defaults to `"discriminator"`.

    Returns:
        `keras.Model` mapping `(batch, *sample_shape)` to logits `(batch, 1)`.
    """
    inputs = keras.Input(sample_shape, name="samples")
    x = layers.Flatten()(inputs) if len(sample_shape) > 1 else inputs
    for i, units in enumerate(hidden_units):
        if dropout:
            x = layers.Dropout(dropout)(x)
        if pieces > 1:
            # (batch, d) -> (batch, units * pieces) -> max over pieces -> (batch, units)
            x = layers.Dense(units * pieces, name=f"hidden{i + 1}")(x)
            x = Maxout(pieces)(x)
        else:
            x = layers.Dense(units, name=f"hidden{i + 1}")(x)
            x = layers.LeakyReLU(0.2)(x)
    logits = layers.Dense(1, name="logit")(x)
    return keras.Model(inputs, logits, name=name)
