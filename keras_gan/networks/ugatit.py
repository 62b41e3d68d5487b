r"""U-GAT-IT's networks (Kim et al. 2020, appendix; the authors' PyTorch `networks.py`).

Generator (an encoder, an attention module, a decoder):

- Encoder: c7s1-64, two 3x3 stride-2 downsamplings (d128, d256), then `num_blocks` residual
  blocks R256 (the authors' `n_res` = 4), with reflection padding, convolutions without bias
  and instance normalisation without a learned scale (`InstanceNorm2d(affine=False)`).
- Attention (`ClassActivationAttention`): an auxiliary classifier $\eta_s$ reads the encoder's
  feature maps $E$ through global average and global max pooling, one logit each from a
  bias-free linear layer $w$; the same weights $w$ rescale the feature maps channel by channel,
  $a = w \odot E$ (a class activation map, CAM), the two attention maps are concatenated and a
  1x1 convolution with a ReLU brings them back to 256 channels. The heatmap is their sum over
  channels.
- AdaLIN parameters: $\gamma, \beta$ from two fully connected layers (ReLU) on the attention
  maps: flattened in the full model, global-average pooled in the light one (`light=True`, the
  authors' U-GAT-IT-light, which keeps a 256x256 model on one GPU and a 28x28 one on a CPU).
- Decoder: `num_blocks` residual blocks whose two convolutions are each followed by AdaLIN
  (`AdaptiveLayerInstanceNormalization`) with those $\gamma, \beta$; two upsamplings (nearest
  x2, 3x3 convolution, `LayerInstanceNormalization`, ReLU); c7s1-3 with tanh.

Discriminator (`ugatit_discriminator`): 4x4 stride-2 convolutions doubling from 64 filters
(leaky ReLU 0.2, reflection padding 1, spectral normalisation), one 4x4 stride-1 convolution,
the same CAM attention (its two linear layers spectrally normalised, a leaky ReLU after the 1x1
convolution), and a 4x4 stride-1 convolution to one score per patch. The paper uses two per
domain: a global one (7 layers at 256x256: a receptive field of 286 pixels, the whole image) and
a local one (5 layers: 70 pixels, PatchGAN's). `default_discriminator_layers` keeps those two
rules at any size: the fewest layers that see the whole image, and two fewer.

Initialisation: PyTorch's defaults, as the authors' code (`torch_default_initializer`).

Reference: https://arxiv.org/abs/1907.10830 (code: znxlwm/UGATIT-pytorch, `networks.py`;
taki0112/UGATIT, the authors' TensorFlow code).
"""

import itertools

import keras
from keras import layers, ops

from keras_gan.networks.resnet import ReflectionPadding2D
from keras_gan.networks.sngan import SpectralNormalization
from keras_gan.networks.stargan import torch_default_initializer


def _check_rho(rho_initial):
    if isinstance(rho_initial, bool) or not isinstance(rho_initial, (int, float)):
        raise ValueError(f"`rho_initial` must be a number in [0, 1]. Received: {rho_initial!r}")
    if not 0.0 <= float(rho_initial) <= 1.0:
        raise ValueError(
            "rho mixes instance (rho = 1) and layer (rho = 0) normalisation and is kept in "
            f"[0, 1], so it must start there. Received: rho_initial={rho_initial!r}"
        )
    return float(rho_initial)


@keras.saving.register_keras_serializable(package="keras_gan")
class ClipToRange(keras.constraints.Constraint):
    """Clips a weight to `[minimum, maximum]` after every optimizer update.

    U-GAT-IT's `RhoClipper(0, 1)`, applied to every rho after each generator update: Keras
    optimizers apply a variable's constraint right after its update, on every backend.
    """

    def __init__(self, minimum=0.0, maximum=1.0):
        if not minimum < maximum:
            raise ValueError(
                f"`minimum` must be below `maximum`. Received: minimum={minimum}, maximum={maximum}"
            )
        self.minimum, self.maximum = float(minimum), float(maximum)

    def __call__(self, w):
        return ops.clip(w, self.minimum, self.maximum)

    def get_config(self):
        return {"minimum": self.minimum, "maximum": self.maximum}


