import numpy as np
import pytest

from keras_gan.metrics import class_coverage, stacked_mnist_modes


def test_all_classes_evenly_covered():
    result = class_coverage(np.arange(100) % 10, num_classes=10)
    assert result["classes_covered"] == 10 and result["class_kl"] == pytest.approx(0.0)


def test_one_class_has_kl_log_num_classes():
    result = class_coverage(np.full(30, 4), num_classes=1000)
    assert result["classes_covered"] == 1
    assert result["class_kl"] == pytest.approx(np.log(1000))


def test_probabilities_are_argmaxed():
    probs = np.eye(5)[[0, 0, 2, 2]]
    result = class_coverage(probs, num_classes=5)
    assert result["classes_covered"] == 2 and result["class_counts"] == [2, 0, 2, 0, 0]
    assert result["class_kl"] == pytest.approx(np.log(5) - np.log(2))


def test_stacked_mnist_mode_ids():
    np.testing.assert_array_equal(
        stacked_mnist_modes([[1, 2, 3], [9, 9, 9], [0, 0, 7]]), [123, 999, 7]
    )


def test_out_of_range_ids_are_named():
    with pytest.raises(ValueError, match=r"\[0, 12\]"):
        class_coverage([0, 12], num_classes=10)
