"""keras_gan: Generative Adversarial Networks, paper by paper, on Keras 3.

Every variant is a `keras.Model` whose `train_step` is its paper's algorithm, written once with
`keras.ops`, and trains on the TensorFlow, JAX and PyTorch backends.
"""

__version__ = "0.1.0"

from keras_gan import losses, models, networks  # noqa: E402
from keras_gan.adversarial import AdversarialModel  # noqa: E402

__all__ = ["AdversarialModel", "losses", "models", "networks", "__version__"]
