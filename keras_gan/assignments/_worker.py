"""The grader's worker: defines the student's code, then evaluates it on the grader's inputs.

The worker never decides a grade. The parent (`grade.py`) sends the inputs of each graded
definition; the worker calls the student's code on them and sends back only the outputs
(numeric arrays, `_protocol.encode`) or a one-line error; the parent compares them with the
reference it computed itself, before this process started. So nothing the student's code does
here (decorators, default arguments, monkeypatching, writing to the protocol pipe) can mark a
check as passed: at most it can change the outputs, which still have to be right.

Before any of the student's code runs, the worker confines itself: a temporary working
directory (also `HOME` and `TMPDIR`, set by the parent with a scrubbed environment), limits on
memory, CPU time and file size (`resource.setrlimit`), a Linux Landlock ruleset that allows
writing only inside that directory (where the kernel supports it), and it becomes the
"subreaper" of the processes it starts so that the parent can find and kill all of them.

Protocol (JSON lines; the student's prints go to stderr): the parent sends `{"setup": ...}` and
the worker answers `{"nonce", "ready", "errors", "backend", "sandbox"}`; then for each
`{"nonce", "target", "forbidden", "probes"}` it answers `{"nonce", "results", "delegated"}`.
"""

import ctypes
import gc
import json
import linecache
import os
import resource
import signal
import sys
import traceback
import types

from keras_gan.assignments import _protocol

MEMORY_LIMIT_MB = 4096  # address space the student's code may add to the worker's


# -- the networks of the train_step check (also built by the parent for its reference) ------------


def probe_class():
    import keras

    class TrainingProbe(keras.layers.Layer):
        """Identity layer recording the `training` flag it is called with."""

        calls = []

        def call(self, inputs, training=None):
            TrainingProbe.calls.append((self.name, training))
            return inputs

    return TrainingProbe


IMAGE_SHAPE = (28, 28, 1)  # what MyGAN.train_step's docstring promises: images (m, 28, 28, 1)
LATENT_DIM = 2


def tiny_networks(probe=None):
    """A tiny MLP generator and discriminator on 28x28x1 images (deterministic weights)."""
    import keras

    init = keras.initializers.RandomNormal(stddev=0.5, seed=1)
    z = keras.Input((LATENT_DIM,))
    h = keras.layers.Dense(8, activation="tanh", kernel_initializer=init)(z)
    if probe is not None:
        h = probe(name="generator_probe")(h)
    h = keras.layers.Dense(28 * 28, activation="tanh", kernel_initializer=init)(h)
    generator = keras.Model(z, keras.layers.Reshape(IMAGE_SHAPE)(h), name="generator")
    x = keras.Input(IMAGE_SHAPE)
    h = keras.layers.Dense(8, activation="tanh", kernel_initializer=init)(keras.layers.Flatten()(x))
    if probe is not None:
        h = probe(name="discriminator_probe")(h)
    discriminator = keras.Model(
        x, keras.layers.Dense(1, kernel_initializer=init)(h), name="discriminator"
    )
    return generator, discriminator


def compile_tiny(model):
    import keras

    # eager: a single step does not repay XLA compilation
    model.compile(
        d_optimizer=keras.optimizers.SGD(0.01),
        g_optimizer=keras.optimizers.SGD(0.01),
        jit_compile=False,
    )


# -- messages -----------------------------------------------------------------------------------------


def _location(error):
    """' (code cell 7, line 3: `return x`)' for the innermost frame in the student's code."""
    frames = [
        f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<cell")
    ]
    if not frames:
        return ""
    frame = frames[-1]
    cell = frame.filename.strip("<>").split()[-1]
    line = (frame.line or "").strip()
    return f" (code cell {cell}, line {frame.lineno}: `{line}`)" if line else f" (code cell {cell})"


def describe(error, what):
    """A one-line message for an exception raised by the student's code."""
    if isinstance(error, NotImplementedError):
        return f"{what}: not written yet - it still raises NotImplementedError({str(error)!r})"
    if isinstance(error, MemoryError):
        return (
            f"{what} ran out of memory (limit {MEMORY_LIMIT_MB} MiB): a computation far "
            f"larger than asked?{_location(error)}"
        )
    text = str(error).strip().splitlines()
    text = text[0] if text else ""
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{what} raised {type(error).__name__}: {text}{_location(error)}"


