"""Tests of keras_gan.layers: run once per backend (KERAS_BACKEND=jax|tensorflow|torch)."""

import keras
import numpy as np
import pytest

from keras_gan.layers import Conv2DTranspose

# (batch, height, width, in channels, filters, use_bias): odd and even sizes, non-square
# inputs, one and several channels, with and without bias; the last is the DCGAN 28x28
# generator's output layer at a small batch.
SHAPES = [
    (2, 5, 5, 3, 4, True),
    (3, 6, 7, 1, 1, False),
    (1, 1, 1, 2, 3, True),
    (2, 4, 9, 16, 8, False),
    (2, 14, 14, 64, 1, True),
]
DCGAN = dict(kernel_size=4, strides=2, padding="same")


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _pair(filters, use_bias, input_shape, **kwargs):
    """Returns (keras_gan layer with phases, plain Keras layer) built with identical weights."""
    options = dict(DCGAN, **kwargs)
    ours = Conv2DTranspose(
        filters,
        use_bias=use_bias,
        implementation="phases",
        bias_initializer="random_normal",
        **options,
    )
    ours.build(input_shape)
    plain = keras.layers.Conv2DTranspose(filters, use_bias=use_bias, **options)
    plain.build(input_shape)
    plain.set_weights(ours.get_weights())
    return ours, plain


@pytest.mark.parametrize("batch,height,width,channels,filters,use_bias", SHAPES)
def test_phases_outputs_equal_native(batch, height, width, channels, filters, use_bias):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, height, width, channels)).astype("float32")
    ours, plain = _pair(filters, use_bias, x.shape)
    assert ours.uses_phases
    expected = _numpy(plain(x))
    assert expected.shape == (batch, 2 * height, 2 * width, filters)
    np.testing.assert_allclose(_numpy(ours(x)), expected, atol=1e-5, rtol=1e-5)


def _one_sgd_step(conv_transpose, x, target, seed):
    """Trains Conv2D(1x1) -> `conv_transpose` one SGD step on MSE; returns its new weights.

    The 1x1 convolution in front receives the transposed convolution's input gradient, so
    its update checks d loss / d input; the transposed convolution's update checks
    d loss / d kernel and d loss / d bias.
    """
    inputs = keras.Input(x.shape[1:])
    hidden = keras.layers.Conv2D(
        x.shape[-1],
        1,
        kernel_initializer=keras.initializers.RandomNormal(seed=seed),
        bias_initializer=keras.initializers.RandomNormal(seed=seed + 1),
    )(inputs)
    model = keras.Model(inputs, conv_transpose(hidden))
    # Same starting weights in both models: the transposed convolution's come from `seed` too.
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.weights])
    before = [_numpy(w) for w in model.weights]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss="mse")
    model.train_on_batch(x, target)
    # w1 = w0 - lr * g, lr = 1: the gradients themselves
    return [b - _numpy(w) for b, w in zip(before, model.weights)]


