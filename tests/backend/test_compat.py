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


#: Private attributes of Keras objects that compat.py reads for the rest of the package.
PRIVATE_ATTRIBUTES = (
    "_flatten_layers",
    "_seed_generators",
    "_trainable_variables",
    "_non_trainable_variables",
    "_keras_history",
    "_momentums",
    "_velocities",
)


def test_no_other_module_reads_the_private_attributes_compat_wraps():
    import pathlib
    import re

    package = pathlib.Path(compat.__file__).parents[1]
    # as a whole word: `layer._seed_generators` and `getattr(layer, "_seed_generators")` alike
    offenders = [
        f"{path.relative_to(package)}: {name}"
        for path in package.rglob("*.py")
        if path.parent.name != "backend"
        for name in PRIVATE_ATTRIBUTES
        if re.search(rf"\b{name}\b", path.read_text())
    ]
    assert offenders == []


def test_seed_states_and_own_variables_are_what_a_checkpoint_saves():
    class Noisy(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.generator = keras.random.SeedGenerator(7)
            self.scale = self.add_weight(shape=(), initializer="ones", trainable=True)
            self.count = self.add_weight(shape=(), initializer="zeros", trainable=False)

    inner, shared = Noisy(name="inner"), keras.random.SeedGenerator(3)

    class Outer(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner
            self.generator = shared
            self.again = shared  # held twice, reported once

    outer = Outer()
    states = compat.seed_states(outer)
    assert [id(s) for s in states] == [id(shared.state), id(inner.generator.state)]
    # a layer's own variables, trainable first, in the order save_own_variables numbers them
    assert [id(v) for v in compat.own_variables(inner)] == [id(inner.scale), id(inner.count)]
    assert compat.own_variables(outer) == []  # its sublayer's variables are not its own


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


def test_a_renamed_private_attribute_is_an_error_that_names_it_and_the_tested_keras(monkeypatch):
    class Renamed:  # a layer from a Keras release without the private attributes compat reads
        name = "renamed"

    tested = rf"tested with Keras {compat.TESTED_KERAS[0]}"
    with pytest.raises(ImportError, match=rf"`Layer._flatten_layers`.*Renamed.*{tested}"):
        compat.all_layers(Renamed())
    with pytest.raises(ImportError, match=rf"`Layer._trainable_variables`.*{tested}"):
        compat.own_variables(Renamed())
    monkeypatch.setattr(compat, "all_layers", lambda network: [Renamed()])
    with pytest.raises(ImportError, match=rf"`Layer._seed_generators`.*Renamed.*{tested}"):
        compat.seed_states(Renamed())


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


def test_a_float16_convolution_with_one_output_channel_has_its_kernel_gradient():
    # PyTorch's float16 CPU convolution refused this kernel's gradient ("slow_conv2d:
    # grad_weight must be contiguous") until keras_gan.backend.torch replaced Keras' helper.
    import numpy as np

    from keras_gan import backend

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 6, 4)).astype("float16")
    kernel = rng.normal(size=(3, 3, 4, 1)).astype("float16")

    def summed_convolution(tensors):
        outputs = keras.ops.conv(keras.ops.convert_to_tensor(x), tensors[0], padding="same")
        return keras.ops.sum(keras.ops.cast(outputs, "float32"))

    (gradient,) = backend.tensor_gradients(
        summed_convolution, [keras.ops.convert_to_tensor(kernel)]
    )
    # d sum(conv) / d kernel[i, j, c] = the sum of the zero-padded input over the window (i, j)
    padded = np.pad(x.astype("float64"), ((0, 0), (1, 1), (1, 1), (0, 0)))
    expected = np.array(
        [
            [padded[:, i : i + 6, j : j + 6, :].sum(axis=(0, 1, 2)) for j in range(3)]
            for i in range(3)
        ]
    )[..., None]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(keras.ops.cast(gradient, "float32")),
        expected,
        rtol=2e-3,
        atol=2e-2,
    )
    if keras.backend.backend() == "torch":
        from keras_gan.backend import torch as torch_backend

        module_name, attribute = compat.REPLACED_SYMBOLS["torch_channels_last"]
        assert (
            getattr(importlib.import_module(module_name), attribute) is torch_backend._channels_last
        )
