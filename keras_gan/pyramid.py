r"""The Laplacian pyramid of LAPGAN (Denton et al. 2015, section 3), with `keras.ops` only.

Two operators on images `(batch, height, width, channels)`:

* $d(\cdot)$, downsampling: blur with the 5-tap binomial filter $\frac{1}{16}[1, 4, 6, 4, 1]$
  (separable, reflected at the borders) and keep every second row and column, so a $j \times j$
  image becomes $j/2 \times j/2$;
* $u(\cdot)$, upsampling: put the image on every second pixel of a $2j \times 2j$ grid of zeros
  and blur with four times the same filter (each output pixel receives a quarter of the taps),
  which smooths and expands.

The Gaussian pyramid is $\mathcal{G}(I) = [I_0, I_1, \dots, I_K]$ with $I_0 = I$ and
$I_{k+1} = d(I_k)$; the Laplacian pyramid keeps the band-pass differences

$$h_k = I_k - u(I_{k+1}), \quad k = 0, \dots, K - 1, \qquad h_K = I_K,$$

and is inverted by the backward recurrence $I_k = u(I_{k+1}) + h_k$, which reconstructs $I$
exactly (up to float rounding) whatever $d$ and $u$ are, because each $h_k$ stores precisely what
$u(I_{k+1})$ misses. LAPGAN's generators produce the $h_k$ and the same recurrence turns them into
an image. Level 0 is the finest, level $K$ the coarsest, as in the paper.

Reference: https://arxiv.org/abs/1506.05751
"""

import numpy as np
from keras import ops

# Burt & Adelson's 5-tap binomial filter; separable, sums to 1.
_TAPS = np.array([1.0, 4.0, 6.0, 4.0, 1.0], dtype="float32") / 16.0
_PAD = 2


def _blur(images, gain=1.0):
    """Separable 5x5 binomial blur of `(batch, h, w, c)` images, reflected at the borders."""
    channels = images.shape[-1]
    kernel = gain * np.outer(_TAPS, _TAPS)
    # Depthwise kernel (5, 5, channels, 1): every channel blurred on its own.
    kernel = np.tile(kernel[:, :, None, None], (1, 1, channels, 1)).astype("float32")
    padded = ops.pad(images, [[0, 0], [_PAD, _PAD], [_PAD, _PAD], [0, 0]], mode="reflect")
    return ops.depthwise_conv(padded, ops.convert_to_tensor(kernel), strides=1, padding="valid")


def downsample(images):
    """$d(I)$: blur, then keep every second row and column. `(b, h, w, c) -> (b, h/2, w/2, c)`."""
    _check_even(images)
    return _blur(images)[:, ::2, ::2, :]


def upsample(images):
    """$u(I)$: zero-insert to twice the size, then blur with gain 4. `(b, h, w, c) -> (b, 2h, 2w, c)`."""
    batch = ops.shape(images)[0]
    height, width, channels = images.shape[1], images.shape[2], images.shape[3]
    # (b, h, w, c) -> (b, h, 1, w, 1, c) -> zeros after each pixel -> (b, 2h, 2w, c)
    x = ops.reshape(images, (batch, height, 1, width, 1, channels))
    x = ops.pad(x, [[0, 0], [0, 0], [0, 1], [0, 0], [0, 1], [0, 0]])
    x = ops.reshape(x, (batch, 2 * height, 2 * width, channels))
    # Gain 4: a quarter of the grid holds values, so the blur must sum to 4 to keep the mean.
    return _blur(x, gain=4.0)


def _check_even(images):
    height, width = images.shape[1], images.shape[2]
    if height is not None and (height % 2 or width % 2):
        raise ValueError(
            "Downsampling halves the image, so its height and width must be even. "
            f"Received: images of shape {tuple(images.shape)}"
        )


def check_levels(image_size, levels):
    """Checks that an image of `image_size` has a Laplacian pyramid of `levels` images.

    Args:
        image_size: int or `(height, width)`.
        levels: int, the number of pyramid images (the finest image is level 0), at least 2.

    Returns:
        list of `(height, width)` of each level, finest first.

    Raises:
        ValueError: fewer than 2 levels, a size not divisible by `2 ** (levels - 1)`, or a
            coarsest level smaller than 4 pixels (the blur's border reflection needs 3).
    """
    height, width = (image_size, image_size) if np.isscalar(image_size) else tuple(image_size)
    if not isinstance(levels, (int, np.integer)) or levels < 2:
        raise ValueError(
            "A Laplacian pyramid needs at least 2 levels (one band-pass image and the low-pass "
            f"residual). Received: levels={levels!r}"
        )
    factor = 2 ** (levels - 1)
    if height % factor or width % factor:
        raise ValueError(
            f"An image of {height}x{width} cannot be halved {levels - 1} times: with "
            f"levels={levels} the height and width must be divisible by 2**{levels - 1} = "
            f"{factor}. Use fewer levels or resize the images (e.g. to "
            f"{factor * max(1, height // factor)}x{factor * max(1, width // factor)})."
        )
    if min(height, width) // factor < 4:
        raise ValueError(
            f"With levels={levels} the coarsest level of a {height}x{width} image would be "
            f"{height // factor}x{width // factor}; it must be at least 4x4. Use fewer levels."
        )
    return [(height // 2**k, width // 2**k) for k in range(levels)]


def gaussian_pyramid(images, levels):
    """$[I_0, \\dots, I_K]$ with $I_{k+1} = d(I_k)$; `levels` images, finest first."""
    check_levels(tuple(images.shape[1:3]), levels)
    pyramid = [ops.convert_to_tensor(images)]
    for _ in range(levels - 1):
        pyramid.append(downsample(pyramid[-1]))
    return pyramid


def laplacian_pyramid(images, levels):
    """Builds the Laplacian pyramid $[h_0, \\dots, h_{K-1}, I_K]$.

    Args:
        images: tensor `(batch, height, width, channels)`.
        levels: int >= 2, the number of pyramid images ($K + 1$).

    Returns:
        list of `levels` tensors, finest first: the band-pass images $h_k = I_k - u(I_{k+1})$
        and, last, the coarsest low-pass image $I_K$.

    Example:

        >>> x = keras.random.uniform((2, 28, 28, 1))
        >>> [tuple(h.shape) for h in laplacian_pyramid(x, 3)]
        [(2, 28, 28, 1), (2, 14, 14, 1), (2, 7, 7, 1)]
    """
    gaussian = gaussian_pyramid(images, levels)
    bands = [fine - upsample(coarse) for fine, coarse in zip(gaussian[:-1], gaussian[1:])]
    return bands + [gaussian[-1]]


def reconstruct(pyramid, return_levels=False):
    """Inverts `laplacian_pyramid`: $I_k = u(I_{k+1}) + h_k$ from coarse to fine.

    Args:
        pyramid: list `[h_0, ..., h_{K-1}, I_K]`, finest first.
        return_levels: bool, also return every reconstructed level. Defaults to False.

    Returns:
        The finest image $I_0$, or the list `[I_0, ..., I_K]` (finest first) when
        `return_levels=True`.
    """
    image = pyramid[-1]
    images = [image]
    for band in reversed(pyramid[:-1]):
        image = upsample(image) + band
        images.append(image)
    return images[::-1] if return_levels else image
