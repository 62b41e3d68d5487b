"""JAX: a pure, jit-compiled step over explicit state.

Keras' JAX trainer calls `train_step(self, state, data)` with
`state = (trainable, non_trainable, optimizer, metrics)` value lists and expects
`(logs, new_state)`. A variant's `train_step(self, data)` is written statefully (layer calls,
`optimizer.apply`, `variable.assign`, random draws from a `SeedGenerator`). Inside a
`keras.StatelessScope` all of that is pure: reads return the scope's values, assignments record
new values in the scope. So the wrapper maps every variable to its value in `state`, runs the
variant's code, and reads the new values back.

Gradients: `value_and_gradients` turns `loss_fn` into a pure function of the target variables'
values by running it in a child scope that copies the current one, and differentiates that with
`jax.value_and_grad`. Whatever else the loss function updated (BatchNorm statistics, seed states)
comes back as auxiliary output and is written into the current scope.
"""

import functools

import jax
from keras import StatelessScope

from keras_gan.backend import common
from keras_gan.backend.compat import get_stateless_scope

add_gradients = common.add_gradients


def wrap_train_step(step):
    @functools.wraps(step)
    def train_step(self, *args):
        if len(args) == 1:  # a subclass calling super().train_step(data): already stateless
            return step(self, *args)
        state, data = args
        groups = common.state_variables(self)
        mapping = [
            pair for variables, values in zip(groups, state) for pair in zip(variables, values)
        ]
        with StatelessScope(state_mapping=mapping) as scope:
            logs = common.count_step(self, step, data)
        new_state = tuple(
            [scope.get_current_value(variable) for variable in variables] for variables in groups
        )
        return logs, new_state

    return train_step


def _child_scope(overrides=()):
    """A scope that starts from every value of the current one, with some replaced."""
    parent = get_stateless_scope()
    if parent is None:
        raise RuntimeError(
            "keras_gan's JAX gradients run inside a train step (a StatelessScope). Call "
            "`minimize` and the penalties from a variant's `train_step`."
        )
    child = StatelessScope()
    child.state_mapping = dict(parent.state_mapping)
    for variable, value in overrides:
        child.state_mapping[id(variable)] = value
    return parent, child


def _write_back(parent, updates, skip=()):
    skip = {id(variable) for variable in skip}
    for key, value in updates.items():
        if key not in skip:
            parent.state_mapping[key] = value


def value_and_gradients(loss_fn, variables):
    parent = get_stateless_scope()
    values = [parent.get_current_value(variable) for variable in variables]

    def pure_loss(values):
        _, child = _child_scope(zip(variables, values))
        with child:
            loss, logs = common.split_loss(loss_fn())
        return loss, (logs, child.state_mapping)

    (loss, (logs, updates)), gradients = jax.value_and_grad(pure_loss, has_aux=True)(values)
    _write_back(parent, updates, skip=variables)
    return loss, logs, gradients


def input_gradients(fn, inputs):
    if get_stateless_scope() is None:  # eager use, outside a train step: variables hold values
        return jax.grad(lambda inputs: fn(inputs).sum())(inputs)

    def pure_sum(inputs):
        _, child = _child_scope()
        with child:
            outputs = fn(inputs)
        return outputs.sum(), child.state_mapping

    parent = get_stateless_scope()
    gradients, updates = jax.grad(pure_sum, has_aux=True)(inputs)
    _write_back(parent, updates)
    return gradients


def tensor_gradients(fn, tensors):
    if get_stateless_scope() is None:  # eager use, outside a train step
        return list(jax.grad(fn)(list(tensors)))

    def pure(tensors):
        _, child = _child_scope()
        with child:
            value = fn(tensors)
        return value, child.state_mapping

    parent = get_stateless_scope()
    gradients, updates = jax.grad(pure, has_aux=True)(list(tensors))
    _write_back(parent, updates)
    return list(gradients)


def apply_gradients(optimizer, gradients, variables):
    """`optimizer.apply(gradients, variables)` inside the step's scope.

    A `keras.optimizers.LossScaleOptimizer` updates its variables in the branches of an
    `ops.cond` (skip the step on a non-finite gradient, else maybe double the scale): traced by
    `lax.cond` inside the step's `StatelessScope`, those assignments would leave traced values
    in the scope. Its `stateless_apply` is the same update as a pure function of the values: it
    runs on the scope's values, and the new values are written back into the scope.
    """
    import keras

    scope = get_stateless_scope()
    if scope is None or not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        optimizer.apply(gradients, variables)
        return
    optimizer_values = [scope.get_current_value(v) for v in optimizer.variables]
    values = [scope.get_current_value(v) for v in variables]
    new_values, new_optimizer_values = optimizer.stateless_apply(
        optimizer_values, gradients, values
    )
    for variable, value in zip(
        [*variables, *optimizer.variables], [*new_values, *new_optimizer_values]
    ):
        scope.state_mapping[id(variable)] = value


