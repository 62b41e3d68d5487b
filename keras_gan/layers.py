"""Building blocks that the GAN papers introduce or that keras_gan needs on every backend."""

import keras
from keras import ops

from keras_gan import backend

_IMPLEMENTATIONS = ("auto", "native", "phases")
# "auto" keeps image output layers (grayscale, RGB) native: faster there on JAX too.
_NATIVE_MAX_FILTERS = 3


@keras.saving.register_keras_serializable(package="keras_gan")
class Conv2DTranspose(keras.layers.Conv2DTranspose):
    r"""`keras.layers.Conv2DTranspose` that can run as four ordinary convolutions.

    A drop-in subclass: same constructor, same `kernel` of shape
    `(kernel_h, kernel_w, filters, in_channels)`, same outputs and gradients, so weights move
    freely between this layer, plain Keras and every backend. It adds one argument,
    `implementation`, that picks how the same function is computed.

    With `kernel_size=4, strides=2, padding="same"`, dilation 1 and `channels_last` (every
    transposed convolution of DCGAN), output pixel $(2m + r, 2n + c)$ of phase $(r, c)$ only
    ever meets kernel taps of row parity $1 - r$ and column parity $1 - c$:

    $$
    y[2m + r, 2n + c] = \sum_{a, b \in \{0, 1\}} x_p[m + r + a, n + c + b]\,
        w[3 - r - 2a, 3 - c - 2b]
    $$

    where $x_p$ is the input padded by one pixel on each side. So `"phases"` computes four
    2x2 ordinary convolutions, one per phase, each with every second kernel tap spatially
    flipped, and interleaves their outputs into the $2H \times 2W$ grid (depth-to-space). It is
    written with `keras.ops` only, so the gradients come from each backend's autodiff.

    Why it matters: XLA on CPU computes the weight gradient of a stride-2 transposed
    convolution very slowly: about 530 ms for the 28x28 DCGAN generator's 7x7x128 -> 14x14x64
    layer at batch 64 on two cores, against 30-65 ms as four convolutions, and the whole JAX
    step halves. TensorFlow (oneDNN) and PyTorch have fast native kernels, so `"auto"` keeps
    the native op there. On JAX, an image output layer (1 or 3 channels, e.g. the 14x14x64 ->
    28x28x1 layer) is faster native by some 40 ms per forward and backward pass, so `"auto"`
    keeps native for layers of at most 3 filters. See `docs/performance.md`.

    Args:
        filters: int, the number of output channels.
        kernel_size: int or tuple of 2 ints, the size of the kernel.
        strides: int or tuple of 2 ints. Defaults to `(1, 1)`.
        padding: `"valid"` or `"same"`. Defaults to `"valid"`.
        implementation: string, how the transposed convolution is computed: `"native"`
            (`keras.ops.conv_transpose`), `"phases"` (four 2x2 convolutions and a
            depth-to-space interleave; only for kernel 4, stride 2, `"same"`, dilation 1,
            `channels_last` and no `output_padding`, and silently native for any other
            configuration), or `"auto"` (`"phases"` on the JAX backend for layers of more
            than 3 filters, `"native"` otherwise). Defaults to `"auto"`.
        **kwargs: every other argument of `keras.layers.Conv2DTranspose`.

    Example:

    >>> layer = Conv2DTranspose(64, 4, strides=2, padding="same", implementation="phases")
    >>> layer(keras.ops.ones((2, 14, 14, 128))).shape
    (2, 28, 28, 64)
    """

    def __init__(
        self, filters, kernel_size, strides=(1, 1), padding="valid", implementation="auto", **kwargs
    ):
        if implementation not in _IMPLEMENTATIONS:
            raise ValueError(
                f"`implementation` must be one of {_IMPLEMENTATIONS}. "
                f"Received: implementation={implementation!r}"
            )
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
        self.implementation = implementation

    @property
    def uses_phases(self):
        """bool: whether `call` computes the phase decomposition (else the native op)."""
        implementation = self.implementation
        if implementation == "auto":
            # Phases win where XLA:CPU's kernel gradient is slow: many output channels.
            wide = self.filters > _NATIVE_MAX_FILTERS
            implementation = (
                "phases" if backend.PREFERS_PHASE_TRANSPOSED_CONV and wide else "native"
            )
        return (
            implementation == "phases"
            and tuple(self.kernel_size) == (4, 4)
            and tuple(self.strides) == (2, 2)
            and self.padding == "same"
            and tuple(self.dilation_rate) == (1, 1)
            and self.output_padding is None
            and self.data_format == "channels_last"
        )

    def call(self, inputs):
        # The interleave needs static spatial sizes; unknown ones take the native op.
        if not self.uses_phases or None in tuple(inputs.shape[1:3]):
            return super().call(inputs)
        outputs = self._phases(inputs, self.kernel)
        if self.use_bias:
            # (filters,) -> (1, 1, 1, filters), broadcast over batch and space
            outputs = ops.add(outputs, ops.reshape(self.bias, (1, 1, 1, self.filters)))
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    @staticmethod
    def _phases(x, kernel):
        """Kernel-4, stride-2, "same" transposed convolution as four 2x2 convolutions.

        Args:
            x: tensor `(batch, H, W, in)`.
            kernel: tensor `(4, 4, out, in)`, the Keras transposed-convolution layout.

        Returns:
            Tensor `(batch, 2H, 2W, out)`, equal to `keras.ops.conv_transpose(x, kernel,
            strides=2, padding="same")`.
        """
        # The transposed convolution scatters each input pixel through the kernel (per axis,
        # padding p = (k - s) / 2 = 1 on both sides, as PyTorch's ConvTranspose2d(4, 2, 1)):
        #   y[o] = sum_{i, t : o = 2i + t - 1} x[i] w[t],   t in {0, 1, 2, 3}
        # For output o = 2m + r, t = 2(m - i) + r + 1, so only taps of parity 1 - r occur:
        #   r = 0:  y[2m]     = x[m - 1] w[3] + x[m]     w[1]
        #   r = 1:  y[2m + 1] = x[m]     w[2] + x[m + 1] w[0]
        # With x_p[j] = x[j - 1] (one zero pixel each side), both read as a 2-tap correlation
        #   y[2m + r] = sum_{a in {0, 1}} x_p[m + r + a] w[3 - r - 2a]
        # i.e. kernel taps (w[3 - r], w[1 - r]) = flip(w)[r::2], slid over x_p[r : r + H + 1].
        # flip(w)[a] = w[3 - a]: (4, 4, out, in) -> (4, 4, in, out), the layout of ops.conv
        flipped = ops.transpose(ops.flip(kernel, axis=(0, 1)), (0, 1, 3, 2))
        rows = []
        for r in (0, 1):
            cols = []
            for c in (0, 1):
                # x_p[r : r + H + 1, c : c + W + 1]: one zero row above (r = 0) or below
                # (r = 1), same for columns: (batch, H, W, in) -> (batch, H + 1, W + 1, in)
                padded = ops.pad(x, ((0, 0), (1 - r, r), (1 - c, c), (0, 0)))
                # y[2m + r, 2n + c] = sum_{a, b} x_p[m + r + a, n + c + b] w[3-r-2a, 3-c-2b]
                # (batch, H + 1, W + 1, in) * (2, 2, in, out) -> (batch, H, W, out)
                cols.append(ops.conv(padded, flipped[r::2, c::2], strides=1, padding="valid"))
            # (batch, H, W, out) x 2 -> (batch, H, W, 2 [c], out)
            rows.append(ops.stack(cols, axis=3))
        # (batch, H, W, 2 [c], out) x 2 -> (batch, H, 2 [r], W, 2 [c], out)
        phases = ops.stack(rows, axis=2)
        # Depth-to-space: y[b, 2m + r, 2n + c, o] = phases[b, m, r, n, c, o]
        shape = ops.shape(x)
        return ops.reshape(phases, (-1, 2 * shape[1], 2 * shape[2], ops.shape(kernel)[2]))

    def get_config(self):
        config = super().get_config()
        # Only a non-default choice is written, so a default layer's config is exactly the
        # plain keras.layers.Conv2DTranspose config.
        if self.implementation != "auto":
            config["implementation"] = self.implementation
        return config