@pytest.mark.parametrize("batch,height,width,channels,filters,use_bias", SHAPES[:2] + SHAPES[3:4])
def test_phases_gradients_equal_native(batch, height, width, channels, filters, use_bias):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(batch, height, width, channels)).astype("float32")
    target = rng.normal(size=(batch, 2 * height, 2 * width, filters)).astype("float32")
    grads = {}
    for implementation in ("phases", "native"):
        layer = Conv2DTranspose(filters, use_bias=use_bias, implementation=implementation, **DCGAN)
        grads[implementation] = _one_sgd_step(layer, x, target, seed=3)
    # 1x1 kernel and bias (input gradient), then transposed kernel (and bias)
    assert len(grads["phases"]) == 3 + int(use_bias)
    for phases, native in zip(grads["phases"], grads["native"]):
        assert np.abs(native).max() > 0
        np.testing.assert_allclose(phases, native, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=3, strides=2, padding="same"),
        dict(kernel_size=4, strides=1, padding="same"),
        dict(kernel_size=4, strides=2, padding="valid"),
        dict(kernel_size=(4, 3), strides=2, padding="same"),
        dict(kernel_size=4, strides=2, padding="same", output_padding=1),
        dict(kernel_size=4, strides=2, padding="same", data_format="channels_first"),
    ],
)
def test_other_configurations_fall_back_to_native(kwargs):
    layer = Conv2DTranspose(3, implementation="phases", **kwargs)
    assert not layer.uses_phases
    shape = (2, 2, 5, 5) if kwargs.get("data_format") == "channels_first" else (2, 5, 5, 2)
    x = np.random.default_rng(2).normal(size=shape).astype("float32")
    layer.build(shape)
    plain = keras.layers.Conv2DTranspose(3, **kwargs)
    plain.build(shape)
    plain.set_weights(layer.get_weights())
    try:
        expected = _numpy(plain(x))
    except Exception as native_error:
        # TensorFlow's CPU kernel has no channels_first transposed convolution
        # ("Conv2DCustomBackpropInputOp only supports NHWC"). Falling back to the native op
        # means failing exactly as it does, not computing something else.
        with pytest.raises(type(native_error)):
            layer(x)
        return
    np.testing.assert_allclose(_numpy(layer(x)), expected, atol=1e-6)


def test_auto_picks_phases_on_jax_only_for_hidden_layers():
    layer = Conv2DTranspose(64, **DCGAN)
    assert layer.implementation == "auto"
    assert layer.uses_phases == (keras.backend.backend() == "jax")
    # Image output layers (1 or 3 channels) stay native: faster there on every backend.
    assert not Conv2DTranspose(1, **DCGAN).uses_phases
    assert not Conv2DTranspose(3, **DCGAN).uses_phases
    assert not Conv2DTranspose(2, implementation="native", **DCGAN).uses_phases


def test_invalid_implementation_raises():
    with pytest.raises(ValueError, match="Received: implementation='fast'"):
        Conv2DTranspose(2, implementation="fast", **DCGAN)


def test_config_round_trip():
    default = Conv2DTranspose(5, use_bias=False, name="up", **DCGAN)
    plain = keras.layers.Conv2DTranspose(5, use_bias=False, name="up", **DCGAN)
    # A default layer writes exactly the plain Keras config: plain Keras can rebuild it.
    assert default.get_config() == plain.get_config()
    assert keras.layers.Conv2DTranspose.from_config(default.get_config()).filters == 5
    for implementation in ("auto", "native", "phases"):
        layer = Conv2DTranspose(5, implementation=implementation, **DCGAN)
        clone = Conv2DTranspose.from_config(layer.get_config())
        assert clone.implementation == implementation
        assert clone.get_config() == layer.get_config()
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == "keras_gan>Conv2DTranspose"
    assert keras.saving.deserialize_keras_object(serialized).implementation == "phases"


def _model(layer_class, **kwargs):
    inputs = keras.Input((6, 6, 4))
    outputs = layer_class(3, name="up", **DCGAN, **kwargs)(inputs)
    return keras.Model(inputs, outputs)


def test_keras_file_round_trip_and_plain_keras_weights(tmp_path):
    model = _model(Conv2DTranspose, implementation="phases")
    x = np.random.default_rng(4).normal(size=(2, 6, 6, 4)).astype("float32")
    expected = _numpy(model(x))

    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer("up"), Conv2DTranspose)
    assert loaded.get_layer("up").implementation == "phases"
    np.testing.assert_allclose(_numpy(loaded(x)), expected, atol=1e-6)

    # Same variables, same layout: the weights load into plain Keras and give the same outputs.
    weights = str(tmp_path / "model.weights.h5")
    model.save_weights(weights)
    plain = _model(keras.layers.Conv2DTranspose)
    plain.load_weights(weights)
    assert plain.get_layer("up").kernel.shape == (4, 4, 3, 4)
    np.testing.assert_allclose(_numpy(plain(x)), expected, atol=1e-5)


