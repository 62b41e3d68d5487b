"""Milliseconds per DCGAN adversarial step on every Keras backend, against plain PyTorch.

One step is one discriminator update and one generator update of `keras_gan.models.DCGAN`
(28x28x1, batch 64 by default), driven by `model.train_on_batch` on one fixed in-memory batch
(`--loop fit` times `model.fit` on a repeated `tf.data` batch instead, with an
`on_train_batch_end` timestamp callback). Rows:

    tensorflow           TensorFlow backend, tf.function, no XLA
    tensorflow-xla       TensorFlow backend, jit_compile=True
    jax-phases           JAX backend (jit), transposed convolutions as four 2x2 convolutions
    jax-native           JAX backend (jit), keras.ops.conv_transpose
    jax-phases-hidden    JAX backend (jit), phases in the hidden layer, native in the output layer
    torch                torch backend, eager
    torch-reference      plain PyTorch, benchmarks/torch_reference.py (same networks and step)

Each row runs in its own worker process (KERAS_BACKEND is read at first import). Workers start
one after another, each compiling and warming up alone; then the timed steps run in
interleaved rounds (row 1, row 2, ..., row 1, ...), so that load from other processes on a
shared machine falls on every row alike. Reported per row: median, p10 and p90 of ms/step, the
first step (trace + compile + run), and the ratio of medians to plain PyTorch.

Usage:

    python benchmarks/step_time.py                                   # all rows, CPU
    python benchmarks/step_time.py --backends jax,reference --steps 30 --output out.json
    python benchmarks/step_time.py --device gpu                      # torch on cuda, JAX/TF GPU if any
    python benchmarks/step_time.py --device gpu --precision bfloat16 # the Keras rows in bfloat16
    python benchmarks/step_time.py --profile-layers                  # JAX: the transposed convs alone
"""

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name -> (backend, options)
ROWS = {
    "tensorflow": ("tensorflow", {"jit_compile": False}),
    "tensorflow-xla": ("tensorflow", {"jit_compile": True}),
    "jax-phases": ("jax", {"jit_compile": True, "implementation": "phases"}),
    "jax-native": ("jax", {"jit_compile": True, "implementation": "native"}),
    # Phases only where they pay: the 1-channel output layer is faster native (--profile-layers).
    "jax-phases-hidden": ("jax", {"jit_compile": True, "implementation": "phases-hidden"}),
    "torch": ("torch", {"jit_compile": False}),
    "torch-reference": ("reference", {}),
}
REFERENCE = "torch-reference"


# -- Worker side: one row, in its own process ----------------------------------------------------


def _device_info(backend, device):
    info = {}
    if backend in ("torch", "reference"):
        import torch

        info["torch_threads"] = torch.get_num_threads()
        info["device"] = "cuda" if device == "gpu" and torch.cuda.is_available() else "cpu"
    if backend == "jax":
        import jax

        info["device"] = str(jax.devices()[0])
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        info["device"] = gpus[0].name if gpus else "cpu"
        info["tf_threads"] = [
            tf.config.threading.get_intra_op_parallelism_threads(),
            tf.config.threading.get_inter_op_parallelism_threads(),
        ]
    return info