def layer_instance_normalize(inputs, rho, epsilon=1e-5):
    r"""$\rho\,\hat a_I + (1 - \rho)\,\hat a_L$: instance- and layer-normalised inputs, mixed.

    $\hat a_I = (a - \mu_I)/\sqrt{\sigma_I^2 + \epsilon}$ with the mean and variance of each
    channel over its pixels, $\hat a_L$ the same over all pixels and channels of an image
    (equation 1 of the paper, before the scale and shift). The variances are the population
    ones, as in the paper and the authors' TensorFlow code (their PyTorch code's `torch.var`
    divides by n - 1).

    Args:
        inputs: `(b, h, w, c)` tensor.
        rho: `(c,)` mixing weights in [0, 1] (1: instance normalisation).
        epsilon: float added to the variances.
    """
    inputs = ops.convert_to_tensor(inputs)
    # mu_I, sigma_I^2: per image and channel, over h and w
    instance_mean, instance_var = ops.moments(inputs, axes=(1, 2), keepdims=True)
    instance = (inputs - instance_mean) / ops.sqrt(instance_var + epsilon)
    # mu_L, sigma_L^2: per image, over h, w and c
    layer_mean, layer_var = ops.moments(inputs, axes=(1, 2, 3), keepdims=True)
    layer = (inputs - layer_mean) / ops.sqrt(layer_var + epsilon)
    rho = ops.cast(rho, inputs.dtype)
    return rho * instance + (1.0 - rho) * layer


