r"""SNGAN's spectrally normalised discriminator (Miyato et al. 2018, Table 3).

Every Conv2D and Dense layer is wrapped in `SpectralNormalization`, a subclass of
`keras.layers.SpectralNormalization` that keeps its variables (`vector_u`, the power-iteration
estimate of the first left singular vector, non-trainable) and its config, but computes the
paper's reparameterisation instead of Keras' projection:

- Keras' layer, in training mode, *assigns* $W/\sigma(W)$ to the trainable kernel and then
  runs the wrapped layer on the variable. On TensorFlow and PyTorch the gradient then ignores
  $\sigma$'s dependence on $W$ (the tape sees a plain variable read), while on keras_gan's JAX
  step it flows through $\sigma$ and the assignment is dropped: the three backends would train
  different functions.
- Here the kernel variable stays the free parameter $W$ and the layer computes
  $W_{SN} = W / \sigma(W)$ in every call, with $\sigma(W) = \tilde u^\top W \tilde v$ from one
  power iteration, $\tilde u, \tilde v$ treated as constants, so the gradient is the paper's
  equation 12 on every backend. Only `vector_u` is assigned (training mode only).

The standard CNN discriminator of Table 3(b), for 32x32 images (M = 4):
3x3 s1 conv 64, 4x4 s2 conv 64, 3x3 s1 conv 128, 4x4 s2 conv 128, 3x3 s1 conv 256,
4x4 s2 conv 256, 3x3 s1 conv 512, dense -> 1, LeakyReLU(0.1) after each convolution.

Reference: https://arxiv.org/abs/1802.05957
"""

import keras
from keras import layers, ops

from keras_gan.backend.compat import BaseConv, normalize

# vector_u's seed is its kernel's plus this, so the two draws are not from the same stream.
_U_SEED_OFFSET = 7919


def _kernel_seed(layer):
    """The integer seed of a layer's kernel initialiser, or None (unseeded, or a seed generator)."""
    initializer = getattr(layer, "kernel_initializer", None)
    if initializer is None or not hasattr(initializer, "get_config"):
        return None
    seed = initializer.get_config().get("seed")
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


@keras.saving.register_keras_serializable(package="keras_gan")
class SpectralNormalization(keras.layers.SpectralNormalization):
    r"""Spectral normalisation as a reparameterisation: $W_{SN} = W / \sigma(W)$ in every call.

    Same constructor, variables and config as `keras.layers.SpectralNormalization`, for a
    wrapped `Conv1D/2D/3D` or `Dense` layer. In training mode one power iteration per call
    updates `vector_u`; the trainable kernel is never overwritten, and the gradient reaches it
    through $\sigma(W)$ (the paper's equation 12), the same on TensorFlow, JAX and PyTorch.
    In inference mode the current `vector_u` is used without updating it. When the wrapped
    layer's kernel initialiser has an integer seed, `vector_u` is drawn from it too, so a network
    built twice with one seed starts identical (Keras' own draws `vector_u` unseeded). Under a
    mixed dtype policy the power iteration and $\sigma$ run in float32, and `vector_u` is a
    float32 variable that is never autocast (so that its update is not lost on PyTorch).

    Args:
        layer: a `keras.layers.Dense` or convolution layer.
        power_iterations: int >= 1, power iterations per call. Defaults to 1 (the paper's).
        **kwargs: base wrapper arguments.
    """

    def build(self, input_shape):
        if not isinstance(self.layer, (layers.Dense, BaseConv)):
            raise ValueError(
                "keras_gan's SpectralNormalization wraps Dense or convolution layers. "
                f"Received: layer={type(self.layer).__name__}"
            )
        # Keras' build, but vector_u is not autocast: under a mixed dtype policy each read of it
        # inside `call` would be a float16 copy, and on PyTorch `assign` writes into that copy,
        # so the power iteration never advanced (Keras 3.15's own layer loses it too).
        keras.layers.Wrapper.build(self, input_shape)
        self.input_spec = keras.layers.InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        self.kernel = self.layer.kernel
        self.kernel_shape = self.kernel.shape
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=keras.initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            autocast=False,
            name="vector_u",
            dtype=self.kernel.dtype,
        )
        # Keras draws vector_u from an unseeded initialiser, so two networks built with the same
        # seed would start their power iterations from different vectors (and differ after one
        # training step): draw it from the wrapped layer's kernel seed instead, when it has one,
        # at the norm Keras' draw has on average, 0.02 sqrt(n) (the power iteration ignores the
        # scale; a fixed norm keeps a one-output layer's single draw away from 0, whose square
        # would fall under `normalize`'s epsilon).
        seed = _kernel_seed(self.layer)
        if seed is not None:
            initializer = keras.initializers.TruncatedNormal(
                stddev=0.02, seed=seed + _U_SEED_OFFSET
            )
            u = initializer(self.vector_u.shape, dtype=self.vector_u.dtype)
            size = float(self.vector_u.shape[-1])
            self.vector_u.assign(normalize(u, axis=None) * (0.02 * size**0.5))

    def spectral_norm(self, vector_u=None):
        r"""Returns `(new_u, sigma)`: one power-iteration step and $\tilde u^\top W \tilde v$.

        Both are float32, computed from the kernel in float32 under any dtype policy.
        """
        # W reshaped to (fan_in, out): rows are inputs, so u lives in the output space. In
        # float32 whatever the layer computes in: under float16 a normalisation of a small
        # vector underflows (a squared norm below 6e-8 is 0, and 0 / 0 is NaN).
        weights = ops.cast(ops.reshape(self.kernel, (-1, self.kernel_shape[-1])), "float32")
        u = ops.cast(self.vector_u if vector_u is None else vector_u, "float32")
        for _ in range(self.power_iterations):
            v = normalize(ops.matmul(u, ops.transpose(weights)), axis=None)  # v <- W u / ||W u||
            u = normalize(ops.matmul(v, weights), axis=None)  # u <- W^T v / ||W^T v||
        u = ops.stop_gradient(u)
        v = ops.stop_gradient(v)
        # sigma(W) ~ v^T W u, differentiable in W with u, v held constant
        sigma = ops.squeeze(ops.matmul(ops.matmul(v, weights), ops.transpose(u)))
        return u, sigma

    def call(self, inputs, training=False):
        new_u, sigma = self.spectral_norm()
        if training:
            self.vector_u.assign(ops.cast(new_u, self.vector_u.dtype))
        kernel = ops.divide(self.kernel, ops.cast(sigma, self.kernel.dtype))  # W_SN = W / sigma(W)
        inner = self.layer
        if isinstance(inner, layers.Dense):
            outputs = ops.matmul(inputs, kernel)
            if inner.use_bias:
                outputs = ops.add(outputs, inner.bias)
        else:
            outputs = inner.convolution_op(inputs, kernel)
            if inner.use_bias:
                channel_axis = -1 if inner.data_format == "channels_last" else 1
                shape = [1] * len(outputs.shape)
                shape[channel_axis] = inner.filters
                outputs = ops.add(outputs, ops.reshape(inner.bias, shape))
        if inner.activation is not None:
            outputs = inner.activation(outputs)
        return ops.cast(outputs, inputs.dtype)


