"""The only place where keras_gan touches backend-specific gradient machinery.

Keras picks its trainer class by backend when it is imported (`keras/src/models/model.py`);
keras_gan does the same here. Each module below has the same three functions, so they read side
by side:

- `wrap_train_step(step)`: turns a variant's `train_step(self, data)`, written with
  `keras.ops`, into what the backend's Keras trainer calls. TensorFlow and PyTorch call it as is
  (stateful); JAX calls `train_step(self, state, data)` and expects `(logs, new_state)` back, so
  the JAX wrapper runs the variant's code inside a `keras.StatelessScope`.
- `default_jit_compile()`: what `compile(jit_compile="auto")` means on this backend.
- `accelerators()`: the names of the GPUs (or TPUs) the backend will use; empty on a CPU.
- `set_cpu_threads(n)`: the backend's CPU thread count, where keras_gan sets one (torch).
- `value_and_gradients(loss_fn, variables)`: runs `loss_fn()` and returns its value, its extra
  logs and the gradients of the value with respect to `variables` (`tf.GradientTape`,
  `torch.autograd.grad`, `jax.value_and_grad`).
- `input_gradients(fn, inputs)`: the gradient of `sum(fn(inputs))` with respect to `inputs`,
  itself differentiable (gradient penalties need a gradient of a gradient).

Variants never import this package directly: they call `AdversarialModel.minimize` and the
penalties in `keras_gan.losses`.
"""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from keras_gan.backend.tensorflow import (
        accelerators,
        default_jit_compile,
        input_gradients,
        set_cpu_threads,
        value_and_gradients,
        wrap_train_step,
    )
elif _BACKEND == "jax":
    from keras_gan.backend.jax import (
        accelerators,
        default_jit_compile,
        input_gradients,
        set_cpu_threads,
        value_and_gradients,
        wrap_train_step,
    )
elif _BACKEND == "torch":
    from keras_gan.backend.torch import (
        accelerators,
        default_jit_compile,
        input_gradients,
        set_cpu_threads,
        value_and_gradients,
        wrap_train_step,
    )
else:
    raise ValueError(
        f"keras_gan supports the backends 'tensorflow', 'jax' and 'torch'. "
        f"Received: KERAS_BACKEND={_BACKEND!r}"
    )

__all__ = [
    "accelerators",
    "default_jit_compile",
    "input_gradients",
    "set_cpu_threads",
    "value_and_gradients",
    "wrap_train_step",
]