def test_dcgan_generator_same_outputs_with_either_implementation():
    try:
        from keras_gan.networks.dcgan import dcgan_generator
    except ImportError as error:  # the networks package is written alongside this one
        pytest.skip(f"keras_gan.networks does not import yet: {error}")
    z = np.random.default_rng(5).normal(size=(3, 8)).astype("float32")
    outputs = {}
    for implementation in ("native", "phases"):
        # The 28x28 network, narrow and with a short z; the same seed gives the same weights.
        generator = dcgan_generator(latent_dim=8, base_filters=8, seed=0)
        layers = [layer for layer in generator.layers if isinstance(layer, Conv2DTranspose)]
        assert [layer.name for layer in layers] == ["up1", "up2"]
        for layer in layers:
            layer.implementation = implementation
        # predict: one compiled graph (on JAX, cheaper than op-by-op eager calls)
        outputs[implementation] = generator.predict(z, verbose=0)
    assert outputs["phases"].shape == (3, 28, 28, 1)
    np.testing.assert_allclose(outputs["phases"], outputs["native"], atol=1e-5)


def test_unknown_spatial_size_in_a_functional_model():
    # Symbolic inputs of unknown size take the native op; concrete ones the phases.
    inputs = keras.Input((None, None, 3))
    layer = Conv2DTranspose(2, implementation="phases", **DCGAN)
    model = keras.Model(inputs, layer(inputs))
    assert model.output_shape == (None, None, None, 2)
    x = np.random.default_rng(6).normal(size=(2, 5, 3, 3)).astype("float32")
    plain = keras.layers.Conv2DTranspose(2, **DCGAN)
    plain.build(x.shape)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(_numpy(model.predict(x, verbose=0)), _numpy(plain(x)), atol=1e-5)


# -- Improved GAN's layers -------------------------------------------------------------------------


def test_minibatch_discrimination_against_its_definition():
    from keras_gan.layers import MinibatchDiscrimination

    rng = np.random.default_rng(0)
    features = rng.normal(size=(4, 3)).astype("float32")
    layer = MinibatchDiscrimination(num_kernels=2, kernel_dim=5)
    layer.build(features.shape)
    kernel = rng.normal(size=(3, 10)).astype("float32")
    layer.kernel.assign(kernel)
    outputs = _numpy(layer(features))
    # M_i = f(x_i) T, o(x_i)_b = sum_j exp(-||M_ib - M_jb||_1), j over the whole batch
    rows = (features @ kernel).reshape(4, 2, 5)
    expected = np.zeros((4, 2))
    for i in range(4):
        for j in range(4):
            expected[i] += np.exp(-np.abs(rows[i] - rows[j]).sum(axis=-1))
    np.testing.assert_allclose(outputs[:, :3], features)
    np.testing.assert_allclose(outputs[:, 3:], expected, rtol=1e-5)
    # A collapsed batch: every sample equals every other, so each kernel sums n ones
    same = np.repeat(features[:1], 4, axis=0)
    np.testing.assert_allclose(_numpy(layer(same))[:, 3:], 4.0, rtol=1e-6)


def test_minibatch_discrimination_refuses_bad_sizes():
    from keras_gan.layers import MinibatchDiscrimination

    with pytest.raises(ValueError, match="num_kernels=0"):
        MinibatchDiscrimination(num_kernels=0)
    with pytest.raises(ValueError, match=r"flat features \(batch, A\)"):
        MinibatchDiscrimination()(np.zeros((2, 4, 4, 1), "float32"))


