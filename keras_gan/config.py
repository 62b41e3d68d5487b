"""Training configs: one dataclass per variant, every default with its reason.

The command line derives its flags from these fields (`python -m keras_gan.train dcgan --help`).
Where a model is scaled down to run on a CPU, the field holds the CPU value and the class's
`PAPER` dict holds the paper's, applied with `--paper`.
"""

import dataclasses
from typing import ClassVar


@dataclasses.dataclass
class TrainConfig:
    """Fields every variant has."""

    # Dataset name for keras_gan.datasets.load (or a folder of images).
    dataset: str = "mnist"
    # Resize images to this square size; None keeps the dataset's own size.
    image_size: int | None = None
    # Minibatch size m of the paper's algorithm.
    batch_size: int = 64
    # Passes over the training set.
    epochs: int = 5
    # Steps per epoch: a CPU-sized epoch (a sample grid and a checkpoint each); None makes an
    # epoch a full pass over the dataset, as in the papers (--paper).
    steps_per_epoch: int | None = 200
    # Seed of the weights, the model's random stream and the data order.
    seed: int = 0

    # The paper's settings where the defaults above scale it down for a CPU.
    PAPER: ClassVar[dict] = {}

    def with_paper_settings(self):
        """A copy with the paper's settings applied (epochs are full passes over the data)."""
        return dataclasses.replace(self, **{"steps_per_epoch": None, **self.PAPER})

    def to_dict(self):
        return dataclasses.asdict(self)
