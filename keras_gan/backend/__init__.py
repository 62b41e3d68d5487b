"""Everything in keras_gan that depends on which backend Keras runs on.

Keras picks its trainer class by backend when it is imported; keras_gan does the same here:
`tensorflow.py`, `jax.py` and `torch.py` each define the same names, so they read side by side,
and this package exports those of the active backend:

- `wrap_train_step(step)`: turns a variant's `train_step(self, data)`, written with
  `keras.ops`, into what the backend's Keras trainer calls. TensorFlow and PyTorch call it as is
  (stateful, `common.wrap_stateful_train_step`); JAX calls `train_step(self, state, data)` and
  expects `(logs, new_state)` back, so the JAX wrapper runs the variant's code inside a
  `keras.StatelessScope`.
- `value_and_gradients(loss_fn, variables)`: runs `loss_fn()` and returns its value, its extra
  logs and the gradients of the value with respect to `variables` (`tf.GradientTape`,
  `torch.autograd.grad`, `jax.value_and_grad`).
- `input_gradients(fn, inputs)`: the gradient of `sum(fn(inputs))` with respect to `inputs`,
  itself differentiable (gradient penalties need a gradient of a gradient).
- `tensor_gradients(fn, tensors)`: the gradients of the scalar `fn(tensors)` with respect to a
  list of tensors (a network's weights as values, for `stateless_call`), themselves
  differentiable: an unrolled optimizer step is a function of what it was computed from.
- `apply_gradients(optimizer, gradients, variables)`: `optimizer.apply` inside the step; on JAX
  a `keras.optimizers.LossScaleOptimizer` (float16) through its pure `stateless_apply`.
- `split_loss(result)`: a loss function's result as `(loss, logs)` (the same everywhere).
- `add_gradients(summed, gradients)`: two lists of gradients added (gradient accumulation); on
  TensorFlow an embedding's sparse `IndexedSlices` gradient made dense first.
- `run_if(condition, fn)`: runs `fn()`, which only updates variables (an optimizer step, a
  metric), when the boolean tensor `condition` holds, inside the compiled step: `tf.cond`,
  `jax.lax.cond` over the step's state, a Python `if` on PyTorch. Only the branch taken is
  computed (lazy regularisation's step every k steps costs nothing on the others).
- `sync_state(model)`: writes the trainer's state back into the variables before a callback
  reads them (JAX; nothing to do elsewhere).
- `default_jit_compile()`: what `compile(jit_compile="auto")` means on this backend.
- `data_parallel(devices)`: the scope under which a model is built and trained on `devices`
  devices, and their names (`["cpu:0", "cpu:1"]`): `keras.distribution.DataParallel` on JAX; on
  TensorFlow and PyTorch one device, and for more a `ValueError` saying what Keras lacks there.
- `processes()`: `(index, count)` of this process among the run's (JAX joins them on the first
  call when Keras' `KERAS_DISTRIBUTION_*` variables launch several; `(0, 1)` elsewhere).
- `accelerators()`: the names of the GPUs (or TPUs) the backend will use; empty on a CPU.
- `set_cpu_threads(n)`: the backend's CPU thread count, where keras_gan sets one (torch).
- `PREFERS_PHASE_TRANSPOSED_CONV`: whether `keras_gan.layers.Conv2DTranspose(implementation=
  "auto")` computes wide layers as four convolutions (JAX, for XLA:CPU's slow gradient).

Beside them, backend-independent modules that still belong behind this boundary:
`compat.py` (the private Keras APIs keras_gan imports, in one place, with a test),
`tensorboard.py` (`tf.summary` event files on every backend) and `hints.py` (the fastest
backend on a CPU, torch's CPU threads).

Not here: tf.data. TensorFlow's input pipeline feeds training on every backend, as in Keras'
own examples, so `keras_gan.datasets` imports TensorFlow whatever the backend.

Variants never import this package directly: they call `AdversarialBase.minimize` and the
penalties in `keras_gan.losses`.
"""

import keras

from keras_gan.backend.common import split_loss  # noqa: F401

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from keras_gan.backend.tensorflow import (  # noqa: F401
        PREFERS_PHASE_TRANSPOSED_CONV,
        accelerators,
        add_gradients,
        apply_gradients,
        data_parallel,
        default_jit_compile,
        input_gradients,
        processes,
        run_if,
        set_cpu_threads,
        sync_state,
        tensor_gradients,
        value_and_gradients,
        wrap_train_step,
    )
elif _BACKEND == "jax":
    from keras_gan.backend.jax import (  # noqa: F401
        PREFERS_PHASE_TRANSPOSED_CONV,
        accelerators,
        add_gradients,
        apply_gradients,
        data_parallel,
        default_jit_compile,
        input_gradients,
        processes,
        run_if,
        set_cpu_threads,
        sync_state,
        tensor_gradients,
        value_and_gradients,
        wrap_train_step,
    )
elif _BACKEND == "torch":
    from keras_gan.backend.torch import (  # noqa: F401
        PREFERS_PHASE_TRANSPOSED_CONV,
        accelerators,
        add_gradients,
        apply_gradients,
        data_parallel,
        default_jit_compile,
        input_gradients,
        processes,
        run_if,
        set_cpu_threads,
        sync_state,
        tensor_gradients,
        value_and_gradients,
        wrap_train_step,
    )
else:
    raise ValueError(
        f"keras_gan supports the backends 'tensorflow', 'jax' and 'torch'. "
        f"Received: KERAS_BACKEND={_BACKEND!r}"
    )

__all__ = [
    "PREFERS_PHASE_TRANSPOSED_CONV",
    "split_loss",
    "accelerators",
    "add_gradients",
    "apply_gradients",
    "data_parallel",
    "default_jit_compile",
    "input_gradients",
    "processes",
    "run_if",
    "set_cpu_threads",
    "sync_state",
    "tensor_gradients",
    "value_and_gradients",
    "wrap_train_step",
]