def _keras_runner(row, batch_size, loop, device, precision="float32"):
    """Builds, compiles and warms nothing yet; returns a function running n timed steps."""
    import numpy as np

    sys.path.insert(0, ROOT)
    import keras

    from keras_gan.layers import Conv2DTranspose
    from keras_gan.models import DCGAN
    from keras_gan.run import PRECISIONS

    _, options = ROWS[row]
    keras.utils.set_random_seed(0)
    keras.config.set_dtype_policy(PRECISIONS[precision])  # --precision, as the CLI builds it
    model = DCGAN(image_shape=(28, 28, 1), latent_dim=100, seed=0)
    implementation = options.get("implementation")
    if implementation:
        layers = [x for x in model.generator.layers if isinstance(x, Conv2DTranspose)]
        for i, layer in enumerate(layers):
            if implementation == "phases-hidden":  # native for the output layer only
                layer.implementation = "native" if i == len(layers) - 1 else "phases"
            else:
                layer.implementation = implementation
    model.compile(jit_compile=options["jit_compile"])
    rng = np.random.default_rng(0)
    # One fixed batch of "images" in [-1, 1]
    images = rng.uniform(-1, 1, size=(batch_size, 28, 28, 1)).astype("float32")
    uses_phases = [
        layer.uses_phases for layer in model.generator.layers if isinstance(layer, Conv2DTranspose)
    ]

    train_on_batch, extra = model.train_on_batch, {"uses_phases": uses_phases}
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        # keras_gan's train_on_batch validates the data with a tf import; a machine without
        # TensorFlow (a torch-only GPU image) runs Keras' own train_on_batch, minus that check.
        train_on_batch = functools.partial(keras.Model.train_on_batch, model)
        extra["data_check_skipped"] = True

    if loop == "train_on_batch":

        def run(n):
            times = []
            for _ in range(n):
                start = time.perf_counter()
                # Returns the logs as numpy: the step has finished on every backend and device.
                train_on_batch(images)
                times.append((time.perf_counter() - start) * 1e3)
            return times

        return run, extra

    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensors(images).repeat()

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                self.stamps = [time.perf_counter()]

        def on_train_batch_end(self, batch, logs=None):
            # A custom callback makes Keras convert the logs to Python numbers every batch,
            # which waits for the step to finish: the stamps delimit finished steps.
            self.stamps.append(time.perf_counter())

    timer = Timer()

    def run(n):
        model.fit(dataset, epochs=1, steps_per_epoch=n, verbose=0, callbacks=[timer])
        return [(b - a) * 1e3 for a, b in zip(timer.stamps, timer.stamps[1:])]

    return run, extra


def _reference_runner(batch_size, device):
    import torch

    sys.path.insert(0, HERE)
    from torch_reference import AdversarialStep, Discriminator, Generator, init_weights

    torch_device = "cuda" if device == "gpu" and torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    generator, discriminator = Generator().to(torch_device), Discriminator().to(torch_device)
    init_weights(generator)
    init_weights(discriminator)
    step = AdversarialStep(generator, discriminator, reuse_fake=False)
    real = torch.rand(batch_size, 1, 28, 28, device=torch_device) * 2 - 1

    def run(n):
        times = []
        for _ in range(n):
            start = time.perf_counter()
            d_loss, g_loss = step(real)
            # Read the losses back, as train_on_batch does: waits for the step on any device.
            float(d_loss), float(g_loss)
            times.append((time.perf_counter() - start) * 1e3)
        return times

    return run, {"reuse_fake": False}


def worker(row, batch_size, warmup, loop, device, torch_threads=0, precision="float32"):
    """Serves one row: prints a ready line, then answers 'n' with n step times (JSON lines)."""
    backend, _ = ROWS[row]
    if torch_threads and backend in ("torch", "reference"):
        import torch

        torch.set_num_threads(torch_threads)
    start = time.perf_counter()
    if backend == "reference":
        run, extra = _reference_runner(batch_size, device)
    else:
        run, extra = _keras_runner(row, batch_size, loop, device, precision)
    setup_ms = (time.perf_counter() - start) * 1e3
    # The first step traces and compiles (tf.function, XLA, jax.jit); then the warm-up.
    first = run(1)[0] if loop == "train_on_batch" or backend == "reference" else None
    if first is None:  # fit: the first call also builds the loop; time the whole call
        t = time.perf_counter()
        run(1)
        first = (time.perf_counter() - t) * 1e3
    run(warmup)
    ready = {"setup_ms": setup_ms, "first_step_ms": first, **extra, **_device_info(backend, device)}
    print(json.dumps({"ready": ready}), flush=True)
    for line in sys.stdin:
        n = int(line)
        if n <= 0:
            break
        print(json.dumps({"times_ms": run(n)}), flush=True)


# -- The JAX transposed-convolution profile ------------------------------------------------------


