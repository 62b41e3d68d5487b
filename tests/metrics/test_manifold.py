import numpy as np
import pytest

from keras_gan.metrics import density_coverage, manifold, precision_recall


@pytest.fixture
def clouds():
    rng = np.random.default_rng(0)
    wide = rng.normal(size=(500, 4))
    same = rng.normal(size=(500, 4))
    narrow = rng.normal(0.3, 0.15, size=(500, 4))  # shifted, inside the wide cloud
    return wide, same, narrow


def test_identical_distributions_have_high_precision_and_recall(clouds):
    wide, same, _ = clouds
    precision, recall = precision_recall(wide, same)
    assert precision > 0.85 and recall > 0.85


def test_a_set_against_itself_has_precision_and_recall_one(clouds):
    wide, _, _ = clouds
    assert precision_recall(wide, wide) == (1.0, 1.0)


def test_narrow_cloud_inside_wide_one_has_high_precision_low_recall(clouds):
    wide, _, narrow = clouds
    precision, recall = precision_recall(wide, narrow)
    assert precision > 0.95 and recall < 0.2
    # the other way round: the wide cloud mostly falls outside the narrow manifold
    precision, recall = precision_recall(narrow, wide)
    assert precision < 0.2 and recall > 0.95


def test_density_and_coverage(clouds):
    wide, same, narrow = clouds
    density, coverage = density_coverage(wide, same)
    assert 0.8 < density < 1.2 and coverage > 0.9
    density, coverage = density_coverage(wide, narrow)  # crowded in a small region
    assert density > 1.5 and coverage < 0.3
    density, coverage = density_coverage(wide, wide + 100.0)  # far away
    assert density == 0.0 and coverage == 0.0


def test_chunked_distances_equal_one_shot(clouds, monkeypatch):
    wide, same, _ = clouds
    expected = precision_recall(wide, same) + density_coverage(wide, same)
    monkeypatch.setattr(manifold, "_CHUNK_BYTES", 8 * 500 * 7)  # chunks of 7 rows
    assert precision_recall(wide, same) + density_coverage(wide, same) == expected


def test_bad_input_is_named():
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="k=5"):
        density_coverage(x, x)
    with pytest.raises(ValueError, match=r"real_features.shape=\(4, 2\)"):
        precision_recall(x, np.zeros((4, 3)), k=1)
