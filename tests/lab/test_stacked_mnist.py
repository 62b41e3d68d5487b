"""Stacked MNIST mode counting with a stub classifier."""

import math

import numpy as np
import pytest

from keras_gan.lab import stacked_mnist


def stub_classifier(images):
    """Reads the digit written as the mean brightness: value (d / 10) * 2 - 1 -> digit d."""
    digits = np.round((images.mean(axis=(1, 2, 3)) + 1) / 2 * 10).astype(int)
    return np.eye(10)[digits]


def stacked(modes):
    """Images (n, 4, 4, 3) whose channels hold the digits of each mode 100r + 10g + b."""
    modes = np.asarray(modes)
    digits = np.stack([modes // 100, modes // 10 % 10, modes % 10], axis=1)  # (n, 3)
    values = digits / 10 * 2 - 1
    return np.broadcast_to(values[:, None, None, :], (len(modes), 4, 4, 3)).astype(np.float32)


def test_every_mode_once_gives_1000_modes_and_zero_kl():
    result = stacked_mnist.count_modes(stacked(np.arange(1000)), stub_classifier, min_samples=1)
    assert result["modes_captured"] == 1000
    assert result["kl"] == pytest.approx(0.0, abs=1e-12)
    assert result["channel_kl"] == pytest.approx([0.0, 0.0, 0.0], abs=1e-12)
    assert result["total_correlation"] == pytest.approx(0.0, abs=1e-12)
    assert result["digit_counts"] == [[100] * 10] * 3


def test_mode_id_is_100r_10g_b():
    digits = stacked_mnist.channel_digits(stacked([123, 907, 40]), stub_classifier, batch_size=2)
    assert digits.tolist() == [[1, 2, 3], [9, 0, 7], [0, 4, 0]]


def test_kl_against_hand_computation():
    modes = [5] * 30 + [600] * 10  # p = (0.75, 0.25) on two of 1000 modes
    result = stacked_mnist.count_modes(stacked(modes), stub_classifier, min_samples=1)
    p = np.array([0.75, 0.25])
    assert result["modes_captured"] == 2
    assert result["kl"] == pytest.approx(float((p * np.log(1000 * p)).sum()))
    collapsed = stacked_mnist.count_modes(stacked([42] * 5), stub_classifier, min_samples=1)
    assert collapsed["kl"] == pytest.approx(math.log(1000))


def test_kl_splits_into_channel_kls_and_total_correlation():
    # modes 5 = (0, 0, 5) x 30 and 600 = (6, 0, 0) x 10: red and blue each (0.75, 0.25) on two
    # digits, green always 0, and red decides blue.
    result = stacked_mnist.count_modes(
        stacked([5] * 30 + [600] * 10), stub_classifier, min_samples=1
    )
    p = np.array([0.75, 0.25])
    two_digits = float((p * np.log(10 * p)).sum())
    assert result["channel_kl"] == pytest.approx([two_digits, math.log(10), two_digits])
    # red and blue are one variable: the total correlation is its entropy H(0.75, 0.25)
    assert result["total_correlation"] == pytest.approx(float(-(p * np.log(p)).sum()))
    assert result["kl"] == pytest.approx(sum(result["channel_kl"]) + result["total_correlation"])
    assert result["digit_counts"][0] == [30, 0, 0, 0, 0, 0, 10, 0, 0, 0]
    assert result["fullest_modes"][:2] == [[5, 30], [600, 10]]


def test_bad_input():
    with pytest.raises(ValueError, match="needs at least 26000 samples. Received: 10"):
        stacked_mnist.count_modes(stacked(range(10)), stub_classifier)
    with pytest.raises(ValueError, match=r"shape \(n, height, width, 3\)"):
        stacked_mnist.count_modes(np.zeros((4, 4, 4, 1)), stub_classifier, min_samples=1)
    with pytest.raises(ValueError, match=r"\(batch, 10\)"):
        stacked_mnist.count_modes(stacked([1]), lambda x: np.zeros((len(x), 3)), min_samples=1)