def sngan_discriminator(image_shape=(32, 32, 3), base_filters=64, seed=None, name="discriminator"):
    """Builds the SNGAN standard CNN discriminator (Table 3(b)), every layer spectrally normalised.

    Three stages of (3x3 stride-1 conv, 4x4 stride-2 conv) with 1x, 2x, 4x `base_filters`, a
    3x3 stride-1 conv with 8x, then a dense layer to one score; LeakyReLU(0.1) after every
    convolution; no BatchNorm. With `"same"` padding a 28x28 input goes 28 -> 14 -> 7 -> 4.

    Args:
        image_shape: tuple `(height, width, channels)`. Defaults to `(32, 32, 3)`.
        base_filters: int, width of the first stage. The paper's is 64. Defaults to 64.
        seed: optional int, seed of the weight initialisers.
        name: string, model name. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` mapping `(batch, *image_shape)` to scores `(batch, 1)`.
    """
    if base_filters < 1:
        raise ValueError(f"`base_filters` must be >= 1. Received: base_filters={base_filters}")
    seeds = iter(range(seed, seed + 100)) if seed is not None else iter([None] * 100)

    def conv(filters, kernel, stride, label):
        init = keras.initializers.GlorotUniform(seed=next(seeds))
        return SpectralNormalization(
            layers.Conv2D(filters, kernel, strides=stride, padding="same", kernel_initializer=init),
            name=label,
        )

    images = keras.Input(tuple(image_shape), name="images")
    x = images
    for stage, width in enumerate((1, 2, 4), start=1):
        # (batch, s, s, c) -> (batch, s, s, f) -> (batch, s/2, s/2, f)
        x = layers.LeakyReLU(0.1)(conv(base_filters * width, 3, 1, f"conv{stage}a")(x))
        x = layers.LeakyReLU(0.1)(conv(base_filters * width, 4, 2, f"conv{stage}b")(x))
    x = layers.LeakyReLU(0.1)(conv(base_filters * 8, 3, 1, "conv4")(x))
    x = layers.Flatten()(x)
    dense = layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)))
    scores = SpectralNormalization(dense, name="score")(x)
    return keras.Model(images, scores, name=name)
