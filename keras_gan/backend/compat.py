"""The private Keras APIs keras_gan uses, imported in this one place.

Keras promises nothing about `keras.src`; a Keras release may move any of these. Each is named
once in `PRIVATE_SYMBOLS` with what it is for, and `tests/backend/test_compat.py` imports every
one of them, so a Keras upgrade that moves one fails that test, naming the symbol and the Keras
version, instead of failing a user's run. They were written against `TESTED_KERAS`.

- `get_stateless_scope()`: the `keras.StatelessScope` now active, or None. keras_gan's JAX
  gradients read and write the values of the scope Keras' JAX trainer runs the step in
  (`keras_gan/backend/jax.py`).
- `normalize(x, axis)`: L2 normalisation, exactly as `keras.layers.SpectralNormalization`'s
  power iteration computes it (`keras_gan/networks/sngan.py` keeps its numbers identical).
- `BaseConv`: the base class of Keras' `Conv1D/2D/3D`, which spectral normalisation accepts.
- `output_layers(network)`: the layers that compute a functional or Sequential model's outputs,
  from the private `KerasTensor._keras_history`. Under a mixed dtype policy they are made to
  compute in float32, so losses never see float16 (`keras_gan/adversarial.py`).
- `adam_moments(optimizer, variables)`: an Adam optimizer's first and second moments of each
  variable, from its private `_momentums`, `_velocities` and `_get_variable_index`. The
  unrolled GAN continues the discriminator's Adam from its state (`keras_gan.models.unrolled_gan`).
- `all_layers(network)`: every layer inside a network, nested ones included, from the private
  `Layer._flatten_layers`. The standing statistics find the generator's batch normalisations
  with it, including those inside a custom layer (`keras_gan.adversarial`).
- `seed_states(network)`: the state variable of every `keras.random.SeedGenerator` a network's
  layers hold (their private `_seed_generators`). The `.keras` format does not save them; a
  checkpoint does, so that a resumed run continues the same random stream.
- `own_variables(layer)`: a layer's own variables in the order Keras saves them (its private
  `_trainable_variables` then `_non_trainable_variables`), for a model that extends
  `load_own_variables`.
"""

import importlib

import keras

#: The Keras versions these imports were written and tested against.
TESTED_KERAS = ("3.15",)

#: name -> (module, attribute) of every private Keras symbol keras_gan uses.
PRIVATE_SYMBOLS = {
    "get_stateless_scope": ("keras.src.backend.common.stateless_scope", "get_stateless_scope"),
    "normalize": ("keras.src.utils.numerical_utils", "normalize"),
    "BaseConv": ("keras.src.layers.convolutional.base_conv", "BaseConv"),
}
# Private Keras helpers a backend module of keras_gan replaces, imported only by that backend.
REPLACED_SYMBOLS = {
    # keras_gan.backend.tensorflow: batch moments with exact second derivatives
    "tensorflow_moments": ("keras.src.backend.tensorflow.nn", "_compute_moments"),
    # keras_gan.backend.torch: convolution kernels in channels-last memory, strides canonical
    "torch_channels_last": ("keras.src.backend.torch.nn", "_maybe_convert_to_channels_last"),
}


def _tested_with():
    return f"Keras {keras.__version__}; keras_gan was tested with Keras {', '.join(TESTED_KERAS)}"


def private_symbol(name, table=None):
    """Imports one of `PRIVATE_SYMBOLS` (or of `table`).

    Raises:
        ImportError: naming the symbol, where it was expected and the installed Keras version,
            when a Keras release has moved or removed it.
    """
    module_name, attribute = (table or PRIVATE_SYMBOLS)[name]
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise ImportError(
            f"keras_gan needs Keras' private `{module_name}.{attribute}`, which the installed "
            f"Keras does not have ({_tested_with()}). Install a tested Keras, e.g. pip install "
            f"'keras=={TESTED_KERAS[-1]}.*'."
        ) from error


def replace_private_symbol(name, replacement):
    """Sets one of `REPLACED_SYMBOLS` to `replacement`.

    Raises:
        ImportError: as `private_symbol`, when a Keras release has moved or removed it.
    """
    module_name, attribute = REPLACED_SYMBOLS[name]
    private_symbol(name, REPLACED_SYMBOLS)  # the error that names it, if it is gone
    setattr(importlib.import_module(module_name), attribute, replacement)


get_stateless_scope = private_symbol("get_stateless_scope")
normalize = private_symbol("normalize")
BaseConv = private_symbol("BaseConv")


def adam_moments(optimizer, variables):
    """`(momentums, velocities)`: the Adam (or AdamW) state variables of each of `variables`.

    Raises:
        ValueError: naming the optimizer where it keeps no such state (not Adam, or not built
            for these variables).
    """
    try:
        indices = [optimizer._get_variable_index(variable) for variable in variables]
        return (
            [optimizer._momentums[i] for i in indices],
            [optimizer._velocities[i] for i in indices],
        )
    except (AttributeError, KeyError, IndexError) as error:
        raise ValueError(
            f"Expected a built keras.optimizers.Adam (its moments of each variable). Received: "
            f"{type(optimizer).__name__} ({_tested_with()})"
        ) from error


def output_layers(network):
    """The layers whose outputs are `network`'s outputs (none for a subclassed model).

    Raises:
        ValueError: naming the network where its outputs carry no layer (a Keras change).
    """
    outputs = getattr(network, "outputs", None)
    if not outputs:
        return []
    try:
        return [tensor._keras_history.operation for tensor in keras.tree.flatten(outputs)]
    except AttributeError as error:
        raise ValueError(
            f"The outputs of {network.name!r} name no layer (`_keras_history`; {_tested_with()})"
        ) from error


def all_layers(network):
    """Every layer inside `network`, itself and nested layers included (e.g. the
    `BatchNormalization` inside BigGAN's conditional batch norm), each once.

    Raises:
        ImportError: as `private_symbol`, when a Keras release has removed `_flatten_layers`.
    """
    try:
        return list(network._flatten_layers(include_self=True, recursive=True))
    except AttributeError as error:
        raise ImportError(
            f"keras_gan needs Keras' private `Layer._flatten_layers`, which "
            f"{type(network).__name__} does not have ({_tested_with()})."
        ) from error


def seed_states(network):
    """The state variable of each `keras.random.SeedGenerator` held by `network` or a layer
    inside it, each once, in layer order.

    Raises:
        ImportError: when a Keras release no longer keeps a layer's generators in
            `_seed_generators` (a layer that holds one then reports none).
    """
    states, seen = [], set()
    for layer in all_layers(network):
        generators = getattr(layer, "_seed_generators", None)
        if generators is None:
            raise ImportError(
                f"keras_gan needs Keras' private `Layer._seed_generators`, which "
                f"{type(layer).__name__} does not have ({_tested_with()})."
            )
        for generator in generators:
            if id(generator.state) not in seen:
                seen.add(id(generator.state))
                states.append(generator.state)
    return states


def own_variables(layer):
    """`layer`'s own variables (not its sublayers'), in the order `Layer.save_own_variables`
    stores them under the keys "0", "1", ...

    Raises:
        ImportError: when a Keras release has renamed the private lists.
    """
    try:
        return list(layer._trainable_variables) + list(layer._non_trainable_variables)
    except AttributeError as error:
        raise ImportError(
            f"keras_gan needs Keras' private `Layer._trainable_variables` and "
            f"`_non_trainable_variables` ({_tested_with()})."
        ) from error
