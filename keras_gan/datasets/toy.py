"""The 2-D Gaussian mixtures of the mode-collapse literature, as VEEGAN defines them.

Srivastava et al., "VEEGAN: Reducing Mode Collapse in GANs using Implicit Variational Learning",
NeurIPS 2017 (https://arxiv.org/abs/1705.07761), Section 5.1:

* `ring`: a mixture of 8 isotropic Gaussians with means evenly spaced on a circle of radius 2,
  $\\mu_k = (2\\cos(2\\pi k/8),\\ 2\\sin(2\\pi k/8))$, standard deviation 0.02;
* `grid`: a mixture of 25 isotropic Gaussians with means on the grid $\\{-4,-2,0,2,4\\}^2$,
  standard deviation 0.05.

All modes have equal weight. The evaluation protocol counts a mode as captured when enough
generated points fall within 3 standard deviations of its centre, and calls those points
"high quality"; `Mixture.centers` and `Mixture.std` give exactly what it needs.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Mixture:
    """An equal-weight mixture of isotropic 2-D Gaussians.

    Attributes:
        name: str.
        centers: float64 array `(num_modes, 2)`, the means.
        std: float, the standard deviation of every component (per coordinate).
    """

    name: str
    centers: np.ndarray
    std: float

    @property
    def num_modes(self) -> int:
        """int, the number of components."""
        return len(self.centers)

    def sample(self, num_samples: int, seed: int | None = 0):
        """Draws points and the index of the mode each came from.

        Args:
            num_samples: int, how many points.
            seed: int or None, numpy seed. Defaults to `0`.

        Returns:
            A tuple `(points, modes)`: float32 `(num_samples, 2)` and int32 `(num_samples,)`.

        Example:

        >>> points, modes = RING.sample(1000, seed=1)
        >>> points.shape, int(modes.max()) < 8
        ((1000, 2), True)
        """
        rng = np.random.default_rng(seed)
        modes = rng.integers(0, self.num_modes, size=num_samples)
        points = self.centers[modes] + self.std * rng.standard_normal((num_samples, 2))
        return points.astype(np.float32), modes.astype(np.int32)


def _ring():
    angles = 2.0 * np.pi * np.arange(8) / 8.0
    return Mixture("ring", np.stack([2.0 * np.cos(angles), 2.0 * np.sin(angles)], axis=1), 0.02)


def _grid():
    axis = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    xs, ys = np.meshgrid(axis, axis, indexing="ij")
    return Mixture("grid", np.stack([xs.ravel(), ys.ravel()], axis=1), 0.05)


RING = _ring()
"""`Mixture`: 8 Gaussians on a circle of radius 2, std 0.02 (VEEGAN's 2D Ring)."""
GRID = _grid()
"""`Mixture`: 25 Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05 (VEEGAN's 2D Grid)."""

MIXTURES = {"ring": RING, "grid": GRID}


def mixture(name: str) -> Mixture:
    """Returns the ground-truth `Mixture` called `name` (`"ring"` or `"grid"`)."""
    if name not in MIXTURES:
        raise ValueError(f"Unknown mixture {name!r}. Known: {', '.join(MIXTURES)}.")
    return MIXTURES[name]


def load_mixture(
    name,
    *,
    num_examples=100_000,
    with_labels=False,
    batch_size=512,
    shuffle=True,
    seed=None,
    drop_remainder=True,
    cache="auto",
    start_step=None,
):
    """Samples from `ring` or `grid` as a batched dataset of float32 `(batch, 2)` points.

    Points are not scaled to [-1, 1]. Generation uses `seed` (0 when None).

    Args:
        name: str, `"ring"` or `"grid"`.
        num_examples: int, points per epoch. Defaults to `100_000`.
        with_labels: bool, also yield the int32 index of each point's mode. Defaults to `False`.
        batch_size, shuffle, seed, drop_remainder, cache, start_step: as in
            `keras_gan.datasets.load`.

    Returns:
        A tuple `(dataset, DatasetInfo)`; `info.mixture` is the ground truth.
    """
    import tensorflow as tf

    from keras_gan.datasets import pipeline

    truth = mixture(name)
    if (
        not isinstance(num_examples, (int, np.integer))
        or isinstance(num_examples, bool)
        or num_examples < 1
    ):
        raise ValueError(
            f"`num_examples` must be a positive int. Received: num_examples={num_examples!r}"
        )
    batch_size = pipeline.check_batch_size(batch_size)
    # Sampling makes float64 means, noise and sums (48 bytes a point) and int64 modes (8); the
    # float32 points and int32 modes (12) are then copied into a tensor and cached (24 more).
    needed, what = pipeline.memory_estimate(
        num_examples, 12, batch_size=batch_size, cache=bool(cache), shuffle=shuffle,
        materialised=num_examples * (48 + 8 + 12 + 12),
    )  # fmt: skip
    pipeline.check_memory(
        name, needed, what=f"{num_examples} points: {what}",
        fix=f"Use a smaller num_examples (now {num_examples}).",
    )  # fmt: skip
    points, modes = truth.sample(num_examples, seed=0 if seed is None else seed)
    slices = (points, modes) if with_labels else points
    dataset = pipeline.finish(
        tf.data.Dataset.from_tensor_slices(slices), num_examples=num_examples,
        batch_size=batch_size, shuffle=shuffle, seed=seed, drop_remainder=drop_remainder,
        cache=bool(cache), name=name, start_step=start_step,
    )  # fmt: skip
    info = pipeline.DatasetInfo(
        name=name, element=pipeline.POINTS, image_shape=(2,), num_examples=num_examples,
        batch_size=batch_size, steps_per_epoch=pipeline.steps(num_examples, batch_size, drop_remainder),
        num_classes=truth.num_modes, mixture=truth,
    )  # fmt: skip
    return dataset, info