def profile_layers(batch_size, repeats=10):
    """Times jax.jit of the generator's transposed convolutions alone, native vs phases.

    For each layer shape: the forward pass, the input gradient, the kernel gradient and both
    gradients together, of `sum(y * g)` for a fixed random cotangent `g` (median ms), plus
    the largest difference from the native op, relative to the native op's largest value.
    """
    import jax
    import jax.numpy as jnp
    import numpy as np

    sys.path.insert(0, ROOT)
    import keras

    from keras_gan.layers import Conv2DTranspose

    def native(x, kernel):
        return keras.ops.conv_transpose(x, kernel, strides=2, padding="same")

    def median_ms(fn, *args):
        jax.block_until_ready(fn(*args))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            jax.block_until_ready(fn(*args))
            times.append((time.perf_counter() - start) * 1e3)
        return round(statistics.median(times), 2)

    def _relative(value, reference):
        return float(jnp.abs(value - reference).max() / jnp.abs(reference).max())

    rng = np.random.default_rng(0)
    results = {}
    # DCGAN 28x28 generator: up1 (7x7x128 -> 14x14x64), up2 (14x14x64 -> 28x28x1)
    for name, (size, channels, filters) in {
        "up1_7to14": (7, 128, 64),
        "up2_14to28": (14, 64, 1),
    }.items():
        x = jnp.asarray(rng.normal(size=(batch_size, size, size, channels)), jnp.float32)
        kernel = jnp.asarray(rng.normal(0, 0.02, size=(4, 4, filters, channels)), jnp.float32)
        cotangent = jnp.asarray(
            rng.normal(size=(batch_size, 2 * size, 2 * size, filters)), jnp.float32
        )
        reference = native(x, kernel)
        row = {}
        for label, fn in (("native", native), ("phases", Conv2DTranspose._phases)):
            # sum(y * g): its gradients are the layer's VJPs with cotangent g
            def loss(x, kernel, fn=fn, cotangent=cotangent):
                return jnp.sum(fn(x, kernel) * cotangent)

            grads = jax.jit(jax.grad(loss, (0, 1)))(x, kernel)
            reference_grads = jax.jit(jax.grad(functools.partial(loss, fn=native), (0, 1)))(
                x, kernel
            )
            row[label] = {
                "forward_ms": median_ms(jax.jit(fn), x, kernel),
                "grad_input_ms": median_ms(jax.jit(jax.grad(loss, 0)), x, kernel),
                "grad_kernel_ms": median_ms(jax.jit(jax.grad(loss, 1)), x, kernel),
                "grad_both_ms": median_ms(jax.jit(jax.grad(loss, (0, 1))), x, kernel),
                # max |a - b| / max |b|, against the native op
                "max_rel_diff": {
                    "output": _relative(fn(x, kernel), reference),
                    "grad_input": _relative(grads[0], reference_grads[0]),
                    "grad_kernel": _relative(grads[1], reference_grads[1]),
                },
            }
        results[name] = row
    results["batch_size"] = batch_size
    results["device"] = str(jax.devices()[0])
    return results


# -- Parent side ----------------------------------------------------------------------------------


def _machine_info(device):
    info = {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "requested_device": device,
    }
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        info["cpu_model"] = names[0] if names else None
    except OSError:
        pass
    try:
        with open("/proc/loadavg") as f:
            info["load_average_at_start"] = f.read().split()[:3]
    except OSError:
        pass
    from importlib import metadata

    for package in ("keras", "jax", "jaxlib", "tensorflow-cpu", "tensorflow", "torch"):
        try:
            info[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return info


def _start(row, args):
    backend, _ = ROWS[row]
    env = dict(os.environ)
    env["KERAS_BACKEND"] = backend if backend != "reference" else "torch"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.device == "cpu":
        # Keep every framework off any GPU the machine may have.
        env["CUDA_VISIBLE_DEVICES"] = ""
        env["JAX_PLATFORMS"] = "cpu"
        env["KERAS_TORCH_DEVICE"] = "cpu"
    else:
        # Several workers share one GPU: JAX must not preallocate 75% of it in each of them.
        env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
        env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    if backend == "jax" and args.jax_xla_flags:
        env["XLA_FLAGS"] = args.jax_xla_flags
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        row,
        "--batch-size",
        str(args.batch_size),
        "--warmup",
        str(args.warmup),
        "--loop",
        args.loop,
        "--device",
        args.device,
        "--torch-threads",
        str(args.torch_threads),
        "--precision",
        args.precision,
    ]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    return process


def _read(process, row):
    for line in process.stdout:
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(
        f"The worker for row {row!r} exited (code {process.wait()}); see its stderr."
    )


