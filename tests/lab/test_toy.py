"""2-D mode counting (VEEGAN/PacGAN protocol) on hand-made sample sets."""

import math

import numpy as np
import pytest

from keras_gan.datasets import GRID, RING
from keras_gan.lab import toy


def test_samples_on_every_ring_mode_capture_all():
    samples, _ = RING.sample(2500, seed=0)
    result = toy.count_modes(samples, "ring")
    assert result["modes_captured"] == 8 and result["num_modes"] == 8
    # a 2-D Gaussian lies within 3 std (radius) with probability 1 - exp(-4.5) = 0.9889
    assert abs(result["high_quality"] - (1 - math.exp(-4.5))) < 0.01
    assert result["reverse_kl"] < 0.01


def test_one_mode_and_reverse_kl_is_log_k():
    samples = np.tile(GRID.centers[7], (2500, 1)) + 0.01  # 0.28 std away from centre 7
    result = toy.count_modes(samples, "grid")
    assert result["modes_captured"] == 1
    assert result["high_quality"] == 1.0
    assert result["mode_counts"][7] == 2500
    assert result["reverse_kl"] == pytest.approx(math.log(25))


def test_reverse_kl_against_hand_computation():
    # 1500 good samples on ring mode 0, 500 on mode 1, 500 far from every mode (ignored)
    centers = RING.centers
    samples = np.concatenate(
        [np.tile(centers[0], (1500, 1)), np.tile(centers[1], (500, 1)), np.full((500, 2), 10.0)]
    )
    result = toy.count_modes(samples, "ring")
    p = np.array([0.75, 0.25])
    expected = float((p * np.log(8 * p)).sum())  # KL(p || U_8) over the two non-empty modes
    assert result["reverse_kl"] == pytest.approx(expected, rel=1e-9)
    assert result["modes_captured"] == 2
    assert result["high_quality"] == pytest.approx(0.8)


def test_far_samples_are_zero_quality_and_kl_undefined_with_a_warning():
    samples = np.full((2500, 2), 1.0)  # between ring modes: ~0.77 from the nearest, 38 std
    with pytest.warns(UserWarning, match="reverse KL is undefined"):
        result = toy.count_modes(samples, "ring")
    assert result["high_quality"] == 0.0 and result["modes_captured"] == 0
    assert result["reverse_kl"] is None


def test_threshold_is_three_std_of_the_nearest_mode():
    inside = GRID.centers[0] + [2.9 * GRID.std, 0.0]
    outside = GRID.centers[0] + [3.1 * GRID.std, 0.0]
    modes, distances = toy.assign_modes(np.stack([inside, outside]), GRID)
    assert modes.tolist() == [0, 0]
    np.testing.assert_allclose(distances, [2.9, 3.1])
    result = toy.count_modes(np.stack([inside, outside]), GRID, min_samples=2)
    assert result["high_quality"] == 0.5


def test_bad_input():
    with pytest.raises(ValueError, match="needs at least 2500 samples. Received: 100"):
        toy.count_modes(np.zeros((100, 2)), "ring")
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        toy.count_modes(np.zeros((2500, 3)), "ring")
    with pytest.raises(ValueError, match="Unknown 2-D mixture 'spiral'"):
        toy.count_modes(np.zeros((2500, 2)), "spiral")
    bad = np.zeros((2500, 2))
    bad[3] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        toy.count_modes(bad, "ring")
