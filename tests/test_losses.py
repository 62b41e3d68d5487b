"""Each loss against a hand computation in NumPy."""

import keras
import numpy as np
import pytest
from keras import layers, ops

from keras_gan import backend, losses

REAL = np.array([[2.0], [-0.5], [0.3], [1.5]], dtype="float32")
FAKE = np.array([[-1.0], [0.7], [-2.5], [0.1]], dtype="float32")


def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def value(x):
    return float(ops.convert_to_numpy(x))


def test_minimax_discriminator_loss():
    expected = -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE)))
    assert value(losses.minimax_discriminator_loss(REAL, FAKE)) == pytest.approx(expected, rel=1e-6)


def test_minimax_generator_loss_is_log_one_minus_d():
    expected = np.mean(np.log(1 - sigmoid(FAKE)))
    assert value(losses.minimax_generator_loss(FAKE)) == pytest.approx(expected, rel=1e-6)


def test_non_saturating_generator_loss():
    expected = -np.mean(np.log(sigmoid(FAKE)))
    assert value(losses.non_saturating_generator_loss(FAKE)) == pytest.approx(expected, rel=1e-6)


def test_losses_are_stable_for_large_logits():
    big = np.array([[80.0], [-80.0]], dtype="float32")
    assert np.isfinite(value(losses.minimax_discriminator_loss(big, -big)))
    assert value(losses.non_saturating_generator_loss(big)) == pytest.approx(40.0, rel=1e-5)


@pytest.mark.parametrize("a,b,c", [(0.0, 1.0, 1.0), (-1.0, 1.0, 0.0)])
def test_least_squares(a, b, c):
    d = 0.5 * np.mean((REAL - b) ** 2) + 0.5 * np.mean((FAKE - a) ** 2)
    g = 0.5 * np.mean((FAKE - c) ** 2)
    assert value(losses.least_squares_discriminator_loss(REAL, FAKE, a=a, b=b)) == pytest.approx(
        d, rel=1e-6
    )
    assert value(losses.least_squares_generator_loss(FAKE, c=c)) == pytest.approx(g, rel=1e-6)


def test_wasserstein():
    assert value(losses.wasserstein_critic_loss(REAL, FAKE)) == pytest.approx(
        FAKE.mean() - REAL.mean(), rel=1e-6
    )
    assert value(losses.wasserstein_generator_loss(FAKE)) == pytest.approx(-FAKE.mean(), rel=1e-6)


def test_hinge():
    d = np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE))
    assert value(losses.hinge_discriminator_loss(REAL, FAKE)) == pytest.approx(d, rel=1e-6)
    assert value(losses.hinge_generator_loss(FAKE)) == pytest.approx(-FAKE.mean(), rel=1e-6)


def test_interpolate():
    real = np.ones((2, 3), "float32")
    fake = np.zeros((2, 3), "float32")
    mixed = ops.convert_to_numpy(losses.interpolate(real, fake, np.array([0.25, 1.0], "float32")))
    np.testing.assert_allclose(mixed, [[0.25] * 3, [1.0] * 3])


def _linear_critic(weights):
    critic = keras.Sequential([keras.Input((3,)), layers.Dense(1, use_bias=False)])
    critic.layers[0].kernel.assign(np.array(weights, "float32").reshape(3, 1))
    return critic


@pytest.mark.parametrize("weights", [[0.6, 0.8, 0.0], [1.0, 2.0, 2.0]])
def test_gradient_penalty_of_linear_critic(weights):
    # A linear critic has gradient w everywhere: the penalty is (||w|| - 1)^2, zero for ||w|| = 1.
    critic = _linear_critic(weights)
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(2, 5, 3)).astype("float32")
    epsilon = rng.uniform(size=(5,)).astype("float32")
    penalty = value(losses.gradient_penalty(critic, real, fake, epsilon))
    assert penalty == pytest.approx((np.linalg.norm(weights) - 1.0) ** 2, abs=1e-6)


def test_r1_penalty_of_linear_critic():
    critic = _linear_critic([1.0, 2.0, 2.0])
    real = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    assert value(losses.r1_penalty(critic, real)) == pytest.approx(0.5 * 9.0, rel=1e-6)