def _percentile(values, q):
    values = sorted(values)
    position = (len(values) - 1) * q
    low, high = int(position), min(int(position) + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def run_benchmark(args):
    selected = {b.strip() for b in args.backends.split(",") if b.strip()}
    unknown = selected - {"tensorflow", "jax", "torch", "reference"}
    if unknown:
        raise ValueError(
            "--backends takes tensorflow, jax, torch, reference. "
            f"Received: {','.join(sorted(unknown))}"
        )
    rows = [row for row, (backend, _) in ROWS.items() if backend in selected]
    workers, ready = {}, {}
    try:
        for row in rows:  # one at a time: each compiles with the machine to itself
            print(f"starting {row} ...", file=sys.stderr, flush=True)
            workers[row] = _start(row, args)
            ready[row] = _read(workers[row], row)["ready"]
        times = {row: [] for row in rows}
        rounds = max(1, min(args.rounds, args.steps))
        for r in range(rounds):
            n = args.steps // rounds + (1 if r < args.steps % rounds else 0)
            for row in rows:
                workers[row].stdin.write(f"{n}\n")
                workers[row].stdin.flush()
                times[row] += _read(workers[row], row)["times_ms"]
            print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    finally:
        for process in workers.values():
            try:
                process.stdin.write("0\n")
                process.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            process.wait(timeout=120)

    results = {}
    for row in rows:
        values = times[row]
        results[row] = {
            "ms_per_step": round(statistics.median(values), 1),
            "p10_ms": round(_percentile(values, 0.1), 1),
            "p90_ms": round(_percentile(values, 0.9), 1),
            "first_step_ms": round(ready[row]["first_step_ms"], 1),
            "steps": len(values),
            **{k: v for k, v in ready[row].items() if k not in ("first_step_ms", "setup_ms")},
        }
    if REFERENCE in results:
        base = results[REFERENCE]["ms_per_step"]
        for row in rows:
            results[row]["x_plain_pytorch"] = round(results[row]["ms_per_step"] / base, 2)
    return {
        "benchmark": "DCGAN 28x28x1 adversarial step (1 D update + 1 G update)",
        "batch_size": args.batch_size,
        "precision": args.precision,  # of the Keras rows; plain PyTorch stays float32
        "loop": args.loop,
        "warmup": args.warmup,
        "rounds": rounds,
        "jax_xla_flags": args.jax_xla_flags,
        "torch_threads_option": args.torch_threads,
        "machine": _machine_info(args.device),
        "rows": results,
        "command": "python benchmarks/step_time.py " + " ".join(sys.argv[1:]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=30, help="timed steps per row (default 30)")
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed steps after the first (default 3)"
    )
    parser.add_argument("--batch-size", type=int, default=64, help="default 64")
    parser.add_argument(
        "--backends",
        default="tensorflow,jax,torch,reference",
        help="comma-separated subset of tensorflow,jax,torch,reference (default: all)",
    )
    parser.add_argument("--device", default="cpu", choices=["cpu", "gpu"], help="default cpu")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument(
        "--loop",
        default="train_on_batch",
        choices=["train_on_batch", "fit"],
        help="how Keras steps are driven (default train_on_batch)",
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=0,
        help="torch intra-op threads for the torch rows (default 0: torch's own choice)",
    )
    parser.add_argument("--jax-xla-flags", default="", help="XLA_FLAGS for the JAX rows only")
    parser.add_argument(
        "--profile-layers",
        action="store_true",
        help="time only the JAX transposed convolutions (forward, gradients), native vs phases",
    )
    parser.add_argument(
        "--precision",
        default="float32",
        choices=["float32", "bfloat16", "float16"],
        help="what the Keras rows compute in, as the command line's --precision (default "
        "float32; plain PyTorch stays float32)",
    )
    parser.add_argument("--output", help="also write the JSON to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        worker(
            args.worker, args.batch_size, args.warmup, args.loop, args.device, args.torch_threads,
            args.precision,
        )  # fmt: skip
        return
    if args.profile_layers:
        if os.environ.get("KERAS_BACKEND", "jax") != "jax" or "keras" in sys.modules:
            raise ValueError("--profile-layers runs on JAX: unset KERAS_BACKEND or set it to jax.")
        os.environ["KERAS_BACKEND"] = "jax"
        if args.device == "cpu":
            os.environ["JAX_PLATFORMS"] = "cpu"
        if args.jax_xla_flags:
            os.environ["XLA_FLAGS"] = args.jax_xla_flags
        result = {
            "benchmark": "JAX transposed convolutions of the DCGAN 28x28 generator",
            "jax_layer_profile": profile_layers(args.batch_size),
            "machine": _machine_info(args.device),
            "command": "python benchmarks/step_time.py " + " ".join(sys.argv[1:]),
        }
    else:
        result = run_benchmark(args)
    text = json.dumps(result, indent=2)
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
