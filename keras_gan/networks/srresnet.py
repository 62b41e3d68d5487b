"""SRResNet, SRGAN's generator, and SRGAN's discriminator (Ledig et al. 2017, figure 4).

Generator: a 9x9 convolution with PReLU; B residual blocks, each
conv(3x3, 64)-BN-PReLU-conv(3x3, 64)-BN plus an identity skip; a conv-BN closing the residual
trunk and a long skip from the first convolution's output; then one upsampling stage per factor
2, each conv(3x3, 256)-PixelShuffle(x2)-PReLU (sub-pixel convolution, Shi et al. 2016); and a
9x9 convolution to the image channels. The paper's 4x model has B = 16 and two x2 stages.

Discriminator: eight 3x3 convolutions with LeakyReLU(0.2) whose widths grow 64, 64, 128, 128,
256, 256, 512, 512 and whose strides alternate 1, 2 (BatchNorm after all but the first), then a
dense layer of 1024 units, LeakyReLU(0.2) and a dense layer to one logit (the paper's final
sigmoid is in the loss).

Reference: https://arxiv.org/abs/1609.04802
"""

import math

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="keras_gan")
class PixelShuffle(layers.Layer):
    r"""Sub-pixel upsampling: `(b, h, w, c * r^2) -> (b, h * r, w * r, c)` (depth to space).

    Output pixel $(h r + i, w r + j)$, channel $k$ takes input channel $(i r + j) c + k$ at
    $(h, w)$: the channel order of `tf.nn.depth_to_space` and `keras.ops.depth_to_space` with
    `channels_last`. Written with a reshape and a transpose, so it runs on every backend.

    Args:
        scale: int >= 2, the upsampling factor r. Defaults to 2.
    """

    def __init__(self, scale=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(scale, int) or scale < 2:
            raise ValueError(f"`scale` must be an integer >= 2. Received: scale={scale!r}")
        self.scale = scale

    def call(self, x):
        r = self.scale
        batch = ops.shape(x)[0]
        height, width, depth = x.shape[1], x.shape[2], x.shape[3]
        channels = depth // (r * r)
        # (b, h, w, r, r, c): channel index (i * r + j) * c + k
        x = ops.reshape(x, (batch, height, width, r, r, channels))
        # (b, h, i, w, j, c) -> (b, h * r, w * r, c)
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))
        return ops.reshape(x, (batch, height * r, width * r, channels))

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        r = self.scale
        return (b, None if h is None else h * r, None if w is None else w * r, c // (r * r))

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def _upsampling_stages(scale):
    stages = int(round(math.log2(scale))) if scale > 1 else 0
    if scale < 2 or 2**stages != scale:
        raise ValueError(
            "SRResNet upsamples with x2 sub-pixel stages, so `scale` must be a power of two "
            f">= 2 (the paper's is 4). Received: scale={scale!r}"
        )
    return stages


def _prelu(name):
    # PReLU with one learned slope per channel, initialised at 0.25 (He et al. 2015).
    return layers.PReLU(
        alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2], name=name
    )


