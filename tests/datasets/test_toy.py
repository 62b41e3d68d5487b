"""The 2-D mixtures: exactly VEEGAN's ring and grid."""

import numpy as np
import pytest

from keras_gan import datasets
from keras_gan.datasets import toy


def test_ring_parameters_are_veegan():
    assert datasets.RING.num_modes == 8
    assert datasets.RING.std == 0.02
    radii = np.linalg.norm(datasets.RING.centers, axis=1)
    np.testing.assert_allclose(radii, 2.0)
    angles = np.sort(np.mod(np.arctan2(*datasets.RING.centers[:, ::-1].T), 2 * np.pi))
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-12)


def test_grid_parameters_are_veegan():
    assert datasets.GRID.num_modes == 25
    assert datasets.GRID.std == 0.05
    expected = {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert {tuple(c) for c in datasets.GRID.centers.tolist()} == expected


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_mixture_dataset_points(name):
    ds, info = datasets.load(
        name, batch_size=500, num_examples=5000, with_labels=True, seed=3, with_info=True
    )
    assert info.element == "points" and info.image_shape == (2,)
    assert info.mixture is toy.mixture(name) and info.num_classes == info.mixture.num_modes
    assert ds.element_spec[0].shape.as_list() == [500, 2]
    points, modes = map(np.concatenate, zip(*[(p.numpy(), m.numpy()) for p, m in ds]))
    assert points.dtype == np.float32 and modes.dtype == np.int32 and len(points) == 5000
    offsets = points - info.mixture.centers[modes]
    # Each point is a draw from its mode: per-coordinate std matches, all within 5 std.
    np.testing.assert_allclose(offsets.std(axis=0), info.mixture.std, rtol=0.05)
    assert np.abs(offsets).max() < 5 * info.mixture.std
    # Every mode is used, about equally.
    counts = np.bincount(modes, minlength=info.mixture.num_modes)
    assert counts.min() > 0.5 * counts.mean()


def test_mixture_is_deterministic_with_seed():
    a = next(iter(datasets.load("ring", num_examples=1000, seed=7))).numpy()
    b = next(iter(datasets.load("ring", num_examples=1000, seed=7))).numpy()
    c = next(iter(datasets.load("ring", num_examples=1000, seed=8))).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_channels_rejected_for_points():
    with pytest.raises(ValueError, match="channels=3"):
        datasets.load("grid", channels=3)
