"""The first run a new user makes, timed and scored: `python -m keras_gan.train dcgan`.

Runs the default command end to end in a subprocess (imports, data preparation, compilation,
training, sample grids, checkpoints: everything the user waits for, so not an in-process
`keras_gan.Run`), then opens the finished run with `keras_gan.Run.resume` (its config and its
`checkpoints/last.keras`), draws `--samples` digits and reads them with the project's MNIST
classifier (`keras_gan.metrics.classifier`, cached; trained on first use, before the timed run).

The goal (issue 20, item 9): at most about 5 minutes on a 2-core CPU with JAX, at least 90% of
the samples read with confidence >= 0.9, and every digit's share between half and twice 10%.
The same figures for 2,000 real MNIST test digits are recorded as the reference.

The JSON (default `benchmarks/results/first_run_cpu<cores>_<backend>.json`) holds the command,
its wall time, the figures, the versions and the machine's load: the load average and the CPU
time other processes used while the command ran (`others_cores`: 0 on an idle machine, 1 when
they kept one core busy throughout).

Usage (MNIST offline from the raw files)::

    export KERAS_GAN_DATA_DIR=/work/shared/data
    python benchmarks/first_run.py                        # KERAS_BACKEND=jax, the default command
    python benchmarks/first_run.py --backend torch
    python benchmarks/first_run.py --output /tmp/x.json -- --steps 500 --base-filters 32
                                                          # flags after -- go to keras_gan.train
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
GOAL = {"max_seconds": 300, "confident_share": 0.9, "confidence": 0.9, "digit_share": [0.05, 0.2]}


def _cpu_busy_seconds():
    """Seconds of CPU time the whole machine has spent busy since boot (from /proc/stat)."""
    with open("/proc/stat") as file:
        fields = [int(v) for v in file.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _load_average():
    with open("/proc/loadavg") as file:
        return [float(v) for v in file.read().split()[:3]]


class _LoadSampler(threading.Thread):
    """Samples the 1-minute load average every `interval` seconds while the command runs."""

    def __init__(self, interval=5.0):
        super().__init__(daemon=True)
        self.interval, self.samples, self.done = interval, [], threading.Event()

    def run(self):
        while not self.done.wait(self.interval):
            self.samples.append(_load_average()[0])


def _versions():
    from importlib import metadata

    found = {"python": platform.python_version()}
    for package in ("keras", "keras-gan", "jax", "jaxlib", "tensorflow-cpu", "tensorflow", "torch"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return found


def _machine():
    info = {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
    }
    try:
        with open("/proc/cpuinfo") as file:
            names = [
                line.split(":", 1)[1].strip() for line in file if line.startswith("model name")
            ]
        info["cpu_model"] = names[0] if names else None
    except OSError:
        pass
    return info


def train(command, env):
    """Runs `command`; returns (exit status, wall seconds, load record, output tail)."""
    sampler = _LoadSampler()
    busy_before, children_before = _cpu_busy_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = _load_average()
    start = time.perf_counter()
    sampler.start()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    tail = []
    for line in process.stdout:  # pass the run's output through, keep the end of it
        sys.stderr.write(line)
        tail = (tail + [line.rstrip()])[-40:]
    status = process.wait()
    wall = time.perf_counter() - start
    sampler.done.set()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = (children.ru_utime + children.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    others = max(0.0, _cpu_busy_seconds() - busy_before - own)
    load = {
        "load_average_at_start": load_before,
        "load_average_at_end": _load_average(),
        "load_average_1min_during": sampler.samples,
        "command_cpu_seconds": round(own, 1),
        "command_cores": round(own / wall, 2),
        "others_cpu_seconds": round(others, 1),
        "others_cores": round(others / wall, 2),
    }
    return status, wall, load, tail


def _read(network, images):
    import numpy as np

    probs = np.concatenate([network(images[i : i + 500])[1] for i in range(0, len(images), 500)])
    confidence, digits = probs.max(axis=1), probs.argmax(axis=1)
    counts = np.bincount(digits, minlength=10)
    shares = counts / len(images)
    return {
        "samples": int(len(images)),
        "confident_share": round(float((confidence >= GOAL["confidence"]).mean()), 4),
        "mean_confidence": round(float(confidence.mean()), 4),
        "digit_counts": counts.tolist(),
        "digit_shares": [round(float(s), 4) for s in shares],
        "min_digit_share": round(float(shares.min()), 4),
        "max_digit_share": round(float(shares.max()), 4),
    }


def score(run, num_samples, seed):
    """The classifier's reading of `num_samples` digits of `run`'s model and of as many real ones.

    Both go through `keras_gan.metrics.classifier_network("mnist")`, as `keras_gan.evaluate`
    does: images of another size than 28x28 are resized to it first, real and generated alike.

    Args:
        run: the finished `keras_gan.Run` (`keras_gan.Run.resume(run_dir)`): its model is the
            last checkpoint's.
        num_samples: int, generated digits scored (and real test digits).
        seed: int, seed of the scored latents.
    """
    import numpy as np

    from keras_gan import checkpoints, datasets, metrics

    network = metrics.classifier_network("mnist")
    generated = _read(network, run.model.generate(num_samples, seed=seed))
    test = datasets.load(
        "mnist", split="test", batch_size=500, image_size=run.config.image_size, shuffle=False,
        drop_remainder=False,
    )  # fmt: skip
    real = np.concatenate([np.asarray(b) for b in test.take(-(-num_samples // 500))])[:num_samples]
    return {
        "step": checkpoints.step_of(run.model),
        "generated": generated,
        "real_test_digits": _read(network, real),
        "classifier": network.describe(),
    }


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--backend",
        default=os.environ.get("KERAS_BACKEND", "jax"),
        choices=("jax", "tensorflow", "torch"),
    )
    parser.add_argument(
        "--samples", type=int, default=2000, help="generated digits scored. Default: 2000"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the scored latents. Default: 1"
    )
    parser.add_argument(
        "--run-dir", default=None, help="the run's --output. Default: a new temporary folder"
    )
    parser.add_argument(
        "--output",
        default=None,
        help="JSON path. Default: results/first_run_cpu<cores>_<backend>.json",
    )
    args = parser.parse_args(argv)
    # The command's environment is this shell's, before this process imports tensorflow (which
    # sets TF_CPP_MIN_LOG_LEVEL=1 for itself; inherited, it would let TF's warnings through).
    user_env = dict(os.environ)
    if not os.environ.get("KERAS_GAN_DATA_DIR"):
        print(
            "note: KERAS_GAN_DATA_DIR is unset; MNIST comes from tensorflow-datasets (network).",
            file=sys.stderr,
        )

    # Score in this process on the same backend; the classifier is ready before the clock starts.
    os.environ["KERAS_BACKEND"] = args.backend
    from keras_gan.metrics.classifier import load_classifier

    load_classifier("mnist")

    run_dir = args.run_dir or os.path.join(tempfile.mkdtemp(prefix="first_run_"), "dcgan")
    command = [sys.executable, "-m", "keras_gan.train", "dcgan", "--output", run_dir, *extra]
    shown = f"KERAS_BACKEND={args.backend} python -m keras_gan.train dcgan" + "".join(
        f" {a}" for a in extra
    )
    print(f"running: {shown} (--output {run_dir})", file=sys.stderr)
    status, wall, load, tail = train(command, {**user_env, "KERAS_BACKEND": args.backend})
    result = {
        "benchmark": "first run: the default `python -m keras_gan.train dcgan`, timed and scored",
        "command": shown,
        "backend": args.backend,
        "exit_status": status,
        "wall_seconds": round(wall, 1),
        "goal": GOAL,
        "run_dir": run_dir,
        "machine": _machine(),
        "load": load,
        "versions": _versions(),
    }
    with open(os.path.join(run_dir, "config.json")) as file:
        run = json.load(file)
    result["config"] = run["config"]
    result["total_steps"] = run.get("total_steps")
    if status == 0:
        import keras_gan

        # The command's run, read back as a Run: its config and its last checkpoint's model.
        result.update(score(keras_gan.Run.resume(run_dir), args.samples, args.seed))
        generated = result["generated"]
        low, high = GOAL["digit_share"]
        result["meets_goal"] = {
            "time": wall <= GOAL["max_seconds"],
            "confident": generated["confident_share"] >= GOAL["confident_share"],
            "digit_shares": low <= generated["min_digit_share"]
            and generated["max_digit_share"] <= high,
        }
    else:
        result["output_tail"] = tail
    path = args.output or os.path.join(
        RESULTS, f"first_run_cpu{os.cpu_count()}_{args.backend}.json"
    )
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as file:
        json.dump(result, file, indent=1)
    summary = {k: result[k] for k in ("wall_seconds", "exit_status") if k in result}
    if "generated" in result:
        summary.update(
            {
                k: result["generated"][k]
                for k in ("confident_share", "min_digit_share", "max_digit_share")
            }
        )
        summary["meets_goal"] = result["meets_goal"]
    print(json.dumps(summary))
    print(f"wrote {path}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