def test_input_gradients_of_a_quadratic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]], "float32")
    grads = ops.convert_to_numpy(
        backend.input_gradients(lambda t: ops.sum(t**2, axis=1), ops.convert_to_tensor(x))
    )
    np.testing.assert_allclose(grads, 2 * x, rtol=1e-6)


def test_feature_matching_is_the_squared_distance_of_the_means():
    rng = np.random.default_rng(2)
    real = rng.normal(size=(6, 4)).astype("float32")
    fake = rng.normal(size=(3, 4)).astype("float32")
    expected = np.sum((real.mean(axis=0) - fake.mean(axis=0)) ** 2)
    assert value(losses.feature_matching_loss(real, fake)) == pytest.approx(expected, rel=1e-5)
    # Same means, different samples: nothing to match
    assert value(losses.feature_matching_loss(real, real[::-1])) == pytest.approx(0.0, abs=1e-6)


def test_class_realness_is_the_k_plus_one_discriminator():
    logits = np.array([[1.0, -2.0, 0.5], [-30.0, -30.0, -30.0]], "float32")
    realness = ops.convert_to_numpy(losses.class_realness(logits))
    z = np.exp(logits).sum(axis=1, keepdims=True)
    # D(x) = Z / (Z + 1) = sigma(log Z)
    np.testing.assert_allclose(sigmoid(realness), z / (z + 1), rtol=1e-5)
    assert realness.shape == (2, 1)


def test_historical_averaging_penalty_and_its_gradient():
    weights = [np.array([1.0, 2.0], "float32"), np.array([[0.5]], "float32")]
    averages = [np.array([0.0, 1.0], "float32"), np.array([[1.5]], "float32")]
    assert value(losses.historical_averaging_penalty(weights, averages)) == pytest.approx(3.0)
    tensors = [ops.convert_to_tensor(w) for w in weights]
    grads = backend.tensor_gradients(
        lambda ws: losses.historical_averaging_penalty(ws, averages), tensors
    )
    # d/dθ ||θ - avg||^2 = 2 (θ - avg)
    for grad, w, a in zip(grads, weights, averages):
        np.testing.assert_allclose(ops.convert_to_numpy(grad), 2 * (w - a), rtol=1e-6)
    with pytest.raises(ValueError, match="one average per weight"):
        losses.historical_averaging_penalty(weights, averages[:1])


def test_orthogonal_regularization_against_numpy_and_the_authors_gradient():
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(5, 3)).astype("float32")  # (in, out)
    conv = rng.normal(size=(3, 3, 2, 4)).astype("float32")  # (kh, kw, in, out)

    def off_diagonal_gram(w):
        w = w.reshape(-1, w.shape[-1])
        return (w.T @ w) * (1.0 - np.eye(w.shape[1]))

    beta = 1e-2
    expected = 0.5 * beta * sum(np.sum(off_diagonal_gram(w) ** 2) for w in (dense, conv))
    got = value(losses.orthogonal_regularization([dense, conv], beta))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # BigGAN-PyTorch's utils.ortho adds 2 beta (w w^T * (1 - I)) w with w (out, fan-in): in the
    # Keras layout (fan-in, out), 2 beta W (W^T W * (1 - I))
    tensors = [ops.convert_to_tensor(w) for w in (dense, conv)]
    grads = backend.tensor_gradients(lambda ws: losses.orthogonal_regularization(ws, beta), tensors)
    for grad, w in zip(grads, (dense, conv)):
        matrix = w.reshape(-1, w.shape[-1])
        authors = 2 * beta * matrix @ off_diagonal_gram(w)
        np.testing.assert_allclose(
            ops.convert_to_numpy(grad).reshape(matrix.shape), authors, rtol=1e-4, atol=1e-7
        )
    # Orthogonal columns of any norms cost nothing
    q = np.linalg.qr(rng.normal(size=(6, 6)))[0][:, :3] * np.array([1.0, 5.0, 0.1])
    assert value(losses.orthogonal_regularization([q.astype("float32")])) == pytest.approx(
        0.0, abs=1e-9
    )
    with pytest.raises(ValueError, match=r"at least 2 axes .* shape \(4,\)"):
        losses.orthogonal_regularization([np.zeros(4, "float32")])