@keras.saving.register_keras_serializable(package="keras_gan")
class AdaptiveLayerInstanceNormalization(layers.Layer):
    r"""AdaLIN: $\gamma \cdot (\rho\,\hat a_I + (1 - \rho)\,\hat a_L) + \beta$.

    The decoder's normalisation: $\gamma, \beta$ (one per channel and image) come from the
    attention module, $\rho$ (one per channel) is learned and clipped to [0, 1] after every
    update (`ClipToRange`). "By adjusting the ratio of instance and layer normalisation", the
    model chooses per channel between keeping the content's style statistics (instance
    normalisation) and transforming them globally (layer normalisation).

    Call it as `layer([features, gamma, beta])` with `features` `(b, h, w, c)` and `gamma`,
    `beta` `(b, c)`.

    Args:
        rho_initial: float in [0, 1], the initial rho. Defaults to 0.9, the authors' `adaILN`
            (the paper's text says 1 in the decoder's residual blocks).
        epsilon: float. Defaults to 1e-5.
        **kwargs: base layer arguments.
    """

    def __init__(self, rho_initial=0.9, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.rho_initial = _check_rho(rho_initial)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        channels = input_shape[0][-1]
        self.rho = self.add_weight(
            shape=(channels,), name="rho", constraint=ClipToRange(0.0, 1.0),
            initializer=keras.initializers.Constant(self.rho_initial),
        )  # fmt: skip

    def call(self, inputs):
        features, gamma, beta = inputs
        normalized = layer_instance_normalize(features, self.rho, self.epsilon)
        # (b, c) -> (b, 1, 1, c): one scale and shift per image and channel
        return normalized * gamma[:, None, None, :] + beta[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "rho_initial": self.rho_initial, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="keras_gan")
class LayerInstanceNormalization(layers.Layer):
    r"""LIN: $\gamma \cdot (\rho\,\hat a_I + (1 - \rho)\,\hat a_L) + \beta$, all learned.

    The decoder's upsampling blocks: AdaLIN with $\gamma$ (init 1) and $\beta$ (init 0) learned
    per channel instead of predicted, $\rho$ clipped to [0, 1].

    Args:
        rho_initial: float in [0, 1]. Defaults to 0.0, the authors' `ILN` (layer normalisation
            at the start, as the paper says of the upsampling blocks).
        epsilon: float. Defaults to 1e-5.
        **kwargs: base layer arguments.
    """

    def __init__(self, rho_initial=0.0, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.rho_initial = _check_rho(rho_initial)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.rho = self.add_weight(
            shape=(channels,), name="rho", constraint=ClipToRange(0.0, 1.0),
            initializer=keras.initializers.Constant(self.rho_initial),
        )  # fmt: skip
        self.gamma = self.add_weight(shape=(channels,), name="gamma", initializer="ones")
        self.beta = self.add_weight(shape=(channels,), name="beta", initializer="zeros")

    def call(self, inputs):
        return layer_instance_normalize(inputs, self.rho, self.epsilon) * self.gamma + self.beta

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rho_initial": self.rho_initial, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="keras_gan")
class ClassActivationAttention(layers.Layer):
    r"""The auxiliary classifier $\eta$ and its class activation maps.

    For feature maps $E$ `(b, h, w, c)`: $\eta$'s two logits $w_{avg}^\top \mathrm{GAP}(E)$ and
    $w_{max}^\top \mathrm{GMP}(E)$ (bias-free), and the attention maps
    $[w_{avg} \odot E, w_{max} \odot E]$ `(b, h, w, 2c)`: each channel weighted by how much
    the classifier relies on it. Returns `[attention, logits]`.

    Args:
        spectral_normalization: bool, divide $w$ by its spectral norm (the discriminator's).
            The attention maps then use the normalised $w$ too, the one the logits use (the
            authors' PyTorch code weights them by the unnormalised `weight_orig`).
        kernel_initializer: initializer of the two weight vectors.
        **kwargs: base layer arguments.
    """

    def __init__(self, spectral_normalization=False, kernel_initializer=None, **kwargs):
        super().__init__(**kwargs)
        self.spectral_normalization = bool(spectral_normalization)
        self.kernel_initializer = keras.initializers.get(kernel_initializer or "glorot_uniform")

    def build(self, input_shape):
        channels = input_shape[-1]
        self.poolings = {}
        for pooling in ("average", "max"):
            dense = layers.Dense(
                1, use_bias=False, kernel_initializer=self.kernel_initializer,
                name=f"{pooling}_logit",
            )  # fmt: skip
            if self.spectral_normalization:
                dense = SpectralNormalization(dense, name=f"{pooling}_logit_sn")
            dense.build((None, channels))
            self.poolings[pooling] = dense
        self.average_logit, self.max_logit = self.poolings["average"], self.poolings["max"]

    def _weights(self, dense, training):
        if not self.spectral_normalization:
            return dense.kernel
        # One power iteration per call, as the wrapper does (`u` updated in training only)
        vector_u, sigma = dense.spectral_norm()
        if training:
            dense.vector_u.assign(ops.cast(vector_u, dense.vector_u.dtype))
        return ops.divide(dense.kernel, ops.cast(sigma, dense.kernel.dtype))

    def call(self, features, training=False):
        pooled = {
            "average": ops.mean(features, axis=(1, 2)),  # GAP(E): (b, c)
            "max": ops.max(features, axis=(1, 2)),  # GMP(E): (b, c)
        }
        logits, attention = [], []
        for pooling, dense in self.poolings.items():
            kernel = ops.cast(self._weights(dense, training), features.dtype)  # w: (c, 1)
            logits.append(ops.matmul(pooled[pooling], kernel))  # w^T pool(E): (b, 1)
            attention.append(features * kernel[:, 0])  # w ⊙ E: (b, h, w, c)
        return [ops.concatenate(attention, axis=-1), ops.concatenate(logits, axis=-1)]

    def compute_output_shape(self, input_shape):
        return [(*input_shape[:-1], 2 * input_shape[-1]), (input_shape[0], 2)]

    def get_config(self):
        return {
            **super().get_config(),
            "spectral_normalization": self.spectral_normalization,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }


@keras.saving.register_keras_serializable(package="keras_gan")
class ChannelSum(layers.Layer):
    """The attention heatmap: the attention maps summed over channels, `(b, h, w, 1)`."""

    def call(self, inputs):
        return ops.sum(inputs, axis=-1, keepdims=True)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 1)


def _instance_norm(name):
    # InstanceNorm2d(affine=False): one group per channel, no learned scale or shift
    return layers.GroupNormalization(
        groups=-1, center=False, scale=False, epsilon=1e-5, name=f"{name}_in"
    )


def _check_blocks(num_blocks):
    if not isinstance(num_blocks, int) or isinstance(num_blocks, bool) or num_blocks < 0:
        raise ValueError(f"`num_blocks` must be an int >= 0. Received: num_blocks={num_blocks!r}")


def ugatit_generator(
    image_shape=(256, 256, 3), output_channels=None, base_filters=64, num_blocks=4, light=False,
    seed=None, name="generator",
):  # fmt: skip
    """Builds U-GAT-IT's generator.

    Args:
        image_shape: tuple `(size, size, channels)` of the source domain, the size a multiple
            of 4 (two stride-2 levels). Defaults to `(256, 256, 3)`.
        output_channels: optional int, channels of the target domain; None: the same.
        base_filters: int, filters of the first layer (the paper's 64). Defaults to 64.
        num_blocks: int >= 0, residual blocks in the encoder and AdaLIN blocks in the decoder
            (the authors' `n_res` = 4). Defaults to 4.
        light: bool, U-GAT-IT-light: gamma and beta from the pooled attention maps instead of
            the flattened ones. Defaults to False.
        seed: optional int, seed of the initialisers.
        name: string. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` from `(b, *image_shape)` to `[images, cam_logits, heatmap]`:
        the translations in [-1, 1], the auxiliary classifier's two logits `(b, 2)` (source
        domain or not), and the attention heatmap `(b, size / 4, size / 4, 1)`.
    """
    image_shape = tuple(image_shape)
    height, width, channels = image_shape
    if height % 4 or width % 4 or height < 4:
        raise ValueError(
            "U-GAT-IT's generator downsamples twice by 2 and upsamples back, so the image size "
            f"must be a multiple of 4 (e.g. 28, 32, 256). Received: image_shape={image_shape}"
        )
    _check_blocks(num_blocks)
    output_channels = int(output_channels or channels)
    seeds = itertools.count(seed) if seed is not None else itertools.repeat(None)

    def init():
        return torch_default_initializer(next(seeds))

    def conv(x, filters, kernel, strides=1, layer_name=None, padding=None):
        x = ReflectionPadding2D(kernel // 2 if padding is None else padding)(x)
        return layers.Conv2D(
            filters, kernel, strides=strides, use_bias=False, name=layer_name,
            kernel_initializer=init(),
        )(x)  # fmt: skip

    def dense(units, layer_name):
        return layers.Dense(units, use_bias=False, kernel_initializer=init(), name=layer_name)

    images = keras.Input(image_shape, name="images")
    # Encoder: c7s1-64, d128, d256 (3x3, stride 2)
    x = conv(images, base_filters, 7, layer_name="c7")
    x = layers.ReLU()(_instance_norm("c7")(x))
    for level in range(2):
        filters = base_filters * 2 ** (level + 1)
        x = conv(x, filters, 3, strides=2, layer_name=f"down{level}")
        x = layers.ReLU()(_instance_norm(f"down{level}")(x))
    features = base_filters * 4
    for block in range(num_blocks):
        shortcut = x
        y = conv(x, features, 3, layer_name=f"encoder_block{block}_conv0")
        y = layers.ReLU()(_instance_norm(f"encoder_block{block}_0")(y))
        y = conv(y, features, 3, layer_name=f"encoder_block{block}_conv1")
        y = _instance_norm(f"encoder_block{block}_1")(y)
        x = layers.Add()([shortcut, y])
    # Attention: eta_s's logits and the CAM-weighted maps, a 1x1 convolution back to 256
    attention, cam_logits = ClassActivationAttention(kernel_initializer=init(), name="cam")(x)
    x = layers.Conv2D(features, 1, kernel_initializer=init(), name="attention_conv")(attention)
    x = layers.ReLU(name="attention")(x)
    heatmap = ChannelSum(name="heatmap")(x)
    # gamma, beta of AdaLIN: two FC layers on the (pooled, light; flattened, full) maps
    pooled = layers.GlobalAveragePooling2D()(x) if light else layers.Flatten()(x)
    hidden = layers.ReLU()(dense(features, "fc0")(pooled))
    hidden = layers.ReLU()(dense(features, "fc1")(hidden))
    gamma = dense(features, "gamma")(hidden)
    beta = dense(features, "beta")(hidden)
    # Decoder: residual blocks with AdaLIN
    for block in range(num_blocks):
        shortcut = x
        y = conv(x, features, 3, layer_name=f"decoder_block{block}_conv0")
        y = AdaptiveLayerInstanceNormalization(name=f"decoder_block{block}_adalin0")(
            [y, gamma, beta]
        )
        y = layers.ReLU()(y)
        y = conv(y, features, 3, layer_name=f"decoder_block{block}_conv1")
        y = AdaptiveLayerInstanceNormalization(name=f"decoder_block{block}_adalin1")(
            [y, gamma, beta]
        )
        x = layers.Add()([shortcut, y])
    # u128, u64: nearest-neighbour x2, 3x3 convolution, LIN, ReLU
    for level in range(2):
        filters = base_filters * 2 ** (1 - level)
        x = layers.UpSampling2D(2, interpolation="nearest")(x)
        x = conv(x, filters, 3, layer_name=f"up{level}")
        x = layers.ReLU()(LayerInstanceNormalization(name=f"up{level}_lin")(x))
    x = conv(x, output_channels, 7, layer_name="to_image")
    outputs = layers.Activation("tanh", dtype="float32", name="translation")(x)
    return keras.Model(images, [outputs, cam_logits, heatmap], name=name)


def receptive_field(num_layers):
    """The receptive field of a `num_layers`-layer U-GAT-IT discriminator, in pixels.

    `num_layers - 2` 4x4 stride-2 convolutions, then two 4x4 stride-1 ones: 286 for the
    paper's global discriminator (7 layers), 70 for its local one (5).
    """
    field, jump = 1, 1
    for strides in [2] * (num_layers - 2) + [1, 1]:
        field, jump = field + 3 * jump, jump * strides
    return field


def default_discriminator_layers(image_size):
    """`(global, local)` layers at `image_size`: the fewest whose receptive field covers the
    image, and two fewer (at least 3): the paper's 7 and 5 at 256x256, 4 and 3 at 28x28."""
    num_layers = 3
    while receptive_field(num_layers) < image_size:
        num_layers += 1
    return num_layers, max(3, num_layers - 2)


def ugatit_discriminator(
    image_shape=(256, 256, 3),
    base_filters=64,
    num_layers=7,
    seed=None,
    name="discriminator",
    spectral_normalization=True,
):
    """Builds a U-GAT-IT discriminator (global with 7 layers, local with 5, at 256x256).

    Args:
        image_shape: tuple `(size, size, channels)`. Defaults to `(256, 256, 3)`.
        base_filters: int, filters of the first layer (the paper's 64). Defaults to 64.
        num_layers: int >= 3: `num_layers - 2` stride-2 convolutions, one stride-1 convolution
            before the attention and one after it. Defaults to 7 (the global one).
        seed: optional int, seed of the initialisers.
        name: string. Defaults to `"discriminator"`.
        spectral_normalization: bool, every convolution and the auxiliary classifier's two
            linear layers spectrally normalised, as in the paper and the authors' code.
            Defaults to True; False (plain layers, the same initial weights) is for
            experiments such as `benchmarks/trace_translation_collapse.py`.

    Returns:
        A functional `keras.Model` from `(b, *image_shape)` to `[scores, cam_logits, heatmap]`:
        one least-squares score per patch `(b, s, s, 1)`, the auxiliary classifier's two logits
        `(b, 2)` (real or not), and the attention heatmap.
    """
    image_shape = tuple(image_shape)
    if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 3:
        raise ValueError(f"`num_layers` must be an int >= 3. Received: num_layers={num_layers!r}")
    size = min(image_shape[:2])
    for _ in range(num_layers - 2):
        size = (size + 2 - 4) // 2 + 1
    if size < 3:
        raise ValueError(
            f"{num_layers} layers shrink a {min(image_shape[:2])}-pixel image below the 3x3 map "
            f"the last two 4x4 convolutions need. Received: num_layers={num_layers}; "
            f"default_discriminator_layers({min(image_shape[:2])}) = "
            f"{default_discriminator_layers(min(image_shape[:2]))}"
        )
    seeds = itertools.count(seed) if seed is not None else itertools.repeat(None)

    def conv(x, filters, strides, layer_name, use_bias=True):
        x = ReflectionPadding2D(1)(x)
        inner = layers.Conv2D(
            filters, 4, strides=strides, use_bias=use_bias,
            kernel_initializer=torch_default_initializer(next(seeds)),
            name=None if spectral_normalization else layer_name,
        )  # fmt: skip
        if not spectral_normalization:
            return inner(x)
        return SpectralNormalization(inner, name=layer_name)(x)

    images = keras.Input(image_shape, name="images")
    x = images
    for level in range(num_layers - 2):
        x = conv(x, base_filters * 2**level, 2, f"down{level}")
        x = layers.LeakyReLU(0.2)(x)
    features = base_filters * 2 ** (num_layers - 2)
    x = layers.LeakyReLU(0.2)(conv(x, features, 1, "conv"))
    attention, cam_logits = ClassActivationAttention(
        spectral_normalization=bool(spectral_normalization),
        kernel_initializer=torch_default_initializer(next(seeds)),
        name="cam",
    )(x)  # fmt: skip
    x = layers.Conv2D(
        features, 1, kernel_initializer=torch_default_initializer(next(seeds)),
        name="attention_conv",
    )(attention)  # fmt: skip
    x = layers.LeakyReLU(0.2, name="attention")(x)
    heatmap = ChannelSum(name="heatmap")(x)
    scores = conv(x, 1, 1, "scores", use_bias=False)
    scores = layers.Activation("linear", dtype="float32", name="patch_scores")(scores)
    return keras.Model(images, [scores, cam_logits, heatmap], name=name)