def srresnet_generator(
    low_res_shape=(7, 7, 1), scale=4, num_blocks=16, filters=64, name="generator"
):
    """Builds SRResNet: a low-resolution image to a `scale` times larger one.

    Args:
        low_res_shape: tuple `(height, width, channels)` of the input images.
            Defaults to `(7, 7, 1)` (28x28 digits at x4).
        scale: int, a power of two, the upsampling factor. Defaults to 4 (the paper's).
        num_blocks: int, residual blocks B. Defaults to 16 (the paper's).
        filters: int, width of the residual trunk. Defaults to 64 (the paper's).
        name: string. Defaults to `"generator"`.

    Returns:
        A functional `keras.Model` mapping `(batch, h, w, c)` to `(batch, h * scale,
        w * scale, c)` in [-1, 1] (tanh output: the paper scales HR images to [-1, 1]).
    """
    stages = _upsampling_stages(scale)
    channels = low_res_shape[-1]
    low_res = keras.Input(low_res_shape, name="low_res")
    # (b, h, w, c) -> (b, h, w, 64)
    x = layers.Conv2D(filters, 9, padding="same", name="head")(low_res)
    x = head = _prelu("head_prelu")(x)
    for block in range(num_blocks):
        # x + BN(conv(PReLU(BN(conv(x)))))
        y = layers.Conv2D(filters, 3, padding="same", name=f"block{block}_conv1")(x)
        y = layers.BatchNormalization(name=f"block{block}_bn1")(y)
        y = _prelu(f"block{block}_prelu")(y)
        y = layers.Conv2D(filters, 3, padding="same", name=f"block{block}_conv2")(y)
        y = layers.BatchNormalization(name=f"block{block}_bn2")(y)
        x = layers.Add(name=f"block{block}_skip")([x, y])
    x = layers.Conv2D(filters, 3, padding="same", name="trunk_conv")(x)
    x = layers.BatchNormalization(name="trunk_bn")(x)
    # The long skip connection around the whole residual trunk
    x = layers.Add(name="long_skip")([head, x])
    for stage in range(stages):
        # (b, s, s, 64) -> conv -> (b, s, s, 256) -> shuffle -> (b, 2s, 2s, 64)
        x = layers.Conv2D(filters * 4, 3, padding="same", name=f"up{stage}_conv")(x)
        x = PixelShuffle(2, name=f"up{stage}_shuffle")(x)
        x = _prelu(f"up{stage}_prelu")(x)
    x = layers.Conv2D(channels, 9, padding="same", name="tail")(x)
    images = layers.Activation("tanh", name="tanh")(x)
    return keras.Model(low_res, images, name=name)


def srgan_discriminator(
    high_res_shape=(28, 28, 1), base_filters=64, dense_units=1024, name="discriminator"
):
    """Builds SRGAN's discriminator: eight 3x3 convolutions, dense 1024, one logit.

    Args:
        high_res_shape: tuple `(height, width, channels)`. Defaults to `(28, 28, 1)`.
        base_filters: int, width of the first two convolutions (64 in the paper); the later
            pairs double it. Defaults to 64.
        dense_units: int, the hidden dense layer (1024 in the paper). Defaults to 1024.
        name: string. Defaults to `"discriminator"`.

    Returns:
        A functional `keras.Model` mapping `(batch, *high_res_shape)` to logits `(batch, 1)`.
    """
    images = keras.Input(high_res_shape, name="high_res")
    x = images
    for index in range(8):
        # widths 64, 64, 128, 128, 256, 256, 512, 512; strides 1, 2, 1, 2, ...
        filters = base_filters * 2 ** (index // 2)
        strides = 1 + index % 2
        x = layers.Conv2D(filters, 3, strides=strides, padding="same", name=f"conv{index}")(x)
        if index > 0:  # no BatchNorm after the first convolution
            x = layers.BatchNormalization(name=f"conv{index}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense_units, name="dense")(x)
    x = layers.LeakyReLU(0.2)(x)
    logits = layers.Dense(1, name="logit")(x)
    return keras.Model(images, logits, name=name)


# The paper's VGG losses: phi_{i,j} is the j-th convolution (after its ReLU) before the i-th
# max-pooling of VGG19. SRGAN-VGG54 is the paper's headline model.
VGG_LAYERS = {"vgg54": "block5_conv4", "vgg22": "block2_conv2"}


def vgg19_features(layer="vgg54"):
    """The frozen VGG19 feature network of the paper's content loss (ImageNet weights).

    Args:
        layer: `"vgg54"` (block5_conv4, the paper's phi_{5,4}) or `"vgg22"` (block2_conv2).

    Returns:
        A `keras.Model` from BGR, mean-subtracted images to that layer's feature maps.

    Raises:
        ValueError: when the ImageNet weights cannot be loaded (no network), saying what to use
            instead.
    """
    try:
        vgg = keras.applications.VGG19(
            weights="imagenet", include_top=False, input_shape=(None, None, 3)
        )
    except Exception as error:  # no network, no cached file: say what to do instead
        raise ValueError(
            f"content_loss='{layer}' needs the ImageNet weights of VGG19 "
            "(keras.applications.VGG19(weights='imagenet')), which could not be loaded: "
            f"{type(error).__name__}: {error}. Without them use content_loss='mse' (the paper's "
            "SRGAN-MSE) or pass a feature network trained locally as content_loss=<keras.Model "
            "mapping images in [-1, 1] to feature maps>."
        ) from error
    features = keras.Model(
        vgg.input, vgg.get_layer(VGG_LAYERS[layer]).output, name=f"vgg19_{layer}"
    )
    features.trainable = False
    return features
