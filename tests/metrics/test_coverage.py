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


def test_min_count_leaves_out_the_classes_of_a_few_misread_images():
    # 95 images of digits 0-4, and 5 misread as 5-9 (one each), as a 95%-accurate classifier does
    predictions = np.concatenate([np.arange(95) % 5, np.arange(5, 10)])
    assert class_coverage(predictions, num_classes=10)["classes_covered"] == 10
    assert class_coverage(predictions, num_classes=10, min_count=2)["classes_covered"] == 5
    # the histogram and its KL do not depend on it
    assert (
        class_coverage(predictions, 10, min_count=2)["class_kl"]
        == class_coverage(predictions, 10)["class_kl"]
    )


@pytest.mark.parametrize("min_count", [0, -1, 1.5, True, "2"])
def test_min_count_must_be_a_positive_int(min_count):
    with pytest.raises(ValueError, match=f"min_count={min_count!r}"):
        class_coverage([0, 1], num_classes=10, min_count=min_count)
