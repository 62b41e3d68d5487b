"""Gradients of gradients through a batch norm in training mode, the same on every backend."""

import keras
import numpy as np

from keras_gan import backend


def test_a_gradient_of_a_gradient_through_batch_statistics_matches_finite_differences():
    # f(x) = sum(c * BN(x)) over a batch normalised with its own statistics; h(x) = d . df/dx,
    # a Hessian-vector product. dh/dx needs the second derivatives of the batch statistics, which tf.nn.moments got wrong
    # (its stop_gradient on the mean); keras_gan's TensorFlow backend computes them in full.
    rng = np.random.default_rng(0)
    x = rng.normal(1.0, 2.0, (6, 3)).astype("float32")
    c = rng.normal(size=(6, 3)).astype("float32")
    d = rng.normal(size=(6, 3)).astype("float32")
    norm = keras.layers.BatchNormalization(center=False, scale=False, epsilon=1e-3)
    norm.build(x.shape)

    def f(inputs):
        return keras.ops.sum(keras.ops.convert_to_tensor(c) * norm(inputs, training=True), axis=1)

    def h(tensors):
        return keras.ops.sum(
            keras.ops.convert_to_tensor(d) * backend.input_gradients(f, tensors[0])
        )

    (gradient,) = backend.tensor_gradients(h, [x])

    def h_numpy(x):
        mean, var = x.mean(0), x.var(0)
        # df/dx of sum(c (x - mean) / sqrt(var + eps)), by hand
        std = np.sqrt(var + 1e-3)
        normalised = (x - mean) / std
        df = (c - c.mean(0) - normalised * (c * normalised).mean(0)) / std
        return np.sum(d * df)

    x64, step = x.astype("float64"), 1e-4
    expected = np.zeros_like(x64)
    for index in np.ndindex(x.shape):
        up, down = x64.copy(), x64.copy()
        up[index] += step
        down[index] -= step
        expected[index] = (h_numpy(up) - h_numpy(down)) / (2 * step)
    np.testing.assert_allclose(
        np.asarray(keras.ops.convert_to_numpy(gradient)), expected, rtol=2e-3, atol=2e-4
    )
