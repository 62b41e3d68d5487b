"""The Laplacian pyramid: d and u against hand computations, exact inversion, bad sizes."""

import numpy as np
import pytest
from keras import ops

from keras_gan import pyramid


def _np(x):
    return ops.convert_to_numpy(x)


def test_downsample_is_binomial_blur_then_decimation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 8, 8, 3)).astype("float32")
    taps = np.array([1, 4, 6, 4, 1]) / 16.0
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect")
    blurred = np.zeros_like(x)
    for i in range(5):
        for j in range(5):
            blurred += taps[i] * taps[j] * padded[:, i : i + 8, j : j + 8]
    np.testing.assert_allclose(_np(pyramid.downsample(x)), blurred[:, ::2, ::2], atol=1e-5)
    # a constant image stays constant (the filter sums to 1; u's gain of 4 keeps the mean)
    ones = np.ones((1, 8, 8, 1), "float32")
    np.testing.assert_allclose(_np(pyramid.downsample(ones)), 1.0, atol=1e-6)
    np.testing.assert_allclose(_np(pyramid.upsample(ones)), 1.0, atol=1e-6)


def test_upsample_places_pixels_on_even_grid_then_blurs():
    x = np.zeros((1, 4, 4, 1), "float32")
    x[0, 2, 2, 0] = 1.0  # away from the reflected borders
    up = _np(pyramid.upsample(x))[0, :, :, 0]
    assert up.shape == (8, 8)
    taps = 2 * np.array([1, 4, 6, 4, 1]) / 16.0  # gain 4 = 2 x 2 per axis
    expected = np.zeros((8, 8))
    expected[2:7, 2:7] = np.outer(taps, taps)  # centred on (4, 4)
    np.testing.assert_allclose(up, expected, atol=1e-6)


@pytest.mark.parametrize(
    "shape,levels", [((3, 28, 28, 1), 3), ((2, 32, 32, 3), 3), ((2, 16, 16, 2), 2)]
)
def test_laplacian_pyramid_inverts_exactly(shape, levels):
    x = np.random.default_rng(1).uniform(-1, 1, shape).astype("float32")
    bands = pyramid.laplacian_pyramid(x, levels)
    sizes = [b.shape[1] for b in bands]
    assert sizes == [shape[1] // 2**k for k in range(levels)]
    np.testing.assert_allclose(_np(pyramid.reconstruct(bands)), x, atol=1e-6)
    # every reconstructed level is the Gaussian pyramid's
    gaussian = pyramid.gaussian_pyramid(x, levels)
    for got, want in zip(pyramid.reconstruct(bands, return_levels=True), gaussian):
        np.testing.assert_allclose(_np(got), _np(want), atol=1e-6)
    # the band-pass images are I_k - u(I_{k+1})
    np.testing.assert_allclose(
        _np(bands[0]), _np(gaussian[0] - pyramid.upsample(gaussian[1])), atol=1e-6
    )


def test_bad_levels():
    with pytest.raises(ValueError, match="at least 2 levels"):
        pyramid.check_levels(28, 1)
    with pytest.raises(ValueError, match="divisible by 2\\*\\*3 = 8"):
        pyramid.check_levels(28, 4)
    with pytest.raises(ValueError, match="at least 4x4"):
        pyramid.check_levels(16, 4)
    assert pyramid.check_levels(32, 3) == [(32, 32), (16, 16), (8, 8)]
