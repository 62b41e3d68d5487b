"""Pieces of the step that are the same on every backend."""

import functools


def split_loss(result):
    """Normalises a loss function's result to `(loss, logs)`.

    A loss function returns a scalar, or a `(scalar, dict_of_extra_logs)` pair.
    """
    if isinstance(result, (tuple, list)):
        loss, logs = result
        return loss, dict(logs)
    return result, {}


def add_gradients(summed, gradients):
    """The sums of two lists of gradients (gradient accumulation)."""
    return [a + b for a, b in zip(summed, gradients)]


def count_step(model, step, data):
    """Runs a variant's step once, in `model.loss_settings()` (one-sided label smoothing), then
    the core's end of the step (`model.end_step(data)`: lazy R1/R2, the generator's EMA, ADA's
    probability), and advances the model's step counter.

    A variant calling `super().train_step(data)` re-enters here; only the outermost call counts.
    """
    if getattr(model, "_inside_train_step", False):
        return step(model, data)
    object.__setattr__(model, "_inside_train_step", True)
    try:
        with model.loss_settings():  # one-sided label smoothing, where it is on
            logs = step(model, data)
        logs = {**logs, **(model.end_step(data) or {})}
        model.optimizer.iterations.assign_add(1)
    finally:
        object.__setattr__(model, "_inside_train_step", False)
    return logs


def state_variables(model):
    """The variable groups of Keras' JAX state tuple, in its order."""
    return (
        model.trainable_variables,
        model.non_trainable_variables,
        model.optimizer.variables,
        model.metrics_variables,
    )


def wrap_stateful_train_step(step):
    """`wrap_train_step` of the stateful backends (TensorFlow, PyTorch): the variant's step as
    it is, counted once."""

    @functools.wraps(step)
    def train_step(self, data):
        return count_step(self, step, data)

    return train_step


# Keras' own variables for a run of several processes (`keras.distribution.initialize`).
PROCESS_VARIABLES = (
    "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "KERAS_DISTRIBUTION_PROCESS_ID",
    "KERAS_DISTRIBUTION_JOB_ADDRESSES",
)


def requested_processes():
    """The number of processes the environment launches this run as: 1 unless
    `KERAS_DISTRIBUTION_NUM_PROCESSES` says more, in which case the process id and the
    coordinator's address must be set too.

    Raises:
        ValueError: a count that is no positive int, or a missing variable, naming it.
    """
    import os

    text = os.environ.get(PROCESS_VARIABLES[0])
    if text is None:
        return 1
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(
            f"{PROCESS_VARIABLES[0]} must be a positive int. Received: {PROCESS_VARIABLES[0]}="
            f"{text!r}"
        )
    missing = [name for name in PROCESS_VARIABLES[1:] if count > 1 and not os.environ.get(name)]
    if missing:
        raise ValueError(
            f"{PROCESS_VARIABLES[0]}={count} launches a run of {count} processes; each also "
            f"needs {' and '.join(missing)} (its id, 0 to {count - 1}, and the coordinator's "
            "host:port, process 0's)."
        )
    return count


def one_device(devices, accelerators, why):
    """`data_parallel` where Keras trains on one device: that device, or a `ValueError` saying
    `why` when `devices` asks for more."""
    import contextlib

    if devices not in (1, "all"):
        raise ValueError(f"devices={devices!r}: {why}")
    return contextlib.nullcontext(), ["gpu:0" if accelerators() else "cpu:0"]


def one_process(backend_name):
    """`processes` where keras_gan trains in one process: `(0, 1)`, or a `ValueError` when the
    environment launches several."""
    count = requested_processes()
    if count > 1:
        raise ValueError(
            f"{PROCESS_VARIABLES[0]}={count}: a run of several processes is JAX's; on "
            f"{backend_name} keras_gan trains in one process. Use KERAS_BACKEND=jax "
            "(docs/scaling.md)."
        )
    return 0, 1
