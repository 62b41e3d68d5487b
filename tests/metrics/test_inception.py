import numpy as np
import pytest

from keras_gan.metrics import inception_score


def test_uniform_predictions_score_one():
    mean, std = inception_score(np.full((100, 10), 0.1), splits=10)
    assert mean == pytest.approx(1.0) and std == pytest.approx(0.0, abs=1e-12)


def test_confident_predictions_spread_over_classes_score_the_number_of_classes():
    probs = np.tile(np.eye(7), (20, 1))  # every split of 14 rows holds each class twice
    mean, std = inception_score(probs, splits=10)
    assert mean == pytest.approx(7.0) and std == pytest.approx(0.0, abs=1e-9)


def test_confident_single_class_scores_one():
    probs = np.zeros((50, 10))
    probs[:, 3] = 1.0
    assert inception_score(probs, splits=5)[0] == pytest.approx(1.0)


def test_logits_and_bad_splits_are_rejected():
    with pytest.raises(ValueError, match="apply a softmax"):
        inception_score(np.random.default_rng(0).normal(size=(20, 10)))
    with pytest.raises(ValueError, match="splits=30"):
        inception_score(np.full((20, 2), 0.5), splits=30)
