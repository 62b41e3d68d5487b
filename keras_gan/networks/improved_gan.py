"""The networks of Improved GAN's semi-supervised MNIST experiment (Salimans et al. 2016).

From the authors' Theano code (openai/improved-gan, `mnist_svhn_cifar10/
train_mnist_feature_matching.py`): a generator of two 500-unit softplus layers with batch
normalisation and a weight-normalised output layer, and a discriminator of five weight-normalised
ReLU layers (1000-500-250-250-250) with Gaussian noise before each (standard deviation 0.3 on the
input, 0.5 after), ending in K class logits. keras_gan's images lie in [-1, 1]: the generator
ends in tanh where the authors' ends in a sigmoid over [0, 1], and the discriminator first maps
its input back to [0, 1], so its noise has the authors' scale.

Reference: https://arxiv.org/abs/1606.03498
"""

import math

import keras
from keras import layers

from keras_gan.layers import MinibatchDiscrimination, WeightNormDense

GENERATOR_OUTPUTS = ("tanh", "softplus")


def improved_gan_generator(
    sample_shape=(28, 28, 1), latent_dim=100, units=(500, 500), output="tanh"
):
    """The generator: `(batch, latent_dim) -> (batch, *sample_shape)`.

    Each hidden layer is a dense layer without bias, batch normalisation without scale (the
    softplus follows) and softplus; the output layer is a `WeightNormDense` with a trained
    scale, then the output activation.

    Args:
        sample_shape: tuple, the shape of one image. Defaults to `(28, 28, 1)`.
        latent_dim: int, the size of z. Defaults to 100.
        units: tuple of ints, the hidden widths. Defaults to the authors' `(500, 500)`.
        output: `"tanh"` (images in [-1, 1]: the authors' sigmoid over [0, 1]) or
            `"softplus"` (`2 softplus(a) - 1`, in [-1, inf): the discriminator, which maps
            its input to [0, 1] first, sees softplus(a)). Defaults to `"tanh"`. The sigmoid
            saturates: on semi-supervised MNIST every sample became the same blob within 10
            steps, in keras_gan and in a JAX copy of the authors' script; the softplus output
            of the PyTorch port Sleepychord/ImprovedGAN-pytorch does not (docs/variants/
            improved_gan.md).

    Returns:
        A `keras.Model`.

    Raises:
        ValueError: an unknown `output`.
    """
    if output not in GENERATOR_OUTPUTS:
        raise ValueError(
            f"Unknown generator output {output!r}. Accepted: {', '.join(GENERATOR_OUTPUTS)}. "
            f"Received: output={output!r}"
        )
    latents = keras.Input((latent_dim,), name="latents")
    x = latents
    for i, width in enumerate(units):
        x = layers.Dense(width, use_bias=False, name=f"dense_{i}")(x)
        x = layers.BatchNormalization(scale=False, name=f"batch_norm_{i}")(x)
        x = layers.Activation("softplus", name=f"softplus_{i}")(x)
    x = WeightNormDense(
        math.prod(sample_shape),
        activation=output,
        kernel_initializer="glorot_normal",
        name="output",
    )(x)
    if output == "softplus":  # the discriminator's (x + 1) / 2 gives back softplus(a)
        x = layers.Rescaling(2.0, offset=-1.0, name="to_images")(x)
    images = layers.Reshape(tuple(sample_shape), name="images")(x)
    return keras.Model(latents, images, name="improved_gan_generator")


def improved_gan_discriminator(
    sample_shape=(28, 28, 1),
    num_classes=10,
    units=(1000, 500, 250, 250, 250),
    input_noise=0.3,
    hidden_noise=0.5,
    minibatch_kernels=0,
):
    """The discriminator: images -> `[class_logits (batch, K), features (batch, units[-1])]`.

    Gaussian noise, then a weight-normalised ReLU layer of fixed scale, for each width of
    `units`; the features the generator matches (feature matching) are the last hidden layer's
    output; the K class logits come from a weight-normalised linear layer with a trained scale.
    With `minibatch_kernels` > 0, a `MinibatchDiscrimination` layer sits between the features
    and the logits (the authors' sample-quality model).

    Args:
        sample_shape: tuple, the shape of one image. Defaults to `(28, 28, 1)`.
        num_classes: int, K. Defaults to 10.
        units: tuple of ints, the hidden widths. Defaults to the authors' MNIST network.
        input_noise: float, the standard deviation of the noise on the [0, 1] input.
            Defaults to 0.3.
        hidden_noise: float, the standard deviation of the noise on each hidden layer's
            input. Defaults to 0.5.
        minibatch_kernels: int, B of minibatch discrimination; 0 leaves it out. Defaults to 0.

    Returns:
        A `keras.Model` with two outputs.
    """
    images = keras.Input(tuple(sample_shape), name="images")
    x = layers.Flatten(name="flatten")(images)
    # [-1, 1] -> [0, 1], the authors' pixel scale, which their noise levels are set for
    x = layers.Rescaling(0.5, offset=0.5, name="to_unit_interval")(x)
    for i, width in enumerate(units):
        x = layers.GaussianNoise(input_noise if i == 0 else hidden_noise, name=f"noise_{i}")(x)
        x = WeightNormDense(width, activation="relu", train_scale=False, name=f"dense_{i}")(x)
    features = x
    if minibatch_kernels:
        x = MinibatchDiscrimination(minibatch_kernels, name="minibatch_discrimination")(x)
    x = layers.GaussianNoise(hidden_noise, name=f"noise_{len(units)}")(x)
    logits = WeightNormDense(num_classes, train_scale=True, name="class_logits")(x)
    return keras.Model(images, [logits, features], name="improved_gan_discriminator")


def initialize_weight_norm(network, inputs):
    """The authors' data-dependent initialisation of every `WeightNormDense` layer of a network.

    Layer by layer, from the input: each layer's scale and bias are set so that its
    pre-activation on `inputs` has mean 0 and standard deviation 1 per unit
    (`WeightNormDense.initialize_from`), given the layers before it, already initialised. The
    network runs in training mode, with its noise, as in the authors' initialisation pass.

    Args:
        network: a functional `keras.Model`.
        inputs: a batch of the network's inputs (the authors use 500 training images).
    """
    for layer in network.layers:
        if isinstance(layer, WeightNormDense):
            upstream = keras.Model(network.input, layer.input)
            layer.initialize_from(upstream(inputs, training=True))
