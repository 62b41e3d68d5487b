"""Image-quality measures of super-resolution (SRGAN): PSNR, and bicubic upsampling, the baseline
every super-resolution paper compares with. numpy; they run on any backend's outputs."""

import numpy as np


def psnr(images, references, data_range=2.0):
    r"""Peak signal-to-noise ratio per image, in dB: $10 \log_{10}(R^2 / \mathrm{MSE})$.

    Args:
        images: array `(n, h, w, c)`.
        references: array of the same shape.
        data_range: float, the range R of the values (2 for [-1, 1]). Defaults to 2.0.

    Returns:
        float64 array `(n,)`.
    """
    images, references = np.asarray(images, "float64"), np.asarray(references, "float64")
    mse = np.mean((images - references) ** 2, axis=tuple(range(1, images.ndim)))
    return 10.0 * np.log10(data_range**2 / np.maximum(mse, 1e-12))


def bicubic_upscale(images, scale):
    """Bicubic upsampling of `(n, h, w, c)` float images by `scale` (PIL, the usual baseline)."""
    from PIL import Image

    images = np.asarray(images, "float32")
    n, h, w, c = images.shape
    out = np.empty((n, h * scale, w * scale, c), "float32")
    for i in range(n):
        for k in range(c):
            image = Image.fromarray(images[i, :, :, k], mode="F")
            out[i, :, :, k] = np.asarray(image.resize((w * scale, h * scale), Image.BICUBIC))
    return out
