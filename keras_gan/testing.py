"""A small harness for variant tests: each variant's test file states only what is special.

Every check runs on the backend the test process was started with (`KERAS_BACKEND`), so the
suite runs once per backend.
"""

import contextlib
import json
import os

import keras
import numpy as np


def random_images(shape=(16, 16, 1), num=32, seed=0):
    """Uniform images in [-1, 1], float32, `(num, *shape)`."""
    return np.random.default_rng(seed).uniform(-1.0, 1.0, (num, *shape)).astype("float32")


def snapshot(variables):
    """numpy copies of a list of variables' values."""
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]


def changed(before, variables):
    """How many of `variables` differ from the `before` snapshot."""
    return sum(not np.allclose(b, a) for b, a in zip(before, snapshot(variables)))


def record_latents(model):
    """Makes `model.sample_latent` keep every latent batch it draws, as a NumPy array.

    For tests that recompute a step by hand: run the step eagerly (`run_eagerly=True`), then
    read the noise each update used from the returned list, in the order it was drawn.

    Returns:
        The list the latents are appended to.
    """
    drawn, sample_latent = [], model.sample_latent

    def recording(*args, **kwargs):
        latents = sample_latent(*args, **kwargs)
        drawn.append(np.asarray(keras.ops.convert_to_numpy(latents)))
        return latents

    model.sample_latent = recording
    return drawn


def check_fit(model, data, steps=2, batch_size=None, networks=("generator", "discriminator")):
    """Fits `steps` steps and checks what every variant must do.

    Checks: every log is finite; every network's trainable weights all change (each network
    was updated); BatchNorm moving statistics move; the model's step counter equals `steps`.

    Args:
        model: a compiled `AdversarialModel`.
        data: numpy array / tuple of arrays (then `batch_size` is used) or a `tf.data.Dataset`
            with at least `steps` batches.
        steps: int, training steps. Defaults to 2.
        batch_size: int, for array data.
        networks: attribute names of the networks that must be updated.

    Returns:
        The `History` of the fit.
    """
    trainable = {name: getattr(model, name).trainable_variables for name in networks}
    before = {name: snapshot(v) for name, v in trainable.items()}
    moving = [v for v in model.non_trainable_variables if "moving" in v.path]
    moving_before = snapshot(moving)
    history = model.fit(data, batch_size=batch_size, epochs=1, steps_per_epoch=steps, verbose=0)
    for name, values in history.history.items():
        assert np.all(np.isfinite(values)), f"log {name} is not finite: {values}"
    for name, variables in trainable.items():
        count = changed(before[name], variables)
        assert count == len(variables), (
            f"only {count} of {len(variables)} trainable variables of the {name} changed"
        )
    if moving:
        assert changed(moving_before, moving) > 0, "BatchNorm moving statistics did not move"
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == steps
    return history


def check_save_load(model, directory, sample_inputs):
    """Saves `model` as `.keras`, reloads it, and checks it is the same model.

    Checks: the generator gives the same outputs (each of them) for the same inputs (1e-5); every optimizer's
    iteration count and every optimizer variable come back; the step counter comes back.

    Args:
        model: a compiled, trained `AdversarialModel`.
        directory: folder to write the file in.
        sample_inputs: what `model.generator` takes (latents, or `[latents, labels]`).

    Returns:
        The reloaded model.
    """
    path = os.path.join(directory, "model.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    # every output of the generator (U-GAT-IT's also returns its CAM logits and heatmap)
    expected = keras.tree.flatten(model.generator(sample_inputs, training=False))
    actual = keras.tree.flatten(restored.generator(sample_inputs, training=False))
    assert len(actual) == len(expected)
    for a, b in zip(actual, expected):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b), atol=1e-5
        )
    for name in model.optimizer_targets:
        original, loaded = getattr(model, name), getattr(restored, name)
        assert type(original) is type(loaded), name
        for a, b in zip(snapshot(original.variables), snapshot(loaded.variables)):
            np.testing.assert_allclose(b, a, atol=1e-7, err_msg=f"{name} state not restored")
    np.testing.assert_array_equal(
        snapshot([restored.optimizer.iterations]), snapshot([model.optimizer.iterations])
    )
    return restored


# -- Cross-backend parity -------------------------------------------------------------------------
#
# Each backend has its own random number generator, so the same seed gives different latents on
# TensorFlow, JAX and PyTorch. For parity tests, `portable_random()` replaces keras.random's
# normal/uniform/randint by draws from an integer hash of (seed state, element index), computed
# with keras.ops in int32 (wrapping multiplication and arithmetic shifts behave the same on every
# backend), so a model's random stream is identical everywhere.

_MASK24 = 0xFFFFFF


def _hash_bits(count, seed):
    """`count` pseudo-random 24-bit integers (int32) from a SeedGenerator or int seed."""
    from keras import ops

    if hasattr(seed, "next"):
        state = ops.cast(seed.next(), "int32")
    else:
        state = ops.convert_to_tensor([int(seed or 0), 0], dtype="int32")
    index = ops.arange(count, dtype="int32")
    h = index * 668265261 + state[0] * 374761393 + state[1] * 1013904242
    for multiplier, shift in ((739982445, 15), (695872825, 12), (1, 15)):
        h = ops.bitwise_xor(h, ops.right_shift(h, shift)) * multiplier
    return ops.bitwise_and(ops.right_shift(h, 4), _MASK24)


