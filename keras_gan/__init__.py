"""keras_gan: Generative Adversarial Networks, paper by paper, on Keras 3.

Every variant is a `keras.Model` whose `train_step` is its paper's algorithm, written once with
`keras.ops`, and trains on the TensorFlow, JAX and PyTorch backends.
"""

__version__ = "0.1.0"


def _prepare_backend():
    """Says which extra to install when KERAS_BACKEND names a framework that is missing; on the
    command line (`python -m keras_gan.*`), also keeps TensorFlow's C++ log lines out of view."""
    import importlib.util
    import json
    import os
    import sys

    command_line = bool(sys.argv) and sys.argv[0] == "-m"  # runpy imports the package first
    if command_line:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    backend = os.environ.get("KERAS_BACKEND")
    if backend is None:
        try:
            home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
            with open(os.path.join(home, "keras.json")) as file:
                backend = json.load(file).get("backend")
        except (OSError, ValueError, AttributeError):
            backend = None
    module, extra = {"jax": ("jax", "jax"), "torch": ("torch", "torch")}.get(backend, (None, None))
    if module is None or importlib.util.find_spec(module) is not None:
        return
    message = (
        f"KERAS_BACKEND={backend} needs {module}, which is not installed. Install keras_gan's "
        f"'{extra}' extra: pip install 'keras_gan[{extra}]' (in a clone: pip install -e "
        f'".[{extra}]"), or choose another backend: KERAS_BACKEND=tensorflow.'
    )
    if command_line:
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)
    raise ImportError(message)


def _import_tensorflow_quietly():
    """Imports TensorFlow (keras_gan's input pipelines need it on every backend) without the
    INFO lines its C++ start-up writes straight to file descriptor 2 before any log level
    applies (absl's "All log messages before absl::InitializeLog() ...", "oneDNN custom
    operations are on ...", the CPU-feature notice), which otherwise open every notebook's
    first output and every command's output. Its warnings and errors, and anything else
    written meanwhile, are passed on; `TF_CPP_MIN_LOG_LEVEL=0` passes everything on."""
    import importlib.util
    import os
    import re
    import sys
    import tempfile

    if "tensorflow" in sys.modules or importlib.util.find_spec("tensorflow") is None:
        return
    info = re.compile(
        r"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
        r"|I\d{4} [\d:.]+ +\d+ \S+:\d+\] "
        r"|To enable the following instructions: .* rebuild TensorFlow)"
    )
    saved = None
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "0":
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (AttributeError, OSError, ValueError):  # no descriptor 2 (an embedded interpreter)
            saved = None
    if saved is None:
        import tensorflow  # noqa: F401

        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            try:
                sys.stderr.flush()
            except (AttributeError, OSError, ValueError):
                pass
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines = capture.read().decode("utf-8", "replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not info.match(line))
            if kept:
                sys.stderr.write(kept)


_prepare_backend()
_import_tensorflow_quietly()

from keras_gan import augment, ema, losses, models, networks  # noqa: E402
from keras_gan.adversarial import AdversarialBase, AdversarialModel, TranslationModel  # noqa: E402
from keras_gan.run import Run  # noqa: E402  (the standard library only: costs nothing to import)

__all__ = [
    "AdversarialBase",
    "AdversarialModel",
    "TranslationModel",
    "Run",
    "augment",
    "ema",
    "losses",
    "models",
    "networks",
    "__version__",
]
