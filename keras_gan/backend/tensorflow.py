"""TensorFlow: stateful variables, gradients from `tf.GradientTape`.

Keras compiles `train_step` with `tf.function` (and XLA when `jit_compile=True`); the code below
is traced once and needs nothing else.
"""

import keras
import tensorflow as tf

from keras_gan.backend import common, compat

wrap_train_step = common.wrap_stateful_train_step

# The native transposed convolution is used: its gradient is not the slow XLA:CPU one.
PREFERS_PHASE_TRANSPOSED_CONV = False


def _moments(x, axes, keepdims):
    # mean((x - mean)^2) without the stop_gradient of tf.nn.moments: the same values and the
    # same first derivatives, but second derivatives through batch statistics as on JAX and
    # torch. tf.nn.moments' stop_gradient on the mean drops a term whose first derivative is
    # zero but whose second is not: a gradient of a gradient through a batch norm in training
    # mode was off (LoGAN's generator update, through its latent step: ~1% on TensorFlow,
    # where JAX and torch agreed to 1e-6; so would be an input-gradient penalty or an
    # unrolled update through a network with batch norm).
    mean = tf.reduce_mean(x, axes, keepdims=True)
    variance = tf.reduce_mean(tf.square(x - mean), axes, keepdims=True)
    if not keepdims:
        mean, variance = tf.squeeze(mean, axes), tf.squeeze(variance, axes)
    return mean, variance


# Keras' TensorFlow `ops.moments` (every BatchNormalization) calls this module-level helper.
compat.replace_private_symbol("tensorflow_moments", _moments)


def apply_gradients(optimizer, gradients, variables):
    """`optimizer.apply(gradients, variables)`, `keras.optimizers.LossScaleOptimizer` included."""
    optimizer.apply(gradients, variables)


def add_gradients(summed, gradients):
    """The sums of two lists of gradients. A lookup (`keras.layers.Embedding`) has an
    `IndexedSlices` gradient, which has no `+`: it is made dense first."""
    return [tf.convert_to_tensor(a) + tf.convert_to_tensor(b) for a, b in zip(summed, gradients)]


def sync_state(model):
    """Nothing to do: the variables hold their values during and after `fit`."""


def value_and_gradients(loss_fn, variables):
    with tf.GradientTape() as tape:
        loss, logs = common.split_loss(loss_fn())
    gradients = tape.gradient(loss, variables)
    # A variable that does not reach the loss (the last bias in an input-gradient penalty) gets
    # a zero gradient, as on the other backends, rather than None, which Keras would skip.
    gradients = [tf.zeros_like(v) if g is None else g for v, g in zip(variables, gradients)]
    return loss, logs, gradients


def input_gradients(fn, inputs):
    inputs = keras.ops.convert_to_tensor(inputs)
    # An inner tape inside the loss function's tape: the outer one records this gradient
    # computation, so the result can be differentiated again.
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = fn(inputs)
    return tape.gradient(outputs, inputs)


def tensor_gradients(fn, tensors):
    tensors = [tf.convert_to_tensor(t) for t in tensors]
    # Inside an outer tape (a loss function's), this gradient is itself differentiable.
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        value = fn(tensors)
    gradients = tape.gradient(value, tensors)
    return [tf.zeros_like(t) if g is None else g for t, g in zip(tensors, gradients)]


def run_if(condition, fn):
    if tf.executing_eagerly():  # run_eagerly=True, or outside a train step
        if bool(condition):
            fn()
        return

    def taken():
        fn()  # its variable updates are ordered inside the branch by tf.function
        return tf.constant(True)

    tf.cond(tf.cast(condition, tf.bool), taken, lambda: tf.constant(False))


def default_jit_compile():
    # XLA pays off on a GPU; on a 2-core CPU the DCGAN step took 1.24x longer with it
    # (benchmarks/results/step_time_cpu2.json).
    return bool(tf.config.list_physical_devices("GPU"))


def accelerators():
    """Names of the GPUs TensorFlow sees (empty on a CPU-only machine)."""
    return [d.name for d in tf.config.list_physical_devices("GPU")]


def set_cpu_threads(threads):
    """TensorFlow's own thread pools are left to it (the bimodal timings in FINDINGS did not
    change with thread settings). Returns None."""
    return None


def data_parallel(devices):
    """One device only; for more, a `ValueError` that says what fails (see `jax.data_parallel`).

    Measured with Keras 3.15 and TensorFlow 2.21 (docs/scaling.md): a variant under
    `tf.distribute.MirroredStrategy` fails in `fit` with "Some replicas made a different number
    of replica_context().merge_call() calls" (keras-team/keras#20164), and
    `keras.distribution.DataParallel` runs but leaves every variable on the first device (the
    weights after 3 steps are bit-identical to one device's).
    """
    return common.one_device(
        devices, accelerators,
        f"on TensorFlow, Keras {keras.__version__} trains a GAN on one device only. A "
        "train_step with two optimizers fails under tf.distribute.MirroredStrategy "
        "(keras-team/keras#20164) and keras.distribution.DataParallel leaves everything on the "
        "first device. Use KERAS_BACKEND=jax for several devices (docs/scaling.md).",
    )  # fmt: skip


def processes():
    """`(0, 1)`: one process; a run launched as several is refused (see `jax.processes`)."""
    return common.one_process("TensorFlow")
