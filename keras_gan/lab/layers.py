r"""Discriminator layers the mode-collapse literature adds: packing and minibatch std.

They live here, not in `keras_gan/layers.py`, while that file is being edited for performance;
both are registered Keras objects, so models that use them save and reload.
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class MinibatchStdDev(keras.layers.Layer):
    r"""Minibatch standard deviation (Karras et al. 2018, section 3).

    "We first compute the standard deviation for each feature in each spatial location over the
    minibatch. We then average these estimates over all features and spatial locations to
    arrive at a single value. We replicate the value and concatenate it to all spatial locations
    and over the minibatch, yielding one additional (constant) feature map."

    $$s = \frac{1}{|F|}\sum_{f \in F} \sqrt{\frac{1}{G}\sum_{i=1}^{G}(x_{i,f} - \bar x_f)^2
      + 10^{-8}}$$

    With `group_size=G`, the batch is cut into groups of G consecutive samples and each group
    gets its own $s$ (the authors' code uses G = 4); `None` uses the whole batch, as the paper's
    text describes. A discriminator that sees a collapsed generator's samples gets a small $s$
    and can tell them from real batches.

    `(batch, ..., channels) -> (batch, ..., channels + 1)`.

    Args:
        group_size: int or `None`, samples per statistics group; the batch must be a multiple
            of it. Defaults to `None` (the whole batch).
        epsilon: float, added to the variance before the square root. Defaults to 1e-8.

    Reference: https://arxiv.org/abs/1710.10196
    """

    def __init__(self, group_size=None, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        if group_size is not None and (not isinstance(group_size, int) or group_size < 1):
            raise ValueError(
                f"`group_size` must be a positive int or None. Received: group_size={group_size!r}"
            )
        self.group_size = group_size
        self.epsilon = epsilon

    def call(self, inputs):
        shape = ops.shape(inputs)
        feature_shape = tuple(inputs.shape[1:])
        group = shape[0] if self.group_size is None else self.group_size
        # (batch, *F) -> (groups, G, *F): statistics over each group's G samples
        x = ops.reshape(inputs, (-1, group, *feature_shape))
        variance = ops.mean(ops.square(x - ops.mean(x, axis=1, keepdims=True)), axis=1)
        std = ops.sqrt(variance + self.epsilon)  # (groups, *F)
        s = ops.mean(ops.reshape(std, (ops.shape(std)[0], -1)), axis=1)  # (groups,)
        # one value per sample: repeat each group's s over its G members, then over locations
        s = ops.repeat(s, group, axis=0)  # (batch,)
        s = ops.reshape(s, (-1,) + (1,) * len(feature_shape))
        s = ops.broadcast_to(ops.cast(s, inputs.dtype), (*shape[:-1], 1))
        return ops.concatenate([inputs, s], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 1)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="keras_gan")
class Pack(keras.layers.Layer):
    r"""PacGAN's packing: m consecutive samples become one input, joined along the last axis.

    `(batch, ..., c) -> (batch / m, ..., m * c)`: 2-D points `(b, 2) -> (b/m, 2m)` (the
    concatenated vector of PacGAN's MLP experiments), images `(b, h, w, c) -> (b/m, h, w, m c)`
    (PacGAN's Stacked MNIST and CelebA discriminators stack the m images along channels).
    Group j holds samples `j*m, ..., j*m + m - 1`; the batch must be a multiple of m.

    Args:
        packing: int >= 1, the degree of packing m.

    Reference: https://arxiv.org/abs/1712.04086
    """

    def __init__(self, packing, **kwargs):
        super().__init__(**kwargs)
        if isinstance(packing, bool) or not isinstance(packing, int) or packing < 1:
            raise ValueError(f"`packing` must be an int >= 1. Received: packing={packing!r}")
        self.packing = packing

    def call(self, inputs):
        m = self.packing
        feature_shape = tuple(inputs.shape[1:])
        if m == 1:
            return inputs
        # (b, *S, c) -> (b/m, m, *S, c) -> (b/m, *S, m, c) -> (b/m, *S, m*c)
        x = ops.reshape(inputs, (-1, m, *feature_shape))
        rank = len(feature_shape) + 2
        x = ops.transpose(x, (0, *range(2, rank - 1), 1, rank - 1))
        return ops.reshape(x, (-1, *feature_shape[:-1], m * feature_shape[-1]))

    def compute_output_shape(self, input_shape):
        batch = None if input_shape[0] is None else input_shape[0] // self.packing
        return (batch, *input_shape[1:-1], input_shape[-1] * self.packing)

    def get_config(self):
        return {**super().get_config(), "packing": self.packing}
