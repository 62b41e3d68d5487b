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


_prepare_backend()

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
