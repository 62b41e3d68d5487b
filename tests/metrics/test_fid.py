import warnings

import numpy as np
import pytest
import scipy.linalg

from keras_gan.metrics import RunningMoments, fid_from_moments, frechet_distance
from keras_gan.metrics import fid as fid_module


def _stats(x):
    return x.mean(axis=0), np.cov(x, rowvar=False)


def _fid(a, b):
    return frechet_distance(*_stats(a), *_stats(b))


def _independent_fid(mu1, s1, mu2, s2):
    """Tr((S1 S2)^{1/2}) = sum of sqrt(eig(S1^{1/2} S2 S1^{1/2})): eigh, not sqrtm."""
    w, v = np.linalg.eigh(s1)
    s1_half = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    eig = np.linalg.eigvalsh(s1_half @ s2 @ s1_half)
    return (
        np.sum((mu1 - mu2) ** 2)
        + np.trace(s1)
        + np.trace(s2)
        - 2 * np.sum(np.sqrt(np.clip(eig, 0, None)))
    )


@pytest.fixture
def features():
    rng = np.random.default_rng(0)
    mix = rng.normal(size=(8, 8))
    return rng.normal(size=(400, 8)) @ mix, rng.normal(0.3, 1.2, size=(400, 8)) @ mix


def test_fid_of_a_set_with_itself_is_zero(features):
    a, _ = features
    assert abs(_fid(a, a)) < 1e-6


def test_fid_is_symmetric(features):
    a, b = features
    assert _fid(a, b) == pytest.approx(_fid(b, a), rel=1e-9)


def test_fid_grows_with_added_noise(features):
    a, _ = features
    rng = np.random.default_rng(1)
    noise = rng.normal(size=a.shape)
    values = [_fid(a, a + s * noise) for s in (0.0, 0.25, 0.5, 1.0, 2.0)]
    assert all(x < y for x, y in zip(values, values[1:])), values


def test_fid_matches_an_independent_computation(features):
    a, b = features
    expected = _independent_fid(*_stats(a), *_stats(b))
    assert _fid(a, b) == pytest.approx(expected, rel=1e-6)
    # and the textbook formula on scipy's square root written out here
    mu1, s1 = _stats(a)
    mu2, s2 = _stats(b)
    direct = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real)
    assert _fid(a, b) == pytest.approx(direct, rel=1e-6)


def test_fid_of_two_known_gaussians():
    # N(0, I) vs N(m, 4I) in d dims: |m|^2 + d (1 + 4 - 2 * 2) = |m|^2 + d
    d, m = 5, np.full(5, 0.5)
    assert frechet_distance(np.zeros(d), np.eye(d), m, 4 * np.eye(d)) == pytest.approx(m @ m + d)


def test_running_moments_equal_numpy_on_the_full_set():
    rng = np.random.default_rng(2)
    x = rng.normal(100.0, 0.1, size=(203, 6)) + rng.normal(size=(1, 6))  # large mean, small spread
    moments = RunningMoments()
    for part in np.split(x, [1, 50, 51, 150]):  # uneven batches, one of a single sample
        moments.update(part)
    assert moments.count == 203
    np.testing.assert_allclose(moments.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(moments.covariance, np.cov(x, rowvar=False), rtol=1e-8, atol=1e-14)


def test_singular_covariances_give_the_independent_value():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(5, 20)), rng.normal(size=(5, 20))  # 5 samples in 20 dims: rank 4
    assert _fid(a, b) == pytest.approx(_independent_fid(*_stats(a), *_stats(b)), rel=1e-6)


def test_a_failed_square_root_warns_and_retries_with_an_offset(features, monkeypatch):
    a, b = features
    calls, sqrtm = [], scipy.linalg.sqrtm

    def failing_once(matrix):
        calls.append(matrix)
        return np.full_like(matrix, np.nan) if len(calls) == 1 else sqrtm(matrix)

    monkeypatch.setattr(fid_module.scipy.linalg, "sqrtm", failing_once)
    with pytest.warns(UserWarning, match=r"singular .* adding 1e-06 \* I"):
        value = _fid(a, b)
    monkeypatch.undo()
    assert len(calls) == 2 and value == pytest.approx(_fid(a, b), rel=1e-4)


def test_too_few_samples_warn_with_the_number_needed():
    rng = np.random.default_rng(4)
    real, fake = RunningMoments(), RunningMoments()
    real.update(rng.normal(size=(10, 16)))
    fake.update(rng.normal(size=(10, 16)))
    with pytest.warns(UserWarning, match="at least 17 samples"):
        fid_from_moments(real, fake)


def test_no_nan_is_returned_silently():
    mu, sigma = np.zeros(3), np.eye(3)
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(mu, sigma, np.array([0.0, np.nan, 0.0]), sigma)
    with pytest.raises(ValueError, match=r"Received: .*mu2=\(4,\)"):
        frechet_distance(mu, sigma, np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="at least 2 samples"):
        moments = RunningMoments()
        moments.update(np.zeros((1, 3)))
        moments.covariance  # noqa: B018


def test_well_conditioned_input_does_not_warn(features):
    a, b = features
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fid(a, b)