@pytest.mark.parametrize("shape", [(5, 3), (5, 2, 3, 4)])
def test_virtual_batch_normalization_against_its_definition(shape):
    from keras_gan.layers import VirtualBatchNormalization

    rng = np.random.default_rng(1)
    inputs = rng.normal(loc=2.0, scale=3.0, size=shape).astype("float32")
    n = 3  # the first 3 rows are the reference batch
    layer = VirtualBatchNormalization(reference_size=n, epsilon=1e-5)
    layer.build(inputs.shape)
    channels = shape[-1]
    gamma = rng.normal(size=(channels,)).astype("float32")
    beta = rng.normal(size=(channels,)).astype("float32")
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    outputs = _numpy(layer(inputs))

    flat = inputs.reshape(shape[0], -1, channels)  # (batch, positions, C)
    reference_mean = flat[:n].mean(axis=(0, 1))
    reference_square = (flat[:n] ** 2).mean(axis=(0, 1))
    expected = np.empty_like(flat)
    for i in range(shape[0]):
        if i < n:
            mean, square = reference_mean, reference_square
        else:  # (x_bar + sum_k r_bar_k) / (N + 1)
            mean = (flat[i].mean(axis=0) + n * reference_mean) / (n + 1)
            square = ((flat[i] ** 2).mean(axis=0) + n * reference_square) / (n + 1)
        expected[i] = gamma * (flat[i] - mean) / np.sqrt(square - mean**2 + 1e-5) + beta
    np.testing.assert_allclose(outputs, expected.reshape(shape), rtol=1e-4, atol=1e-5)
    # A sample's output does not depend on the other non-reference samples of its batch
    alone = _numpy(layer(inputs[[0, 1, 2, 4]]))
    np.testing.assert_allclose(alone[3], outputs[4], rtol=1e-5, atol=1e-6)


def test_virtual_batch_normalization_refuses_a_bad_reference_size():
    from keras_gan.layers import VirtualBatchNormalization

    with pytest.raises(ValueError, match="reference_size=0"):
        VirtualBatchNormalization(reference_size=0)


def test_weight_norm_dense_against_its_definition_and_its_initialisation():
    from keras_gan.layers import WeightNormDense

    rng = np.random.default_rng(2)
    inputs = rng.normal(size=(64, 4)).astype("float32")
    layer = WeightNormDense(3, activation="relu", train_scale=False)
    layer.build(inputs.shape)
    kernel = rng.normal(size=(4, 3)).astype("float32")
    g = np.array([0.5, 2.0, 1.0], "float32")
    bias = np.array([0.1, -0.2, 0.0], "float32")
    layer.kernel.assign(kernel)
    layer.g.assign(g)
    layer.bias.assign(bias)
    # y = relu(g x V / ||V_:,k|| + b)
    expected = np.maximum(g * (inputs @ kernel) / np.linalg.norm(kernel, axis=0) + bias, 0.0)
    np.testing.assert_allclose(_numpy(layer(inputs)), expected, rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]  # g fixed

    layer.initialize_from(inputs)
    pre = _numpy(layer.preactivation(inputs))
    np.testing.assert_allclose(pre.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(pre.std(axis=0), 1.0, rtol=1e-4)


def test_improved_gan_layers_save_and_reload(tmp_path):
    from keras_gan.layers import MinibatchDiscrimination, VirtualBatchNormalization, WeightNormDense

    inputs = keras.Input((6,))
    x = WeightNormDense(8, activation="relu", train_scale=False)(inputs)
    x = VirtualBatchNormalization(reference_size=2)(x)
    outputs = MinibatchDiscrimination(num_kernels=3, kernel_dim=2)(x)
    model = keras.Model(inputs, outputs)
    batch = np.random.default_rng(3).normal(size=(5, 6)).astype("float32")
    before = _numpy(model(batch))
    model.save(tmp_path / "layers.keras")
    reloaded = keras.saving.load_model(tmp_path / "layers.keras")
    np.testing.assert_allclose(_numpy(reloaded(batch)), before, rtol=1e-6)
    assert reloaded.output_shape == (None, 11)


def _modulated_reference(x, styles, kernel, demodulate):
    """Each sample convolved ("same", stride 1) with its own modulated kernel, in NumPy."""
    b, h, w, _ = x.shape
    k, _, _, filters = kernel.shape
    pad = k // 2
    padded = np.pad(x, ((0, 0), (pad, k - 1 - pad), (pad, k - 1 - pad), (0, 0)))
    out = np.zeros((b, h, w, filters))
    for n in range(b):
        modulated = kernel * styles[n][None, None, :, None]  # w'_ijk = s_i w_ijk
        if demodulate:  # w''_ijk = w'_ijk / sqrt(sum_ik w'^2 + eps)
            modulated = modulated / np.sqrt(np.sum(modulated**2, axis=(0, 1, 2)) + 1e-8)
        for i in range(h):
            for j in range(w):
                patch = padded[n, i : i + k, j : j + k, :]
                out[n, i, j] = np.tensordot(patch, modulated, axes=([0, 1, 2], [0, 1, 2]))
    return out


@pytest.mark.parametrize("demodulate", [True, False])
@pytest.mark.parametrize("kernel_size", [3, 1])
def test_modulated_convolution_equals_a_per_sample_convolution(demodulate, kernel_size):
    from keras_gan.layers import ModulatedConv2D

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 4, 2)).astype("float32")
    styles = rng.normal(1.0, 0.5, size=(3, 2)).astype("float32")
    layer = ModulatedConv2D(4, kernel_size=kernel_size, demodulate=demodulate, seed=1)
    got = _numpy(layer([x, styles]))
    kernel = _numpy(layer.kernel).astype("float64") / np.sqrt(kernel_size**2 * 2)  # equalised
    expected = _modulated_reference(
        x.astype("float64"), styles.astype("float64"), kernel, demodulate
    )
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_demodulation_gives_unit_variance_outputs_whatever_the_style():
    from keras_gan.layers import ModulatedConv2D

    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 16, 16, 32)).astype("float32")  # unit-variance inputs
    styles = np.exp(rng.normal(0.0, 1.5, size=(4, 32))).astype("float32")  # scales 0.05 to 20
    layer = ModulatedConv2D(16, seed=2)
    std = _numpy(layer([x, styles]))[:, 2:-2, 2:-2].std(axis=(1, 2))  # away from the padding
    # the paper's claim is in expectation: on average 1, each map near it (a few inputs with
    # large styles dominate some maps, so those vary more from draw to draw)
    assert abs(std.mean() - 1.0) < 0.05, std.mean()
    assert np.all((std > 0.6) & (std < 1.4)), std
    loud = _numpy(ModulatedConv2D(16, demodulate=False, seed=2)([x, styles]))
    assert loud.std() > 3.0  # without demodulation the styles' scale reaches the output


