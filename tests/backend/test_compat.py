"""The private Keras APIs keras_gan uses are where `keras_gan/backend/compat.py` says."""

import importlib

import keras
import pytest

from keras_gan.backend import compat


@pytest.mark.parametrize("name", sorted(compat.PRIVATE_SYMBOLS))
def test_every_private_keras_symbol_is_still_there(name):
    module_name, attribute = compat.PRIVATE_SYMBOLS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        pytest.fail(
            f"Keras {keras.__version__} moved the module of `{module_name}.{attribute}` "
            f"(keras_gan.backend.compat.{name}; tested with {compat.TESTED_KERAS})"
        )
    assert hasattr(module, attribute), (
        f"Keras {keras.__version__} has no `{module_name}.{attribute}` "
        f"(keras_gan.backend.compat.{name}; tested with {compat.TESTED_KERAS})"
    )
    assert getattr(compat, name) is getattr(module, attribute)


def test_a_moved_symbol_is_an_error_that_names_it(monkeypatch):
    monkeypatch.setitem(compat.PRIVATE_SYMBOLS, "gone", ("keras.src.no_such_module", "thing"))
    with pytest.raises(ImportError, match=r"keras\.src\.no_such_module\.thing.*Keras 3\."):
        compat.private_symbol("gone")


def test_no_other_module_imports_private_keras():
    import pathlib

    package = pathlib.Path(compat.__file__).parents[1]
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "compat.py" and "keras.src" in path.read_text().replace("`keras.src`", "")
    ]
    assert offenders == []


def test_adams_moments_are_where_the_unrolled_gan_reads_them():
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    adam = keras.optimizers.Adam(0.1)
    adam.build(dense.trainable_variables)
    adam.apply([keras.ops.ones((3, 2)), keras.ops.ones((2,))], dense.trainable_variables)
    momentums, velocities = compat.adam_moments(adam, dense.trainable_variables)
    # after one step on gradients of 1: m = (1 - beta_1), v = (1 - beta_2)
    assert keras.ops.convert_to_numpy(momentums[0]) == pytest.approx(0.1)
    assert keras.ops.convert_to_numpy(velocities[1]) == pytest.approx(0.001)
    sgd = keras.optimizers.SGD(0.1)
    sgd.build(dense.trainable_variables)
    with pytest.raises(ValueError, match="Expected a built keras.optimizers.Adam.*SGD"):
        compat.adam_moments(sgd, dense.trainable_variables)


def test_all_layers_finds_the_layers_inside_a_custom_layer():
    from keras_gan.networks.biggan import LinearConditionalBatchNormalization

    features, conditioning = keras.Input((4, 4, 3)), keras.Input((5,))
    normalization = LinearConditionalBatchNormalization(name="ccbn")
    network = keras.Model([features, conditioning], normalization([features, conditioning]))
    layers = compat.all_layers(network)
    assert layers[0] is network
    assert normalization in layers and normalization.normalization in layers
    assert len({id(layer) for layer in layers}) == len(layers)  # each once


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="a TensorFlow-only helper")
def test_the_replaced_tensorflow_moments_are_keras_gans():
    from keras_gan.backend import tensorflow as tensorflow_backend

    module_name, attribute = compat.REPLACED_SYMBOLS["tensorflow_moments"]
    assert getattr(importlib.import_module(module_name), attribute) is tensorflow_backend._moments
    # the same values as tf.nn.moments, kept dimensions or not
    import tensorflow as tf

    x = tf.random.normal((5, 4, 3), seed=0)
    for keepdims in (True, False):
        ours = tensorflow_backend._moments(x, [0, 1], keepdims)
        theirs = tf.nn.moments(x, [0, 1], keepdims=keepdims)
        for a, b in zip(ours, theirs):
            assert a.shape == b.shape
            tf.debugging.assert_near(a, b, atol=1e-6)
