import json
import os

import numpy as np
import pytest

from keras_gan import metrics
from keras_gan.metrics import classifier


def test_training_caches_the_model_and_its_accuracy(mnist_cache):
    model_path, record_path = classifier.cache_paths("mnist", mnist_cache)
    assert model_path.exists()
    record = json.loads(record_path.read_text())
    assert record["dataset"] == "mnist" and record["test_examples"] == 100
    assert 0.0 <= record["test_accuracy"] <= 1.0


def test_second_call_loads_without_retraining(mnist_cache, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("retrained although cached")

    monkeypatch.setattr(classifier, "train_classifier", no_training)
    monkeypatch.setenv(classifier.ENV_CACHE_DIR, str(mnist_cache))
    model, record = classifier.load_classifier("mnist")
    assert model.get_layer("features").units == 128
    with pytest.raises(FileNotFoundError, match="--dataset fashion_mnist"):
        classifier.load_classifier("fashion_mnist", train_if_missing=False)


def test_stacked_mnist_mode_is_100r_10g_b(mnist_cache, synthetic_digits):
    mnist = metrics.classifier_network("mnist", cache_dir=mnist_cache)
    stacked = metrics.classifier_network("stacked_mnist", cache_dir=mnist_cache)
    channels = [synthetic_digits(6, seed=s)[0] for s in (1, 2, 3)]
    features, probs = stacked(np.concatenate(channels, axis=-1))
    per_channel = [mnist(c) for c in channels]
    digits = np.stack([p.argmax(axis=1) for _, p in per_channel], axis=1)
    assert probs.shape == (6, 1000) and features.shape == (6, 384)
    np.testing.assert_array_equal(probs.argmax(axis=1), metrics.stacked_mnist_modes(digits))
    np.testing.assert_allclose(features[:, 128:256], per_channel[1][0], rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match=r"takes images of shape \(28, 28, 3\)"):
        stacked(channels[0])


def test_evaluate_reports_every_metric_with_its_protocol(
    mnist_cache, monkeypatch, synthetic_digits
):
    monkeypatch.setenv(classifier.ENV_CACHE_DIR, str(mnist_cache))
    real, _ = synthetic_digits(160, seed=4)
    fake, _ = synthetic_digits(160, seed=5)
    results = metrics.evaluate(
        lambda n: fake[:n], real, feature_network="classifier:mnist", num_samples=150, batch_size=50
    )
    assert results["feature_network"] == "classifier:mnist"
    assert "test accuracy" in results["protocol"] and "classifier_test_accuracy" in results
    assert results["num_real"] == 150 and results["num_generated"] == 150
    for key in (
        "fid",
        "kid",
        "precision",
        "recall",
        "density",
        "coverage",
        "inception_score",
        "class_kl",
    ):
        assert np.isfinite(results[key]), key
    assert 1 <= results["classes_covered"] <= 10 and results["num_classes"] == 10
    with pytest.raises(ValueError, match=r"same shape as the real images, \(28, 28, 1\)"):
        metrics.evaluate(np.zeros((8, 32, 32, 1)), real, feature_network=_toy(), num_samples=8)


def test_evaluate_rejects_metrics_a_network_cannot_compute():
    with pytest.raises(ValueError, match="need class probabilities"):
        metrics.evaluate(
            np.zeros((8, 28, 28, 1)), np.zeros((8, 28, 28, 1)), _toy(), metrics=["inception_score"]
        )
    with pytest.raises(ValueError, match="Unknown metrics.*Accepted"):
        metrics.evaluate(
            np.zeros((8, 28, 28, 1)), np.zeros((8, 28, 28, 1)), _toy(), metrics=["lpips"]
        )


def _toy():
    import keras

    return keras.Sequential([keras.Input((None, None, 1)), keras.layers.GlobalAveragePooling2D()])


@pytest.mark.skipif(
    not os.environ.get("KERAS_GAN_DATA_DIR"), reason="real MNIST needs KERAS_GAN_DATA_DIR"
)
def test_cached_mnist_classifier_reaches_99_percent():
    model_path, record_path = classifier.cache_paths("mnist")
    if not record_path.exists():
        pytest.skip(
            f"no cached MNIST classifier at {model_path}; run python -m keras_gan.metrics.classifier"
        )
    assert json.loads(record_path.read_text())["test_accuracy"] >= 0.99


def test_digits_has_a_held_out_split_for_the_classifier():
    # scikit-learn's digits come as one split; the classifier holds out its last 20%.
    train_x, train_y = classifier._data("digits", "train", batch_size=64)
    test_x, test_y = classifier._data("digits", "test", batch_size=64)
    assert len(train_x) + len(test_x) == 1797 and len(test_x) == 360
    assert train_x.shape[1:] == (8, 8, 1) and set(np.unique(test_y)) == set(range(10))


def test_first_use_is_announced_with_an_estimate_and_no_progress_bar(
    tmp_path, capsys, synthetic_digits
):
    images, labels = synthetic_digits(64, seed=0)
    data = dict(train_data=(images, labels), test_data=(images[:16], labels[:16]))
    classifier.load_classifier("mnist", cache_dir=tmp_path, epochs=1, batch_size=32, **data)
    captured = capsys.readouterr()  # stdout is not a terminal here
    assert "first use of the 'mnist' classifier" in captured.err
    assert f"Cached at {tmp_path / 'classifier_mnist.keras'}" in captured.err
    assert "on a 2-core CPU" in captured.err and "1 epoch over 60,000" in captured.err
    # one plain line for the epoch (2 steps of 32), no bar
    assert captured.out.startswith("2/2 - ") and len(captured.out.splitlines()) == 1
    assert "\x1b[" not in captured.out and "━" not in captured.out
    classifier.load_classifier("mnist", cache_dir=tmp_path)  # cached: loads without a word
    assert capsys.readouterr().err == ""


def test_training_estimate_scales_with_epochs():
    four = classifier.training_estimate("mnist", backend="jax")
    assert four > 60 and classifier.training_estimate("mnist", 8, "jax") == 2 * four
    assert classifier.training_estimate("cifar10") is None


def test_a_short_training_sets_the_batchnorm_statistics_from_the_training_images(
    tmp_path, synthetic_digits
):
    # 40 steps leave 0.99**40 = 67% of the moving averages' start (mean 0, variance 1): before
    # the statistics were recomputed, such a classifier was at chance at inference on MNIST
    train = synthetic_digits(1000, seed=0)
    model, record = classifier.train_classifier(
        "mnist", epochs=1, batch_size=25, cache_dir=tmp_path, train_data=train,
        test_data=synthetic_digits(200, seed=1), verbose=0,
    )  # fmt: skip
    assert record["batchnorm_statistics"] == "recomputed from 1000 training images after 40 steps"
    assert record["test_accuracy"] >= 0.95
    # the first layer's statistics are its input's population mean and variance, per channel
    import keras

    first = next(l for l in model.layers if isinstance(l, keras.layers.BatchNormalization))
    features = keras.ops.convert_to_numpy(keras.Model(model.input, first.input)(train[0]))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(first.moving_mean), features.mean(axis=(0, 1, 2)), atol=1e-5
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(first.moving_variance),
        features.astype("float64").var(axis=(0, 1, 2)),
        rtol=5e-3,  # the probe convolves in batches of 25, this check all 1,000 at once
    )
    # the cached copy reloads with them
    reloaded, _ = classifier.load_classifier("mnist", cache_dir=tmp_path, train_if_missing=False)
    np.testing.assert_allclose(
        reloaded.predict(train[0][:50], verbose=0), model.predict(train[0][:50], verbose=0),
        atol=1e-5,
    )  # fmt: skip


def test_the_statistics_rule_spares_the_default_trainings(mnist_cache):
    # the session's fixture trains 4 steps: recomputed; the digits classifier's default 900
    # steps (10 epochs of 90 batches) and MNIST's 1,876 keep their moving averages
    record = json.loads(classifier.cache_paths("mnist", mnist_cache)[1].read_text())
    assert record["batchnorm_statistics"] == "recomputed from 200 training images after 4 steps"
    assert 0.99**900 < classifier.STALE_STATISTICS < 0.99**500
