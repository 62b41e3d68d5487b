"""Building blocks that the GAN papers introduce or that keras_gan needs on every backend."""

import math

import keras
from keras import ops

from keras_gan import backend


def _check_positive_integers(**values):
    """Raises a ValueError naming the first argument that is not an int >= 1 (bools refused)."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


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


# -- Improved GAN's layers (Salimans et al. 2016) --------------------------------------------------


@keras.saving.register_keras_serializable(package="keras_gan")
class MinibatchDiscrimination(keras.layers.Layer):
    r"""Minibatch discrimination: features that compare each sample with the rest of its batch.

    With $f(x_i) \in \mathbb{R}^A$ the layer's input and a learned tensor
    $T \in \mathbb{R}^{A \times B \times C}$, each sample's rows $M_i = f(x_i)\,T \in
    \mathbb{R}^{B \times C}$ give, for each of the B kernels,

    $$c_b(x_i, x_j) = \exp\big(-\lVert M_{i,b} - M_{j,b}\rVert_{L_1}\big),\qquad
      o(x_i)_b = \sum_{j=1}^{n} c_b(x_i, x_j)$$

    and the output is $[f(x_i), o(x_i)] \in \mathbb{R}^{A+B}$. A collapsed generator makes
    every $c_b$ of its batch close to 1, which the discriminator sees at once; the generator
    is pushed to keep its samples apart (section 3.2). As in the authors' code, the sum over
    $j$ includes $i$ itself (a constant 1 per kernel).

    The batch is the unit: a generated batch must be judged on its own, never concatenated
    with real samples.

    Args:
        num_kernels: int, B. Defaults to 100 (the authors' CIFAR-10 code).
        kernel_dim: int, C. Defaults to 5 (the authors' CIFAR-10 code).
        kernel_initializer: initializer of T. Defaults to `"glorot_normal"`.
        **kwargs: as for `keras.layers.Layer`.

    Reference: https://arxiv.org/abs/1606.03498 (section 3.2)
    """

    def __init__(self, num_kernels=100, kernel_dim=5, kernel_initializer="glorot_normal", **kwargs):
        super().__init__(**kwargs)
        _check_positive_integers(num_kernels=num_kernels, kernel_dim=kernel_dim)
        self.num_kernels = num_kernels
        self.kernel_dim = kernel_dim
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                "MinibatchDiscrimination takes flat features (batch, A). Received: "
                f"input_shape={tuple(input_shape)}"
            )
        # T: (A, B * C), reshaped to (A, B, C) in `call`
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.num_kernels * self.kernel_dim),
            initializer=self.kernel_initializer,
            name="kernel",
        )

    def call(self, inputs):
        # M_i = f(x_i) T: (n, A) -> (n, B, C)
        rows = ops.reshape(ops.matmul(inputs, self.kernel), (-1, self.num_kernels, self.kernel_dim))
        # ||M_{i,b} - M_{j,b}||_1: (n, 1, B, C) - (1, n, B, C) -> (n, n, B)
        distances = ops.sum(ops.abs(rows[:, None] - rows[None, :]), axis=-1)
        # o(x_i)_b = sum_j exp(-||M_{i,b} - M_{j,b}||_1): (n, n, B) -> (n, B)
        closeness = ops.sum(ops.exp(-distances), axis=1)
        return ops.concatenate([inputs, closeness], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1] + self.num_kernels)

    def get_config(self):
        config = super().get_config()
        config.update(
            num_kernels=self.num_kernels,
            kernel_dim=self.kernel_dim,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class VirtualBatchNormalization(keras.layers.Layer):
    r"""Virtual batch normalisation: each sample normalised with a fixed reference batch.

    Batch normalisation makes a sample's output depend on the other samples of its batch. VBN
    (section 3.5) normalises each sample $x$ with the statistics of a reference batch
    $R = \{r_1..r_N\}$, chosen once at the start of training, together with $x$ itself:

    $$\mu(x) = \frac{1}{N+1}\Big(\bar x + \sum_{k} \bar r_k\Big),\quad
      \nu(x) = \frac{1}{N+1}\Big(\overline{x^2} + \sum_{k} \overline{r_k^2}\Big),\quad
      y = \gamma\,\frac{x - \mu(x)}{\sqrt{\nu(x) - \mu(x)^2 + \epsilon}} + \beta$$

    per channel, the bars averaging over the spatial positions (none for flat features); the
    reference samples themselves are normalised with the reference batch's statistics alone,
    as in the authors' TensorFlow code. Every call carries its reference batch: the first
    `reference_size` rows of the input are $R$ (the caller concatenates it in front of the
    batch and drops those rows from the output), so the statistics follow the network's
    current weights, as in the paper, at the cost of a second forward pass of $N$ samples.

    Args:
        reference_size: int, N, the rows of each input that form the reference batch.
        epsilon: float added to the variance. Defaults to 1e-5.
        center: bool, learn the offset beta. Defaults to True.
        scale: bool, learn the scale gamma. Defaults to True.
        **kwargs: as for `keras.layers.Layer`.

    Reference: https://arxiv.org/abs/1606.03498 (section 3.5)
    """

    def __init__(self, reference_size, epsilon=1e-5, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(reference_size, bool)
            or not isinstance(reference_size, int)
            or reference_size < 1
        ):
            raise ValueError(
                f"`reference_size` must be a positive integer. Received: "
                f"reference_size={reference_size!r}"
            )
        self.reference_size = reference_size
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = (
            self.add_weight(shape=(channels,), initializer="ones", name="gamma")
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(shape=(channels,), initializer="zeros", name="beta")
            if self.center
            else None
        )

    def call(self, inputs):
        n = self.reference_size
        spatial = tuple(range(1, len(inputs.shape) - 1))
        # Per sample, per channel: mean of x and of x^2 over the spatial positions
        # (batch, ..., C) -> (batch, 1.., C)
        means = ops.mean(inputs, axis=spatial, keepdims=True) if spatial else inputs
        squares = ops.square(inputs)
        mean_squares = ops.mean(squares, axis=spatial, keepdims=True) if spatial else squares
        # The reference batch's statistics: the mean over its N samples -> (1, 1.., C)
        reference_mean = ops.mean(means[:n], axis=0, keepdims=True)
        reference_square = ops.mean(mean_squares[:n], axis=0, keepdims=True)
        # Each other sample: (x_bar + sum_k r_bar_k) / (N + 1)
        new = 1.0 / (n + 1.0)
        mean = new * means[n:] + (1.0 - new) * reference_mean
        mean_square = new * mean_squares[n:] + (1.0 - new) * reference_square
        # The reference samples: the reference batch's statistics alone
        reference_shape = ops.shape(means[:n])
        mean = ops.concatenate([ops.broadcast_to(reference_mean, reference_shape), mean], axis=0)
        mean_square = ops.concatenate(
            [ops.broadcast_to(reference_square, reference_shape), mean_square], axis=0
        )
        variance = ops.maximum(mean_square - ops.square(mean), 0.0)
        outputs = (inputs - mean) * ops.rsqrt(variance + self.epsilon)
        if self.gamma is not None:
            outputs = outputs * self.gamma
        if self.beta is not None:
            outputs = outputs + self.beta
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            reference_size=self.reference_size,
            epsilon=self.epsilon,
            center=self.center,
            scale=self.scale,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class WeightNormDense(keras.layers.Layer):
    r"""A dense layer with weight normalisation (Salimans & Kingma 2016), Improved GAN's layer.

    $$y = \phi\Big(g \odot \frac{x\,V}{\lVert V_{:,k}\rVert_2} + b\Big)$$

    each output unit $k$'s weight vector $V_{:,k}$ reparameterised as a direction and a length
    $g_k$, which decouples the two and conditions the gradient. The authors' Improved GAN
    networks use it in every discriminator layer with $g$ fixed (`train_scale=False`: only the
    direction and the bias train) and in the generator's output layer with $g$ trained;
    `initialize_from` sets $g$ and $b$ from a batch (the paper's data-dependent
    initialisation: each unit's pre-activation starts with mean 0 and variance 1).

    Args:
        units: int, the output size.
        activation: activation function or name. Defaults to `None`.
        use_bias: bool. Defaults to True.
        kernel_initializer: initializer of V. Defaults to `RandomNormal(stddev=0.05)`, the
            default of the authors' general `nn.WeightNormLayer` (their MNIST `DenseLayer` draws
            V from N(0, 0.1); after `initialize_from` only V's direction matters).
        train_scale: bool, whether g trains. Defaults to True.
        **kwargs: as for `keras.layers.Layer`.

    Reference: https://arxiv.org/abs/1602.07868
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer=None,
        train_scale=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_positive_integers(units=units)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(
            kernel_initializer or keras.initializers.RandomNormal(stddev=0.05)
        )
        self.train_scale = train_scale

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer=self.kernel_initializer, name="kernel"
        )
        self.g = self.add_weight(
            shape=(self.units,), initializer="ones", trainable=self.train_scale, name="g"
        )
        self.bias = (
            self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
            if self.use_bias
            else None
        )

    def preactivation(self, inputs):
        r"""$g \odot x V / \lVert V_{:,k}\rVert_2 + b$, before the activation."""
        # ||V_{:,k}||_2 per output unit: (in, units) -> (units,)
        norms = ops.sqrt(ops.sum(ops.square(self.kernel), axis=0))
        outputs = ops.matmul(inputs, self.kernel) * (self.g / norms)
        if self.bias is not None:
            outputs = outputs + self.bias
        return outputs

    def call(self, inputs):
        outputs = self.preactivation(inputs)
        return outputs if self.activation is None else self.activation(outputs)

    def initialize_from(self, inputs):
        r"""Data-dependent initialisation: with $t = x V / \lVert V_{:,k}\rVert$ on the batch
        `inputs`, sets $g = 1/\sigma[t]$ and $b = -\mu[t]/\sigma[t]$, so that the
        pre-activation starts at mean 0 and standard deviation 1 per unit."""
        if not self.built:
            self.build(inputs.shape)
        norms = ops.sqrt(ops.sum(ops.square(self.kernel), axis=0))
        directions = ops.matmul(ops.convert_to_tensor(inputs), self.kernel) / norms
        mean = ops.mean(directions, axis=0)
        scale = 1.0 / ops.sqrt(ops.var(directions, axis=0) + 1e-10)
        self.g.assign(scale)
        if self.bias is not None:
            self.bias.assign(-mean * scale)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            activation=keras.activations.serialize(self.activation)
            if self.activation is not None
            else None,
            use_bias=self.use_bias,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            train_scale=self.train_scale,
        )
        return config


# -- ProGAN's layers (Karras et al. 2018, section 4) -------------------------------------------------


def _at_least_float32(inputs):
    """`inputs` cast to float32 when they are float16 or bfloat16, as Keras' own normalisation
    layers do under a mixed policy: the layers below add an epsilon of 1e-8, which is 0 in
    float16 (its smallest subnormal is 6e-8), and their squares underflow there, so a
    statistic of 0 would go through a square root (an infinite gradient: NaN in the gradient
    penalty's second derivative, ProGAN's first float16 steps on JAX)."""
    return ops.cast(inputs, keras.backend.result_type(inputs.dtype, "float32"))


def _he_scale(fan_in, gain):
    """The He initialiser's standard deviation gain / sqrt(fan_in), applied at run time."""
    return gain / float(fan_in) ** 0.5


@keras.saving.register_keras_serializable(package="keras_gan")
class EqualizedDense(keras.layers.Layer):
    r"""A dense layer with the equalised learning rate: $y = x\,(c\,W) + b$, $W \sim N(0, 1)$.

    ProGAN section 4.1: the weights are drawn from N(0, 1) and scaled at run time by the He
    constant $c = \text{gain}/\sqrt{\text{fan\_in}}$, rather than drawn with that standard
    deviation. The output is the same at initialisation, but Adam, whose steps have about the
    same size for every weight whatever its scale, now moves every layer at the same relative
    speed: the dynamic range, and so the learning speed, is the same for all weights.

    StyleGAN's mapping network slows its layers down further with a learning-rate multiplier
    $\lambda$ (StyleGAN appendix C, $\lambda = 0.01$): $W \sim N(0, 1/\lambda^2)$, used as
    $\lambda c W$, and the bias $b$ used as $\lambda b$. The output at initialisation is
    unchanged; each Adam step moves the effective weights $\lambda$ times as far.

    Args:
        units: int, the output size.
        gain: float, the numerator of c. Defaults to sqrt(2) (He, for leaky ReLU).
        lr_multiplier: float > 0, $\lambda$. Defaults to 1 (ProGAN).
        bias_initializer: float, the initial value of the effective bias $\lambda b$ (StyleGAN2's
            style affines start at 1, so that styles start as the identity). Defaults to 0.
        seed: optional int, seed of W's N(0, 1) draw.
        **kwargs: as for `keras.layers.Layer`.

    Reference: https://arxiv.org/abs/1710.10196 (section 4.1),
    https://arxiv.org/abs/1812.04948 (appendix C)
    """

    def __init__(
        self, units, gain=2.0**0.5, lr_multiplier=1.0, bias_initializer=0.0, seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        _check_positive_integers(units=units)
        if not math.isfinite(lr_multiplier) or lr_multiplier <= 0:
            raise ValueError(
                "`lr_multiplier` must be a finite number > 0 (StyleGAN's mapping network: "
                f"0.01). Received: lr_multiplier={lr_multiplier!r}"
            )
        self.units = units
        self.gain = float(gain)
        self.lr_multiplier = float(lr_multiplier)
        self.bias_initializer = float(bias_initializer)
        self.seed = seed

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer=keras.initializers.RandomNormal(
                0.0, 1.0 / self.lr_multiplier, seed=self.seed
            ),
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(self.units,),
            initializer=keras.initializers.Constant(self.bias_initializer / self.lr_multiplier),
            name="bias",
        )
        self.scale = _he_scale(input_shape[-1], self.gain) * self.lr_multiplier

    def call(self, inputs):
        # y = x (lambda c W) + lambda b
        return ops.matmul(inputs, self.kernel * self.scale) + self.bias * self.lr_multiplier

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            gain=self.gain,
            lr_multiplier=self.lr_multiplier,
            bias_initializer=self.bias_initializer,
            seed=self.seed,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class EqualizedConv2D(keras.layers.Layer):
    r"""A stride-1, "same"-padded convolution with the equalised learning rate.

    As `EqualizedDense`: the kernel is drawn from N(0, 1) and multiplied at run time by
    $c = \text{gain}/\sqrt{k^2 C_{in}}$ (ProGAN section 4.1).

    Args:
        filters: int, the output channels.
        kernel_size: int, k. Defaults to 3.
        gain: float. Defaults to sqrt(2); ProGAN's toRGB uses 1.
        use_bias: bool, add a learned bias. Defaults to True (False for StyleGAN2's residual
            shortcuts).
        seed: optional int, seed of the kernel's N(0, 1) draw.
        **kwargs: as for `keras.layers.Layer`.

    Reference: https://arxiv.org/abs/1710.10196 (section 4.1)
    """

    def __init__(self, filters, kernel_size=3, gain=2.0**0.5, use_bias=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_positive_integers(filters=filters, kernel_size=kernel_size)
        self.filters = filters
        self.kernel_size = kernel_size
        self.gain = float(gain)
        self.use_bias = bool(use_bias)
        self.seed = seed

    def build(self, input_shape):
        k, channels = self.kernel_size, input_shape[-1]
        self.kernel = self.add_weight(
            shape=(k, k, channels, self.filters),
            initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=self.seed),
            name="kernel",
        )
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")
        self.scale = _he_scale(k * k * channels, self.gain)

    def call(self, inputs):
        outputs = ops.conv(inputs, self.kernel * self.scale, padding="same")
        return outputs + self.bias if self.use_bias else outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters, kernel_size=self.kernel_size, gain=self.gain,
            use_bias=self.use_bias, seed=self.seed,
        )  # fmt: skip
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class ModulatedConv2D(keras.layers.Layer):
    r"""StyleGAN2's modulated convolution: each sample's style scales the kernel's inputs.

    Section 2.2 of StyleGAN2: with style $s$ (one scale per input channel, from the latent
    $w$ through an affine layer), each sample convolves with its own kernel

    $$w'_{ijk} = s_i\, w_{ijk}, \qquad
      w''_{ijk} = w'_{ijk} \Big/ \sqrt{	extstyle\sum_{i,k} {w'_{ijk}}^2 + \epsilon}$$

    (i input channel, j output channel, k kernel position; the second step, *demodulation*,
    gives each output channel unit variance for unit-variance inputs, and replaces StyleGAN1's
    AdaIN, whose per-map normalisation caused the "droplet" artifacts). The kernel $w$ is
    equalised (`EqualizedConv2D`: N(0, 1) scaled at run time by $1/\sqrt{k^2 C_{in}}$).

    Computed without a per-sample kernel: scale the inputs by $s$, convolve with the shared
    kernel, scale the outputs by $d_j = 1/\sqrt{\sum_i s_i^2 \sum_k w_{ijk}^2 + \epsilon}$.
    The result is the same (the convolution is linear in each input channel); the authors'
    code offers both (`fused_modconv`), the grouped convolution being faster on a GPU, and
    this form runs on every backend with any batch size. `tests/test_layers.py` checks it
    against a direct convolution of each sample with its own modulated kernel.

    Inputs: `[features (b, h, w, C_in), styles (b, C_in)]`. No bias: StyleGAN2 adds the noise
    and the bias after the convolution.

    Args:
        filters: int, the output channels.
        kernel_size: int, k. Defaults to 3.
        demodulate: bool, divide by the output's expected standard deviation. Defaults to
            True (False for the toRGB layers).
        seed: optional int, seed of the kernel's N(0, 1) draw.
        **kwargs: as for `keras.layers.Layer`.

    Reference: https://arxiv.org/abs/1912.04958 (section 2.2)
    """

    #: Added under the square root of the demodulation, as the authors' code.
    epsilon = 1e-8

    def __init__(self, filters, kernel_size=3, demodulate=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        _check_positive_integers(filters=filters, kernel_size=kernel_size)
        self.filters = filters
        self.kernel_size = kernel_size
        self.demodulate = bool(demodulate)
        self.seed = seed

    def build(self, input_shape):
        features_shape, styles_shape = input_shape
        channels = features_shape[-1]
        if len(styles_shape) != 2 or styles_shape[-1] != channels:
            raise ValueError(
                "ModulatedConv2D takes [features (batch, h, w, C), styles (batch, C)]: one "
                f"style per input channel. Received: features {tuple(features_shape)}, "
                f"styles {tuple(styles_shape)}"
            )
        k = self.kernel_size
        self.kernel = self.add_weight(
            shape=(k, k, channels, self.filters),
            initializer=keras.initializers.RandomNormal(0.0, 1.0, seed=self.seed),
            name="kernel",
        )
        self.scale = _he_scale(k * k * channels, 1.0)

    def call(self, inputs):
        features, styles = inputs
        kernel = self.kernel * self.scale
        styles = ops.cast(styles, features.dtype)
        # w'_ijk = s_i w_ijk, applied to the inputs: conv(x * s, w) = conv(x, w')
        outputs = ops.conv(features * styles[:, None, None, :], kernel, padding="same")
        if self.demodulate:
            # d_j = 1 / sqrt(sum_i s_i^2 sum_k w_ijk^2 + eps), one per sample and output map
            # (in float32 under a mixed policy: see _at_least_float32)
            kernel, styles = _at_least_float32(kernel), _at_least_float32(styles)
            energy = ops.sum(ops.square(kernel), axis=(0, 1))  # (C_in, C_out)
            demodulation = ops.rsqrt(ops.matmul(ops.square(styles), energy) + self.epsilon)
            outputs = outputs * ops.cast(demodulation, outputs.dtype)[:, None, None, :]
        return outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            kernel_size=self.kernel_size,
            demodulate=self.demodulate,
            seed=self.seed,
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class PixelNormalization(keras.layers.Layer):
    r"""Pixelwise feature normalisation: each pixel's feature vector scaled to unit RMS.

    $$b_{x,y} = a_{x,y} \Big/ \sqrt{\tfrac{1}{N}\textstyle\sum_{j=0}^{N-1} (a^j_{x,y})^2 + \epsilon},
      \quad \epsilon = 10^{-8}$$

    ProGAN section 4.2, after each convolution of the generator: it has no learned
    parameters, and keeps the generator's and discriminator's competition from escalating the
    signal magnitudes. Normalises over the last axis (the features), so it applies to a latent
    vector too (the generator's input).

    Reference: https://arxiv.org/abs/1710.10196 (section 4.2)
    """

    #: The paper's epsilon.
    epsilon = 1e-8

    def call(self, inputs):
        # the RMS in float32 under a mixed policy (see _at_least_float32)
        features = _at_least_float32(inputs)
        scale = ops.rsqrt(ops.mean(ops.square(features), axis=-1, keepdims=True) + self.epsilon)
        return inputs * ops.cast(scale, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="keras_gan")
class MinibatchStandardDeviation(keras.layers.Layer):
    r"""Minibatch standard deviation: one feature map saying how varied the batch is.

    ProGAN section 3: the batch is split into groups of G samples (sample i in group i mod
    (n/G), as the authors' code); within each group, the standard deviation of every feature
    at every position is taken over the G samples, averaged over features and positions into
    one number, and that number is appended to each sample of the group as a constant extra
    feature map. A generator whose samples are too alike shows a small value, which the
    discriminator can use; the layer has no parameters (the paper's simplification of minibatch
    discrimination).

    Args:
        group_size: int G >= 1; the batch size must be a multiple of min(G, batch). Defaults
            to 4 (the authors' code).
        **kwargs: as for `keras.layers.Layer`.

    Reference: https://arxiv.org/abs/1710.10196 (section 3)
    """

    #: Added to the variance before its square root, as the authors' code.
    epsilon = 1e-8

    def __init__(self, group_size=4, **kwargs):
        super().__init__(**kwargs)
        _check_positive_integers(group_size=group_size)
        self.group_size = group_size

    def call(self, inputs):
        batch = inputs.shape[0]
        group = self.group_size if batch is None else min(self.group_size, batch)
        if batch is not None and batch % group:
            raise ValueError(
                f"MinibatchStandardDeviation splits the batch into groups of {group}: the batch "
                f"size must be a multiple of {group}. Received: batch of {batch}"
            )
        height, width, channels = inputs.shape[1:]
        # (n, H, W, C) -> (G, n/G, H, W, C): sample i is in group i mod n/G; in float32 under
        # a mixed policy (see _at_least_float32)
        samples = ops.reshape(_at_least_float32(inputs), (group, -1, height, width, channels))
        # the standard deviation over each group's G samples, per feature and position
        variance = ops.mean(ops.square(samples - ops.mean(samples, axis=0)), axis=0)
        deviation = ops.sqrt(variance + self.epsilon)
        # averaged over features and positions: one number per group, (n/G,)
        per_group = ops.mean(deviation, axis=(1, 2, 3))
        # appended to each of the group's samples as a constant feature map, (n, H, W, 1)
        feature = ops.tile(per_group, (group,))[:, None, None, None]
        feature = ops.broadcast_to(feature, (ops.shape(inputs)[0], height, width, 1))
        return ops.concatenate([inputs, ops.cast(feature, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        config = super().get_config()
        config.update(group_size=self.group_size)
        return config