def run_if(condition, fn):
    # Both branches of `lax.cond` map the scope's values to new ones: the taken branch runs
    # `fn` in a child scope holding them, the other returns them unchanged. XLA runs one branch.
    parent = get_stateless_scope()
    if parent is None:  # eager use, outside a train step
        if bool(condition):
            fn()
        return
    keys = list(parent.state_mapping)
    values = [parent.state_mapping[key] for key in keys]

    def taken(values):
        child = StatelessScope()
        child.state_mapping = dict(zip(keys, values))
        with child:
            fn()
        return [
            jax.numpy.asarray(child.state_mapping[key], dtype=value.dtype)
            for key, value in zip(keys, values)
        ]

    def skipped(values):
        return list(values)

    new_values = jax.lax.cond(jax.numpy.asarray(condition, dtype=bool), taken, skipped, values)
    parent.state_mapping.update(zip(keys, new_values))


# XLA:CPU computes the gradient of a wide stride-2 transposed convolution slowly; the phase
# decomposition in `keras_gan.layers.Conv2DTranspose` avoids it (FINDINGS.md, "XLA:CPU").
PREFERS_PHASE_TRANSPOSED_CONV = True


def sync_state(model):
    """Writes Keras' JAX trainer state back into `model`'s variables.

    During `fit` on JAX the trainer holds the weights as arrays of its own and the variables
    are stale until it writes them back; callbacks that read weights (checkpoints, sample
    grids) call this first.
    """
    sync = getattr(model, "jax_state_sync", None)
    if sync is not None:
        sync()


def default_jit_compile():
    # The step is always compiled on JAX: an eager JAX step would dispatch op by op.
    return True


def accelerators():
    """Names of the non-CPU devices JAX uses (empty on a CPU-only machine)."""
    import jax

    return [f"{d.platform.upper()} {d.device_kind}" for d in jax.devices() if d.platform != "cpu"]


def set_cpu_threads(threads):
    """XLA:CPU sizes its own thread pool; nothing to set. Returns None."""
    return None


def data_parallel(devices):
    """The scope of data-parallel training on `devices` local devices, and their description.

    `keras.distribution.DataParallel` over the first `devices` of `jax.devices()`: the weights,
    the optimizers' state and the random streams replicated, each batch split along its first
    axis. The one compiled step then runs on the global batch, so a statistic over the batch
    (BatchNorm's moments, minibatch discrimination) is the global batch's, and the draws are
    those of one device (tested to 1e-5 against one device in tests/test_distribution.py).

    Args:
        devices: int >= 1, or `"all"`.

    Returns:
        A tuple `(scope, names)`: a context manager under which the model is built and trained
        (a no-op for one device), and the devices' names, e.g. `["cpu:0", "cpu:1"]`.

    Raises:
        ValueError: more devices than JAX sees, with how to get more on a CPU.
    """
    import contextlib

    import jax
    import keras

    available = jax.devices()
    count = len(available) if devices == "all" else devices
    if count > len(available):
        kinds = ", ".join(sorted({d.platform for d in available}))
        hint = ""
        if all(d.platform == "cpu" for d in available):
            hint = (
                f" On a CPU, JAX splits the host into N devices when started with "
                f"XLA_FLAGS=--xla_force_host_platform_device_count={count}."
            )
        raise ValueError(
            f"devices={devices!r} asks for more devices than JAX sees: {len(available)} "
            f"({kinds}).{hint}"
        )
    if jax.process_count() > 1 and count != len(available):
        raise ValueError(
            f"devices={devices!r}: a run of {jax.process_count()} processes trains on all their "
            f"{len(available)} devices; use devices='all' (--devices all)."
        )
    used = available[:count]
    names = [f"{d.platform}:{d.id}" for d in used]
    if count == 1:
        return contextlib.nullcontext(), names
    # Over several processes, Keras also gives each process its share of every batch
    # (`DataParallel.distribute_dataset`: rebatch, then shard by process).
    return keras.distribution.DataParallel(devices=used).scope(), names


def processes():
    """`(index, count)`: this process's index among the run's processes, and their number.

    `(0, 1)` unless the environment launches the run as several processes (Keras' variables:
    `KERAS_DISTRIBUTION_NUM_PROCESSES`, `KERAS_DISTRIBUTION_PROCESS_ID` and
    `KERAS_DISTRIBUTION_JOB_ADDRESSES`, the coordinator's `host:port`). The first call then
    joins them with `keras.distribution.initialize` (`jax.distributed.initialize`), with CPU
    collectives over gloo, before any JAX computation; `jax.devices()` is then every process's
    devices, and `data_parallel("all")` spans them all.
    """
    import jax
    import keras

    if common.requested_processes() > 1 and not jax.distributed.is_initialized():
        # CPU devices of several processes exchange gradients over gloo (GPUs use NCCL).
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        try:
            keras.distribution.initialize()
        except RuntimeError as error:
            raise ValueError(f"Joining the run's processes failed: {error}") from error
    return jax.process_index(), jax.process_count()