def test_modulated_convolution_refuses_styles_of_the_wrong_size_and_reloads(tmp_path):
    from keras_gan.layers import ModulatedConv2D

    with pytest.raises(ValueError, match=r"one style per input channel.*styles \(None, 3\)"):
        features = keras.Input((8, 8, 2))
        ModulatedConv2D(4)([features, keras.Input((3,))])
    with pytest.raises(ValueError, match="`filters` must be a positive integer"):
        ModulatedConv2D(0)
    features, styles = keras.Input((6, 6, 2)), keras.Input((2,))
    model = keras.Model([features, styles], ModulatedConv2D(3, seed=0)([features, styles]))
    path = str(tmp_path / "modulated.keras")
    model.save(path)
    data = [np.ones((2, 6, 6, 2), "float32"), np.full((2, 2), 0.5, "float32")]
    np.testing.assert_allclose(
        _numpy(keras.saving.load_model(path)(data)), _numpy(model(data)), rtol=1e-6
    )


def test_equalized_dense_learning_rate_multiplier():
    from keras_gan.layers import EqualizedDense

    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 64)).astype("float32")
    slow = EqualizedDense(32, lr_multiplier=0.01, bias_initializer=1.0, seed=3)
    y = _numpy(slow(x))
    kernel, bias = _numpy(slow.kernel), _numpy(slow.bias)
    # stored N(0, 1/lambda^2), used as lambda c W: the same output scale as lambda = 1
    assert 80 < kernel.std() < 120
    np.testing.assert_allclose(bias, 100.0)  # the effective bias lambda b starts at 1
    expected = x @ (kernel * 0.01 * np.sqrt(2.0) / 8.0) + 0.01 * bias
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="lr_multiplier=0"):
        EqualizedDense(4, lr_multiplier=0)
