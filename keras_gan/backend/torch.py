"""PyTorch: eager execution, gradients from `torch.autograd.grad`.

`torch.autograd.grad` returns the gradients of the listed tensors only and leaves `.grad`
untouched, so no `zero_grad()` is needed and the backward pass stops where those tensors'
graph ends (a discriminator update does not backpropagate into the generator).
"""

import keras
import torch

from keras_gan.backend import common, compat

wrap_train_step = common.wrap_stateful_train_step
add_gradients = common.add_gradients

# The native transposed convolution is used: its gradient is not the slow XLA:CPU one.
PREFERS_PHASE_TRANSPOSED_CONV = False


def _channels_last(tensor):
    """`tensor` in channels-last memory (as Keras' torch `conv` asks), with canonical strides.

    Keras' torch convolution permutes an `(h, w, in, out)` kernel to `(out, in, h, w)` and keeps
    it if it already counts as channels-last. With one output channel (a grayscale generator's
    last convolution) the permuted kernel does, but its size-1 dimension keeps stride 1, and
    PyTorch's float16 convolution on the CPU (`slow_conv2d`) then allocates its kernel gradient
    with those strides and refuses it: "slow_conv2d: grad_weight must be contiguous" (PyTorch
    2.13; float32 and bfloat16 take another path). A copy with the strides PyTorch would give
    is the same tensor to every other consumer.
    """
    memory_format = {4: torch.channels_last, 5: torch.channels_last_3d}.get(tensor.ndim)
    if memory_format is None:
        return tensor
    # Channels-last strides of (n, c, *spatial): c is innermost, then the spatial axes, then n.
    canonical, step = [0] * tensor.ndim, tensor.shape[1]
    canonical[1] = 1
    for axis in range(tensor.ndim - 1, 1, -1):
        canonical[axis] = step
        step *= tensor.shape[axis]
    canonical[0] = step
    if tensor.stride() == tuple(canonical):
        return tensor
    copy = torch.empty(
        tensor.shape, dtype=tensor.dtype, device=tensor.device, memory_format=memory_format
    )
    return copy.copy_(tensor)


# Keras' torch `conv` (every Conv1D/2D/3D) calls this module-level helper on inputs and kernel.
compat.replace_private_symbol("torch_channels_last", _channels_last)


def apply_gradients(optimizer, gradients, variables):
    """`optimizer.apply(gradients, variables)`, `keras.optimizers.LossScaleOptimizer` included."""
    optimizer.apply(gradients, variables)


def sync_state(model):
    """Nothing to do: the variables hold their values during and after `fit`."""


def value_and_gradients(loss_fn, variables):
    loss, logs = common.split_loss(loss_fn())
    parameters = [variable.value for variable in variables]
    gradients = torch.autograd.grad(loss, parameters, allow_unused=True)
    # A variable that does not reach the loss gets a zero gradient, as on the other backends.
    gradients = [torch.zeros_like(p) if g is None else g for p, g in zip(parameters, gradients)]
    logs = {name: value.detach() for name, value in logs.items()}
    return loss.detach(), logs, gradients


def input_gradients(fn, inputs):
    inputs = keras.ops.convert_to_tensor(inputs)
    if not inputs.requires_grad:
        inputs = inputs.detach().requires_grad_(True)
    outputs = fn(inputs)
    # create_graph=True keeps this gradient differentiable (the penalty's own backward pass).
    (gradients,) = torch.autograd.grad(outputs.sum(), inputs, create_graph=True)
    return gradients


def tensor_gradients(fn, tensors):
    tensors = [keras.ops.convert_to_tensor(t) for t in tensors]
    tensors = [t if t.requires_grad else t.detach().requires_grad_(True) for t in tensors]
    value = fn(tensors)
    # create_graph=True: the gradient stays differentiable (an unrolled update's).
    gradients = torch.autograd.grad(value, tensors, create_graph=True, allow_unused=True)
    return [torch.zeros_like(t) if g is None else g for t, g in zip(tensors, gradients)]


def run_if(condition, fn):
    # Eager: the condition is a value, read on the host.
    if bool(condition):
        fn()


def default_jit_compile():
    # torch.compile recompiles the two-network step repeatedly and gains nothing on CPU.
    return False


def accelerators():
    """Names of the GPUs torch can use (empty on a CPU-only machine)."""
    if torch.cuda.is_available():
        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return ["Apple MPS"]
    return []


def set_cpu_threads(threads):
    """Sets torch's intra-op CPU threads; returns the number now in use."""
    torch.set_num_threads(int(threads))
    return torch.get_num_threads()


def data_parallel(devices):
    """One device only: Keras has no distribution support for PyTorch (see the error)."""
    return common.one_device(
        devices, accelerators,
        f"Keras {keras.__version__} has no multi-device training on the PyTorch backend "
        "(keras.distribution supports JAX and TensorFlow). Use KERAS_BACKEND=jax for several "
        "devices, or wrap the networks in torch's DistributedDataParallel yourself "
        "(docs/scaling.md).",
    )  # fmt: skip


def processes():
    """`(0, 1)`: one process; a run launched as several is refused (see `jax.processes`)."""
    return common.one_process("PyTorch")
