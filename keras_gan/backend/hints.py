"""Advice and settings that depend on the backend and the machine.

- `backend_hint(backend, model, accelerators)`: a line naming the fastest backend on a CPU.
- `cpu_threads(backend, accelerators)`: sets torch's CPU threads to the cores not already busy.

The numbers are measured, not assumed: `benchmarks/results/step_time_cpu2.json` (a test keeps
`CPU_STEP_TIME` equal to it).
"""

import os

# The DCGAN step on a 2-core CPU, as a multiple of plain PyTorch's time (the README's backend
# table; `benchmarks/results/step_time_cpu2.json`, rows named in the comments; a test keeps the two
# in step).
CPU_STEP_TIME = {
    "tensorflow": 0.69,  # "tensorflow"
    "tensorflow-xla": 0.85,  # "tensorflow-xla"
    "jax": 1.06,  # "jax-phases-hidden"
    "torch": 1.13,  # "torch"
}


def backend_hint(backend, model, accelerators):
    """One line for a CPU run on a backend that is not the fastest there, else None.

    Args:
        backend: string, the Keras backend's name.
        model: the compiled model (its `jit_compile` tells TensorFlow from TensorFlow + XLA).
        accelerators: list of the accelerators found (`keras_gan.backend.accelerators()`).
    """
    if accelerators:
        return None
    name = (
        "tensorflow-xla"
        if backend == "tensorflow" and getattr(model, "jit_compile", False)
        else backend
    )
    fastest = min(CPU_STEP_TIME, key=CPU_STEP_TIME.get)
    if name == fastest or name not in CPU_STEP_TIME:
        return None
    others = ", ".join(f"{k} {v:.2f}x" for k, v in CPU_STEP_TIME.items() if k != fastest)
    return (
        f"hint: on a CPU, KERAS_BACKEND={fastest} (no XLA) ran the DCGAN step fastest: "
        f"{CPU_STEP_TIME[fastest]:.2f}x plain PyTorch's time ({others}; README, 'Choosing a "
        "backend')."
    )


def cpu_threads(backend, accelerators=None):
    """Sets the torch backend's CPU threads to the cores not already busy; returns a line or None.

    torch's default (one thread per core) oversubscribes a busy machine: on a 2-core CPU with
    another process running, the DCGAN step took 2 s with 2 threads and 343 ms with 1
    (FINDINGS.md). Nothing changes on the other backends, with an accelerator, or when
    OMP_NUM_THREADS is set (the user chose).

    Args:
        backend: string, the Keras backend's name.
        accelerators: list of the accelerators found, or None to ask the backend.

    Returns:
        A line for the user (`"  threads: ..."`) when the threads were set, else `None`.
    """
    from keras_gan import backend as gan_backend

    if backend != "torch" or "OMP_NUM_THREADS" in os.environ:
        return None
    if accelerators is None:
        accelerators = gan_backend.accelerators()
    if accelerators:
        return None
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    threads = max(1, min(cores, int(cores - load + 0.5)))
    used = gan_backend.set_cpu_threads(threads)
    return (
        f"  threads: torch uses {used} CPU thread(s) (load average {load:.1f} on {cores} cores; "
        "set OMP_NUM_THREADS to choose)"
    )