def _portable_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    from keras import ops

    count = int(np.prod(shape))
    # (bits + 0.5) / 2^24 lies in (0, 1), exactly representable in float32
    unit = (ops.cast(_hash_bits(count, seed), "float32") + 0.5) / float(1 << 24)
    values = minval + (maxval - minval) * unit
    return ops.cast(ops.reshape(values, shape), dtype or "float32")


def _portable_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    from keras import ops

    count = int(np.prod(shape))
    unit = _portable_uniform((2, count), seed=seed)
    # Box-Muller: sqrt(-2 log u1) cos(2 pi u2) ~ N(0, 1)
    values = ops.sqrt(-2.0 * ops.log(unit[0])) * ops.cos(2.0 * np.pi * unit[1])
    return ops.cast(ops.reshape(mean + stddev * values, shape), dtype or "float32")


def _portable_randint(shape, minval, maxval, dtype="int32", seed=None):
    from keras import ops

    unit = _portable_uniform(shape, seed=seed)
    values = ops.floor(minval + (maxval - minval) * unit)
    return ops.cast(ops.minimum(values, maxval - 1), dtype)


@contextlib.contextmanager
def portable_random():
    """Makes `keras.random.normal/uniform/randint` give the same values on every backend.

    Only for tests: the draws come from a simple integer hash, not a statistically strong
    generator. Dropout layers draw through Keras' backend directly and are not covered.
    """
    names = {"normal": _portable_normal, "uniform": _portable_uniform, "randint": _portable_randint}
    originals = {name: getattr(keras.random, name) for name in names}
    try:
        for name, function in names.items():
            setattr(keras.random, name, function)
        yield
    finally:
        for name, function in originals.items():
            setattr(keras.random, name, function)


def _every_layer(layer):
    yield layer
    for inner in getattr(layer, "layers", ()):
        yield from _every_layer(inner)


def set_deterministic_weights(model, seed=0):
    """Sets every network weight of `model` from numpy, the same on every backend.

    Kernels and embeddings get N(0, 0.05) values, except those of layers with the equalised
    learning rate (ProGAN) and of modulated convolutions (StyleGAN), whose N(0, 1) weights are
    scaled at run time: N(0, 1). BatchNorm
    scales get 1 + N(0, 0.02), biases and shifts small values, moving means 0 and variances 1;
    ProGAN's level of detail, which the step sets, and StyleGAN's noise switches and truncation
    psi are left as they are. Weights are enumerated per
    network in creation order, so the assignment does not depend on auto-generated layer names.
    """
    from keras_gan.layers import EqualizedConv2D, EqualizedDense, ModulatedConv2D

    for offset, name in enumerate(model.network_names):
        network = getattr(model, name)
        unit_normal = {
            id(layer.kernel)
            for layer in _every_layer(network)
            if isinstance(layer, (EqualizedConv2D, EqualizedDense, ModulatedConv2D))
        }
        for index, variable in enumerate(network.weights):
            rng = np.random.default_rng([seed, offset, index])
            shape, kind = tuple(variable.shape), variable.name
            if kind in ("level_of_detail", "enabled", "psi"):  # settings, not weights
                continue
            if id(variable) in unit_normal:
                value = rng.normal(0.0, 1.0, shape)
            elif kind == "moving_variance":
                value = np.ones(shape)
            elif kind == "moving_mean":
                value = np.zeros(shape)
            elif kind == "gamma":
                value = 1.0 + rng.normal(0.0, 0.02, shape)
            elif kind in ("bias", "beta"):
                value = rng.normal(0.0, 0.01, shape)
            else:
                value = rng.normal(0.0, 0.05, shape)
            variable.assign(value.astype(variable.dtype))


def step_logs(model, data, steps=3):
    """The logs of each of the first `steps` training steps on `data` (one batch, reused).

    Args:
        model: a compiled `AdversarialModel`.
        data: one batch (array or tuple of arrays).
        steps: int. Defaults to 3.

    Returns:
        list of dicts of floats, one per step (per-step values, not running means).
    """
    logs = []
    for _ in range(steps):
        model.reset_metrics()
        step = model.train_on_batch(data, return_dict=True)
        logs.append({k: float(keras.ops.convert_to_numpy(v)) for k, v in step.items()})
    return logs


def check_parity(name, logs, fixture_dir, rtol=1e-4, atol=1e-6):
    """Compares per-step logs with the reference in `fixture_dir/<name>.json`.

    The reference holds the values of an independent run (another backend, or a plain
    PyTorch implementation). Set `KERAS_GAN_WRITE_FIXTURES=1` to (re)write it from this run.
    """
    path = os.path.join(fixture_dir, f"{name}.json")
    if os.environ.get("KERAS_GAN_WRITE_FIXTURES") == "1":
        os.makedirs(fixture_dir, exist_ok=True)
        with open(path, "w") as f:
            json.dump({"backend": keras.backend.backend(), "logs": logs}, f, indent=1)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"No parity reference {path}. Write it with KERAS_GAN_WRITE_FIXTURES=1 on one backend."
        )
    with open(path) as f:
        reference = json.load(f)
    assert len(reference["logs"]) == len(logs)
    for step, (expected, actual) in enumerate(zip(reference["logs"], logs)):
        for key, value in expected.items():
            np.testing.assert_allclose(
                actual[key],
                value,
                rtol=rtol,
                atol=atol,
                err_msg=f"{name}: step {step + 1} {key} differs from the "
                f"{reference['backend']} reference",
            )
