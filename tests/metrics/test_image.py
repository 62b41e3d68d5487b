"""keras_gan.metrics.image: PSNR against its definition, the bicubic baseline's shape and values."""

import numpy as np

from keras_gan.metrics.image import bicubic_upscale, psnr


def test_psnr():
    a = np.zeros((2, 4, 4, 1))
    b = a + np.array([0.2, 0.02]).reshape(2, 1, 1, 1)
    np.testing.assert_allclose(psnr(b, a), [10 * np.log10(4 / 0.04), 10 * np.log10(4 / 0.0004)])


def test_bicubic_upscale_keeps_a_constant_image_constant():
    images = np.full((2, 3, 5, 2), 0.25, "float32")
    upscaled = bicubic_upscale(images, 4)
    assert upscaled.shape == (2, 12, 20, 2)
    np.testing.assert_allclose(upscaled, 0.25, atol=1e-6)
