import keras
import numpy as np
import pytest

from keras_gan import metrics
from keras_gan.metrics import features as features_module


def _feature_model(dim=6, classes=None):
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(inputs)
    feats = keras.layers.Dense(dim, kernel_initializer=keras.initializers.RandomNormal(seed=0))(x)
    if classes is None:
        return keras.Model(inputs, feats, name="toy")
    return keras.Model(
        inputs, [feats, keras.layers.Dense(classes, activation="softmax")(feats)], name="toy"
    )


def test_unknown_feature_network_lists_the_accepted_ones():
    with pytest.raises(
        ValueError,
        match=r"'inception_v3'.*'classifier:stacked_mnist'.*Received: feature_network='resnet'",
    ):
        metrics.get_feature_network("resnet")
    with pytest.raises(ValueError, match="classifier:cifar10"):
        metrics.get_feature_network("classifier:cifar10")


def test_streamed_moments_equal_the_moments_of_all_features(synthetic_digits):
    model = _feature_model()
    images, _ = synthetic_digits(75)
    out = metrics.extract_features(model, images, batch_size=20, max_samples=30)
    full = np.asarray(model.predict_on_batch(images), np.float64)
    assert out.count == 75 and out.features.shape == (30, 6) and out.probs is None
    np.testing.assert_allclose(out.features, full[:30], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out.moments.mean, full.mean(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        out.moments.covariance, np.cov(full, rowvar=False), rtol=1e-4, atol=1e-5
    )


def test_a_user_model_with_two_outputs_gives_probabilities(synthetic_digits):
    network = metrics.get_feature_network(_feature_model(classes=4))
    assert network.num_classes == 4 and network.name == "keras.Model:toy"
    out = metrics.extract_features(network, synthetic_digits(10)[0], batch_size=4)
    assert out.probs.shape == (10, 4)


@pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="on JAX, initialising InceptionV3's random weights compiles one XLA kernel per weight "
    "shape: 20 s to minutes on 2 shared CPU cores; the code is backend-neutral keras, checked on "
    "TensorFlow and torch",
)
def test_inception_v3_shapes_and_protocol_with_random_weights(synthetic_digits):
    # Random weights at the smallest size InceptionV3 takes: shapes and protocol only.
    network = metrics.inception_v3(weights=None, image_size=75)
    model = network.model((28, 28, 1))  # grayscale 28x28, repeated and resized
    assert [tuple(t.shape) for t in model.outputs] == [(None, 2048), (None, 1000)]
    assert network.num_classes == 1000
    assert "resized bilinearly to 75x75" in network.protocol
    assert "grayscale repeated to 3 channels" in network.protocol
    # Called eagerly: shapes only, no need to compile the network.
    features, probs = (keras.ops.convert_to_numpy(t) for t in model(synthetic_digits(2)[0]))
    assert features.shape == (2, 2048) and probs.shape == (2, 1000)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-4)


def test_missing_inception_weights_say_what_to_do(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("URL fetch failure: Name or service not known")

    monkeypatch.setattr(features_module.keras.utils, "get_file", offline)
    with pytest.raises(
        RuntimeError, match=r"Could not download .*~/.keras/models/.*classifier:mnist"
    ):
        metrics.inception_v3()
