"""Whole-GAN checkpoints in the Keras format: atomic saves, loads with clear errors.

A checkpoint is one `.keras` file written by `model.save`: the generator, the discriminator(s),
every optimizer with its state (moments, iteration counts), the model's step counter
(`model.optimizer.iterations`) and the state of every `keras.random.SeedGenerator` in the model
(the training random stream, dropout streams). It reloads with `keras.saving.load_model` on any
backend, whichever backend wrote it, once `keras_gan` is imported (importing it registers the
custom objects).

`save` never leaves a half-written checkpoint: it writes a temporary file in the same folder and
renames it over the old one with `os.replace`, which is atomic on POSIX and Windows, so a run killed
at any instant (even with SIGKILL) leaves either the previous checkpoint or the new one.

Example:

>>> from keras_gan import checkpoints
>>> checkpoints.save(model, "runs/dcgan/checkpoints/last.keras")  # doctest: +SKIP
>>> model = checkpoints.load("runs/dcgan/checkpoints/last.keras", variant="dcgan")  # doctest: +SKIP
>>> checkpoints.step_of(model)  # doctest: +SKIP
120
"""

import json
import os
import tempfile
import zipfile

import keras
import numpy as np

from keras_gan import backend

#: File name of the latest checkpoint inside a run's `checkpoints/` folder.
LAST = "last.keras"
_TEMP_PREFIX = ".tmp-"
# The archive member holding what the run that wrote a checkpoint was (variant, config, step).
_RUN_INFO = "keras_gan_run.json"


class CheckpointError(ValueError):
    """A checkpoint file is missing, truncated, corrupt, or holds another variant."""


def step_of(model):
    """The number of adversarial steps `model` has taken (its `optimizer.iterations`).

    Args:
        model: a compiled keras_gan model (`AdversarialBase`).

    Returns:
        int.
    """
    backend.sync_state(model)
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


def all_finite(model):
    """Whether every weight and optimizer variable of `model` is finite."""
    backend.sync_state(model)
    variables = list(model.weights) + list(getattr(model.optimizer, "variables", []))
    for variable in variables:
        value = keras.ops.convert_to_numpy(variable)
        if np.issubdtype(value.dtype, np.floating) and not np.all(np.isfinite(value)):
            return False
    return True


def save(model, path, run_info=None):
    """Saves the whole model to `path` atomically (temporary file + `os.replace`).

    Args:
        model: a compiled keras_gan model (`AdversarialBase`).
        path: str or path ending in `.keras`. Its folder is created if needed.
        run_info: optional JSON-serialisable dict stored inside the archive with the model
            (the CLI stores the run's variant and config, so a resume can check that the
            checkpoint belongs to the run); read it back with `run_info(path)`.

    Returns:
        The path written, as a str.

    Raises:
        ValueError: `path` does not end in `.keras`.
    """
    path = os.fspath(path)
    if not path.endswith(".keras"):
        raise ValueError(f"A checkpoint file name must end in '.keras'. Received: path={path!r}")
    backend.sync_state(model)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=".keras", dir=folder)
    os.close(handle)
    try:
        model.save(temporary, overwrite=True)
        if run_info is not None:
            with zipfile.ZipFile(temporary, "a") as archive:
                archive.writestr(_RUN_INFO, json.dumps(run_info, default=str))
        with open(temporary, "rb") as file:
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def remove_stale_temporaries(folder):
    """Deletes temporary files a killed run left in a checkpoint folder; returns how many."""
    if not os.path.isdir(folder):
        return 0
    removed = 0
    for name in os.listdir(folder):
        if name.startswith(_TEMP_PREFIX) and name.endswith(".keras"):
            os.remove(os.path.join(folder, name))
            removed += 1
    return removed


def load(path, variant=None, compile=True):
    """Loads a checkpoint written by `save` (or `model.save`), on any backend.

    Args:
        path: str or path of a `.keras` file.
        variant: optional registered variant name (`"dcgan"`); when given, a checkpoint of
            another variant is refused.
        compile: bool, restore the optimizers and their state (needed to resume training).
            Defaults to True.

    Returns:
        The model, with weights, optimizer state, step counter and random state.

    Raises:
        CheckpointError: the file does not exist, is not a `.keras` file, is truncated or
            corrupt, holds no keras_gan model, or holds another variant than `variant`.
    """
    import keras_gan.lab.layers  # noqa: F401  (the lab's layers: Pack, MinibatchStdDev)
    import keras_gan.models  # noqa: F401  (registers every variant's custom objects)
    from keras_gan.adversarial import AdversarialBase

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"No checkpoint at '{path}': the file does not exist.")
    if not path.endswith(".keras"):
        raise CheckpointError(
            f"'{path}' is not a Keras checkpoint: keras_gan checkpoints are '.keras' files."
        )
    if not zipfile.is_zipfile(path):
        raise CheckpointError(
            f"The checkpoint '{path}' is truncated or corrupt ({os.path.getsize(path)} bytes, not "
            "a valid .keras archive). Resume from an earlier checkpoint or start a new run."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        bad = str(error) or "unreadable"
    if bad is not None:
        raise CheckpointError(
            f"The checkpoint '{path}' is corrupt (damaged member: {bad}). Resume from an "
            "earlier checkpoint or start a new run."
        )
    try:
        model = keras.saving.load_model(path, compile=compile)
    except Exception as error:  # Keras raises many types for a damaged or foreign file
        raise CheckpointError(
            f"Could not load the checkpoint '{path}': {type(error).__name__}: {error}"
        ) from error
    if not isinstance(model, AdversarialBase):
        raise CheckpointError(
            f"The file '{path}' holds a {type(model).__name__}, not a keras_gan model."
        )
    found = getattr(model, "variant_name", None)
    if variant is not None and found != variant:
        raise CheckpointError(
            f"The checkpoint '{path}' holds a '{found}' model ({type(model).__name__}), not "
            f"'{variant}'."
        )
    return model


def run_info(path):
    """The `run_info` dict stored in a checkpoint by `save`, or None if it holds none."""
    try:
        with zipfile.ZipFile(os.fspath(path)) as archive:
            if _RUN_INFO not in archive.namelist():
                return None
            return json.loads(archive.read(_RUN_INFO))
    except (OSError, ValueError, zipfile.BadZipFile):
        return None


def latest(run_dir):
    """Path of the latest checkpoint of a run folder, or None if it has none."""
    path = os.path.join(os.fspath(run_dir), "checkpoints", LAST)
    return path if os.path.isfile(path) else None