# -- confinement -------------------------------------------------------------------------------------


def _landlock(writable):
    """Allows writes only beneath the `writable` folders (reads stay allowed). Returns a note."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return "no Landlock in this kernel: writes outside the temporary folder are not blocked"
    write = 1 << 1
    handled = write
    for bit in range(4, 13):  # remove dir/file, make char/dir/reg/sock/fifo/block/sym
        handled |= 1 << bit
    if abi >= 2:
        handled |= 1 << 13  # refer
    if abi >= 3:
        handled |= 1 << 14  # truncate
    scoped = 0
    if abi >= 6:
        scoped = 1 | 2  # abstract unix sockets and signals stay inside the sandbox
    attr = (ctypes.c_uint64 * 3)(handled, 0, scoped)
    size = 24 if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = libc.syscall(444, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return f"Landlock unavailable ({os.strerror(ctypes.get_errno())})"

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    for path, access in writable:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        rule = PathBeneath(access & handled, fd)
        if libc.syscall(445, ruleset, 1, ctypes.byref(rule), ctypes.c_uint32(0)) < 0:
            os.close(fd)
            return f"Landlock rule failed ({os.strerror(ctypes.get_errno())})"
        os.close(fd)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS, required to restrict oneself
    if libc.syscall(446, ruleset, ctypes.c_uint32(0)) < 0:
        return f"Landlock restrict failed ({os.strerror(ctypes.get_errno())})"
    os.close(ruleset)
    return "landlock"


def confine(folder, memory_mb, cpu_seconds, sandbox=True):
    """Limits this process before the student's code runs. Returns how writes are confined.

    On Linux: orphaned descendants re-parented here, an address-space limit of `memory_mb` above
    the current size, CPU time and file size limits, then Landlock. Elsewhere (macOS) the CPU
    time and file size limits only, and a note saying so.
    """
    linux = sys.platform.startswith("linux")
    if linux:
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans stay ours
        with open("/proc/self/status") as f:
            size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize"))
        limit = size + int(memory_mb) * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = int(cpu_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an over-large file is an OSError, not a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 2**20, 64 * 2**20))
    if not sandbox:
        return "disabled"
    if not linux:
        return (
            f"no Landlock on {sys.platform}: neither memory nor writes outside the temporary "
            "folder are limited"
        )
    everything = (1 << 15) - 1 - 1  # every handled right but execute
    try:
        return _landlock([(folder, everything), ("/dev", (1 << 1) | (1 << 14))])
    except (OSError, AttributeError) as error:
        return f"Landlock unavailable ({error})"


# -- what the package already implements: calling it is not the student's own answer ------------


_CALLED = []


def _sentinel(name, original):
    def sentinel(*args, **kwargs):
        _CALLED.append(name)
        return original(*args, **kwargs)

    sentinel.__name__ = getattr(original, "__name__", name)
    sentinel.__doc__ = getattr(original, "__doc__", None)
    return sentinel


def install_sentinels(names):
    """Wraps the package's implementations named in `names` so that calls to them are recorded.

    `names` are dotted paths: a function (`keras_gan.losses.gradient_penalty`, replaced in
    every keras_gan module that holds it, so `from keras_gan.losses import ...` is caught too),
    a class (`keras_gan.lab.Pack`: its own `call` is wrapped), or a prefix ending in a dot
    (`keras_gan.models.`: every model's own `train_step`).
    """
    import importlib

    for name in names:
        if name == "keras_gan.models.":
            import keras_gan.models

            for cls_name in dir(keras_gan.models):
                cls = getattr(keras_gan.models, cls_name)
                if isinstance(cls, type) and "train_step" in cls.__dict__:
                    cls.train_step = _sentinel(
                        f"keras_gan.models.{cls_name}.train_step", cls.__dict__["train_step"]
                    )
            continue
        module_name, _, attribute = name.rpartition(".")
        original = getattr(importlib.import_module(module_name), attribute)
        if isinstance(original, type):
            for method in ("call", "__call__"):
                if method in original.__dict__:
                    setattr(original, method, _sentinel(name, original.__dict__[method]))
                    break
            continue
        wrapped = _sentinel(name, original)
        for module in list(sys.modules.values()):  # also `from keras_gan.losses import ...`
            if (getattr(module, "__name__", "") or "").startswith("keras_gan") and getattr(
                module, attribute, None
            ) is original:
                setattr(module, attribute, wrapped)


# -- evaluating the student's code on the grader's inputs -----------------------------------------


class _Returned(Exception):
    """The student's function returned something that is not a tensor."""


def _tensor(message):
    from keras import ops

    return ops.convert_to_tensor(_protocol.decode(message))


def _output(value, what):
    import numpy
    from keras import ops

    if value is None:
        raise _Returned(f"{what} returned None: did you forget the `return`?")
    try:
        array = ops.convert_to_numpy(value)
    except Exception:  # noqa: BLE001 - anything that is not a tensor
        raise _Returned(f"{what} returned {type(value).__name__}, not a tensor") from None
    if numpy.iscomplexobj(array):
        raise _Returned(
            f"{what} returned a complex value ({array.reshape(-1)[:1]}): keep the real part "
            "(a matrix square root of a product of covariances can carry a rounding-size "
            "imaginary part)"
        )
    try:
        return _protocol.encode(array)
    except Exception:  # noqa: BLE001 - anything that is not a tensor
        raise _Returned(f"{what} returned {type(value).__name__}, not a tensor") from None


def _linear_critic(w):
    from keras import ops

    # f(x) = <flatten(x), w>: its input gradient is w everywhere, with norm ||w||; scores (m, 1)
    return lambda x: ops.matmul(ops.reshape(x, (ops.shape(x)[0], -1)), ops.reshape(w, (-1, 1)))


def _quadratic_critic(x):
    from keras import ops

    # f(x) = ||x||^2 / 2 per sample, scores (m, 1): its gradient is x itself
    return 0.5 * ops.sum(ops.square(ops.reshape(x, (ops.shape(x)[0], -1))), axis=1, keepdims=True)


def _evaluate(probe, target, what):
    from keras import ops

    op = probe["op"]
    if op == "call":  # tensors, and plain numbers for the arguments that are not tensors
        arguments = [_tensor(a) if isinstance(a, dict) else a for a in probe["args"]]
        return {"value": _output(target(*arguments), what)}
    if op == "call_grad":  # the output, and the gradient of sum(output * weights) in args[0]
        arguments = [_tensor(a) if isinstance(a, dict) else a for a in probe["args"]]
        weights = _tensor(probe["weights"])
        result = {"value": _output(target(*arguments), what)}
        from keras_gan import backend

        try:
            gradient = backend.input_gradients(
                lambda x: target(x, *arguments[1:]) * weights, arguments[0]
            )
        except Exception:  # noqa: BLE001 - not differentiable (e.g. computed in numpy)
            gradient = None
        if gradient is not None:
            result["gradient"] = _protocol.encode(ops.convert_to_numpy(ops.stop_gradient(gradient)))
        return result
    if op in ("penalty", "penalty_grad"):
        real, fake, epsilon = (_tensor(probe[k]) for k in ("real", "fake", "epsilon"))
        if probe["critic"] == "quadratic":
            return {"value": _output(target(_quadratic_critic, real, fake, epsilon), what)}
        w = _tensor(probe["w"])
        if op == "penalty":
            return {"value": _output(target(_linear_critic(w), real, fake, epsilon), what)}
        from keras_gan import backend

        result = {"value": _output(target(_linear_critic(w), real, fake, epsilon), what)}
        try:
            gradient = backend.input_gradients(
                lambda weights: target(_linear_critic(weights), real, fake, epsilon), w
            )
        except (RuntimeError, AttributeError, TypeError, ValueError):  # not differentiable in w
            gradient = None
        if gradient is not None:
            result["gradient"] = _protocol.encode(ops.convert_to_numpy(ops.stop_gradient(gradient)))
        return result
    if op == "train_step":
        return _train_step(probe, target)
    raise ValueError(f"unknown probe {op!r}")


def _train_step(probe, target):
    from keras import ops

    from keras_gan.adversarial import AdversarialModel

    if isinstance(target, type):
        if not issubclass(target, AdversarialModel):
            raise _Returned(f"{target.__name__} must subclass keras_gan.AdversarialModel")
        cls = target
    else:  # a bare train_step(self, data)
        cls = type("StudentGAN", (AdversarialModel,), {"train_step": target})
    probe_layer = probe_class()
    generator, discriminator = tiny_networks(probe_layer)
    generator.set_weights([_protocol.decode(w) for w in probe["g_weights"]])
    discriminator.set_weights([_protocol.decode(w) for w in probe["d_weights"]])
    model = cls(generator, discriminator, latent_dim=LATENT_DIM, seed=probe["seed"])
    compile_tiny(model)
    probe_layer.calls.clear()
    logs = model.train_on_batch(_protocol.decode(probe["real"]), return_dict=True)
    if not isinstance(logs, dict):
        raise _Returned(f"train_step returned {type(logs).__name__}, not the logs")
    out_logs = {}
    for name, value in logs.items():
        try:
            out_logs[str(name)] = float(ops.convert_to_numpy(value))
        except Exception:  # noqa: BLE001 - a log that is not a number
            out_logs[str(name)] = float("nan")
    return {
        "logs": out_logs,
        "g_weights": [_protocol.encode(w) for w in model.generator.get_weights()],
        "d_weights": [_protocol.encode(w) for w in model.discriminator.get_weights()],
        "flags": [
            [name, flag if isinstance(flag, bool) else None] for name, flag in probe_layer.calls
        ],
    }


# -- the loop ------------------------------------------------------------------------------------


def main():
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the student's prints (and C libraries' output) go to stderr
    sys.stdout = sys.stderr

    def send(message):
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    import keras
    import numpy  # noqa: F401 - imported before the limits, with what the checks need

    import keras_gan  # noqa: F401
    import keras_gan.backend  # noqa: F401
    import keras_gan.models  # noqa: F401

    # start the backend (thread pools, allocators) before the memory limit applies
    keras.ops.convert_to_numpy(keras.ops.matmul(keras.ops.ones((2, 2)), keras.ops.ones((2, 2))))
    global MEMORY_LIMIT_MB
    module = types.ModuleType("student_notebook")
    sys.modules["student_notebook"] = module
    namespace = module.__dict__
    errors = {}
    setup = json.loads(sys.stdin.readline())
    MEMORY_LIMIT_MB = setup["memory_mb"]
    install_sentinels(setup.get("sentinels", ()))
    sandbox = confine(
        setup["folder"], setup["memory_mb"], setup["cpu_seconds"], setup.get("sandbox", True)
    )
    for cell, text in setup.get("cells", {}).items():
        filename = f"<cell {cell}>"
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    for snippet in setup["snippets"]:
        try:
            code = compile(snippet["code"], f"<cell {snippet['cell']}>", "exec")
            exec(code, namespace)
        except BaseException as error:  # noqa: BLE001 - reported, never raised
            key = snippet.get("name") or snippet["code"].strip()[:60]
            errors[key] = describe(error, f"code cell {snippet['cell']}")
    send(
        {
            "nonce": setup["nonce"],
            "ready": True,
            "errors": errors,
            "backend": keras.backend.backend(),
            "sandbox": sandbox,
        }
    )
    for line in sys.stdin:
        request = json.loads(line)
        qualname = request["target"]
        results = []
        forbidden = set(request.get("forbidden", []))
        delegated = []
        target = namespace.get(qualname.split(".")[0])
        for probe in request["probes"]:
            _CALLED.clear()
            try:
                if target is None:
                    raise NameError(f"{qualname} is not defined")
                results.append(_evaluate(probe, target, qualname))
            except _Returned as returned:
                results.append({"error": str(returned)})
            except BaseException as error:  # noqa: BLE001 - the student's code failed
                results.append({"error": describe(error, qualname), "type": type(error).__name__})
                del error
                gc.collect()  # e.g. what a MemoryError left behind
            delegated += [
                name
                for name in _CALLED
                if name in forbidden
                or any(f.endswith(".") and name.startswith(f) for f in forbidden)
            ]
        send({"nonce": request["nonce"], "results": results, "delegated": sorted(set(delegated))})


if __name__ == "__main__":
    main()
