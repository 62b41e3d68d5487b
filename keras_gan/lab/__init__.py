"""The mode-collapse lab: the VEEGAN/PacGAN protocols, packing, minibatch std, and plots.

- `toy.count_modes(samples, "ring"|"grid")`: modes captured, % high quality, reverse KL.
- `stacked_mnist.count_modes(images)`: modes of 1,000 and KL to uniform, with the MNIST classifier.
- `pack_discriminator(network, m)` (PacGAN) and `MinibatchStdDev` (Karras et al. 2018).
- `run_toy(...)`: train and evaluate a toy GAN; `plots`: decision-surface animations, sample
  grids, nearest training neighbours.

See `docs/mode_collapse.md`.
"""

from keras_gan.lab import stacked_mnist, toy
from keras_gan.lab.experiments import build_toy_gan, run_toy, toy_discriminator, toy_generator
from keras_gan.lab.layers import MinibatchStdDev, Pack
from keras_gan.lab.packing import pack_discriminator, packed_shape

__all__ = [
    "MinibatchStdDev",
    "Pack",
    "build_toy_gan",
    "pack_discriminator",
    "packed_shape",
    "run_toy",
    "stacked_mnist",
    "toy",
    "toy_discriminator",
    "toy_generator",
]
